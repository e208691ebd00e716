//! SQLite backend: one file in the data dir, no server to run.
//!
//! WAL with `synchronous = FULL`: a turn acknowledged with 2xx is on disk even if the
//! process is killed with SIGKILL (or the machine loses power) right after.

use super::sql::{impl_store, Migrations};
use anyhow::Context;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{SqliteConnection, SqlitePool};
use std::path::Path;
use std::time::Duration;

const MIGRATIONS: Migrations = &[
    (1, include_str!("migrations/sqlite/0001_init.sql")),
    (2, include_str!("migrations/sqlite/0002_privacy.sql")),
    (3, include_str!("migrations/sqlite/0003_agents.sql")),
    (4, include_str!("migrations/sqlite/0004_presence.sql")),
    (5, include_str!("migrations/sqlite/0005_audit.sql")),
    (6, include_str!("migrations/sqlite/0006_feedback.sql")),
    (7, include_str!("migrations/sqlite/0007_review.sql")),
    (8, include_str!("migrations/sqlite/0008_articles.sql")),
    (9, include_str!("migrations/sqlite/0009_gaps.sql")),
    (10, include_str!("migrations/sqlite/0010_synonyms.sql")),
    (11, include_str!("migrations/sqlite/0011_accounts.sql")),
    (12, include_str!("migrations/sqlite/0012_ratings.sql")),
    (13, include_str!("migrations/sqlite/0013_message_lang.sql")),
    (14, include_str!("migrations/sqlite/0014_answered_from.sql")),
    (15, include_str!("migrations/sqlite/0015_visitor_seen.sql")),
];

/// The embedded store.
pub struct SqliteStore {
    pool: SqlitePool,
    /// SQLite allows one writer at a time. Queueing writers here, instead of letting them
    /// collide inside SQLite, avoids its busy handler's sleeps (tens of milliseconds of
    /// tail latency under load).
    write_lock: tokio::sync::Mutex<()>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file and migrates it.
    pub async fn open(path: &Path) -> anyhow::Result<SqliteStore> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("creating data dir {}", dir.display()))?;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            // Erased rows are overwritten with zeros, not just unlinked.
            .pragma("secure_delete", "ON")
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .with_context(|| format!("opening SQLite database {}", path.display()))?;
        let store = SqliteStore {
            pool,
            write_lock: tokio::sync::Mutex::new(()),
        };
        store
            .migrate()
            .await
            .context("migrating the SQLite database")?;
        Ok(store)
    }
}

impl SqliteStore {
    /// The confidence (0–1) an answer was given with, read from its why record `w` the
    /// backend's way: the one JSON read the shared SQL cannot write for both.
    const CONFIDENCE: &'static str = "CAST(json_extract(w.record, '$.confidence') AS REAL)";

    /// Appends in one process are serialised by the writer lock; across processes, by this:
    /// a write that changes nothing: it takes SQLite's write lock before the newest entry
    /// is read, so two stores on one file (two instances starting) append one at a time.
    const AUDIT_LOCK: &'static str = "UPDATE audit_log SET seq = seq WHERE 0";

    /// A write transaction, taken after the in-process writer lock.
    async fn begin_write(
        &self,
    ) -> Result<
        (
            tokio::sync::MutexGuard<'_, ()>,
            sqlx::Transaction<'_, sqlx::Sqlite>,
        ),
        sqlx::Error,
    > {
        let guard = self.write_lock.lock().await;
        Ok((guard, self.pool.begin().await?))
    }
}

impl SqliteStore {
    /// Moves the WAL into the database file and truncates it, so erased text is gone from
    /// both files (with `secure_delete` the freed pages were already zeroed).
    async fn compact(&self) -> Result<(), sqlx::Error> {
        let _writing = self.write_lock.lock().await;
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

/// `VACUUM INTO`: one transaction's view of every table of `from`, written compactly to a
/// new file `to` (erased rows are not in it: their pages are free, not copied). The source
/// is opened read-only and never migrated: a newer `candor` taking a backup must not change
/// the database an older running server uses.
pub async fn backup_file(from: &Path, to: &Path) -> anyhow::Result<()> {
    let target = to
        .to_str()
        .with_context(|| format!("{} is not a UTF-8 path", to.display()))?;
    let options = SqliteConnectOptions::new()
        .filename(from)
        .read_only(true)
        .busy_timeout(Duration::from_secs(5));
    let mut conn = sqlx::ConnectOptions::connect(&options)
        .await
        .with_context(|| format!("opening SQLite database {}", from.display()))?;
    sqlx::query("VACUUM INTO ?")
        .bind(target)
        .execute(&mut conn)
        .await
        .with_context(|| format!("writing the backup to {}", to.display()))?;
    Ok(())
}

super::articles::impl_gap_store!(SqliteStore);
super::articles::impl_article_store!(SqliteStore);
super::audit::impl_equity_store!(SqliteStore);
super::audit::impl_review_store!(SqliteStore);
super::audit::impl_figures_store!(SqliteStore);
super::audit::impl_audit_store!(SqliteStore);
super::agents::impl_agent_store!(SqliteStore);
super::privacy::impl_privacy_store!(SqliteStore);
impl_store!(SqliteStore, SqliteConnection, MIGRATIONS, "SELECT 1");
