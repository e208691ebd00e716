//! The optional embedding models' say in a decision (each language's own model and rule):
//! when the words leave the assistant unsure, every article gets a meaning score from the
//! model, the words' evidence is added to it; articles are ranked by that sum in the help
//! centre's own space (`knowledge::whitening`), and the first one's plain combined score
//! decides between answering and declining (the calibrated scale, as before the ranking
//! changed). Optionally (`[embedding] second_opinion`), when the English model's score is
//! near its bar, the French model reads the question too and the two scores are averaged.

use super::{rounded, SecondOpinion, SemanticCheck};
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

/// The combined scores at which the first model is unsure enough to ask the second one
/// (`Semantic::second_opinion`: multilingual-e5-small for English), from a little under to
/// a little over its bar. Chosen on CLINC150 and Banking77 val (`bench/fit_semantic.py
/// --second`): asking it for every English question gained less than asking it only here
/// (val top-1 / declined at the bar: MiniLM alone 0.844 / 0.91, always both 0.855 / 0.92,
/// this band 0.860 / 0.92 for 14 % of the CLINC150 questions and 2 % of Banking77's; the
/// wider 0.36..0.60 gave 0.861 / 0.92 for 22 %, so the narrower, cheaper band). On the
/// test split, run once afterwards, answers rose (0.836 → 0.847) and declines fell (0.816
/// → 0.767): val's 100 out-of-scope questions did not foresee it, so it is off unless the
/// shop turns it on (`[embedding] second_opinion`).
pub const SECOND_OPINION: std::ops::Range<f32> = 0.40..0.56;

/// The second model's scores on the first one's scale (`a × score + b`): e5's similarities
/// sit high and close together. A least-squares line from e5's best meaning score to
/// MiniLM's over the CLINC150 val questions (Banking77 val gives 4.76 / −3.68).
const SECOND_SCALE: [f32; 2] = [4.832, -3.754];

/// The first model's share of the mixed meaning score (0.5 and 0.6 tried on val: equal).
const FIRST_WEIGHT: f32 = 0.5;

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
    let embedded = model.embed(question, lang);
    let pool = pool(&model, &embedded, lang, retrieval);
    let (mut hit, mut words) = combine(pool.clone(), retrieval)?;
    let mut score = hit.score + WORDS_WEIGHT * words;
    let mut second = None;
    let unsure = model
        .second_opinion(lang)
        .filter(|_| SECOND_OPINION.contains(&score));
    if let Some(other) = unsure {
        let asked = (question, embedded.as_slice());
        if let Some((h, w, own)) = reconsider(&model, other, asked, lang, retrieval, pool) {
            second = Some(SecondOpinion {
                model: other.model_name_of(lang),
                first_title: index
                    .candidate_for(&hit)
                    .map_or_else(|| hit.article_id.clone(), |c| c.title),
                first_article_id: hit.article_id.clone(),
                first_score: rounded(score),
                meaning: rounded(own),
                first_weight: FIRST_WEIGHT,
            });
            (hit, words) = (h, w);
            score = hit.score + WORDS_WEIGHT * words;
        }
    }
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
        second,
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

/// The articles that compete: those closest in meaning and the lexical candidates,
/// whatever their meaning score.
fn pool(model: &Semantic, question: &[f32], lang: Lang, retrieval: &Retrieval) -> Vec<Hit> {
    let lexical: Vec<&str> = retrieval
        .candidates
        .iter()
        .map(|c| c.article_id.as_str())
        .collect();
    model.compete(question, lang, NEAREST, &lexical)
}

/// The best article when the second model's reading is mixed with the first's (see
/// `blend`), its words' evidence, and the second model's own meaning score of it. Competing:
/// the first model's pool and the second model's closest articles, each scored by both.
fn reconsider(
    first: &Semantic,
    second: &Semantic,
    (question, embedded): (&str, &[f32]),
    lang: Lang,
    retrieval: &Retrieval,
    pool: Vec<Hit>,
) -> Option<(Hit, f32, f32)> {
    let other = second.embed(question, lang);
    let ids: Vec<&str> = pool.iter().map(|h| h.article_id.as_str()).collect();
    let theirs = second.compete(&other, lang, NEAREST, &ids);
    let missing: Vec<&str> = theirs
        .iter()
        .map(|h| h.article_id.as_str())
        .filter(|id| !ids.contains(id))
        .collect();
    let mut ours = pool;
    ours.extend(first.rate(embedded, lang, &missing));
    let mixed = blend(ours, &theirs);
    let (hit, words) = combine(mixed.iter().map(|(h, _)| h.clone()).collect(), retrieval)?;
    let own = mixed
        .iter()
        .find(|(h, _)| h.article_id == hit.article_id)
        .map_or(0.0, |(_, e)| *e);
    Some((hit, words, own))
}

/// Each article both models scored, with the first model's line and the two models'
/// mixed scores, and the second model's own meaning score.
fn blend(ours: Vec<Hit>, theirs: &[Hit]) -> Vec<(Hit, f32)> {
    let [a, b] = SECOND_SCALE;
    let mixed = |x: f32, y: f32, b: f32| FIRST_WEIGHT * x + (1.0 - FIRST_WEIGHT) * (a * y + b);
    ours.into_iter()
        .filter_map(|mut h| {
            let t = theirs.iter().find(|t| t.article_id == h.article_id)?;
            h.score = mixed(h.score, t.score, b);
            // The ranking score without the offset: the same for every article, so the
            // same order, and no negative figure on the visitor's "why this answer?".
            h.distinct = mixed(h.distinct, t.distinct, 0.0);
            Some((h, t.score))
        })
        .collect()
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
            missing_parcel: None,
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

    /// The second model's scores, mapped onto the first's scale, weigh as much as the
    /// first's: an article the first model slightly prefers loses to one the second model
    /// clearly prefers, and the mixed score stays on the first model's scale (so its bar
    /// and calibration still apply).
    #[test]
    fn a_second_opinion_settles_what_the_first_model_was_unsure_of() {
        let ours = vec![hit("refunds", 0.50), hit("returns", 0.48)];
        // On e5's narrow scale: 0.90 and 0.86 map to 0.595 and 0.401.
        let theirs = vec![
            hit("returns", 0.90),
            hit("refunds", 0.86),
            hit("contact", 0.95),
        ];
        let mixed = blend(ours, &theirs);
        assert_eq!(mixed.len(), 2, "only articles both models scored");
        let (best, _) =
            combine(mixed.iter().map(|(h, _)| h.clone()).collect(), &words(&[])).unwrap();
        assert_eq!(best.article_id, "returns");
        let own = mixed
            .iter()
            .find(|(h, _)| h.article_id == "returns")
            .unwrap()
            .1;
        assert_eq!(
            own, 0.90,
            "the second model's own score is kept for the why record"
        );
        // Two models that agree on a score give that score back.
        let agreed = (0.5 - SECOND_SCALE[1]) / SECOND_SCALE[0];
        let same = blend(vec![hit("a", 0.5)], &[hit("a", agreed)]);
        assert!((same[0].0.score - 0.5).abs() < 1e-5, "{}", same[0].0.score);
        assert!(SECOND_OPINION.contains(&0.46), "the band holds the bar");
    }

    #[test]
    fn words_do_not_overturn_a_clear_difference_in_meaning() {
        let pool = vec![hit("delivery", 0.70), hit("payment", 0.50)];
        let (best, _) = combine(pool, &words(&[("payment", 12.0)])).unwrap();
        assert_eq!(best.article_id, "delivery");
    }
}
