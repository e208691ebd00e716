//! The HTTP layer: thin handlers grouped by audience, and the plumbing they share.
//!
//! Handlers parse input, call one domain function and shape the response; everything they
//! need arrives through `AppState`, so tests can build differently configured apps.

/// The agent API and console.
pub mod agent;
/// The articles API for operators.
pub mod articles;
/// Visitor and agent authentication extractors.
pub mod auth;
/// The console page, sign-in and sign-out.
pub mod console;
/// The console page's texts, English and French.
pub mod console_text;
/// An article's version history with diffs (operator page).
pub mod history;
/// JSON extractor configuration routed through the one error format.
pub mod json;
/// Request ids and per-request logs.
pub mod logging;
/// `HEAD` as `GET`, and a `405` in the error format.
pub mod methods;
/// NUL characters refused before any handler (PostgreSQL cannot store them).
pub mod nul;
/// The operators' pages: articles, editor, history, gaps.
pub mod operator;
/// The operator and admin pages' texts, English and French.
pub mod operator_text;
/// Health, metrics.
pub mod ops;
/// The demo store page and the widget script.
pub mod pages;
/// A panicking handler answers a JSON 500 instead of dropping the connection.
pub mod panics;
/// Consent, export, erasure, follow-up contact and the privacy page.
pub mod privacy;
/// Per-client limits on conversation creation and messages.
pub mod ratelimit;
/// The equity report (JSON and HTML with SVG charts).
pub mod report;
/// Visitors' requests by email or post: find, export, erase (admins).
pub mod requests;
/// The operators' review queue of negative feedback.
pub mod review;
/// Security headers on every response (the pages' content policy).
pub mod security;
/// Server-sent event streams of a conversation's messages.
pub mod sse;
/// The language of the staff pages: `?ui=`, a cookie, or the browser's.
pub mod staff_lang;
/// The `bilingual!` declaration of the staff pages' texts.
mod texts;
/// Accounts, for admins.
pub mod users;
/// The visitor API used by the widget.
pub mod widget;

use crate::conversation::service::Assistant;
use crate::error::{ApiError, ErrorCode};
use actix_web::web;
use std::sync::Arc;

/// Largest accepted request body, in bytes.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// Shared state of every handler.
pub struct AppState {
    pub assistant: Arc<Assistant>,
    pub limiter: ratelimit::RateLimiter,
    /// Failed sign-ins per email per minute.
    pub login_limiter: ratelimit::RateLimiter,
    /// Visitors' typing signals per conversation per minute.
    pub typing_limiter: ratelimit::RateLimiter,
    pub privacy: PrivacyInfo,
    /// Ready-made answers agents can insert, from `[[canned_replies]]`.
    pub canned_replies: Vec<crate::config::CannedReply>,
    /// Equity warning threshold, in points of answer rate.
    pub disparity_points: f64,
    /// Who may read /metrics.
    pub metrics: ops::MetricsAccess,
    /// The public transparency page's figures, recomputed at most once a minute.
    pub transparency: crate::audit::transparency::SummaryCache,
    /// `/metrics`' equity gauges (Prometheus text), recomputed at most once a minute.
    pub equity_gauges: crate::audit::recent::Recent<(), String>,
}

/// What the privacy page states: who is responsible and the retention periods.
pub struct PrivacyInfo {
    pub contacts: crate::config::PrivacyContacts,
    pub retention: crate::privacy::retention::RetentionSettings,
}

/// Registers state, body limits and every route.
pub fn configure(state: web::Data<AppState>) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        cfg.app_data(state)
            .app_data(json::config())
            .app_data(json::query_config())
            .app_data(json::path_config())
            .app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
            .configure(widget::routes)
            .configure(privacy::routes)
            .configure(agent::routes)
            .configure(console::routes)
            .configure(review::routes)
            .configure(users::routes)
            .configure(requests::routes)
            .configure(articles::routes)
            .configure(operator::routes)
            .configure(report::routes)
            .configure(privacy::pages)
            .configure(pages::routes)
            .configure(ops::routes)
            .default_service(web::to(not_found));
    }
}

async fn not_found() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::new(
        ErrorCode::NotFound,
        "There is nothing at this address.",
    ))
}
