//! Endpoints for the people who run Candor: health and metrics.

use super::AppState;
use crate::error::ApiError;
use actix_web::{web, HttpResponse};
use serde_json::json;

/// Registers `/healthz`, `/readyz` and `/metrics`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz))
        .route("/metrics", web::get().to(metrics));
}

/// Liveness for load balancers: no I/O, so it stays cheap under load.
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// Readiness: the database answers and the knowledge base is loaded.
async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    state
        .assistant
        .store
        .ping()
        .await
        .map_err(|e| ApiError::internal(&e))?;
    Ok(HttpResponse::Ok().json(json!({
        "status": "ready",
        "articles": state.assistant.index.article_count(),
        "knowledge_version": state.assistant.index.version(),
    })))
}

async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(state.assistant.metrics.render())
}
