//! The `candor` command line: parse, load settings, hand over to the library.

use candor::config::{Cli, Command};
use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => {
            let settings = args.into_settings()?;
            candor::telemetry::init(&settings.log_format);
            let app = candor::startup::Application::build(settings).await?;
            app.run_until_stopped().await?;
        }
        Command::Purge(args) => {
            let settings = args.settings.into_settings()?;
            candor::telemetry::init(&settings.log_format);
            let store =
                candor::storage::connect(settings.database_url.as_deref(), &settings.data_dir)
                    .await?;
            let now = candor::conversation::now_ms();
            let counts = candor::privacy::retention::purge(
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
    }
    Ok(())
}
