//! Visitors' requests that arrive by email or post ("send me what you hold about me",
//! "delete my conversation"): the visitor no longer has the widget's token, so an admin
//! (the DPO) finds the conversation by the follow-up contact left in it or by words the
//! visitor remembers writing, then exports or erases it. The API and `/audit/requests`.

use super::auth::AdminUser;
use super::console::{csrf_token, show};
use super::operator::texts;
use super::operator::{when, AdminPage};
use super::operator_text::OperatorText;
use super::staff_lang::PageQuery;
use super::AppState;
use crate::conversation::{now_ms, rfc3339};
use crate::error::{ApiError, ErrorCode};
use crate::privacy::rights::{self, RequestSearch};
use crate::storage::ConversationRow;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;
use serde_json::{json, Value};

/// Registers the search, the export for a request, and the page.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/admin/conversations").route(web::get().to(search)))
        .service(
            web::resource("/api/v1/admin/conversations/{id}/export").route(web::get().to(export)),
        )
        .service(web::resource("/audit/requests").route(web::get().to(page)));
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct SearchQuery {
    /// The follow-up email or phone the visitor left.
    contact: Option<String>,
    /// Words they wrote (an order number, a product).
    words: Option<String>,
    /// RFC 3339 instants or days (2026-11-01); default: all that is still kept.
    from: Option<String>,
    to: Option<String>,
}

/// An RFC 3339 instant, or a day (its start, UTC); empty means none.
fn instant(raw: &Option<String>, default: i64) -> Result<i64, ApiError> {
    let Some(raw) = raw.as_deref().map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(default);
    };
    let bad = || {
        ApiError::new(
            ErrorCode::InvalidQuery,
            "from and to are days (2026-11-01) or RFC 3339 instants.",
        )
    };
    if let Some(ms) = crate::conversation::parse_rfc3339(raw) {
        return Ok(ms);
    }
    let mut parts = raw.splitn(3, '-').map(|p| p.parse::<i32>().ok());
    let (Some(Some(y)), Some(Some(m)), Some(Some(d))) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    let month = time::Month::try_from(u8::try_from(m).map_err(|_| bad())?).map_err(|_| bad())?;
    let day = time::Date::from_calendar_date(y, month, u8::try_from(d).map_err(|_| bad())?)
        .map_err(|_| bad())?;
    Ok(day.midnight().assume_utc().unix_timestamp() * 1000)
}

/// The search as the domain takes it; `to` as a day includes that whole day.
fn request(q: &SearchQuery) -> Result<RequestSearch, ApiError> {
    let day_only = q.to.as_deref().is_some_and(|t| t.trim().len() == 10);
    let to = instant(&q.to, now_ms() + 1)? + if day_only { 86_400_000 } else { 0 };
    Ok(RequestSearch {
        contact: q.contact.clone().unwrap_or_default(),
        words: q.words.clone().unwrap_or_default(),
        from: instant(&q.from, 0)?,
        to,
    })
}

async fn find(
    state: &AppState,
    q: &SearchQuery,
    admin: &str,
) -> Result<Vec<ConversationRow>, ApiError> {
    let store = state.assistant.store.as_ref();
    rights::find_for_request(store, &request(q)?, admin)
        .await?
        .map_err(|e| ApiError::new(ErrorCode::InvalidQuery, e.to_string()))
}

fn conversation_json(c: &ConversationRow) -> Value {
    json!({
        "id": c.id, "locale": c.locale, "status": c.status, "origin": c.origin,
        "keep_transcript": c.keep_transcript, "created_at": rfc3339(c.created_at),
        "updated_at": rfc3339(c.updated_at),
        "export_url": format!("/api/v1/admin/conversations/{}/export", c.id),
    })
}

async fn search(
    state: web::Data<AppState>,
    AdminUser(admin): AdminUser,
    q: web::Query<SearchQuery>,
) -> Result<HttpResponse, ApiError> {
    let found = find(&state, &q, &admin.email).await?;
    Ok(HttpResponse::Ok().json(found.iter().map(conversation_json).collect::<Vec<_>>()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FormatQuery {
    format: Option<String>,
}

/// The visitor's export, for the admin to send them (recorded under the admin's name).
async fn export(
    state: web::Data<AppState>,
    AdminUser(admin): AdminUser,
    id: web::Path<String>,
    q: web::Query<FormatQuery>,
) -> Result<HttpResponse, ApiError> {
    let store = state.assistant.store.as_ref();
    let conv = store
        .conversation(&id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::ConversationNotFound, "No such conversation."))?;
    let data = rights::export(store, &conv, &admin.email).await?;
    super::privacy::export_response(data, &conv, q.format.as_deref())
}

/// One conversation found, as the page lists it.
struct Found {
    id: String,
    started: String,
    last: String,
    locale: String,
    status: String,
    origin: String,
}

#[derive(Template)]
#[template(path = "operator/requests.html")]
struct RequestsPage {
    csrf: String,
    /// The page's texts, in the staff member's language.
    t: &'static OperatorText,
    email: String,
    admin: bool,
    contact: String,
    words: String,
    from: String,
    to: String,
    searched: bool,
    error: String,
    found: Vec<Found>,
    limit: i64,
}

async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    AdminPage(admin): AdminPage,
    PageQuery(q): PageQuery<SearchQuery>,
) -> Result<HttpResponse, ApiError> {
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    let searched = [&q.contact, &q.words]
        .iter()
        .any(|v| v.as_deref().is_some_and(|v| !v.trim().is_empty()));
    let (found, error) = if searched {
        match find(&state, &q, &admin.email).await {
            Ok(found) => (found, String::new()),
            Err(e) if e.code == ErrorCode::InvalidQuery => (Vec::new(), e.message),
            Err(e) => return Err(e),
        }
    } else {
        (Vec::new(), String::new())
    };
    let csrf = csrf_token(&req);
    let t = RequestsPage {
        csrf: csrf.clone(),
        t: texts(&req),
        email: admin.email,
        admin: true,
        contact: value(&q.contact),
        words: value(&q.words),
        from: value(&q.from),
        to: value(&q.to),
        searched,
        error,
        found: found
            .into_iter()
            .map(|c| Found {
                started: when(c.created_at),
                last: when(c.updated_at),
                origin: c.origin.unwrap_or_default(),
                id: c.id,
                locale: c.locale,
                status: c.status,
            })
            .collect(),
        limit: rights::SEARCH_LIMIT,
    };
    Ok(show(&req, &t, csrf))
}
