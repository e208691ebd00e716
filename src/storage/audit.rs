//! The append-only audit log of human actions, hash-chained.
//!
//! Appending reads the last hash and inserts the new entry in one write transaction; on
//! PostgreSQL an advisory lock serialises appends across instances so the chain never forks.

use super::StoreError;
use async_trait::async_trait;

/// SHA-256 over the previous hash and every field of the entry: changing any stored entry
/// breaks the chain from that entry on.
pub fn entry_hash(
    prev: &str,
    at: i64,
    actor: &str,
    action: &str,
    target: &str,
    summary: &str,
) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for part in [prev, &at.to_string(), actor, action, target, summary] {
        h.update(part.as_bytes());
        h.update([0x1f]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// One audit entry as stored.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub summary: String,
    pub prev_hash: String,
    pub hash: String,
}

/// Storage of the audit log.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends an entry chained to the previous one (see [`entry_hash`]).
    async fn append_audit(
        &self,
        at: i64,
        actor: &str,
        action: &str,
        target: &str,
        summary: &str,
    ) -> Result<AuditEntry, StoreError>;
    /// Appends `summary` under `action` unless the newest entry of that action already says
    /// the same (the settings in force at start). The check runs under the append lock, so
    /// instances starting together record a change once. The target names the entry it
    /// replaces ("changed from entry N", or "initial settings").
    async fn append_audit_if_changed(
        &self,
        at: i64,
        actor: &str,
        action: &str,
        summary: &str,
    ) -> Result<Option<AuditEntry>, StoreError>;
    /// Every entry, oldest first.
    async fn audit_entries(&self) -> Result<Vec<AuditEntry>, StoreError>;
    /// The newest entry of an action.
    async fn last_audit(&self, action: &str) -> Result<Option<AuditEntry>, StoreError>;
}

macro_rules! impl_audit_store {
    // Appends one entry chained to the newest one, inside a transaction holding the lock.
    (@chain $tx:ident, $at:expr, $actor:expr, $action:expr, $target:expr, $summary:expr) => {{
        let last: Option<(String,)> =
            sqlx::query_as("SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1")
                .fetch_optional(&mut *$tx)
                .await?;
        let prev = last.map(|(h,)| h).unwrap_or_else(|| "genesis".to_string());
        let hash =
            $crate::storage::audit::entry_hash(&prev, $at, $actor, $action, $target, $summary);
        let entry: $crate::storage::audit::AuditEntry = sqlx::query_as(
            "INSERT INTO audit_log (at, actor, action, target, summary, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *",
        )
        .bind($at)
        .bind($actor)
        .bind($action)
        .bind($target)
        .bind($summary)
        .bind(&prev)
        .bind(&hash)
        .fetch_one(&mut *$tx)
        .await?;
        entry
    }};
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::storage::audit::AuditStore for $store {
            async fn append_audit(
                &self,
                at: i64,
                actor: &str,
                action: &str,
                target: &str,
                summary: &str,
            ) -> Result<$crate::storage::audit::AuditEntry, $crate::storage::StoreError> {
                let (_writing, mut tx) = self.begin_write().await?;
                sqlx::query(Self::AUDIT_LOCK).execute(&mut *tx).await?;
                let entry = $crate::storage::audit::impl_audit_store!(@chain tx, at, actor, action, target, summary);
                tx.commit().await?;
                Ok(entry)
            }

            async fn append_audit_if_changed(
                &self,
                at: i64,
                actor: &str,
                action: &str,
                summary: &str,
            ) -> Result<Option<$crate::storage::audit::AuditEntry>, $crate::storage::StoreError> {
                let (_writing, mut tx) = self.begin_write().await?;
                sqlx::query(Self::AUDIT_LOCK).execute(&mut *tx).await?;
                let last: Option<$crate::storage::audit::AuditEntry> = sqlx::query_as(
                    "SELECT * FROM audit_log WHERE action = $1 ORDER BY seq DESC LIMIT 1",
                )
                .bind(action)
                .fetch_optional(&mut *tx)
                .await?;
                if last.as_ref().is_some_and(|e| e.summary == summary) {
                    return Ok(None);
                }
                let target = match &last {
                    Some(e) => format!("changed from entry {}", e.seq),
                    None => "initial settings".to_string(),
                };
                let target = target.as_str();
                let entry = $crate::storage::audit::impl_audit_store!(@chain tx, at, actor, action, target, summary);
                tx.commit().await?;
                Ok(Some(entry))
            }

            async fn last_audit(
                &self,
                action: &str,
            ) -> Result<Option<$crate::storage::audit::AuditEntry>, $crate::storage::StoreError>
            {
                Ok(sqlx::query_as(
                    "SELECT * FROM audit_log WHERE action = $1 ORDER BY seq DESC LIMIT 1",
                )
                .bind(action)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn audit_entries(
                &self,
            ) -> Result<Vec<$crate::storage::audit::AuditEntry>, $crate::storage::StoreError> {
                Ok(sqlx::query_as("SELECT * FROM audit_log ORDER BY seq")
                    .fetch_all(&self.pool)
                    .await?)
            }
        }
    };
}

pub(crate) use impl_audit_store;

/// Aggregate figures over consented conversations, for the public transparency page.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Figures {
    /// Conversations whose visitors agreed to keep them for service improvement.
    pub conversations: i64,
    pub answers: i64,
    pub declines: i64,
    pub handoffs: i64,
    /// Waits between joining the queue and a claim, in ms.
    pub waits_ms: Vec<i64>,
    pub helpful: i64,
    pub unhelpful: i64,
    /// Visitors' ratings of a person's help: helped, not helped.
    pub person_helped: i64,
    pub person_not_helped: i64,
    /// Each vote on an answer: the confidence the answer was given with (0–1, from its why
    /// record) and whether the visitor found it helpful.
    pub voted_confidence: Vec<(f64, bool)>,
    /// Questions (of `answers + declines + handoffs`) written in a language the assistant
    /// does not answer in.
    pub other_language: i64,
}

/// Reads the figures since an instant (ms); only consented conversations count.
#[async_trait]
pub trait FiguresStore: Send + Sync {
    async fn figures_since(&self, since: i64) -> Result<Figures, StoreError>;
}

macro_rules! impl_figures_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::storage::audit::FiguresStore for $store {
            async fn figures_since(&self, since: i64) -> Result<$crate::storage::audit::Figures, $crate::storage::StoreError> {
                let mut f = $crate::storage::audit::Figures::default();
                let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM conversations WHERE keep_transcript AND created_at >= $1")
                    .bind(since).fetch_one(&self.pool).await?;
                f.conversations = n;
                let kinds: Vec<(Option<String>, i64)> = sqlx::query_as(
                    "SELECT m.kind, COUNT(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id \
                     WHERE c.keep_transcript AND m.author = 'bot' AND m.created_at >= $1 GROUP BY m.kind",
                ).bind(since).fetch_all(&self.pool).await?;
                for (kind, n) in kinds {
                    match kind.as_deref() {
                        Some("answer") => f.answers = n,
                        Some("no_answer") => f.declines = n,
                        Some("handoff") => f.handoffs = n,
                        _ => {}
                    }
                }
                let (n,): (i64,) = sqlx::query_as(
                    "SELECT COUNT(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id \
                     WHERE c.keep_transcript AND m.author = 'bot' AND m.created_at >= $1 \
                       AND m.kind IN ('answer', 'no_answer', 'handoff') AND m.lang NOT IN ('fr', 'en')",
                ).bind(since).fetch_one(&self.pool).await?;
                f.other_language = n;
                let waits: Vec<(i64,)> = sqlx::query_as(
                    "SELECT cl.created_at - q.created_at FROM handoff_events cl \
                     JOIN handoff_events q ON q.conversation_id = cl.conversation_id AND q.event = 'queued' \
                     JOIN conversations c ON c.id = cl.conversation_id \
                     WHERE cl.event = 'claimed' AND c.keep_transcript AND cl.created_at >= $1",
                ).bind(since).fetch_all(&self.pool).await?;
                f.waits_ms = waits.into_iter().map(|(w,)| w).collect();
                let votes: Vec<(bool, i64)> = sqlx::query_as(
                    "SELECT f.helpful, COUNT(*) FROM feedback f JOIN conversations c ON c.id = f.conversation_id \
                     WHERE c.keep_transcript AND f.created_at >= $1 GROUP BY f.helpful",
                ).bind(since).fetch_all(&self.pool).await?;
                for (helpful, n) in votes {
                    if helpful { f.helpful = n } else { f.unhelpful = n }
                }
                let ratings: Vec<(bool, i64)> = sqlx::query_as(
                    "SELECT r.helped, COUNT(*) FROM ratings r JOIN conversations c ON c.id = r.conversation_id \
                     WHERE c.keep_transcript AND r.created_at >= $1 GROUP BY r.helped",
                ).bind(since).fetch_all(&self.pool).await?;
                for (helped, n) in ratings {
                    if helped { f.person_helped = n } else { f.person_not_helped = n }
                }
                let voted: Vec<(Option<f64>, bool)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT {}, f.helpful FROM feedback f \
                     JOIN conversations c ON c.id = f.conversation_id JOIN why_records w ON w.message_id = f.message_id \
                     WHERE c.keep_transcript AND f.created_at >= $1",
                    Self::CONFIDENCE,
                ))).bind(since).fetch_all(&self.pool).await?;
                f.voted_confidence = voted.into_iter().filter_map(|(c, h)| Some((c?, h))).collect();
                Ok(f)
            }
        }
    };
}

pub(crate) use impl_figures_store;

/// A "not helpful" vote waiting for (or given) an operator's review.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct ReviewItem {
    pub message_id: String,
    pub conversation_id: String,
    pub comment: Option<String>,
    pub voted_at: i64,
    pub reply: String,
    /// The why record of the reply (JSON); `None` once it has passed its retention period,
    /// which is shorter than the vote's: the vote stays in the queue without it.
    pub why: Option<String>,
    /// The article the reply answered from (kept on the message, so it outlives the why record).
    pub article_id: Option<String>,
    /// The language the reply was given in.
    pub lang: Option<String>,
    /// The visitor's question just before the reply.
    pub question: Option<String>,
    pub resolution: Option<String>,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<i64>,
}

/// The operators' review queue of negative feedback.
#[async_trait]
pub trait ReviewStore: Send + Sync {
    /// Negative feedback, open items first, oldest first.
    async fn review_items(&self, open_only: bool) -> Result<Vec<ReviewItem>, StoreError>;
    /// Resolves one item; `false` if there is no open negative vote on that reply.
    async fn resolve_review(
        &self,
        message_id: &str,
        resolution: &str,
        by: &str,
        at: i64,
    ) -> Result<bool, StoreError>;
}

macro_rules! impl_review_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::storage::audit::ReviewStore for $store {
            async fn review_items(&self, open_only: bool) -> Result<Vec<$crate::storage::audit::ReviewItem>, $crate::storage::StoreError> {
                Ok(sqlx::query_as(
                    "SELECT f.message_id, f.conversation_id, f.comment, f.created_at AS voted_at, m.text AS reply, \
                     w.record AS why, m.article_id, m.lang, \
                     (SELECT q.text FROM messages q WHERE q.conversation_id = m.conversation_id AND q.author = 'visitor' \
                      AND q.seq < m.seq ORDER BY q.seq DESC LIMIT 1) AS question, \
                     f.resolution, f.resolved_by, f.resolved_at \
                     FROM feedback f JOIN messages m ON m.id = f.message_id LEFT JOIN why_records w ON w.message_id = m.id \
                     WHERE NOT f.helpful AND (NOT $1 OR f.resolved_at IS NULL) ORDER BY f.resolved_at IS NOT NULL, f.created_at",
                ).bind(open_only).fetch_all(&self.pool).await?)
            }

            async fn resolve_review(&self, message_id: &str, resolution: &str, by: &str, at: i64) -> Result<bool, $crate::storage::StoreError> {
                let (_writing, mut tx) = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE feedback SET resolution = $2, resolved_by = $3, resolved_at = $4 \
                     WHERE message_id = $1 AND NOT helpful AND resolved_at IS NULL",
                ).bind(message_id).bind(resolution).bind(by).bind(at).execute(&mut *tx).await?.rows_affected();
                tx.commit().await?;
                Ok(done == 1)
            }
        }
    };
}

pub(crate) use impl_review_store;

/// Raw per-group counts for the equity report: (language, site, what, value).
/// `what` is a reply kind (`answer`, `no_answer`, `handoff`), `wait` (one row per wait, ms),
/// `helpful` / `unhelpful`, or `correction` (one row per resolved "not helpful" vote: ms from
/// the vote to its resolution), or `voted_confidence` (one row per vote: the answer's
/// confidence in thousandths, read from its why record).
#[async_trait]
pub trait EquityStore: Send + Sync {
    async fn equity_rows(
        &self,
        from: i64,
        to: i64,
    ) -> Result<Vec<(String, String, String, i64)>, StoreError>;
}

macro_rules! impl_equity_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::storage::audit::EquityStore for $store {
            async fn equity_rows(&self, from: i64, to: i64) -> Result<Vec<(String, String, String, i64)>, $crate::storage::StoreError> {
                let mut rows: Vec<(String, String, String, i64)> = sqlx::query_as(
                    "SELECT COALESCE(m.lang, c.locale), COALESCE(c.origin, ''), COALESCE(m.kind, ''), COUNT(*) FROM messages m \
                     JOIN conversations c ON c.id = m.conversation_id \
                     WHERE c.keep_transcript AND m.author = 'bot' AND m.created_at >= $1 AND m.created_at < $2 \
                     GROUP BY COALESCE(m.lang, c.locale), COALESCE(c.origin, ''), COALESCE(m.kind, '')",
                ).bind(from).bind(to).fetch_all(&self.pool).await?;
                let waits: Vec<(String, String, String, i64)> = sqlx::query_as(concat!(
                    "SELECT ", $crate::storage::served_lang_sql!(), ", COALESCE(c.origin, ''), 'wait', cl.created_at - q.created_at FROM handoff_events cl \
                     JOIN handoff_events q ON q.conversation_id = cl.conversation_id AND q.event = 'queued' \
                     JOIN conversations c ON c.id = cl.conversation_id \
                     WHERE cl.event = 'claimed' AND c.keep_transcript AND cl.created_at >= $1 AND cl.created_at < $2",
                )).bind(from).bind(to).fetch_all(&self.pool).await?;
                let votes: Vec<(String, String, String, i64)> = sqlx::query_as(
                    "SELECT COALESCE(m.lang, c.locale), COALESCE(c.origin, ''), CASE WHEN f.helpful THEN 'helpful' ELSE 'unhelpful' END, COUNT(*) \
                     FROM feedback f JOIN conversations c ON c.id = f.conversation_id JOIN messages m ON m.id = f.message_id \
                     WHERE c.keep_transcript AND f.created_at >= $1 AND f.created_at < $2 \
                     GROUP BY COALESCE(m.lang, c.locale), COALESCE(c.origin, ''), CASE WHEN f.helpful THEN 'helpful' ELSE 'unhelpful' END",
                ).bind(from).bind(to).fetch_all(&self.pool).await?;
                let corrections: Vec<(String, String, String, i64)> = sqlx::query_as(
                    "SELECT COALESCE(m.lang, c.locale), COALESCE(c.origin, ''), 'correction', f.resolved_at - f.created_at \
                     FROM feedback f JOIN conversations c ON c.id = f.conversation_id JOIN messages m ON m.id = f.message_id \
                     WHERE c.keep_transcript AND NOT f.helpful AND f.resolved_at IS NOT NULL \
                     AND f.resolved_at >= $1 AND f.resolved_at < $2",
                ).bind(from).bind(to).fetch_all(&self.pool).await?;
                let ratings: Vec<(String, String, String, i64)> = sqlx::query_as(concat!(
                    "SELECT ", $crate::storage::served_lang_sql!(), ", COALESCE(c.origin, ''), CASE WHEN r.helped THEN 'person_helped' ELSE 'person_not_helped' END, COUNT(*) \
                     FROM ratings r JOIN conversations c ON c.id = r.conversation_id \
                     WHERE c.keep_transcript AND r.created_at >= $1 AND r.created_at < $2 \
                     GROUP BY 1, 2, 3",
                )).bind(from).bind(to).fetch_all(&self.pool).await?;
                let confidences: Vec<(String, String, String, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT COALESCE(m.lang, c.locale), COALESCE(c.origin, ''), 'voted_confidence', CAST(ROUND({conf} * 1000) AS BIGINT) \
                     FROM feedback f JOIN conversations c ON c.id = f.conversation_id JOIN messages m ON m.id = f.message_id \
                     JOIN why_records w ON w.message_id = f.message_id \
                     WHERE c.keep_transcript AND f.created_at >= $1 AND f.created_at < $2 AND {conf} IS NOT NULL",
                    conf = Self::CONFIDENCE,
                ))).bind(from).bind(to).fetch_all(&self.pool).await?;
                rows.extend(waits);
                rows.extend(votes);
                rows.extend(confidences);
                rows.extend(ratings);
                rows.extend(corrections);
                Ok(rows)
            }
        }
    };
}

pub(crate) use impl_equity_store;
