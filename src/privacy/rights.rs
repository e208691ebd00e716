//! The visitor's rights, exercised from the widget: consent, access (export), erasure, and
//! leaving contact details for a follow-up.

use crate::conversation::{now_ms, rfc3339};
use crate::storage::{
    ConsentReceipt, Contact, ConversationRow, DisclosureReceipt, HandoffEvent, MessageRow, Store,
    StoreError,
};
use serde::Serialize;
use serde_json::Value;

/// Everything stored about one conversation (GDPR art. 15 and 20).
#[derive(Debug, Serialize)]
pub struct Export {
    pub exported_at: String,
    pub conversation: ExportConversation,
    pub messages: Vec<ExportMessage>,
    pub why_records: Vec<Value>,
    pub consent_receipts: Vec<ConsentReceipt>,
    pub disclosure_receipts: Vec<DisclosureReceipt>,
    pub handoff_events: Vec<HandoffEvent>,
    pub contact: Option<Contact>,
    /// (bot message id, helpful, comment) for each reply the visitor rated.
    pub feedback: Vec<(String, bool, Option<String>)>,
    /// The visitor's rating of the help a person gave, if any.
    pub rating: Option<crate::storage::Rating>,
}

/// The conversation's own fields, minus the token hash.
#[derive(Debug, Serialize)]
pub struct ExportConversation {
    pub id: String,
    pub locale: String,
    pub status: String,
    pub keep_transcript: bool,
    pub origin: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// When the visitor's widget last followed the conversation live, while a person was
    /// awaited or held it.
    pub visitor_seen_at: Option<String>,
}

/// A message in the export.
#[derive(Debug, Serialize)]
pub struct ExportMessage {
    pub id: String,
    pub author: String,
    pub ai_generated: bool,
    pub kind: Option<String>,
    pub text: String,
    pub created_at: String,
    /// The language the question was read in, on a turn's messages.
    pub lang: Option<String>,
}

/// Gathers every row of the conversation (and records who exported it: "visitor" from the
/// widget, or the admin answering a request that came another way).
pub async fn export(
    store: &dyn Store,
    c: &ConversationRow,
    actor: &str,
) -> Result<Export, StoreError> {
    let summary = if actor == "visitor" {
        "the visitor downloaded their data"
    } else {
        "exported for a visitor's access request"
    };
    crate::audit::record(store, actor, "export", &c.id, summary).await?;
    let messages = store.messages(&c.id).await?;
    let why_records = store
        .why_records(&c.id)
        .await?
        .into_iter()
        .map(|(id, record)| {
            let mut v: Value = serde_json::from_str(&record).unwrap_or(Value::Null);
            v["message_id"] = Value::String(id);
            v
        })
        .collect();
    Ok(Export {
        exported_at: rfc3339(now_ms()),
        conversation: ExportConversation {
            id: c.id.clone(),
            locale: c.locale.clone(),
            status: c.status.clone(),
            keep_transcript: c.keep_transcript,
            origin: c.origin.clone(),
            created_at: rfc3339(c.created_at),
            updated_at: rfc3339(c.updated_at),
            visitor_seen_at: c.visitor_seen_at.map(rfc3339),
        },
        messages: messages.iter().map(export_message).collect(),
        why_records,
        consent_receipts: store.consent_receipts(&c.id).await?,
        disclosure_receipts: store.disclosure_receipts(&c.id).await?,
        handoff_events: store.handoff_events(&c.id).await?,
        contact: store.contact(&c.id).await?,
        feedback: store.feedback_of(&c.id).await?,
        rating: store.rating_of(&c.id).await?,
    })
}

fn export_message(m: &MessageRow) -> ExportMessage {
    ExportMessage {
        id: m.id.clone(),
        author: m.author.clone(),
        ai_generated: m.ai_generated,
        kind: m.kind.clone(),
        text: m.text.clone(),
        created_at: rfc3339(m.created_at),
        lang: m.lang.clone(),
    }
}

/// What an admin answering a request by email or post searches with: the visitor's
/// follow-up contact, words they remember writing (an order number), and a period.
#[derive(Debug, Clone, Default)]
pub struct RequestSearch {
    pub contact: String,
    pub words: String,
    pub from: i64,
    pub to: i64,
}

/// Why a search for a visitor's conversations was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SearchError {
    #[error(
        "search by the visitor's email or phone, or by words of at least 3 characters they wrote"
    )]
    Nothing,
    #[error("the words are at most 200 characters, the contact at most 254")]
    TooLong,
}

/// Most conversations one search returns.
pub const SEARCH_LIMIT: i64 = 50;

/// Finds the conversations of a visitor who asked by email or post (they no longer hold
/// the widget's token). Records that a search was made, never what was searched (that is
/// the visitor's personal data).
pub async fn find_for_request(
    store: &dyn Store,
    q: &RequestSearch,
    actor: &str,
) -> Result<Result<Vec<ConversationRow>, SearchError>, StoreError> {
    let (contact, words) = (q.contact.trim(), q.words.trim().to_lowercase());
    if contact.chars().count() > 254 || words.chars().count() > 200 {
        return Ok(Err(SearchError::TooLong));
    }
    if contact.is_empty() && words.chars().count() < 3 {
        return Ok(Err(SearchError::Nothing));
    }
    let found = store
        .find_conversations(contact, &words, q.from, q.to, SEARCH_LIMIT)
        .await?;
    let by = match (contact.is_empty(), words.is_empty()) {
        (false, false) => "contact and words",
        (false, true) => "contact",
        _ => "words",
    };
    let summary = format!("by {by}: {} conversation(s) found", found.len());
    crate::audit::record(store, actor, "request_search", "conversations", &summary).await?;
    Ok(Ok(found))
}

/// Records the visitor's choice about keeping the transcript, with a receipt.
pub async fn set_consent(
    store: &dyn Store,
    c: &ConversationRow,
    keep: bool,
) -> Result<ConsentReceipt, StoreError> {
    let receipt = ConsentReceipt {
        keep_transcript: keep,
        notice_version: c.disclosure_version.clone(),
        created_at: now_ms(),
    };
    store
        .set_consent(&c.id, keep, &receipt.notice_version, receipt.created_at)
        .await?;
    Ok(receipt)
}

/// Erases the conversation; only anonymous daily counts remain (GDPR art. 17). `actor` is
/// "visitor" or the email of the agent or admin who erased it on request.
pub async fn erase(
    store: &dyn Store,
    id: &str,
    now: i64,
    actor: &str,
    reason: &str,
) -> Result<bool, StoreError> {
    let day = rfc3339(now).chars().take(10).collect::<String>();
    let erased = store.erase(id, &day).await?;
    if erased {
        crate::audit::record(store, actor, "erase", id, reason).await?;
    }
    Ok(erased)
}

/// Why contact details were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContactError {
    #[error("contact details are kept only with your explicit consent")]
    NoConsent,
    #[error("give an email address or a phone number")]
    Empty,
    #[error("this email address does not look valid")]
    BadEmail,
    #[error("this phone number does not look valid")]
    BadPhone,
}

/// Validates and stores contact details for a follow-up of this conversation only.
pub async fn leave_contact(
    store: &dyn Store,
    c: &ConversationRow,
    email: Option<String>,
    phone: Option<String>,
    consent: bool,
) -> Result<Result<Contact, ContactError>, StoreError> {
    let email = email
        .map(|e| e.trim().to_string())
        .filter(|e| !e.is_empty());
    let phone = phone
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty());
    let checked = check_contact(email.as_deref(), phone.as_deref(), consent);
    if let Err(e) = checked {
        return Ok(Err(e));
    }
    let contact = Contact {
        conversation_id: c.id.clone(),
        email,
        phone,
        purpose: "follow-up of this conversation".into(),
        created_at: now_ms(),
    };
    store.save_contact(&contact).await?;
    Ok(Ok(contact))
}

fn check_contact(
    email: Option<&str>,
    phone: Option<&str>,
    consent: bool,
) -> Result<(), ContactError> {
    if !consent {
        return Err(ContactError::NoConsent);
    }
    if email.is_none() && phone.is_none() {
        return Err(ContactError::Empty);
    }
    if let Some(e) = email {
        let (local, domain) = e.split_once('@').ok_or(ContactError::BadEmail)?;
        if local.is_empty()
            || !domain.contains('.')
            || e.len() > 254
            || e.contains(char::is_whitespace)
        {
            return Err(ContactError::BadEmail);
        }
    }
    if let Some(p) = phone {
        let digits = p.chars().filter(char::is_ascii_digit).count();
        let allowed = p
            .chars()
            .all(|c| c.is_ascii_digit() || " +.-()".contains(c));
        if !allowed || !(6..=15).contains(&digits) {
            return Err(ContactError::BadPhone);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_details_need_consent_and_a_plausible_value() {
        assert_eq!(
            check_contact(Some("a@b.fr"), None, false),
            Err(ContactError::NoConsent)
        );
        assert_eq!(check_contact(None, None, true), Err(ContactError::Empty));
        assert_eq!(
            check_contact(Some("nope"), None, true),
            Err(ContactError::BadEmail)
        );
        assert_eq!(
            check_contact(None, Some("12"), true),
            Err(ContactError::BadPhone)
        );
        assert!(check_contact(Some("a@b.fr"), Some("+33 6 12 34 56 78"), true).is_ok());
    }
}
