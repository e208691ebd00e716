//! The people side of the store: users, API tokens, the queue and hand-over transitions.
//!
//! A supertrait of `Store`; the SQL is shared by both backends through `impl_agent_store!`.
//! A transition is one conditional UPDATE (`… WHERE status = <from>`), so when two agents
//! claim at once exactly one row changes: SQLite serialises writers, PostgreSQL's row lock
//! makes the second UPDATE re-check the condition and find the conversation already taken.

use super::models::{ConversationRow, MessageRow, Transition, User};
use super::StoreError;
use async_trait::async_trait;

/// Storage for accounts, tokens and agent hand-overs.
#[async_trait]
pub trait AgentStore: Send + Sync {
    /// Creates a user; `false` when the email is taken.
    async fn create_user(&self, u: &User) -> Result<bool, StoreError>;
    async fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError>;
    async fn user_by_id(&self, id: &str) -> Result<Option<User>, StoreError>;
    /// Every console user, by name.
    async fn users(&self) -> Result<Vec<User>, StoreError>;
    /// Stores the hash of a new API token.
    async fn save_token(
        &self,
        hash: &str,
        user_id: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError>;
    /// Revokes a token (sign-out).
    async fn delete_token(&self, hash: &str) -> Result<(), StoreError>;
    /// Revokes every token of a user but `keep` (account switched off: none kept; a new
    /// password: the session that set it); returns how many.
    async fn delete_tokens_of(&self, user_id: &str, keep: &str) -> Result<u64, StoreError>;
    /// Gives an account another role. Each change of an account is its own narrow write,
    /// so two admins changing different things never undo each other.
    async fn set_user_role(&self, id: &str, role: &str) -> Result<(), StoreError>;
    async fn set_user_password(&self, id: &str, password_hash: &str) -> Result<(), StoreError>;
    /// Switches an account off (`Some(when)`) or on (`None`).
    async fn set_user_disabled(&self, id: &str, at: Option<i64>) -> Result<(), StoreError>;
    /// Conversations a person holds now.
    async fn held_by(&self, agent_id: &str) -> Result<Vec<ConversationRow>, StoreError>;
    /// Of the conversations a person holds, those whose visitor wrote after the last reply
    /// (a person's or the assistant's), with when the visitor started waiting (ms).
    async fn awaiting_reply(&self, agent_id: &str) -> Result<Vec<(String, i64)>, StoreError>;
    /// The user of an unexpired token, unless the account is switched off.
    async fn user_by_token(&self, hash: &str, now: i64) -> Result<Option<User>, StoreError>;
    /// Conversations waiting for a person, first come first.
    async fn waiting_queue(&self) -> Result<Vec<ConversationRow>, StoreError>;
    /// The language of the latest turn the assistant read in each conversation waiting for
    /// or held by a person: one row per conversation, however long its transcript.
    async fn turn_languages(&self) -> Result<Vec<(String, String)>, StoreError>;
    /// Applies a transition if the conversation is still as expected; `false` otherwise.
    async fn transition(&self, t: &Transition, now: i64) -> Result<bool, StoreError>;
    /// Stores a message written by a person; returns its event id.
    async fn add_message(&self, m: &MessageRow) -> Result<i64, StoreError>;
    /// Messages of a conversation after an event id, in order.
    async fn messages_after(
        &self,
        conversation_id: &str,
        seq: i64,
    ) -> Result<Vec<MessageRow>, StoreError>;
    /// Records console activity of a user.
    async fn touch_user(&self, user_id: &str, now: i64) -> Result<(), StoreError>;
    /// Notes that the visitor's widget follows the conversation now (its `updated_at`, which
    /// retention reads, stays).
    async fn touch_visitor(&self, conversation_id: &str, now: i64) -> Result<(), StoreError>;
    /// How many people used the console since `since` (ms).
    async fn people_online(&self, since: i64) -> Result<i64, StoreError>;
    /// How many conversations each person holds now: (agent id, count).
    async fn load_by_agent(&self) -> Result<Vec<(String, i64)>, StoreError>;
    /// Recent waits for a person (queued -> claimed), in ms, newest first.
    async fn recent_waits(&self, limit: i64) -> Result<Vec<i64>, StoreError>;
}

macro_rules! impl_agent_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::storage::agents::AgentStore for $store {
            async fn create_user(&self, u: &$crate::storage::User) -> Result<bool, $crate::storage::StoreError> {
                let (_writing, mut tx) = self.begin_write().await?;
                let done = sqlx::query(
                    "INSERT INTO users (id, email, display_name, role, password_hash, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (email) DO NOTHING",
                )
                .bind(&u.id).bind(&u.email).bind(&u.display_name).bind(&u.role).bind(&u.password_hash).bind(u.created_at)
                .execute(&mut *tx).await?.rows_affected();
                tx.commit().await?;
                Ok(done == 1)
            }

            async fn user_by_email(&self, email: &str) -> Result<Option<$crate::storage::User>, $crate::storage::StoreError> {
                Ok(sqlx::query_as("SELECT * FROM users WHERE email = $1").bind(email).fetch_optional(&self.pool).await?)
            }

            async fn user_by_id(&self, id: &str) -> Result<Option<$crate::storage::User>, $crate::storage::StoreError> {
                Ok(sqlx::query_as("SELECT * FROM users WHERE id = $1").bind(id).fetch_optional(&self.pool).await?)
            }

            async fn users(&self) -> Result<Vec<$crate::storage::User>, $crate::storage::StoreError> {
                Ok(sqlx::query_as("SELECT * FROM users ORDER BY display_name").fetch_all(&self.pool).await?)
            }

            async fn save_token(&self, hash: &str, user_id: &str, now: i64, expires_at: i64) -> Result<(), $crate::storage::StoreError> {
                let (_writing, mut tx) = self.begin_write().await?;
                sqlx::query("INSERT INTO api_tokens (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
                    .bind(hash).bind(user_id).bind(now).bind(expires_at).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn delete_token(&self, hash: &str) -> Result<(), $crate::storage::StoreError> {
                let (_writing, mut tx) = self.begin_write().await?;
                sqlx::query("DELETE FROM api_tokens WHERE token_hash = $1").bind(hash).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn delete_tokens_of(&self, user_id: &str, keep: &str) -> Result<u64, $crate::storage::StoreError> {
                let (_writing, mut tx) = self.begin_write().await?;
                let n = sqlx::query("DELETE FROM api_tokens WHERE user_id = $1 AND token_hash <> $2")
                    .bind(user_id).bind(keep).execute(&mut *tx).await?.rows_affected();
                tx.commit().await?;
                Ok(n)
            }

            async fn set_user_role(&self, id: &str, role: &str) -> Result<(), $crate::storage::StoreError> {
                let (_writing, mut tx) = self.begin_write().await?;
                sqlx::query("UPDATE users SET role = $2 WHERE id = $1").bind(id).bind(role).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn set_user_password(&self, id: &str, password_hash: &str) -> Result<(), $crate::storage::StoreError> {
                let (_writing, mut tx) = self.begin_write().await?;
                sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1").bind(id).bind(password_hash).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn set_user_disabled(&self, id: &str, at: Option<i64>) -> Result<(), $crate::storage::StoreError> {
                let (_writing, mut tx) = self.begin_write().await?;
                sqlx::query("UPDATE users SET disabled_at = $2 WHERE id = $1").bind(id).bind(at).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn held_by(&self, agent_id: &str) -> Result<Vec<$crate::storage::ConversationRow>, $crate::storage::StoreError> {
                Ok(sqlx::query_as(
                    "SELECT * FROM conversations WHERE status = 'with_agent' AND agent_id = $1 ORDER BY updated_at, id",
                ).bind(agent_id).fetch_all(&self.pool).await?)
            }

            async fn awaiting_reply(&self, agent_id: &str) -> Result<Vec<(String, i64)>, $crate::storage::StoreError> {
                Ok(sqlx::query_as(
                    "SELECT m.conversation_id, MIN(m.created_at) FROM messages m \
                     JOIN conversations c ON c.id = m.conversation_id \
                     WHERE c.status = 'with_agent' AND c.agent_id = $1 AND m.author = 'visitor' \
                       AND m.seq > COALESCE((SELECT MAX(r.seq) FROM messages r \
                           WHERE r.conversation_id = m.conversation_id AND r.author IN ('agent', 'bot')), 0) \
                     GROUP BY m.conversation_id",
                ).bind(agent_id).fetch_all(&self.pool).await?)
            }

            async fn user_by_token(&self, hash: &str, now: i64) -> Result<Option<$crate::storage::User>, $crate::storage::StoreError> {
                Ok(sqlx::query_as(
                    "SELECT u.* FROM users u JOIN api_tokens t ON t.user_id = u.id \
                     WHERE t.token_hash = $1 AND t.expires_at > $2 AND u.disabled_at IS NULL",
                ).bind(hash).bind(now).fetch_optional(&self.pool).await?)
            }

            async fn waiting_queue(&self) -> Result<Vec<$crate::storage::ConversationRow>, $crate::storage::StoreError> {
                Ok(sqlx::query_as(
                    "SELECT * FROM conversations WHERE status = 'waiting_for_agent' ORDER BY queue_entered_at, id",
                ).fetch_all(&self.pool).await?)
            }

            async fn turn_languages(&self) -> Result<Vec<(String, String)>, $crate::storage::StoreError> {
                // `seq` orders every message of the database, so the latest turn of each
                // conversation is the one row with its largest.
                Ok(sqlx::query_as(
                    "SELECT m.conversation_id, m.lang FROM messages m \
                     JOIN (SELECT l.conversation_id, MAX(l.seq) AS seq FROM messages l \
                           JOIN conversations c ON c.id = l.conversation_id \
                           WHERE c.status IN ('waiting_for_agent', 'with_agent') \
                             AND l.author = 'visitor' AND l.lang IS NOT NULL \
                           GROUP BY l.conversation_id) latest ON latest.seq = m.seq",
                ).fetch_all(&self.pool).await?)
            }

            async fn transition(&self, t: &$crate::storage::Transition, now: i64) -> Result<bool, $crate::storage::StoreError> {
                let (_writing, mut tx) = self.begin_write().await?;
                let moved = sqlx::query(
                    "UPDATE conversations SET status = $2, agent_id = $3, updated_at = $4, declined_streak = 0, \
                     queue_entered_at = CASE WHEN $2 = 'waiting_for_agent' THEN COALESCE(queue_entered_at, \
                         (SELECT MAX(q.created_at) FROM handoff_events q WHERE q.conversation_id = $1 AND q.event = 'queued'), $4) \
                         ELSE NULL END \
                     WHERE id = $1 AND status = $5 AND ($6 = '' OR agent_id = $6)",
                )
                .bind(&t.conversation_id).bind(t.to).bind(&t.agent_id).bind(now).bind(t.from)
                .bind(t.held_by.clone().unwrap_or_default())
                .execute(&mut *tx).await?.rows_affected();
                if moved == 1 {
                    Self::insert_message(&mut tx, &t.notice).await?;
                    sqlx::query(
                        "INSERT INTO handoff_events (conversation_id, event, trigger_kind, reason, created_at) VALUES ($1, $2, 'agent', $3, $4)",
                    ).bind(&t.conversation_id).bind(t.event).bind(&t.reason).bind(now).execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(moved == 1)
            }

            async fn add_message(&self, m: &$crate::storage::MessageRow) -> Result<i64, $crate::storage::StoreError> {
                let (_writing, mut tx) = self.begin_write().await?;
                let seq = Self::insert_message(&mut tx, m).await?;
                sqlx::query("UPDATE conversations SET updated_at = $2 WHERE id = $1")
                    .bind(&m.conversation_id).bind(m.created_at).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(seq)
            }

            async fn messages_after(&self, conversation_id: &str, seq: i64) -> Result<Vec<$crate::storage::MessageRow>, $crate::storage::StoreError> {
                Ok(sqlx::query_as(
                    "SELECT seq, id, conversation_id, author, ai_generated, kind, text, citations, created_at, author_name, lang \
                     FROM messages WHERE conversation_id = $1 AND seq > $2 ORDER BY seq",
                ).bind(conversation_id).bind(seq).fetch_all(&self.pool).await?)
            }

            async fn touch_user(&self, user_id: &str, now: i64) -> Result<(), $crate::storage::StoreError> {
                let (_writing, mut tx) = self.begin_write().await?;
                sqlx::query("UPDATE users SET last_seen_at = $2 WHERE id = $1").bind(user_id).bind(now).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn touch_visitor(&self, conversation_id: &str, now: i64) -> Result<(), $crate::storage::StoreError> {
                let (_writing, mut tx) = self.begin_write().await?;
                sqlx::query("UPDATE conversations SET visitor_seen_at = $2 WHERE id = $1")
                    .bind(conversation_id).bind(now).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn people_online(&self, since: i64) -> Result<i64, $crate::storage::StoreError> {
                let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users WHERE last_seen_at >= $1 AND role IN ('agent', 'admin') AND disabled_at IS NULL")
                    .bind(since).fetch_one(&self.pool).await?;
                Ok(n)
            }

            async fn load_by_agent(&self) -> Result<Vec<(String, i64)>, $crate::storage::StoreError> {
                Ok(sqlx::query_as(
                    "SELECT agent_id, COUNT(*) FROM conversations WHERE status = 'with_agent' AND agent_id IS NOT NULL GROUP BY agent_id",
                ).fetch_all(&self.pool).await?)
            }

            async fn recent_waits(&self, limit: i64) -> Result<Vec<i64>, $crate::storage::StoreError> {
                let rows: Vec<(i64,)> = sqlx::query_as(
                    "SELECT c.created_at - q.created_at FROM handoff_events c JOIN handoff_events q \
                     ON q.conversation_id = c.conversation_id AND q.event = 'queued' \
                     WHERE c.event = 'claimed' ORDER BY c.id DESC LIMIT $1",
                ).bind(limit).fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(|(w,)| w).collect())
            }
        }
    };
}

pub(crate) use impl_agent_store;
