//! An article of the help centre and its front matter.
//!
//! The front matter is a small YAML subset (`key: value`, `key: [a, b]` and `- item` lists);
//! a dedicated parser keeps the dependency set small and its errors precise.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Languages the assistant serves; every visitor-facing text exists in each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Fr,
    En,
}

impl Lang {
    /// Every supported language, in a stable order.
    pub const ALL: [Lang; 2] = [Lang::Fr, Lang::En];

    /// Parses `fr`, `en`, or a tag like `fr-CA` / `en_GB`.
    pub fn parse(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "fr" => Some(Lang::Fr),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// Whether a stored language code is one the assistant does not answer in: a question
    /// written in German is stored as `de`, and is shown and counted as such.
    pub fn unanswered(code: &str) -> bool {
        Lang::parse(code).is_none()
    }

    /// The two-letter code.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }
}

/// One help-centre article as loaded from Markdown.
#[derive(Debug, Clone, Serialize)]
pub struct Article {
    pub id: String,
    pub title: String,
    pub lang: Lang,
    pub url: Option<String>,
    pub tags: Vec<String>,
    /// Example questions this article answers, indexed as extra evidence.
    pub questions: Vec<String>,
    pub body: String,
    /// Short content hash: changes whenever the title, body or metadata change.
    pub version: String,
    /// Milliseconds since the epoch of the last change (file modification time).
    pub updated_at: i64,
}

/// Largest article file accepted, in bytes.
pub const MAX_ARTICLE_BYTES: usize = 1024 * 1024;

/// Why a Markdown text is not a valid article.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArticleError {
    #[error("file is larger than 1 MiB")]
    TooLarge,
    #[error("no front matter: the file must start with a line '---'")]
    NoFrontMatter,
    #[error("front matter is not closed by a line '---'")]
    UnclosedFrontMatter,
    #[error("front matter line {0}: expected 'key: value'")]
    BadLine(usize),
    #[error("missing required field '{0}'")]
    Missing(&'static str),
    #[error("unknown language '{0}' (expected fr or en)")]
    UnknownLang(String),
    #[error("invalid id '{0}': use letters, digits, '-' and '_' only")]
    BadId(String),
    #[error("unknown front-matter field '{0}'")]
    UnknownField(String),
    #[error("the article body is empty")]
    EmptyBody,
    #[error("{0} is longer than {1} characters")]
    TooLong(&'static str, usize),
    #[error("more than {1} {0}")]
    TooMany(&'static str, usize),
    #[error(
        "url must start with https://, http:// or / (a path on the shop's site), without spaces"
    )]
    BadUrl,
}

impl ArticleError {
    /// The refusal as facts (a reason, the field it is about, the limit or line number), so
    /// the console can word it in the operator's language; the English text stays the
    /// message.
    pub fn reason(&self) -> (&'static str, Option<String>, Option<usize>) {
        use ArticleError::*;
        match self {
            TooLarge => ("too_large", None, Some(MAX_ARTICLE_BYTES)),
            NoFrontMatter => ("no_front_matter", None, None),
            UnclosedFrontMatter => ("unclosed_front_matter", None, None),
            BadLine(line) => ("bad_line", None, Some(*line)),
            Missing(f) => ("missing", Some((*f).to_string()), None),
            UnknownLang(_) => ("unknown_lang", Some("lang".into()), None),
            BadId(_) => ("bad_id", Some("id".into()), None),
            UnknownField(f) => ("unknown_field", Some(f.clone()), None),
            EmptyBody => ("empty_body", Some("body".into()), None),
            TooLong(f, n) => ("too_long", Some((*f).to_string()), Some(*n)),
            TooMany(f, n) => ("too_many", Some((*f).to_string()), Some(*n)),
            BadUrl => ("bad_url", Some("url".into()), None),
        }
    }
}

/// Limits on the front matter, far above what a help centre needs (the longest title
/// among the sample and bench articles is 51 characters), so that one article cannot
/// fill the widget, the index or the console.
const MAX_TITLE_CHARS: usize = 200;
const MAX_TAGS: usize = 50;
const MAX_QUESTIONS: usize = 200;
const MAX_ITEM_CHARS: usize = 500;
const MAX_URL_CHARS: usize = 2000;

/// A link visitors may follow from a citation: the widget puts it in an `href`, so a
/// `javascript:` or `data:` address would run in the shop's page. Absolute http(s), or a
/// path on the shop's own site.
fn url_ok(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://") || url.starts_with('/'))
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
        && url.chars().count() <= MAX_URL_CHARS
}

/// How strictly a document is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reading {
    /// New input (a file, an edit): every rule applies.
    New,
    /// A version the database already holds, accepted when an earlier Candor had fewer
    /// rules: the later rules (limits, the url's form) must not make it unreadable, or one
    /// upgrade would take the article out of the answers, the console and unpublishing.
    /// A url that is not a safe link is dropped instead, so the widget never links to it.
    Stored,
}

/// The limits on new input (see the constants above).
fn check_limits(title: &str, tags: &[String], questions: &[String]) -> Result<(), ArticleError> {
    if title.chars().count() > MAX_TITLE_CHARS {
        return Err(ArticleError::TooLong("title", MAX_TITLE_CHARS));
    }
    if tags.len() > MAX_TAGS {
        return Err(ArticleError::TooMany("tags", MAX_TAGS));
    }
    if questions.len() > MAX_QUESTIONS {
        return Err(ArticleError::TooMany("example questions", MAX_QUESTIONS));
    }
    if tags
        .iter()
        .chain(questions)
        .any(|t| t.chars().count() > MAX_ITEM_CHARS)
    {
        return Err(ArticleError::TooLong(
            "a tag or example question",
            MAX_ITEM_CHARS,
        ));
    }
    Ok(())
}

impl Article {
    /// Parses a Markdown file with its front matter.
    pub fn parse(text: &str, updated_at: i64) -> Result<Article, ArticleError> {
        Self::read(text, updated_at, Reading::New)
    }

    /// Parses a document the database holds (see [`Reading::Stored`]).
    pub fn parse_stored(text: &str, updated_at: i64) -> Result<Article, ArticleError> {
        Self::read(text, updated_at, Reading::Stored)
    }

    fn read(text: &str, updated_at: i64, reading: Reading) -> Result<Article, ArticleError> {
        if reading == Reading::New && text.len() > MAX_ARTICLE_BYTES {
            return Err(ArticleError::TooLarge);
        }
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut lines = text.lines();
        if lines.next().map(str::trim_end) != Some("---") {
            return Err(ArticleError::NoFrontMatter);
        }
        let mut front = Vec::new();
        let mut closed = false;
        for line in lines.by_ref() {
            if line.trim_end() == "---" {
                closed = true;
                break;
            }
            front.push(line);
        }
        if !closed {
            return Err(ArticleError::UnclosedFrontMatter);
        }
        let body = lines.collect::<Vec<_>>().join("\n").trim().to_string();
        let fields = parse_front_matter(&front)?;
        Self::from_fields(fields, body, updated_at, reading)
    }

    fn from_fields(
        fields: Vec<(String, FieldValue)>,
        body: String,
        updated_at: i64,
        reading: Reading,
    ) -> Result<Article, ArticleError> {
        let (mut id, mut title, mut lang, mut url) = (None, None, None, None);
        let (mut tags, mut questions) = (Vec::new(), Vec::new());
        for (key, value) in fields {
            match key.as_str() {
                "id" => id = Some(value.scalar()),
                "title" => title = Some(value.scalar()),
                "lang" => lang = Some(value.scalar()),
                "url" => url = Some(value.scalar()).filter(|u| !u.is_empty()),
                "tags" => tags = value.list(),
                "questions" => questions = value.list(),
                other => return Err(ArticleError::UnknownField(other.to_string())),
            }
        }
        let id = id
            .filter(|s| !s.is_empty())
            .ok_or(ArticleError::Missing("id"))?;
        if !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            || id.len() > 128
        {
            return Err(ArticleError::BadId(id));
        }
        let title = title
            .filter(|s| !s.is_empty())
            .ok_or(ArticleError::Missing("title"))?;
        let lang_text = lang.ok_or(ArticleError::Missing("lang"))?;
        let lang = Lang::parse(&lang_text).ok_or(ArticleError::UnknownLang(lang_text))?;
        if body.is_empty() {
            return Err(ArticleError::EmptyBody);
        }
        if reading == Reading::New {
            check_limits(&title, &tags, &questions)?;
        }
        if url.as_deref().is_some_and(|u| !url_ok(u)) {
            if reading == Reading::New {
                return Err(ArticleError::BadUrl);
            }
            tracing::warn!(article = %id, "stored url is not a safe link; the article is served without it");
            url = None;
        }
        let mut article = Article {
            id,
            title,
            lang,
            url,
            tags,
            questions,
            body,
            version: String::new(),
            updated_at,
        };
        article.version = article.content_hash();
        Ok(article)
    }

    /// First 12 hex digits of a SHA-256 over everything that shapes an answer.
    pub fn content_hash(&self) -> String {
        let mut h = Sha256::new();
        for part in [
            &self.id,
            &self.title,
            self.lang.code(),
            self.url.as_deref().unwrap_or(""),
        ] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        for part in self.tags.iter().chain(&self.questions) {
            h.update(part.as_bytes());
            h.update([1]);
        }
        h.update(self.body.as_bytes());
        let digest = h.finalize();
        digest.iter().take(6).map(|b| format!("{b:02x}")).collect()
    }
}

#[derive(Debug)]
enum FieldValue {
    Scalar(String),
    List(Vec<String>),
}

impl FieldValue {
    fn scalar(self) -> String {
        match self {
            FieldValue::Scalar(s) => s,
            FieldValue::List(items) => items.join(", "),
        }
    }
    fn list(self) -> Vec<String> {
        match self {
            FieldValue::Scalar(s) if s.is_empty() => Vec::new(),
            FieldValue::Scalar(s) => vec![s],
            FieldValue::List(items) => items,
        }
    }
}

fn parse_front_matter(lines: &[&str]) -> Result<Vec<(String, FieldValue)>, ArticleError> {
    let mut fields: Vec<(String, FieldValue)> = Vec::new();
    for (n, raw) in lines.iter().enumerate() {
        let line = strip_comment(raw);
        if line.trim().is_empty() {
            continue;
        }
        if let Some(item) = line.trim_start().strip_prefix("- ") {
            match fields.last_mut() {
                Some((_, FieldValue::List(items))) => items.push(unquote(item)),
                Some((_, v)) if matches!(&*v, FieldValue::Scalar(s) if s.is_empty()) => {
                    *v = FieldValue::List(vec![unquote(item)])
                }
                _ => return Err(ArticleError::BadLine(n + 2)),
            }
            continue;
        }
        let (key, value) = line.split_once(':').ok_or(ArticleError::BadLine(n + 2))?;
        let key = key.trim();
        if key.is_empty() || key.contains(' ') {
            return Err(ArticleError::BadLine(n + 2));
        }
        let value = value.trim();
        let parsed = match value.strip_prefix('[').and_then(|v| v.strip_suffix(']')) {
            Some(inner) => FieldValue::List(
                inner
                    .split(',')
                    .map(unquote)
                    .filter(|s| !s.is_empty())
                    .collect(),
            ),
            None => FieldValue::Scalar(unquote(value)),
        };
        fields.push((key.to_string(), parsed));
    }
    Ok(fields)
}

/// Removes a `# comment` that follows whitespace (a `#` inside a URL fragment is kept).
fn strip_comment(line: &str) -> &str {
    match line.find(" #") {
        Some(i) if !line[..i].contains('"') => &line[..i],
        _ => line,
    }
}

fn unquote(s: &str) -> String {
    let s = s.trim();
    let inner = s
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .or_else(|| s.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')));
    inner.unwrap_or(s).trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "---\nid: fr-livraison\ntitle: Délais de livraison\nlang: fr\nurl: https://aide.example/fr/livraison\ntags: [livraison, colis]   # optional\nquestions:\n  - Quand arrive mon colis ?\n---\n## Délais\nTrois jours.\n";

    #[test]
    fn a_complete_article_parses_with_lists_and_a_version() {
        let a = Article::parse(GOOD, 0).unwrap();
        assert_eq!(a.id, "fr-livraison");
        assert_eq!(a.lang, Lang::Fr);
        assert_eq!(a.tags, vec!["livraison", "colis"]);
        assert_eq!(a.questions, vec!["Quand arrive mon colis ?"]);
        assert_eq!(a.body, "## Délais\nTrois jours.");
        assert_eq!(a.version.len(), 12);
    }

    #[test]
    fn bad_articles_name_their_problem() {
        assert_eq!(
            Article::parse("# no front", 0).unwrap_err(),
            ArticleError::NoFrontMatter
        );
        let no_lang = GOOD.replace("lang: fr", "lang: de");
        assert_eq!(
            Article::parse(&no_lang, 0).unwrap_err(),
            ArticleError::UnknownLang("de".into())
        );
        let empty = "---\nid: a\ntitle: T\nlang: en\n---\n\n";
        assert_eq!(
            Article::parse(empty, 0).unwrap_err(),
            ArticleError::EmptyBody
        );
        let big = format!("{GOOD}{}", "x".repeat(MAX_ARTICLE_BYTES));
        assert_eq!(Article::parse(&big, 0).unwrap_err(), ArticleError::TooLarge);
    }

    /// A citation's link goes into the widget's `href`: only web addresses and paths.
    #[test]
    fn links_that_would_run_code_and_oversized_fields_are_refused() {
        let with_url = |u: &str| GOOD.replace("https://aide.example/fr/livraison", u);
        for bad in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "data:text/html,<script>x</script>",
            "vbscript:x",
            "https://a.example/ x",
        ] {
            assert_eq!(
                Article::parse(&with_url(bad), 0).unwrap_err(),
                ArticleError::BadUrl,
                "{bad}"
            );
        }
        for good in [
            "https://aide.example/fr/livraison",
            "HTTP://a.example",
            "/aide/livraison",
        ] {
            assert!(Article::parse(&with_url(good), 0).is_ok(), "{good}");
        }
        let long_title = GOOD.replace("Délais de livraison", &"t".repeat(201));
        assert_eq!(
            Article::parse(&long_title, 0).unwrap_err(),
            ArticleError::TooLong("title", 200)
        );
        let tags: Vec<String> = (0..51).map(|i| format!("t{i}")).collect();
        let many = GOOD.replace("[livraison, colis]", &format!("[{}]", tags.join(", ")));
        assert_eq!(
            Article::parse(&many, 0).unwrap_err(),
            ArticleError::TooMany("tags", 50)
        );
    }

    /// What an earlier Candor stored stays readable: served without the unsafe link, its
    /// over-long title kept (the next edit must shorten it).
    #[test]
    fn stored_versions_are_read_under_the_rules_they_were_saved_with() {
        let stored = GOOD
            .replace("https://aide.example/fr/livraison", "javascript:alert(1)")
            .replace("Délais de livraison", &"t".repeat(201));
        assert!(Article::parse(&stored, 0).is_err());
        let a = Article::parse_stored(&stored, 0).unwrap();
        assert_eq!(a.url, None);
        assert_eq!(a.title.chars().count(), 201);
        let no_scheme = GOOD.replace("https://aide.example/fr/livraison", "www.shop.example/aide");
        assert_eq!(Article::parse_stored(&no_scheme, 0).unwrap().url, None);
        assert_eq!(
            Article::parse_stored(GOOD, 0).unwrap().url.as_deref(),
            Some("https://aide.example/fr/livraison")
        );
        // What was never accepted stays refused.
        let no_lang = GOOD.replace("lang: fr\n", "");
        assert_eq!(
            Article::parse_stored(&no_lang, 0).unwrap_err(),
            ArticleError::Missing("lang")
        );
    }

    #[test]
    fn the_version_changes_when_the_body_changes() {
        let a = Article::parse(GOOD, 0).unwrap();
        let b = Article::parse(&GOOD.replace("Trois", "Quatre"), 0).unwrap();
        assert_ne!(a.version, b.version);
    }
}
