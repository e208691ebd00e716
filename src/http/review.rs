//! The operators' review queue: every "not helpful" vote, with the question, the reply and
//! its why record, until an operator resolves it. Time to correction is measured.

use super::auth::OperatorUser;
use super::AppState;
use crate::conversation::{now_ms, rfc3339};
use crate::error::{ApiError, ErrorCode};
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

/// Registers the review routes (operators and admins).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/review").route(web::get().to(list)))
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
                "why": serde_json::from_str::<Value>(&i.why).unwrap_or(Value::Null),
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
