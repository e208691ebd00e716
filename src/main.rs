//! The `candor` command line: parse, then hand over to the library.

use clap::Parser;
use std::io::Write;

#[tokio::main]
async fn main() {
    let result = candor::commands::run(candor::config::Cli::parse()).await;
    let _ = std::io::stdout().flush();
    // Exit here rather than by dropping the runtime: a database pool's background task can
    // keep the runtime's shutdown waiting after a one-shot command has finished its work.
    match result {
        Ok(()) => std::process::exit(0),
        Err(e) => {
            eprintln!("Error: {e:#}");
            std::process::exit(1);
        }
    }
}
