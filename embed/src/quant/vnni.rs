//! The AVX-512 VNNI kernel. Weights are stored for it in groups of 16 output rows: one
//! 512-bit vector holds 4 consecutive inputs of each of the 16 rows, so one `vpdpbusd`
//! with a token's 4 input bytes broadcast adds 4 products to each of 16 outputs at once.
//! The 16 sums stay in their lanes: no horizontal reduction at all, where the row-major
//! layout needed one per dot product (with 384 inputs those reductions were as much work
//! as the products), and the results are stored 16 at a time.

use super::Block;
use std::arch::x86_64::*;

/// Output rows per group: the lanes of one vector.
pub(super) const GROUP: usize = 16;
/// Groups per block: 2 groups × up to 12 tokens = 24 accumulators of AVX-512's 32
/// registers, with 2 for weights and 1 for a broadcast input.
pub(super) const GROUPS: usize = 2;
/// Tokens per block: a French question (~7–11 tokens) fits one block, so each weight
/// vector is loaded once for all its tokens.
const TOKENS: usize = 12;

/// `y = x · weightᵀ + bias` for the byte inputs `x` (`[tokens][inputs]`, offset by `off`)
/// and their scales `xs`. The last block of tokens has exactly those left.
///
/// # Safety
/// The processor must have AVX-512 F, BW and VNNI; the layer's weights packed by
/// `super::pack` with `GROUP` and `GROUPS`, `inputs` a multiple of 4, `x` `xs.len()` rows
/// of `inputs`, `y` `xs.len()` rows of `bias.len()`.
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
pub(super) unsafe fn linear(layer: &Block, y: &mut [f32]) {
    super::walk(layer, GROUP * GROUPS, TOKENS, |b, n| match n {
        1 => b.vnni::<1>(y),
        2 => b.vnni::<2>(y),
        3 => b.vnni::<3>(y),
        4 => b.vnni::<4>(y),
        5 => b.vnni::<5>(y),
        6 => b.vnni::<6>(y),
        7 => b.vnni::<7>(y),
        8 => b.vnni::<8>(y),
        9 => b.vnni::<9>(y),
        10 => b.vnni::<10>(y),
        11 => b.vnni::<11>(y),
        _ => b.vnni::<TOKENS>(y),
    });
}

/// What a group's 16 sums need to become outputs: its first row, the lanes that are real
/// rows, the offset's share to take out, the row scales and the biases.
struct Finish {
    r: usize,
    mask: __mmask16,
    taken: __m512i,
    scale: __m512,
    bias: __m512,
}

impl Block<'_> {
    #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
    unsafe fn vnni<const N: usize>(&self, y: &mut [f32]) {
        let (q, inputs, outputs) = (self.q, self.q.inputs, self.bias.len());
        let quads = inputs / 4;
        let group: [*const i8; GROUPS] =
            std::array::from_fn(|g| q.weight.as_ptr().add((self.o / GROUP + g) * quads * 64));
        let rows: [*const u8; N] =
            std::array::from_fn(|j| self.x.as_ptr().add((self.t + j) * inputs));
        // The next block's weights, asked for while this one's are multiplied (first token
        // block only): the weights stream from memory once per question (e5's 21 MB do not
        // stay in this machine's cache), and the processor's own prefetching fetched them
        // slowly between products. A French question, median of eight rounds: none 3.05 ms,
        // half a block ahead 2.60, one block 2.15, two blocks 2.35.
        let next = GROUPS * quads * 64;
        let mut acc = [[_mm512_setzero_si512(); GROUPS]; N];
        for k in 0..quads {
            let w: [__m512i; GROUPS] = std::array::from_fn(|g| {
                let at = group[g].add(k * 64);
                if self.t == 0 {
                    _mm_prefetch::<_MM_HINT_T0>(at.wrapping_add(next));
                }
                _mm512_loadu_si512(at as *const __m512i)
            });
            for (row, a) in rows.iter().zip(acc.iter_mut()) {
                let v = _mm512_set1_epi32((row.add(4 * k) as *const i32).read_unaligned());
                for (a, w) in a.iter_mut().zip(&w) {
                    *a = _mm512_dpbusd_epi32(*a, v, *w);
                }
            }
        }
        // The scalar formula, 16 outputs at a time, in its order of operations (same bits):
        // (dot − off × row sum) as float × input scale × row scale + bias. Scales and row
        // sums are padded to whole blocks; the bias is not.
        let off = _mm512_set1_epi32(self.off);
        let groups: [Option<Finish>; GROUPS] = std::array::from_fn(|g| {
            let r = self.o + g * GROUP;
            let left = outputs.checked_sub(r).filter(|&n| n > 0)?;
            let mask = if left >= GROUP {
                0xFFFF
            } else {
                (1u16 << left) - 1
            };
            let sums = _mm512_loadu_si512(q.row_sum.as_ptr().add(r) as *const __m512i);
            Some(Finish {
                r,
                mask,
                taken: _mm512_mullo_epi32(off, sums),
                scale: _mm512_loadu_ps(q.scale.as_ptr().add(r)),
                bias: _mm512_maskz_loadu_ps(mask, self.bias.as_ptr().add(r)),
            })
        });
        for (j, a) in acc.iter().enumerate() {
            let x_scale = _mm512_set1_ps(self.xs[self.t + j]);
            for (a, group) in a.iter().zip(&groups) {
                let Some(f) = group else {
                    continue;
                };
                let dot = _mm512_cvtepi32_ps(_mm512_sub_epi32(*a, f.taken));
                let v = _mm512_add_ps(_mm512_mul_ps(_mm512_mul_ps(dot, x_scale), f.scale), f.bias);
                let at = y.as_mut_ptr().add((self.t + j) * outputs + f.r);
                _mm512_mask_storeu_ps(at, f.mask, v);
            }
        }
    }
}
