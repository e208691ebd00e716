//! The visitor API the widget speaks: conversations, messages, why records, handoff.

use super::auth::VisitorConversation;
use super::ratelimit::Throttled;
use super::AppState;
use crate::conversation::service::{ServiceError, Started};
use crate::conversation::{rfc3339, ClientMessageId, MessageText, TextError};
use crate::error::{ApiError, ErrorCode};
use crate::knowledge::Lang;
use crate::storage::MessageRow;
use actix_web::{http::header, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

/// Registers the visitor routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/disclosure").route(web::get().to(disclosure)))
        .service(web::resource("/api/v1/conversations").route(web::post().to(create)))
        .service(
            web::resource("/api/v1/conversations/{id}")
                .route(web::get().to(transcript))
                // Erasure lives with the other privacy rights; one resource per path, so
                // that a method neither route takes is a 405 naming both.
                .route(web::delete().to(super::privacy::erase)),
        )
        .service(
            web::resource("/api/v1/conversations/{id}/messages")
                .route(web::post().to(post_message)),
        )
        .service(
            web::resource("/api/v1/conversations/{id}/messages/{message_id}/why")
                .route(web::get().to(why)),
        )
        .service(web::resource("/api/v1/conversations/{id}/handoff").route(web::post().to(handoff)))
        .service(web::resource("/api/v1/conversations/{id}/events").route(web::get().to(events)))
        .service(web::resource("/api/v1/conversations/{id}/typing").route(web::post().to(typing)))
        .service(web::resource("/api/v1/conversations/{id}/rating").route(web::post().to(rate)))
        .service(
            web::resource("/api/v1/conversations/{id}/messages/{message_id}/feedback")
                .route(web::post().to(feedback)),
        );
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> ApiError {
        match e {
            ServiceError::UnsupportedLocale => ApiError::new(
                ErrorCode::UnsupportedLocale,
                "Supported locales are 'fr' and 'en'.",
            ),
            ServiceError::Closed => ApiError::new(
                ErrorCode::ConversationClosed,
                "This conversation is closed; start a new one.",
            ),
            ServiceError::Store(e) => e.into(),
            ServiceError::ClientIdReused(e) => e.into(),
        }
    }
}

impl From<crate::conversation::ClientIdReused> for ApiError {
    fn from(_: crate::conversation::ClientIdReused) -> ApiError {
        ApiError::new(
            ErrorCode::ClientIdReused,
            "This client_id already names another message in this conversation: nothing was stored. Draw a new one for each message.",
        )
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    locale: Option<String>,
}

#[derive(Deserialize)]
struct LocaleQuery {
    locale: Option<String>,
}

/// The notices in force, for showing before a conversation exists.
async fn disclosure(
    state: web::Data<AppState>,
    q: web::Query<LocaleQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    // As when a conversation starts: a locale asked for by name is one Candor speaks.
    let lang = match q.locale.as_deref() {
        Some(raw) => Lang::parse(raw).ok_or(ServiceError::UnsupportedLocale)?,
        None => accept_language(&req),
    };
    let d = &state.assistant.disclosures;
    let text = d.text(lang);
    Ok(HttpResponse::Ok().json(json!({
        "version": d.version, "locale": lang, "ai_notice": text.ai_notice, "data_use": text.data_use,
    })))
}

async fn create(
    _: Throttled,
    state: web::Data<AppState>,
    body: web::Json<CreateBody>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.chars().take(200).collect());
    let Started {
        row,
        token,
        disclosure,
    } = state
        .assistant
        .start(body.locale.as_deref(), accept_language(&req), origin)
        .await?;
    Ok(HttpResponse::Created().json(json!({
        "id": row.id,
        "token": token,
        "status": row.status,
        "locale": row.locale,
        "disclosure": {
            "version": row.disclosure_version,
            "ai_notice": disclosure.ai_notice,
            "data_use": disclosure.data_use,
            "shown_at": rfc3339(row.disclosure_shown_at),
        },
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MessageBody {
    text: String,
    /// The widget's name for this message (a UUID it keeps for resends).
    client_id: Option<String>,
}

/// The sender's name for a message (`client_id`), checked: a resend under it is stored once.
pub(super) fn client_id(raw: Option<&str>) -> Result<Option<ClientMessageId>, ApiError> {
    raw.map(|raw| {
        ClientMessageId::parse(raw).ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidField,
                "client_id must be 1 to 64 letters, digits, '-' or '_'.",
            )
        })
    })
    .transpose()
}

async fn post_message(
    _: Throttled,
    state: web::Data<AppState>,
    VisitorConversation(conv): VisitorConversation,
    body: web::Json<MessageBody>,
) -> Result<HttpResponse, ApiError> {
    let text = MessageText::parse(&body.text).map_err(|e| match e {
        TextError::Empty => ApiError::new(ErrorCode::EmptyMessage, e.to_string()),
        TextError::TooLong => ApiError::new(ErrorCode::MessageTooLong, e.to_string()),
    })?;
    let client = client_id(body.client_id.as_deref())?;
    let outcome = state.assistant.ask(&conv, &text, client.as_ref()).await?;
    let mut visitor = message_json(&outcome.visitor);
    visitor["redacted"] = json!(outcome.redacted);
    Ok(HttpResponse::Ok().json(json!({
        "status": outcome.status,
        "visitor_message": visitor,
        "reply": outcome.reply.as_ref().map(message_json),
        "queue_position": outcome.queue_position,
    })))
}

async fn transcript(
    state: web::Data<AppState>,
    VisitorConversation(conv): VisitorConversation,
) -> Result<HttpResponse, ApiError> {
    let store = &state.assistant.store;
    let messages = store.messages(&conv.id).await?;
    let position = store.queue_position(&conv.id).await?;
    let d = &state.assistant.disclosures;
    let lang = Lang::parse(&conv.locale).unwrap_or(Lang::En);
    let mut disclosure =
        json!({"version": conv.disclosure_version, "shown_at": rfc3339(conv.disclosure_shown_at)});
    if d.version == conv.disclosure_version {
        disclosure["ai_notice"] = json!(d.text(lang).ai_notice);
        disclosure["data_use"] = json!(d.text(lang).data_use);
    }
    Ok(HttpResponse::Ok().json(json!({
        "id": conv.id,
        "status": conv.status,
        "locale": conv.locale,
        "keep_transcript": conv.keep_transcript,
        "queue_position": position,
        "disclosure": disclosure,
        // Whether a person took part (the widget asks for a rating once they close it).
        "had_person": messages.iter().any(|m| m.author == "agent"),
        "rating": store.rating_of(&conv.id).await?,
        // Internal notes of the team are not part of the chat (they are in the export).
        "messages": messages
            .iter()
            .filter(|m| m.author != crate::handoff::agent::NOTE)
            .map(message_json)
            .collect::<Vec<_>>(),
    })))
}

async fn why(
    state: web::Data<AppState>,
    VisitorConversation(conv): VisitorConversation,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (_, message_id) = path.into_inner();
    let record = state
        .assistant
        .store
        .why_record(&conv.id, &message_id)
        .await?;
    let record = record.ok_or_else(|| {
        ApiError::new(
            ErrorCode::MessageNotFound,
            "This conversation has no bot reply with this id.",
        )
    })?;
    let mut value: Value = serde_json::from_str(&record).map_err(|e| ApiError::internal(&e))?;
    value["message_id"] = json!(message_id);
    Ok(HttpResponse::Ok().json(value))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct HandoffBody {
    reason: Option<String>,
}

/// The visitor is typing: the person holding the conversation sees "the visitor is typing…"
/// (never what), so the two do not write past each other. Nothing is stored; outside a
/// person's conversation, or past 30 signals a minute, the signal is dropped, not refused:
/// it is only a hint, and the widget sends one at most every 3 s.
async fn typing(
    state: web::Data<AppState>,
    VisitorConversation(conv): VisitorConversation,
) -> HttpResponse {
    let now = crate::conversation::now_ms() / 1000;
    if conv.status == crate::conversation::service::status::WITH_AGENT
        && state.typing_limiter.check(&conv.id, now).is_ok()
    {
        let topic = crate::realtime::visitor_typing_topic(&conv.id);
        state.assistant.hub.notify(&topic);
    }
    HttpResponse::NoContent().finish()
}

async fn handoff(
    state: web::Data<AppState>,
    VisitorConversation(conv): VisitorConversation,
    body: web::Json<HandoffBody>,
) -> Result<HttpResponse, ApiError> {
    let reason = body
        .into_inner()
        .reason
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty());
    if reason.as_ref().is_some_and(|r| r.chars().count() > 500) {
        return Err(ApiError::new(
            ErrorCode::InvalidField,
            "The reason must be at most 500 characters.",
        ));
    }
    let position = state.assistant.request_human(&conv, reason).await?;
    let now = crate::conversation::now_ms();
    let team = crate::handoff::availability(
        state.assistant.store.as_ref(),
        now,
        state.assistant.rules.hours.as_ref(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(json!({
        "status": "waiting_for_agent",
        "queue_position": position,
        "people_online": team.people_online,
        "estimated_wait_seconds": team.estimated_wait_seconds,
        "closed": team.closed,
    })))
}

/// The conversation's live events (SSE): messages and status, resumable by event id.
async fn events(
    state: web::Data<AppState>,
    VisitorConversation(conv): VisitorConversation,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let after = super::sse::resume_point(&req)?;
    Ok(super::sse::stream(
        &state,
        conv.id,
        after,
        super::sse::Audience::Visitor,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FeedbackBody {
    helpful: bool,
    comment: Option<String>,
}

/// The visitor's thumbs up or down on a bot reply (a new vote replaces the previous one).
async fn feedback(
    state: web::Data<AppState>,
    VisitorConversation(conv): VisitorConversation,
    path: web::Path<(String, String)>,
    body: web::Json<FeedbackBody>,
) -> Result<HttpResponse, ApiError> {
    let (_, message_id) = path.into_inner();
    let body = body.into_inner();
    let comment = visitor_comment(&state, body.comment)?;
    let now = crate::conversation::now_ms();
    let store = state.assistant.store.as_ref();
    let saved = store
        .save_feedback(&conv.id, &message_id, body.helpful, comment.as_deref(), now)
        .await?;
    if !saved {
        return Err(ApiError::new(
            ErrorCode::MessageNotFound,
            "This conversation has no bot reply with this id.",
        ));
    }
    Ok(HttpResponse::Ok().json(json!({"recorded": true, "helpful": body.helpful})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RatingBody {
    helped: bool,
    comment: Option<String>,
}

/// The visitor rates the help a person gave (once the conversation had one; the latest
/// rating counts). Open after the person closed the conversation: that is when it is asked.
async fn rate(
    state: web::Data<AppState>,
    VisitorConversation(conv): VisitorConversation,
    body: web::Json<RatingBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let comment = visitor_comment(&state, body.comment)?;
    let rating = crate::storage::Rating {
        helped: body.helped,
        comment,
        created_at: crate::conversation::now_ms(),
    };
    if !state.assistant.store.save_rating(&conv.id, &rating).await? {
        return Err(ApiError::new(
            ErrorCode::NotRateable,
            "No person took part in this conversation: rate the assistant's answers instead.",
        ));
    }
    Ok(HttpResponse::Ok().json(json!({"recorded": true, "helped": rating.helped})))
}

/// An optional comment of the visitor's (feedback, rating): at most 500 characters,
/// personal data redacted before it is stored.
fn visitor_comment(state: &AppState, raw: Option<String>) -> Result<Option<String>, ApiError> {
    let comment = raw.map(|c| c.trim().to_string()).filter(|c| !c.is_empty());
    if comment.as_ref().is_some_and(|c| c.chars().count() > 500) {
        return Err(ApiError::new(
            ErrorCode::InvalidField,
            "The comment must be at most 500 characters.",
        ));
    }
    Ok(comment.map(|c| state.assistant.redactor.redact(&c).text))
}

/// A stored message as the API shows it.
pub fn message_json(m: &MessageRow) -> Value {
    let citations: Value = serde_json::from_str(&m.citations).unwrap_or_else(|_| json!([]));
    let mut v = json!({
        "seq": m.seq,
        "id": m.id,
        "author": m.author,
        "ai_generated": m.ai_generated,
        "kind": m.kind,
        "text": m.text,
        "citations": citations,
        "created_at": rfc3339(m.created_at),
    });
    if let Some(name) = &m.author_name {
        v["author_name"] = json!(name);
    }
    if m.author == "bot" {
        v["why_url"] = json!(format!(
            "/api/v1/conversations/{}/messages/{}/why",
            m.conversation_id, m.id
        ));
        // A reply to a question in German or Spanish is a notice of the languages answered,
        // not an answer to judge: the widget does not ask "Helpful?" under it.
        if let Some(code) = m.lang.as_deref().filter(|l| Lang::unanswered(l)) {
            v["written_in"] = json!(code);
        }
    }
    v
}

/// The first supported language of the Accept-Language header, English otherwise.
pub(super) fn accept_language(req: &HttpRequest) -> Lang {
    req.headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split(',')
                .find_map(|tag| Lang::parse(tag.split(';').next().unwrap_or("")))
        })
        .unwrap_or(Lang::En)
}
