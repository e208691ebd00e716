//! The optional embedding models' say in a decision (each language's own model and rule):
//! when the words leave the assistant unsure, every article gets a meaning score from the
//! model, the words' evidence is added to it; articles are ranked by that sum in the help
//! centre's own space (`knowledge::whitening`), and the first one's plain combined score
//! decides between answering and declining (the calibrated scale, as before the ranking
//! changed).

use super::{rounded, SemanticCheck};
use crate::knowledge::semantic::{Hit, Semantic};
use crate::knowledge::{KnowledgeIndex, Lang, Retrieval};

/// Weight of the words' evidence in the combined score: an article's BM25 score relative to
/// the best lexical candidate (1 for the best, 0 outside the lexical candidates). Small,
/// because the words were unsure to begin with; enough to settle near ties in meaning.
/// Chosen on CLINC150 val with `bench/fit_semantic.py` (0, 0.05, 0.1, 0.15, 0.2 tried; val
/// top-1 ignoring thresholds 0.864 without, 0.874 with 0.05).
pub const WORDS_WEIGHT: f32 = 0.05;

/// How many articles closest in meaning compete, besides the lexical candidates.
const NEAREST: usize = 5;

/// What the model said, and whether its best article should be answered.
pub struct Verdict {
    pub check: SemanticCheck,
    pub answer: bool,
}

/// Asks the model about a question the words left uncertain. When its verdict is to
/// answer, the chosen article's closest passage becomes the first candidate.
pub fn consult(
    index: &KnowledgeIndex,
    question: &str,
    lang: Lang,
    lexical: f32,
    retrieval: &mut Retrieval,
) -> Option<Verdict> {
    let model = index.semantic().filter(|m| m.is_ready())?;
    let reader = model.reader(lang)?;
    if lexical >= reader.consult_below {
        return None;
    }
    let (hit, words) = best(&model, &model.embed(question, lang), lang, retrieval)?;
    let score = hit.score + WORDS_WEIGHT * words;
    let words_agree = retrieval
        .candidates
        .first()
        .is_some_and(|c| c.article_id == hit.article_id);
    let check = SemanticCheck {
        model: reader.model_name(),
        article_id: hit.article_id.clone(),
        line: hit.line.clone(),
        similarity: rounded(hit.similarity),
        centroid: rounded(hit.centroid),
        meaning: rounded(hit.score),
        distinct: rounded(hit.distinct),
        words: rounded(WORDS_WEIGHT * words),
        score: rounded(score),
        confidence: rounded(reader.confidence(score)),
        confidence_from: rounded(reader.confidence(reader.answer_from)),
        words_agree,
        answer_from: reader.answer_from,
        lexical_confidence: rounded(lexical),
    };
    let candidate = index.candidate_for(&hit);
    let answer = score >= reader.answer_from && candidate.is_some();
    if let Some(c) = candidate.filter(|_| answer) {
        retrieval
            .candidates
            .retain(|x| x.article_id != c.article_id);
        retrieval.candidates.insert(0, c);
    }
    Some(Verdict { check, answer })
}

/// The article with the best combined score, and its words' evidence (0..1). Competing:
/// the articles closest in meaning and the lexical candidates, whatever their meaning score.
fn best(
    model: &Semantic,
    question: &[f32],
    lang: Lang,
    retrieval: &Retrieval,
) -> Option<(Hit, f32)> {
    let lexical: Vec<&str> = retrieval
        .candidates
        .iter()
        .map(|c| c.article_id.as_str())
        .collect();
    combine(model.compete(question, lang, NEAREST, &lexical), retrieval)
}

/// Adds each article's words' evidence to its distinct meaning score (the help centre's own
/// space) and keeps the best.
fn combine(pool: Vec<Hit>, retrieval: &Retrieval) -> Option<(Hit, f32)> {
    let top = retrieval
        .candidates
        .first()
        .map_or(0.0, |c| c.score)
        .max(0.0);
    let words = |id: &str| {
        retrieval
            .candidates
            .iter()
            .find(|c| c.article_id == id)
            .filter(|_| top > 0.0)
            .map_or(0.0, |c| (c.score / top).clamp(0.0, 1.0))
    };
    let total = |(h, w): &(Hit, f32)| h.distinct + WORDS_WEIGHT * w;
    pool.into_iter()
        .map(|h| {
            let w = words(&h.article_id);
            (h, w)
        })
        .max_by(|a, b| total(a).total_cmp(&total(b)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::Candidate;

    fn hit(id: &str, score: f32) -> Hit {
        Hit {
            article_id: id.into(),
            score,
            centroid: score,
            similarity: score,
            distinct: score,
            line: String::new(),
            heading: String::new(),
            passage: String::new(),
        }
    }

    fn words(scores: &[(&str, f32)]) -> Retrieval {
        Retrieval {
            lang: Lang::En,
            terms: vec![],
            candidates: scores
                .iter()
                .map(|(id, score)| Candidate {
                    article_id: (*id).into(),
                    title: String::new(),
                    url: None,
                    version: String::new(),
                    heading: String::new(),
                    passage: String::new(),
                    score: *score,
                    matched: vec![],
                    example_question: None,
                    tags: vec![],
                })
                .collect(),
            kb_version: String::new(),
        }
    }

    #[test]
    fn shared_words_settle_a_near_tie_in_meaning() {
        let pool = vec![hit("refunds", 0.60), hit("returns", 0.58)];
        let (best, w) = combine(pool.clone(), &words(&[("returns", 8.0)])).unwrap();
        assert_eq!(best.article_id, "returns");
        assert_eq!(w, 1.0);
        // The best lexical candidate gets the whole weight, the runner-up its share:
        // 0.60 + 0.05 × 0.5 beats 0.57 + 0.05 × 1.
        let further = vec![hit("refunds", 0.60), hit("returns", 0.57)];
        let (best, w) = combine(further, &words(&[("returns", 8.0), ("refunds", 4.0)])).unwrap();
        assert_eq!(best.article_id, "refunds");
        assert!((w - 0.5).abs() < 1e-6);
        // No shared word: meaning alone decides.
        let (best, w) = combine(pool, &words(&[])).unwrap();
        assert_eq!((best.article_id.as_str(), w), ("refunds", 0.0));
    }

    #[test]
    fn confidence_rises_with_the_score_and_stays_a_probability() {
        use crate::knowledge::semantic::{calibrated, MINILM_CALIBRATION};
        let confidence = |s: f32| calibrated(MINILM_CALIBRATION, s);
        let (low, bar, high) = (confidence(0.2), confidence(0.46), confidence(0.8));
        assert!(low < bar && bar < high, "{low} {bar} {high}");
        assert!(low > 0.0 && high < 1.0);
    }

    #[test]
    fn words_do_not_overturn_a_clear_difference_in_meaning() {
        let pool = vec![hit("delivery", 0.70), hit("payment", 0.50)];
        let (best, _) = combine(pool, &words(&[("payment", 12.0)])).unwrap();
        assert_eq!(best.article_id, "delivery");
    }
}
