//! Linear layers in 8-bit integers, for processors with AVX-512 VNNI: a quarter of the
//! memory traffic of f32 weights, and one `vpdpbusd` multiplies and adds 64 byte pairs where
//! an f32 FMA handles 16 floats. This is what brings a question's embedding from ~6 ms to
//! ~2 ms on one core (see BENCHMARKS.md), inside the decision-time budget.
//!
//! Weights are quantized once at load, symmetrically, one scale per output row. Each token's
//! input row is quantized when the layer runs, with its own scale, to unsigned bytes offset
//! by 128 (the instruction multiplies unsigned by signed bytes); the offset is taken back
//! out with each weight row's sum. The embeddings stay within ~0.01 of the f32 ones in
//! cosine (tested), and the validation figures were re-measured with it.

/// One linear layer's weights as signed bytes.
pub struct Quantized {
    weight: Vec<i8>,
    /// Per output row: the float a weight byte of 1 stands for.
    scale: Vec<f32>,
    /// Per output row: the sum of its weight bytes (removes the inputs' 128 offset).
    row_sum: Vec<i32>,
    inputs: usize,
}

impl Quantized {
    /// Quantizes `weight` (`[out][in]`, as PyTorch stores it).
    pub fn new(weight: &[f32], inputs: usize) -> Quantized {
        let rows = weight.len() / inputs;
        let (mut q, mut scale, mut row_sum) = (
            Vec::with_capacity(weight.len()),
            Vec::with_capacity(rows),
            Vec::with_capacity(rows),
        );
        for row in weight.chunks_exact(inputs) {
            let max = row.iter().fold(0f32, |m, v| m.max(v.abs())).max(1e-12);
            let s = max / 127.0;
            let bytes: Vec<i8> = row
                .iter()
                .map(|v| (v / s).round().clamp(-127.0, 127.0) as i8)
                .collect();
            row_sum.push(bytes.iter().map(|&b| b as i32).sum());
            scale.push(s);
            q.extend(bytes);
        }
        Quantized {
            weight: q,
            scale,
            row_sum,
            inputs,
        }
    }

    /// Whether this processor can run `apply`, and the layer's shape suits the kernel.
    pub fn usable(&self) -> bool {
        self.inputs.is_multiple_of(64) && self.scale.len().is_multiple_of(2) && has_vnni()
    }

    /// `y = x · weightᵀ + bias` for `x` = `[tokens][in]`. Callers check `usable()` first.
    pub fn apply(&self, x: &[f32], bias: &[f32], y: &mut [f32]) {
        assert!(self.usable(), "quantized layer used without AVX-512 VNNI");
        let (bytes, scales) = quantize_inputs(x, self.inputs);
        // SAFETY: `usable()` checked the processor's features and the shapes.
        unsafe { vnni::linear(self, &bytes, &scales, bias, y) }
    }
}

/// Each token's row as bytes offset by 128, and the float one step stands for.
fn quantize_inputs(x: &[f32], inputs: usize) -> (Vec<u8>, Vec<f32>) {
    let mut bytes = Vec::with_capacity(x.len());
    let mut scales = Vec::with_capacity(x.len() / inputs);
    for row in x.chunks_exact(inputs) {
        let max = row.iter().fold(0f32, |m, v| m.max(v.abs())).max(1e-12);
        let s = max / 127.0;
        let inv = 1.0 / s;
        // |v · inv| ≤ 127, so this is in [1.5, 255.5]: the truncating cast rounds it (half
        // up) and saturates; no call to `round`, which showed in profiles.
        bytes.extend(row.iter().map(|v| (v * inv + 128.5) as u8));
        scales.push(s);
    }
    (bytes, scales)
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
mod vnni {
    use super::Quantized;
    use std::arch::x86_64::*;

    /// Tokens per block: 2 weight rows × 6 tokens = 12 accumulators of the 32 registers.
    const BLOCK: usize = 6;

    /// Blocks of 2 weight rows × up to 6 tokens: each loaded weight vector serves 6 tokens,
    /// each loaded input vector 2 rows.
    #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
    pub unsafe fn linear(q: &Quantized, x: &[u8], xs: &[f32], bias: &[f32], y: &mut [f32]) {
        let inputs = q.inputs;
        let outputs = bias.len();
        let tokens = xs.len();
        let (xp, wp) = (x.as_ptr(), q.weight.as_ptr());
        for o in (0..outputs).step_by(2) {
            let (w0, w1) = (wp.add(o * inputs), wp.add((o + 1) * inputs));
            let mut t = 0;
            while t < tokens {
                // A last block of fewer tokens repeats its last row (results unused).
                let n = (tokens - t).min(BLOCK);
                let rows: [*const u8; BLOCK] =
                    std::array::from_fn(|j| xp.add((t + j.min(n - 1)) * inputs));
                let mut acc = [_mm512_setzero_si512(); 2 * BLOCK];
                let mut k = 0;
                while k < inputs {
                    let a = _mm512_loadu_si512(w0.add(k) as *const __m512i);
                    let b = _mm512_loadu_si512(w1.add(k) as *const __m512i);
                    for j in 0..BLOCK {
                        let v = _mm512_loadu_si512(rows[j].add(k) as *const __m512i);
                        acc[2 * j] = _mm512_dpbusd_epi32(acc[2 * j], v, a);
                        acc[2 * j + 1] = _mm512_dpbusd_epi32(acc[2 * j + 1], v, b);
                    }
                    k += 64;
                }
                for j in 0..n {
                    for (r, out) in [o, o + 1].into_iter().enumerate() {
                        let dot = _mm512_reduce_add_epi32(acc[2 * j + r]) - 128 * q.row_sum[out];
                        y[(t + j) * outputs + out] =
                            dot as f32 * xs[t + j] * q.scale[out] + bias[out];
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

    /// The integer kernel gives the float product within the rounding of 8-bit steps.
    #[test]
    fn quantized_product_matches_floats() {
        if !has_vnni() {
            eprintln!("SKIPPED: no AVX-512 VNNI on this processor");
            return;
        }
        let (inputs, outputs, tokens) = (128, 6, 7);
        let w: Vec<f32> = (0..inputs * outputs)
            .map(|i| ((i * 37 % 101) as f32 / 50.0 - 1.0) * 0.3)
            .collect();
        let x: Vec<f32> = (0..inputs * tokens)
            .map(|i| (i * 53 % 97) as f32 / 48.0 - 1.0)
            .collect();
        let bias: Vec<f32> = (0..outputs).map(|o| o as f32 * 0.1).collect();
        let q = Quantized::new(&w, inputs);
        let mut y = vec![0f32; tokens * outputs];
        q.apply(&x, &bias, &mut y);
        for t in 0..tokens {
            for o in 0..outputs {
                let exact: f32 = (0..inputs)
                    .map(|k| x[t * inputs + k] * w[o * inputs + k])
                    .sum::<f32>()
                    + bias[o];
                let got = y[t * outputs + o];
                assert!((got - exact).abs() < 0.05, "t{t} o{o}: {got} vs {exact}");
            }
        }
    }
}
