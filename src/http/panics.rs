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
/// error's own JSON response instead.
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

    /// Over real HTTP: the request that panicked gets the JSON error on a connection that
    /// stays open, and the next request on it is served as usual.
    #[actix_web::test]
    async fn a_panicking_handler_answers_500_in_the_error_format() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let server = HttpServer::new(|| {
            App::new()
                .wrap(middleware::from_fn(catch_panics))
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
        let res = client.get(format!("{base}/boom")).send().await.unwrap();
        assert_eq!(res.status(), 500);
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], "internal");
        let res = client.get(format!("{base}/fine")).send().await.unwrap();
        assert_eq!(res.text().await.unwrap(), "fine");
        handle.stop(false).await;
    }
}
