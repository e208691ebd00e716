//! Starting conversations and answering turns: the assistant's behaviour, without HTTP.

use super::disclosure::{DisclosureText, Disclosures};
use super::{new_id, now_ms, texts, ClientMessageId, MessageText, VisitorToken};
use crate::answer::{self, escalation, Kind, Rule};
use crate::handoff;
use crate::knowledge::{KnowledgeIndex, Lang};
use crate::metrics::Metrics;
use crate::privacy::redact::Redactor;
use crate::storage::{ConversationRow, HandoffRequest, MessageRow, Store, StoreError, Turn};
use std::sync::Arc;
use std::time::Instant;

/// Conversation states, as stored and as sent to the widget.
pub mod status {
    pub const BOT: &str = "bot";
    pub const WAITING: &str = "waiting_for_agent";
    pub const WITH_AGENT: &str = "with_agent";
    pub const CLOSED: &str = "closed";
}

/// What went wrong while serving a visitor.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("unsupported locale")]
    UnsupportedLocale,
    #[error("the conversation is closed")]
    Closed,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    ClientIdReused(#[from] super::ClientIdReused),
}

/// A new conversation, with the secret only the visitor gets.
pub struct Started {
    pub row: ConversationRow,
    pub token: String,
    pub disclosure: DisclosureText,
}

/// What storing a turn came to.
enum Recorded {
    /// Stored now: the event ids of the visitor message and of the reply.
    New((i64, Option<i64>)),
    /// Stored already, by an earlier send of the same keyed message.
    Already(Box<TurnOutcome>),
}

/// The result of one visitor message.
pub struct TurnOutcome {
    pub status: &'static str,
    /// The visitor's message as stored (personal data redacted).
    pub visitor: MessageRow,
    /// Kinds of personal data that were redacted from it.
    pub redacted: Vec<String>,
    /// The bot reply, absent while a person holds (or is about to hold) the conversation.
    pub reply: Option<MessageRow>,
    pub queue_position: Option<i64>,
}

/// The assistant: knowledge, storage and the rules that tie them together.
pub struct Assistant {
    pub store: Arc<dyn Store>,
    pub index: Arc<KnowledgeIndex>,
    pub disclosures: Disclosures,
    pub threshold: f32,
    pub metrics: Arc<Metrics>,
    pub redactor: Redactor,
    pub hub: Arc<crate::realtime::Hub>,
    pub rules: crate::answer::escalation::HandoffRules,
}

impl Assistant {
    /// Opens a conversation and records that its notices were shown.
    pub async fn start(
        &self,
        locale: Option<&str>,
        fallback: Lang,
        origin: Option<String>,
    ) -> Result<Started, ServiceError> {
        let (lang, explicit) = match locale {
            Some(tag) => (
                Lang::parse(tag).ok_or(ServiceError::UnsupportedLocale)?,
                true,
            ),
            None => (fallback, false),
        };
        let (token, token_hash) = VisitorToken::generate();
        let now = now_ms();
        let row = ConversationRow {
            id: new_id(),
            token_hash,
            locale: lang.code().to_string(),
            locale_explicit: explicit,
            status: status::BOT.to_string(),
            disclosure_version: self.disclosures.version.clone(),
            disclosure_shown_at: now,
            origin,
            declined_streak: 0,
            queue_entered_at: None,
            handoff_reason: None,
            handoff_trigger: None,
            created_at: now,
            updated_at: now,
            keep_transcript: false,
            agent_id: None,
            visitor_seen_at: None,
        };
        self.store.create_conversation(&row).await?;
        self.metrics.conversations.inc();
        Ok(Started {
            row,
            token,
            disclosure: self.disclosures.text(lang).clone(),
        })
    }

    /// The language of this conversation's replies to `text`: the question's own when it is
    /// clear, so that an English visitor on the French page (the widget's `data-locale`) is
    /// answered from the English articles; otherwise the conversation's.
    pub fn lang_for(&self, conv: &ConversationRow, text: &str) -> Lang {
        let locale = Lang::parse(&conv.locale).unwrap_or(Lang::En);
        if conv.locale_explicit {
            answer::lang::clearly(text).unwrap_or(locale)
        } else {
            answer::lang::detect(text).unwrap_or(locale)
        }
    }

    /// Handles one visitor message: answer, decline or hand over, and store it all.
    /// With the widget's `client` name for the message, a resend (its response was lost)
    /// gets the stored turn back instead of a second question and a second answer.
    pub async fn ask(
        &self,
        conv: &ConversationRow,
        text: &MessageText,
        client: Option<&ClientMessageId>,
    ) -> Result<TurnOutcome, ServiceError> {
        let started = Instant::now();
        let now = now_ms();
        // Personal data is removed before anything is stored or searched.
        let red = self.redactor.redact(text.as_str());
        let mut visitor = message(&conv.id, "visitor", false, None, &red.text, "[]", now);
        if let Some(client) = client {
            visitor.id = client.message_id(&conv.id);
            if let Some(stored) = self.replay(conv, &visitor, &red.kinds).await? {
                return Ok(stored);
            }
        }
        match conv.status.as_str() {
            status::BOT => {}
            status::CLOSED => return Err(ServiceError::Closed),
            _ => return self.store_silently(conv, visitor, red.kinds, now).await,
        }
        let lang = self.lang_for(conv, &red.text);
        visitor.lang = Some(lang.code().to_string());
        // Inline on purpose: one decision takes ~65 µs, less than a thread hand-off.
        let decision = answer::decide_or_hand_over(&self.index, &red.text, lang, self.threshold);
        if decision.why.rule == Rule::SearchFailed {
            self.metrics.search_failures.inc();
        }
        let history = escalation::History {
            declined_before: conv.declined_streak,
            last_reply_unhelpful: self.store.last_reply_unhelpful(&conv.id).await?,
        };
        let (decision, trigger) = escalation::escalate(decision, &self.rules, history, lang);
        // A turn in German counts as German in the reports, whatever language replied.
        let served_in = decision
            .why
            .written_in
            .clone()
            .unwrap_or_else(|| lang.code().to_string());
        visitor.lang = Some(served_in.clone());
        let (reply_text, streak, handoff) = match decision.kind {
            Kind::Answer => (decision.passage.clone(), 0, None),
            Kind::NoAnswer if decision.why.written_in.is_some() => (
                texts::unsupported_language(lang).to_string(),
                conv.declined_streak + 1,
                None,
            ),
            Kind::NoAnswer => (
                texts::no_answer(lang).to_string(),
                conv.declined_streak + 1,
                None,
            ),
            // Not a question: the streak of declined questions stays as it was.
            Kind::SmallTalk => (
                texts::small_talk(lang, decision.why.small_talk).to_string(),
                conv.declined_streak,
                None,
            ),
            Kind::Handoff => {
                let position = handoff::position_if_enqueued(self.store.as_ref(), &conv.id).await?;
                let h = HandoffRequest {
                    conversation_id: conv.id.clone(),
                    trigger: trigger.unwrap_or_else(|| "words".into()),
                    reason: None,
                    at: now,
                };
                let hours = self.rules.hours.as_ref();
                let team = handoff::availability(self.store.as_ref(), now, hours).await?;
                let mut text = if decision.why.rule == Rule::SearchFailed {
                    texts::handed_over_after_failure(lang, position, &team, hours)
                } else {
                    texts::handed_over(lang, position, &team, hours)
                };
                // Written in neither language: said in both, the visitor may read either.
                if decision.why.written_in.is_some() {
                    let other = if lang == Lang::Fr { Lang::En } else { Lang::Fr };
                    text = format!(
                        "{text} {}",
                        texts::handed_over(other, position, &team, hours)
                    );
                }
                (text, 0, Some(h))
            }
        };
        let citations = serde_json::to_string(&decision.citations).unwrap_or_else(|_| "[]".into());
        let kind = serde_json::to_value(decision.kind)
            .ok()
            .and_then(|v| v.as_str().map(String::from));
        let mut reply = message(
            &conv.id,
            "bot",
            true,
            kind,
            &reply_text,
            &citations,
            now + 1,
        );
        reply.lang = Some(served_in);
        let why = serde_json::to_string(&decision.why).unwrap_or_else(|_| "{}".into());
        let handing_over = handoff.is_some();
        let turn = Turn {
            visitor: visitor.clone(),
            reply: Some((reply.clone(), why)),
            declined_streak: streak,
            handoff,
            now,
        };
        let (visitor_seq, reply_seq) = match self.record(conv, &turn, &red.kinds).await? {
            Recorded::New(seqs) => seqs,
            Recorded::Already(stored) => return Ok(*stored),
        };
        (visitor.seq, reply.seq) = (visitor_seq, reply_seq.unwrap_or_default());
        self.hub.notify(&conv.id);
        if handing_over {
            self.hub.notify(crate::realtime::QUEUE);
        }
        self.metrics
            .record_decision(decision.kind, started.elapsed());
        let (status, queue_position) = if handing_over {
            (status::WAITING, self.store.queue_position(&conv.id).await?)
        } else {
            (status::BOT, None)
        };
        Ok(TurnOutcome {
            status,
            visitor,
            redacted: red.kinds,
            reply: Some(reply),
            queue_position,
        })
    }

    /// Stores a turn. Two sends of one keyed message at once both get past `replay`; the
    /// second insert then meets the first's message id, and gets the stored turn instead.
    async fn record(
        &self,
        conv: &ConversationRow,
        turn: &Turn,
        redacted: &[String],
    ) -> Result<Recorded, ServiceError> {
        match self.store.record_turn(turn).await {
            Ok(seqs) => Ok(Recorded::New(seqs)),
            Err(e) if e.is_unique_violation() => {
                match self.replay(conv, &turn.visitor, redacted).await? {
                    Some(stored) => Ok(Recorded::Already(Box::new(stored))),
                    None => Err(e.into()),
                }
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The turn already stored under `sent`'s id, with the conversation's state now; refused
    /// when that id names other words.
    async fn replay(
        &self,
        conv: &ConversationRow,
        sent: &MessageRow,
        redacted: &[String],
    ) -> Result<Option<TurnOutcome>, ServiceError> {
        let Some((visitor, reply)) = self.store.turn_of(&conv.id, &sent.id).await? else {
            return Ok(None);
        };
        if !ClientMessageId::is_resend(&visitor, sent) {
            return Err(super::ClientIdReused.into());
        }
        let now = self.store.conversation(&conv.id).await?;
        let status = match now
            .as_ref()
            .map_or(conv.status.as_str(), |c| c.status.as_str())
        {
            status::WAITING => status::WAITING,
            status::WITH_AGENT => status::WITH_AGENT,
            status::CLOSED => status::CLOSED,
            _ => status::BOT,
        };
        Ok(Some(TurnOutcome {
            status,
            visitor,
            redacted: redacted.to_vec(),
            reply,
            queue_position: self.store.queue_position(&conv.id).await?,
        }))
    }

    /// A person holds (or is about to hold) the conversation: store the message, stay silent.
    async fn store_silently(
        &self,
        conv: &ConversationRow,
        mut visitor: MessageRow,
        redacted: Vec<String>,
        now: i64,
    ) -> Result<TurnOutcome, ServiceError> {
        let turn = Turn {
            visitor: visitor.clone(),
            reply: None,
            declined_streak: conv.declined_streak,
            handoff: None,
            now,
        };
        visitor.seq = match self.record(conv, &turn, &redacted).await? {
            Recorded::New((seq, _)) => seq,
            Recorded::Already(stored) => return Ok(*stored),
        };
        self.hub.notify(&conv.id);
        // The consoles' lists say whose visitor waits for a reply.
        self.hub.notify(crate::realtime::TEAM);
        let queue_position = self.store.queue_position(&conv.id).await?;
        let status = if conv.status == status::WAITING {
            status::WAITING
        } else {
            status::WITH_AGENT
        };
        Ok(TurnOutcome {
            status,
            visitor,
            redacted,
            reply: None,
            queue_position,
        })
    }

    /// The visitor pressed "talk to a person" (or the API was called directly).
    pub async fn request_human(
        &self,
        conv: &ConversationRow,
        reason: Option<String>,
    ) -> Result<Option<i64>, ServiceError> {
        if conv.status == status::CLOSED {
            return Err(ServiceError::Closed);
        }
        let h = HandoffRequest {
            conversation_id: conv.id.clone(),
            trigger: "button".into(),
            // The visitor's own words, kept for the agent: redacted like a message.
            reason: reason.map(|r| self.redactor.redact(&r).text),
            at: now_ms(),
        };
        let position = handoff::enqueue(self.store.as_ref(), &h).await?;
        self.hub.notify(&conv.id);
        self.hub.notify(crate::realtime::QUEUE);
        self.metrics.handoffs.inc();
        Ok(position)
    }
}

/// Builds a message row.
pub fn message(
    conversation_id: &str,
    author: &str,
    ai_generated: bool,
    kind: Option<String>,
    text: &str,
    citations: &str,
    created_at: i64,
) -> MessageRow {
    MessageRow {
        seq: 0,
        id: new_id(),
        conversation_id: conversation_id.to_string(),
        author: author.to_string(),
        ai_generated,
        kind,
        text: text.to_string(),
        citations: citations.to_string(),
        created_at,
        author_name: None,
        lang: None,
    }
}
