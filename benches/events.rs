//! Live-event delivery: time from an agent's reply (HTTP request sent) to the visitor's
//! stream receiving it, with many visitor streams open on one server.
//!
//!   cargo bench --bench events [-- <open streams> <measured replies>]   (default 1000, 200)
//!
//! Real server (release build, SQLite, port 0), real HTTP and SSE. The process needs about
//! three file descriptors per stream (`ulimit -n`).

use candor::config::Settings;
use candor::startup::Application;
use futures_util::StreamExt;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let (streams, measured) = (
        args.first().copied().unwrap_or(1000),
        args.get(1).copied().unwrap_or(200),
    );
    let work = tempfile::tempdir().unwrap();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut settings = Settings::with_dirs(&work.path().join("data"), &root.join("knowledge"));
    settings.bind = "127.0.0.1:0".into();
    settings.rate_limit = 0;
    let store_dir = settings.data_dir.clone();
    let app = Application::build(settings).await.unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let store = candor::storage::connect(None, &store_dir).await.unwrap();
    candor::handoff::accounts::add_user(
        store.as_ref(),
        "bench@shop.example",
        "Bench",
        "agent",
        "benchmark password",
        "benchmark setup",
    )
    .await
    .unwrap();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(streams + 16)
        .build()
        .unwrap();
    let login: Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": "bench@shop.example", "password": "benchmark password"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let agent = login["token"].as_str().unwrap().to_string();

    // Open every visitor stream; the first `measured` conversations wait for a person.
    let mut waiters = Vec::new();
    for i in 0..streams {
        let c: Value = client
            .post(format!("{base}/api/v1/conversations"))
            .json(&json!({"locale": "en"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let (id, token) = (
            c["id"].as_str().unwrap().to_string(),
            c["token"].as_str().unwrap().to_string(),
        );
        if i < measured {
            client
                .post(format!("{base}/api/v1/conversations/{id}/handoff"))
                .bearer_auth(&token)
                .json(&json!({}))
                .send()
                .await
                .unwrap();
        }
        let res = client
            .get(format!("{base}/api/v1/conversations/{id}/events"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<Instant>();
        tokio::spawn(async move {
            let mut body = res.bytes_stream();
            let mut tx = Some(tx);
            while let Some(Ok(chunk)) = body.next().await {
                if String::from_utf8_lossy(&chunk).contains("bench-ping") {
                    if let Some(tx) = tx.take() {
                        let _ = tx.send(Instant::now());
                    }
                }
            }
        });
        waiters.push((id, rx));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;

    let mut latencies = Vec::new();
    for (id, rx) in waiters.into_iter().take(measured) {
        client
            .post(format!("{base}/api/v1/agent/conversations/{id}/claim"))
            .bearer_auth(&agent)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        let sent = Instant::now();
        client
            .post(format!("{base}/api/v1/agent/conversations/{id}/messages"))
            .bearer_auth(&agent)
            .json(&json!({"text": "bench-ping"}))
            .send()
            .await
            .unwrap();
        let received = tokio::time::timeout(Duration::from_secs(20), rx)
            .await
            .expect("delivered")
            .unwrap();
        latencies.push(received.duration_since(sent).as_micros());
    }
    latencies.sort_unstable();
    let pct = |p: f64| latencies[((latencies.len() - 1) as f64 * p) as usize] as f64 / 1000.0;
    println!(
        "open visitor streams: {streams}; measured replies: {}; delivery p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        latencies.len(), pct(0.5), pct(0.99), pct(1.0)
    );
}
