//! JSON bodies: size limit and error mapping, so a malformed body gets the same error
//! format as everything else.

use crate::error::{ApiError, ErrorCode};
use actix_web::error::JsonPayloadError;
use actix_web::web::JsonConfig;

/// The JSON extractor settings for every route.
pub fn config() -> JsonConfig {
    JsonConfig::default()
        .limit(super::MAX_BODY_BYTES)
        .error_handler(|err, _req| {
            let api = match &err {
                JsonPayloadError::Overflow { .. }
                | JsonPayloadError::OverflowKnownLength { .. } => ApiError::new(
                    ErrorCode::PayloadTooLarge,
                    "The request body is larger than 16 KiB.",
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
