//! What each `candor` subcommand does. Output meant for scripts goes to stdout as JSON;
//! logs go to stderr.

use crate::config::{AuditCommand, Cli, Command, KbCommand, ServeArgs, Settings, UserCommand};
use crate::storage::{self, Store};
use anyhow::Context;
use std::sync::Arc;

/// Runs one command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => {
            let settings = prepare(args)?;
            let app = crate::startup::Application::build(settings).await?;
            app.run_until_stopped().await?;
        }
        Command::Purge(args) => {
            let settings = prepare(args.settings)?;
            let store = open_store(&settings).await?;
            let now = crate::conversation::now_ms();
            let counts = crate::privacy::retention::purge(
                store.as_ref(),
                &settings.retention,
                now,
                args.dry_run,
            )
            .await?;
            println!(
                "{}",
                serde_json::json!({ "dry_run": args.dry_run, "past_retention": counts })
            );
        }
        Command::User(command) => user(command).await?,
        Command::Backup(args) => {
            let settings = prepare(args.settings)?;
            let bytes = storage::backup(
                settings.database_url.as_deref(),
                &settings.data_dir,
                &args.to,
            )
            .await?;
            println!(
                "{}",
                serde_json::json!({ "backup": args.to.display().to_string(), "bytes": bytes })
            );
        }
        Command::Kb(KbCommand::Import(args)) => {
            let settings = prepare(args.settings)?;
            // Importing may be how a new shop fills its database before the first start.
            let store = create_store(&settings).await?;
            // A throw-away index: a running server keeps the lock on its own; servers apply the
            // imported articles at their next start (or at once, via the articles API).
            let index_dir =
                std::env::temp_dir().join(format!("candor-import-{}", uuid::Uuid::new_v4()));
            let files = crate::knowledge::loader::load_dir(&settings.knowledge_dir)
                .map(|r| r.articles)
                .unwrap_or_default();
            let index =
                std::sync::Arc::new(crate::knowledge::KnowledgeIndex::open(&index_dir, &files)?);
            crate::knowledge::editor::load_all(store.as_ref(), &index).await?;
            let (saved, unchanged, problems) = crate::knowledge::editor::import_dir(
                store.as_ref(),
                &index,
                &args.dir,
                "candor kb import",
            )
            .await?;
            let _ = std::fs::remove_dir_all(&index_dir);
            println!(
                "{}",
                serde_json::json!({ "saved": saved, "unchanged": unchanged, "problems": problems })
            );
        }
        Command::Kb(KbCommand::Export(args)) => {
            let settings = prepare(args.settings)?;
            let store = open_store(&settings).await?;
            let n = crate::knowledge::editor::export_dir(store.as_ref(), &args.dir).await?;
            println!("{}", serde_json::json!({ "exported": n }));
        }
        Command::Audit(AuditCommand::Verify(args)) => {
            let settings = prepare(args)?;
            let store = open_store(&settings).await?;
            let entries = store.audit_entries().await?;
            if entries.is_empty() {
                // Every start records its settings and every account change is logged: an
                // empty log is a database that never served, or the wrong one.
                println!(
                    "{}",
                    serde_json::json!({ "ok": false, "entries": 0, "problem": "the audit log is empty: this database never served; is it the right one?" })
                );
                std::process::exit(1);
            }
            match crate::audit::verify(&entries) {
                Ok(n) => println!("{}", serde_json::json!({ "ok": true, "entries": n })),
                Err(broken) => {
                    println!(
                        "{}",
                        serde_json::json!({ "ok": false, "first_broken": broken })
                    );
                    std::process::exit(1);
                }
            }
        }
    }
    Ok(())
}

/// Who the audit log names for changes made with `candor user`.
const CLI_ACTOR: &str = "candor user (command line)";

/// `candor user …`: accounts, from the machine the server runs on.
async fn user(command: UserCommand) -> anyhow::Result<()> {
    use crate::handoff::accounts;
    let out = match command {
        UserCommand::Add(args) => {
            let settings = prepare(args.settings)?;
            let password = read_password()?;
            let store = create_store(&settings).await?;
            let name = args.name.unwrap_or_default();
            let user = accounts::add_user(
                store.as_ref(),
                &args.email,
                &name,
                &args.role,
                &password,
                CLI_ACTOR,
            )
            .await?;
            serde_json::json!({ "id": user.id, "email": user.email, "role": user.role, "name": user.display_name })
        }
        UserCommand::List(args) => {
            let settings = prepare(args)?;
            let store = open_store(&settings).await?;
            let users = store.users().await?;
            let at = |ms: i64| (ms > 0).then(|| crate::conversation::rfc3339(ms));
            serde_json::Value::Array(
                users
                    .iter()
                    .map(|u| serde_json::json!({
                        "id": u.id, "email": u.email, "name": u.display_name, "role": u.role,
                        "disabled_at": u.disabled_at.and_then(at), "last_seen_at": at(u.last_seen_at),
                    }))
                    .collect(),
            )
        }
        UserCommand::Disable(args) => {
            let settings = prepare(args.settings)?;
            let store = open_store(&settings).await?;
            let user = accounts::find(store.as_ref(), &args.email).await?;
            let done = accounts::disable(store.as_ref(), &user, CLI_ACTOR).await?;
            serde_json::json!({ "email": user.email, "disabled": true, "tokens_revoked": done.tokens_revoked, "requeued": done.requeued })
        }
        UserCommand::Enable(args) => {
            let settings = prepare(args.settings)?;
            let store = open_store(&settings).await?;
            let user = accounts::find(store.as_ref(), &args.email).await?;
            accounts::enable(store.as_ref(), &user, CLI_ACTOR).await?;
            serde_json::json!({ "email": user.email, "disabled": false })
        }
        UserCommand::Password(args) => {
            let settings = prepare(args.settings)?;
            let password = read_password()?;
            let store = open_store(&settings).await?;
            let user = accounts::find(store.as_ref(), &args.email).await?;
            let revoked =
                accounts::set_password(store.as_ref(), &user, &password, CLI_ACTOR).await?;
            serde_json::json!({ "email": user.email, "password_changed": true, "tokens_revoked": revoked })
        }
        UserCommand::Role(args) => {
            let settings = prepare(args.settings)?;
            let store = open_store(&settings).await?;
            let user = accounts::find(store.as_ref(), &args.email).await?;
            accounts::set_role(store.as_ref(), &user, &args.role, CLI_ACTOR).await?;
            serde_json::json!({ "email": user.email, "role": args.role })
        }
    };
    println!("{out}");
    Ok(())
}

/// One line of standard input, without its line break.
fn read_password() -> anyhow::Result<String> {
    let mut password = String::new();
    std::io::stdin().read_line(&mut password)?;
    Ok(password.trim_end_matches(['\n', '\r']).to_string())
}

fn prepare(args: ServeArgs) -> anyhow::Result<Settings> {
    let settings = args.into_settings()?;
    crate::telemetry::init(&settings.log_format);
    crate::telemetry::log_panics(
        crate::privacy::redact::Redactor::new(&settings.redaction)
            .context("compiling redaction patterns")?,
    );
    Ok(settings)
}

async fn open_store(settings: &Settings) -> anyhow::Result<Arc<dyn Store>> {
    storage::connect_existing(settings.database_url.as_deref(), &settings.data_dir).await
}

/// The database, created when it is not there yet: the first admin is added, and the
/// articles imported, before the server's first start.
async fn create_store(settings: &Settings) -> anyhow::Result<Arc<dyn Store>> {
    storage::connect(settings.database_url.as_deref(), &settings.data_dir).await
}
