//! The AVX2 kernel, on weights stored like VNNI's (`super::pack`) in groups of 8 rows: one
//! 256-bit vector holds 4 consecutive inputs of each of the 8 rows. `vpmaddubsw` multiplies
//! them by a token's 4 input bytes (broadcast) and adds pairs into 16 bits (no saturation
//! with weights of ±64), `vpmaddwd` by ones adds the two pairs of each row into its 32-bit
//! lane: 8 outputs grow at once and need no reduction at the end, where the row-major
//! kernel reduced every dot product. Same pairs, same integers, same bits. Its block's
//! shape mirrors `vnni.rs` on purpose: each is compiled for its own target features and
//! vector width, and one generic block would have to be inlined into both to stay as
//! fast; the walk over blocks (`super::walk`) is shared.

use super::Block;
use std::arch::x86_64::*;

/// Output rows per group: the 32-bit lanes of one vector.
pub(super) const GROUP: usize = 8;
/// Groups per block: 2 groups × up to 6 tokens = 12 accumulators of AVX2's 16 registers,
/// with 2 for weights, 1 for a broadcast input and 1 for the ones.
pub(super) const GROUPS: usize = 2;
/// Tokens per block.
const TOKENS: usize = 6;

/// `y = x · weightᵀ + bias`, as `vnni::linear`.
///
/// # Safety
/// The processor must have AVX2; the layer's weights packed by `super::pack` with `GROUP`
/// and `GROUPS`, `inputs` a multiple of 4, `x` `xs.len()` rows of `inputs`, `y`
/// `xs.len()` rows of `bias.len()`.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn linear(layer: &Block, y: &mut [f32]) {
    super::walk(layer, GROUP * GROUPS, TOKENS, |b, n| match n {
        1 => b.avx2::<1>(y),
        2 => b.avx2::<2>(y),
        3 => b.avx2::<3>(y),
        4 => b.avx2::<4>(y),
        5 => b.avx2::<5>(y),
        _ => b.avx2::<TOKENS>(y),
    });
}

impl Block<'_> {
    #[target_feature(enable = "avx2")]
    unsafe fn avx2<const N: usize>(&self, y: &mut [f32]) {
        let (q, inputs, outputs) = (self.q, self.q.inputs, self.bias.len());
        let quads = inputs / 4;
        let group: [*const i8; GROUPS] =
            std::array::from_fn(|g| q.weight.as_ptr().add((self.o / GROUP + g) * quads * 32));
        let rows: [*const u8; N] =
            std::array::from_fn(|j| self.x.as_ptr().add((self.t + j) * inputs));
        // The next block's weights, asked for while this one's are multiplied (first token
        // block only, one cache line per two steps), as in VNNI's kernel.
        let next = GROUPS * quads * 32;
        let ones = _mm256_set1_epi16(1);
        let mut acc = [[_mm256_setzero_si256(); GROUPS]; N];
        for k in 0..quads {
            let w: [__m256i; GROUPS] = std::array::from_fn(|g| {
                let at = group[g].add(k * 32);
                if self.t == 0 && k % 2 == 0 {
                    _mm_prefetch::<_MM_HINT_T0>(at.wrapping_add(next));
                }
                _mm256_loadu_si256(at as *const __m256i)
            });
            for (row, a) in rows.iter().zip(acc.iter_mut()) {
                let v = _mm256_set1_epi32((row.add(4 * k) as *const i32).read_unaligned());
                for (a, w) in a.iter_mut().zip(&w) {
                    let pairs = _mm256_maddubs_epi16(v, *w);
                    *a = _mm256_add_epi32(*a, _mm256_madd_epi16(pairs, ones));
                }
            }
        }
        // (dot − off × row sum) as float × input scale × row scale + bias, 8 at a time, in
        // the order of the scalar formula (same bits). Scales and row sums are padded to
        // whole blocks; the bias is not, so a partial group goes through a buffer.
        let off = _mm256_set1_epi32(self.off);
        for (g, lanes) in (0..GROUPS).map(|g| (g, outputs.saturating_sub(self.o + g * GROUP))) {
            if lanes == 0 {
                break;
            }
            let r = self.o + g * GROUP;
            let lanes = lanes.min(GROUP);
            let mut padded = [0f32; GROUP];
            padded[..lanes].copy_from_slice(&self.bias[r..r + lanes]);
            let bias = _mm256_loadu_ps(padded.as_ptr());
            let sums = _mm256_loadu_si256(q.row_sum.as_ptr().add(r) as *const __m256i);
            let taken = _mm256_mullo_epi32(off, sums);
            let scale = _mm256_loadu_ps(q.scale.as_ptr().add(r));
            for (j, a) in acc.iter().enumerate() {
                let dot = _mm256_cvtepi32_ps(_mm256_sub_epi32(a[g], taken));
                let x_scale = _mm256_set1_ps(self.xs[self.t + j]);
                let v = _mm256_add_ps(_mm256_mul_ps(_mm256_mul_ps(dot, x_scale), scale), bias);
                let at = (self.t + j) * outputs + r;
                if lanes == GROUP {
                    _mm256_storeu_ps(y.as_mut_ptr().add(at), v);
                } else {
                    _mm256_storeu_ps(padded.as_mut_ptr(), v);
                    y[at..at + lanes].copy_from_slice(&padded[..lanes]);
                }
            }
        }
    }
}
