//! Line diff between two versions of an article, for the editor's history page.
//!
//! A plain longest-common-subsequence diff: articles are at most a few thousand lines, and
//! an operator reads the result, so clarity beats cleverness. Beyond `MAX_CELLS` the diff
//! falls back to "all removed, all added" rather than spend seconds on it.

/// One line of a diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    Same(String),
    Added(String),
    Removed(String),
}

impl Line {
    /// `same`, `added` or `removed` (the CSS class and the screen-reader label).
    pub fn kind(&self) -> &'static str {
        match self {
            Line::Same(_) => "same",
            Line::Added(_) => "added",
            Line::Removed(_) => "removed",
        }
    }

    /// The line's text.
    pub fn text(&self) -> &str {
        match self {
            Line::Same(t) | Line::Added(t) | Line::Removed(t) => t,
        }
    }
}

/// Largest table the LCS may fill (old lines × new lines).
const MAX_CELLS: usize = 4_000_000;

/// The lines of `new` compared with `old`, in reading order.
pub fn lines(old: &str, new: &str) -> Vec<Line> {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    // Common head and tail need no table.
    let head = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let tail = a[head..]
        .iter()
        .rev()
        .zip(b[head..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (ma, mb) = (&a[head..a.len() - tail], &b[head..b.len() - tail]);
    let mut out: Vec<Line> = a[..head]
        .iter()
        .map(|l| Line::Same(l.to_string()))
        .collect();
    if ma.len().saturating_mul(mb.len()) > MAX_CELLS {
        out.extend(ma.iter().map(|l| Line::Removed(l.to_string())));
        out.extend(mb.iter().map(|l| Line::Added(l.to_string())));
    } else {
        out.extend(middle(ma, mb));
    }
    out.extend(
        a[a.len() - tail..]
            .iter()
            .map(|l| Line::Same(l.to_string())),
    );
    out
}

fn middle(a: &[&str], b: &[&str]) -> Vec<Line> {
    let (n, m) = (a.len(), b.len());
    // lcs[i][j] = length of the LCS of a[i..] and b[j..].
    let mut lcs = vec![0u32; (n + 1) * (m + 1)];
    let at = |i: usize, j: usize| i * (m + 1) + j;
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[at(i, j)] = if a[i] == b[j] {
                lcs[at(i + 1, j + 1)] + 1
            } else {
                lcs[at(i + 1, j)].max(lcs[at(i, j + 1)])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::with_capacity(n + m));
    while i < n && j < m {
        if a[i] == b[j] {
            out.push(Line::Same(a[i].to_string()));
            i += 1;
            j += 1;
        } else if lcs[at(i + 1, j)] >= lcs[at(i, j + 1)] {
            out.push(Line::Removed(a[i].to_string()));
            i += 1;
        } else {
            out.push(Line::Added(b[j].to_string()));
            j += 1;
        }
    }
    out.extend(a[i..].iter().map(|l| Line::Removed(l.to_string())));
    out.extend(b[j..].iter().map(|l| Line::Added(l.to_string())));
    out
}

/// How many lines were added and removed.
pub fn counts(diff: &[Line]) -> (usize, usize) {
    diff.iter().fold((0, 0), |(a, r), l| match l {
        Line::Added(_) => (a + 1, r),
        Line::Removed(_) => (a, r + 1),
        Line::Same(_) => (a, r),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(d: &[Line]) -> String {
        d.iter()
            .map(|l| match l {
                Line::Same(t) => format!(" {t}"),
                Line::Added(t) => format!("+{t}"),
                Line::Removed(t) => format!("-{t}"),
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn a_changed_line_is_one_removal_and_one_addition() {
        let d = lines("a\nb\nc", "a\nB\nc");
        assert_eq!(render(&d), " a\n-b\n+B\n c");
        assert_eq!(counts(&d), (1, 1));
    }

    #[test]
    fn insertions_and_deletions_keep_common_lines() {
        let d = lines("one\ntwo\nthree\nfour", "zero\none\nthree\nfour\nfive");
        assert_eq!(render(&d), "+zero\n one\n-two\n three\n four\n+five");
    }

    #[test]
    fn identical_and_empty_texts() {
        assert_eq!(counts(&lines("x\ny", "x\ny")), (0, 0));
        assert_eq!(render(&lines("", "new")), "+new");
        assert_eq!(render(&lines("old", "")), "-old");
    }

    #[test]
    fn huge_rewrites_fall_back_without_a_table() {
        let old: String = (0..2500).map(|i| format!("o{i}\n")).collect();
        let new: String = (0..2500).map(|i| format!("n{i}\n")).collect();
        assert_eq!(counts(&lines(&old, &new)), (2500, 2500));
    }
}
