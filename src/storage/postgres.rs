//! PostgreSQL backend, for several Candor instances sharing one database.

use super::sql::{impl_store, Migrations};
use super::StoreError;
use anyhow::Context;
use sqlx::postgres::PgPoolOptions;
use sqlx::{PgConnection, PgPool};
use std::time::Duration;

const MIGRATIONS: Migrations = &[
    (1, include_str!("migrations/postgres/0001_init.sql")),
    (2, include_str!("migrations/postgres/0002_privacy.sql")),
    (3, include_str!("migrations/postgres/0003_agents.sql")),
    (4, include_str!("migrations/postgres/0004_presence.sql")),
    (5, include_str!("migrations/postgres/0005_audit.sql")),
    (6, include_str!("migrations/postgres/0006_feedback.sql")),
    (7, include_str!("migrations/postgres/0007_review.sql")),
    (8, include_str!("migrations/postgres/0008_articles.sql")),
    (9, include_str!("migrations/postgres/0009_gaps.sql")),
    (10, include_str!("migrations/postgres/0010_synonyms.sql")),
    (11, include_str!("migrations/postgres/0011_accounts.sql")),
    (12, include_str!("migrations/postgres/0012_ratings.sql")),
    (
        13,
        include_str!("migrations/postgres/0013_message_lang.sql"),
    ),
    (
        14,
        include_str!("migrations/postgres/0014_answered_from.sql"),
    ),
    (
        15,
        include_str!("migrations/postgres/0015_visitor_seen.sql"),
    ),
];
/// Seconds to wait for PostgreSQL before giving up with a clear error.
const CONNECT_TIMEOUT: u64 = 10;

/// The shared store.
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects and migrates; fails clearly when the server cannot be reached.
    pub async fn connect(url: &str) -> anyhow::Result<PgStore> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(CONNECT_TIMEOUT))
            .connect(url);
        let pool = tokio::time::timeout(Duration::from_secs(CONNECT_TIMEOUT), pool)
            .await
            .map_err(|_| StoreError::Timeout(CONNECT_TIMEOUT))?
            .context("connecting to PostgreSQL")?;
        let store = PgStore { pool };
        store
            .migrate()
            .await
            .context("migrating the PostgreSQL database")?;
        Ok(store)
    }
}

impl PgStore {
    /// The confidence (0–1) an answer was given with, read from its why record `w` the
    /// backend's way: the one JSON read the shared SQL cannot write for both.
    const CONFIDENCE: &'static str = "(w.record::jsonb ->> 'confidence')::float8";

    /// Serialises audit appends across instances so the hash chain never forks.
    const AUDIT_LOCK: &'static str = "SELECT pg_advisory_xact_lock(4243)";

    /// A write transaction; PostgreSQL handles concurrent writers itself.
    async fn begin_write(
        &self,
    ) -> Result<((), sqlx::Transaction<'_, sqlx::Postgres>), sqlx::Error> {
        Ok(((), self.pool.begin().await?))
    }
}

impl PgStore {
    /// Reclaims the space of erased rows so their bytes do not linger in heap pages.
    async fn compact(&self) -> Result<(), sqlx::Error> {
        sqlx::raw_sql(
            "VACUUM conversations, messages, why_records, consent_receipts, contacts, \
             disclosure_receipts, handoff_events",
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

super::articles::impl_gap_store!(PgStore);
super::articles::impl_article_store!(PgStore);
super::audit::impl_equity_store!(PgStore);
super::audit::impl_review_store!(PgStore);
super::audit::impl_figures_store!(PgStore);
super::audit::impl_audit_store!(PgStore);
super::agents::impl_agent_store!(PgStore);
/// Publishes a change notification to every instance.
async fn publish(pool: &sqlx::PgPool, topic: &str) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(crate::realtime::PG_CHANNEL)
        .bind(topic)
        .execute(pool)
        .await?;
    Ok(())
}

/// Connects the hub to the other instances: local notifications are published with
/// `pg_notify`, and everything published on the channel is delivered locally.
pub async fn share_hub(url: &str) -> anyhow::Result<std::sync::Arc<crate::realtime::Hub>> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    let hub = std::sync::Arc::new(crate::realtime::Hub::shared(tx));
    // One connection: notifications leave one at a time from this task, in order.
    let publisher = PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(CONNECT_TIMEOUT))
        .connect(url)
        .await
        .context("NOTIFY connection")?;
    tokio::spawn(async move {
        while let Some(topic) = rx.recv().await {
            if let Err(e) = publish(&publisher, &topic).await {
                tracing::warn!(error = %e, "could not publish a change notification");
            }
        }
    });
    let mut listener = sqlx::postgres::PgListener::connect(url)
        .await
        .context("LISTEN connection")?;
    listener.listen(crate::realtime::PG_CHANNEL).await?;
    let delivering = hub.clone();
    tokio::spawn(async move {
        loop {
            match listener.recv().await {
                Ok(n) => delivering.deliver(n.payload()),
                Err(e) => {
                    // sqlx reconnects on the next recv; streams also re-read every 15 s.
                    tracing::warn!(error = %e, "LISTEN connection lost; reconnecting");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    });
    Ok(hub)
}

super::privacy::impl_privacy_store!(PgStore);
// The advisory lock makes instances that start together apply migrations one at a time.
impl_store!(
    PgStore,
    PgConnection,
    MIGRATIONS,
    "SELECT pg_advisory_xact_lock(4242)"
);
