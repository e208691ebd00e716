//! The SQL both backends share.
//!
//! SQLite and PostgreSQL accept the same statements with `$1` placeholders here, but sqlx
//! gives their pools and connections different types. A macro writes the one `Store`
//! implementation for each backend from this single source, so a query is never written
//! twice; backend-only behaviour (connection, pragmas, locks) stays in `sqlite.rs` and
//! `postgres.rs`.

/// Implements `Store` for `$store` (with a `pool` field) over connections of type `$conn`.
macro_rules! impl_store {
    ($store:ty, $conn:ty, $migrations:expr, $lock:expr) => {
        impl $store {
            /// Applies the migrations not yet applied, each in its own transaction, after
            /// taking `$lock` so that instances starting together do not race.
            async fn migrate(&self) -> Result<(), sqlx::Error> {
                sqlx::raw_sql(
                    "CREATE TABLE IF NOT EXISTS candor_migrations \
                     (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
                )
                .execute(&self.pool)
                .await?;
                let migrations: $crate::storage::sql::Migrations = $migrations;
                for (version, sql) in migrations {
                    let (_writing, mut tx) = self.begin_write().await?;
                    sqlx::query($lock).execute(&mut *tx).await?;
                    let done: Option<(i64,)> =
                        sqlx::query_as("SELECT version FROM candor_migrations WHERE version = $1")
                            .bind(version)
                            .fetch_optional(&mut *tx)
                            .await?;
                    if done.is_none() {
                        sqlx::raw_sql(*sql).execute(&mut *tx).await?;
                        sqlx::query("INSERT INTO candor_migrations (version, applied_at) VALUES ($1, $2)")
                            .bind(version)
                            .bind($crate::conversation::now_ms())
                            .execute(&mut *tx)
                            .await?;
                        tracing::info!(version, "applied database migration");
                    }
                    tx.commit().await?;
                }
                Ok(())
            }

            /// Inserts a message and returns its position in the global order (`seq`).
            async fn insert_message(
                conn: &mut $conn,
                m: &$crate::storage::MessageRow,
            ) -> Result<i64, sqlx::Error> {
                let (seq,): (i64,) = sqlx::query_as(
                    "INSERT INTO messages (id, conversation_id, author, ai_generated, kind, text, citations, created_at, author_name, lang, article_id) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING seq",
                )
                .bind(&m.id)
                .bind(&m.conversation_id)
                .bind(&m.author)
                .bind(m.ai_generated)
                .bind(&m.kind)
                .bind(&m.text)
                .bind(&m.citations)
                .bind(m.created_at)
                .bind(&m.author_name)
                .bind(&m.lang)
                .bind(m.answered_from())
                .fetch_one(&mut *conn)
                .await?;
                Ok(seq)
            }

            async fn enqueue(
                conn: &mut $conn,
                h: &$crate::storage::HandoffRequest,
            ) -> Result<(), sqlx::Error> {
                let moved = sqlx::query(
                    "UPDATE conversations SET status = 'waiting_for_agent', \
                     queue_entered_at = COALESCE(queue_entered_at, $2), handoff_reason = $3, \
                     handoff_trigger = $4, updated_at = $2 WHERE id = $1 AND status = 'bot'",
                )
                .bind(&h.conversation_id)
                .bind(h.at)
                .bind(&h.reason)
                .bind(&h.trigger)
                .execute(&mut *conn)
                .await?
                .rows_affected();
                if moved == 1 {
                    sqlx::query(
                        "INSERT INTO handoff_events (conversation_id, event, trigger_kind, reason, created_at) \
                         VALUES ($1, 'queued', $2, $3, $4)",
                    )
                    .bind(&h.conversation_id)
                    .bind(&h.trigger)
                    .bind(&h.reason)
                    .bind(h.at)
                    .execute(&mut *conn)
                    .await?;
                }
                Ok(())
            }
        }

        #[async_trait::async_trait]
        impl $crate::storage::Store for $store {
            async fn ping(&self) -> Result<(), $crate::storage::StoreError> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            #[tracing::instrument(skip_all)]
            async fn create_conversation(
                &self,
                c: &$crate::storage::ConversationRow,
            ) -> Result<(), $crate::storage::StoreError> {
                let (_writing, mut tx) = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO conversations (id, token_hash, locale, locale_explicit, status, \
                     disclosure_version, disclosure_shown_at, origin, declined_streak, queue_entered_at, \
                     handoff_reason, handoff_trigger, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
                )
                .bind(&c.id)
                .bind(&c.token_hash)
                .bind(&c.locale)
                .bind(c.locale_explicit)
                .bind(&c.status)
                .bind(&c.disclosure_version)
                .bind(c.disclosure_shown_at)
                .bind(&c.origin)
                .bind(c.declined_streak)
                .bind(c.queue_entered_at)
                .bind(&c.handoff_reason)
                .bind(&c.handoff_trigger)
                .bind(c.created_at)
                .bind(c.updated_at)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO disclosure_receipts (conversation_id, version, locale, shown_at) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(&c.id)
                .bind(&c.disclosure_version)
                .bind(&c.locale)
                .bind(c.disclosure_shown_at)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            #[tracing::instrument(skip_all)]
            async fn conversation(
                &self,
                id: &str,
            ) -> Result<Option<$crate::storage::ConversationRow>, $crate::storage::StoreError> {
                Ok(sqlx::query_as("SELECT * FROM conversations WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            #[tracing::instrument(skip_all)]
            async fn record_turn(
                &self,
                turn: &$crate::storage::Turn,
            ) -> Result<(i64, Option<i64>), $crate::storage::StoreError> {
                let (_writing, mut tx) = self.begin_write().await?;
                let visitor_seq = Self::insert_message(&mut tx, &turn.visitor).await?;
                let mut reply_seq = None;
                if let Some((reply, why)) = &turn.reply {
                    reply_seq = Some(Self::insert_message(&mut tx, reply).await?);
                    sqlx::query(
                        "INSERT INTO why_records (message_id, conversation_id, record, created_at) \
                         VALUES ($1, $2, $3, $4)",
                    )
                    .bind(&reply.id)
                    .bind(&reply.conversation_id)
                    .bind(why)
                    .bind(reply.created_at)
                    .execute(&mut *tx)
                    .await?;
                }
                sqlx::query(
                    "UPDATE conversations SET declined_streak = $2, updated_at = $3 WHERE id = $1",
                )
                .bind(&turn.visitor.conversation_id)
                .bind(turn.declined_streak)
                .bind(turn.now)
                .execute(&mut *tx)
                .await?;
                if let Some(h) = &turn.handoff {
                    Self::enqueue(&mut tx, h).await?;
                }
                tx.commit().await?;
                Ok((visitor_seq, reply_seq))
            }

            #[tracing::instrument(skip_all)]
            async fn request_handoff(
                &self,
                h: &$crate::storage::HandoffRequest,
            ) -> Result<(), $crate::storage::StoreError> {
                let (_writing, mut tx) = self.begin_write().await?;
                Self::enqueue(&mut tx, h).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn queue_position(
                &self,
                conversation_id: &str,
            ) -> Result<Option<i64>, $crate::storage::StoreError> {
                let row: Option<(String, Option<i64>)> =
                    sqlx::query_as("SELECT status, queue_entered_at FROM conversations WHERE id = $1")
                        .bind(conversation_id)
                        .fetch_optional(&self.pool)
                        .await?;
                let Some(("waiting_for_agent", Some(entered))) =
                    row.as_ref().map(|(s, e)| (s.as_str(), *e))
                else {
                    return Ok(None);
                };
                let (ahead,): (i64,) = sqlx::query_as(
                    "SELECT COUNT(*) FROM conversations WHERE status = 'waiting_for_agent' \
                     AND (queue_entered_at < $1 OR (queue_entered_at = $1 AND id <= $2))",
                )
                .bind(entered)
                .bind(conversation_id)
                .fetch_one(&self.pool)
                .await?;
                Ok(Some(ahead))
            }

            async fn waiting_count(&self) -> Result<i64, $crate::storage::StoreError> {
                let (n,): (i64,) = sqlx::query_as(
                    "SELECT COUNT(*) FROM conversations WHERE status = 'waiting_for_agent'",
                )
                .fetch_one(&self.pool)
                .await?;
                Ok(n)
            }

            #[tracing::instrument(skip_all)]
            async fn messages(
                &self,
                conversation_id: &str,
            ) -> Result<Vec<$crate::storage::MessageRow>, $crate::storage::StoreError> {
                Ok(sqlx::query_as(
                    "SELECT seq, id, conversation_id, author, ai_generated, kind, text, citations, created_at, author_name, lang \
                     FROM messages WHERE conversation_id = $1 ORDER BY seq",
                )
                .bind(conversation_id)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn turn_of(
                &self,
                conversation_id: &str,
                message_id: &str,
            ) -> Result<Option<($crate::storage::MessageRow, Option<$crate::storage::MessageRow>)>, $crate::storage::StoreError> {
                // The message and the one stored right after it in the same transaction.
                let rows: Vec<$crate::storage::MessageRow> = sqlx::query_as(
                    "SELECT seq, id, conversation_id, author, ai_generated, kind, text, citations, created_at, author_name, lang \
                     FROM messages WHERE conversation_id = $1 AND seq >= \
                     (SELECT seq FROM messages WHERE conversation_id = $1 AND id = $2) ORDER BY seq LIMIT 2",
                )
                .bind(conversation_id)
                .bind(message_id)
                .fetch_all(&self.pool)
                .await?;
                let mut rows = rows.into_iter();
                let Some(visitor) = rows.next().filter(|m| m.id == message_id) else {
                    return Ok(None);
                };
                let reply = rows.next().filter(|m| m.author == "bot" && m.created_at == visitor.created_at + 1);
                Ok(Some((visitor, reply)))
            }

            async fn why_record(
                &self,
                conversation_id: &str,
                message_id: &str,
            ) -> Result<Option<String>, $crate::storage::StoreError> {
                let row: Option<(String,)> = sqlx::query_as(
                    "SELECT record FROM why_records WHERE conversation_id = $1 AND message_id = $2",
                )
                .bind(conversation_id)
                .bind(message_id)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(|(r,)| r))
            }
        }
    };
}

pub(crate) use impl_store;

/// Migrations of one backend, in order: (version, SQL).
pub(crate) type Migrations = &'static [(i64, &'static str)];
