//! What a person does with a conversation: claim it, write, hand it back, close it,
//! transfer it. Every change is announced to the visitor in their language.

use crate::audit;
use crate::conversation::service::{message, status};
use crate::conversation::{now_ms, ClientMessageId, MessageText};
use crate::knowledge::Lang;
use crate::storage::{ConversationRow, MessageRow, Store, StoreError, Transition, User};

/// Applies a transition and, when it happened, records it in the audit log.
async fn apply(
    store: &dyn Store,
    t: &Transition,
    agent: &User,
    summary: &str,
) -> Result<bool, StoreError> {
    let done = store.transition(t, now_ms()).await?;
    if done {
        audit::record(store, &agent.email, t.event, &t.conversation_id, summary).await?;
    }
    Ok(done)
}

/// The system message announcing a change, in the visitor's language.
fn notice(conv: &ConversationRow, fr: String, en: String) -> MessageRow {
    let text = if Lang::parse(&conv.locale) == Some(Lang::Fr) {
        fr
    } else {
        en
    };
    message(&conv.id, "system", false, None, &text, "[]", now_ms())
}

/// Takes a waiting conversation; `false` when someone else was faster.
pub async fn claim(
    store: &dyn Store,
    conv: &ConversationRow,
    agent: &User,
) -> Result<bool, StoreError> {
    let n = &agent.display_name;
    let t = Transition {
        conversation_id: conv.id.clone(),
        from: status::WAITING,
        to: status::WITH_AGENT,
        held_by: None,
        agent_id: Some(agent.id.clone()),
        event: "claimed",
        reason: None,
        notice: notice(
            conv,
            format!("{n} (une personne) a rejoint la conversation."),
            format!("{n} (a person) joined the conversation."),
        ),
    };
    apply(store, &t, agent, "took the conversation from the queue").await
}

/// Whether `agent` holds the conversation now (claimed it, or had it transferred to them).
pub fn holds(conv: &ConversationRow, agent: &User) -> bool {
    conv.status == status::WITH_AGENT && conv.agent_id.as_deref() == Some(agent.id.as_str())
}

/// Why a team message was not stored.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("only the person holding the conversation writes in it")]
    NotHolder,
    #[error(transparent)]
    ClientIdReused(#[from] crate::conversation::ClientIdReused),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A message from the person holding the conversation.
pub async fn reply(
    store: &dyn Store,
    conv: &ConversationRow,
    agent: &User,
    text: &MessageText,
    client: Option<&ClientMessageId>,
) -> Result<MessageRow, SendError> {
    if conv.status != status::WITH_AGENT || conv.agent_id.as_deref() != Some(agent.id.as_str()) {
        return Err(SendError::NotHolder);
    }
    let mut m = message(
        &conv.id,
        "agent",
        false,
        None,
        text.as_str(),
        "[]",
        now_ms(),
    );
    m.author_name = Some(agent.display_name.clone());
    if !add_once(store, &mut m, client).await? {
        return Ok(m);
    }
    audit::record(
        store,
        &agent.email,
        "agent_message",
        &conv.id,
        &format!("message {}", m.id),
    )
    .await?;
    Ok(m)
}

/// Hands the conversation back to the assistant.
pub async fn release(
    store: &dyn Store,
    conv: &ConversationRow,
    agent: &User,
) -> Result<bool, StoreError> {
    let n = &agent.display_name;
    let t = Transition {
        conversation_id: conv.id.clone(),
        from: status::WITH_AGENT,
        to: status::BOT,
        held_by: Some(agent.id.clone()),
        agent_id: None,
        event: "released",
        reason: None,
        notice: notice(conv, format!("{n} a rendu la conversation à l'assistant automatique (IA). Vous pouvez redemander une personne à tout moment."), format!("{n} handed the conversation back to the automated assistant (AI). You can ask for a person again at any time.")),
    };
    apply(store, &t, agent, "handed back to the assistant").await
}

/// Puts a conversation its holder can no longer answer (their account was switched off)
/// back in the queue where it stood when it was last queued (the visitor already waited),
/// so they still get a person. Recorded in the audit
/// log under `actor`, who made the change.
pub async fn requeue(
    store: &dyn Store,
    conv: &ConversationRow,
    holder: &User,
    actor: &str,
) -> Result<bool, StoreError> {
    let n = &holder.display_name;
    let t = Transition {
        conversation_id: conv.id.clone(),
        from: status::WITH_AGENT,
        to: status::WAITING,
        held_by: Some(holder.id.clone()),
        agent_id: None,
        event: "requeued",
        reason: Some(format!("{} is no longer on the team", holder.email)),
        notice: notice(
            conv,
            format!("{n} n'est plus disponible. Vous êtes de nouveau dans la file : une autre personne de l'équipe va vous répondre."),
            format!("{n} is no longer available. You are back in the queue: another person from the team will answer you."),
        ),
    };
    let done = store.transition(&t, now_ms()).await?;
    if done {
        let summary = format!("back to the queue from {}", holder.email);
        audit::record(store, actor, t.event, &t.conversation_id, &summary).await?;
    }
    Ok(done)
}

/// Passes the conversation to another person, who holds it from now on.
pub async fn transfer(
    store: &dyn Store,
    conv: &ConversationRow,
    agent: &User,
    to: &User,
) -> Result<bool, StoreError> {
    let (from, next) = (&agent.display_name, &to.display_name);
    let t = Transition {
        conversation_id: conv.id.clone(),
        from: status::WITH_AGENT,
        to: status::WITH_AGENT,
        held_by: Some(agent.id.clone()),
        agent_id: Some(to.id.clone()),
        event: "transferred",
        reason: Some(to.email.clone()),
        notice: notice(
            conv,
            format!("{from} a passé la conversation à {next} (une personne)."),
            format!("{from} passed the conversation to {next} (a person)."),
        ),
    };
    apply(store, &t, agent, &format!("to {}", to.email)).await
}

/// An internal note: kept with the conversation for the team, never shown to the visitor.
pub async fn note(
    store: &dyn Store,
    conv: &ConversationRow,
    agent: &User,
    text: &MessageText,
    client: Option<&ClientMessageId>,
) -> Result<MessageRow, SendError> {
    let mut m = message(&conv.id, NOTE, false, None, text.as_str(), "[]", now_ms());
    m.author_name = Some(agent.display_name.clone());
    if !add_once(store, &mut m, client).await? {
        return Ok(m);
    }
    audit::record(
        store,
        &agent.email,
        "internal_note",
        &conv.id,
        &format!("note {}", m.id),
    )
    .await?;
    Ok(m)
}

/// Stores a team message once. Under the console's `client` name for it, a resend (the
/// answer to the first send was lost) gets the stored message back instead of showing the
/// visitor the same words twice; `false` then, and nothing is logged again. The name used
/// for other words is refused.
async fn add_once(
    store: &dyn Store,
    m: &mut MessageRow,
    client: Option<&ClientMessageId>,
) -> Result<bool, SendError> {
    let Some(client) = client else {
        m.seq = store.add_message(m).await?;
        return Ok(true);
    };
    m.id = client.message_id(&m.conversation_id);
    let stored = match store.turn_of(&m.conversation_id, &m.id).await? {
        Some((stored, _)) => stored,
        None => match store.add_message(m).await {
            Ok(seq) => {
                m.seq = seq;
                return Ok(true);
            }
            // Both sends at once: the other one stored it.
            Err(e) if e.is_unique_violation() => {
                match store.turn_of(&m.conversation_id, &m.id).await? {
                    Some((stored, _)) => stored,
                    None => return Err(e.into()),
                }
            }
            Err(e) => return Err(e.into()),
        },
    };
    if !ClientMessageId::is_resend(&stored, m) {
        return Err(crate::conversation::ClientIdReused.into());
    }
    *m = stored;
    Ok(false)
}

/// Author of internal notes.
pub const NOTE: &str = "note";

/// Closes the conversation with a resolution note (kept in the handoff history).
pub async fn close(
    store: &dyn Store,
    conv: &ConversationRow,
    agent: &User,
    resolution: &str,
) -> Result<bool, StoreError> {
    let t = Transition {
        conversation_id: conv.id.clone(),
        from: status::WITH_AGENT,
        to: status::CLOSED,
        held_by: Some(agent.id.clone()),
        agent_id: Some(agent.id.clone()),
        event: "closed",
        reason: Some(resolution.to_string()),
        notice: notice(
            conv,
            "La conversation est terminée. Merci !".into(),
            "The conversation is closed. Thank you!".into(),
        ),
    };
    let closed = apply(store, &t, agent, "closed with a resolution").await?;
    // Details left to be contacted back served this conversation only: closing it says the
    // follow-up is done, so they go now rather than at the end of their retention period.
    if closed && store.delete_contact(&conv.id).await? {
        audit::record(
            store,
            &agent.email,
            "contact_deleted",
            &conv.id,
            "follow-up done: conversation closed",
        )
        .await?;
    }
    Ok(closed)
}

/// Estimated wait for a person, from the last 20 claims (ms), if there were any.
pub async fn estimated_wait(store: &dyn Store) -> Result<Option<i64>, StoreError> {
    let waits = store.recent_waits(20).await?;
    if waits.is_empty() {
        return Ok(None);
    }
    Ok(Some(waits.iter().sum::<i64>() / waits.len() as i64))
}
