//! Recognises a visitor asking for a person, in French or English.
//!
//! The right to a human must not depend on finding the button: plain words work too.
//! Phrases are matched on whole words after folding, so "agent de livraison" or
//! "are you a human?" do not trigger a handoff.

use crate::knowledge::spelling::{fold, words};

const PHRASES: &[&str] = &[
    // English
    "human",
    "humans",
    "a person",
    "real person",
    "to a person",
    "to someone",
    "to somebody",
    "an agent",
    "live agent",
    "to agent",
    "representative",
    "an operator",
    "customer service agent",
    "real people",
    "a real human",
    "talk to support",
    "speak to support",
    "live chat",
    // French
    "humain",
    "un humain",
    "une personne",
    "vraie personne",
    "personne reelle",
    "conseiller",
    "conseillere",
    "un conseiller",
    "une conseillere",
    "quelqu un",
    "un agent",
    "a un agent",
    "operateur",
    "operatrice",
    "parler a une personne",
    "service client humain",
];

/// Questions about the assistant itself, not requests for a person.
const ABOUT_THE_BOT: &[&str] = &[
    "are you",
    "r u",
    "is this a",
    "am i talking to a",
    "es tu",
    "etes vous",
    "est ce un",
    "suis je en train de parler",
];

/// Whether the message asks to talk to a person.
pub fn wants_human(text: &str) -> bool {
    let normalized = format!(" {} ", words(text).map(fold).collect::<Vec<_>>().join(" "));
    if ABOUT_THE_BOT
        .iter()
        .any(|p| normalized.contains(&format!(" {p} ")))
    {
        return false;
    }
    PHRASES
        .iter()
        .any(|p| normalized.contains(&format!(" {p} ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_requests_in_both_languages_are_recognised() {
        for text in [
            "je veux parler à un conseiller",
            "Je voudrais parler à quelqu'un",
            "human please",
            "Can I talk to a real person?",
            "un humain svp",
            "I want an agent",
        ] {
            assert!(wants_human(text), "{text}");
        }
    }

    #[test]
    fn ordinary_questions_are_not_handoffs() {
        for text in [
            "Combien de temps prend la livraison ?",
            "are you a human?",
            "Mon agent de livraison n'est pas venu",
            "How do I reset my password?",
        ] {
            assert!(!wants_human(text), "{text}");
        }
    }
}
