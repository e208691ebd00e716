//! The `candor` command line: parse, then hand over to the library.

use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    candor::commands::run(candor::config::Cli::parse()).await
}
