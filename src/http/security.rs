//! Headers every browser-facing response carries. The consoles hold sessions that can
//! erase conversations and switch accounts off, so their pages must not run anyone else's
//! script or be framed by another site (clickjacking); every page here loads only its own
//! scripts, so a strict policy costs nothing.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;

/// The pages' policy: scripts, connections and forms only to this server; inline styles
/// (the templates' `<style>`, the widget's shadow DOM) but no inline scripts; never framed.
pub const PAGE_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// Middleware: `nosniff` and no referrer to other sites everywhere; the policy and `DENY`
/// on HTML. An error a middleware inside returns (a panic's `500 internal`) is written by
/// the server later: it gets the same headers through a response mapper.
pub async fn headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut res = match next.call(req).await {
        Ok(res) => res,
        Err(mut err) => {
            err.add_response_mapper(|mut res| {
                everywhere(res.headers_mut());
                res
            });
            return Err(err);
        }
    };
    let html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let h = res.headers_mut();
    everywhere(h);
    if html {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(PAGE_POLICY),
        );
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    Ok(res)
}

/// The headers every response carries, HTML or not.
fn everywhere(h: &mut header::HeaderMap) {
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Not no-referrer: a same-origin POST would then carry `Origin: null`.
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
}
