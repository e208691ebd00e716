//! The console page and signing in and out: API tokens for scripts, an HttpOnly
//! SameSite=Strict session cookie with a double-submit CSRF token for the page.

use super::auth::{ConsoleUser, CSRF_COOKIE, SESSION_COOKIE};
use super::AppState;
use crate::conversation::now_ms;
use crate::error::{ApiError, ErrorCode};
use crate::handoff::accounts;
use actix_web::cookie::{time::Duration as CookieDuration, Cookie, SameSite};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;
use serde_json::json;

/// Registers the console page and the sign-in routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/agent").route(web::get().to(console)))
        .service(web::resource("/agent.js").route(web::get().to(console_js)))
        .service(web::resource("/api/v1/auth/login").route(web::post().to(login)))
        .service(web::resource("/api/v1/auth/session").route(web::post().to(session)))
        .service(web::resource("/api/v1/auth/logout").route(web::post().to(logout)))
        .service(web::resource("/api/v1/auth/password").route(web::post().to(change_password)));
}

#[derive(Template)]
#[template(path = "agent.html")]
struct ConsolePage {
    /// Echoed by the console's script in `X-CSRF-Token` (double-submit cookie).
    csrf: String,
    t: &'static super::console_text::ConsoleText,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConsoleQuery {
    lang: Option<String>,
    /// The staff pages' language switch (`staff_lang`), the same as `lang` here.
    ui: Option<String>,
}

/// A cookie only this site's pages can send (SameSite=Strict), invisible to scripts.
pub(super) fn cookie(
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

/// The page's CSRF token: the one the browser already has, or a new one.
pub(super) fn csrf_token(req: &HttpRequest) -> String {
    match req.cookie(CSRF_COOKIE) {
        Some(c) if c.value().len() == 64 => c.value().to_string(),
        _ => crate::conversation::VisitorToken::generate().0,
    }
}

/// A console page: the HTML, with the CSRF cookie its script echoes.
pub(super) fn page(
    req: &HttpRequest,
    status: actix_web::http::StatusCode,
    csrf: String,
    html: String,
) -> HttpResponse {
    let mut response = HttpResponse::build(status);
    response
        .content_type("text/html; charset=utf-8")
        .insert_header(("cache-control", "no-store"))
        .cookie(cookie(req, CSRF_COOKIE, csrf, 12));
    if let Some(ui) = super::staff_lang::remember(req) {
        response.cookie(ui);
    }
    response.body(html)
}

/// Renders a console page (200), or logs why it could not be rendered (500).
pub(super) fn show(req: &HttpRequest, t: &impl Template, csrf: String) -> HttpResponse {
    match t.render() {
        Ok(html) => page(req, actix_web::http::StatusCode::OK, csrf, html),
        Err(e) => HttpResponse::from_error(ApiError::internal(&e)),
    }
}

/// The console in `?lang=`, else in the staff member's chosen language (`?ui=`, kept in a
/// cookie) or their browser's.
async fn console(req: HttpRequest, q: web::Query<ConsoleQuery>) -> Result<HttpResponse, ApiError> {
    let lang = match q.lang.as_deref().or(q.ui.as_deref()) {
        Some(tag) => crate::knowledge::Lang::parse(tag)
            .ok_or_else(|| ApiError::new(ErrorCode::UnsupportedLocale, "lang must be fr or en."))?,
        None => super::staff_lang::staff_lang(&req),
    };
    let csrf = csrf_token(&req);
    let t = super::console_text::console_text(lang);
    Ok(show(
        &req,
        &ConsolePage {
            csrf: csrf.clone(),
            t,
        },
        csrf,
    ))
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
    ConsoleUser(user): ConsoleUser,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let store = state.assistant.store.as_ref();
    if let Some(hash) = super::auth::session_hash(&req) {
        store.delete_token(&hash).await?;
    }
    crate::audit::record(store, &user.email, "sign_out", &user.id, "").await?;
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PasswordBody {
    current_password: String,
    new_password: String,
}

/// A person changes their own password; their other sessions end, this one stays.
async fn change_password(
    state: web::Data<AppState>,
    ConsoleUser(user): ConsoleUser,
    body: web::Json<PasswordBody>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let keep = super::auth::session_hash(&req).unwrap_or_default();
    let store = state.assistant.store.as_ref();
    let changed = accounts::change_own_password(
        store,
        &user,
        &body.current_password,
        &body.new_password,
        &keep,
    )
    .await;
    if let Err(accounts::AccountError::WrongPassword) = changed {
        // Guesses of the current password count like failed sign-ins.
        let key = format!("{}|{}", user.email, state.login_limiter.client_key(&req));
        if let Err(wait) = state.login_limiter.check(&key, now_ms() / 1000) {
            return Err(ApiError {
                retry_after: Some(wait),
                ..ApiError::new(
                    ErrorCode::RateLimited,
                    "Too many wrong passwords: wait a minute.",
                )
            });
        }
    }
    let ended = changed?;
    Ok(HttpResponse::Ok().json(json!({"password_changed": true, "other_sessions_ended": ended})))
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
    match accounts::login(store, &body.email, &body.password).await? {
        accounts::SignIn::Token(token) => Ok(token),
        accounts::SignIn::Disabled => Err(ApiError::new(
            ErrorCode::AccountDisabled,
            "This account is switched off: ask an admin of the shop.",
        )),
        accounts::SignIn::Refused => {
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
