//! Retention periods per kind of data, and the purge that enforces them.
//!
//! Without the visitor's consent a transcript is kept only as long as needed to serve the
//! conversation (a day after the last message, by default); with it, for the period the
//! data-use notice states. The clock is a parameter so tests can move time forward.

use crate::storage::{PurgeCounts, PurgeCutoffs, Store, StoreError};
use serde::{Deserialize, Serialize};

const DAY_MS: i64 = 86_400_000;

/// Retention periods, in days, from the `[retention]` config table.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetentionSettings {
    /// Transcripts the visitor agreed to keep for service improvement.
    pub transcript_days: u32,
    /// Transcripts without that consent: only as long as needed to serve the visitor.
    pub transcript_days_without_consent: u32,
    /// Why records (they quote the passages and the visitor's words).
    pub why_record_days: u32,
    /// Contact details left for a follow-up.
    pub contact_days: u32,
}

impl Default for RetentionSettings {
    fn default() -> Self {
        RetentionSettings {
            transcript_days: 30,
            transcript_days_without_consent: 1,
            why_record_days: 30,
            contact_days: 7,
        }
    }
}

impl RetentionSettings {
    /// The instants before which each kind of data is past its retention at `now` (ms).
    pub fn cutoffs(&self, now: i64) -> PurgeCutoffs {
        let before = |days: u32| now - i64::from(days) * DAY_MS;
        PurgeCutoffs {
            consented_before: before(self.transcript_days),
            unconsented_before: before(self.transcript_days_without_consent),
            why_records_before: before(self.why_record_days),
            contacts_before: before(self.contact_days),
        }
    }
}

/// Deletes (or, with `dry_run`, counts) everything past its retention at `now`.
pub async fn purge(
    store: &dyn Store,
    settings: &RetentionSettings,
    now: i64,
    dry_run: bool,
) -> Result<PurgeCounts, StoreError> {
    let counts = store.purge(&settings.cutoffs(now), dry_run).await?;
    tracing::info!(
        dry_run,
        conversations = counts.conversations,
        why_records = counts.why_records,
        contacts = counts.contacts,
        "retention purge"
    );
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cutoffs_follow_each_period() {
        let s = RetentionSettings::default();
        let now = 100 * DAY_MS;
        let c = s.cutoffs(now);
        assert_eq!(c.consented_before, 70 * DAY_MS);
        assert_eq!(c.unconsented_before, 99 * DAY_MS);
        assert_eq!(c.contacts_before, 93 * DAY_MS);
    }
}
