//! "It never came": the commonest complaint of a shop's chat, read for what it is.
//!
//! "Je n'ai jamais reçu ma commande", "my parcel hasn't arrived": searched word by word,
//! "reçu" and "arrived" find the articles where things *did* arrive — "arrivé endommagé",
//! "une fois le colis reçu" — and the damaged-item or cancellation article was answered. A
//! word of arriving or receiving right after a negation is therefore not searched itself;
//! the question searches the words help centres use for a missing parcel instead (tracking,
//! investigation), as a synonym (see `query::synonyms`). Other negated words are searched as
//! usual: "je ne peux pas me connecter" is about connecting.

use super::article::Lang;
use super::spelling;

/// Words of arriving or receiving, folded (no accents). Not "come": "I can't come to the
/// shop" is no parcel.
const ARRIVAL: &[(Lang, &[&str])] = &[
    (
        Lang::Fr,
        &[
            "recu", "recue", "recus", "recues", "arrive", "arrivee", "arrives", "arrivees",
            "livre", "livree", "livres", "livrees",
        ],
    ),
    (
        Lang::En,
        &[
            "received",
            "receive",
            "arrived",
            "arrive",
            "got",
            "delivered",
            "came",
        ],
    ),
];

/// Negations, folded; "t" is what is left of "n't" once words are split at apostrophes.
const NEGATION: &[(Lang, &[&str])] = &[
    (Lang::Fr, &["pas", "jamais", "non", "rien"]),
    (Lang::En, &["not", "never", "t", "nothing"]),
];

/// Words a negation may stand before without ending it: "pas encore reçu", "not yet arrived".
const BETWEEN: &[(Lang, &[&str])] = &[
    (Lang::Fr, &["encore", "toujours", "ete", "du", "bien"]),
    (Lang::En, &["yet", "still", "been", "even", "ever"]),
];

/// What a question about a missing parcel searches, in each language.
pub fn missing_parcel_words(lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => "suivi enquête",
        Lang::En => "tracking investigation",
    }
}

fn of(table: &'static [(Lang, &'static [&'static str])], lang: Lang) -> &'static [&'static str] {
    table
        .iter()
        .find(|(l, _)| *l == lang)
        .map_or(&[], |(_, words)| words)
}

/// For each word of `spelling::words(question)`, whether it belongs to "not arrived": a word
/// of arriving or receiving, the negation before it and the words between ("pas encore").
/// The negation goes too: "jamais" is rare in a help centre, and searched it makes the
/// tracking article look like it misses most of the question.
pub fn negated_arrivals(lang: Lang, question: &str) -> Vec<bool> {
    let (arrival, negation, between) = (of(ARRIVAL, lang), of(NEGATION, lang), of(BETWEEN, lang));
    let folded: Vec<String> = spelling::words(question).map(spelling::fold).collect();
    let mut flags = vec![false; folded.len()];
    for i in 0..folded.len() {
        if !arrival.contains(&folded[i].as_str()) {
            continue;
        }
        let start = folded[..i]
            .iter()
            .rposition(|w| !between.contains(&w.as_str()));
        if let Some(mut n) = start.filter(|&n| negation.contains(&folded[n].as_str())) {
            // "hasn't": the "hasn" before the "t"; "toujours pas reçu", "still not arrived":
            // the words before the negation.
            if folded[n] == "t" && n > 0 {
                n -= 1;
            }
            while n > 0 && between.contains(&folded[n - 1].as_str()) {
                n -= 1;
            }
            flags[n..=i].iter_mut().for_each(|f| *f = true);
        }
    }
    flags
}

/// The first "not arrived" of a question as the visitor typed it ("hasn't arrived"), from
/// its `negated_arrivals` flags, for the why record: the visitor is told how their words
/// were read.
pub fn missing_parcel<'q>(question: &'q str, flags: &[bool]) -> Option<&'q str> {
    let words: Vec<&str> = spelling::words(question).take(flags.len()).collect();
    let first = flags.iter().position(|f| *f)?;
    let last = first + flags[first..].iter().take_while(|f| **f).count() - 1;
    let offset = |w: &str| w.as_ptr() as usize - question.as_ptr() as usize;
    Some(&question[offset(words[first])..offset(words[last]) + words[last].len()])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn negated(lang: Lang, question: &str) -> Vec<String> {
        let flags = negated_arrivals(lang, question);
        spelling::words(question)
            .zip(flags)
            .filter(|(_, n)| *n)
            .map(|(w, _)| w.to_string())
            .collect()
    }

    #[test]
    fn arriving_after_a_negation_is_found_in_both_languages() {
        let cases: [(Lang, &str, &[&str]); 6] = [
            (
                Lang::Fr,
                "je n'ai jamais reçu ma commande",
                &["jamais", "reçu"],
            ),
            (
                Lang::Fr,
                "colis pas encore arrivé",
                &["pas", "encore", "arrivé"],
            ),
            (
                Lang::Fr,
                "toujours pas reçue, la lampe",
                &["toujours", "pas", "reçue"],
            ),
            (
                Lang::En,
                "my parcel hasn't arrived",
                &["hasn", "t", "arrived"],
            ),
            (Lang::En, "not yet received", &["not", "yet", "received"]),
            (Lang::En, "it never came", &["never", "came"]),
        ];
        for (lang, question, expected) in cases {
            assert_eq!(negated(lang, question), expected, "{question}");
        }
        let typed = |lang, q| missing_parcel(q, &negated_arrivals(lang, q));
        assert_eq!(
            typed(Lang::En, "Hi, my parcel hasn't arrived!"),
            Some("hasn't arrived")
        );
        assert_eq!(typed(Lang::Fr, "où est mon colis"), None);
    }

    #[test]
    fn other_negated_words_and_plain_arrivals_are_left_alone() {
        assert!(negated(Lang::Fr, "je ne peux pas me connecter").is_empty());
        assert!(negated(Lang::Fr, "ma lampe est arrivée cassée").is_empty());
        assert!(negated(Lang::En, "it arrived damaged, not working").is_empty());
        assert!(negated(Lang::En, "I received the wrong item").is_empty());
        assert!(negated(Lang::En, "I can't come to the shop").is_empty());
    }
}
