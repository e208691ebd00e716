//! Persistence behind one trait, chosen at start from the database URL.
//!
//! SQLite (in the data dir, WAL, synchronous=FULL) is the one-binary default; PostgreSQL is
//! for several instances sharing one database. Both run the same SQL (see `sql.rs`) with
//! per-backend migrations, so every feature behaves the same on each.

/// SQL for the language a conversation `c` was served in: its latest reply's (the visitor's
/// own language, detected per question), else its page's locale. Reports group waits and
/// ratings by it, as they group answers by each reply's language, so a French visitor on the
/// English page counts as French everywhere.
macro_rules! served_lang_sql {
    () => {
        "COALESCE((SELECT s.lang FROM messages s WHERE s.conversation_id = c.id AND s.lang IS NOT NULL \
         ORDER BY s.seq DESC LIMIT 1), c.locale)"
    };
}
pub(crate) use served_lang_sql;

/// Users, tokens, the queue and hand-over transitions.
pub mod agents;
/// Articles edited in the console, with every version.
pub mod articles;
/// The hash-chained audit log.
pub mod audit;
mod models;
pub mod postgres;
/// Consent, contact details, export, erasure and retention queries.
pub mod privacy;
mod sql;
pub mod sqlite;

pub use agents::AgentStore;
pub use articles::{
    ArticleRow, ArticleStore, ArticleUsage, ArticleVersion, DeclinedQuestion, GapStore,
};
use async_trait::async_trait;
pub use audit::{
    AuditEntry, AuditStore, EquityStore, Figures, FiguresStore, ReviewItem, ReviewStore,
};
pub use models::{
    ConsentReceipt, Contact, ConversationRow, DisclosureReceipt, HandoffEvent, HandoffRequest,
    MessageRow, PurgeCounts, PurgeCutoffs, Rating, Transition, Turn, User,
};
pub use privacy::PrivacyStore;
use std::path::{Path, PathBuf};
use std::sync::Arc;

impl StoreError {
    /// An insert met a row with the same key (for example a message id already stored).
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, StoreError::Database(sqlx::Error::Database(d)) if d.is_unique_violation())
    }
}

/// Why a storage call failed. Never shown to a visitor: the HTTP layer logs it and answers
/// with a generic internal error.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error")]
    Database(#[from] sqlx::Error),
    #[error("could not reach the database within {0} seconds")]
    Timeout(u64),
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
}

/// Everything Candor keeps, behind one interface.
#[async_trait]
pub trait Store:
    PrivacyStore
    + AgentStore
    + AuditStore
    + FiguresStore
    + ReviewStore
    + EquityStore
    + ArticleStore
    + GapStore
    + Send
    + Sync
{
    /// Cheap round trip for health checks.
    async fn ping(&self) -> Result<(), StoreError>;
    /// Stores a new conversation and its disclosure receipt.
    async fn create_conversation(&self, c: &ConversationRow) -> Result<(), StoreError>;
    /// A conversation by id.
    async fn conversation(&self, id: &str) -> Result<Option<ConversationRow>, StoreError>;
    /// Stores a visitor message, the reply and its why record, and the new conversation
    /// state, in one transaction: either all of the turn is durable or none of it.
    /// Returns the event ids (`seq`) of the visitor message and of the reply.
    async fn record_turn(&self, turn: &Turn) -> Result<(i64, Option<i64>), StoreError>;
    /// Puts a conversation in the human queue (idempotent) and records why.
    async fn request_handoff(&self, h: &HandoffRequest) -> Result<(), StoreError>;
    /// 1-based position in the human queue, if the conversation is waiting.
    async fn queue_position(&self, conversation_id: &str) -> Result<Option<i64>, StoreError>;
    /// How many conversations wait for a person.
    async fn waiting_count(&self) -> Result<i64, StoreError>;
    /// The transcript, oldest first.
    async fn messages(&self, conversation_id: &str) -> Result<Vec<MessageRow>, StoreError>;
    /// A message of this conversation and, for a visitor's, the bot's reply to it, if it was
    /// stored: what a sender resending the same message (its response was lost) gets again.
    async fn turn_of(
        &self,
        conversation_id: &str,
        message_id: &str,
    ) -> Result<Option<(MessageRow, Option<MessageRow>)>, StoreError>;
    /// The why record (JSON) of a bot message of this conversation.
    async fn why_record(
        &self,
        conversation_id: &str,
        message_id: &str,
    ) -> Result<Option<String>, StoreError>;
}

/// Opens the store the settings ask for, running its migrations.
pub async fn connect(
    database_url: Option<&str>,
    data_dir: &Path,
) -> anyhow::Result<Arc<dyn Store>> {
    match sqlite_file(database_url, data_dir)? {
        Some(path) => Ok(Arc::new(sqlite::SqliteStore::open(&path).await?)),
        None => Ok(Arc::new(
            postgres::PgStore::connect(database_url.unwrap_or_default()).await?,
        )),
    }
}

/// Opens storage that must already be there: the commands that read or change a running
/// shop's data (`candor audit verify`, `kb export`, `purge`, …). A mistyped `--data-dir`
/// would otherwise create an empty database and report on it: an audit log "intact, 0
/// entries", nothing to export, nobody to disable.
pub async fn connect_existing(
    database_url: Option<&str>,
    data_dir: &Path,
) -> anyhow::Result<Arc<dyn Store>> {
    if let Some(path) = sqlite_file(database_url, data_dir)? {
        anyhow::ensure!(
            path.exists(),
            "no database at {}: check --data-dir (or --database-url); `candor serve`, `candor user add` and `candor kb import` create it",
            path.display()
        );
    }
    connect(database_url, data_dir).await
}

/// The SQLite file the settings name, or `None` for PostgreSQL.
fn sqlite_file(database_url: Option<&str>, data_dir: &Path) -> anyhow::Result<Option<PathBuf>> {
    match database_url {
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => Ok(None),
        Some(url) if url.starts_with("sqlite:") => Ok(Some(PathBuf::from(
            url.trim_start_matches("sqlite://")
                .trim_start_matches("sqlite:"),
        ))),
        Some(_) => anyhow::bail!("unsupported database URL: use postgres://… or sqlite:PATH"),
        None => Ok(Some(data_dir.join("candor.db"))),
    }
}

/// Writes a consistent copy of the embedded database to `to` while servers keep running
/// (copying the file itself could catch it mid-write, without the WAL's latest turns).
/// PostgreSQL has its own tools; this says so rather than half-doing it.
pub async fn backup(database_url: Option<&str>, data_dir: &Path, to: &Path) -> anyhow::Result<u64> {
    let Some(path) = sqlite_file(database_url, data_dir)? else {
        anyhow::bail!(
            "the database is PostgreSQL: back it up with pg_dump (or your provider's snapshots)"
        );
    };
    if !path.exists() {
        anyhow::bail!("there is no database at {} to back up", path.display());
    }
    if to.exists() {
        anyhow::bail!(
            "{} already exists: choose a new file, nothing was overwritten",
            to.display()
        );
    }
    sqlite::backup_file(&path, to).await?;
    Ok(std::fs::metadata(to)?.len())
}
