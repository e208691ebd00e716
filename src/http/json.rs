//! JSON bodies: size limit and error mapping, so a malformed body gets the same error
//! format as everything else.

use crate::error::{ApiError, ErrorCode};
use actix_web::error::JsonPayloadError;
use actix_web::web::JsonConfig;

/// The JSON extractor settings for every route.
pub fn config() -> JsonConfig {
    limited(super::MAX_BODY_BYTES)
}

/// JSON bodies of at most `bytes` (articles are larger than chat messages).
pub fn limited(bytes: usize) -> JsonConfig {
    JsonConfig::default()
        .limit(bytes)
        .error_handler(move |err, _req| {
            let api = match &err {
                JsonPayloadError::Overflow { .. }
                | JsonPayloadError::OverflowKnownLength { .. } => ApiError::new(
                    ErrorCode::PayloadTooLarge,
                    format!("The request body is larger than {} KiB.", bytes / 1024),
                ),
                JsonPayloadError::ContentType => ApiError::new(
                    ErrorCode::UnsupportedMediaType,
                    "Send the body as JSON with Content-Type: application/json.",
                ),
                JsonPayloadError::Deserialize(e) if e.is_data() => ApiError::new(
                    ErrorCode::InvalidField,
                    format!("The JSON body is not valid: {e}"),
                ),
                _ => ApiError::new(
                    ErrorCode::InvalidJson,
                    "The request body is not valid JSON.",
                ),
            };
            api.into()
        })
}

/// Query strings: an unknown or malformed parameter is a 400 in the one error format.
pub fn query_config() -> actix_web::web::QueryConfig {
    actix_web::web::QueryConfig::default().error_handler(|err, _req| {
        ApiError::new(
            ErrorCode::InvalidQuery,
            format!("The query string is not valid: {err}"),
        )
        .into()
    })
}

/// Path parameters that do not parse (a version that is not a number) name nothing.
pub fn path_config() -> actix_web::web::PathConfig {
    actix_web::web::PathConfig::default().error_handler(|_err, _req| {
        ApiError::new(ErrorCode::NotFound, "There is nothing at this address.").into()
    })
}
