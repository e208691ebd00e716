//! Guesses a question's language: when the conversation has no locale, or when a question is
//! clearly in the other language than the page's.
//!
//! Counting very common function words and French diacritics is enough for chat questions
//! and costs nothing; a question with no evidence either way gets `None`.

use crate::knowledge::spelling::{fold, words};
use crate::knowledge::Lang;

const FR: &[&str] = &[
    "le",
    "la",
    "les",
    "des",
    "du",
    "un",
    "une",
    "et",
    "est",
    "je",
    "mon",
    "ma",
    "mes",
    "vous",
    "votre",
    "pour",
    "pas",
    "avec",
    "comment",
    "combien",
    "quand",
    "pourquoi",
    "ou",
    "bonjour",
    "merci",
    "commande",
    "livraison",
    "colis",
    "puis",
    "peux",
    "faire",
    "sur",
    "dans",
    "que",
    "qui",
    "quel",
    "quelle",
    "mot",
    "passe",
    "remboursement",
    "compte",
    "ne",
    "au",
    "aux",
];
const EN: &[&str] = &[
    "the", "a", "an", "and", "is", "are", "i", "my", "you", "your", "for", "not", "with", "how",
    "what", "when", "why", "where", "can", "do", "does", "hello", "thanks", "order", "delivery",
    "parcel", "to", "of", "in", "on", "it", "refund", "account", "password", "please", "me",
    "want", "need", "have", "get", "there",
];

/// Evidence for French and for English: common words, and French diacritics.
fn evidence(text: &str) -> (i32, i32) {
    let mut fr = text.chars().filter(|c| "éèêàçùâîôœ".contains(*c)).count() as i32;
    let mut en = 0i32;
    for w in words(text) {
        let w = fold(w);
        fr += i32::from(FR.contains(&w.as_str()));
        en += i32::from(EN.contains(&w.as_str()));
    }
    (fr, en)
}

/// The language the text is most likely written in, if there is any evidence.
pub fn detect(text: &str) -> Option<Lang> {
    let (fr, en) = evidence(text);
    match fr.cmp(&en) {
        std::cmp::Ordering::Greater => Some(Lang::Fr),
        std::cmp::Ordering::Less => Some(Lang::En),
        std::cmp::Ordering::Equal => None,
    }
}

/// The language of the text when it is clearly one (a lead of two pieces of evidence): enough
/// to answer an English question asked on the French page in English, while "refund ?" or
/// "ok" typed there stays French.
pub fn clearly(text: &str) -> Option<Lang> {
    let (fr, en) = evidence(text);
    if fr - en >= 2 {
        Some(Lang::Fr)
    } else if en - fr >= 2 {
        Some(Lang::En)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_questions_are_recognised() {
        assert_eq!(
            detect("Combien de temps prend la livraison ?"),
            Some(Lang::Fr)
        );
        assert_eq!(detect("How long does delivery take?"), Some(Lang::En));
        assert_eq!(detect("où est mon colis"), Some(Lang::Fr));
        assert_eq!(detect("zzz 123"), None);
    }

    #[test]
    fn only_clear_evidence_overrides_the_page_language() {
        assert_eq!(clearly("How long does delivery take?"), Some(Lang::En));
        assert_eq!(clearly("Where is my order?"), Some(Lang::En));
        assert_eq!(clearly("Où est mon colis ?"), Some(Lang::Fr));
        assert_eq!(clearly("Je n'ai pas reçu ma commande"), Some(Lang::Fr));
        // One word of the other language is not enough: shops' visitors mix them.
        assert_eq!(clearly("refund"), None);
        assert_eq!(clearly("order 48213"), None);
        assert_eq!(clearly("ok"), None);
        assert_eq!(clearly("colis"), None);
    }
}
