//! An article's version history: every saved version with its author, reason and a line
//! diff against the version before it, long unchanged runs folded.

use super::console::{csrf_token, show};
use super::operator::{article, texts, when, OperatorPage};
use super::operator_text::OperatorText;
use super::AppState;
use crate::error::ApiError;
use crate::handoff::accounts::is_admin;
use crate::knowledge::diff;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

/// One line of a diff, ready for the template.
struct DiffLine {
    kind: &'static str,
    sign: &'static str,
    text: String,
}

/// Unchanged lines shown around each change; longer unchanged runs fold into one line.
const CONTEXT: usize = 2;

/// The diff as the page shows it: changes with a little context, the rest folded.
fn with_context(lines: &[diff::Line], t: &OperatorText) -> Vec<DiffLine> {
    let changed: Vec<usize> = (0..lines.len())
        .filter(|&i| !matches!(lines[i], diff::Line::Same(_)))
        .collect();
    let near = |i: usize| changed.iter().any(|&c| c.abs_diff(i) <= CONTEXT);
    let mut out = Vec::new();
    let mut folded = 0;
    for (i, l) in lines.iter().enumerate() {
        if !near(i) {
            folded += 1;
            continue;
        }
        if folded > 0 {
            out.push(DiffLine::folded(folded, t));
            folded = 0;
        }
        out.push(DiffLine {
            kind: l.kind(),
            sign: match l {
                diff::Line::Same(_) => " ",
                diff::Line::Added(_) => "+",
                diff::Line::Removed(_) => "−",
            },
            text: l.text().to_string(),
        });
    }
    if folded > 0 {
        out.push(DiffLine::folded(folded, t));
    }
    out
}

impl DiffLine {
    fn folded(n: usize, t: &OperatorText) -> DiffLine {
        DiffLine {
            kind: "folded",
            sign: "…",
            text: t.unchanged_lines(n),
        }
    }
}

/// One version in the history, with its changes against the version before it.
struct VersionView {
    version: i64,
    state: String,
    author: String,
    reason: String,
    created: String,
    added: usize,
    removed: usize,
    lines: Vec<DiffLine>,
}

#[derive(Template)]
#[template(path = "operator/history.html")]
struct HistoryPage {
    csrf: String,
    /// The page's texts, in the staff member's language.
    t: &'static OperatorText,
    email: String,
    /// Shows the admin pages in the menu.
    admin: bool,
    id: String,
    title: String,
    current: i64,
    versions: Vec<VersionView>,
}

/// Every saved version of an article, newest first, each with its diff.
pub(super) async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    OperatorPage(user): OperatorPage,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let a = &state.assistant;
    let current = article(&state, &id).await?;
    let saved = a.store.article_versions(&id).await?;
    let t = texts(&req);
    let mut versions = Vec::with_capacity(saved.len());
    let mut before = "";
    for v in &saved {
        let lines = diff::lines(before, &v.document);
        let (added, removed) = diff::counts(&lines);
        versions.push(VersionView {
            version: v.version,
            state: v.state.clone(),
            author: v.author.clone(),
            reason: v.reason.clone(),
            created: when(v.created_at),
            added,
            removed,
            lines: with_context(&lines, t),
        });
        before = &v.document;
    }
    versions.reverse();
    let csrf = csrf_token(&req);
    let page = HistoryPage {
        csrf: csrf.clone(),
        t,
        admin: is_admin(&user),
        email: user.email,
        id: id.into_inner(),
        title: current.input.title,
        current: current.version,
        versions,
    };
    Ok(show(&req, &page, csrf))
}

#[cfg(test)]
mod tests {
    use super::with_context;
    use crate::knowledge::diff;

    #[test]
    fn long_unchanged_runs_fold_around_the_changes() {
        let old: String = (1..=20).map(|i| format!("line {i}\n")).collect();
        let new = old.replace("line 10\n", "line ten\n");
        let en = crate::http::operator_text::operator_text(crate::knowledge::Lang::En);
        let shown: Vec<(String, String)> = with_context(&diff::lines(&old, &new), en)
            .into_iter()
            .map(|l| (l.kind.to_string(), l.text))
            .collect();
        let kinds: Vec<&str> = shown.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            kinds,
            ["folded", "same", "same", "removed", "added", "same", "same", "folded"]
        );
        assert_eq!(shown[0].1, "7 unchanged lines");
        assert_eq!(shown[7].1, "8 unchanged lines");
        let fr = crate::http::operator_text::operator_text(crate::knowledge::Lang::Fr);
        let folded = &with_context(&diff::lines(&old, &new), fr)[0];
        assert_eq!(folded.text, "7 lignes inchangées");
    }
}
