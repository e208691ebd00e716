//! Conversations: validated inputs, visitor secrets, and the turn logic.

/// The AI and data-use notices shown before the first question.
pub mod disclosure;
/// Creating conversations and answering turns.
pub mod service;
/// Fixed visitor-facing texts, in every language.
pub mod texts;

use sha2::{Digest, Sha256};

/// Longest message a visitor may send, in characters.
pub const MAX_MESSAGE_CHARS: usize = 2000;

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// RFC 3339 form of a millisecond timestamp, for the API.
pub fn rfc3339(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// The millisecond timestamp of an RFC 3339 instant, the inverse of [`rfc3339`].
pub fn parse_rfc3339(raw: &str) -> Option<i64> {
    let t =
        time::OffsetDateTime::parse(raw, &time::format_description::well_known::Rfc3339).ok()?;
    Some((t.unix_timestamp_nanos() / 1_000_000) as i64)
}

/// A new random identifier.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A conversation id as it arrives in a URL: a UUID, or nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationId(String);

impl ConversationId {
    /// Accepts only the canonical UUID form, so odd paths never reach the database.
    pub fn parse(raw: &str) -> Option<ConversationId> {
        uuid::Uuid::try_parse(raw)
            .ok()
            .map(|u| ConversationId(u.to_string()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The widget's own name for a message it sends (a UUID it draws once per message), so that
/// sending it again — the answer was lost on a bad connection — stores and answers it once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientMessageId(String);

impl ClientMessageId {
    /// Letters, digits, `-` and `_`, 1 to 64 of them.
    pub fn parse(raw: &str) -> Option<ClientMessageId> {
        let ok = (1..=64).contains(&raw.len())
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        ok.then(|| ClientMessageId(raw.to_string()))
    }

    /// The stored message's id: derived from the conversation and the client's name, so it
    /// is the same on every resend and never meets another conversation's messages.
    pub fn message_id(&self, conversation_id: &str) -> String {
        let h = Sha256::digest(format!("{conversation_id}:{}", self.0).as_bytes());
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&h[..16]);
        uuid::Builder::from_sha1_bytes(bytes)
            .into_uuid()
            .to_string()
    }

    /// Whether `stored`, found under this name, is `sent` sent again: the same author and
    /// the same words (both as stored, after redaction). Anything else under a used name is
    /// the client's mistake, refused: answering it with the first message would drop the
    /// new words while saying they were taken.
    pub fn is_resend(
        stored: &crate::storage::MessageRow,
        sent: &crate::storage::MessageRow,
    ) -> bool {
        stored.author == sent.author && stored.text == sent.text
    }
}

/// Refusal of a message sent under a `client_id` that already names another message.
#[derive(Debug, thiserror::Error)]
#[error("this client_id already names another message in the conversation")]
pub struct ClientIdReused;

/// The visitor's secret for one conversation (256 random bits, from two v4 UUIDs).
pub struct VisitorToken;

impl VisitorToken {
    /// Creates a new token and its storable hash.
    pub fn generate() -> (String, String) {
        let token = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        let hash = Self::hash(&token);
        (token, hash)
    }

    /// SHA-256 of the token: only this is stored.
    pub fn hash(token: &str) -> String {
        Sha256::digest(token.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// Why a message text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("the message is empty")]
    Empty,
    #[error("the message is longer than {MAX_MESSAGE_CHARS} characters")]
    TooLong,
}

/// A visitor message within limits: in its plain form (`privacy::redact::plain_form`:
/// nothing invisible, no control characters other than line breaks and tabs, plain
/// spaces), trimmed, non-empty, at most 2,000 characters. A message of zero-width spaces
/// only is empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageText(String);

impl MessageText {
    /// Validates and normalises a message.
    pub fn parse(raw: &str) -> Result<MessageText, TextError> {
        let cleaned = crate::privacy::redact::plain_form(raw);
        let text = cleaned.trim();
        if text.is_empty() {
            return Err(TextError::Empty);
        }
        if text.chars().count() > MAX_MESSAGE_CHARS {
            return Err(TextError::TooLong);
        }
        Ok(MessageText(text.to_string()))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_message_name_gives_one_message_id_per_conversation() {
        assert!(ClientMessageId::parse("").is_none());
        assert!(ClientMessageId::parse(&"a".repeat(65)).is_none());
        assert!(ClientMessageId::parse("a b").is_none());
        assert!(ClientMessageId::parse("é").is_none());
        let c = ClientMessageId::parse("0b6c1f0e-9d1c-4b7e-a0f4-5f2f1c9a7e11").unwrap();
        let conv = "6f0e8d4a-2b1c-4a5e-9f3d-7c2b1a0e9d8f";
        let id = c.message_id(conv);
        assert_eq!(id, c.message_id(conv), "the same on every resend");
        assert_ne!(id, c.message_id("another-conversation"));
        assert!(
            uuid::Uuid::try_parse(&id).is_ok(),
            "shaped like every other message id"
        );
    }

    #[test]
    fn message_text_enforces_its_limits() {
        assert_eq!(MessageText::parse("  \n ").unwrap_err(), TextError::Empty);
        assert_eq!(
            MessageText::parse(&"é".repeat(2001)).unwrap_err(),
            TextError::TooLong
        );
        assert_eq!(
            MessageText::parse(&"é".repeat(2000))
                .unwrap()
                .as_str()
                .chars()
                .count(),
            2000
        );
        assert_eq!(MessageText::parse(" hi\u{0}\n ").unwrap().as_str(), "hi");
        assert_eq!(
            MessageText::parse("\u{200b}\u{feff} \u{a0}").unwrap_err(),
            TextError::Empty
        );
    }

    #[test]
    fn conversation_ids_must_be_uuids() {
        assert!(ConversationId::parse("../etc").is_none());
        assert!(ConversationId::parse(&new_id()).is_some());
    }

    #[test]
    fn tokens_are_long_and_only_their_hash_is_kept() {
        let (token, hash) = VisitorToken::generate();
        assert_eq!(token.len(), 64);
        assert_eq!(VisitorToken::hash(&token), hash);
        assert_ne!(token, hash);
    }
}
