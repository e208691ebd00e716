//! The operators' review queue: every "not helpful" vote, with the question, the reply and
//! its why record, until an operator resolves it. Time to correction is measured.

use super::auth::OperatorUser;
use super::console::{csrf_token, show};
use super::operator::{texts, when, OperatorPage};
use super::operator_text::OperatorText;
use super::AppState;
use crate::conversation::{now_ms, rfc3339};
use crate::error::{ApiError, ErrorCode};
use crate::handoff::accounts::is_admin;
use crate::storage::ReviewItem;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;
use serde_json::{json, Value};

/// Registers the review routes (operators and admins).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/operator/review").route(web::get().to(page)))
        .service(web::resource("/api/v1/review").route(web::get().to(list)))
        .service(
            web::resource("/api/v1/review/{message_id}/resolve").route(web::post().to(resolve)),
        );
}

#[derive(Deserialize)]
struct ListQuery {
    /// Include resolved items.
    all: Option<bool>,
}

async fn list(
    state: web::Data<AppState>,
    OperatorUser(_): OperatorUser,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let open_only = !q.all.unwrap_or(false);
    let items = state.assistant.store.review_items(open_only).await?;
    let out: Vec<Value> = items
        .iter()
        .map(|i| {
            json!({
                "message_id": i.message_id,
                "conversation_id": i.conversation_id,
                "question": i.question,
                "reply": i.reply,
                "comment": i.comment,
                "article_id": i.article_id,
                "why": i.why.as_deref().and_then(|w| serde_json::from_str::<Value>(w).ok()),
                "voted_at": rfc3339(i.voted_at),
                "resolution": i.resolution,
                "resolved_by": i.resolved_by,
                "time_to_correction_seconds": i.resolved_at.map(|r| (r - i.voted_at) / 1000),
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(out))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResolveBody {
    /// `fixed_article` (with the new article version), `acceptable` or `escalated`.
    resolution: String,
    article_version: Option<String>,
}

async fn resolve(
    state: web::Data<AppState>,
    OperatorUser(user): OperatorUser,
    path: web::Path<String>,
    body: web::Json<ResolveBody>,
) -> Result<HttpResponse, ApiError> {
    let resolution =
        match (body.resolution.as_str(), &body.article_version) {
            ("fixed_article", Some(v)) if !v.trim().is_empty() && v.len() <= 64 => {
                format!("fixed_article:{}", v.trim())
            }
            ("acceptable" | "escalated", _) => body.resolution.clone(),
            _ => return Err(ApiError::new(
                ErrorCode::InvalidField,
                "resolution must be fixed_article (with article_version), acceptable or escalated.",
            )),
        };
    let store = state.assistant.store.as_ref();
    let now = now_ms();
    if !store
        .resolve_review(&path, &resolution, &user.email, now)
        .await?
    {
        return Err(ApiError::new(
            ErrorCode::MessageNotFound,
            "No open 'not helpful' vote on this reply.",
        ));
    }
    crate::audit::record(store, &user.email, "review_resolved", &path, &resolution).await?;
    Ok(HttpResponse::Ok().json(json!({"resolution": resolution, "resolved_at": rfc3339(now)})))
}

/// One vote as the page shows it, with what its why record says of the answer.
struct ItemView {
    message_id: String,
    voted: String,
    /// The language the question was answered in (for screen readers).
    lang: String,
    question: String,
    reply: String,
    comment: String,
    article_id: String,
    article_title: String,
    article_version: String,
    confidence: i64,
    /// The why record has passed its retention period: only the article is known.
    why_expired: bool,
    resolution: Option<String>,
    resolved_by: String,
}

impl ItemView {
    fn of(i: ReviewItem) -> ItemView {
        let why: Value = i
            .why
            .as_deref()
            .and_then(|w| serde_json::from_str(w).ok())
            .unwrap_or(Value::Null);
        let top = &why["candidates"][0];
        let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
        let article_id = top["article_id"]
            .as_str()
            .map(str::to_string)
            .or(i.article_id)
            .unwrap_or_default();
        ItemView {
            voted: when(i.voted_at),
            lang: i.lang.unwrap_or_else(|| text(&why["language"])),
            question: i.question.unwrap_or_default(),
            reply: i.reply,
            comment: i.comment.unwrap_or_default(),
            article_title: top["title"].as_str().unwrap_or(&article_id).to_string(),
            article_id,
            why_expired: why.is_null(),
            article_version: text(&top["version"]),
            confidence: (why["confidence"].as_f64().unwrap_or(0.0) * 100.0).round() as i64,
            resolution: i.resolution,
            resolved_by: i.resolved_by.unwrap_or_default(),
            message_id: i.message_id,
        }
    }
}

#[derive(Template)]
#[template(path = "operator/review.html")]
struct ReviewPage {
    csrf: String,
    /// The page's texts, in the operator's language.
    t: &'static OperatorText,
    email: String,
    /// Shows the admin pages in the menu.
    admin: bool,
    all: bool,
    items: Vec<ItemView>,
}

/// The review queue in the browser: the open votes (all with `?all=true`, resolved ones after
/// the open ones), newest first.
async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    OperatorPage(user): OperatorPage,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let all = q.all.unwrap_or(false);
    let mut items = state.assistant.store.review_items(!all).await?;
    // Open votes first (the store's order), each group newest first.
    items.sort_by_key(|i| (i.resolved_at.is_some(), std::cmp::Reverse(i.voted_at)));
    let csrf = csrf_token(&req);
    let t = ReviewPage {
        csrf: csrf.clone(),
        t: texts(&req),
        admin: is_admin(&user),
        email: user.email,
        all,
        items: items.into_iter().map(ItemView::of).collect(),
    };
    Ok(show(&req, &t, csrf))
}
