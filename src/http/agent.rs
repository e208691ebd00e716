//! The agent API: see the queue, claim, write, hand back, close, transfer, erase on request.

use super::auth::AgentUser;
use super::widget::message_json;
use super::AppState;
use crate::conversation::{now_ms, rfc3339, ClientMessageId, ConversationId, MessageText};
use crate::error::{ApiError, ErrorCode};
use crate::handoff::agent;
use crate::privacy::redact::Redacted;
use crate::realtime::QUEUE;
use crate::storage::{ConversationRow, MessageRow};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

/// Registers the agent API.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/agent/queue").route(web::get().to(queue)))
        .service(web::resource("/api/v1/agent/events").route(web::get().to(queue_events)))
        .service(
            web::resource("/api/v1/agent/conversations/{id}")
                .route(web::get().to(conversation))
                .route(web::delete().to(erase)),
        )
        .service(
            web::resource("/api/v1/agent/conversations/{id}/events").route(web::get().to(events)),
        )
        .service(
            web::resource("/api/v1/agent/conversations/{id}/claim").route(web::post().to(claim)),
        )
        .service(
            web::resource("/api/v1/agent/conversations/{id}/messages").route(web::post().to(reply)),
        )
        .service(
            web::resource("/api/v1/agent/conversations/{id}/release")
                .route(web::post().to(release)),
        )
        .service(
            web::resource("/api/v1/agent/conversations/{id}/close").route(web::post().to(close)),
        )
        .service(
            web::resource("/api/v1/agent/conversations/{id}/transfer")
                .route(web::post().to(transfer)),
        )
        .service(
            web::resource("/api/v1/agent/conversations/{id}/notes").route(web::post().to(note)),
        )
        .service(
            web::resource("/api/v1/agent/conversations/{id}/typing").route(web::post().to(typing)),
        )
        .service(web::resource("/api/v1/agent/canned").route(web::get().to(canned)))
        .service(web::resource("/api/v1/agent/team").route(web::get().to(team)));
}

async fn load(state: &AppState, raw: &str) -> Result<ConversationRow, ApiError> {
    let id = ConversationId::parse(raw)
        .ok_or_else(|| ApiError::new(ErrorCode::ConversationNotFound, "No such conversation."))?;
    state
        .assistant
        .store
        .conversation(id.as_str())
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::ConversationNotFound, "No such conversation."))
}

#[derive(Deserialize)]
struct QueueQuery {
    /// Only conversations in this language (routing by skill).
    lang: Option<String>,
}

async fn queue(
    state: web::Data<AppState>,
    AgentUser(me): AgentUser,
    q: web::Query<QueueQuery>,
) -> Result<HttpResponse, ApiError> {
    let lang = match q.lang.as_deref() {
        None => None,
        Some(raw) => Some(crate::knowledge::Lang::parse(raw).ok_or_else(|| {
            ApiError::new(
                ErrorCode::UnsupportedLocale,
                "Supported locales are 'fr' and 'en'.",
            )
        })?),
    };
    let store = state.assistant.store.as_ref();
    let mut waiting = store.waiting_queue().await?;
    if let Some(lang) = lang {
        waiting.retain(|c| c.locale == lang.code());
    }
    let estimate = agent::estimated_wait(store).await?;
    let now = now_ms();
    let with_contact = store.conversations_with_contact().await?;
    let follow_up = |id: &str| with_contact.iter().any(|c| c == id);
    // The language of each conversation's latest turn, when the assistant does not answer
    // in it.
    let latest: std::collections::HashMap<String, String> =
        store.turn_languages().await?.into_iter().collect();
    let writes_in = |id: &str| {
        latest
            .get(id)
            .filter(|l| crate::knowledge::Lang::unanswered(l))
            .cloned()
    };
    let items: Vec<Value> = waiting
        .iter()
        .enumerate()
        .map(|(i, c)| {
            json!({
                "id": c.id, "position": i + 1, "locale": c.locale,
                "waiting_seconds": (now - c.queue_entered_at.unwrap_or(now)) / 1000,
                "trigger": c.handoff_trigger, "reason": c.handoff_reason,
                "follow_up": follow_up(&c.id), "writes_in": writes_in(&c.id),
                "visitor": crate::handoff::visitor_presence(c.visitor_seen_at, now),
            })
        })
        .collect();
    // What the caller holds (claimed, or transferred to them): found again after a reload.
    // ... and whether its visitor is waiting for the person's reply, and since when: what
    // an agent with several conversations must see first.
    let awaiting = store.awaiting_reply(&me.id).await?;
    let mine: Vec<Value> = store
        .held_by(&me.id)
        .await?
        .iter()
        .map(|c| {
            let since = awaiting.iter().find(|(id, _)| *id == c.id).map(|(_, t)| *t);
            json!({"id": c.id, "locale": c.locale,
                   "idle_seconds": (now - c.updated_at).max(0) / 1000,
                   "visitor_waiting_seconds": since.map(|t| (now - t).max(0) / 1000),
                   "follow_up": follow_up(&c.id), "writes_in": writes_in(&c.id),
                   "visitor": crate::handoff::visitor_presence(c.visitor_seen_at, now)})
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "waiting": items,
        "mine": mine,
        "estimated_wait_seconds": estimate.map(|ms| ms / 1000),
    })))
}

async fn conversation(
    state: web::Data<AppState>,
    AgentUser(_): AgentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let conv = load(&state, &path).await?;
    let store = state.assistant.store.as_ref();
    let messages = store.messages(&conv.id).await?;
    let whys = store.why_records(&conv.id).await?;
    let mut out: Vec<Value> = messages.iter().map(message_json).collect();
    for m in out.iter_mut() {
        if let Some((_, w)) = whys.iter().find(|(id, _)| m["id"] == *id) {
            m["why"] = serde_json::from_str(w).unwrap_or(Value::Null);
        }
    }
    Ok(HttpResponse::Ok().json(json!({
        "id": conv.id, "status": conv.status, "locale": conv.locale, "agent_id": conv.agent_id,
        // The site the widget was on (its origin, for shops with several), never the page.
        "origin": conv.origin,
        // Whether the visitor's widget still follows the conversation (still on the site).
        "visitor": crate::handoff::visitor_presence(conv.visitor_seen_at, now_ms()),
        "handoff_trigger": conv.handoff_trigger, "handoff_reason": conv.handoff_reason,
        // The visitor's verdict on the team's help, once they gave it.
        "rating": store.rating_of(&conv.id).await?,
        // Details the visitor left to be contacted back (nobody was online): the one use
        // they agreed to, so the team sees them here, with the day they are deleted.
        "contact": store.contact(&conv.id).await?.map(|k| json!({
            "email": k.email, "phone": k.phone, "left_at": rfc3339(k.created_at),
            "deleted_by": rfc3339(k.created_at + i64::from(state.privacy.retention.contact_days) * 86_400_000),
        })),
        "messages": out,
    })))
}

async fn events(
    state: web::Data<AppState>,
    AgentUser(_): AgentUser,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let conv = load(&state, &path).await?;
    let after = super::sse::resume_point(&req)?;
    Ok(super::sse::stream(
        &state,
        conv.id,
        after,
        super::sse::Audience::Team(super::auth::session_hash(&req).unwrap_or_default()),
    ))
}

async fn claim(
    state: web::Data<AppState>,
    AgentUser(user): AgentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let conv = load(&state, &path).await?;
    let won = agent::claim(state.assistant.store.as_ref(), &conv, &user).await?;
    if !won {
        return Err(ApiError::new(
            ErrorCode::AlreadyClaimed,
            "Someone else holds this conversation, or it is not waiting.",
        ));
    }
    state.assistant.hub.notify(&conv.id);
    state.assistant.hub.notify(QUEUE);
    Ok(HttpResponse::Ok().json(json!({"status": "with_agent", "agent_id": user.id})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TextBody {
    text: String,
    /// The console's name for this message, kept for resends (see `ClientMessageId`).
    client_id: Option<String>,
}

impl TextBody {
    /// The text within its limits and the console's name for the message, both checked.
    fn parsed(&self) -> Result<(MessageText, Option<ClientMessageId>), ApiError> {
        let text = MessageText::parse(&self.text)
            .map_err(|e| ApiError::new(ErrorCode::InvalidField, e.to_string()))?;
        Ok((text, super::widget::client_id(self.client_id.as_deref())?))
    }
}

impl From<agent::SendError> for ApiError {
    fn from(e: agent::SendError) -> ApiError {
        match e {
            agent::SendError::NotHolder => ApiError::new(
                ErrorCode::NotHolder,
                "Claim the conversation before writing in it.",
            ),
            agent::SendError::ClientIdReused(e) => e.into(),
            agent::SendError::Store(e) => e.into(),
        }
    }
}

/// A reply from the person holding the conversation, masked as a team message (the shop's
/// own contact and bank details stay; card and social security numbers do not).
async fn reply(
    state: web::Data<AppState>,
    AgentUser(user): AgentUser,
    path: web::Path<String>,
    body: web::Json<TextBody>,
) -> Result<HttpResponse, ApiError> {
    let conv = load(&state, &path).await?;
    let (text, client) = body.parsed()?;
    let red = state.assistant.redactor.redact_team_message(text.as_str());
    let text = masked(&red)?;
    let m = agent::reply(
        state.assistant.store.as_ref(),
        &conv,
        &user,
        &text,
        client.as_ref(),
    )
    .await?;
    state.assistant.hub.notify(&conv.id);
    Ok(sent(&m, &red))
}

/// The holder is typing a reply: the visitor's widget says so for a few seconds. Nothing is
/// stored; the console sends it at most every few seconds while the agent types.
async fn typing(
    state: web::Data<AppState>,
    AgentUser(user): AgentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let conv = load(&state, &path).await?;
    if !agent::holds(&conv, &user) {
        return Err(ApiError::new(
            ErrorCode::NotHolder,
            "Only the person holding the conversation is shown typing.",
        ));
    }
    let topic = crate::realtime::typing_topic(&conv.id, &user.display_name);
    state.assistant.hub.notify(&topic);
    Ok(HttpResponse::NoContent().finish())
}

async fn release(
    state: web::Data<AppState>,
    AgentUser(user): AgentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let conv = load(&state, &path).await?;
    if !agent::release(state.assistant.store.as_ref(), &conv, &user).await? {
        return Err(ApiError::new(
            ErrorCode::NotHolder,
            "Only the person holding the conversation can hand it back.",
        ));
    }
    state.assistant.hub.notify(&conv.id);
    // The consoles' lists of who holds what change too.
    state.assistant.hub.notify(QUEUE);
    Ok(HttpResponse::Ok().json(json!({"status": "bot"})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CloseBody {
    resolution: String,
}

async fn close(
    state: web::Data<AppState>,
    AgentUser(user): AgentUser,
    path: web::Path<String>,
    body: web::Json<CloseBody>,
) -> Result<HttpResponse, ApiError> {
    let conv = load(&state, &path).await?;
    let resolution = body.resolution.trim();
    if resolution.is_empty() || resolution.chars().count() > 1000 {
        return Err(ApiError::new(
            ErrorCode::InvalidField,
            "Give a resolution of 1 to 1,000 characters.",
        ));
    }
    let resolution = state.assistant.redactor.redact(resolution).text;
    if !agent::close(state.assistant.store.as_ref(), &conv, &user, &resolution).await? {
        return Err(ApiError::new(
            ErrorCode::NotHolder,
            "Only the person holding the conversation can close it.",
        ));
    }
    state.assistant.hub.notify(&conv.id);
    state.assistant.hub.notify(QUEUE);
    Ok(HttpResponse::Ok().json(json!({"status": "closed"})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EraseBody {
    reason: String,
}

/// Erasure on a visitor's request (by email, phone…), by an agent or an admin; audited.
async fn erase(
    state: web::Data<AppState>,
    AgentUser(user): AgentUser,
    path: web::Path<String>,
    body: web::Json<EraseBody>,
) -> Result<HttpResponse, ApiError> {
    let reason = body.reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(ApiError::new(
            ErrorCode::InvalidField,
            "Say why (the visitor's request), in 1 to 500 characters.",
        ));
    }
    let conv = load(&state, &path).await?;
    let reason = state.assistant.redactor.redact(reason).text;
    let store = state.assistant.store.as_ref();
    crate::privacy::rights::erase(store, &conv.id, now_ms(), &user.email, &reason).await?;
    super::privacy::announce_erasure(&state, &conv.id);
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TransferBody {
    agent_id: String,
}

async fn transfer(
    state: web::Data<AppState>,
    AgentUser(user): AgentUser,
    path: web::Path<String>,
    body: web::Json<TransferBody>,
) -> Result<HttpResponse, ApiError> {
    let conv = load(&state, &path).await?;
    let store = state.assistant.store.as_ref();
    let to = store
        .user_by_id(&body.agent_id)
        .await?
        .filter(|u| u.role != "operator" && u.disabled_at.is_none())
        .ok_or_else(|| ApiError::new(ErrorCode::InvalidField, "No agent with this id."))?;
    if to.id == user.id {
        return Err(ApiError::new(
            ErrorCode::InvalidField,
            "You hold this conversation already: pick someone else.",
        ));
    }
    if !agent::transfer(store, &conv, &user, &to).await? {
        return Err(ApiError::new(
            ErrorCode::NotHolder,
            "Only the person holding the conversation can transfer it.",
        ));
    }
    state.assistant.hub.notify(&conv.id);
    // The receiving person's console lists it under their conversations at once.
    state.assistant.hub.notify(QUEUE);
    Ok(HttpResponse::Ok().json(json!({"status": "with_agent", "agent_id": to.id})))
}

async fn note(
    state: web::Data<AppState>,
    AgentUser(user): AgentUser,
    path: web::Path<String>,
    body: web::Json<TextBody>,
) -> Result<HttpResponse, ApiError> {
    let conv = load(&state, &path).await?;
    let (text, client) = body.parsed()?;
    // A note is about the visitor, never to them: everything personal is masked.
    let red = state.assistant.redactor.redact(text.as_str());
    let text = masked(&red)?;
    let m = agent::note(
        state.assistant.store.as_ref(),
        &conv,
        &user,
        &text,
        client.as_ref(),
    )
    .await?;
    state.assistant.hub.notify(&conv.id);
    Ok(sent(&m, &red))
}

/// The text as it will be stored, checked again: masking changes its length.
fn masked(red: &Redacted) -> Result<MessageText, ApiError> {
    MessageText::parse(&red.text).map_err(|e| ApiError::new(ErrorCode::InvalidField, e.to_string()))
}

/// The stored message, with what was masked from it: the console tells the agent, as the
/// widget tells the visitor.
fn sent(m: &MessageRow, red: &Redacted) -> HttpResponse {
    let mut json = message_json(m);
    json["redacted"] = json!(red.kinds);
    HttpResponse::Ok().json(json)
}

/// The operator's canned replies, for the console's picker.
async fn canned(state: web::Data<AppState>, AgentUser(_): AgentUser) -> HttpResponse {
    HttpResponse::Ok().json(&state.canned_replies)
}

/// The people who can take a conversation, with their presence (for transfers).
async fn team(
    state: web::Data<AppState>,
    AgentUser(me): AgentUser,
) -> Result<HttpResponse, ApiError> {
    let users = state.assistant.store.users().await?;
    let load = state.assistant.store.load_by_agent().await?;
    let online_since = now_ms() - 60_000;
    let people: Vec<Value> = users
        .iter()
        .filter(|u| u.role != "operator" && u.disabled_at.is_none())
        .map(|u| {
            json!({"id": u.id, "name": u.display_name, "online": u.last_seen_at >= online_since,
            "holding": load.iter().find(|(id, _)| id == &u.id).map_or(0, |(_, n)| *n),
            "you": u.id == me.id})
        })
        .collect();
    Ok(HttpResponse::Ok().json(people))
}

/// Live queue changes for the console (SSE): each `queue` event means "reload the queue".
async fn queue_events(
    state: web::Data<AppState>,
    AgentUser(_): AgentUser,
    req: HttpRequest,
) -> HttpResponse {
    let session = super::auth::session_hash(&req).unwrap_or_default();
    super::sse::queue_stream(&state, super::sse::Audience::Team(session))
}
