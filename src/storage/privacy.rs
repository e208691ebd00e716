//! The privacy half of the store: consent, contact details, export, erasure, retention.
//!
//! A supertrait of `Store`, so callers still hold one `dyn Store`; the SQL is shared by both
//! backends through `impl_privacy_store!`, like `sql.rs`.

use super::models::{
    ConsentReceipt, Contact, ConversationRow, DisclosureReceipt, HandoffEvent, PurgeCounts,
    PurgeCutoffs, Rating,
};
use super::StoreError;
use async_trait::async_trait;

/// Storage operations that exist for the visitor's rights and data minimisation.
#[async_trait]
pub trait PrivacyStore: Send + Sync {
    /// Records the visitor's choice and its receipt.
    async fn set_consent(
        &self,
        id: &str,
        keep: bool,
        notice_version: &str,
        at: i64,
    ) -> Result<(), StoreError>;
    /// Every consent receipt of a conversation, oldest first.
    async fn consent_receipts(&self, id: &str) -> Result<Vec<ConsentReceipt>, StoreError>;
    /// Every disclosure receipt of a conversation.
    async fn disclosure_receipts(&self, id: &str) -> Result<Vec<DisclosureReceipt>, StoreError>;
    /// Every queue event of a conversation.
    async fn handoff_events(&self, id: &str) -> Result<Vec<HandoffEvent>, StoreError>;
    /// Every why record of a conversation: (message id, JSON).
    async fn why_records(&self, id: &str) -> Result<Vec<(String, String)>, StoreError>;
    /// Records (or replaces) the visitor's verdict on a bot reply of the conversation;
    /// `false` when the conversation has no bot reply with this id.
    async fn save_feedback(
        &self,
        conversation_id: &str,
        message_id: &str,
        helpful: bool,
        comment: Option<&str>,
        at: i64,
    ) -> Result<bool, StoreError>;
    /// Whether the conversation's latest bot reply was marked "not helpful".
    async fn last_reply_unhelpful(&self, conversation_id: &str) -> Result<bool, StoreError>;
    /// Every feedback of a conversation: (message id, helpful, comment).
    async fn feedback_of(
        &self,
        conversation_id: &str,
    ) -> Result<Vec<(String, bool, Option<String>)>, StoreError>;
    /// Records (or replaces) the visitor's rating of the help a person gave; `false` when
    /// no person ever took the conversation (there is nobody's help to rate).
    async fn save_rating(&self, conversation_id: &str, r: &Rating) -> Result<bool, StoreError>;
    /// The latest ratings of people's help in [from, to), consented conversations only:
    /// (conversation locale, site, rating). No agent: the report compares groups of
    /// visitors, not employees.
    async fn recent_ratings(
        &self,
        from: i64,
        to: i64,
        limit: i64,
    ) -> Result<Vec<(String, String, Rating)>, StoreError>;
    /// The conversation's rating of a person's help, if the visitor gave one.
    async fn rating_of(&self, conversation_id: &str) -> Result<Option<Rating>, StoreError>;
    /// Conversations for a visitor's request that came by email or post (the visitor no
    /// longer has the widget's token): created in [from, to), with this follow-up email or
    /// phone (exact, case-insensitive) and/or a message containing `words` (lowercase, as a
    /// LIKE pattern's text); newest first, at most `limit`.
    async fn find_conversations(
        &self,
        contact: &str,
        words: &str,
        from: i64,
        to: i64,
        limit: i64,
    ) -> Result<Vec<ConversationRow>, StoreError>;
    /// Stores (replaces) the follow-up contact of a conversation.
    async fn save_contact(&self, c: &Contact) -> Result<(), StoreError>;
    /// The follow-up contact of a conversation.
    async fn contact(&self, id: &str) -> Result<Option<Contact>, StoreError>;
    /// The conversations whose visitor left a follow-up contact (kept a few days only), so
    /// the team's queue can say who must be contacted back rather than answered in the chat.
    async fn conversations_with_contact(&self) -> Result<Vec<String>, StoreError>;
    /// Deletes the follow-up contact of a conversation; `false` if there was none.
    async fn delete_contact(&self, id: &str) -> Result<bool, StoreError>;
    /// Deletes the conversation and everything personal it holds, keeps anonymous counts
    /// for `day`, then makes sure the deleted bytes leave the database files.
    async fn erase(&self, id: &str, day: &str) -> Result<bool, StoreError>;
    /// Deletes (or with `dry_run` only counts) what is past its retention.
    async fn purge(&self, cutoffs: &PurgeCutoffs, dry_run: bool)
        -> Result<PurgeCounts, StoreError>;
}

macro_rules! impl_privacy_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::storage::privacy::PrivacyStore for $store {
            async fn set_consent(&self, id: &str, keep: bool, notice_version: &str, at: i64) -> Result<(), $crate::storage::StoreError> {
                let (_writing, mut tx) = self.begin_write().await?;
                sqlx::query("UPDATE conversations SET keep_transcript = $2, updated_at = $3 WHERE id = $1")
                    .bind(id).bind(keep).bind(at).execute(&mut *tx).await?;
                sqlx::query("INSERT INTO consent_receipts (conversation_id, keep_transcript, notice_version, created_at) VALUES ($1, $2, $3, $4)")
                    .bind(id).bind(keep).bind(notice_version).bind(at).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn consent_receipts(&self, id: &str) -> Result<Vec<$crate::storage::ConsentReceipt>, $crate::storage::StoreError> {
                Ok(sqlx::query_as("SELECT keep_transcript, notice_version, created_at FROM consent_receipts WHERE conversation_id = $1 ORDER BY id")
                    .bind(id).fetch_all(&self.pool).await?)
            }

            async fn disclosure_receipts(&self, id: &str) -> Result<Vec<$crate::storage::DisclosureReceipt>, $crate::storage::StoreError> {
                Ok(sqlx::query_as("SELECT version, locale, shown_at FROM disclosure_receipts WHERE conversation_id = $1 ORDER BY id")
                    .bind(id).fetch_all(&self.pool).await?)
            }

            async fn handoff_events(&self, id: &str) -> Result<Vec<$crate::storage::HandoffEvent>, $crate::storage::StoreError> {
                Ok(sqlx::query_as("SELECT event, trigger_kind, reason, created_at FROM handoff_events WHERE conversation_id = $1 ORDER BY id")
                    .bind(id).fetch_all(&self.pool).await?)
            }

            async fn why_records(&self, id: &str) -> Result<Vec<(String, String)>, $crate::storage::StoreError> {
                Ok(sqlx::query_as("SELECT message_id, record FROM why_records WHERE conversation_id = $1 ORDER BY created_at")
                    .bind(id).fetch_all(&self.pool).await?)
            }

            async fn find_conversations(&self, contact: &str, words: &str, from: i64, to: i64, limit: i64) -> Result<Vec<$crate::storage::ConversationRow>, $crate::storage::StoreError> {
                // The words are matched as text: LIKE's own characters are escaped.
                // A phone number is compared by its digits: "06.12.34.56.78" finds "06 12 34 56 78".
                let digits: String = if contact.contains('@') { String::new() } else { contact.chars().filter(char::is_ascii_digit).collect() };
                let pattern = format!("%{}%", words.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
                Ok(sqlx::query_as(
                    "SELECT * FROM conversations c WHERE c.created_at >= $1 AND c.created_at < $2 \
                     AND ($3 = '' OR EXISTS (SELECT 1 FROM contacts k WHERE k.conversation_id = c.id \
                          AND (lower(k.email) = $3 OR $6 <> '' AND replace(replace(replace(replace(replace(replace( \
                          k.phone, ' ', ''), '.', ''), '-', ''), '(', ''), ')', ''), '+', '') = $6))) \
                     AND ($4 = '%%' OR EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id \
                          AND lower(m.text) LIKE $4 ESCAPE '\\')) \
                     ORDER BY c.created_at DESC, c.id LIMIT $5",
                )
                .bind(from).bind(to).bind(contact.trim().to_lowercase()).bind(pattern).bind(limit).bind(digits)
                .fetch_all(&self.pool).await?)
            }

            async fn save_rating(&self, conversation_id: &str, r: &$crate::storage::models::Rating) -> Result<bool, $crate::storage::StoreError> {
                let (_writing, mut tx) = self.begin_write().await?;
                let helped_by: Option<(i64,)> = sqlx::query_as(
                    "SELECT COUNT(*) FROM handoff_events WHERE conversation_id = $1 AND event = 'claimed' HAVING COUNT(*) > 0",
                ).bind(conversation_id).fetch_optional(&mut *tx).await?;
                if helped_by.is_none() {
                    return Ok(false);
                }
                sqlx::query("DELETE FROM ratings WHERE conversation_id = $1").bind(conversation_id).execute(&mut *tx).await?;
                sqlx::query("INSERT INTO ratings (conversation_id, helped, comment, created_at) VALUES ($1, $2, $3, $4)")
                    .bind(conversation_id).bind(r.helped).bind(&r.comment).bind(r.created_at).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn recent_ratings(&self, from: i64, to: i64, limit: i64) -> Result<Vec<(String, String, $crate::storage::models::Rating)>, $crate::storage::StoreError> {
                let rows: Vec<(String, String, bool, Option<String>, i64)> = sqlx::query_as(concat!(
                    "SELECT ", $crate::storage::served_lang_sql!(), ", COALESCE(c.origin, ''), r.helped, r.comment, r.created_at FROM ratings r \
                     JOIN conversations c ON c.id = r.conversation_id \
                     WHERE c.keep_transcript AND r.created_at >= $1 AND r.created_at < $2 \
                     ORDER BY r.created_at DESC LIMIT $3",
                )).bind(from).bind(to).bind(limit).fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(|(locale, site, helped, comment, created_at)| {
                    (locale, site, $crate::storage::models::Rating { helped, comment, created_at })
                }).collect())
            }

            async fn rating_of(&self, conversation_id: &str) -> Result<Option<$crate::storage::models::Rating>, $crate::storage::StoreError> {
                Ok(sqlx::query_as("SELECT helped, comment, created_at FROM ratings WHERE conversation_id = $1")
                    .bind(conversation_id).fetch_optional(&self.pool).await?)
            }

            async fn save_feedback(&self, conversation_id: &str, message_id: &str, helpful: bool, comment: Option<&str>, at: i64) -> Result<bool, $crate::storage::StoreError> {
                let (_writing, mut tx) = self.begin_write().await?;
                let found: Option<(String,)> = sqlx::query_as("SELECT id FROM messages WHERE id = $1 AND conversation_id = $2 AND author = 'bot'")
                    .bind(message_id).bind(conversation_id).fetch_optional(&mut *tx).await?;
                if found.is_none() {
                    return Ok(false);
                }
                sqlx::query("DELETE FROM feedback WHERE message_id = $1").bind(message_id).execute(&mut *tx).await?;
                sqlx::query("INSERT INTO feedback (message_id, conversation_id, helpful, comment, created_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(message_id).bind(conversation_id).bind(helpful).bind(comment).bind(at).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn last_reply_unhelpful(&self, conversation_id: &str) -> Result<bool, $crate::storage::StoreError> {
                let row: Option<(Option<bool>,)> = sqlx::query_as(
                    "SELECT f.helpful FROM messages m LEFT JOIN feedback f ON f.message_id = m.id \
                     WHERE m.conversation_id = $1 AND m.author = 'bot' ORDER BY m.seq DESC LIMIT 1",
                ).bind(conversation_id).fetch_optional(&self.pool).await?;
                Ok(matches!(row, Some((Some(false),))))
            }

            async fn feedback_of(&self, conversation_id: &str) -> Result<Vec<(String, bool, Option<String>)>, $crate::storage::StoreError> {
                Ok(sqlx::query_as("SELECT message_id, helpful, comment FROM feedback WHERE conversation_id = $1 ORDER BY created_at")
                    .bind(conversation_id).fetch_all(&self.pool).await?)
            }

            async fn save_contact(&self, c: &$crate::storage::Contact) -> Result<(), $crate::storage::StoreError> {
                let (_writing, mut tx) = self.begin_write().await?;
                sqlx::query("DELETE FROM contacts WHERE conversation_id = $1").bind(&c.conversation_id).execute(&mut *tx).await?;
                sqlx::query("INSERT INTO contacts (conversation_id, email, phone, purpose, created_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(&c.conversation_id).bind(&c.email).bind(&c.phone).bind(&c.purpose).bind(c.created_at)
                    .execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn contact(&self, id: &str) -> Result<Option<$crate::storage::Contact>, $crate::storage::StoreError> {
                Ok(sqlx::query_as("SELECT conversation_id, email, phone, purpose, created_at FROM contacts WHERE conversation_id = $1")
                    .bind(id).fetch_optional(&self.pool).await?)
            }

            async fn conversations_with_contact(&self) -> Result<Vec<String>, $crate::storage::StoreError> {
                let ids: Vec<(String,)> = sqlx::query_as("SELECT conversation_id FROM contacts")
                    .fetch_all(&self.pool).await?;
                Ok(ids.into_iter().map(|(id,)| id).collect())
            }

            async fn delete_contact(&self, id: &str) -> Result<bool, $crate::storage::StoreError> {
                let (_writing, mut tx) = self.begin_write().await?;
                let gone = sqlx::query("DELETE FROM contacts WHERE conversation_id = $1")
                    .bind(id).execute(&mut *tx).await?.rows_affected();
                tx.commit().await?;
                Ok(gone > 0)
            }

            async fn erase(&self, id: &str, day: &str) -> Result<bool, $crate::storage::StoreError> {
                let gone = {
                let (_writing, mut tx) = self.begin_write().await?;
                let counts: Vec<(Option<String>, i64)> = sqlx::query_as(
                    "SELECT kind, COUNT(*) FROM messages WHERE conversation_id = $1 AND author = 'bot' GROUP BY kind",
                ).bind(id).fetch_all(&mut *tx).await?;
                let gone = sqlx::query("DELETE FROM conversations WHERE id = $1").bind(id).execute(&mut *tx).await?.rows_affected();
                if gone == 1 {
                    let mut names: Vec<(String, i64)> = counts.into_iter().map(|(k, n)| (format!("erased_{}", k.unwrap_or_default()), n)).collect();
                    names.push(("erased_conversations".into(), 1));
                    for (name, n) in names {
                        sqlx::query("INSERT INTO anonymous_counters (day, name, value) VALUES ($1, $2, $3) \
                                     ON CONFLICT (day, name) DO UPDATE SET value = anonymous_counters.value + excluded.value")
                            .bind(day).bind(name).bind(n).execute(&mut *tx).await?;
                    }
                }
                tx.commit().await?;
                gone
                };
                // After the writer lock is released: compaction takes it again.
                self.compact().await?;
                Ok(gone == 1)
            }

            async fn purge(&self, c: &$crate::storage::PurgeCutoffs, dry_run: bool) -> Result<$crate::storage::PurgeCounts, $crate::storage::StoreError> {
                const CONVERSATIONS: &str = "FROM conversations WHERE (keep_transcript AND updated_at < $1) OR (NOT keep_transcript AND updated_at < $2)";
                const WHY: &str = "FROM why_records WHERE created_at < $1";
                const CONTACTS: &str = "FROM contacts WHERE created_at < $1";
                let (_writing, mut tx) = self.begin_write().await?;
                let mut counts = $crate::storage::PurgeCounts::default();
                // Count first (what a dry run reports), then delete in the same transaction.
                let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) {CONVERSATIONS}")))
                    .bind(c.consented_before).bind(c.unconsented_before).fetch_one(&mut *tx).await?;
                counts.conversations = n;
                let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) {WHY}"))).bind(c.why_records_before).fetch_one(&mut *tx).await?;
                counts.why_records = n;
                let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) {CONTACTS}"))).bind(c.contacts_before).fetch_one(&mut *tx).await?;
                counts.contacts = n;
                if !dry_run {
                    sqlx::query(sqlx::AssertSqlSafe(format!("DELETE {CONVERSATIONS}")))
                        .bind(c.consented_before).bind(c.unconsented_before).execute(&mut *tx).await?;
                    sqlx::query(sqlx::AssertSqlSafe(format!("DELETE {WHY}"))).bind(c.why_records_before).execute(&mut *tx).await?;
                    sqlx::query(sqlx::AssertSqlSafe(format!("DELETE {CONTACTS}"))).bind(c.contacts_before).execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(counts)
            }
        }
    };
}

pub(crate) use impl_privacy_store;
