//! From a question to a decision: answer from a passage, decline, or hand over.
//!
//! Pure and synchronous: it reads the index and returns the reply with its why record;
//! storing them is the caller's job. Nothing here invents text: an answer is a passage of
//! an article, quoted, with its citation.

/// The confidence function and its signals.
pub mod confidence;
/// Rules that hand a question to a person instead of answering.
pub mod escalation;
mod explain;
/// Recognising a request for a person.
pub mod intent;
/// Guessing the language of a question.
pub mod lang;
/// The optional embedding model's say in a decision.
pub mod meaning;
/// Greetings, thanks, goodbyes and "are you a bot?": no questions for the help centre.
pub mod small_talk;
/// Asking a question of a draft before it is published.
pub mod trial;

use crate::knowledge::{negation, Candidate, KnowledgeIndex, Lang, Retrieval};
pub use confidence::Signals;
use serde::{Deserialize, Serialize};
pub use small_talk::SmallTalk;

/// How many articles the why record lists.
const CANDIDATES: usize = 3;

/// A figure as the why record shows it: three decimals.
fn rounded(v: f32) -> f32 {
    (v * 1000.0).round() / 1000.0
}

/// What the assistant did with a question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Answer,
    NoAnswer,
    Handoff,
    /// A greeting, thanks, goodbye or "are you a bot?" no article answers: a fixed reply,
    /// neither an answer nor a decline.
    SmallTalk,
}

/// The rule that decided, named in the why record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// The visitor asked for a person in words.
    HumanRequested,
    /// Confidence reached the threshold.
    AboveThreshold,
    /// Confidence stayed below the threshold.
    BelowThreshold,
    /// No article shares any meaningful word with the question.
    NoMatch,
    /// The question is nearly identical to an article's example question.
    ExampleQuestion,
    /// An operator rule sends this article or tag to a person.
    OperatorRule,
    /// Too many questions in a row were declined.
    DeclinedRepeatedly,
    /// The visitor marked the previous answer "not helpful" and asked again.
    NotHelpful,
    /// The words were not conclusive; the embedding model found an article close in meaning.
    SemanticMatch,
    /// The words were not conclusive and no article is close in meaning.
    SemanticMismatch,
    /// The message was only a greeting, thanks or goodbye, or asked what the assistant is,
    /// and no article answered it.
    SmallTalk,
    /// The message is written in a language the assistant does not answer in.
    UnsupportedLanguage,
    /// Searching the help centre failed (a disk or index error): a person takes over
    /// rather than the visitor meeting an error.
    SearchFailed,
}

/// What the optional embedding model said about an uncertain question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SemanticCheck {
    pub model: String,
    /// The article ranked first (best `distinct` + words), and its line closest to the
    /// question.
    pub article_id: String,
    pub line: String,
    /// Cosine similarity of the question and that line (-1..1).
    pub similarity: f32,
    /// Cosine similarity of the question and the mean of the article's lines.
    #[serde(default)]
    pub centroid: f32,
    /// The article's meaning score (mostly `centroid`, partly `similarity`).
    #[serde(default)]
    pub meaning: f32,
    /// The same in the help centre's own space, where what all its articles share counts
    /// less (`knowledge::whitening`): the articles were ranked by it, plus the words.
    #[serde(default)]
    pub distinct: f32,
    /// What the words added: the article's lexical score relative to the best, weighted.
    #[serde(default)]
    pub words: f32,
    /// `meaning + words`: compared with `answer_from`.
    #[serde(default)]
    pub score: f32,
    /// The probability that the article is the right one, calibrated from `score` on
    /// validation questions; the why record's confidence when the model decided.
    #[serde(default)]
    pub confidence: f32,
    /// The same for `answer_from`: the why record's threshold when the model decided.
    #[serde(default)]
    pub confidence_from: f32,
    /// Whether the words' best article is the same one.
    pub words_agree: bool,
    /// From this combined score the article is answered; below it the assistant declines.
    pub answer_from: f32,
    /// The lexical confidence that made the assistant ask the model.
    pub lexical_confidence: f32,
    /// When the first model was unsure and a second one was asked: `meaning` and `distinct`
    /// above are then the two models' mix, and `score` the mix plus the words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub second: Option<SecondOpinion>,
}

/// What a second model added when the first was unsure (`meaning::SECOND_OPINION`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SecondOpinion {
    pub model: String,
    /// The first model's best article and combined score on its own, before it asked.
    pub first_article_id: String,
    pub first_title: String,
    pub first_score: f32,
    /// The second model's own meaning score of the chosen article (on its own scale).
    pub meaning: f32,
    /// The first model's share of the mixed meaning score.
    pub first_weight: f32,
}

/// Similarity from which a question counts as the same as an example question.
pub const EXAMPLE_MATCH: f32 = 0.8;

/// An example question of the cited article that the visitor's question matched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExampleMatch {
    pub question: String,
    pub similarity: f32,
}

/// A source the answer was taken from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Citation {
    pub article_id: String,
    pub title: String,
    pub url: Option<String>,
    pub version: String,
}

/// One article the assistant considered, as shown in the why record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WhyCandidate {
    pub article_id: String,
    pub title: String,
    pub version: String,
    /// The exact passage text, kept so the decision can be audited after the article changes.
    pub passage: String,
    pub score: f32,
    /// The visitor's words that this article contains.
    pub matched_terms: Vec<String>,
}

/// A word the assistant read differently from how it was typed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reading {
    pub word: String,
    pub read_as: String,
}

/// Everything needed to explain and audit one reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WhyRecord {
    pub decision: Kind,
    pub rule: Rule,
    pub confidence: f32,
    pub threshold: f32,
    pub language: Lang,
    pub explanation: String,
    pub candidates: Vec<WhyCandidate>,
    pub knowledge_version: String,
    pub signals: Signals,
    pub readings: Vec<Reading>,
    pub example_question: Option<ExampleMatch>,
    /// Present when the embedding model was consulted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub semantic: Option<SemanticCheck>,
    /// Always false for bot replies: no person reviewed the answer before it was sent.
    pub human_reviewed: bool,
    /// What kind of small talk the message was, when the reply is small talk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub small_talk: Option<SmallTalk>,
    /// The language the message was written in (ISO 639-1) when it is none the assistant
    /// answers in; `language` is then the one it replied in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub written_in: Option<String>,
}

/// The assistant's reply to one question.
#[derive(Debug, Clone)]
pub struct Decision {
    pub kind: Kind,
    /// The quoted passage for an answer; empty otherwise (the caller writes the text).
    pub passage: String,
    pub citations: Vec<Citation>,
    pub why: WhyRecord,
    /// Tags of the cited article (for operator hand-over rules; not shown).
    pub cited_tags: Vec<String>,
}

/// Decides how to reply to `question` in `lang`; when the search itself fails, hands the
/// question to a person instead. The brief's promise is a person "whenever it fails": a
/// visitor must never lose a question to a broken index, and the turn is stored as usual.
pub fn decide_or_hand_over(
    index: &KnowledgeIndex,
    question: &str,
    lang: Lang,
    threshold: f32,
) -> Decision {
    let decided = decide(index, question, lang, threshold);
    or_hand_over(decided, lang, threshold, || index.version())
}

/// The decision, or a hand-over to a person that says the search failed (the error itself
/// goes to the log, not to the visitor or the why record).
/// The knowledge version is only read when it is needed (it takes a lock).
fn or_hand_over(
    decided: anyhow::Result<Decision>,
    lang: Lang,
    threshold: f32,
    kb_version: impl FnOnce() -> String,
) -> Decision {
    let error = match decided {
        Ok(d) => return d,
        Err(e) => e,
    };
    tracing::error!(
        error = format!("{error:#}"),
        "search failed; handing the question to a person"
    );
    let mut why = record(
        Kind::Handoff,
        Rule::SearchFailed,
        0.0,
        threshold,
        None,
        lang,
        kb_version(),
    );
    why.explanation = explain::search_failed(lang);
    Decision {
        kind: Kind::Handoff,
        passage: String::new(),
        citations: vec![],
        why,
        cited_tags: vec![],
    }
}

/// Decides how to reply to `question` in `lang`.
pub fn decide(
    index: &KnowledgeIndex,
    question: &str,
    lang: Lang,
    threshold: f32,
) -> anyhow::Result<Decision> {
    if intent::wants_human(question) {
        let why = record(
            Kind::Handoff,
            Rule::HumanRequested,
            0.0,
            threshold,
            None,
            lang,
            index.version(),
        );
        return Ok(Decision {
            kind: Kind::Handoff,
            passage: String::new(),
            citations: vec![],
            why,
            cited_tags: vec![],
        });
    }
    // A question in German or Spanish would only meet French or English articles by
    // accident: say which languages the assistant answers in instead of searching.
    if let Some(code) = lang::unsupported(question) {
        let mut why = record(
            Kind::NoAnswer,
            Rule::UnsupportedLanguage,
            0.0,
            threshold,
            None,
            lang,
            index.version(),
        );
        why.explanation = explain::unsupported_language(lang, code);
        why.written_in = Some(code.to_string());
        return Ok(Decision {
            kind: Kind::NoAnswer,
            passage: String::new(),
            citations: vec![],
            why,
            cited_tags: vec![],
        });
    }
    let mut retrieval = index.search(question, lang, CANDIDATES)?;
    let example = promote_example_match(&mut retrieval);
    let signals = Signals::of(&retrieval);
    let confidence = example
        .as_ref()
        .map_or(0.0, |m| m.similarity)
        .max(signals.confidence());
    // Uncertain words: ask the embedding model, when there is one, which then decides.
    let semantic = match example {
        None => meaning::consult(index, question, lang, confidence, &mut retrieval)
            .map(|v| (v.check, v.answer)),
        Some(_) => None,
    };
    let best = retrieval.candidates.first();
    let (kind, rule) = match (best, &example, &semantic) {
        (_, _, Some((_, true))) => (Kind::Answer, Rule::SemanticMatch),
        (_, _, Some((_, false))) => (Kind::NoAnswer, Rule::SemanticMismatch),
        (None, _, None) => (Kind::NoAnswer, Rule::NoMatch),
        (Some(_), _, None) if confidence < threshold => (Kind::NoAnswer, Rule::BelowThreshold),
        (Some(_), Some(_), None) => (Kind::Answer, Rule::ExampleQuestion),
        (Some(_), None, None) => (Kind::Answer, Rule::AboveThreshold),
    };
    let kb_version = retrieval.kb_version.clone();
    let mut why = record(
        kind,
        rule,
        confidence,
        threshold,
        Some(&retrieval),
        lang,
        kb_version,
    );
    why.signals = signals;
    why.example_question = example.filter(|_| kind == Kind::Answer);
    if let Some((check, _)) = semantic {
        let title = best.map(|c| c.title.as_str()).unwrap_or_default();
        why.explanation = explain::semantic(lang, kind, &check, title, threshold);
        // One scale for the visitor: the model's calibrated confidence against its bar.
        why.confidence = check.confidence;
        why.threshold = check.confidence_from;
        why.semantic = Some(check);
    }
    let (passage, citations, cited_tags) = match (kind, best) {
        (Kind::Answer, Some(c)) => (c.passage.clone(), vec![citation(c)], c.tags.clone()),
        _ => (String::new(), vec![], vec![]),
    };
    Ok(small_talk_instead(
        Decision {
            kind,
            passage,
            citations,
            why,
            cited_tags,
        },
        question,
        lang,
    ))
}

/// A "merci" or "bonjour" no article answers is small talk, not a declined question; the
/// articles considered stay in the why record.
fn small_talk_instead(mut d: Decision, question: &str, lang: Lang) -> Decision {
    if d.kind == Kind::Answer {
        return d;
    }
    let Some(talk) = small_talk::classify(question) else {
        return d;
    };
    d.kind = Kind::SmallTalk;
    d.why.decision = Kind::SmallTalk;
    d.why.rule = Rule::SmallTalk;
    d.why.small_talk = Some(talk);
    d.why.explanation = explain::small_talk(lang, talk, d.why.confidence, d.why.threshold);
    d
}

/// Moves the candidate whose example question matches the visitor's best to the front.
fn promote_example_match(retrieval: &mut Retrieval) -> Option<ExampleMatch> {
    let (i, (question, similarity)) = retrieval
        .candidates
        .iter()
        .enumerate()
        .filter_map(|(i, c)| c.example_question.clone().map(|e| (i, e)))
        .max_by(|a, b| a.1 .1.total_cmp(&b.1 .1))?;
    if similarity < EXAMPLE_MATCH {
        return None;
    }
    let best = retrieval.candidates.remove(i);
    retrieval.candidates.insert(0, best);
    Some(ExampleMatch {
        question,
        similarity: rounded(similarity),
    })
}

fn record(
    kind: Kind,
    rule: Rule,
    confidence: f32,
    threshold: f32,
    retrieval: Option<&Retrieval>,
    lang: Lang,
    knowledge_version: String,
) -> WhyRecord {
    let candidates: Vec<WhyCandidate> = retrieval
        .map(|r| r.candidates.iter().map(|c| why_candidate(c, r)).collect())
        .unwrap_or_default();
    let readings = retrieval
        .map(|r| {
            let mut out: Vec<Reading> = Vec::new();
            for t in &r.terms {
                if let Some(read_as) = &t.read_as {
                    if !out.iter().any(|x| x.word == t.word) {
                        out.push(Reading {
                            word: t.word.clone(),
                            read_as: read_as.clone(),
                        });
                    }
                }
            }
            if let Some(typed) = &r.missing_parcel {
                out.push(Reading {
                    word: typed.clone(),
                    read_as: negation::missing_parcel_words(r.lang).to_string(),
                });
            }
            out
        })
        .unwrap_or_default();
    let explanation = explain::explain(
        lang,
        kind,
        rule,
        confidence,
        threshold,
        candidates.first(),
        &readings,
    );
    WhyRecord {
        decision: kind,
        rule,
        confidence: rounded(confidence),
        threshold,
        language: lang,
        explanation,
        candidates,
        knowledge_version,
        signals: Signals::default(),
        readings,
        example_question: None,
        semantic: None,
        human_reviewed: false,
        small_talk: None,
        written_in: None,
    }
}

fn why_candidate(c: &Candidate, r: &Retrieval) -> WhyCandidate {
    let mut words: Vec<String> = Vec::new();
    for t in r.terms.iter().filter(|t| c.matched.contains(&t.term)) {
        let w = t.read_as.clone().unwrap_or_else(|| t.word.clone());
        if !words.contains(&w) {
            words.push(w);
        }
    }
    WhyCandidate {
        article_id: c.article_id.clone(),
        title: c.title.clone(),
        version: c.version.clone(),
        passage: c.passage.clone(),
        score: rounded(c.score),
        matched_terms: words,
    }
}

fn citation(c: &Candidate) -> Citation {
    Citation {
        article_id: c.article_id.clone(),
        title: c.title.clone(),
        url: c.url.clone(),
        version: c.version.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A broken index (a disk error, say) is not the visitor's problem: the question goes to
    /// a person, the why record says the search failed, and the error stays in the log.
    #[test]
    fn a_failed_search_hands_the_question_to_a_person() {
        let failed = anyhow::anyhow!("segment file: Input/output error (os error 5)");
        let d = or_hand_over(Err(failed), Lang::Fr, 0.3, || "kb-7".into());
        assert_eq!((d.kind, d.why.rule), (Kind::Handoff, Rule::SearchFailed));
        assert_eq!(d.why.knowledge_version, "kb-7");
        assert!(d.citations.is_empty() && d.passage.is_empty());
        assert!(
            d.why.explanation.contains("pas pu chercher"),
            "{}",
            d.why.explanation
        );
        assert!(!d.why.explanation.contains("os error"));
        let json = serde_json::to_value(&d.why).unwrap();
        assert_eq!(json["rule"], "search_failed");

        let (d, trigger) = escalation::escalate(
            d,
            &escalation::HandoffRules::default(),
            escalation::History::default(),
            Lang::Fr,
        );
        assert_eq!(trigger.as_deref(), Some("search_failed"));
        assert_eq!(d.why.rule, Rule::SearchFailed);

        let answered = Decision {
            kind: Kind::Answer,
            ..d
        };
        let kept = or_hand_over(Ok(answered), Lang::Fr, 0.3, || {
            unreachable!("read on success")
        });
        assert_eq!(kept.kind, Kind::Answer);
    }
}
