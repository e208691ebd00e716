//! Candor: a customer-support chatbot server that answers from a shop's own help centre,
//! says it is an AI, shows why it answered, and hands over to a person when it should.

/// Answering: retrieval results -> confidence -> decision -> reply and why record.
pub mod answer;
/// The hash-chained audit log of human actions.
pub mod audit;
/// The `candor` subcommands.
pub mod commands;
/// Settings from defaults, TOML file, `CANDOR_*` environment and command-line flags.
pub mod config;
/// Conversations, visitor-facing texts, disclosure notices and validated inputs.
pub mod conversation;
/// The one JSON error format every HTTP error uses.
pub mod error;
/// The human queue: putting a conversation in line for a person.
pub mod handoff;
/// Thin actix-web handlers, grouped by audience.
pub mod http;
/// Help-centre articles: Markdown loader, analyzers and the Tantivy index.
pub mod knowledge;
/// Prometheus counters and the chat-turn latency histogram.
pub mod metrics;
/// Privacy: redaction, retention.
pub mod privacy;
/// Live change notifications for the widget and the console.
pub mod realtime;
/// Builds the application from settings and runs it until stopped.
pub mod startup;
/// Persistence behind one trait, with SQLite and PostgreSQL implementations.
pub mod storage;
/// Tracing subscriber set-up; message text is never logged.
pub mod telemetry;
