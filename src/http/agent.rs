//! The agent API and console: sign in, see the queue, claim, write, hand back, close.

use super::auth::AgentUser;
use super::auth::{CSRF_COOKIE, SESSION_COOKIE};
use super::widget::message_json;
use super::AppState;
use crate::conversation::{now_ms, ConversationId, MessageText};
use crate::error::{ApiError, ErrorCode};
use crate::handoff::{accounts, agent};
use crate::realtime::QUEUE;
use crate::storage::ConversationRow;
use actix_web::cookie::{time::Duration as CookieDuration, Cookie, SameSite};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;
use serde_json::{json, Value};

/// Registers the console page and the agent API.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/agent", web::get().to(console))
        .route("/agent.js", web::get().to(console_js))
        .route("/api/v1/auth/login", web::post().to(login))
        .route("/api/v1/auth/session", web::post().to(session))
        .route("/api/v1/auth/logout", web::post().to(logout))
        .route("/api/v1/agent/queue", web::get().to(queue))
        .route(
            "/api/v1/agent/conversations/{id}",
            web::get().to(conversation),
        )
        .route(
            "/api/v1/agent/conversations/{id}/events",
            web::get().to(events),
        )
        .route(
            "/api/v1/agent/conversations/{id}/claim",
            web::post().to(claim),
        )
        .route(
            "/api/v1/agent/conversations/{id}/messages",
            web::post().to(reply),
        )
        .route(
            "/api/v1/agent/conversations/{id}/release",
            web::post().to(release),
        )
        .route(
            "/api/v1/agent/conversations/{id}/close",
            web::post().to(close),
        )
        .route("/api/v1/agent/conversations/{id}", web::delete().to(erase))
        .route("/api/v1/audit/log", web::get().to(audit_log))
        .route(
            "/api/v1/agent/conversations/{id}/transfer",
            web::post().to(transfer),
        )
        .route(
            "/api/v1/agent/conversations/{id}/notes",
            web::post().to(note),
        )
        .route("/api/v1/agent/canned", web::get().to(canned))
        .route("/api/v1/agent/team", web::get().to(team));
}

#[derive(Template)]
#[template(path = "agent.html")]
struct ConsolePage {
    /// Echoed by the console's script in `X-CSRF-Token` (double-submit cookie).
    csrf: String,
}

/// A cookie only this site's pages can send (SameSite=Strict), invisible to scripts.
fn cookie(
    req: &HttpRequest,
    name: &'static str,
    value: String,
    max_age_hours: i64,
) -> Cookie<'static> {
    let https = req.connection_info().scheme() == "https";
    Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(https)
        .max_age(CookieDuration::hours(max_age_hours))
        .finish()
}

async fn console(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let csrf = match req.cookie(CSRF_COOKIE) {
        Some(c) if c.value().len() == 64 => c.value().to_string(),
        _ => crate::conversation::VisitorToken::generate().0,
    };
    let html = ConsolePage { csrf: csrf.clone() }
        .render()
        .map_err(|e| ApiError::internal(&e))?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .cookie(cookie(&req, CSRF_COOKIE, csrf, 12))
        .body(html))
}

/// Console sign-in: checks the CSRF token, then sets the session cookie.
async fn session(
    state: web::Data<AppState>,
    body: web::Json<LoginBody>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let cookie_csrf = req.cookie(CSRF_COOKIE).map(|c| c.value().to_string());
    let header = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok());
    if cookie_csrf.is_none() || cookie_csrf.as_deref() != header {
        return Err(ApiError::new(
            ErrorCode::CsrfFailed,
            "Missing or wrong CSRF token: reload the page.",
        ));
    }
    let token = sign_in(&state, &body, &req).await?;
    Ok(HttpResponse::Ok()
        .cookie(cookie(&req, SESSION_COOKIE, token, 12))
        .json(json!({"signed_in": true})))
}

/// Ends the session: the token is revoked and the cookie cleared.
async fn logout(
    state: web::Data<AppState>,
    AgentUser(user): AgentUser,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let store = state.assistant.store.as_ref();
    let token = req
        .cookie(SESSION_COOKIE)
        .map(|c| c.value().to_string())
        .or_else(|| {
            req.headers()
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(String::from)
        });
    if let Some(t) = token {
        store
            .delete_token(&crate::conversation::VisitorToken::hash(&t))
            .await
            .map_err(|e| ApiError::internal(&e))?;
    }
    crate::audit::record(store, &user.email, "sign_out", &user.id, "")
        .await
        .map_err(|e| ApiError::internal(&e))?;
    let mut gone = cookie(&req, SESSION_COOKIE, String::new(), 0);
    gone.make_removal();
    Ok(HttpResponse::Ok()
        .cookie(gone)
        .json(json!({"signed_in": false})))
}

async fn console_js() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/javascript; charset=utf-8")
        .body(concat!(
            "\"use strict\";\n",
            include_str!("../../templates/sse-reader.js"),
            include_str!("../../templates/agent.js")
        ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginBody {
    email: String,
    password: String,
}

async fn login(
    state: web::Data<AppState>,
    body: web::Json<LoginBody>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let token = sign_in(&state, &body, &req).await?;
    Ok(HttpResponse::Ok().json(json!({"token": token})))
}

/// Checks the password; counts failures against the (email, client) rate limit.
async fn sign_in(
    state: &AppState,
    body: &LoginBody,
    req: &HttpRequest,
) -> Result<String, ApiError> {
    let key = format!(
        "{}|{}",
        body.email.trim().to_lowercase(),
        state.login_limiter.client_key(req)
    );
    let now = now_ms() / 1000;
    let store = state.assistant.store.as_ref();
    match accounts::login(store, &body.email, &body.password)
        .await
        .map_err(|e| ApiError::internal(&e))?
    {
        Some(token) => Ok(token),
        None => {
            // Only failures count, so a person who types the password right is never blocked.
            if let Err(wait) = state.login_limiter.check(&key, now) {
                return Err(ApiError {
                    retry_after: Some(wait),
                    ..ApiError::new(
                        ErrorCode::RateLimited,
                        "Too many failed sign-ins: wait a minute.",
                    )
                });
            }
            Err(ApiError::new(
                ErrorCode::InvalidCredentials,
                "Wrong email or password.",
            ))
        }
    }
}

async fn load(state: &AppState, raw: &str) -> Result<ConversationRow, ApiError> {
    let id = ConversationId::parse(raw)
        .ok_or_else(|| ApiError::new(ErrorCode::ConversationNotFound, "No such conversation."))?;
    state
        .assistant
        .store
        .conversation(id.as_str())
        .await
        .map_err(|e| ApiError::internal(&e))?
        .ok_or_else(|| ApiError::new(ErrorCode::ConversationNotFound, "No such conversation."))
}

#[derive(Deserialize)]
struct QueueQuery {
    /// Only conversations in this language (routing by skill).
    lang: Option<String>,
}

async fn queue(
    state: web::Data<AppState>,
    AgentUser(_): AgentUser,
    q: web::Query<QueueQuery>,
) -> Result<HttpResponse, ApiError> {
    let store = state.assistant.store.as_ref();
    let mut waiting = store
        .waiting_queue()
        .await
        .map_err(|e| ApiError::internal(&e))?;
    if let Some(lang) = &q.lang {
        waiting.retain(|c| &c.locale == lang);
    }
    let estimate = agent::estimated_wait(store)
        .await
        .map_err(|e| ApiError::internal(&e))?;
    let now = now_ms();
    let items: Vec<Value> = waiting
        .iter()
        .enumerate()
        .map(|(i, c)| {
            json!({
                "id": c.id, "position": i + 1, "locale": c.locale,
                "waiting_seconds": (now - c.queue_entered_at.unwrap_or(now)) / 1000,
                "trigger": c.handoff_trigger, "reason": c.handoff_reason,
            })
        })
        .collect();
    Ok(HttpResponse::Ok()
        .json(json!({"waiting": items, "estimated_wait_seconds": estimate.map(|ms| ms / 1000)})))
}

async fn conversation(
    state: web::Data<AppState>,
    AgentUser(_): AgentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let conv = load(&state, &path).await?;
    let store = state.assistant.store.as_ref();
    let messages = store
        .messages(&conv.id)
        .await
        .map_err(|e| ApiError::internal(&e))?;
    let whys = store
        .why_records(&conv.id)
        .await
        .map_err(|e| ApiError::internal(&e))?;
    let mut out: Vec<Value> = messages.iter().map(message_json).collect();
    for m in out.iter_mut() {
        if let Some((_, w)) = whys.iter().find(|(id, _)| m["id"] == *id) {
            m["why"] = serde_json::from_str(w).unwrap_or(Value::Null);
        }
    }
    Ok(HttpResponse::Ok().json(json!({
        "id": conv.id, "status": conv.status, "locale": conv.locale, "agent_id": conv.agent_id,
        "handoff_trigger": conv.handoff_trigger, "handoff_reason": conv.handoff_reason, "messages": out,
    })))
}

async fn events(
    state: web::Data<AppState>,
    AgentUser(_): AgentUser,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let conv = load(&state, &path).await?;
    let after = super::sse::resume_point(&req);
    Ok(super::sse::stream(
        &state,
        conv.id,
        after,
        super::sse::Audience::Team,
    ))
}

async fn claim(
    state: web::Data<AppState>,
    AgentUser(user): AgentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let conv = load(&state, &path).await?;
    let won = agent::claim(state.assistant.store.as_ref(), &conv, &user)
        .await
        .map_err(|e| ApiError::internal(&e))?;
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
}

async fn reply(
    state: web::Data<AppState>,
    AgentUser(user): AgentUser,
    path: web::Path<String>,
    body: web::Json<TextBody>,
) -> Result<HttpResponse, ApiError> {
    let conv = load(&state, &path).await?;
    let text = MessageText::parse(&body.text)
        .map_err(|e| ApiError::new(ErrorCode::InvalidField, e.to_string()))?;
    let sent = agent::reply(state.assistant.store.as_ref(), &conv, &user, &text)
        .await
        .map_err(|e| ApiError::internal(&e))?;
    let m = sent.ok_or_else(|| {
        ApiError::new(
            ErrorCode::NotHolder,
            "Claim the conversation before writing in it.",
        )
    })?;
    state.assistant.hub.notify(&conv.id);
    Ok(HttpResponse::Ok().json(message_json(&m)))
}

async fn release(
    state: web::Data<AppState>,
    AgentUser(user): AgentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let conv = load(&state, &path).await?;
    if !agent::release(state.assistant.store.as_ref(), &conv, &user)
        .await
        .map_err(|e| ApiError::internal(&e))?
    {
        return Err(ApiError::new(
            ErrorCode::NotHolder,
            "Only the person holding the conversation can hand it back.",
        ));
    }
    state.assistant.hub.notify(&conv.id);
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
    if !agent::close(state.assistant.store.as_ref(), &conv, &user, &resolution)
        .await
        .map_err(|e| ApiError::internal(&e))?
    {
        return Err(ApiError::new(
            ErrorCode::NotHolder,
            "Only the person holding the conversation can close it.",
        ));
    }
    state.assistant.hub.notify(&conv.id);
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
    crate::privacy::rights::erase(store, &conv.id, now_ms(), &user.email, &reason)
        .await
        .map_err(|e| ApiError::internal(&e))?;
    state.assistant.hub.notify(&conv.id);
    state.assistant.hub.notify(QUEUE);
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
struct AuditQuery {
    actor: Option<String>,
    action: Option<String>,
}

/// The audit log with its verification, filterable by actor and action (admins only).
async fn audit_log(
    state: web::Data<AppState>,
    AgentUser(user): AgentUser,
    q: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    if accounts::Role::parse(&user.role) != Some(accounts::Role::Admin) {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "The audit log is for admins.",
        ));
    }
    let entries = state
        .assistant
        .store
        .audit_entries()
        .await
        .map_err(|e| ApiError::internal(&e))?;
    let verified = crate::audit::verify(&entries);
    let shown: Vec<_> = entries
        .iter()
        .filter(|e| {
            q.actor.as_ref().is_none_or(|a| &e.actor == a)
                && q.action.as_ref().is_none_or(|a| &e.action == a)
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "chain_intact": verified.is_ok(),
        "first_broken": verified.err(),
        "entries": shown,
    })))
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
        .await
        .map_err(|e| ApiError::internal(&e))?
        .filter(|u| u.role != "operator")
        .ok_or_else(|| ApiError::new(ErrorCode::InvalidField, "No agent with this id."))?;
    if !agent::transfer(store, &conv, &user, &to)
        .await
        .map_err(|e| ApiError::internal(&e))?
    {
        return Err(ApiError::new(
            ErrorCode::NotHolder,
            "Only the person holding the conversation can transfer it.",
        ));
    }
    state.assistant.hub.notify(&conv.id);
    Ok(HttpResponse::Ok().json(json!({"status": "with_agent", "agent_id": to.id})))
}

async fn note(
    state: web::Data<AppState>,
    AgentUser(user): AgentUser,
    path: web::Path<String>,
    body: web::Json<TextBody>,
) -> Result<HttpResponse, ApiError> {
    let conv = load(&state, &path).await?;
    let text = MessageText::parse(&body.text)
        .map_err(|e| ApiError::new(ErrorCode::InvalidField, e.to_string()))?;
    let text = MessageText::parse(&state.assistant.redactor.redact(text.as_str()).text)
        .map_err(|e| ApiError::new(ErrorCode::InvalidField, e.to_string()))?;
    let m = agent::note(state.assistant.store.as_ref(), &conv, &user, &text)
        .await
        .map_err(|e| ApiError::internal(&e))?;
    state.assistant.hub.notify(&conv.id);
    Ok(HttpResponse::Ok().json(message_json(&m)))
}

/// The operator's canned replies, for the console's picker.
async fn canned(state: web::Data<AppState>, AgentUser(_): AgentUser) -> HttpResponse {
    HttpResponse::Ok().json(&state.canned_replies)
}

/// The people who can take a conversation, with their presence (for transfers).
async fn team(
    state: web::Data<AppState>,
    AgentUser(_): AgentUser,
) -> Result<HttpResponse, ApiError> {
    let users = state
        .assistant
        .store
        .users()
        .await
        .map_err(|e| ApiError::internal(&e))?;
    let load = state
        .assistant
        .store
        .load_by_agent()
        .await
        .map_err(|e| ApiError::internal(&e))?;
    let online_since = now_ms() - 60_000;
    let people: Vec<Value> = users
        .iter()
        .filter(|u| u.role != "operator")
        .map(|u| {
            json!({"id": u.id, "name": u.display_name, "online": u.last_seen_at >= online_since,
            "holding": load.iter().find(|(id, _)| id == &u.id).map_or(0, |(_, n)| *n)})
        })
        .collect();
    Ok(HttpResponse::Ok().json(people))
}
