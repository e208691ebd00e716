//! Content gaps: what visitors asked that the help centre could not answer, grouped by shared
//! content words (so "Do you sell electric bikes?" and "Electric bikes for sale?" are one group),
//! most frequent first. Questions were redacted before storage; only conversations whose
//! visitors consented count.

use super::{KnowledgeIndex, Lang};
use crate::storage::{Store, StoreError};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// How many recent declined questions are grouped.
const WINDOW: i64 = 5000;
/// Questions whose words overlap this much (Dice) join the same group.
const SIMILAR: f32 = 0.6;

/// One group of similar unanswered questions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gap {
    /// Stable id of the group (hash of its language and words).
    pub key: String,
    pub lang: String,
    /// The content words the questions share.
    pub terms: Vec<String>,
    pub count: usize,
    pub last_seen: i64,
    /// Up to three of the questions, as stored (redacted).
    pub examples: Vec<String>,
    /// `open`, `dismissed`, or `linked:<article id>`.
    pub status: String,
}

/// The gaps, most frequent first; with `all`, dismissed and linked groups too.
pub async fn list(
    store: &dyn Store,
    index: &KnowledgeIndex,
    all: bool,
) -> Result<Vec<Gap>, StoreError> {
    let questions = store.declined_questions(WINDOW).await?;
    let actions: BTreeMap<String, String> = store
        .gap_actions()
        .await?
        .into_iter()
        .map(|(k, a, id)| (k, id.map_or(a.clone(), |id| format!("{a}:{id}"))))
        .collect();
    // Oldest first, so a group's key comes from its first question and stays stable.
    let mut groups: Vec<Gap> = Vec::new();
    for q in questions.into_iter().rev() {
        // A question in German is no gap a French or English article could fill: the
        // equity report counts those visitors instead.
        let Some(lang) = Lang::parse(&q.locale) else {
            continue;
        };
        let mut terms = index.content_terms_of(&q.text, lang);
        terms.sort();
        terms.dedup();
        let similar = groups
            .iter_mut()
            .find(|g| g.lang == lang.code() && super::query::dice(&g.terms, &terms) >= SIMILAR);
        let gap = match similar {
            Some(g) => g,
            None => {
                let key = key_of(lang, &terms);
                groups.push(Gap {
                    status: actions.get(&key).cloned().unwrap_or_else(|| "open".into()),
                    key,
                    lang: lang.code().into(),
                    terms,
                    count: 0,
                    last_seen: q.at,
                    examples: Vec::new(),
                });
                groups.last_mut().expect("just pushed")
            }
        };
        gap.count += 1;
        gap.last_seen = gap.last_seen.max(q.at);
        if gap.examples.len() < 3 && !gap.examples.contains(&q.text) {
            gap.examples.push(q.text);
        }
    }
    let mut out: Vec<Gap> = groups
        .into_iter()
        .filter(|g| all || g.status == "open")
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then(b.last_seen.cmp(&a.last_seen)));
    Ok(out)
}

fn key_of(lang: Lang, terms: &[String]) -> String {
    let digest = Sha256::digest(format!("{}:{}", lang.code(), terms.join(" ")).as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}
