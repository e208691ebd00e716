//! Several instances on one PostgreSQL (runs when CANDOR_TEST_DATABASE_URL is set): a
//! visitor on instance A and an agent on instance B talk live; claims race across instances.

use crate::helpers::{fresh_pg_database, spawn_with, test_settings, Backend, TestApp};
use futures_util::StreamExt;
use serde_json::{json, Value};
use std::time::Duration;

async fn two_instances() -> Option<(TestApp, TestApp)> {
    std::env::var("CANDOR_TEST_DATABASE_URL").ok()?;
    let url = fresh_pg_database().await;
    let mut apps = Vec::new();
    for _ in 0..2 {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = test_settings(Backend::Sqlite, dir.path()).await;
        settings.database_url = Some(url.clone());
        apps.push(spawn_with(settings, dir, Backend::Postgres).await);
    }
    let b = apps.pop().unwrap();
    Some((apps.pop().unwrap(), b))
}

#[tokio::test]
async fn a_visitor_on_one_instance_hears_an_agent_on_another_live() {
    let Some((a, b)) = two_instances().await else {
        eprintln!("SKIPPED: set CANDOR_TEST_DATABASE_URL to run the multi-instance test");
        return;
    };
    let c = a.create(Some("en")).await;
    let handed = a.ask(&c, "human please").await;
    let after = handed["reply"]["seq"].as_i64().unwrap();
    // The visitor listens on A before anything happens on B.
    let res = a
        .client
        .get(a.url(&format!("/api/v1/conversations/{}/events", c.id)))
        .bearer_auth(&c.token)
        .header("Last-Event-ID", after.to_string())
        .send()
        .await
        .unwrap();
    let mut stream = res.bytes_stream();
    let agent = b.agent("Camille", "agent").await;
    let other = b.agent("Sami", "agent").await;
    let claim = format!("/api/v1/agent/conversations/{}/claim", c.id);
    let (r1, r2) = tokio::join!(
        b.agent_post(&agent, &claim, json!({})),
        a.agent_post(&other, &claim, json!({}))
    );
    let mut statuses = [r1.status().as_u16(), r2.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409], "one claim wins across instances");
    let holder = if r1.status() == 200 { &agent } else { &other };
    let path = format!("/api/v1/agent/conversations/{}/messages", c.id);
    let sent = b
        .agent_post(holder, &path, json!({"text": "Hello from instance B"}))
        .await;
    assert_eq!(sent.status(), 200);

    let mut buffer = String::new();
    let started = tokio::time::Instant::now();
    while !buffer.contains("Hello from instance B") {
        let chunk = tokio::time::timeout(Duration::from_secs(5), stream.next())
            .await
            .expect("the agent's message reaches the visitor on the other instance within 5 s")
            .unwrap()
            .unwrap();
        buffer.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(started.elapsed() < Duration::from_secs(5));
    let t: Value = a.transcript(&c).await;
    assert_eq!(t["status"], "with_agent");
}

#[tokio::test]
async fn an_article_published_on_one_instance_is_answered_on_the_other_within_a_second() {
    let Some((a, b)) = two_instances().await else {
        eprintln!("SKIPPED: set CANDOR_TEST_DATABASE_URL to run the multi-instance test");
        return;
    };
    let operator = b.agent("Olga", "operator").await;
    let body = json!({
        "id": "en-loyalty", "title": "Loyalty programme", "lang": "en",
        "body": "## Earning points\nEvery euro spent gives 1 loyalty point; 100 points give a €5 voucher.",
    });
    let published = b
        .client
        .post(b.url("/api/v1/articles"))
        .bearer_auth(&operator)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(published.status(), 200);
    let started = tokio::time::Instant::now();
    loop {
        let c = a.create(Some("en")).await;
        let reply = a
            .ask(&c, "How many points does the loyalty programme give?")
            .await;
        if crate::helpers::cited(&reply).as_deref() == Some("en-loyalty") {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "not answerable on A within a second"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
