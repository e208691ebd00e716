//! Articles edited in the console: the current state of each, and every version ever saved.
//!
//! The article itself is stored as its Markdown document (front matter + body), the same
//! format as the knowledge dir, so import, export and the editor share one parser.

use super::StoreError;
use async_trait::async_trait;

/// An article row: its current version, state and document.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ArticleRow {
    pub id: String,
    pub version: i64,
    /// `published`, `draft` or `unpublished`.
    pub state: String,
    pub document: String,
    pub updated_at: i64,
    pub updated_by: String,
}

/// One saved version.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ArticleVersion {
    pub article_id: String,
    pub version: i64,
    pub state: String,
    pub document: String,
    pub reason: String,
    pub author: String,
    pub created_at: i64,
}

/// A version to save.
#[derive(Debug, Clone, Copy)]
pub struct NewVersion<'a> {
    pub id: &'a str,
    /// The version the edit started from; 0 for a new article.
    pub expected: i64,
    pub state: &'a str,
    pub document: &'a str,
    pub reason: &'a str,
    pub author: &'a str,
    pub at: i64,
}

/// How one article served visitors over a period: answers given from it, and the visitors'
/// verdicts on them. Consented conversations only, like every report: the others are
/// deleted within days, and counts that shrink as they go would mislead.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct ArticleUsage {
    pub article_id: String,
    pub answers: i64,
    pub helpful: i64,
    pub not_helpful: i64,
}

/// Storage of edited articles.
#[async_trait]
pub trait ArticleStore: Send + Sync {
    async fn articles(&self) -> Result<Vec<ArticleRow>, StoreError>;
    async fn article(&self, id: &str) -> Result<Option<ArticleRow>, StoreError>;
    /// Saves a new version if the current version is still `expected` (0 = new article);
    /// returns the new version, or the current row when someone saved first.
    async fn save_article(
        &self,
        v: NewVersion<'_>,
    ) -> Result<Result<i64, Option<ArticleRow>>, StoreError>;
    async fn article_versions(&self, id: &str) -> Result<Vec<ArticleVersion>, StoreError>;
    /// Per article (or for `only` that one), answers given since `since` (ms) and their
    /// verdicts.
    async fn article_usage(
        &self,
        since: i64,
        only: Option<&str>,
    ) -> Result<Vec<ArticleUsage>, StoreError>;
}

macro_rules! impl_article_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::storage::articles::ArticleStore for $store {
            async fn articles(&self) -> Result<Vec<$crate::storage::articles::ArticleRow>, $crate::storage::StoreError> {
                Ok(sqlx::query_as("SELECT * FROM articles ORDER BY id").fetch_all(&self.pool).await?)
            }

            async fn article(&self, id: &str) -> Result<Option<$crate::storage::articles::ArticleRow>, $crate::storage::StoreError> {
                Ok(sqlx::query_as("SELECT * FROM articles WHERE id = $1").bind(id).fetch_optional(&self.pool).await?)
            }

            async fn save_article(
                &self,
                v: $crate::storage::articles::NewVersion<'_>,
            ) -> Result<Result<i64, Option<$crate::storage::articles::ArticleRow>>, $crate::storage::StoreError> {
                let $crate::storage::articles::NewVersion { id, expected, state, document, reason, author, at } = v;
                let (_writing, mut tx) = self.begin_write().await?;
                let version = expected + 1;
                let done = if expected == 0 {
                    sqlx::query(
                        "INSERT INTO articles (id, version, state, document, updated_at, updated_by) VALUES ($1, 1, $2, $3, $4, $5) \
                         ON CONFLICT (id) DO NOTHING",
                    ).bind(id).bind(state).bind(document).bind(at).bind(author).execute(&mut *tx).await?.rows_affected()
                } else {
                    sqlx::query(
                        "UPDATE articles SET version = $2, state = $3, document = $4, updated_at = $5, updated_by = $6 \
                         WHERE id = $1 AND version = $7",
                    ).bind(id).bind(version).bind(state).bind(document).bind(at).bind(author).bind(expected)
                    .execute(&mut *tx).await?.rows_affected()
                };
                if done != 1 {
                    let current = sqlx::query_as("SELECT * FROM articles WHERE id = $1").bind(id).fetch_optional(&mut *tx).await?;
                    return Ok(Err(current));
                }
                sqlx::query(
                    "INSERT INTO article_versions (article_id, version, state, document, reason, author, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                ).bind(id).bind(version).bind(state).bind(document).bind(reason).bind(author).bind(at).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(Ok(version))
            }

            async fn article_versions(&self, id: &str) -> Result<Vec<$crate::storage::articles::ArticleVersion>, $crate::storage::StoreError> {
                Ok(sqlx::query_as("SELECT * FROM article_versions WHERE article_id = $1 ORDER BY version")
                    .bind(id).fetch_all(&self.pool).await?)
            }

            async fn article_usage(&self, since: i64, only: Option<&str>) -> Result<Vec<$crate::storage::articles::ArticleUsage>, $crate::storage::StoreError> {
                Ok(sqlx::query_as(
                    "SELECT m.article_id AS article_id, COUNT(*) AS answers, \
                     COALESCE(SUM(CASE WHEN f.helpful THEN 1 ELSE 0 END), 0) AS helpful, \
                     COALESCE(SUM(CASE WHEN f.helpful IS NOT NULL AND NOT f.helpful THEN 1 ELSE 0 END), 0) AS not_helpful \
                     FROM messages m JOIN conversations c ON c.id = m.conversation_id AND c.keep_transcript \
                     LEFT JOIN feedback f ON f.message_id = m.id \
                     WHERE m.article_id IS NOT NULL AND m.created_at >= $1 AND ($2 IS NULL OR m.article_id = $2) \
                     GROUP BY m.article_id ORDER BY m.article_id",
                ).bind(since).bind(only).fetch_all(&self.pool).await?)
            }
        }
    };
}

pub(crate) use impl_article_store;

/// A question the assistant declined, from a conversation whose visitor consented.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct DeclinedQuestion {
    pub text: String,
    pub locale: String,
    pub at: i64,
}

/// Content gaps (declined questions, and what operators decided about each group) and the
/// operators' synonym rules.
#[async_trait]
pub trait GapStore: Send + Sync {
    /// The operators' synonym rules: (language code, phrase, expansion).
    async fn synonyms(&self) -> Result<Vec<(String, String, String)>, StoreError>;
    /// Replaces every operator synonym rule at once.
    async fn replace_synonyms(&self, rules: &[(String, String, String)]) -> Result<(), StoreError>;
    /// Declined questions of consented conversations, newest first (at most `limit`).
    async fn declined_questions(&self, limit: i64) -> Result<Vec<DeclinedQuestion>, StoreError>;
    /// (gap key, action, article id) for every group an operator dismissed or linked.
    async fn gap_actions(&self) -> Result<Vec<(String, String, Option<String>)>, StoreError>;
    async fn save_gap_action(
        &self,
        key: &str,
        action: &str,
        article_id: Option<&str>,
        actor: &str,
        at: i64,
    ) -> Result<(), StoreError>;
}

macro_rules! impl_gap_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::storage::articles::GapStore for $store {
            async fn declined_questions(&self, limit: i64) -> Result<Vec<$crate::storage::articles::DeclinedQuestion>, $crate::storage::StoreError> {
                Ok(sqlx::query_as(
                    "SELECT v.text, COALESCE(b.lang, c.locale) AS locale, b.created_at AS at FROM messages b \
                     JOIN conversations c ON c.id = b.conversation_id \
                     JOIN messages v ON v.conversation_id = b.conversation_id AND v.seq = ( \
                       SELECT MAX(p.seq) FROM messages p WHERE p.conversation_id = b.conversation_id \
                       AND p.author = 'visitor' AND p.seq < b.seq) \
                     WHERE b.author = 'bot' AND b.kind = 'no_answer' AND c.keep_transcript \
                     ORDER BY b.seq DESC LIMIT $1",
                ).bind(limit).fetch_all(&self.pool).await?)
            }

            async fn synonyms(&self) -> Result<Vec<(String, String, String)>, $crate::storage::StoreError> {
                Ok(sqlx::query_as("SELECT lang, phrase, expansion FROM synonyms ORDER BY lang, phrase").fetch_all(&self.pool).await?)
            }

            async fn replace_synonyms(&self, rules: &[(String, String, String)]) -> Result<(), $crate::storage::StoreError> {
                let (_writing, mut tx) = self.begin_write().await?;
                sqlx::query("DELETE FROM synonyms").execute(&mut *tx).await?;
                for (lang, phrase, expansion) in rules {
                    sqlx::query("INSERT INTO synonyms (lang, phrase, expansion) VALUES ($1, $2, $3) ON CONFLICT (lang, phrase) DO UPDATE SET expansion = excluded.expansion")
                        .bind(lang).bind(phrase).bind(expansion).execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn gap_actions(&self) -> Result<Vec<(String, String, Option<String>)>, $crate::storage::StoreError> {
                Ok(sqlx::query_as("SELECT gap_key, action, article_id FROM gap_actions").fetch_all(&self.pool).await?)
            }

            async fn save_gap_action(&self, key: &str, action: &str, article_id: Option<&str>, actor: &str, at: i64) -> Result<(), $crate::storage::StoreError> {
                let (_writing, mut tx) = self.begin_write().await?;
                sqlx::query("DELETE FROM gap_actions WHERE gap_key = $1").bind(key).execute(&mut *tx).await?;
                sqlx::query("INSERT INTO gap_actions (gap_key, action, article_id, actor, created_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(key).bind(action).bind(article_id).bind(actor).bind(at).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(())
            }
        }
    };
}

pub(crate) use impl_gap_store;
