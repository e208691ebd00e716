//! An acknowledged message survives kill -9: the real binary is killed and restarted.

use crate::helpers::sample_knowledge;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// Starts `candor serve` on a free port and returns it with its address.
fn start_binary(data_dir: &std::path::Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_candor"))
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--log-format",
            "json",
            "--rate-limit",
            "0",
        ])
        .arg("--data-dir")
        .arg(data_dir)
        .arg("--knowledge-dir")
        .arg(sample_knowledge())
        .env_remove("CANDOR_DATABASE_URL")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start candor");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let port = loop {
        let line = lines
            .next()
            .expect("candor exited before listening")
            .unwrap();
        let v: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
        if v["fields"]["message"] == "candor listening" {
            break v["fields"]["port"].as_u64().unwrap();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    (child, format!("http://127.0.0.1:{port}"))
}

#[tokio::test]
async fn an_acknowledged_turn_survives_kill_dash_nine() {
    let dir = tempfile::tempdir().unwrap();
    let client = reqwest::Client::new();
    let (mut child, base) = start_binary(dir.path());
    let created: Value = client
        .post(format!("{base}/api/v1/conversations"))
        .json(&json!({"locale": "fr"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (id, token) = (
        created["id"].as_str().unwrap(),
        created["token"].as_str().unwrap(),
    );
    let res = client
        .post(format!("{base}/api/v1/conversations/{id}/messages"))
        .bearer_auth(token)
        .json(&json!({"text": "Combien de temps prend la livraison ?"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let reply: Value = res.json().await.unwrap();
    child.kill().unwrap(); // SIGKILL: no shutdown hook runs.
    child.wait().unwrap();

    let (mut child, base) = start_binary(dir.path());
    let t: Value = client
        .get(format!("{base}/api/v1/conversations/{id}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let messages = t["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0]["text"], "Combien de temps prend la livraison ?");
    assert_eq!(messages[1]["id"], reply["reply"]["id"]);
    assert_eq!(t["disclosure"]["version"], created["disclosure"]["version"]);
    let why = client
        .get(format!(
            "{base}{}",
            reply["reply"]["why_url"].as_str().unwrap()
        ))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(why.status(), 200);
    child.kill().unwrap();
    child.wait().unwrap();
}
