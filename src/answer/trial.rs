//! "Try a question" in the editor: how the assistant answers now, and how it would answer
//! once a draft is published — the same decision code and hand-over rules, on the live
//! index and on a preview index where the draft replaces its published version.

use super::escalation::{escalate, HandoffRules, History};
use super::{decide, Decision};
use crate::knowledge::{Article, KnowledgeIndex};

/// The two answers an operator compares before publishing.
#[derive(Debug, Clone)]
pub struct Trial {
    /// What a visitor gets today (first question of a conversation).
    pub live: Decision,
    /// What a visitor would get with the draft published.
    pub draft: Decision,
}

/// Asks `question` (in the draft's language) of the live index and of the draft's preview.
pub fn against_draft(
    index: &KnowledgeIndex,
    draft: &Article,
    question: &str,
    threshold: f32,
    rules: &HandoffRules,
) -> anyhow::Result<Trial> {
    let lang = draft.lang;
    let first_question = History::default();
    let live = decide(index, question, lang, threshold)?;
    let candidate =
        index.with_preview(draft, |preview| decide(preview, question, lang, threshold))?;
    Ok(Trial {
        live: escalate(live, rules, first_question, lang).0,
        draft: escalate(candidate, rules, first_question, lang).0,
    })
}
