//! Linear layers in 8-bit integers: a quarter of the memory traffic of f32 weights, and more
//! multiply-adds per instruction. With AVX-512 VNNI one `vpdpbusd` multiplies and adds 64
//! byte pairs where an f32 FMA handles 16 floats: a question's embedding goes from ~6 ms to
//! ~2 ms on one core (see BENCHMARKS.md), inside the decision-time budget. With AVX2 only,
//! `vpmaddubsw` + `vpmaddwd` do 32 byte pairs in two instructions.
//!
//! Weights are quantized once at load, symmetrically, one scale per output row. Each token's
//! input row is quantized when the layer runs, with its own scale, to unsigned bytes with an
//! offset (the instructions multiply unsigned by signed bytes); the offset is taken back out
//! with each weight row's sum. AVX2's pairwise sums saturate at 16 bits, so its inputs use 7
//! bits (±63) instead of 8 (±127): 2 × 127 × 127 still fits. The embeddings stay within
//! ~0.02 of the f32 ones in cosine (tested), and the validation figures were re-measured.

/// Which integer kernel runs the layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kernel {
    /// AVX-512 VNNI, 8-bit inputs.
    Vnni,
    /// AVX2, 7-bit inputs.
    Avx2,
}

impl Kernel {
    /// The fastest kernel this processor runs, if any.
    pub fn detect() -> Option<Kernel> {
        if has_vnni() {
            Some(Kernel::Vnni)
        } else if has_avx2() {
            Some(Kernel::Avx2)
        } else {
            None
        }
    }

    /// Input levels on each side of zero, and the offset that makes them unsigned.
    fn levels(self) -> (f32, f32) {
        match self {
            Kernel::Vnni => (127.0, 128.0),
            Kernel::Avx2 => (63.0, 64.0),
        }
    }

    /// Bytes the kernel reads per step (the input length must be a multiple).
    fn step(self) -> usize {
        match self {
            Kernel::Vnni => 64,
            Kernel::Avx2 => 32,
        }
    }

    fn available(self) -> bool {
        match self {
            Kernel::Vnni => has_vnni(),
            Kernel::Avx2 => has_avx2(),
        }
    }
}

/// One linear layer's weights as signed bytes.
pub struct Quantized {
    kernel: Kernel,
    weight: Vec<i8>,
    /// Per output row: the float a weight byte of 1 stands for.
    scale: Vec<f32>,
    /// Per output row: the sum of its weight bytes (removes the inputs' 128 offset).
    row_sum: Vec<i32>,
    inputs: usize,
}

impl Quantized {
    /// Quantizes `weight` (`[out][in]`, as PyTorch stores it) for `kernel`.
    pub fn new(weight: &[f32], inputs: usize, kernel: Kernel) -> Quantized {
        let rows = weight.len() / inputs;
        let (mut q, mut scale, mut row_sum) = (
            Vec::with_capacity(weight.len()),
            Vec::with_capacity(rows),
            Vec::with_capacity(rows),
        );
        for row in weight.chunks_exact(inputs) {
            let s = step_of(row, 127.0);
            let bytes: Vec<i8> = row
                .iter()
                .map(|v| (v / s).round().clamp(-127.0, 127.0) as i8)
                .collect();
            row_sum.push(bytes.iter().map(|&b| b as i32).sum());
            scale.push(s);
            q.extend(bytes);
        }
        Quantized {
            kernel,
            weight: q,
            scale,
            row_sum,
            inputs,
        }
    }

    /// Whether this processor can run `apply`, and the layer's shape suits the kernel.
    pub fn usable(&self) -> bool {
        self.inputs.is_multiple_of(self.kernel.step())
            && self.scale.len().is_multiple_of(2)
            && self.kernel.available()
    }

    /// `y = x · weightᵀ + bias` for `x` = `[tokens][in]`. Callers check `usable()` first.
    pub fn apply(&self, x: &[f32], bias: &[f32], y: &mut [f32]) {
        assert!(
            self.usable(),
            "quantized layer used on the wrong processor or shape"
        );
        let (levels, offset) = self.kernel.levels();
        let (bytes, scales) = quantize_inputs(x, self.inputs, levels, offset);
        let off = offset as i32;
        // SAFETY: `usable()` checked the processor's features and the shapes.
        #[cfg(target_arch = "x86_64")]
        unsafe {
            match self.kernel {
                Kernel::Vnni => simd::linear_vnni(self, &bytes, &scales, off, bias, y),
                Kernel::Avx2 => simd::linear_avx2(self, &bytes, &scales, off, bias, y),
            }
        }
    }
}

/// The float one integer step stands for when `row` is quantized symmetrically to
/// ±`levels`: its largest magnitude maps to the last level.
fn step_of(row: &[f32], levels: f32) -> f32 {
    row.iter().fold(0f32, |m, v| m.max(v.abs())).max(1e-12) / levels
}

/// Each token's row as bytes offset by `offset` (±`levels` around it), and the float one
/// step stands for.
fn quantize_inputs(x: &[f32], inputs: usize, levels: f32, offset: f32) -> (Vec<u8>, Vec<f32>) {
    let mut bytes = Vec::with_capacity(x.len());
    let mut scales = Vec::with_capacity(x.len() / inputs);
    for row in x.chunks_exact(inputs) {
        let s = step_of(row, levels);
        let inv = 1.0 / s;
        // |v · inv| ≤ levels, so this is in [offset − levels + 0.5, offset + levels + 0.5]:
        // the truncating cast rounds it (half up); no call to `round`, which showed in
        // profiles.
        let shift = offset + 0.5;
        bytes.extend(row.iter().map(|v| (v * inv + shift) as u8));
        scales.push(s);
    }
    (bytes, scales)
}

/// Whether the processor has AVX2 (checked once).
pub fn has_avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        use std::sync::OnceLock;
        static AVX2: OnceLock<bool> = OnceLock::new();
        *AVX2.get_or_init(|| is_x86_feature_detected!("avx2"))
    }
    #[cfg(not(target_arch = "x86_64"))]
    false
}

/// Whether the processor has AVX-512 VNNI (checked once).
pub fn has_vnni() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        use std::sync::OnceLock;
        static VNNI: OnceLock<bool> = OnceLock::new();
        *VNNI.get_or_init(|| {
            is_x86_feature_detected!("avx512f")
                && is_x86_feature_detected!("avx512bw")
                && is_x86_feature_detected!("avx512vnni")
        })
    }
    #[cfg(not(target_arch = "x86_64"))]
    false
}

#[cfg(target_arch = "x86_64")]
mod simd {
    use super::Quantized;
    use std::arch::x86_64::*;

    /// Tokens per block: 2 weight rows × 6 tokens = 12 accumulators of AVX-512's 32
    /// registers; AVX2 has 16, so 2 × 4 there.
    const VNNI_BLOCK: usize = 6;
    const AVX2_BLOCK: usize = 4;

    /// The float result of one integer dot product.
    #[inline(always)]
    fn finish(q: &Quantized, dot: i32, off: i32, out: usize, x_scale: f32, bias: f32) -> f32 {
        (dot - off * q.row_sum[out]) as f32 * x_scale * q.scale[out] + bias
    }

    /// Blocks of 2 weight rows × up to 6 tokens: each loaded weight vector serves 6 tokens,
    /// each loaded input vector 2 rows.
    #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
    pub unsafe fn linear_vnni(
        q: &Quantized,
        x: &[u8],
        xs: &[f32],
        off: i32,
        bias: &[f32],
        y: &mut [f32],
    ) {
        const B: usize = VNNI_BLOCK;
        let (inputs, outputs, tokens) = (q.inputs, bias.len(), xs.len());
        let (xp, wp) = (x.as_ptr(), q.weight.as_ptr());
        for o in (0..outputs).step_by(2) {
            let (w0, w1) = (wp.add(o * inputs), wp.add((o + 1) * inputs));
            let mut t = 0;
            while t < tokens {
                // A last block of fewer tokens repeats its last row (results unused).
                let n = (tokens - t).min(B);
                let rows: [*const u8; B] =
                    std::array::from_fn(|j| xp.add((t + j.min(n - 1)) * inputs));
                let mut acc = [_mm512_setzero_si512(); 2 * B];
                let mut k = 0;
                while k < inputs {
                    let a = _mm512_loadu_si512(w0.add(k) as *const __m512i);
                    let b = _mm512_loadu_si512(w1.add(k) as *const __m512i);
                    for j in 0..B {
                        let v = _mm512_loadu_si512(rows[j].add(k) as *const __m512i);
                        acc[2 * j] = _mm512_dpbusd_epi32(acc[2 * j], v, a);
                        acc[2 * j + 1] = _mm512_dpbusd_epi32(acc[2 * j + 1], v, b);
                    }
                    k += 64;
                }
                for j in 0..n {
                    for (r, out) in [o, o + 1].into_iter().enumerate() {
                        let dot = _mm512_reduce_add_epi32(acc[2 * j + r]);
                        y[(t + j) * outputs + out] = finish(q, dot, off, out, xs[t + j], bias[out]);
                    }
                }
                t += n;
            }
        }
    }

    /// Sum of the eight 32-bit lanes.
    #[target_feature(enable = "avx2")]
    unsafe fn sum_epi32(v: __m256i) -> i32 {
        let s = _mm_add_epi32(_mm256_extracti128_si256(v, 1), _mm256_castsi256_si128(v));
        let s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0b01_00_11_10));
        let s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0b10_11_00_01));
        _mm_cvtsi128_si32(s)
    }

    /// The same blocks with AVX2: byte pairs multiplied and added into 16 bits
    /// (`vpmaddubsw`, no saturation with 7-bit inputs), then pairs of those into 32 bits
    /// (`vpmaddwd` by ones). The block walk repeats `linear_vnni`'s on purpose: each is
    /// compiled for its own target features and register width, and a shared generic walk
    /// would have to be inlined into both to stay as fast.
    #[target_feature(enable = "avx2")]
    pub unsafe fn linear_avx2(
        q: &Quantized,
        x: &[u8],
        xs: &[f32],
        off: i32,
        bias: &[f32],
        y: &mut [f32],
    ) {
        const B: usize = AVX2_BLOCK;
        let (inputs, outputs, tokens) = (q.inputs, bias.len(), xs.len());
        let (xp, wp) = (x.as_ptr(), q.weight.as_ptr());
        let ones = _mm256_set1_epi16(1);
        for o in (0..outputs).step_by(2) {
            let (w0, w1) = (wp.add(o * inputs), wp.add((o + 1) * inputs));
            let mut t = 0;
            while t < tokens {
                let n = (tokens - t).min(B);
                let rows: [*const u8; B] =
                    std::array::from_fn(|j| xp.add((t + j.min(n - 1)) * inputs));
                let mut acc = [_mm256_setzero_si256(); 2 * B];
                let mut k = 0;
                while k < inputs {
                    let a = _mm256_loadu_si256(w0.add(k) as *const __m256i);
                    let b = _mm256_loadu_si256(w1.add(k) as *const __m256i);
                    for j in 0..B {
                        let v = _mm256_loadu_si256(rows[j].add(k) as *const __m256i);
                        let pa = _mm256_madd_epi16(_mm256_maddubs_epi16(v, a), ones);
                        let pb = _mm256_madd_epi16(_mm256_maddubs_epi16(v, b), ones);
                        acc[2 * j] = _mm256_add_epi32(acc[2 * j], pa);
                        acc[2 * j + 1] = _mm256_add_epi32(acc[2 * j + 1], pb);
                    }
                    k += 32;
                }
                for j in 0..n {
                    for (r, out) in [o, o + 1].into_iter().enumerate() {
                        let dot = sum_epi32(acc[2 * j + r]);
                        y[(t + j) * outputs + out] = finish(q, dot, off, out, xs[t + j], bias[out]);
                    }
                }
                t += n;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each integer kernel gives the float product within the rounding of its steps.
    #[test]
    fn quantized_product_matches_floats() {
        for kernel in [Kernel::Vnni, Kernel::Avx2] {
            if kernel.available() {
                product_matches_floats(kernel);
            } else {
                eprintln!("SKIPPED: this processor cannot run {kernel:?}");
            }
        }
    }

    fn product_matches_floats(kernel: Kernel) {
        let (inputs, outputs, tokens) = (128, 6, 7);
        let w: Vec<f32> = (0..inputs * outputs)
            .map(|i| ((i * 37 % 101) as f32 / 50.0 - 1.0) * 0.3)
            .collect();
        let x: Vec<f32> = (0..inputs * tokens)
            .map(|i| (i * 53 % 97) as f32 / 48.0 - 1.0)
            .collect();
        let bias: Vec<f32> = (0..outputs).map(|o| o as f32 * 0.1).collect();
        let q = Quantized::new(&w, inputs, kernel);
        let mut y = vec![0f32; tokens * outputs];
        q.apply(&x, &bias, &mut y);
        for t in 0..tokens {
            for o in 0..outputs {
                let exact: f32 = (0..inputs)
                    .map(|k| x[t * inputs + k] * w[o * inputs + k])
                    .sum::<f32>()
                    + bias[o];
                let got = y[t * outputs + o];
                assert!(
                    (got - exact).abs() < 0.08,
                    "{kernel:?} t{t} o{o}: {got} vs {exact}"
                );
            }
        }
    }
}
