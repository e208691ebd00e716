//! The one error format on the wire: `{"error":{"code":"…","message":"…"}}`.
//!
//! Each code has one HTTP status, in one table. Internal errors send a generic message and
//! log the full cause chain, so a visitor never sees database or index details.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

/// Every error code Candor returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    InvalidJson,
    InvalidQuery,
    InvalidField,
    UnsupportedMediaType,
    PayloadTooLarge,
    EmptyMessage,
    MessageTooLong,
    UnsupportedLocale,
    MissingToken,
    InvalidToken,
    InvalidCredentials,
    AccountDisabled,
    Forbidden,
    CsrfFailed,
    AlreadyClaimed,
    VersionConflict,
    DuplicateId,
    NotHolder,
    ClientIdReused,
    ConversationNotFound,
    MessageNotFound,
    NotFound,
    MethodNotAllowed,
    ConversationClosed,
    NotRateable,
    ConsentRequired,
    InvalidContact,
    RateLimited,
    Unavailable,
    Internal,
}

impl ErrorCode {
    /// The HTTP status of each code: the single table.
    pub fn status(self) -> StatusCode {
        use ErrorCode::*;
        match self {
            InvalidJson | InvalidQuery => StatusCode::BAD_REQUEST,
            InvalidField | EmptyMessage | MessageTooLong | UnsupportedLocale | ConsentRequired
            | InvalidContact => StatusCode::UNPROCESSABLE_ENTITY,
            UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            MissingToken | InvalidToken | InvalidCredentials => StatusCode::UNAUTHORIZED,
            Forbidden | CsrfFailed | AccountDisabled => StatusCode::FORBIDDEN,
            AlreadyClaimed | NotHolder | VersionConflict | DuplicateId => StatusCode::CONFLICT,
            ConversationNotFound | MessageNotFound | NotFound => StatusCode::NOT_FOUND,
            MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ConversationClosed | NotRateable | ClientIdReused => StatusCode::CONFLICT,
            RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// An error as the client sees it.
#[derive(Debug)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    /// Seconds the client should wait (rate limits).
    pub retry_after: Option<u64>,
    /// The newer version of what the client tried to change (conflicts), so nothing it
    /// typed is lost: it can merge and send again.
    pub current: Option<serde_json::Value>,
    /// Why a field was refused, as facts (`reason`, `field`, `limit`), for a console that
    /// words refusals in its user's language; the message stays the English wording.
    pub detail: Option<serde_json::Value>,
}

impl ApiError {
    /// An error with a client-facing message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            message: message.into(),
            retry_after: None,
            current: None,
            detail: None,
        }
    }

    /// An internal failure: the cause chain goes to the log, a generic text to the client.
    pub fn internal(cause: &(dyn std::error::Error + 'static)) -> ApiError {
        let mut chain = cause.to_string();
        let mut source = cause.source();
        while let Some(s) = source {
            chain.push_str(": ");
            chain.push_str(&s.to_string());
            source = s.source();
        }
        tracing::error!(error = %chain, "internal error");
        ApiError::new(
            ErrorCode::Internal,
            "Something went wrong on our side. Please try again.",
        )
    }
}

/// A storage failure is never the caller's fault: logged, answered with `internal`.
impl From<crate::storage::StoreError> for ApiError {
    /// A database that does not answer (PostgreSQL restarting, the network to it down, every
    /// connection busy) is a 503 with `Retry-After`: nothing was stored, trying again soon
    /// is right, and a load balancer's readiness check (`/readyz`) sees it as not ready.
    /// Anything else is our bug: a 500.
    fn from(e: crate::storage::StoreError) -> ApiError {
        use crate::storage::StoreError;
        let unreachable = match &e {
            StoreError::Timeout(_) => true,
            StoreError::Database(d) => matches!(
                d,
                sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_)
            ),
            StoreError::Corrupt(_) => false,
        };
        if !unreachable {
            return ApiError::internal(&e);
        }
        tracing::warn!(error = %e, cause = ?std::error::Error::source(&e).map(|s| s.to_string()), "database unreachable");
        ApiError {
            retry_after: Some(5),
            ..ApiError::new(
                ErrorCode::Unavailable,
                "The service is briefly unavailable: nothing was saved. Please try again in a few seconds.",
            )
        }
    }
}

/// A page that fails to render is a bug of ours, never the caller's.
impl From<askama::Error> for ApiError {
    fn from(e: askama::Error) -> ApiError {
        ApiError::internal(&e)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}: {}", self.code, self.message)
    }
}

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    code: ErrorCode,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    current: Option<&'a serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<&'a serde_json::Value>,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.code.status()
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status_code());
        if let Some(secs) = self.retry_after {
            res.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        res.json(Body {
            error: Inner {
                code: self.code,
                message: &self.message,
                current: self.current.as_ref(),
                detail: self.detail.as_ref(),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::to_bytes;

    #[actix_web::test]
    async fn a_database_that_does_not_answer_is_a_503_to_retry_not_a_500() {
        use crate::storage::StoreError;
        for e in [
            StoreError::Database(sqlx::Error::PoolTimedOut),
            StoreError::Database(sqlx::Error::Io(
                std::io::ErrorKind::ConnectionRefused.into(),
            )),
            StoreError::Timeout(5),
        ] {
            let res = ApiError::from(e).error_response();
            assert_eq!(res.status(), 503);
            assert_eq!(res.headers().get(header::RETRY_AFTER).unwrap(), "5");
            let body = to_bytes(res.into_body()).await.unwrap();
            assert!(std::str::from_utf8(&body)
                .unwrap()
                .contains(r#""code":"unavailable""#));
        }
        let bug = ApiError::from(StoreError::Corrupt("a bad row".into())).error_response();
        assert_eq!(bug.status(), 500);
        let other = StoreError::Database(sqlx::Error::RowNotFound);
        assert_eq!(ApiError::from(other).error_response().status(), 500);
    }

    #[actix_web::test]
    async fn errors_render_as_one_json_shape_with_their_status() {
        let res = ApiError::new(ErrorCode::MessageTooLong, "too long").error_response();
        assert_eq!(res.status(), 422);
        let body = to_bytes(res.into_body()).await.unwrap();
        assert_eq!(
            body.as_ref(),
            br#"{"error":{"code":"message_too_long","message":"too long"}}"#
        );
    }
}
