//! Splits an article into passages: the unit the assistant retrieves and quotes.
//!
//! A passage is a section (heading and its paragraphs). Long sections are cut at paragraph
//! boundaries so the quoted reply stays short enough to read in a chat bubble.

/// Sections longer than this many characters are split at paragraph boundaries.
const MAX_PASSAGE_CHARS: usize = 900;

/// One answerable piece of an article.
#[derive(Debug, Clone, PartialEq)]
pub struct Passage {
    /// Position in the article, from 0.
    pub ordinal: usize,
    /// The section heading, without `#` marks (empty before the first heading).
    pub heading: String,
    /// Plain text of the paragraphs, Markdown emphasis and link syntax removed.
    pub text: String,
}

/// Splits a Markdown body into passages.
pub fn split(body: &str) -> Vec<Passage> {
    let mut out = Vec::new();
    let mut heading = String::new();
    let mut paragraphs: Vec<String> = Vec::new();
    let mut current = String::new();
    for line in body.lines() {
        let trimmed = line.trim();
        if let Some(h) = trimmed.strip_prefix('#') {
            flush_paragraph(&mut current, &mut paragraphs);
            flush_section(&heading, &mut paragraphs, &mut out);
            heading = plain(h.trim_start_matches('#').trim());
        } else if trimmed.is_empty() {
            flush_paragraph(&mut current, &mut paragraphs);
        } else {
            if !current.is_empty() {
                current.push('\n');
            }
            current.push_str(&plain(trimmed));
        }
    }
    flush_paragraph(&mut current, &mut paragraphs);
    flush_section(&heading, &mut paragraphs, &mut out);
    for (i, p) in out.iter_mut().enumerate() {
        p.ordinal = i;
    }
    out
}

fn flush_paragraph(current: &mut String, paragraphs: &mut Vec<String>) {
    if !current.trim().is_empty() {
        paragraphs.push(std::mem::take(current));
    }
    current.clear();
}

fn flush_section(heading: &str, paragraphs: &mut Vec<String>, out: &mut Vec<Passage>) {
    let mut text = String::new();
    for p in paragraphs.drain(..) {
        if !text.is_empty() && text.len() + p.len() > MAX_PASSAGE_CHARS {
            out.push(Passage {
                ordinal: 0,
                heading: heading.to_string(),
                text: std::mem::take(&mut text),
            });
        }
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(&p);
    }
    if !text.is_empty() {
        out.push(Passage {
            ordinal: 0,
            heading: heading.to_string(),
            text,
        });
    }
}

/// Strips the Markdown a chat bubble cannot show: emphasis, inline code, link targets.
pub fn plain(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' | '_' | '`' => {}
            ']' if chars.peek() == Some(&'(') => {
                for c in chars.by_ref() {
                    if c == ')' {
                        break;
                    }
                }
            }
            '[' => {}
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_become_passages_with_their_headings() {
        let body = "Intro text.\n\n## Délais\nLivraison en **3 jours**.\n\nSuite.\n## Frais\nVoir [la grille](https://x).";
        let p = split(body);
        assert_eq!(p.len(), 3);
        assert_eq!(p[0].heading, "");
        assert_eq!(p[1].heading, "Délais");
        assert_eq!(p[1].text, "Livraison en 3 jours.\n\nSuite.");
        assert_eq!(p[2].text, "Voir la grille.");
        assert_eq!(p[2].ordinal, 2);
    }

    #[test]
    fn long_sections_are_cut_at_paragraph_boundaries() {
        let para = "mot ".repeat(150);
        let body = format!("## H\n{para}\n\n{para}\n\n{para}");
        let p = split(&body);
        assert!(p.len() >= 2);
        assert!(p.iter().all(|p| p.heading == "H"));
    }
}
