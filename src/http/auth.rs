//! The visitor's proof of ownership: `Authorization: Bearer <token>` for the conversation
//! in the path. Visitors have no account and no cookie; the token is the only key.

use super::AppState;
use crate::conversation::{ConversationId, VisitorToken};
use crate::error::{ApiError, ErrorCode};
use crate::storage::ConversationRow;
use actix_web::{dev::Payload, http::header, web, FromRequest, HttpRequest};
use std::future::Future;
use std::pin::Pin;

/// A conversation whose token the caller presented. Using it in a handler's signature is
/// what makes the route visitor-only.
pub struct VisitorConversation(pub ConversationRow);

fn unknown() -> ApiError {
    // One answer for an unknown conversation and a wrong token: do not reveal which.
    ApiError::new(
        ErrorCode::ConversationNotFound,
        "No conversation matches this id and token.",
    )
}

impl FromRequest for VisitorConversation {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let credentials = credentials(
            req,
            "Send the conversation token as 'Authorization: Bearer <token>'.",
        );
        let id = req.match_info().get("id").and_then(ConversationId::parse);
        Box::pin(async move {
            let (state, token) = credentials?;
            let id = id.ok_or_else(unknown)?;
            let row = state
                .assistant
                .store
                .conversation(id.as_str())
                .await?
                .ok_or_else(unknown)?;
            if row.token_hash != VisitorToken::hash(&token) {
                return Err(unknown());
            }
            Ok(VisitorConversation(row))
        })
    }
}

/// Name of the console's session cookie (HttpOnly, SameSite=Strict).
pub const SESSION_COOKIE: &str = "candor_session";
/// Name of the CSRF cookie; the console echoes it in the `X-CSRF-Token` header.
pub const CSRF_COOKIE: &str = "candor_csrf";

/// Console credentials: a bearer token (scripts), or the session cookie (the console page),
/// which for anything but a read must come with the CSRF token (double-submit cookie).
fn console_credentials(req: &HttpRequest) -> Result<(web::Data<AppState>, String), ApiError> {
    if bearer(req).is_some() {
        return credentials(req, "");
    }
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::new(ErrorCode::Internal, "no state"))?;
    let session = req
        .cookie(SESSION_COOKIE)
        .map(|c| c.value().to_string())
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::MissingToken,
                "Sign in at /agent (agents) or /operator (operators), or send 'Authorization: Bearer <token>'.",
            )
        })?;
    if !req.method().is_safe() {
        let cookie = req.cookie(CSRF_COOKIE).map(|c| c.value().to_string());
        let header = req
            .headers()
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok());
        if cookie.is_none() || cookie.as_deref() != header {
            return Err(ApiError::new(
                ErrorCode::CsrfFailed,
                "Missing or wrong CSRF token: reload the console.",
            ));
        }
    }
    Ok((state, session))
}

/// The hash of the console credentials a request came with (bearer token or session
/// cookie), for what must end with the sign-in (live streams).
pub fn session_hash(req: &HttpRequest) -> Option<String> {
    bearer(req)
        .or_else(|| req.cookie(SESSION_COOKIE).map(|c| c.value().to_string()))
        .map(|t| VisitorToken::hash(&t))
}

/// The app state and the bearer token of a request, or the error to answer with.
fn credentials(
    req: &HttpRequest,
    missing: &'static str,
) -> Result<(web::Data<AppState>, String), ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::new(ErrorCode::Internal, "no state"))?;
    let token = bearer(req).ok_or_else(|| ApiError::new(ErrorCode::MissingToken, missing))?;
    Ok((state, token))
}

fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))?;
    Some(token.trim().to_string()).filter(|t| !t.is_empty() && t.len() <= 128)
}

/// A signed-in person (agent, operator or admin) — from `Authorization: Bearer <API token>`.
/// In a handler's signature it makes the route console-only; visitor tokens are refused.
pub struct AgentUser(pub crate::storage::User);

impl FromRequest for AgentUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let credentials = console_credentials(req);
        Box::pin(async move {
            use crate::handoff::accounts::Role;
            // Operators edit the knowledge base; taking conversations is for agents and admins.
            let user = console_user(credentials?, &[Role::Agent, Role::Admin]).await?;
            Ok(AgentUser(user))
        })
    }
}

/// A signed-in operator or admin: the knowledge and review side of the console.
pub struct OperatorUser(pub crate::storage::User);

impl FromRequest for OperatorUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let credentials = console_credentials(req);
        Box::pin(async move {
            use crate::handoff::accounts::Role;
            let user = console_user(credentials?, &[Role::Operator, Role::Admin]).await?;
            Ok(OperatorUser(user))
        })
    }
}

/// A signed-in admin: accounts, the audit log.
pub struct AdminUser(pub crate::storage::User);

impl FromRequest for AdminUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let credentials = console_credentials(req);
        Box::pin(async move {
            use crate::handoff::accounts::Role;
            Ok(AdminUser(console_user(credentials?, &[Role::Admin]).await?))
        })
    }
}

/// Anyone signed in to the console, whatever their role (signing out, for one).
pub struct ConsoleUser(pub crate::storage::User);

impl FromRequest for ConsoleUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let credentials = console_credentials(req);
        Box::pin(async move {
            use crate::handoff::accounts::Role;
            let all = [Role::Agent, Role::Operator, Role::Admin];
            Ok(ConsoleUser(console_user(credentials?, &all).await?))
        })
    }
}

/// The user behind console credentials, if their role is one of `allowed`; records presence.
async fn console_user(
    (state, token): (web::Data<AppState>, String),
    allowed: &[crate::handoff::accounts::Role],
) -> Result<crate::storage::User, ApiError> {
    let store = state.assistant.store.as_ref();
    let user = crate::handoff::accounts::authenticate(store, &token)
        .await?
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidToken,
                "This token is not valid or has expired.",
            )
        })?;
    let role = crate::handoff::accounts::Role::parse(&user.role);
    if !role.is_some_and(|r| allowed.contains(&r)) {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "Your role does not allow this.",
        ));
    }
    // Presence: at most one write per user every 20 s.
    let now = crate::conversation::now_ms();
    if user.last_seen_at < now - 20_000 {
        store.touch_user(&user.id, now).await?;
    }
    Ok(user)
}
