//! Settings: built-in defaults < TOML file < `CANDOR_*` environment < command-line flags.
//!
//! clap merges the environment and the flags (a flag wins); the file only fills what both
//! left unset, and the defaults fill the rest. The database URL may hold a password, so
//! `Debug` never prints it.

use crate::conversation::disclosure::DisclosureOverrides;
use crate::privacy::redact::RedactionSettings;
use crate::privacy::retention::RetentionSettings;
use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use serde::Deserialize;
use std::path::{Path, PathBuf};

mod validate;

/// The `candor` command line.
#[derive(Parser, Debug)]
#[command(
    name = "candor",
    version,
    about = "A support chatbot that never hides what it is"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// What `candor` can do.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the HTTP server (widget, API, demo page).
    Serve(ServeArgs),
    /// Delete what is past its retention period now (the server also does it hourly).
    Purge(PurgeArgs),
    /// Manage console accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Check the audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Move articles between Markdown files and the database (the console's source).
    #[command(subcommand)]
    Kb(KbCommand),
    /// Copy the embedded SQLite database to a new file, safely while servers run.
    Backup(BackupArgs),
}

/// `candor backup --to FILE`
#[derive(Args, Debug)]
pub struct BackupArgs {
    /// The new file (it must not exist yet).
    #[arg(long)]
    pub to: PathBuf,
    #[command(flatten)]
    pub settings: ServeArgs,
}

/// `candor kb …`
#[derive(Subcommand, Debug)]
pub enum KbCommand {
    /// Save every article of a directory as a new published version.
    Import(KbArgs),
    /// Write every published article of the database to a directory.
    Export(KbArgs),
}

/// Flags of `candor kb import|export`.
#[derive(Args, Debug)]
pub struct KbArgs {
    /// The directory of Markdown articles.
    pub dir: PathBuf,
    #[command(flatten)]
    pub settings: ServeArgs,
}

/// `candor audit …`
#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Verify the hash chain; names the first broken entry and exits with 1 if any.
    Verify(ServeArgs),
}

/// `candor user …`
#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create an account; the password is read from standard input (at least 10 characters).
    Add(UserAddArgs),
    /// Every account: email, name, role, whether it is switched off, last activity.
    List(ServeArgs),
    /// Switch an account off now: its sessions end, it cannot sign in, the conversations it
    /// holds go back to the queue.
    Disable(UserEmailArgs),
    /// Switch an account back on.
    Enable(UserEmailArgs),
    /// Set a new password, read from standard input; signs the account out everywhere.
    Password(UserEmailArgs),
    /// Give an account another role (agent, operator or admin).
    Role(UserRoleArgs),
}

/// Flags of the `candor user` commands that name one account.
#[derive(Args, Debug)]
pub struct UserEmailArgs {
    #[arg(long)]
    pub email: String,
    #[command(flatten)]
    pub settings: ServeArgs,
}

/// Flags of `candor user role`.
#[derive(Args, Debug)]
pub struct UserRoleArgs {
    #[arg(long)]
    pub email: String,
    /// agent, operator or admin.
    #[arg(long)]
    pub role: String,
    #[command(flatten)]
    pub settings: ServeArgs,
}

/// Flags of `candor user add`.
#[derive(Args, Debug)]
pub struct UserAddArgs {
    #[arg(long)]
    pub email: String,
    /// agent, operator or admin.
    #[arg(long)]
    pub role: String,
    /// Name shown to visitors ("Camille"); defaults to the part of the email before '@'.
    #[arg(long)]
    pub name: Option<String>,
    #[command(flatten)]
    pub settings: ServeArgs,
}

/// Flags of `candor purge`.
#[derive(Args, Debug)]
pub struct PurgeArgs {
    /// Only count what would be deleted.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub settings: ServeArgs,
}

/// Flags of `candor serve`; every one also has a `CANDOR_*` variable.
#[derive(Args, Debug, Default)]
pub struct ServeArgs {
    /// Optional TOML settings file.
    #[arg(long, env = "CANDOR_CONFIG")]
    pub config: Option<PathBuf>,
    /// Address to listen on (default 127.0.0.1:8080).
    #[arg(long, env = "CANDOR_BIND")]
    pub bind: Option<String>,
    /// Where the SQLite database and the search index live (default ./data).
    #[arg(long, env = "CANDOR_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Directory of Markdown help-centre articles (default ./knowledge).
    #[arg(long, env = "CANDOR_KNOWLEDGE_DIR")]
    pub knowledge_dir: Option<PathBuf>,
    /// postgres://… selects PostgreSQL; without it SQLite in the data dir is used.
    #[arg(long, env = "CANDOR_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Conversation creations and messages allowed per client per minute; 0 disables.
    #[arg(long, env = "CANDOR_RATE_LIMIT")]
    pub rate_limit: Option<u32>,
    /// Minimum confidence (0..1) to answer; below it the assistant declines.
    #[arg(long, env = "CANDOR_THRESHOLD")]
    pub threshold: Option<f32>,
    /// Comma-separated origins allowed to embed the widget from another site.
    #[arg(long, env = "CANDOR_WIDGET_ORIGINS", value_delimiter = ',')]
    pub widget_origins: Option<Vec<String>>,
    /// Header holding the client address when behind a reverse proxy (e.g. X-Forwarded-For).
    #[arg(long, env = "CANDOR_CLIENT_IP_HEADER")]
    pub client_ip_header: Option<String>,
    /// Log format: text or json.
    #[arg(long, env = "CANDOR_LOG_FORMAT")]
    pub log_format: Option<String>,
    /// Bearer token Prometheus sends for /metrics (at least 16 characters); without it,
    /// /metrics answers only to this machine, and never behind a reverse proxy.
    #[arg(long, env = "CANDOR_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// Directory of the optional embedding model (model.safetensors + vocab.txt of
    /// all-MiniLM-L6-v2); unset or missing: lexical search only.
    #[arg(long, env = "CANDOR_EMBEDDING_MODEL")]
    pub embedding_model: Option<PathBuf>,
    /// Directory of the optional French embedding model (`e5-small-q4.bin` of
    /// multilingual-e5-small); unset or missing: French questions use lexical search only.
    #[arg(long, env = "CANDOR_EMBEDDING_MODEL_FR")]
    pub embedding_model_fr: Option<PathBuf>,
    /// How the embedding models compute: fast (the best 8-bit kernel this processor has),
    /// exact (f32), vnni or avx2 (one kernel, to reproduce figures across machines).
    #[arg(long, env = "CANDOR_EMBED_PRECISION")]
    pub embed_precision: Option<String>,
}

/// The TOML file: the same settings as the flags, plus the operator's disclosure texts.
#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct FileSettings {
    pub bind: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub knowledge_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub rate_limit: Option<u32>,
    pub threshold: Option<f32>,
    pub widget_origins: Option<Vec<String>>,
    pub client_ip_header: Option<String>,
    pub log_format: Option<String>,
    pub metrics_token: Option<String>,
    pub retention: Option<RetentionSettings>,
    pub redaction: Option<RedactionSettings>,
    pub disclosure: Option<DisclosureOverrides>,
    pub privacy: Option<PrivacyContacts>,
    pub handoff: Option<crate::answer::escalation::HandoffRules>,
    pub canned_replies: Option<Vec<CannedReply>>,
    /// Points of answer rate below the best group that raise an equity warning.
    pub disparity_points: Option<f64>,
    pub embedding: Option<EmbeddingSettings>,
}

/// The optional embedding models (`[embedding]` for English, `[embedding.fr]` for French):
/// consulted only when the lexical search is unsure.
#[derive(Deserialize, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct EmbeddingSettings {
    /// Directory with `model.safetensors` and `vocab.txt` (all-MiniLM-L6-v2), for English.
    pub model_dir: Option<PathBuf>,
    /// Lexical confidence under which the model is asked (chosen on validation data).
    pub consult_below: f32,
    /// Combined score (meaning, plus a little for shared words) from which the best article
    /// is answered (chosen on validation data); below it the assistant declines.
    pub answer_from: f32,
    /// The French model and its rule.
    pub fr: FrenchEmbedding,
    /// How the models compute: `fast`, `exact`, `vnni` or `avx2` (see `--embed-precision`).
    pub precision: String,
    /// When the English model is unsure, whether the French model (which reads English
    /// too) is asked as well, and the two models' scores averaged
    /// (`answer::meaning::SECOND_OPINION`). Off by default: on CLINC150 test it answered
    /// more questions right (0.836 → 0.847) but declined fewer out-of-scope ones (0.816 →
    /// 0.767), against Candor's rule of declining rather than guessing (BENCHMARKS.md).
    pub second_opinion: bool,
}

impl Default for EmbeddingSettings {
    fn default() -> Self {
        EmbeddingSettings {
            model_dir: None,
            consult_below: 0.95,
            answer_from: 0.46,
            fr: FrenchEmbedding::default(),
            precision: "fast".into(),
            second_opinion: false,
        }
    }
}

/// The French embedding model (`[embedding.fr]`): multilingual-e5-small, whose scores sit
/// on a scale of their own, hence its own bar. Chosen on the French tuning questions only
/// (`bench/fr-tune` and the French dev questions) with the quality bench: consult below
/// 0.3 / 0.5 / 0.7 / 0.95 × answer from 0.90–0.94, best at 0.3; with questions unmarked
/// (no "query: "), answer from 0.92–0.97: 0.944, inside the range where every tuning
/// decline holds and two steps above where one is lost (BENCHMARKS.md).
#[derive(Deserialize, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct FrenchEmbedding {
    /// Directory with `e5-small-q4.bin`.
    pub model_dir: Option<PathBuf>,
    pub consult_below: f32,
    pub answer_from: f32,
}

impl Default for FrenchEmbedding {
    fn default() -> Self {
        FrenchEmbedding {
            model_dir: None,
            // Asked only where the words would decline (the lexical threshold): confident
            // lexical answers stand.
            consult_below: 0.3,
            answer_from: 0.944,
        }
    }
}

/// When one language's model is asked and trusted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModelRule {
    pub consult_below: f32,
    pub answer_from: f32,
}

impl EmbeddingSettings {
    /// English's rule.
    pub fn en_rule(&self) -> ModelRule {
        ModelRule {
            consult_below: self.consult_below,
            answer_from: self.answer_from,
        }
    }

    /// French's rule.
    pub fn fr_rule(&self) -> ModelRule {
        ModelRule {
            consult_below: self.fr.consult_below,
            answer_from: self.fr.answer_from,
        }
    }
}

/// A ready-made reply for agents, in both languages.
#[derive(Deserialize, serde::Serialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct CannedReply {
    pub title: String,
    pub fr: String,
    pub en: String,
}

/// Who is responsible for the data, for the `/privacy` page (`[privacy]` config table).
#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields, default)]
pub struct PrivacyContacts {
    /// The shop (data controller), with its address.
    pub controller: String,
    /// Where visitors write about their data.
    pub contact_email: String,
    /// The data-protection officer's contact.
    pub dpo_email: String,
    /// The supervisory authority visitors may complain to.
    pub authority: String,
    /// Who hosts the server, and where (GDPR art. 13: recipients and transfers): the notice
    /// says the assistant runs there and sends messages to no one else.
    pub hosting: String,
}

impl Default for PrivacyContacts {
    fn default() -> Self {
        PrivacyContacts {
            controller: "Maison Lumière SAS, 12 rue des Artisans, 69002 Lyon, France".into(),
            contact_email: "aide@maison-lumiere.example".into(),
            dpo_email: "dpo@maison-lumiere.example".into(),
            authority: "CNIL (www.cnil.fr)".into(),
            hosting: "Maison Lumière SAS, Lyon (France)".into(),
        }
    }
}

impl PrivacyContacts {
    /// The fields still naming the sample shop: a real shop that forgot one would publish
    /// Maison Lumière's DPO or host in its privacy notice.
    pub fn sample_fields(&self) -> Vec<&'static str> {
        let sample = PrivacyContacts::default();
        [
            ("controller", self.controller == sample.controller),
            ("contact_email", self.contact_email == sample.contact_email),
            ("dpo_email", self.dpo_email == sample.dpo_email),
            ("hosting", self.hosting == sample.hosting),
        ]
        .into_iter()
        .filter_map(|(name, same)| same.then_some(name))
        .collect()
    }
}

/// Everything the application needs to start, fully resolved.
#[derive(Clone)]
pub struct Settings {
    pub bind: String,
    pub data_dir: PathBuf,
    pub knowledge_dir: PathBuf,
    pub database_url: Option<String>,
    pub rate_limit: u32,
    pub threshold: f32,
    pub widget_origins: Vec<String>,
    pub client_ip_header: Option<String>,
    pub log_format: String,
    pub metrics_token: Option<String>,
    pub retention: RetentionSettings,
    pub redaction: RedactionSettings,
    pub disclosure: DisclosureOverrides,
    pub privacy: PrivacyContacts,
    pub handoff: crate::answer::escalation::HandoffRules,
    pub canned_replies: Vec<CannedReply>,
    pub disparity_points: f64,
    pub embedding: EmbeddingSettings,
}

/// Default confidence threshold, chosen on validation data (see BENCHMARKS.md).
pub const DEFAULT_THRESHOLD: f32 = 0.3;

impl Settings {
    /// Settings for a given data and knowledge dir with every other value at its default.
    pub fn with_dirs(data_dir: &Path, knowledge_dir: &Path) -> Settings {
        ServeArgs {
            data_dir: Some(data_dir.to_path_buf()),
            knowledge_dir: Some(knowledge_dir.to_path_buf()),
            ..ServeArgs::default()
        }
        .merge(FileSettings::default())
    }
}

impl ServeArgs {
    /// Reads the optional file and resolves every setting.
    pub fn into_settings(self) -> anyhow::Result<Settings> {
        let file = match &self.config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading config file {}", path.display()))?;
                toml::from_str(&text)
                    .with_context(|| format!("parsing config file {}", path.display()))?
            }
            None => FileSettings::default(),
        };
        let settings = self.merge(file);
        settings.validate()?;
        Ok(settings)
    }

    fn merge(self, file: FileSettings) -> Settings {
        Settings {
            bind: self
                .bind
                .or(file.bind)
                .unwrap_or_else(|| "127.0.0.1:8080".into()),
            data_dir: self
                .data_dir
                .or(file.data_dir)
                .unwrap_or_else(|| "data".into()),
            knowledge_dir: (self.knowledge_dir.or(file.knowledge_dir))
                .unwrap_or_else(|| "knowledge".into()),
            database_url: self.database_url.or(file.database_url),
            rate_limit: self.rate_limit.or(file.rate_limit).unwrap_or(30),
            threshold: self
                .threshold
                .or(file.threshold)
                .unwrap_or(DEFAULT_THRESHOLD),
            // "a, b" and an empty CANDOR_WIDGET_ORIGINS= are meant as they read.
            widget_origins: (self.widget_origins.or(file.widget_origins))
                .unwrap_or_default()
                .into_iter()
                .map(|o| o.trim().to_string())
                .filter(|o| !o.is_empty())
                .collect(),
            client_ip_header: self.client_ip_header.or(file.client_ip_header),
            metrics_token: self.metrics_token.or(file.metrics_token),
            log_format: self
                .log_format
                .or(file.log_format)
                .unwrap_or_else(|| "text".into()),
            retention: file.retention.unwrap_or_default(),
            redaction: file.redaction.unwrap_or_default(),
            disclosure: file.disclosure.unwrap_or_default(),
            privacy: file.privacy.unwrap_or_default(),
            handoff: file.handoff.unwrap_or_default(),
            canned_replies: file.canned_replies.unwrap_or_else(default_canned_replies),
            disparity_points: file.disparity_points.unwrap_or(15.0),
            embedding: {
                let mut e = file.embedding.unwrap_or_default();
                e.model_dir = self.embedding_model.or(e.model_dir);
                e.fr.model_dir = self.embedding_model_fr.or(e.fr.model_dir);
                e.precision = self.embed_precision.unwrap_or(e.precision);
                e
            },
        }
    }
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("bind", &self.bind)
            .field("data_dir", &self.data_dir)
            .field("knowledge_dir", &self.knowledge_dir)
            .field(
                "database_url",
                &self.database_url.as_ref().map(|_| "[redacted]"),
            )
            .field("rate_limit", &self.rate_limit)
            .field("threshold", &self.threshold)
            .field("widget_origins", &self.widget_origins)
            .field(
                "metrics_token",
                &self.metrics_token.as_ref().map(|_| "[redacted]"),
            )
            .finish_non_exhaustive()
    }
}

/// Replies every shop needs, until the operator writes its own.
fn default_canned_replies() -> Vec<CannedReply> {
    vec![
        CannedReply {
            title: "Greeting".into(),
            fr: "Bonjour, je m'appelle {name} et je reprends votre demande. Je lis votre conversation avec l'assistant.".into(),
            en: "Hello, my name is {name} and I'm taking over your request. I'm reading your conversation with the assistant.".into(),
        },
        CannedReply {
            title: "Order number".into(),
            fr: "Pouvez-vous m'indiquer votre numéro de commande ?".into(),
            en: "Could you give me your order number?".into(),
        },
        CannedReply {
            title: "Closing".into(),
            fr: "Je vous remercie. Puis-je faire autre chose pour vous ?".into(),
            en: "Thank you. Is there anything else I can do for you?".into(),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_win_over_file_and_file_over_defaults() {
        let args = ServeArgs {
            bind: Some("0.0.0.0:1".into()),
            ..Default::default()
        };
        let file = FileSettings {
            bind: Some("1.1.1.1:2".into()),
            rate_limit: Some(5),
            ..Default::default()
        };
        let s = args.merge(file);
        assert_eq!(s.bind, "0.0.0.0:1");
        assert_eq!(s.rate_limit, 5);
        assert_eq!(s.data_dir, PathBuf::from("data"));
    }

    #[test]
    fn the_privacy_fields_left_at_the_sample_are_named() {
        let mut p = PrivacyContacts::default();
        assert_eq!(p.sample_fields().len(), 4);
        p.controller = "Chez Nous SARL, Nantes".into();
        p.dpo_email = "dpo@cheznous.example".into();
        assert_eq!(p.sample_fields(), vec!["contact_email", "hosting"]);
    }

    #[test]
    fn debug_output_hides_the_database_password() {
        let args = ServeArgs {
            database_url: Some("postgres://u:secret@h/db".into()),
            metrics_token: Some("prometheus-secret-123".into()),
            ..Default::default()
        };
        let s = args.merge(FileSettings::default());
        assert!(!format!("{s:?}").contains("secret"));
    }
}
