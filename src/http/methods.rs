//! What a request's method gets when the route is right but the method is not.
//!
//! - `HEAD` is answered as the `GET` of the same address without its body, as HTTP asks:
//!   uptime monitors, `curl -I` and link checkers use it, and they got a 404 from every page.
//! - A method the address does not take is a `405` with the `Allow` header actix computes
//!   from the address's routes, and a body in the one error format (actix's own is empty),
//!   instead of the misleading "nothing at this address" it used to be.

use crate::error::{ApiError, ErrorCode};
use actix_web::body::{BodySize, BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::ResponseError;

/// Middleware: serves `HEAD` as `GET` and gives a `405` its JSON body.
pub async fn methods(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let asked = req.method().clone();
    let head = asked == Method::HEAD;
    if head {
        // The connection remembers the request was a HEAD and sends no body whatever the
        // handler returns; only a stream (live events) must not be read at all.
        req.head_mut().method = Method::GET;
    }
    let res = next.call(req).await?;
    if res.status() == StatusCode::METHOD_NOT_ALLOWED {
        return Ok(refuse(res, &asked).map_into_right_body());
    }
    if head && matches!(res.response().body().size(), BodySize::Stream) {
        return Ok(res.map_body(|_, _| BoxBody::new(())).map_into_right_body());
    }
    Ok(res.map_into_left_body())
}

/// The 405 in the error format, keeping the route's `Allow` header.
fn refuse<B>(res: ServiceResponse<B>, asked: &Method) -> ServiceResponse {
    // Every GET route answers HEAD too (above), which actix's list does not know.
    let allow = res
        .headers()
        .get(header::ALLOW)
        .and_then(|a| a.to_str().ok())
        .map(|a| match a.split(", ").any(|m| m == "GET") {
            true => format!("{a}, HEAD"),
            false => a.to_string(),
        });
    let error = ApiError::new(
        ErrorCode::MethodNotAllowed,
        format!(
            "This address does not take {asked}{}.",
            allow
                .as_ref()
                .map(|a| format!("; it takes {a}"))
                .unwrap_or_default()
        ),
    );
    let (req, _) = res.into_parts();
    let mut response = error.error_response();
    if let Some(allow) = allow.and_then(|a| header::HeaderValue::try_from(a).ok()) {
        response.headers_mut().insert(header::ALLOW, allow);
    }
    ServiceResponse::new(req, response)
}
