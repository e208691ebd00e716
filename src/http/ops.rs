//! Endpoints for the people who run Candor: health and metrics.

use super::AppState;
use crate::error::{ApiError, ErrorCode};
use actix_web::{http::header, web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

/// Registers `/healthz`, `/readyz` and `/metrics`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/healthz").route(web::get().to(healthz)))
        .service(web::resource("/readyz").route(web::get().to(readyz)))
        .service(web::resource("/metrics").route(web::get().to(metrics)));
}

/// Liveness for load balancers: no I/O, so it stays cheap under load.
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// Readiness: the database answers and the knowledge base is loaded.
async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    state.assistant.store.ping().await?;
    Ok(HttpResponse::Ok().json(json!({
        "status": "ready",
        "articles": state.assistant.index.article_count(),
        "knowledge_version": state.assistant.index.version(),
        // "warming": the optional embedding model is still reading the help centre; the
        // assistant answers from the words meanwhile.
        "embedding": state.assistant.index.embedding_state(),
        // Which model reads which language, e.g. {"en": "all-MiniLM-L6-v2 (8-bit)"}.
        "embedding_models": by_lang(state.assistant.index.embedding_models()),
        // Languages whose model asks a second one when unsure (`[embedding] second_opinion`).
        "embedding_second_opinions": by_lang(state.assistant.index.second_opinions()),
    })))
}

/// {"en": "…", "fr": "…"} from (language, model name) pairs.
fn by_lang(models: Vec<(crate::knowledge::Lang, String)>) -> serde_json::Map<String, Value> {
    models
        .into_iter()
        .map(|(lang, name)| (lang.code().to_string(), Value::String(name)))
        .collect()
}

/// Who may read /metrics: its figures (volumes per site and language) are the shop's
/// business, and each read runs the 30-day report query, so it is not for the public.
pub struct MetricsAccess {
    /// SHA-256 of the token Prometheus sends, when one is configured.
    token_hash: Option<String>,
    /// Behind a reverse proxy every request comes from the proxy, often on this machine:
    /// the peer's address then says nothing about the client.
    behind_proxy: bool,
}

impl MetricsAccess {
    pub fn new(token: Option<&str>, behind_proxy: bool) -> MetricsAccess {
        MetricsAccess {
            token_hash: token.map(crate::conversation::VisitorToken::hash),
            behind_proxy,
        }
    }

    /// With a token: that bearer token, from anywhere. Without: this machine only, and not
    /// through a proxy.
    fn check(&self, req: &HttpRequest) -> Result<(), ApiError> {
        let Some(want) = &self.token_hash else {
            let local = req.peer_addr().is_some_and(|a| a.ip().is_loopback());
            if local && !self.behind_proxy {
                return Ok(());
            }
            return Err(ApiError::new(
                ErrorCode::Forbidden,
                "/metrics answers only to this machine: set a metrics token (CANDOR_METRICS_TOKEN) and send it as a bearer token to read it from elsewhere or behind a proxy.",
            ));
        };
        let sent = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::MissingToken,
                    "Send the metrics token as a bearer token.",
                )
            })?;
        // Hashes compared, so the time taken says nothing about the token.
        if crate::conversation::VisitorToken::hash(sent) != *want {
            return Err(ApiError::new(
                ErrorCode::InvalidToken,
                "Wrong metrics token.",
            ));
        }
        Ok(())
    }
}

/// Process counters, live, plus the equity report's figures of the last 30 days, recomputed
/// at most once a minute (one computation reads every kept message of the month).
async fn metrics(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    state.metrics.check(&req)?;
    let now = crate::conversation::now_ms();
    let report = state
        .equity_gauges
        .get((), now, || async {
            let store = state.assistant.store.as_ref();
            let rows = store.equity_rows(now - 30 * 86_400_000, now).await?;
            let articles = state.assistant.index.articles_per_lang();
            let report = crate::audit::equity::build(&rows, &articles, state.disparity_points);
            Ok::<_, crate::storage::StoreError>(crate::audit::equity::to_prometheus(&report))
        })
        .await?;
    let body = format!("{}{}", state.assistant.metrics.render(), report);
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(body))
}
