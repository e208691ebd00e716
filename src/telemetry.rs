//! Logging set-up. Candor logs ids, routes, decisions and timings, never message text.

use tracing_subscriber::{fmt, EnvFilter};

/// Installs the global subscriber (`RUST_LOG` filters; default `info`). Logs go to stderr,
/// so command output on stdout (`candor purge`) stays machine-readable.
pub fn init(format: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr);
    let result = if format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
    if result.is_err() {
        tracing::debug!("a tracing subscriber was already installed");
    }
}
