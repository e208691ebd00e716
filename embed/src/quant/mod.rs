//! Linear layers in 8-bit integers: a quarter of the memory traffic of f32 weights, and more
//! multiply-adds per instruction. With AVX-512 VNNI one `vpdpbusd` multiplies and adds 64
//! byte pairs where an f32 FMA handles 16 floats: a question's embedding goes from ~6 ms to
//! ~2 ms on one core (see BENCHMARKS.md), inside the decision-time budget. With AVX2 only,
//! `vpmaddubsw` + `vpmaddwd` do 32 byte pairs in two instructions.
//!
//! Weights are quantized once at load, symmetrically, one scale per output row. Each token's
//! input row is quantized when the layer runs, with its own scale, to unsigned bytes with an
//! offset (the instructions multiply unsigned by signed bytes); the offset is taken back out
//! with each weight row's sum. AVX2's pairwise sums saturate at 16 bits, so one side must give
//! up a bit: its *weights* use ±64 instead of ±127 (2 × 255 × 64 = 32,640 still fits), and
//! its inputs keep all 8 bits. Weights are spread evenly and quantized once; each token's
//! input row has a few large values that set its scale, so input bits are the ones that
//! count (7-bit inputs with 8-bit weights, the first AVX2 kernel, gave a mean cosine to f32
//! of 0.992 and a worst of 0.948 on CLINC150 val questions; this split gives 0.995 and 0.975,
//! close to VNNI's 0.997 and 0.979, at the same cost). The validation figures were
//! re-measured.
//!
//! Both kernels (`vnni.rs`, `avx2.rs`) read the weights in groups of rows (`pack`), so
//! each output's sum grows in its own vector lane and no dot product is reduced at the
//! end: with row-major weights those reductions were as much work as the products on the
//! 384-input layers. Medians of ten rounds on the AVX-512 VNNI EPYC, per French question
//! (e5) / English question (MiniLM): VNNI 3.0 → 2.0 ms / 0.90 → 0.61 ms, AVX2 3.55 → 3.00
//! ms / 1.30 → 1.05 ms. The integers, and so the floats, are the same as before.

/// Which integer kernel runs the layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kernel {
    /// AVX-512 VNNI, 8-bit inputs.
    Vnni,
    /// AVX2, 8-bit inputs and weights of ±64.
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

    /// Input levels on each side of zero, and the offset that makes them unsigned: 8 bits
    /// on both kernels.
    fn levels(self) -> (f32, f32) {
        (127.0, 128.0)
    }

    /// Weight levels on each side of zero: AVX2's 16-bit pair sums leave room for ±64 only.
    fn weight_levels(self) -> f32 {
        match self {
            Kernel::Vnni => 127.0,
            Kernel::Avx2 => 64.0,
        }
    }

    /// Rows per group (one vector's 32-bit lanes) and groups per block of the kernel's
    /// weight layout (`pack`).
    fn groups(self) -> (usize, usize) {
        #[cfg(target_arch = "x86_64")]
        match self {
            Kernel::Vnni => (vnni::GROUP, vnni::GROUPS),
            Kernel::Avx2 => (avx2::GROUP, avx2::GROUPS),
        }
        #[cfg(not(target_arch = "x86_64"))]
        (1, 1)
    }

    pub(crate) fn available(self) -> bool {
        match self {
            Kernel::Vnni => has_vnni(),
            Kernel::Avx2 => has_avx2(),
        }
    }
}

/// One linear layer's weights as signed bytes.
pub struct Quantized {
    kernel: Kernel,
    /// In the kernel's groups of rows (`pack`).
    weight: Vec<i8>,
    /// Per output row: the float a weight byte of 1 stands for (padded with zeros).
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
        let levels = kernel.weight_levels();
        for row in weight.chunks_exact(inputs) {
            let s = step_of(row, levels);
            let bytes: Vec<i8> = row
                .iter()
                .map(|v| (v / s).round().clamp(-levels, levels) as i8)
                .collect();
            row_sum.push(bytes.iter().map(|&b| b as i32).sum());
            scale.push(s);
            q.extend(bytes);
        }
        // The kernel's layout: groups of rows, padded to whole blocks (zero rows).
        let (group, groups) = kernel.groups();
        let padded = rows.div_ceil(group * groups) * group * groups;
        scale.resize(padded, 0.0);
        row_sum.resize(padded, 0);
        q = pack(&q, inputs, group, padded);
        Quantized {
            kernel,
            weight: q,
            scale,
            row_sum,
            inputs,
        }
    }

    /// The kernel these weights were quantized for.
    pub fn kernel(&self) -> Kernel {
        self.kernel
    }

    /// Whether this processor can run `apply`, and the layer's shape suits the kernel.
    pub fn usable(&self) -> bool {
        self.inputs.is_multiple_of(INPUTS_PER_STEP) && self.kernel.available()
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
        #[cfg(target_arch = "x86_64")]
        {
            let layer = Block::new(self, &bytes, &scales, off, bias);
            // SAFETY: `usable()` checked the processor's features and the shapes.
            unsafe {
                match self.kernel {
                    Kernel::Vnni => vnni::linear(&layer, y),
                    Kernel::Avx2 => avx2::linear(&layer, y),
                }
            }
        }
    }
}

/// Inputs each step of the kernels reads from a token's bytes (one 32-bit broadcast): a
/// layer's input length must be a multiple.
const INPUTS_PER_STEP: usize = 4;

/// The weight bytes of `rows` × `inputs` (row-major) in the kernels' layout: groups of
/// `group` rows, each group `inputs / 4` vectors holding 4 consecutive inputs of each of
/// its rows. Multiplied by a token's 4 input bytes broadcast, a vector adds to `group`
/// outputs at once, each in its own lane. Rows from the last to `padded` (whole blocks of
/// the kernel) are zero.
fn pack(weight: &[i8], inputs: usize, group: usize, padded: usize) -> Vec<i8> {
    let mut packed = vec![0i8; padded * inputs];
    for (r, row) in weight.chunks_exact(inputs).enumerate() {
        let (g, lane) = (r / group, r % group);
        for (k, &b) in row.iter().enumerate() {
            packed[((g * inputs / 4 + k / 4) * group + lane) * 4 + k % 4] = b;
        }
    }
    packed
}

/// The float one integer step stands for when `row` is quantized symmetrically to
/// ±`levels`: its largest magnitude maps to the last level. Eight running maxima, so the
/// loop vectorises (one running maximum is a chain the compiler must keep in order).
#[inline(always)]
fn step_of(row: &[f32], levels: f32) -> f32 {
    let mut lanes = [0f32; 8];
    let mut chunks = row.chunks_exact(8);
    for c in &mut chunks {
        for (m, v) in lanes.iter_mut().zip(c) {
            *m = m.max(v.abs());
        }
    }
    let tail = chunks.remainder().iter().fold(0f32, |m, v| m.max(v.abs()));
    lanes.iter().fold(tail, |m, v| m.max(*v)).max(1e-12) / levels
}

/// Each token's row as bytes offset by `offset` (±`levels` around it), and the float one
/// step stands for. Runs before every integer layer, so it is compiled for AVX2 too.
fn quantize_inputs(x: &[f32], inputs: usize, levels: f32, offset: f32) -> (Vec<u8>, Vec<f32>) {
    #[cfg(target_arch = "x86_64")]
    if has_avx2() {
        // SAFETY: the processor has AVX2.
        return unsafe { simd::quantize_inputs(x, inputs, levels, offset) };
    }
    quantize_rows(x, inputs, levels, offset)
}

/// The plain quantization: processors without AVX2, and the reference the AVX2 version is
/// tested against.
#[inline(always)]
fn quantize_rows(x: &[f32], inputs: usize, levels: f32, offset: f32) -> (Vec<u8>, Vec<f32>) {
    let mut bytes = vec![0u8; x.len()];
    let mut scales = Vec::with_capacity(x.len() / inputs);
    for (row, out) in x.chunks_exact(inputs).zip(bytes.chunks_exact_mut(inputs)) {
        let s = step_of(row, levels);
        let inv = 1.0 / s;
        // |v · inv| ≤ levels, so this is in [offset − levels + 0.5, offset + levels + 0.5]:
        // the truncating cast rounds it (half up); no call to `round`, which showed in
        // profiles.
        let shift = offset + 0.5;
        for (b, v) in out.iter_mut().zip(row) {
            *b = (v * inv + shift) as u8;
        }
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

/// The order both kernels work a layer in: `rows` output rows at a time, and for each,
/// the tokens in runs of up to `most` (the last run has exactly those left, so a question
/// of 10 tokens is 6 + 4, not 6 + 6). `run(block, n)` does `block`'s rows against its `n`
/// tokens, with its kernel's features; this walk is outside the products.
#[cfg(target_arch = "x86_64")]
fn walk(layer: &Block, rows: usize, most: usize, mut run: impl FnMut(&Block, usize)) {
    let tokens = layer.xs.len();
    for o in (0..layer.bias.len()).step_by(rows) {
        let mut t = 0;
        while t < tokens {
            let n = (tokens - t).min(most);
            run(&Block { o, t, ..*layer }, n);
            t += n;
        }
    }
}

/// One block of a layer: the rows from `o` against the tokens from `t`, for a kernel's own
/// `Block::vnni` or `Block::avx2`.
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy)]
struct Block<'a> {
    q: &'a Quantized,
    /// The tokens' input bytes (offset by `off`) and scales.
    x: &'a [u8],
    xs: &'a [f32],
    off: i32,
    bias: &'a [f32],
    o: usize,
    t: usize,
}

#[cfg(target_arch = "x86_64")]
impl<'a> Block<'a> {
    /// The whole layer, from its first row and token.
    fn new(q: &'a Quantized, x: &'a [u8], xs: &'a [f32], off: i32, bias: &'a [f32]) -> Self {
        Block {
            q,
            x,
            xs,
            off,
            bias,
            o: 0,
            t: 0,
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod vnni;

#[cfg(target_arch = "x86_64")]
mod simd {
    use std::arch::x86_64::*;

    /// `super::quantize_rows` with AVX2 intrinsics, 32 values per step: the compiler turns
    /// a float-to-byte cast into one conversion per value (it must handle NaN and overflow),
    /// which showed in profiles. Same rounding (add ½, truncate), same bytes; a NaN becomes
    /// 0 here (`vcvttps2dq` gives i32::MIN, packing saturates it) where the cast gives 0 too.
    #[target_feature(enable = "avx2")]
    pub unsafe fn quantize_inputs(
        x: &[f32],
        inputs: usize,
        levels: f32,
        offset: f32,
    ) -> (Vec<u8>, Vec<f32>) {
        if !inputs.is_multiple_of(32) {
            return super::quantize_rows(x, inputs, levels, offset);
        }
        let mut bytes = vec![0u8; x.len()];
        let mut scales = Vec::with_capacity(x.len() / inputs);
        // packus works within 128-bit lanes; this puts the 32 bytes back in order.
        let order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
        for (row, out) in x.chunks_exact(inputs).zip(bytes.chunks_exact_mut(inputs)) {
            let s = super::step_of(row, levels);
            let (inv, shift) = (_mm256_set1_ps(1.0 / s), _mm256_set1_ps(offset + 0.5));
            for (v, o) in row.chunks_exact(32).zip(out.chunks_exact_mut(32)) {
                let int = |k: usize| {
                    let f = _mm256_add_ps(
                        _mm256_mul_ps(_mm256_loadu_ps(v.as_ptr().add(k)), inv),
                        shift,
                    );
                    _mm256_cvttps_epi32(f)
                };
                let low = _mm256_packus_epi32(int(0), int(8));
                let high = _mm256_packus_epi32(int(16), int(24));
                let packed = _mm256_permutevar8x32_epi32(_mm256_packus_epi16(low, high), order);
                _mm256_storeu_si256(o.as_mut_ptr().cast(), packed);
            }
            scales.push(s);
        }
        (bytes, scales)
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
                // Every size of last block: AVX2's 1 to 6 tokens after none or one full
                // block, VNNI's 1 to 12 in one block.
                for tokens in 1..=12 {
                    product_matches_floats(kernel, tokens);
                }
            } else {
                eprintln!("SKIPPED: this processor cannot run {kernel:?}");
            }
        }
    }

    /// The largest byte products a layer can meet: every input at its scale's maximum and
    /// every weight at its row's. A saturating 16-bit pair sum would show as a wrong total.
    #[test]
    fn extreme_inputs_and_weights_do_not_saturate() {
        for kernel in [Kernel::Vnni, Kernel::Avx2] {
            if !kernel.available() {
                continue;
            }
            let inputs = 128;
            let w: Vec<f32> = (0..inputs * 2)
                .map(|i| if i < inputs { 1.0 } else { -1.0 })
                .collect();
            let q = Quantized::new(&w, inputs, kernel);
            for sign in [1.0f32, -1.0] {
                let x = vec![sign; inputs];
                let mut y = vec![0f32; 2];
                q.apply(&x, &[0.0, 0.0], &mut y);
                assert_eq!(
                    y,
                    [sign * 128.0, -sign * 128.0],
                    "{kernel:?}, inputs {sign}"
                );
            }
        }
    }

    /// Each kernel's grouped layout gives exactly the float of the plain integer formula
    /// (that of the row-major kernels they replaced), for whole and partial groups and
    /// blocks.
    #[test]
    fn kernels_give_the_bits_of_the_integer_formula() {
        let (inputs, outputs) = (384, 40);
        let w: Vec<f32> = (0..inputs * outputs)
            .map(|i| ((i * 7919 % 1009) as f32 / 504.0 - 1.0) * 0.2)
            .collect();
        let bias: Vec<f32> = (0..outputs).map(|o| o as f32 * 0.01 - 0.2).collect();
        for kernel in [Kernel::Vnni, Kernel::Avx2] {
            if !kernel.available() {
                eprintln!("SKIPPED: this processor cannot run {kernel:?}");
                continue;
            }
            let q = Quantized::new(&w, inputs, kernel);
            let (group, _) = kernel.groups();
            let byte = |r: usize, k: usize| {
                q.weight[((r / group * inputs / 4 + k / 4) * group + r % group) * 4 + k % 4] as i32
            };
            for tokens in [1, 5, 7, 12, 13, 25] {
                let x: Vec<f32> = (0..inputs * tokens)
                    .map(|i| (i * 104729 % 997) as f32 / 498.0 - 1.0)
                    .collect();
                let mut y = vec![0f32; tokens * outputs];
                q.apply(&x, &bias, &mut y);
                let (bytes, xs) = quantize_rows(&x, inputs, 127.0, 128.0);
                for t in 0..tokens {
                    for o in 0..outputs {
                        let dot: i32 = (0..inputs)
                            .map(|k| bytes[t * inputs + k] as i32 * byte(o, k))
                            .sum();
                        let expected =
                            (dot - 128 * q.row_sum[o]) as f32 * xs[t] * q.scale[o] + bias[o];
                        let got = y[t * outputs + o];
                        assert_eq!(got.to_bits(), expected.to_bits(), "{kernel:?} {t} {o}");
                    }
                }
            }
        }
    }

    #[test]
    fn avx2_quantization_gives_the_same_bytes() {
        if !has_avx2() {
            eprintln!("SKIPPED: no AVX2");
            return;
        }
        let mut x: Vec<f32> = (0..384 * 3)
            .map(|i| (i * 7919 % 1000) as f32 / 100.0 - 5.0)
            .collect();
        (x[7], x[400]) = (60.0, -60.0);
        // SAFETY: checked just above.
        let fast = unsafe { simd::quantize_inputs(&x, 384, 127.0, 128.0) };
        assert_eq!(fast, quantize_rows(&x, 384, 127.0, 128.0));
        assert!(
            fast.0.contains(&1) && fast.0.contains(&255),
            "both ends reached"
        );
    }

    fn product_matches_floats(kernel: Kernel, tokens: usize) {
        let (inputs, outputs) = (128, 6);
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
