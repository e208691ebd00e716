//! Live editing of articles by operators: every save is a new immutable version, a published
//! change is in the index for the very next question, and unpublished articles keep their
//! history. The database is the source of truth; each instance's index follows it.

use super::article::{Article, ArticleError};
use super::KnowledgeIndex;
use crate::conversation::now_ms;
use crate::storage::articles::NewVersion;
use crate::storage::{ArticleRow, Store, StoreError};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// An article as the editor sends it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ArticleInput {
    pub id: String,
    pub title: String,
    pub lang: String,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub questions: Vec<String>,
    pub body: String,
    /// `published` (default) or `draft`.
    #[serde(default = "published")]
    pub state: String,
}

fn published() -> String {
    "published".into()
}

/// Why a save was refused.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("{0}")]
    Invalid(String),
    /// The article itself is not valid (each case has a reason the console words itself).
    #[error(transparent)]
    Article(#[from] ArticleError),
    #[error("the body has headings but no paragraph to answer from")]
    NoPassage,
    #[error("someone saved a newer version first")]
    Conflict(Option<Box<ArticleRow>>),
    #[error("no such article or version")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("index update failed")]
    Index(#[source] anyhow::Error),
}

/// The Markdown document (front matter + body) of an input: the knowledge-dir format.
pub fn to_document(a: &ArticleInput) -> String {
    let one_line = |s: &str| s.replace(['\n', '\r'], " ");
    let mut doc = format!(
        "---\nid: {}\ntitle: {}\nlang: {}\n",
        one_line(&a.id),
        one_line(&a.title),
        one_line(&a.lang)
    );
    if let Some(url) = a.url.as_deref().filter(|u| !u.is_empty()) {
        doc.push_str(&format!("url: {}\n", one_line(url)));
    }
    if !a.tags.is_empty() {
        let tags: Vec<String> = a
            .tags
            .iter()
            .map(|t| one_line(t).replace([',', '[', ']'], " "))
            .collect();
        doc.push_str(&format!("tags: [{}]\n", tags.join(", ")));
    }
    if !a.questions.is_empty() {
        doc.push_str("questions:\n");
        for q in &a.questions {
            doc.push_str(&format!("  - {}\n", one_line(q)));
        }
    }
    doc.push_str("---\n");
    doc.push_str(a.body.trim());
    doc.push('\n');
    doc
}

/// Parses a stored document back into an article, forgiving the rules added after it was
/// saved (an upgrade must not hide it); new input goes through [`Article::parse`].
pub fn parse(row_document: &str, updated_at: i64) -> Result<Article, ArticleError> {
    Article::parse_stored(row_document, updated_at)
}

/// Saves a new version (expected = the version the editor started from, 0 for a new article).
pub async fn save(
    store: &dyn Store,
    index: &Arc<KnowledgeIndex>,
    input: &ArticleInput,
    expected: i64,
    reason: &str,
    author: &str,
) -> Result<i64, EditError> {
    if !matches!(input.state.as_str(), "published" | "draft") {
        return Err(EditError::Invalid(
            "state must be published or draft".into(),
        ));
    }
    let document = to_document(input);
    let article = Article::parse(&document, now_ms()).map_err(EditError::Article)?;
    if super::passages::split(&article.body).is_empty() {
        return Err(EditError::NoPassage);
    }
    write(
        store,
        index,
        &article,
        &input.state,
        &document,
        expected,
        reason,
        author,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn write(
    store: &dyn Store,
    index: &Arc<KnowledgeIndex>,
    article: &Article,
    state: &str,
    document: &str,
    expected: i64,
    reason: &str,
    author: &str,
) -> Result<i64, EditError> {
    let new = NewVersion {
        id: &article.id,
        expected,
        state,
        document,
        reason,
        author,
        at: now_ms(),
    };
    let saved = store.save_article(new).await?;
    let version = saved.map_err(|current| EditError::Conflict(current.map(Box::new)))?;
    apply(index, article, state).await?;
    let action = format!("article_{state}");
    crate::audit::record(
        store,
        author,
        &action,
        &article.id,
        &format!("version {version}: {reason}"),
    )
    .await?;
    Ok(version)
}

/// Puts the article in this instance's index, or takes it out. On a blocking thread: a
/// Tantivy commit (and, with the embedding model, embedding the article) takes tens of
/// milliseconds that must not hold up the requests sharing this runtime.
async fn apply(
    index: &Arc<KnowledgeIndex>,
    article: &Article,
    state: &str,
) -> Result<(), EditError> {
    let (index, article, publish) = (index.clone(), article.clone(), state == "published");
    tokio::task::spawn_blocking(move || {
        if publish {
            index.upsert(&article)
        } else {
            index.remove(&article.id)
        }
    })
    .await
    .map_err(|e| EditError::Index(e.into()))?
    .map_err(EditError::Index)
}

/// Unpublishes an article (its history stays).
pub async fn unpublish(
    store: &dyn Store,
    index: &Arc<KnowledgeIndex>,
    id: &str,
    author: &str,
) -> Result<i64, EditError> {
    let row = store.article(id).await?.ok_or(EditError::NotFound)?;
    let article = parse(&row.document, now_ms()).map_err(EditError::Article)?;
    write(
        store,
        index,
        &article,
        "unpublished",
        &row.document,
        row.version,
        "unpublished",
        author,
    )
    .await
}

/// Publishes an earlier version again, as a new version.
pub async fn restore(
    store: &dyn Store,
    index: &Arc<KnowledgeIndex>,
    id: &str,
    version: i64,
    author: &str,
) -> Result<i64, EditError> {
    let row = store.article(id).await?.ok_or(EditError::NotFound)?;
    let old = store
        .article_versions(id)
        .await?
        .into_iter()
        .find(|v| v.version == version)
        .ok_or(EditError::NotFound)?;
    // Publishing it again is new input: the rules of today apply.
    let article = Article::parse(&old.document, now_ms()).map_err(EditError::Article)?;
    let reason = format!("restored version {version}");
    write(
        store,
        index,
        &article,
        "published",
        &old.document,
        row.version,
        &reason,
        author,
    )
    .await
}

/// Brings this instance's index in line with the database for one article (after another
/// instance published it, or at start).
pub async fn sync(
    store: &dyn Store,
    index: &Arc<KnowledgeIndex>,
    id: &str,
) -> Result<(), EditError> {
    let Some(row) = store.article(id).await? else {
        return Ok(());
    };
    let article = parse(&row.document, row.updated_at).map_err(EditError::Article)?;
    apply(index, &article, &row.state).await
}

/// At start: articles edited in the console override files with the same id. A document
/// that cannot be read at all is left out with a warning naming it, rather than keeping the
/// whole help centre from starting.
pub async fn load_all(store: &dyn Store, index: &Arc<KnowledgeIndex>) -> Result<usize, EditError> {
    let rows = store.articles().await?;
    for row in &rows {
        match sync(store, index, &row.id).await {
            Err(e @ (EditError::Invalid(_) | EditError::Article(_) | EditError::NoPassage)) => {
                tracing::warn!(article = %row.id, reason = %e, "stored article left out of the answers");
            }
            other => other?,
        }
    }
    Ok(rows.len())
}

/// The input form of an article (for saving it through the editor).
pub fn input_of(a: &Article) -> ArticleInput {
    ArticleInput {
        id: a.id.clone(),
        title: a.title.clone(),
        lang: a.lang.code().to_string(),
        url: a.url.clone(),
        tags: a.tags.clone(),
        questions: a.questions.clone(),
        body: a.body.clone(),
        state: published(),
    }
}

/// `candor kb import DIR`: every valid article of the directory becomes a new published
/// version (unchanged articles are skipped); returns (saved, unchanged, problems).
pub async fn import_dir(
    store: &dyn Store,
    index: &Arc<KnowledgeIndex>,
    dir: &std::path::Path,
    author: &str,
) -> anyhow::Result<(usize, usize, Vec<String>)> {
    let report = super::loader::load_dir(dir)?;
    let (mut saved, mut unchanged) = (0, 0);
    for article in &report.articles {
        let input = input_of(article);
        let current = store.article(&article.id).await?;
        if current
            .as_ref()
            .is_some_and(|c| c.state == "published" && c.document == to_document(&input))
        {
            unchanged += 1;
            continue;
        }
        let expected = current.map_or(0, |c| c.version);
        save(
            store,
            index,
            &input,
            expected,
            "imported from files",
            author,
        )
        .await?;
        saved += 1;
    }
    let problems = report
        .problems
        .iter()
        .map(|p| format!("{}: {}", p.path.display(), p.reason))
        .collect();
    Ok((saved, unchanged, problems))
}

/// `candor kb export DIR`: writes every published edited article as `<id>.md`.
pub async fn export_dir(store: &dyn Store, dir: &std::path::Path) -> anyhow::Result<usize> {
    std::fs::create_dir_all(dir)?;
    let mut n = 0;
    for row in store
        .articles()
        .await?
        .iter()
        .filter(|r| r.state == "published")
    {
        std::fs::write(dir.join(format!("{}.md", row.id)), &row.document)?;
        n += 1;
    }
    Ok(n)
}

/// Loads the operators' synonym rules from the database into this instance's index.
pub async fn load_synonyms(store: &dyn Store, index: &KnowledgeIndex) -> Result<usize, EditError> {
    let rules: Vec<super::query::Entry> = store
        .synonyms()
        .await?
        .into_iter()
        .filter_map(|(l, p, e)| super::Lang::parse(&l).map(|l| (l, p, e)))
        .collect();
    index.set_operator_synonyms(&rules);
    Ok(rules.len())
}

/// Where an article's current text lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Saved in the console (the database): this wins over a file with the same id.
    Editor,
    /// Only in the knowledge dir; the first save in the console makes version 1.
    Files,
}

impl Source {
    /// How the operator pages name it.
    pub fn label(self) -> &'static str {
        match self {
            Source::Editor => "console",
            Source::Files => "files",
        }
    }
}

/// An article as the editor shows it: its text and where it stands.
#[derive(Debug, Clone)]
pub struct Current {
    pub input: ArticleInput,
    /// 0 for an article that only exists as a file.
    pub version: i64,
    /// `published`, `draft` or `unpublished`.
    pub state: String,
    pub updated_at: i64,
    pub updated_by: String,
    pub source: Source,
}

impl Current {
    /// The current state of an article saved in the console.
    pub fn of_row(row: &ArticleRow) -> Option<Current> {
        let article = parse(&row.document, row.updated_at).ok()?;
        let mut input = input_of(&article);
        input.state = row.state.clone();
        Some(Current {
            input,
            version: row.version,
            state: row.state.clone(),
            updated_at: row.updated_at,
            updated_by: row.updated_by.clone(),
            source: Source::Editor,
        })
    }

    fn of_file(article: &Article) -> Current {
        Current {
            input: input_of(article),
            version: 0,
            state: published(),
            updated_at: article.updated_at,
            updated_by: "files".into(),
            source: Source::Files,
        }
    }
}

/// What an operator searches the article list for. Empty fields do not filter.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filter {
    /// Words that must all appear in the id, title, tags, example questions or body.
    pub q: Option<String>,
    pub lang: Option<String>,
    pub tag: Option<String>,
    pub state: Option<String>,
}

impl Filter {
    /// A filter that could only ever match nothing (`lang=zz`, `state=weird`) is a mistake
    /// worth saying, not an empty list.
    pub fn check(&self) -> Result<(), &'static str> {
        let set = |v: &Option<String>| v.clone().filter(|v| !v.trim().is_empty());
        if set(&self.lang).is_some_and(|l| super::Lang::parse(&l).is_none()) {
            return Err("lang is fr or en.");
        }
        if set(&self.state)
            .is_some_and(|s| !matches!(s.trim(), "published" | "draft" | "unpublished"))
        {
            return Err("state is published, draft or unpublished.");
        }
        Ok(())
    }

    /// Whether an article passes the filter.
    pub fn keeps(&self, c: &Current) -> bool {
        fn set(v: &Option<String>) -> Option<&str> {
            v.as_deref().map(str::trim).filter(|v| !v.is_empty())
        }
        let a = &c.input;
        // `fr`, `FR` and `fr-CA` all mean French, as everywhere else.
        let lang = set(&self.lang).map(|l| super::Lang::parse(l).map_or(l, |l| l.code()));
        if lang.is_some_and(|l| !a.lang.eq_ignore_ascii_case(l))
            || set(&self.state).is_some_and(|s| c.state != s)
            || set(&self.tag).is_some_and(|t| !a.tags.iter().any(|x| x.eq_ignore_ascii_case(t)))
        {
            return false;
        }
        let Some(q) = set(&self.q) else { return true };
        let haystack = format!(
            "{}\n{}\n{}\n{}\n{}",
            a.id,
            a.title,
            a.tags.join(" "),
            a.questions.join("\n"),
            a.body
        )
        .to_lowercase();
        q.to_lowercase()
            .split_whitespace()
            .all(|w| haystack.contains(w))
    }
}

/// The current text of one article: the console's version, else the knowledge dir's.
pub async fn current(
    store: &dyn Store,
    index: &Arc<KnowledgeIndex>,
    id: &str,
) -> Result<Option<Current>, EditError> {
    if let Some(row) = store.article(id).await? {
        return Ok(Current::of_row(&row));
    }
    Ok(index.live_article(id).as_ref().map(Current::of_file))
}

/// Every article — edited in the console in any state, or only in files — that passes the
/// filter, sorted by id.
pub async fn list(
    store: &dyn Store,
    index: &Arc<KnowledgeIndex>,
    filter: &Filter,
) -> Result<Vec<Current>, EditError> {
    let rows = store.articles().await?;
    let edited: std::collections::HashSet<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let mut all: Vec<Current> = rows.iter().filter_map(Current::of_row).collect();
    all.extend(
        index
            .live_articles()
            .iter()
            .filter(|a| !edited.contains(a.id.as_str()))
            .map(Current::of_file),
    );
    all.retain(|c| filter.keeps(c));
    all.sort_by(|a, b| a.input.id.cmp(&b.input.id));
    Ok(all)
}

/// Checks a draft the way a save would, without saving it: the article the preview uses.
pub fn draft_article(input: &ArticleInput) -> Result<Article, EditError> {
    Article::parse(&to_document(input), now_ms()).map_err(EditError::Article)
}
