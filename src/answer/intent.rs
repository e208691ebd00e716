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

/// Questions about who answers, in any words around them.
const WHO_ARE_YOU: &[&str] = &["who are you", "what are you", "qui es tu", "qui etes vous"];

/// Whether one of `phrases` starts at some word of `tokens`.
fn contains_any(tokens: &[&str], phrases: &[&str]) -> bool {
    (0..tokens.len()).any(|i| phrases.iter().any(|p| phrase_at(&tokens[i..], p).is_some()))
}

/// `tokens` without their questions about the assistant: each opening and the few words
/// after it ("are you a human? I want a person" keeps "i want a person").
fn without_questions_about_the_bot<'a>(tokens: &[&'a str]) -> Vec<&'a str> {
    let mut kept = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        let opening = ABOUT_THE_BOT
            .iter()
            .filter_map(|p| phrase_at(&tokens[i..], p))
            .max();
        match opening {
            Some(n) => i = (i + n + ABOUT_SPAN).min(tokens.len()),
            None => {
                kept.push(tokens[i]);
                i += 1;
            }
        }
    }
    kept
}

/// How many of `tokens` the words of `phrase` (folded, one space apart) cover at their
/// start, if they are there. Allocates nothing: it runs for every question.
pub(super) fn phrase_at(tokens: &[&str], phrase: &str) -> Option<usize> {
    let mut n = 0;
    for word in phrase.split(' ') {
        if tokens.get(n) != Some(&word) {
            return None;
        }
        n += 1;
    }
    Some(n)
}

/// Whether the message asks to talk to a person.
pub fn wants_human(text: &str) -> bool {
    let folded: Vec<String> = words(text).map(fold).collect();
    let tokens: Vec<&str> = folded.iter().map(String::as_str).collect();
    contains_any(&without_questions_about_the_bot(&tokens), PHRASES)
}

/// Whether the message asks what the assistant is ("are you a bot?", "est-ce un humain ?",
/// "am I talking to a real person?"): an opening about it, followed closely by a word for
/// a person or a machine.
pub fn asks_what_it_is(text: &str) -> bool {
    let folded: Vec<String> = words(text).map(fold).collect();
    let tokens: Vec<&str> = folded.iter().map(String::as_str).collect();
    (0..tokens.len()).any(|i| {
        ABOUT_THE_BOT.iter().any(|p| {
            phrase_at(&tokens[i..], p).is_some_and(|n| {
                tokens[i + n..]
                    .iter()
                    .take(ABOUT_SPAN)
                    .any(|w| WHAT_IT_IS.contains(w))
            })
        })
    }) || contains_any(&tokens, WHO_ARE_YOU)
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
