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
    /// Where each article is in `ids`, `vectors` and `centroids`.
    slot: HashMap<String, usize>,
    ids: Vec<String>,
    vectors: Vec<Arc<Vectors>>,
    /// The articles' centroids end to end, in the same order: the ranking's scan reads one
    /// block of memory instead of following two pointers per article (a thousand French
    /// articles on the 2,034-article bench).
    centroids: Vec<f32>,
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
            slot: HashMap::new(),
            ids: Vec::new(),
            vectors: Vec::new(),
            centroids: Vec::new(),
            fitted_on: 0,
            changes: 0,
        };
        for (id, e) in articles {
            let placed = space.place(e);
            space.insert(id, placed);
        }
        space.fitted_on = space.ids.len();
        Some(space)
    }

    /// An article's vectors in this space.
    pub(super) fn get(&self, id: &str) -> Option<&Vectors> {
        self.slot.get(id).map(|&i| self.vectors[i].as_ref())
    }

    /// Adds an article's vectors, or replaces them.
    pub(super) fn insert(&mut self, id: &str, v: Vectors) {
        match self.slot.get(id) {
            Some(&i) => {
                self.centroids[i * DIMENSIONS..(i + 1) * DIMENSIONS].copy_from_slice(&v.centroid);
                self.vectors[i] = Arc::new(v);
            }
            None => {
                self.slot.insert(id.to_string(), self.ids.len());
                self.ids.push(id.to_string());
                self.centroids.extend_from_slice(&v.centroid);
                self.vectors.push(Arc::new(v));
            }
        }
    }

    /// Takes an article out (the last one moves into its place).
    pub(super) fn remove(&mut self, id: &str) {
        let Some(i) = self.slot.remove(id) else {
            return;
        };
        let last = self.ids.len() - 1;
        self.ids.swap_remove(i);
        self.vectors.swap_remove(i);
        if i != last {
            self.centroids
                .copy_within(last * DIMENSIONS..(last + 1) * DIMENSIONS, i * DIMENSIONS);
            self.slot.insert(self.ids[i].clone(), i);
        }
        self.centroids.truncate(last * DIMENSIONS);
    }

    /// The `k` best-rated articles for a question already mapped into this space (as
    /// `rank`, from the contiguous centroids).
    pub(super) fn rank(&self, question: &[f32], k: usize) -> Vec<(&String, Rating)> {
        let order = self
            .centroids
            .chunks_exact(DIMENSIONS)
            .zip(self.ids.iter().zip(&self.vectors))
            .map(|(c, (id, v))| (id, v.as_ref(), similarity(question, c)))
            .collect();
        rank_by(question, order, k)
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
    let order = articles
        .map(|(id, v)| (id, v, similarity(question, &v.centroid)))
        .collect();
    rank_by(question, order, k)
}

/// `rank`, given each article's centroid similarity.
fn rank_by<'a>(
    question: &[f32],
    mut order: Vec<(&'a String, &'a Vectors, f32)>,
    k: usize,
) -> Vec<(&'a String, Rating)> {
    if k == 0 {
        return Vec::new();
    }
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
            placed.lines,
            space.get("a0").unwrap().lines,
            "same map, same place"
        );
        assert!((similarity(&placed.centroid, &placed.centroid) - 1.0).abs() < 1e-4);
        space.changes = 2;
        assert!(!space.is_stale());
        space.changes = 3;
        assert!(space.is_stale(), "3 of 30 changed");
    }

    /// Edits keep the contiguous centroids in step with the articles: after a removal (the
    /// last article moves into the gap), a replacement and an addition, the space ranks
    /// exactly as a ranking over its articles' own vectors.
    #[test]
    fn a_space_ranks_from_its_centroids_as_from_its_articles_after_edits() {
        let ids: Vec<String> = (0..40).map(|i| format!("a{i}")).collect();
        let articles: Vec<Embedded> = (0..40).map(|i| article(i, 2 + (i % 3) as usize)).collect();
        let mut space = Space::fit(ids.iter().zip(&articles)).unwrap();
        space.remove("a3");
        space.remove("a39");
        space.remove("nowhere");
        let replaced = space.place(&article(100, 4));
        space.insert("a7", replaced);
        let added = space.place(&article(101, 2));
        space.insert("new", added);
        assert_eq!(space.ids.len(), 39);
        assert!(space.get("a3").is_none() && space.get("new").is_some());
        for q in 0..10 {
            let question = space.map.apply(&unit(30_000 + q));
            let from_centroids: Vec<(String, f32)> = space
                .rank(&question, 5)
                .into_iter()
                .map(|(id, r)| (id.clone(), r.score))
                .collect();
            let from_articles: Vec<(String, f32)> = rank(
                &question,
                space.ids.iter().map(|id| (id, space.get(id).unwrap())),
                5,
            )
            .into_iter()
            .map(|(id, r)| (id.clone(), r.score))
            .collect();
            assert_eq!(from_centroids, from_articles, "question {q}");
        }
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
