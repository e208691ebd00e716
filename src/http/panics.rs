//! A bug that panics in a handler costs that one request a JSON `500 internal`, not the
//! connection. Left to itself actix-web drops the connection on a panic: the widget sees a
//! network failure and retries into the same bug, and a load balancer sees a dead instance
//! (a 502 for everyone behind it). Panics are bugs, never the answer to a user's mistake;
//! this is the second line of defence, and the log says where it happened.

use crate::error::{ApiError, ErrorCode};
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use futures_util::FutureExt;
use std::panic::AssertUnwindSafe;

/// Middleware: runs the rest of the request, and turns a panic into the one error format.
/// It returns the error rather than a response: a response needs the request, which must
/// not be cloned before routing (actix-web routes in place), so the server writes the
/// error's own JSON response instead. The middlewares outside add their headers to it by
/// response mappers (CORS, so a cross-origin widget can read it; the security headers).
pub async fn catch_panics(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    match AssertUnwindSafe(next.call(req)).catch_unwind().await {
        Ok(done) => done,
        Err(_) => {
            // The panic hook (`telemetry::log_panics`) has logged what and where, redacted.
            tracing::error!("a handler panicked: answered 500 internal");
            Err(ApiError::new(
                ErrorCode::Internal,
                "Something went wrong on our side. Please try again.",
            )
            .into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::{middleware, web, App, HttpServer};

    /// Over real HTTP, behind the same CORS and security middlewares as the server: the
    /// request that panicked gets the JSON error, readable by the shop's page (its CORS
    /// headers) and with the security headers, on a connection that stays open; the next
    /// request on it is served as usual.
    #[actix_web::test]
    async fn a_panicking_handler_answers_500_in_the_error_format() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let server = HttpServer::new(|| {
            App::new()
                .wrap(middleware::from_fn(catch_panics))
                .wrap(middleware::from_fn(super::super::security::headers))
                .wrap(actix_cors::Cors::default().allowed_origin("https://shop.example"))
                .route(
                    "/boom",
                    web::get().to(|| async {
                        let empty: Vec<u8> = Vec::new();
                        empty.first().copied().expect("a bug: the list was empty");
                        "unreachable"
                    }),
                )
                .route("/fine", web::get().to(|| async { "fine" }))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(1)
            .build()
            .unwrap();
        let res = client
            .get(format!("{base}/boom"))
            .header("origin", "https://shop.example")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 500);
        let header = |name: &str| {
            res.headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_string())
        };
        assert_eq!(
            header("access-control-allow-origin").as_deref(),
            Some("https://shop.example")
        );
        assert_eq!(header("x-content-type-options").as_deref(), Some("nosniff"));
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], "internal");
        let res = client.get(format!("{base}/fine")).send().await.unwrap();
        assert_eq!(res.text().await.unwrap(), "fine");
        handle.stop(false).await;
    }
}
