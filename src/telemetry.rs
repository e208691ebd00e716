//! Logging set-up. Candor logs ids, routes, decisions and timings, never message text.

use crate::privacy::redact::Redactor;
use std::any::Any;
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

/// Panics are logged through the redaction rules, like everything else Candor writes. A
/// panic message can carry text a handler had in hand (`expect(&format!("… {text}"))`), and
/// the standard hook prints it to stderr as it is. This hook logs it as an error line with
/// its place in the code and, when `RUST_BACKTRACE` asks for one, the backtrace.
pub fn log_panics(redactor: Redactor) {
    std::panic::set_hook(Box::new(move |info| {
        let message = panic_message(&redactor, info.payload());
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let backtrace = std::backtrace::Backtrace::capture();
        if backtrace.status() == std::backtrace::BacktraceStatus::Captured {
            tracing::error!(%location, panic = %message, %backtrace, "panicked");
        } else {
            tracing::error!(%location, panic = %message, "panicked");
        }
    }));
}

/// The panic's message (for `panic!`, `expect` and `unwrap` it is text), redacted.
fn panic_message(redactor: &Redactor, payload: &(dyn Any + Send)) -> String {
    let text = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(not text)".into());
    redactor.redact(&text).text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::privacy::redact::RedactionSettings;
    use std::sync::{Arc, Mutex};

    /// Collects what is logged on this thread.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// A panic whose message holds a visitor's email and card number is logged with both
    /// masked, and with where it happened.
    #[test]
    fn a_panic_is_logged_redacted_with_its_place() {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        let previous = std::panic::take_hook();
        log_panics(Redactor::new(&RedactionSettings::default()).unwrap());
        tracing::subscriber::with_default(subscriber, || {
            let text = "jean.dupont@exemple.fr, carte 4970 1012 3456 7893";
            let _ = std::panic::catch_unwind(|| panic!("could not parse {text}"));
        });
        std::panic::set_hook(previous);
        let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        assert!(
            log.contains("could not parse [email], carte [card]"),
            "{log}"
        );
        assert!(log.contains("src/telemetry.rs:"), "{log}");
        assert!(!log.contains("dupont") && !log.contains("7893"), "{log}");
    }
}
