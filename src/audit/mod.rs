//! Accountability: an append-only, hash-chained log of every human action.
//!
//! Each entry carries the hash of the previous one, so altering, removing or reordering a
//! stored entry breaks the chain at that entry; `candor audit verify` names the first one.
//! Entries hold ids and short summaries, never message text.

/// Service figures per language and site, with disparity warnings.
pub mod equity;
/// A figure recomputed at most once per period.
pub mod recent;
/// Public figures for the transparency page.
pub mod transparency;

use crate::conversation::now_ms;
use crate::storage::audit::entry_hash;
use crate::storage::{AuditEntry, Store, StoreError};

/// Records a human action.
pub async fn record(
    store: &dyn Store,
    actor: &str,
    action: &str,
    target: &str,
    summary: &str,
) -> Result<AuditEntry, StoreError> {
    store
        .append_audit(now_ms(), actor, action, target, summary)
        .await
}

/// Records the settings in force at start when they differ from the last recorded ones, so
/// threshold, disclosure and hand-over changes made in the config file are accountable.
pub async fn record_settings(store: &dyn Store, summary: &str) -> Result<bool, StoreError> {
    let recorded = store
        .append_audit_if_changed(now_ms(), "config-file", "settings", summary)
        .await?;
    Ok(recorded.is_some())
}

/// The first entry whose chain is broken, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Broken {
    pub seq: i64,
    pub reason: &'static str,
}

/// Checks the whole chain; returns the number of entries when intact.
pub fn verify(entries: &[AuditEntry]) -> Result<usize, Broken> {
    let mut prev = "genesis".to_string();
    for e in entries {
        if e.prev_hash != prev {
            return Err(Broken {
                seq: e.seq,
                reason: "does not follow the previous entry",
            });
        }
        if entry_hash(
            &e.prev_hash,
            e.at,
            &e.actor,
            &e.action,
            &e.target,
            &e.summary,
        ) != e.hash
        {
            return Err(Broken {
                seq: e.seq,
                reason: "content does not match its hash",
            });
        }
        prev = e.hash.clone();
    }
    Ok(entries.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditEntry> {
        let mut prev = "genesis".to_string();
        (1..=n)
            .map(|seq| {
                let hash = entry_hash(&prev, seq, "camille", "claim", "c1", "");
                let e = AuditEntry {
                    seq,
                    at: seq,
                    actor: "camille".into(),
                    action: "claim".into(),
                    target: "c1".into(),
                    summary: String::new(),
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                e
            })
            .collect()
    }

    #[test]
    fn an_intact_chain_verifies_and_an_edit_is_found_at_its_entry() {
        let mut entries = chain(4);
        assert_eq!(verify(&entries), Ok(4));
        entries[2].summary = "edited".into();
        assert_eq!(
            verify(&entries),
            Err(Broken {
                seq: 3,
                reason: "content does not match its hash"
            })
        );
        let mut removed = chain(4);
        removed.remove(1);
        assert_eq!(verify(&removed).unwrap_err().seq, 3);
    }
}
