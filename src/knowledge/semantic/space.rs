//! Where the model's articles are ranked: each article's vectors in one space, the help
//! centre's own space per language (`whitening`), and the ranking itself.

use super::whitening::{Whitening, SHRINKAGE};
use super::{Embedded, CENTROID_WEIGHT, DIMENSIONS};
use candor_embed::{normalize, similarity};
use std::collections::HashMap;
use std::sync::Arc;

/// An article's vectors in one space: its lines end to end (`DIMENSIONS` each, one block
/// of memory to scan) and their normalised mean.
#[derive(Debug, Clone)]
pub(super) struct Vectors {
    pub(super) lines: Vec<f32>,
    pub(super) centroid: Vec<f32>,
    /// The widest angle between a line and the centroid (radians): no line is closer to a
    /// question than the centroid's angle minus this, which bounds the ranking's scan.
    spread: f32,
}

impl Vectors {
    pub(super) fn new(lines: Vec<f32>) -> Vectors {
        let mut centroid = vec![0f32; DIMENSIONS];
        for v in lines.chunks_exact(DIMENSIONS) {
            centroid.iter_mut().zip(v).for_each(|(c, x)| *c += x);
        }
        normalize(&mut centroid);
        let spread = lines
            .chunks_exact(DIMENSIONS)
            .map(|v| angle(similarity(v, &centroid)))
            .fold(0f32, f32::max);
        Vectors {
            lines,
            centroid,
            spread,
        }
    }

    /// The best meaning score any of the article's lines could give, from the centroid's
    /// similarity alone (angles on the sphere obey the triangle inequality; a small margin
    /// covers rounding).
    fn ceiling(&self, centroid: f32) -> f32 {
        let closest = (angle(centroid) - self.spread - 1e-3).max(0.0).cos();
        CENTROID_WEIGHT * centroid + (1.0 - CENTROID_WEIGHT) * closest
    }

    /// The article's meaning score for a question, given its centroid similarity (None
    /// when it has no line).
    fn rate(&self, question: &[f32], centroid: f32) -> Option<Rating> {
        let (line, similarity) = self
            .lines
            .chunks_exact(DIMENSIONS)
            .map(|v| similarity(question, v))
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(&b.1))?;
        Some(Rating {
            score: CENTROID_WEIGHT * centroid + (1.0 - CENTROID_WEIGHT) * similarity,
            centroid,
            similarity,
            line,
        })
    }

    pub(super) fn rate_all(&self, question: &[f32]) -> Option<Rating> {
        self.rate(question, similarity(question, &self.centroid))
    }
}

/// The angle between two unit vectors of this cosine similarity.
fn angle(similarity: f32) -> f32 {
    similarity.clamp(-1.0, 1.0).acos()
}

/// One language's articles mapped into the help centre's own space (`whitening`), where
/// they are ranked.
#[derive(Debug, Clone)]
pub(super) struct Space {
    pub(super) map: Arc<Whitening>,
    pub(super) articles: HashMap<String, Arc<Vectors>>,
    /// Articles the map was fitted on, and articles published or removed since: an edit
    /// is mapped with the current map at once (cheap), and once the changes reach a tenth
    /// of the help centre the map is fitted anew (a full pass over every line).
    fitted_on: usize,
    pub(super) changes: usize,
}

impl Space {
    /// Fits the map on these articles' lines and maps them (None without any line).
    pub(super) fn fit<'a>(
        articles: impl Iterator<Item = (&'a String, &'a Embedded)> + Clone,
    ) -> Option<Space> {
        let groups = articles.clone().map(|(_, e)| e.plain.lines.as_slice());
        let map = Whitening::fit(groups, DIMENSIONS, SHRINKAGE)?;
        let mut space = Space {
            map: Arc::new(map),
            articles: HashMap::new(),
            fitted_on: 0,
            changes: 0,
        };
        for (id, e) in articles {
            let placed = Arc::new(space.place(e));
            space.articles.insert(id.clone(), placed);
        }
        space.fitted_on = space.articles.len();
        Some(space)
    }

    /// An article's lines mapped into this space.
    pub(super) fn place(&self, e: &Embedded) -> Vectors {
        let lines: Vec<f32> = e
            .plain
            .lines
            .chunks_exact(DIMENSIONS)
            .flat_map(|v| self.map.apply(v))
            .collect();
        Vectors::new(lines)
    }

    pub(super) fn is_stale(&self) -> bool {
        self.changes * 10 >= self.fitted_on.max(10)
    }
}

/// How many articles, closest centroids first, have their lines rated. In the help centre's
/// space the lines of an article spread wide, so the exact bound below prunes little (about
/// 600 of 1,000 English articles were rated on the 2,034-article bench); the centroid
/// carries three quarters of the score, and rating only the 16, 32 or 64 closest gave the
/// same CLINC150, Banking77 and dev val figures as rating all of them.
const RATED_AT_MOST: usize = 32;

/// The `k` best-rated articles, best first, among the `RATED_AT_MOST` closest centroids,
/// scanned in order of centroid similarity until no further one can enter the `k` kept
/// (see `Semantic::compete`).
pub(super) fn rank<'a>(
    question: &[f32],
    articles: impl Iterator<Item = (&'a String, &'a Vectors)>,
    k: usize,
) -> Vec<(&'a String, Rating)> {
    let mut order: Vec<(&String, &Vectors, f32)> = articles
        .map(|(id, v)| (id, v, similarity(question, &v.centroid)))
        .collect();
    if order.len() > RATED_AT_MOST {
        order.select_nth_unstable_by(RATED_AT_MOST - 1, |a, b| b.2.total_cmp(&a.2));
        order.truncate(RATED_AT_MOST);
    }
    order.sort_by(|a, b| b.2.total_cmp(&a.2));
    let mut kept: Vec<(&String, Rating)> = Vec::with_capacity(k + 1);
    for (id, v, centroid) in order {
        if let Some((_, last)) = kept.last().filter(|_| kept.len() == k) {
            // Even a line identical to the question could not lift this article or any
            // after it (their centroids are further) into the ones kept.
            if CENTROID_WEIGHT * centroid + (1.0 - CENTROID_WEIGHT) < last.score {
                break;
            }
            // This article's own lines cannot (its ceiling also depends on its spread, so
            // a later one may still).
            if v.ceiling(centroid) < last.score {
                continue;
            }
        }
        let Some(r) = v.rate(question, centroid) else {
            continue;
        };
        let at = kept.partition_point(|(_, x)| x.score >= r.score);
        kept.insert(at, (id, r));
        kept.truncate(k);
    }
    kept
}

/// One article's closeness to a question in one space: its meaning score, centroid
/// similarity, and its closest line (index) with that line's similarity.
#[derive(Debug, Clone, Copy)]
pub(super) struct Rating {
    pub(super) score: f32,
    pub(super) centroid: f32,
    pub(super) similarity: f32,
    pub(super) line: usize,
}

#[cfg(test)]
mod tests {
    use super::super::{Lang, Line};
    use super::*;

    /// A deterministic pseudo-random unit vector.
    fn unit(seed: u64) -> Vec<f32> {
        let mut x = seed
            .wrapping_mul(2862933555777941757)
            .wrapping_add(3037000493);
        let mut v: Vec<f32> = (0..DIMENSIONS)
            .map(|_| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((x >> 40) as f32 / (1u64 << 24) as f32) - 0.5
            })
            .collect();
        normalize(&mut v);
        v
    }

    fn article(seed: u64, lines: usize) -> Embedded {
        let texts = (0..lines)
            .map(|i| Line {
                heading: String::new(),
                passage: String::new(),
                text: format!("line {i}"),
            })
            .collect();
        let vectors = (0..lines as u64).map(|i| unit(seed * 100 + i)).collect();
        Embedded::new(Lang::En, texts, vectors)
    }

    /// The bound the ranking skips articles by never undercuts a real score.
    #[test]
    fn no_line_scores_above_its_articles_ceiling() {
        for a in 0..50 {
            let v = &article(a, 1 + (a % 9) as usize).plain;
            for q in 0..20 {
                let question = unit(50_000 + a * 100 + q);
                let r = v.rate_all(&question).unwrap();
                let ceiling = v.ceiling(similarity(&question, &v.centroid));
                assert!(r.score <= ceiling + 1e-6, "{} > {ceiling}", r.score);
            }
        }
    }

    /// A help centre's space takes an edit at once with its current map, and is fitted
    /// anew once the edits reach a tenth of the articles it was fitted on.
    #[test]
    fn a_space_maps_edits_at_once_and_asks_for_a_refit_after_a_tenth() {
        let ids: Vec<String> = (0..30).map(|i| format!("a{i}")).collect();
        let articles: Vec<Embedded> = (0..30).map(|i| article(i, 3)).collect();
        let mut space = Space::fit(ids.iter().zip(&articles)).unwrap();
        assert_eq!(space.fitted_on, 30);
        let placed = space.place(&articles[0]);
        assert_eq!(
            placed.lines, space.articles["a0"].lines,
            "same map, same place"
        );
        assert!((similarity(&placed.centroid, &placed.centroid) - 1.0).abs() < 1e-4);
        space.changes = 2;
        assert!(!space.is_stale());
        space.changes = 3;
        assert!(space.is_stale(), "3 of 30 changed");
    }

    /// Stopping the scan early never changes the result: same articles, same order, same
    /// scores as rating every one of the `RATED_AT_MOST` closest centroids.
    #[test]
    fn pruned_ranking_equals_rating_every_article() {
        let ids: Vec<String> = (0..300).map(|i| format!("a{i}")).collect();
        let articles: Vec<Embedded> = (0..300).map(|i| article(i, 1 + (i % 7) as usize)).collect();
        for q in 0..20 {
            // Questions near some article's line, and unrelated ones.
            let question = if q % 2 == 0 {
                let near = &articles[q * 7].plain.lines[..DIMENSIONS];
                let noise = unit(10_000 + q as u64);
                let mut v: Vec<f32> = near.iter().zip(&noise).map(|(a, b)| a + 0.5 * b).collect();
                normalize(&mut v);
                v
            } else {
                unit(20_000 + q as u64)
            };
            let all = ids.iter().zip(articles.iter().map(|e| &e.plain));
            let got: Vec<(String, f32)> = rank(&question, all.clone(), 5)
                .into_iter()
                .map(|(id, r)| (id.clone(), r.score))
                .collect();
            let mut closest: Vec<(&String, &Vectors)> = all.collect();
            closest.sort_by(|a, b| {
                let c = |v: &Vectors| similarity(&question, &v.centroid);
                c(b.1).total_cmp(&c(a.1))
            });
            closest.truncate(RATED_AT_MOST);
            let mut every: Vec<(String, f32)> = closest
                .into_iter()
                .map(|(id, v)| (id.clone(), v.rate_all(&question).unwrap().score))
                .collect();
            every.sort_by(|a, b| b.1.total_cmp(&a.1));
            every.truncate(5);
            assert_eq!(got, every, "question {q}");
        }
    }

    #[test]
    fn an_article_scores_mostly_by_its_centroid_and_partly_by_its_closest_line() {
        let e = article(1, 4);
        let q = e.plain.lines[..DIMENSIONS].to_vec();
        let c = similarity(&q, &e.plain.centroid);
        let r = e.plain.rate(&q, c).unwrap();
        assert!((r.similarity - 1.0).abs() < 1e-5, "its own line");
        assert_eq!(e.lines[r.line].text, "line 0");
        assert!((r.score - (CENTROID_WEIGHT * c + (1.0 - CENTROID_WEIGHT))).abs() < 1e-5);
        assert!(
            c < 1.0 && c > 0.3,
            "the mean of four lines, one of them the question: {c}"
        );
    }
}
