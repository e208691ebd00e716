//! One log line per request: request id, method, route template, status, duration.
//! The raw path and bodies are not logged, so no message text or token reaches the logs.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use std::time::Instant;
use tracing::Instrument;

/// Middleware: wraps the request in a span and logs its outcome.
pub async fn log_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let request_id = uuid::Uuid::new_v4().simple().to_string();
    let route = req.match_pattern().unwrap_or_else(|| "unmatched".into());
    let method = req.method().to_string();
    let quiet = route == "/healthz";
    let span = tracing::info_span!("request", %request_id, %method, %route);
    let started = Instant::now();
    let res = next.call(req).instrument(span.clone()).await;
    // An error a middleware returned (a handler's panic, caught) is logged with the status
    // the client gets for it.
    let status = match &res {
        Ok(r) => r.status(),
        Err(e) => e.as_response_error().status_code(),
    }
    .as_u16();
    let micros = started.elapsed().as_micros() as u64;
    span.in_scope(|| {
        if quiet {
            tracing::debug!(status, micros, "request done");
        } else {
            tracing::info!(status, micros, "request done");
        }
    });
    let mut res = res?;
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        res.headers_mut()
            .insert(HeaderName::from_static("x-request-id"), v);
    }
    Ok(res)
}
