//! NUL characters are refused at the door. PostgreSQL cannot keep U+0000 in text (SQLite
//! can), so a NUL in any field reached the database as an error and came back as a 500:
//! from the sign-in form, a handoff reason, a feedback comment. No text Candor keeps has a
//! use for one, so a request with a NUL in its path, its query string or a string of its
//! JSON body gets a 4xx in the one error format before any handler runs, on both backends
//! alike (one rule here instead of a check in every handler that takes text).

use crate::error::{ApiError, ErrorCode};
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::web::{Bytes, BytesMut};
use actix_web::HttpMessage;
use futures_util::StreamExt;

/// Bodies are read up to the largest any route accepts (an article); past it the route's
/// own limit answers, with the rest of the body handed on unread.
const READ_AT_MOST: usize = 2 * 1024 * 1024 + 1;

/// Middleware: refuses NULs, then hands the request on with its body as it came.
pub async fn refuse_nul(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let refused = if encodes_nul(req.uri().path()) {
        Some(ApiError::new(
            ErrorCode::NotFound,
            "There is nothing at this address.",
        ))
    } else if req.uri().query().is_some_and(encodes_nul) {
        Some(ApiError::new(
            ErrorCode::InvalidQuery,
            "The query string contains a NUL character (%00).",
        ))
    } else if is_json(&req) {
        let mut payload = req.take_payload();
        let mut body = BytesMut::new();
        while body.len() < READ_AT_MOST {
            match payload.next().await {
                Some(chunk) => body.extend_from_slice(&chunk?),
                None => break,
            }
        }
        let body = body.freeze();
        let nul = json_has_nul(&body);
        req.set_payload(Payload::Stream {
            payload: Box::pin(
                futures_util::stream::once(async { Ok::<Bytes, PayloadError>(body) })
                    .chain(payload),
            ),
        });
        nul.then(|| {
            ApiError::new(
                ErrorCode::InvalidField,
                "The JSON body contains a NUL character (\\u0000), which no field accepts.",
            )
        })
    } else {
        None
    };
    match refused {
        Some(e) => Ok(req.error_response(e).map_into_right_body()),
        None => Ok(next.call(req).await?.map_into_left_body()),
    }
}

fn is_json(req: &ServiceRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/json")
        })
}

/// Whether a percent-encoded path or query holds `%00`.
fn encodes_nul(s: &str) -> bool {
    s.contains("%00")
}

/// Whether a JSON text holds the escape `\u0000` (a raw NUL byte is not valid JSON and the
/// parser refuses it anyway). `\\u0000` is an escaped backslash followed by the letters
/// "u0000", not a NUL: the escape counts only after an odd run of backslashes.
fn json_has_nul(body: &[u8]) -> bool {
    let mut run = 0usize;
    for (i, &b) in body.iter().enumerate() {
        if b == b'\\' {
            run += 1;
            continue;
        }
        if run % 2 == 1 && b == b'u' && body.get(i + 1..i + 5) == Some(b"0000") {
            return true;
        }
        run = 0;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_nul_escape_and_only_it() {
        assert!(json_has_nul(br#"{"text":"a\u0000b"}"#));
        assert!(json_has_nul(br#"{"text":"\\\u0000"}"#));
        assert!(!json_has_nul(br#"{"text":"a\\u0000b"}"#));
        assert!(!json_has_nul(br#"{"text":"\u00e9 \u0001 u0000"}"#));
        assert!(!json_has_nul(br#"{"text":"fin\\"}"#));
    }

    #[test]
    fn finds_nul_in_paths_and_queries() {
        assert!(encodes_nul("/api/v1/conversations/a%00b"));
        assert!(!encodes_nul("/api/v1/conversations/a%20b"));
    }
}
