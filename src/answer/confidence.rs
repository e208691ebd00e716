//! How sure the assistant is that its best passage answers the question.
//!
//! A raw BM25 score means nothing to a visitor and cannot be compared across questions,
//! so confidence combines signals that can:
//! - `coverage`: the share of the question's meaning (words weighted by rarity, IDF) that the
//!   best article contains. A question about the weather has "weather" nowhere in the help
//!   centre, so most of its weight is uncovered.
//! - `margin`: how far the best article is ahead of the runner-up (0 = a tie).
//! - `score`: the BM25 score itself, on a log scale.
//!
//! They are combined by a logistic function whose weights were fitted on validation
//! questions (see BENCHMARKS.md), so a confidence of 0.8 means about 8 answers in 10 cite
//! the right article.

use crate::knowledge::{QueryTerm, Retrieval};
use serde::Serialize;

/// Logistic weights: intercept, coverage, margin, ln(1 + score), unknown share, strength.
/// Fitted by `bench/fit_confidence.py` on the CLINC150 and Banking77 validation splits and
/// the sample help centre's dev questions (weight 20), out-of-scope questions weighted 10
/// (about one question in five out of scope, as on a shop's chat).
pub const WEIGHTS: [f32; 6] = [-8.227, 1.878, 2.587, 2.298, -1.447, 0.097];

/// The measured signals behind one confidence figure, kept in the why record.
#[derive(Debug, Clone, Copy, Default, Serialize, serde::Deserialize, PartialEq)]
pub struct Signals {
    pub coverage: f32,
    pub margin: f32,
    pub score: f32,
    /// IDF-weighted share of the question's words that no article of the language contains.
    pub unknown: f32,
    /// Number of content words in the question.
    pub terms: f32,
    /// BM25 score per unit of the question's known IDF: comparable across knowledge bases
    /// with short or long articles, unlike the raw score.
    pub strength: f32,
}

impl Signals {
    /// Measures the signals of a retrieval's best candidate.
    pub fn of(retrieval: &Retrieval) -> Signals {
        let Some(best) = retrieval.candidates.first() else {
            return Signals::default();
        };
        let runner_up = retrieval.candidates.get(1).map_or(0.0, |c| c.score);
        let total: f32 = retrieval.terms.iter().map(|t| t.idf).sum();
        let unknown: f32 = retrieval
            .terms
            .iter()
            .filter(|t| !t.known)
            .map(|t| t.idf)
            .sum();
        Signals {
            coverage: coverage(&retrieval.terms, &best.matched),
            margin: if best.score > 0.0 {
                (best.score - runner_up) / best.score
            } else {
                0.0
            },
            score: best.score,
            unknown: if total > 0.0 { unknown / total } else { 0.0 },
            terms: retrieval.terms.len() as f32,
            strength: {
                let known: f32 = retrieval
                    .terms
                    .iter()
                    .filter(|t| t.known)
                    .map(|t| t.idf)
                    .sum();
                if known > 0.0 {
                    best.score / known
                } else {
                    0.0
                }
            },
        }
    }

    /// The confidence in [0, 1].
    pub fn confidence(&self) -> f32 {
        if self.score <= 0.0 {
            return 0.0;
        }
        let [b0, b_cov, b_margin, b_score, b_unknown, b_strength] = WEIGHTS;
        let z = b0
            + b_cov * self.coverage
            + b_margin * self.margin
            + b_score * self.score.ln_1p()
            + b_unknown * self.unknown
            + b_strength * self.strength;
        1.0 / (1.0 + (-z).exp())
    }
}

/// IDF-weighted share of the question's terms found in the candidate.
pub fn coverage(terms: &[QueryTerm], matched: &[String]) -> f32 {
    let total: f32 = terms.iter().map(|t| t.idf).sum();
    if total <= 0.0 {
        return 0.0;
    }
    let hit: f32 = terms
        .iter()
        .filter(|t| matched.contains(&t.term))
        .map(|t| t.idf)
        .sum();
    hit / total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn term(t: &str, idf: f32) -> QueryTerm {
        QueryTerm {
            word: t.into(),
            read_as: None,
            term: t.into(),
            idf,
            known: true,
            alternatives: vec![],
        }
    }

    #[test]
    fn coverage_weighs_rare_words_more() {
        let terms = [term("refund", 3.0), term("time", 1.0)];
        assert!((coverage(&terms, &["refund".into()]) - 0.75).abs() < 1e-6);
        assert_eq!(coverage(&terms, &[]), 0.0);
    }

    #[test]
    fn confidence_grows_with_each_signal_and_stays_in_range() {
        let low = Signals {
            coverage: 0.3,
            margin: 0.05,
            score: 3.0,
            ..Signals::default()
        };
        let more_covered = Signals {
            coverage: 1.0,
            ..low
        };
        let clearer = Signals { margin: 0.6, ..low };
        assert!(more_covered.confidence() > low.confidence());
        assert!(clearer.confidence() > low.confidence());
        for s in [low, more_covered, clearer] {
            assert!((0.0..=1.0).contains(&s.confidence()));
        }
        assert_eq!(Signals::default().confidence(), 0.0);
    }
}
