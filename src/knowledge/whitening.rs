//! The help centre's own measure of "different in meaning": a linear map fitted on its
//! embedded lines that shrinks the directions in which lines of one article vary among
//! themselves (wording) and stretches the rest (topic). In the mapped space an article's
//! lines sit closer together and articles further apart, so ranking articles by cosine
//! there separates near neighbours better (linear discriminant analysis with shrinkage).
//!
//! It is a statistic of the published articles, like BM25's word weights: refitted
//! whenever an article is published or removed, never fitted on visitors' questions.

/// Shrinkage added to the within-article covariance before inverting it: it keeps
/// directions that the lines barely cover (most of them, in a small help centre) at a
/// finite weight. Chosen on val with the quality bench: 0.001 / 0.003 / 0.01 / 0.03 gave
/// CLINC150 val top-1 + declined + Banking77 val top-1 of 2.629 / 2.630 / 2.614 / 2.611
/// (plain ranking, same 8-bit kernel: 2.611); `bench/fit_semantic.py --whiten` sweeps it
/// offline.
pub const SHRINKAGE: f32 = 0.003;

/// `z = R⁻¹ (x − mean)`, where `R Rᵀ` is the shrunk within-article covariance.
#[derive(Debug, Clone)]
pub struct Whitening {
    mean: Vec<f32>,
    /// R⁻¹, lower triangular, row-major `dims × dims`.
    inverse: Vec<f32>,
    dims: usize,
}

impl Whitening {
    /// Fits the map on groups of vectors (each group: one article's lines, end to end).
    /// None without any vector.
    pub fn fit<'a>(
        groups: impl Iterator<Item = &'a [f32]> + Clone,
        dims: usize,
        shrinkage: f32,
    ) -> Option<Whitening> {
        let mut mean = vec![0f64; dims];
        let mut count = 0usize;
        for g in groups.clone() {
            for v in g.chunks_exact(dims) {
                mean.iter_mut()
                    .zip(v)
                    .for_each(|(m, x)| *m += f64::from(*x));
                count += 1;
            }
        }
        if count == 0 {
            return None;
        }
        let mean: Vec<f32> = mean.iter().map(|m| (m / count as f64) as f32).collect();
        // Lower triangle of the within-article scatter: each line minus its article's mean.
        let mut scatter = vec![0f32; dims * dims];
        let mut centre = vec![0f32; dims];
        let mut d = vec![0f32; dims];
        for g in groups {
            let n = (g.len() / dims) as f32;
            centre.iter_mut().for_each(|c| *c = 0.0);
            for v in g.chunks_exact(dims) {
                centre.iter_mut().zip(v).for_each(|(c, x)| *c += x / n);
            }
            for v in g.chunks_exact(dims) {
                d.iter_mut()
                    .zip(v.iter().zip(&centre))
                    .for_each(|(d, (x, c))| *d = x - c);
                for j in 0..dims {
                    let row = &mut scatter[j * dims..j * dims + j + 1];
                    let dj = d[j];
                    row.iter_mut().zip(&d[..=j]).for_each(|(s, x)| *s += dj * x);
                }
            }
        }
        let total = count as f32;
        for j in 0..dims {
            for k in 0..=j {
                scatter[j * dims + k] /= total;
            }
            scatter[j * dims + j] += shrinkage;
        }
        let r = cholesky(&scatter, dims)?;
        Some(Whitening {
            mean,
            inverse: invert_lower(&r, dims),
            dims,
        })
    }

    /// Maps a vector into the help centre's space, at unit length.
    pub fn apply(&self, v: &[f32]) -> Vec<f32> {
        let n = self.dims;
        let centred: Vec<f32> = v.iter().zip(&self.mean).map(|(x, m)| x - m).collect();
        // Row j of the triangle against the first j + 1 values, with the model crate's
        // vectorised dot product: a plain `.sum()` makes each row one chain of dependent
        // adds (74,000 in all), 56 µs of a decision's ranking; this takes 10 µs.
        let mut z: Vec<f32> = (0..n)
            .map(|j| {
                candor_embed::similarity(&self.inverse[j * n..j * n + j + 1], &centred[..j + 1])
            })
            .collect();
        candor_embed::normalize(&mut z);
        z
    }
}

/// Lower-triangular `R` with `R Rᵀ = a` (only `a`'s lower triangle is read); None when `a`
/// is not positive definite (cannot happen with a positive shrinkage).
fn cholesky(a: &[f32], n: usize) -> Option<Vec<f32>> {
    let mut r = vec![0f64; n * n];
    for j in 0..n {
        for k in 0..=j {
            let s: f64 = (0..k).map(|i| r[j * n + i] * r[k * n + i]).sum();
            let v = f64::from(a[j * n + k]) - s;
            if j == k {
                if v <= 0.0 {
                    return None;
                }
                r[j * n + j] = v.sqrt();
            } else {
                r[j * n + k] = v / r[k * n + k];
            }
        }
    }
    Some(r.into_iter().map(|x| x as f32).collect())
}

/// The inverse of a lower-triangular matrix (itself lower triangular), column by column.
fn invert_lower(r: &[f32], n: usize) -> Vec<f32> {
    let mut inv = vec![0f64; n * n];
    for c in 0..n {
        inv[c * n + c] = 1.0 / f64::from(r[c * n + c]);
        for j in c + 1..n {
            let s: f64 = (c..j)
                .map(|i| f64::from(r[j * n + i]) * inv[i * n + c])
                .sum();
            inv[j * n + c] = -s / f64::from(r[j * n + j]);
        }
    }
    inv.into_iter().map(|x| x as f32).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dot(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    #[test]
    fn cholesky_and_inverse_undo_each_other() {
        // A small symmetric positive definite matrix (lower triangle read).
        let a = [4.0, 0.0, 0.0, 2.0, 3.0, 0.0, 0.6, 0.4, 2.0];
        let r = cholesky(&a, 3).unwrap();
        let inv = invert_lower(&r, 3);
        for j in 0..3 {
            for k in 0..3 {
                let rr: f32 = (0..3).map(|i| r[j * 3 + i] * r[k * 3 + i]).sum();
                let full = if k <= j { a[j * 3 + k] } else { a[k * 3 + j] };
                assert!((rr - full).abs() < 1e-5, "R Rᵀ = A at {j},{k}");
                let id: f32 = (0..3).map(|i| inv[j * 3 + i] * r[i * 3 + k]).sum();
                assert!(
                    (id - f32::from(j == k)).abs() < 1e-5,
                    "R⁻¹ R = I at {j},{k}"
                );
            }
        }
    }

    #[test]
    fn wording_directions_are_shrunk_and_topic_directions_kept() {
        // Two articles in 2-D: each article's lines vary along y (wording), the articles
        // differ along x (topic). After the map, a question halfway in x but far off in y
        // must lean to the article on its side of x, and y matters less than x.
        let a = [1.0, 0.3, 1.0, -0.3, 1.0, 0.1];
        let b = [-1.0, 0.3, -1.0, -0.3, -1.0, -0.1];
        let w = Whitening::fit([&a[..], &b[..]].into_iter(), 2, 0.01).unwrap();
        let (ca, cb) = (w.apply(&[1.0, 0.0]), w.apply(&[-1.0, 0.0]));
        let q = w.apply(&[0.2, 0.5]);
        assert!(dot(&q, &ca) > dot(&q, &cb));
        // A line's wording offset counts for little once mapped: the question 0.3 off in y
        // stays almost as close to its article's centre as the centre itself.
        let off = w.apply(&[1.0, 0.3]);
        let plain_cos = (1.0f32 / (1.0f32 + 0.09).sqrt()).min(1.0);
        assert!(dot(&off, &ca) > plain_cos - 0.05, "{}", dot(&off, &ca));
        assert!((dot(&q, &q) - 1.0).abs() < 1e-5, "unit length");
    }

    #[test]
    fn nothing_to_fit_on_gives_no_map() {
        assert!(Whitening::fit(std::iter::empty::<&[f32]>(), 4, 0.01).is_none());
    }
}
