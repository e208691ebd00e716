//! The visitor's rights over HTTP: consent, export, erasure, follow-up contact, and the
//! public privacy page.

use super::auth::VisitorConversation;
use super::AppState;
use crate::conversation::rfc3339;
use crate::error::{ApiError, ErrorCode};
use crate::privacy::rights::{self, ContactError, Export};
use actix_web::{web, HttpResponse};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;
use serde_json::json;

/// Registers the visitor's privacy routes .
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/conversations/{id}/consent").route(web::put().to(consent)))
        .service(web::resource("/api/v1/conversations/{id}/export").route(web::get().to(export)))
        .service(
            web::resource("/api/v1/conversations/{id}/contact").route(web::post().to(contact)),
        );
}

/// Registers the public privacy page.
pub fn pages(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/privacy").route(web::get().to(privacy_page)));
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConsentBody {
    keep_transcript: bool,
}

async fn consent(
    state: web::Data<AppState>,
    VisitorConversation(conv): VisitorConversation,
    body: web::Json<ConsentBody>,
) -> Result<HttpResponse, ApiError> {
    let store = state.assistant.store.as_ref();
    let receipt = rights::set_consent(store, &conv, body.keep_transcript).await?;
    Ok(HttpResponse::Ok().json(json!({
        "keep_transcript": receipt.keep_transcript,
        "notice_version": receipt.notice_version,
        "recorded_at": rfc3339(receipt.created_at),
    })))
}

#[derive(Deserialize)]
struct ExportQuery {
    format: Option<String>,
}

/// A readable version of the export, in the conversation's language.
#[derive(Template, WebTemplate)]
#[template(path = "export.html")]
struct ExportPage {
    fr: bool,
    export: Export,
    /// (message id, explanation, confidence) of each why record.
    whys: Vec<(String, String, String)>,
}

async fn export(
    state: web::Data<AppState>,
    VisitorConversation(conv): VisitorConversation,
    q: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let data = rights::export(state.assistant.store.as_ref(), &conv, "visitor").await?;
    export_response(data, &conv, q.format.as_deref())
}

/// The export as a JSON download or a readable page in the conversation's language.
pub fn export_response(
    data: rights::Export,
    conv: &crate::storage::ConversationRow,
    format: Option<&str>,
) -> Result<HttpResponse, ApiError> {
    let disposition =
        |ext: &str| format!("attachment; filename=\"conversation-{}.{ext}\"", conv.id);
    match format {
        None | Some("json") => Ok(HttpResponse::Ok()
            .insert_header(("Content-Disposition", disposition("json")))
            .json(data)),
        Some("html") => {
            let whys = data
                .why_records
                .iter()
                .map(|w| {
                    let text = |k: &str| w[k].as_str().unwrap_or_default().to_string();
                    (
                        text("message_id"),
                        text("explanation"),
                        w["confidence"].to_string(),
                    )
                })
                .collect();
            let page = ExportPage {
                fr: conv.locale == "fr",
                export: data,
                whys,
            };
            let html = page.render()?;
            Ok(HttpResponse::Ok()
                .content_type("text/html; charset=utf-8")
                .insert_header(("Content-Disposition", disposition("html")))
                .body(html))
        }
        Some(_) => Err(ApiError::new(
            ErrorCode::InvalidField,
            "format must be json or html.",
        )),
    }
}

pub(super) async fn erase(
    state: web::Data<AppState>,
    VisitorConversation(conv): VisitorConversation,
) -> Result<HttpResponse, ApiError> {
    let now = crate::conversation::now_ms();
    let reason = "erased by the visitor from the widget";
    rights::erase(
        state.assistant.store.as_ref(),
        &conv.id,
        now,
        "visitor",
        reason,
    )
    .await?;
    announce_erasure(&state, &conv.id);
    Ok(HttpResponse::NoContent().finish())
}

/// An erased conversation leaves the consoles at once: the agent who has it open sees it
/// gone, and the queue's lists drop it.
pub(super) fn announce_erasure(state: &AppState, conversation_id: &str) {
    state.assistant.hub.notify(conversation_id);
    state.assistant.hub.notify(crate::realtime::QUEUE);
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ContactBody {
    email: Option<String>,
    phone: Option<String>,
    consent: bool,
}

async fn contact(
    state: web::Data<AppState>,
    VisitorConversation(conv): VisitorConversation,
    body: web::Json<ContactBody>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let store = state.assistant.store.as_ref();
    let saved = rights::leave_contact(store, &conv, b.email, b.phone, b.consent).await?;
    match saved {
        Ok(c) => Ok(HttpResponse::Created().json(json!({
            "email": c.email, "phone": c.phone, "purpose": c.purpose,
            "kept_days": state.privacy.retention.contact_days,
        }))),
        Err(e @ ContactError::NoConsent) => {
            Err(ApiError::new(ErrorCode::ConsentRequired, e.to_string()))
        }
        Err(e) => Err(ApiError::new(ErrorCode::InvalidContact, e.to_string())),
    }
}

/// The public privacy notice, generated from the operator's settings.
#[derive(Template, WebTemplate)]
#[template(path = "privacy.html")]
struct PrivacyPage {
    fr: bool,
    controller: String,
    contact_email: String,
    dpo_email: String,
    authority: String,
    hosting: String,
    retention: crate::privacy::retention::RetentionSettings,
}

#[derive(Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

async fn privacy_page(state: web::Data<AppState>, q: web::Query<LangQuery>) -> PrivacyPage {
    let p = &state.privacy;
    PrivacyPage {
        fr: q.lang.as_deref() != Some("en"),
        controller: p.contacts.controller.clone(),
        contact_email: p.contacts.contact_email.clone(),
        dpo_email: p.contacts.dpo_email.clone(),
        authority: p.contacts.authority.clone(),
        hosting: p.contacts.hosting.clone(),
        retention: p.retention,
    }
}
