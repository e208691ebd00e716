//! Loads every `*.md` article under the knowledge dir.
//!
//! One bad file must never take the help centre down: each problem is reported with its
//! path and reason, and every other article still loads.

use super::article::{Article, MAX_ARTICLE_BYTES};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

/// A file that could not be loaded, and why.
#[derive(Debug, Clone)]
pub struct Problem {
    pub path: PathBuf,
    pub reason: String,
}

/// The articles that loaded and the files that did not.
#[derive(Debug, Default)]
pub struct LoadReport {
    pub articles: Vec<Article>,
    pub problems: Vec<Problem>,
}

/// Reads the directory recursively, in path order so duplicate reports are stable.
pub fn load_dir(dir: &Path) -> std::io::Result<LoadReport> {
    let mut files = Vec::new();
    collect_markdown(dir, &mut files)?;
    files.sort();
    let mut report = LoadReport::default();
    let mut seen = HashSet::new();
    for path in files {
        match load_file(&path) {
            Ok(article) if !seen.insert(article.id.clone()) => report.problems.push(Problem {
                path,
                reason: format!("duplicate id '{}' (first file wins)", article.id),
            }),
            Ok(article) => report.articles.push(article),
            Err(reason) => report.problems.push(Problem { path, reason }),
        }
    }
    Ok(report)
}

fn load_file(path: &Path) -> Result<Article, String> {
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if meta.len() as usize > MAX_ARTICLE_BYTES {
        return Err("file is larger than 1 MiB".into());
    }
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let text = String::from_utf8(bytes).map_err(|_| "file is not valid UTF-8".to_string())?;
    let modified = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_millis() as i64);
    Article::parse(&text, modified).map_err(|e| e.to_string())
}

fn collect_markdown(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_markdown(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "md") {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_files_are_reported_and_good_ones_still_load() {
        let dir = tempfile::tempdir().unwrap();
        let good = "---\nid: a\ntitle: A\nlang: en\n---\nBody.";
        std::fs::write(dir.path().join("a.md"), good).unwrap();
        std::fs::write(dir.path().join("b.md"), good).unwrap();
        std::fs::write(dir.path().join("c.md"), "no front matter").unwrap();
        std::fs::write(dir.path().join("notes.txt"), "ignored").unwrap();
        let report = load_dir(dir.path()).unwrap();
        assert_eq!(report.articles.len(), 1);
        assert_eq!(report.problems.len(), 2);
        assert!(report.problems[0].reason.contains("duplicate id 'a'"));
        assert!(report.problems[1].path.ends_with("c.md"));
    }
}
