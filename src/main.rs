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
    }
    Ok(())
}
