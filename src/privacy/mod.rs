//! Privacy by default: personal data is redacted before anything is stored, visitors can
//! export and erase their conversation, and data is deleted when its retention ends.

/// Replaces personal data in free text by typed placeholders.
pub mod redact;
/// Retention periods and the purge that enforces them.
pub mod retention;
/// Consent, export, erasure and follow-up contact details.
pub mod rights;
