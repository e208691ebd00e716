//! Greetings, thanks, goodbyes, a bare "ok", and "are you a bot?", in French or English.
//!
//! They are not questions: declining "merci" with "I can't find a reliable answer" reads as
//! broken, counting it as a decline puts it in the operators' unanswered questions and, two
//! in a row, calls a person for nothing. A message is small talk only when every word of it
//! is one of these (a greeting with a question in it is a question), and only when no
//! article answers it.

use super::intent::{asks_what_it_is, phrase_at};
use crate::knowledge::spelling::{fold, words};
use serde::{Deserialize, Serialize};

/// What kind of small talk a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmallTalk {
    Greeting,
    Thanks,
    Goodbye,
    /// "ok", "d'accord", "oui", "non": nothing asked.
    Acknowledgement,
    /// "Are you a bot?", "est-ce une vraie personne ?": answered plainly that it is an AI
    /// (AI Act art. 50) instead of "I don't know".
    AboutTheAssistant,
}

/// Each kind's phrases, folded; a message with several kinds is the first of this list
/// ("merci, au revoir" is a goodbye, "bonjour, merci" thanks).
const PHRASES: &[(SmallTalk, &[&str])] = &[
    (
        SmallTalk::Goodbye,
        &[
            "au revoir",
            "bye",
            "bye bye",
            "goodbye",
            "bonne journee",
            "bonne soiree",
            "bonne fin de journee",
            "a bientot",
            "a plus",
            "see you",
            "have a nice day",
            "have a good day",
            "ciao",
        ],
    ),
    (
        SmallTalk::Thanks,
        &[
            "merci",
            "thanks",
            "thank you",
            "thx",
            "cheers",
            "many thanks",
        ],
    ),
    (
        SmallTalk::Greeting,
        &[
            "bonjour",
            "bonsoir",
            "salut",
            "coucou",
            "hello",
            "hi",
            "hey",
            "good morning",
            "good afternoon",
            "good evening",
            "allo",
        ],
    ),
    (
        SmallTalk::Acknowledgement,
        &[
            "ok",
            "okay",
            "d accord",
            "oui",
            "non",
            "yes",
            "no",
            "super",
            "parfait",
            "genial",
            "great",
            "perfect",
            "cool",
            "entendu",
            "compris",
            "got it",
            "alright",
            "all right",
            "tres bien",
            "very good",
            "ca marche",
            "nickel",
        ],
    ),
];

/// Words that may come with them without making a question of the message.
const FILLER: &[&str] = &[
    "beaucoup",
    "bien",
    "infiniment",
    "mille",
    "fois",
    "encore",
    "pour",
    "votre",
    "ton",
    "aide",
    "madame",
    "monsieur",
    "vous",
    "toi",
    "a",
    "tous",
    "et",
    "c",
    "est",
    "le",
    "la",
    "robot",
    "bot",
    "assistant",
    "a lot",
    "so much",
    "very much",
    "much",
    "for",
    "your",
    "help",
    "you",
    "there",
    "again",
    "and",
    "the",
    "all",
    "everyone",
    "it",
    "is",
    "that",
    "s",
    "oh",
    "ah",
];

/// The most words small talk runs to; a longer message is read as a question.
const MAX_WORDS: usize = 8;

/// Emoji that say as much as a word, by kind; a message of only these (and punctuation or
/// other emoji) is small talk too. Variation selectors and skin tones are ignored.
const EMOJI: &[(SmallTalk, &[char])] = &[
    (SmallTalk::Goodbye, &['👋']),
    (SmallTalk::Thanks, &['🙏', '❤', '💙', '💚', '🥰']),
    (
        SmallTalk::Acknowledgement,
        &['👍', '👌', '🙂', '😊', '😀', '😃', '✅', '👏'],
    ),
];

/// The kind of a message made only of emoji and punctuation, if one of them says one.
fn emoji_only(text: &str) -> Option<SmallTalk> {
    let mut found: Option<usize> = None;
    for c in text.chars().filter(|c| !c.is_whitespace()) {
        if c.is_alphanumeric() {
            return None;
        }
        if let Some(k) = EMOJI.iter().position(|(_, set)| set.contains(&c)) {
            found = Some(found.map_or(k, |f| f.min(k)));
        }
    }
    found.map(|k| EMOJI[k].0)
}

/// The kind of small talk `text` is, if every word of it is small talk.
pub fn classify(text: &str) -> Option<SmallTalk> {
    let folded: Vec<String> = words(text).map(fold).collect();
    let tokens: Vec<&str> = folded.iter().map(String::as_str).collect();
    if tokens.is_empty() {
        return emoji_only(text);
    }
    if tokens.len() > MAX_WORDS {
        return None;
    }
    if asks_what_it_is(text) {
        return Some(SmallTalk::AboutTheAssistant);
    }
    let mut found: Option<usize> = None;
    let mut i = 0;
    while i < tokens.len() {
        // The longest phrase starting here, small talk first, then filler.
        let kinds = PHRASES
            .iter()
            .enumerate()
            .flat_map(|(k, (_, phrases))| phrases.iter().map(move |p| (Some(k), *p)));
        let filler = FILLER.iter().map(|p| (None, *p));
        let best = kinds
            .chain(filler)
            .filter_map(|(k, p)| phrase_at(&tokens[i..], p).map(|n| (k, n)))
            .max_by_key(|(k, n)| (*n, k.is_some()))?;
        if let Some(k) = best.0 {
            found = Some(found.map_or(k, |f| f.min(k)));
        }
        i += best.1;
    }
    found.map(|k| PHRASES[k].0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greetings_thanks_and_goodbyes_in_both_languages() {
        for (text, kind) in [
            ("Bonjour", SmallTalk::Greeting),
            ("bonjour madame !", SmallTalk::Greeting),
            ("Hi there", SmallTalk::Greeting),
            ("merci beaucoup", SmallTalk::Thanks),
            ("Merci pour votre aide", SmallTalk::Thanks),
            ("Thank you so much for your help!", SmallTalk::Thanks),
            ("ok merci", SmallTalk::Thanks),
            ("merci, au revoir", SmallTalk::Goodbye),
            ("Bonne journée", SmallTalk::Goodbye),
            ("thanks, bye", SmallTalk::Goodbye),
            ("d'accord", SmallTalk::Acknowledgement),
            ("OK", SmallTalk::Acknowledgement),
            ("ça marche", SmallTalk::Acknowledgement),
            (
                "Bonjour, vous êtes un robot ?",
                SmallTalk::AboutTheAssistant,
            ),
            ("is this a real person?", SmallTalk::AboutTheAssistant),
            ("👍", SmallTalk::Acknowledgement),
            ("🙏🏽 !", SmallTalk::Thanks),
            ("👋😊", SmallTalk::Goodbye),
        ] {
            assert_eq!(classify(text), Some(kind), "{text}");
        }
    }

    #[test]
    fn a_message_with_anything_else_in_it_is_a_question() {
        for text in [
            "Bonjour, où est mon colis ?",
            "hello I need help with my order",
            "merci de me rembourser",
            "thanks but the parcel never came",
            "",
            "?!",
            "🤔",
            "help",
            "bonjour bonjour bonjour bonjour bonjour bonjour bonjour bonjour bonjour",
        ] {
            assert_eq!(classify(text), None, "{text}");
        }
    }
}
