//! Typo and accent tolerance.
//!
//! Each language keeps the words its articles use. A query word the help centre does not
//! know is replaced by the closest known word (edit distance 1, or 2 for long words), and a
//! word typed without accents gets them back ("delai" -> "délai") so it stems like the text.
//! Corrections are reported so the why record can say "I read 'livrason' as 'livraison'".

use std::collections::HashMap;

/// Lowercases and removes French diacritics (é -> e, œ -> oe).
pub fn fold(word: &str) -> String {
    folded(word).collect()
}

/// `fold` as an iterator, for comparisons that should not allocate.
pub fn folded(word: &str) -> impl Iterator<Item = char> + '_ {
    word.chars().flat_map(char::to_lowercase).flat_map(|c| {
        let (first, second) = match c {
            'à' | 'â' | 'ä' | 'á' => ('a', None),
            'é' | 'è' | 'ê' | 'ë' => ('e', None),
            'î' | 'ï' | 'í' => ('i', None),
            'ô' | 'ö' | 'ó' => ('o', None),
            'ù' | 'û' | 'ü' | 'ú' => ('u', None),
            'ç' => ('c', None),
            'ñ' => ('n', None),
            'ÿ' => ('y', None),
            'œ' => ('o', Some('e')),
            'æ' => ('a', Some('e')),
            _ => (c, None),
        };
        std::iter::once(first).chain(second)
    })
}

/// Splits text into words the way the index tokenizer does (on non-alphanumerics).
pub fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
}

/// Words known in one language: folded form -> (occurrences, most common written form).
#[derive(Debug, Default, Clone)]
pub struct Vocabulary {
    words: HashMap<String, (u32, String)>,
}

impl Vocabulary {
    /// Adds every word of a text.
    pub fn add_text(&mut self, text: &str) {
        for w in words(text) {
            if w.chars().count() < 3 || w.chars().all(|c| c.is_ascii_digit()) {
                continue;
            }
            let lower = w.to_lowercase();
            let entry = self.words.entry(fold(&lower)).or_insert((0, lower.clone()));
            entry.0 += 1;
            // Prefer the accented spelling: it is how the articles write it. Between two
            // of one length, the first in alphabetical order, so the order articles are
            // read in does not matter.
            if (lower.len(), std::cmp::Reverse(&lower))
                > (entry.1.len(), std::cmp::Reverse(&entry.1))
            {
                entry.1 = lower;
            }
        }
    }

    /// Number of distinct words.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// Whether no word is known.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// The written form to search for `word`: itself, its accented form, or the closest
    /// known word. `None` when nothing is close enough (the word stays as typed). Questions
    /// use `lookup` and `closest` apart (a known stem skips `closest`); the tests of both
    /// read them through this.
    #[cfg(test)]
    fn resolve(&self, word: &str) -> Option<&str> {
        self.lookup(word).or_else(|| self.closest(word))
    }

    /// The word as the articles write it (accents and all), when they use it.
    pub fn lookup(&self, word: &str) -> Option<&str> {
        self.words
            .get(&fold(word))
            .map(|(_, surface)| surface.as_str())
    }

    /// The closest other word the articles use, for a word they do not: a typo's
    /// correction. `None` when nothing is close enough.
    pub fn closest(&self, word: &str) -> Option<&str> {
        let folded = fold(word);
        let len = folded.chars().count();
        // Short words are too easily "corrected" into another real word the help centre
        // happens to use (joke -> poke, donne -> données).
        if len < 6 || folded.chars().any(|c| c.is_ascii_digit()) {
            return None;
        }
        let max = if len >= 9 { 2 } else { 1 };
        let query: Vec<char> = folded.chars().collect();
        let mut best: Option<(usize, u32, &str, &str)> = None;
        for (known, (count, surface)) in &self.words {
            let klen = known.chars().count();
            if klen < 6 || klen.abs_diff(len) > max {
                continue;
            }
            let Some(d) = bounded_distance(&query, known, max) else {
                continue;
            };
            // Closest first, then the most used, then the first in alphabetical order:
            // the map's order is random, and a tie must not make answers vary by run.
            let better = match best {
                None => true,
                Some((bd, bc, bk, _)) => {
                    (d, std::cmp::Reverse(*count), known.as_str()) < (bd, std::cmp::Reverse(bc), bk)
                }
            };
            if better {
                best = Some((d, *count, known.as_str(), surface));
            }
        }
        best.map(|(_, _, _, s)| s)
    }
}

/// Keyboard rows, QWERTY then AZERTY: visitors type on either.
const ROWS: [[&str; 3]; 2] = [
    ["qwertyuiop", "asdfghjkl", "zxcvbnm"],
    ["azertyuiop", "qsdfghjklm", "wxcvbn"],
];

/// Whether two letters are neighbours on a QWERTY or an AZERTY keyboard (same row side by
/// side, or the row below, which sits half a key to the right).
fn neighbours(a: char, b: char) -> bool {
    let at = |rows: &[&str; 3], c: char| {
        rows.iter()
            .enumerate()
            .find_map(|(r, row)| row.find(c).map(|i| (r, i)))
    };
    ROWS.iter().any(|rows| match (at(rows, a), at(rows, b)) {
        (Some((ra, ia)), Some((rb, ib))) if ra == rb => ia.abs_diff(ib) == 1,
        (Some((ra, ia)), Some((rb, ib))) if ra + 1 == rb => ib == ia || ib + 1 == ia,
        (Some((ra, ia)), Some((rb, ib))) if rb + 1 == ra => ia == ib || ia + 1 == ib,
        _ => false,
    })
}

/// What replacing one letter by another costs: 1 for a slip to a neighbouring key, 2 for
/// any other. A real word one far letter from a help-centre word is not a typo of it:
/// "better" is not "butter", "vendez" is not "rendez", "chance" is not "change".
fn substitution(a: char, b: char) -> usize {
    // Asked for every letter pair of every candidate word: read from a table made once.
    static TABLE: std::sync::OnceLock<[[bool; 26]; 26]> = std::sync::OnceLock::new();
    if a == b {
        return 0;
    }
    let table = TABLE.get_or_init(|| {
        let mut t = [[false; 26]; 26];
        for (i, x) in ('a'..='z').enumerate() {
            for (j, y) in ('a'..='z').enumerate() {
                t[i][j] = neighbours(x, y);
            }
        }
        t
    });
    let index = |c: char| c.is_ascii_lowercase().then(|| (c as u8 - b'a') as usize);
    match (index(a), index(b)) {
        (Some(i), Some(j)) if table[i][j] => 1,
        _ => 2,
    }
}

/// Optimal-string-alignment distance (Levenshtein plus adjacent transposition, with
/// substitutions weighed by `substitution`), or `None` when it exceeds `max`.
fn bounded_distance(a: &[char], b: &str, max: usize) -> Option<usize> {
    let b: Vec<char> = b.chars().collect();
    let (n, m) = (a.len(), b.len());
    let mut prev2 = vec![0usize; m + 1];
    let mut prev: Vec<usize> = (0..=m).collect();
    let mut cur = vec![0usize; m + 1];
    for i in 1..=n {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=m {
            let cost = substitution(a[i - 1], b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    Some(prev[m]).filter(|d| *d <= max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocab() -> Vocabulary {
        let mut v = Vocabulary::default();
        v.add_text("La livraison prend un délai de trois jours. Password reset, passport.");
        v
    }

    #[test]
    fn typos_resolve_to_the_closest_known_word() {
        let v = vocab();
        assert_eq!(v.resolve("livrason"), Some("livraison"));
        assert_eq!(v.resolve("pasword"), Some("password"));
        assert_eq!(v.resolve("Livriason"), Some("livraison"));
    }

    #[test]
    fn missing_accents_are_restored() {
        assert_eq!(vocab().resolve("delai"), Some("délai"));
    }

    #[test]
    fn unrelated_and_short_words_stay_unknown() {
        let v = vocab();
        assert_eq!(v.resolve("weather"), None);
        assert_eq!(v.resolve("jor"), None);
    }

    /// A slip to a neighbouring key is a typo; a far letter makes another word, which the
    /// visitor meant: "better" is not the help centre's "butter", nor "vendez" its "rendez".
    #[test]
    fn only_a_neighbouring_key_makes_a_one_letter_typo() {
        let mut v = Vocabulary::default();
        v.add_text("Butter, status, socket. Prenez rendez-vous.");
        assert_eq!(v.resolve("better"), None);
        assert_eq!(v.resolve("vendez"), None);
        assert_eq!(v.resolve("statud"), Some("status"), "d is next to s");
        assert_eq!(v.resolve("socker"), Some("socket"), "r is next to t");
        assert_eq!(v.resolve("sockets"), Some("socket"), "a letter too many");
        assert!(neighbours('a', 'z') && neighbours('q', 's') && !neighbours('e', 'u'));
    }

    /// Ties are settled the same way whatever order the words were met in (each map has
    /// its own random order): "reparez" is one letter from both "reparer" and "reparee".
    #[test]
    fn ties_resolve_the_same_way_every_time() {
        for i in 0..20 {
            let mut v = Vocabulary::default();
            let texts = ["Nous pouvons réparer le vélo.", "La roue est réparée."];
            for t in texts.iter().cycle().skip(i % 2).take(2) {
                v.add_text(t);
            }
            assert_eq!(v.resolve("reparez"), Some("réparée"), "run {i}");
        }
        for text in ["côlis colïs", "colïs côlis"] {
            let mut v = Vocabulary::default();
            v.add_text(text);
            assert_eq!(
                v.resolve("colis"),
                Some("colïs"),
                "same length: alphabetical first"
            );
        }
    }
}
