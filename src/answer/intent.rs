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

/// Openings of a question about the assistant itself ("are you a human?"), not a request
/// for a person.
const ABOUT_THE_BOT: &[&str] = &[
    "are you",
    "r u",
    "is this a",
    "is this",
    "am i talking to",
    "am i chatting with",
    "am i speaking to",
    "es tu",
    "etes vous",
    "est ce un",
    "est ce une",
    "c est un",
    "c est une",
    "tu es",
    "vous etes",
    "suis je en train de parler",
    "je parle a",
];

/// What such a question asks whether the assistant is. Only words that cannot be the
/// shop's products: "is this machine washable?" or "is this real leather?" is a question
/// for the help centre.
const WHAT_IT_IS: &[&str] = &[
    "bot", "robot", "chatbot", "ai", "ia", "human", "humain", "humaine", "person", "personne",
];

/// How many words after an opening still belong to the question about the assistant.
const ABOUT_SPAN: usize = 3;

/// The message's words, folded, with a space before and after each.
fn normalized(text: &str) -> String {
    format!(" {} ", words(text).map(fold).collect::<Vec<_>>().join(" "))
}

/// `normalized` without its questions about the assistant: each opening and the few words
/// after it ("are you a human? I want a person" keeps "i want a person").
fn without_questions_about_the_bot(normalized: &str) -> String {
    let tokens: Vec<&str> = normalized.split_whitespace().collect();
    let mut kept = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        let opening = ABOUT_THE_BOT
            .iter()
            .map(|p| p.split(' ').collect::<Vec<_>>())
            .filter(|p| tokens[i..].starts_with(p))
            .map(|p| p.len())
            .max();
        match opening {
            Some(n) => i = (i + n + ABOUT_SPAN).min(tokens.len()),
            None => {
                kept.push(tokens[i]);
                i += 1;
            }
        }
    }
    format!(" {} ", kept.join(" "))
}

/// Whether the message asks to talk to a person.
pub fn wants_human(text: &str) -> bool {
    let rest = without_questions_about_the_bot(&normalized(text));
    PHRASES.iter().any(|p| rest.contains(&format!(" {p} ")))
}

/// Whether the message asks what the assistant is ("are you a bot?", "est-ce un humain ?",
/// "am I talking to a real person?"): an opening about it, followed closely by a word for
/// a person or a machine.
pub fn asks_what_it_is(text: &str) -> bool {
    let n = normalized(text);
    let tokens: Vec<&str> = n.split_whitespace().collect();
    (0..tokens.len()).any(|i| {
        ABOUT_THE_BOT.iter().any(|p| {
            let p: Vec<&str> = p.split(' ').collect();
            tokens[i..].starts_with(&p)
                && tokens[i + p.len()..]
                    .iter()
                    .take(ABOUT_SPAN)
                    .any(|w| WHAT_IT_IS.contains(w))
        })
    }) || ["who are you", "what are you", "qui es tu", "qui etes vous"]
        .iter()
        .any(|p| n.contains(&format!(" {p} ")))
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
            "Est-ce une vraie personne ?",
        ] {
            assert!(!wants_human(text), "{text}");
        }
        assert!(
            wants_human("are you a human? I want to talk to a person"),
            "a question about the bot does not hide a request after it"
        );
    }

    #[test]
    fn questions_about_what_the_assistant_is_are_recognised() {
        for text in [
            "is this a bot?",
            "Are you a robot",
            "am I talking to a real person?",
            "Est-ce un robot ?",
            "c'est une IA ?",
            "tu es humain ?",
            "Who are you?",
            "Suis-je en train de parler à un robot ?",
        ] {
            assert!(asks_what_it_is(text), "{text}");
        }
        for text in [
            "Is this lamp available in blue?",
            "is this machine washable?",
            "is this real leather?",
            "is this loyalty programme free?",
            "are you open on Sunday?",
            "c'est un cadeau, pouvez-vous l'emballer ?",
            "Où est mon colis ?",
        ] {
            assert!(!asks_what_it_is(text), "{text}");
        }
    }
}
