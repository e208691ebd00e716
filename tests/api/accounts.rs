//! The day a person leaves the team: an admin switches the account off, its sign-ins and
//! live streams end on the spot, the visitors it was helping go back to the queue, and the
//! audit log says who did it. Also from the command line, as `candor user …`.

use crate::helpers::{backends, sample_knowledge, spawn_app};
use futures_util::StreamExt;
use serde_json::{json, Value};
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

#[tokio::test]
async fn a_switched_off_account_stops_at_once_and_its_visitors_go_back_to_the_queue() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let admin = app.agent("Ada", "admin").await;
        // An admin creates the account; the new person signs in and takes a conversation.
        let res = app
            .agent_post(
                &admin,
                "/api/v1/admin/users",
                json!({"email": "Camille@Shop.example", "name": "Camille", "role": "agent",
                       "password": "camille's long password"}),
            )
            .await;
        assert_eq!(res.status(), 201, "{backend:?}");
        let camille: Value = res.json().await.unwrap();
        assert_eq!(camille["email"], "camille@shop.example");
        assert!(camille.get("password_hash").is_none());
        let login = |password: &'static str| {
            app.client
                .post(app.url("/api/v1/auth/login"))
                .json(&json!({"email": "camille@shop.example", "password": password}))
                .send()
        };
        let token: Value = login("camille's long password")
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = token["token"].as_str().unwrap().to_string();
        let c = app.create(Some("fr")).await;
        app.ask(&c, "je veux parler à un conseiller").await;
        let claim = format!("/api/v1/agent/conversations/{}/claim", c.id);
        assert_eq!(
            app.agent_post(&token, &claim, json!({})).await.status(),
            200
        );
        let stream = app
            .client
            .get(app.url(&format!("/api/v1/agent/conversations/{}/events", c.id)))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(stream.status(), 200);
        let mut stream = stream.bytes_stream();
        // Someone else asks for a person after her visitor did.
        let later = app.create(Some("en")).await;
        app.ask(&later, "I want to talk to a person").await;
        // Only admins manage accounts.
        let (status, _) = app.agent_get(&token, "/api/v1/admin/users").await;
        assert_eq!(status, 403);

        let id = camille["id"].as_str().unwrap();
        let res = app
            .client
            .patch(app.url(&format!("/api/v1/admin/users/{id}")))
            .bearer_auth(&admin)
            .json(&json!({"disabled": true}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let off: Value = res.json().await.unwrap();
        assert_eq!(off["disabled"], true);
        assert_eq!(off["tokens_revoked"], 1);
        assert_eq!(off["requeued"], json!([c.id]));

        // Her token, her stream and her password no longer work.
        let (status, body) = app.agent_get(&token, "/api/v1/agent/queue").await;
        assert_eq!(
            (status, body["error"]["code"].clone()),
            (401, json!("invalid_token"))
        );
        let ended = tokio::time::timeout(Duration::from_secs(20), async {
            while let Some(chunk) = stream.next().await {
                if chunk.is_err() {
                    break;
                }
            }
        })
        .await;
        assert!(ended.is_ok(), "the console stream ended ({backend:?})");
        let res = login("camille's long password").await.unwrap();
        assert_eq!(res.status(), 403);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], "account_disabled");
        let res = login("not her password").await.unwrap();
        assert_eq!(res.status(), 401, "a wrong password says nothing more");

        // The visitor is told, in French, and waits for someone else.
        let t = app.transcript(&c).await;
        assert_eq!(t["status"], "waiting_for_agent");
        let last = t["messages"].as_array().unwrap().last().unwrap().clone();
        assert!(
            last["text"]
                .as_str()
                .unwrap()
                .contains("Camille n'est plus disponible"),
            "{last}"
        );
        let (_, queue) = app.agent_get(&admin, "/api/v1/agent/queue").await;
        assert_eq!(
            queue["waiting"][0]["id"],
            c.id.as_str(),
            "back where her visitor stood: {queue}"
        );
        assert_eq!(queue["waiting"][1]["id"], later.id.as_str());
        let (_, team) = app.agent_get(&admin, "/api/v1/agent/team").await;
        assert!(!team.to_string().contains("Camille"), "{team}");

        // Who did it is on record; an admin cannot lock themselves out.
        let (_, log) = app.agent_get(&admin, "/api/v1/audit/log").await;
        let actions: Vec<(String, String)> = log["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["action"].as_str().unwrap().into(),
                    e["actor"].as_str().unwrap().into(),
                )
            })
            .collect();
        for action in ["user_added", "user_disabled", "requeued"] {
            assert!(
                actions.contains(&(action.into(), "ada@shop.example".into())),
                "{action}: {actions:?}"
            );
        }
        assert_eq!(log["chain_intact"], true);
        let (_, users) = app.agent_get(&admin, "/api/v1/admin/users").await;
        let ada = users
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["email"] == "ada@shop.example")
            .unwrap()["id"]
            .clone();
        for change in [json!({"disabled": true}), json!({"role": "agent"})] {
            let res = app
                .client
                .patch(app.url(&format!("/api/v1/admin/users/{}", ada.as_str().unwrap())))
                .bearer_auth(&admin)
                .json(&change)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 403, "{change}");
        }

        // Switched back on, she signs in again, with the role the admin gives her.
        let res = app
            .client
            .patch(app.url(&format!("/api/v1/admin/users/{id}")))
            .bearer_auth(&admin)
            .json(&json!({"disabled": false, "role": "operator"}))
            .send()
            .await
            .unwrap();
        let on: Value = res.json().await.unwrap();
        assert_eq!(
            (on["disabled"].clone(), on["role"].clone()),
            (json!(false), json!("operator"))
        );
        assert_eq!(
            login("camille's long password").await.unwrap().status(),
            200
        );
    }
}

#[tokio::test]
async fn account_input_is_checked_with_clear_errors() {
    let app = spawn_app(crate::helpers::Backend::Sqlite).await;
    let admin = app.agent("Ada", "admin").await;
    for (body, code) in [
        (
            json!({"email": "nobody", "role": "agent", "password": "long enough pw"}),
            "invalid_field",
        ),
        (
            json!({"email": "a@b.fr", "role": "boss", "password": "long enough pw"}),
            "invalid_field",
        ),
        (
            json!({"email": "a@b.fr", "role": "agent", "password": "short"}),
            "invalid_field",
        ),
        (
            json!({"email": "a@b.fr", "role": "agent", "password": "long enough pw", "admin": true}),
            "invalid_field",
        ),
        (
            json!({"email": "ada@shop.example", "role": "agent", "password": "long enough pw"}),
            "duplicate_id",
        ),
    ] {
        let res = app
            .agent_post(&admin, "/api/v1/admin/users", body.clone())
            .await;
        let status = res.status().as_u16();
        let err: Value = res.json().await.unwrap();
        assert_eq!(err["error"]["code"], code, "{body} ({status})");
    }
    let res = app
        .client
        .patch(app.url("/api/v1/admin/users/nope"))
        .bearer_auth(&admin)
        .json(&json!({"disabled": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

/// Where `candor user …` runs: a data dir (SQLite), or a PostgreSQL database as well.
struct Target<'a> {
    data_dir: &'a std::path::Path,
    database_url: Option<&'a str>,
}

/// Runs `candor user …` with `stdin` as its input; (exit ok, stdout, stderr).
fn cli(to: &Target, args: &[&str], stdin: &str) -> (bool, Value, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_candor"));
    command
        .arg("user")
        .args(args)
        .arg("--data-dir")
        .arg(to.data_dir)
        .arg("--knowledge-dir")
        .arg(sample_knowledge())
        .env_remove("CANDOR_DATABASE_URL");
    if let Some(url) = to.database_url {
        command.env("CANDOR_DATABASE_URL", url);
    }
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run candor user");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    (
        out.status.success(),
        serde_json::from_str(stdout.trim()).unwrap_or(Value::Null),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn the_command_line_adds_lists_switches_off_and_resets_accounts() {
    for backend in backends() {
        let dir = tempfile::tempdir().unwrap();
        let url = match backend {
            crate::helpers::Backend::Postgres => Some(crate::helpers::fresh_pg_database().await),
            crate::helpers::Backend::Sqlite => None,
        };
        let to = Target {
            data_dir: dir.path(),
            database_url: url.as_deref(),
        };
        command_line_story(&to);
    }
}

fn command_line_story(d: &Target) {
    let add = ["add", "--email", "sami@shop.example", "--role", "agent"];
    let (ok, user, err) = cli(d, &add, "a long password\n");
    assert!(ok, "{err}");
    assert_eq!(user["name"], "sami");
    let (ok, _, err) = cli(d, &add, "a long password\n");
    assert!(!ok && err.contains("already exists"), "{err}");
    let bad = ["add", "--email", "sami at shop", "--role", "agent"];
    let (ok, _, err) = cli(d, &bad, "a long password\n");
    assert!(!ok && err.contains("must be an email address"), "{err}");
    let (ok, _, err) = cli(d, &["disable", "--email", "nobody@shop.example"], "");
    assert!(!ok && err.contains("no user"), "{err}");
    let (ok, off, err) = cli(d, &["disable", "--email", "SAMI@shop.example"], "");
    assert!(ok, "{err}");
    assert_eq!(off["disabled"], true);
    let (_, list, _) = cli(d, &["list"], "");
    assert!(list[0]["disabled_at"].is_string(), "{list}");
    let (ok, _, err) = cli(d, &["password", "--email", "sami@shop.example"], "short\n");
    assert!(!ok && err.contains("at least 10"), "{err}");
    let (ok, reset, err) = cli(
        d,
        &["password", "--email", "sami@shop.example"],
        "another long one\n",
    );
    assert!(ok, "{err}");
    assert_eq!(reset["password_changed"], true);
    let (ok, _, err) = cli(
        d,
        &["role", "--email", "sami@shop.example", "--role", "boss"],
        "",
    );
    assert!(!ok && err.contains("unknown role"), "{err}");
    let (ok, _, _) = cli(d, &["enable", "--email", "sami@shop.example"], "");
    assert!(ok);
    let (_, list, _) = cli(d, &["list"], "");
    assert_eq!(list[0]["disabled_at"], Value::Null, "{list}");
}

#[tokio::test]
async fn a_person_changes_their_own_password_and_an_admin_resets_a_forgotten_one() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let admin = app.agent("Ada", "admin").await;
        let here = app.agent("Camille", "agent").await;
        let login = |password: &str| {
            app.client
                .post(app.url("/api/v1/auth/login"))
                .json(&json!({"email": "camille@shop.example", "password": password}))
                .send()
        };
        let elsewhere: Value = login("correct horse battery")
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let elsewhere = elsewhere["token"].as_str().unwrap().to_string();
        let change = |current: &str, new: &str| {
            app.agent_post(
                &here,
                "/api/v1/auth/password",
                json!({"current_password": current, "new_password": new}),
            )
        };
        for (current, new) in [
            ("not it at all", "a brand new password"),
            ("correct horse battery", "short"),
        ] {
            let res = change(current, new).await;
            assert_eq!(res.status(), 422, "{current} -> {new} ({backend:?})");
        }
        let (status, _) = app.agent_get(&here, "/api/v1/agent/queue").await;
        assert_eq!(
            status, 200,
            "a wrong current password does not sign anyone out"
        );
        let res = change("correct horse battery", "a brand new password").await;
        assert_eq!(res.status(), 200);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["other_sessions_ended"], 1);
        assert_eq!(
            app.agent_get(&here, "/api/v1/agent/queue").await.0,
            200,
            "this sign-in stays"
        );
        assert_eq!(
            app.agent_get(&elsewhere, "/api/v1/agent/queue").await.0,
            401,
            "the other ends"
        );
        assert_eq!(login("correct horse battery").await.unwrap().status(), 401);
        assert_eq!(login("a brand new password").await.unwrap().status(), 200);

        // Forgotten: an admin sets one; every sign-in of hers ends.
        let (_, users) = app.agent_get(&admin, "/api/v1/admin/users").await;
        let id = users
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["email"] == "camille@shop.example")
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        let res = app
            .client
            .patch(app.url(&format!("/api/v1/admin/users/{id}")))
            .bearer_auth(&admin)
            .json(&json!({"password": "set by the admin"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["tokens_revoked"], 2);
        assert_eq!(app.agent_get(&here, "/api/v1/agent/queue").await.0, 401);
        assert_eq!(login("set by the admin").await.unwrap().status(), 200);
        let (_, log) = app
            .agent_get(&admin, "/api/v1/audit/log?action=password_changed")
            .await;
        let actors: Vec<&str> = log["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["actor"].as_str().unwrap())
            .collect();
        assert_eq!(actors.len(), 2, "{log}");
        assert!(actors.contains(&"camille@shop.example") && actors.contains(&"ada@shop.example"));
        assert!(
            !log.to_string().contains("brand new"),
            "no password in the log"
        );
    }
}
