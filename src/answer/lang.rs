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

/// Languages visitors of a European shop often write in that Candor does not answer in,
/// each with common words that are neither French nor English ("die", "was", "no" or "que"
/// would be). ISO 639-1 code, then the words, folded.
const OTHERS: &[(&str, &[&str])] = &[
    (
        "de",
        &[
            "ist",
            "mein",
            "meine",
            "meinen",
            "wo",
            "ich",
            "nicht",
            "und",
            "der",
            "das",
            "wie",
            "kann",
            "bitte",
            "bestellung",
            "paket",
            "haben",
            "mit",
            "ein",
            "eine",
            "zu",
            "warum",
            "wann",
            "habe",
            "danke",
            "hallo",
            "guten",
            "noch",
            "lieferung",
            "ruckerstattung",
            "konto",
            "passwort",
            "wurde",
            "geld",
            "zuruck",
            "sie",
            "ihr",
        ],
    ),
    (
        "es",
        &[
            "donde",
            "esta",
            "mi",
            "pedido",
            "el",
            "los",
            "las",
            "por",
            "como",
            "cuando",
            "quiero",
            "puedo",
            "hola",
            "gracias",
            "para",
            "del",
            "envio",
            "devolucion",
            "cuenta",
            "contrasena",
            "dinero",
            "tengo",
            "usted",
            "todavia",
            "cuanto",
            "reembolso",
        ],
    ),
    (
        "it",
        &[
            "dove",
            "mio",
            "mia",
            "ordine",
            "quando",
            "perche",
            "sono",
            "ho",
            "grazie",
            "ciao",
            "buongiorno",
            "della",
            "voglio",
            "posso",
            "spedizione",
            "rimborso",
            "pacco",
            "ancora",
            "arrivato",
            "soldi",
        ],
    ),
    (
        "nl",
        &[
            "waar",
            "mijn",
            "het",
            "een",
            "ik",
            "niet",
            "wanneer",
            "hoe",
            "bestelling",
            "pakket",
            "wat",
            "waarom",
            "bedankt",
            "dank",
            "hallo",
            "heb",
            "nog",
            "geen",
            "geld",
            "terug",
            "bezorging",
            "retour",
            "wachtwoord",
            "kunt",
            "jullie",
        ],
    ),
    (
        "pt",
        &[
            "onde",
            "minha",
            "meu",
            "encomenda",
            "nao",
            "obrigado",
            "obrigada",
            "voce",
            "ola",
            "quero",
            "posso",
            "ainda",
            "chegou",
            "dinheiro",
            "reembolso",
            "conta",
            "senha",
            "uma",
            "entrega",
        ],
    ),
];

/// The code of the language the text is clearly written in when it is none of Candor's
/// (German, Spanish, Italian, Dutch, Portuguese): at least two of its common words, and
/// more of them than of French and English evidence together. "Wo ist mein Paket?" is
/// German; "I was charged" or "mi casa" stays unknown.
pub fn unsupported(text: &str) -> Option<&'static str> {
    let (fr, en) = evidence(text);
    let folded: Vec<String> = words(text).map(fold).collect();
    OTHERS
        .iter()
        .map(|(code, common)| {
            let n = folded
                .iter()
                .filter(|w| common.contains(&w.as_str()))
                .count() as i32;
            (*code, n)
        })
        .filter(|(_, n)| *n >= 2 && *n > fr + en)
        .max_by_key(|(_, n)| *n)
        .map(|(code, _)| code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn questions_in_other_languages_are_named_and_ours_are_not() {
        for (text, code) in [
            ("Wo ist mein Paket?", "de"),
            ("Ich habe meine Bestellung nicht erhalten", "de"),
            ("¿Dónde está mi pedido?", "es"),
            ("Dove è il mio ordine?", "it"),
            ("Waar is mijn pakket?", "nl"),
            ("Onde está minha encomenda?", "pt"),
        ] {
            assert_eq!(unsupported(text), Some(code), "{text}");
        }
        for text in [
            "Où est mon colis ?",
            "Where is my parcel?",
            "I was charged twice",
            "Je veux un remboursement pour ma commande",
            "Do you ship to Germany?",
            "Livrez-vous en Espagne ?",
            "ok",
            "Paket",
        ] {
            assert_eq!(unsupported(text), None, "{text}");
        }
    }

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
