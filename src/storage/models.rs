//! Rows as stored, shared by both backends.

/// A conversation between a visitor and the assistant (and later a person).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ConversationRow {
    pub id: String,
    /// SHA-256 of the visitor's bearer token; the token itself is never stored.
    pub token_hash: String,
    pub locale: String,
    /// False when the locale was guessed; then each question's language is detected.
    pub locale_explicit: bool,
    pub status: String,
    pub disclosure_version: String,
    pub disclosure_shown_at: i64,
    /// The widget's site (Origin header), for per-site reports; never an IP address.
    pub origin: Option<String>,
    /// Consecutive questions the assistant declined.
    pub declined_streak: i64,
    pub queue_entered_at: Option<i64>,
    pub handoff_reason: Option<String>,
    pub handoff_trigger: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// The visitor agreed to keep the transcript for service improvement (opt-in).
    pub keep_transcript: bool,
    /// The person holding the conversation, if any.
    pub agent_id: Option<String>,
    /// When the visitor's widget last followed the conversation live (ms).
    pub visitor_seen_at: Option<i64>,
}

/// One message of a transcript.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct MessageRow {
    /// Position in the global message order: the event id of live streams.
    pub seq: i64,
    pub id: String,
    pub conversation_id: String,
    pub author: String,
    pub ai_generated: bool,
    pub kind: Option<String>,
    pub text: String,
    /// JSON array of citations (empty for non-answers).
    pub citations: String,
    pub created_at: i64,
    /// Display name of the person who wrote it (agent messages).
    pub author_name: Option<String>,
    /// The language the question was read in (a turn's visitor message and reply); `None`
    /// for the rest, which count in the conversation's locale.
    pub lang: Option<String>,
}

impl MessageRow {
    /// The article an assistant's answer came from (its first citation); `None` for every
    /// other message, declines and hand-overs included.
    pub fn answered_from(&self) -> Option<String> {
        if self.author != "bot" || self.kind.as_deref() != Some("answer") {
            return None;
        }
        let citations: Vec<serde_json::Value> = serde_json::from_str(&self.citations).ok()?;
        citations.first()?["article_id"].as_str().map(String::from)
    }
}

/// A question and what followed, stored atomically.
#[derive(Debug, Clone)]
pub struct Turn {
    pub visitor: MessageRow,
    /// The bot reply and its why record (JSON); `None` while a person holds the conversation.
    pub reply: Option<(MessageRow, String)>,
    pub declined_streak: i64,
    /// Set when this turn hands the conversation to a person.
    pub handoff: Option<HandoffRequest>,
    pub now: i64,
}

/// Why and when a conversation goes to the human queue.
#[derive(Debug, Clone)]
pub struct HandoffRequest {
    pub conversation_id: String,
    /// `button`, `words`, … — what triggered it.
    pub trigger: String,
    pub reason: Option<String>,
    pub at: i64,
}

/// The visitor's choice about keeping the transcript, as recorded.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct ConsentReceipt {
    pub keep_transcript: bool,
    pub notice_version: String,
    pub created_at: i64,
}

/// Which notice version was shown, and when.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct DisclosureReceipt {
    pub version: String,
    pub locale: String,
    pub shown_at: i64,
}

/// A queue event of a conversation.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct HandoffEvent {
    pub event: String,
    pub trigger_kind: String,
    pub reason: Option<String>,
    pub created_at: i64,
}

/// Contact details a visitor left for a follow-up, with explicit consent, for that only.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct Contact {
    pub conversation_id: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub purpose: String,
    pub created_at: i64,
}

/// The visitor's rating of the help a person gave in a conversation.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct Rating {
    pub helped: bool,
    /// Redacted before storage, like every visitor text.
    pub comment: Option<String>,
    pub created_at: i64,
}

/// Everything older than these instants (ms) is deleted by a purge.
#[derive(Debug, Clone, Copy)]
pub struct PurgeCutoffs {
    /// Conversations whose visitor agreed to keep the transcript, by last activity.
    pub consented_before: i64,
    /// Conversations without that consent, by last activity.
    pub unconsented_before: i64,
    pub why_records_before: i64,
    pub contacts_before: i64,
}

/// What a purge deleted (or, in a dry run, would delete).
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct PurgeCounts {
    pub conversations: i64,
    pub why_records: i64,
    pub contacts: i64,
}

/// A person who works in the consoles.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct User {
    pub id: String,
    pub email: String,
    pub display_name: String,
    /// `agent`, `operator` or `admin`.
    pub role: String,
    pub password_hash: String,
    pub created_at: i64,
    /// Last console activity (ms), for presence.
    pub last_seen_at: i64,
    /// When an admin switched the account off (ms); it can no longer sign in or act.
    pub disabled_at: Option<i64>,
}

/// A change of who holds a conversation, applied only if it is still in `from` status.
#[derive(Debug, Clone)]
pub struct Transition {
    pub conversation_id: String,
    pub from: &'static str,
    pub to: &'static str,
    /// The agent who must currently hold it (release, transfer, close by an agent).
    pub held_by: Option<String>,
    /// The agent who holds it afterwards.
    pub agent_id: Option<String>,
    /// The event recorded in the handoff history (`claimed`, `released`, …).
    pub event: &'static str,
    pub reason: Option<String>,
    /// The system message every participant sees.
    pub notice: MessageRow,
}
