//! The widget in a real browser: headless Chromium driven by tests/browser/widget.mjs
//! (Playwright + axe-core). Skipped, with a message saying why, where Chromium, Node or the
//! npm packages are missing; `.ci/run` installs them.

use crate::helpers::{spawn_app, Backend, TestApp};
use std::path::{Path, PathBuf};
use std::process::Command;

fn missing_tools(dir: &Path) -> Option<String> {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists() {
        return Some(format!(
            "no Chromium at {chromium} (apt-get install chromium)"
        ));
    }
    if Command::new("node").arg("--version").output().is_err() {
        return Some("no node on PATH".into());
    }
    if !dir.join("node_modules/playwright-core").exists() {
        return Some("run `npm ci` in tests/browser".into());
    }
    None
}

/// Runs a browser script against a test server: `node <script> <address> <screenshot dir>
/// <args…>`. Returns the screenshot dir, or None (with a message) when tools are missing.
async fn run_script(app: &TestApp, script: &str, args: &[&str], passed: &str) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    if let Some(why) = missing_tools(&dir) {
        eprintln!("SKIPPED browser test: {why}");
        return None;
    }
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let mut command = Command::new("node");
    command
        .arg(dir.join(script))
        .arg(&app.address)
        .arg(&shots)
        .args(args);
    let out = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "browser test failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains(passed), "{stdout}");
    Some(shots)
}

#[tokio::test]
async fn a_visitor_uses_the_widget_in_a_real_browser_and_the_page_is_accessible() {
    let app = spawn_app(Backend::Sqlite).await;
    app.agent("Camille", "agent").await;
    let account = ["camille@shop.example", "correct horse battery"];
    let Some(shots) = run_script(&app, "widget.mjs", &account, "browser checks passed").await
    else {
        return;
    };
    for shot in ["widget-fr.png", "console.png"] {
        assert!(shots.join(shot).exists(), "screenshot {shot} saved");
    }
    let res = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&serde_json::json!({"email": account[0], "password": "an agent's own password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "the password set in the console works");
}

#[tokio::test]
async fn an_operator_edits_tries_publishes_restores_and_answers_a_gap_in_a_real_browser() {
    let app = spawn_app(Backend::Sqlite).await;
    app.agent("Olga", "operator").await;
    let gap = "Do you sell electric bicycles?";
    let c = app.create(Some("en")).await;
    app.consent(&c, true).await;
    assert_ne!(app.ask(&c, gap).await["reply"]["kind"], "answer");
    // Two "not helpful" votes for the review queue: one the operator fixes, one acceptable.
    let (to_fix, fine) = ("How do I reset my password?", "Can I pay with PayPal?");
    for (question, comment) in [(to_fix, "the link expired"), (fine, "I wanted to pay cash")] {
        let v = app.create(Some("en")).await;
        let r = app.ask(&v, question).await;
        assert_eq!(r["reply"]["kind"], "answer", "{question}");
        let mid = r["reply"]["id"].as_str().unwrap();
        let voted = app
            .vote(
                &v,
                mid,
                serde_json::json!({"helpful": false, "comment": comment}),
            )
            .await;
        assert_eq!(voted.status(), 200);
    }
    let args = [
        "olga@shop.example",
        "correct horse battery",
        gap,
        to_fix,
        fine,
    ];
    let Some(shots) = run_script(&app, "operator.mjs", &args, "operator checks passed").await
    else {
        return;
    };

    // What the operator did is live for visitors: the restored first edit, and the new article.
    let c = app.create(Some("fr")).await;
    let reply = app.ask(&c, "Livrez-vous en vélo cargo ?").await;
    assert!(
        reply["reply"]["text"]
            .as_str()
            .unwrap()
            .contains("le jour même"),
        "{reply}"
    );
    let votes = app.store.review_items(false).await.unwrap();
    let mut resolutions: Vec<_> = votes.iter().filter_map(|v| v.resolution.clone()).collect();
    resolutions.sort();
    assert_eq!(resolutions, ["acceptable", "fixed_article:en-password v1"]);
    let rules = app.store.synonyms().await.unwrap();
    let saved = ("fr".to_string(), "biclou".to_string(), "vélo".to_string());
    assert_eq!(rules, [saved], "the rule saved in the page is stored");
    let c = app.create(Some("en")).await;
    let reply = app.ask(&c, gap).await;
    assert_eq!(
        crate::helpers::cited(&reply).as_deref(),
        Some("en-bicycles")
    );
    for shot in [
        "operator-list.png",
        "operator-editor.png",
        "operator-history.png",
    ] {
        assert!(shots.join(shot).exists(), "screenshot {shot} saved");
    }
}

/// With the embedding model (`CANDOR_TEST_EMBEDDING_MODEL`): the widget's "why this
/// answer?" shows what the model compared, as a visitor sees it; with the French model too
/// (`CANDOR_TEST_E5_MODEL`), the second opinion it gives English when MiniLM is unsure.
#[tokio::test]
async fn the_widget_shows_what_the_model_compared() {
    let Some(model) = std::env::var("CANDOR_TEST_EMBEDDING_MODEL")
        .ok()
        .map(PathBuf::from)
        .filter(|d| d.join("model.safetensors").exists())
    else {
        eprintln!("SKIPPED browser test: CANDOR_TEST_EMBEDDING_MODEL is not set");
        return;
    };
    let french = std::env::var("CANDOR_TEST_E5_MODEL")
        .ok()
        .map(PathBuf::from)
        .filter(|d| d.join("e5-small-q4.bin").exists());
    let second = french.is_some();
    let app = crate::helpers::spawn_configured(Backend::Sqlite, |s| {
        s.embedding.model_dir = Some(model);
        s.embedding.fr.model_dir = french;
        s.embedding.second_opinion = true;
    })
    .await;
    let passed = "semantic browser checks passed";
    let args: &[&str] = if second { &["second"] } else { &[] };
    let Some(shots) = run_script(&app, "semantic.mjs", args, passed).await else {
        return;
    };
    assert!(shots.join("widget-semantic.png").exists());
    if second {
        assert!(shots.join("widget-second-opinion.png").exists());
    }
}

#[tokio::test]
async fn an_admin_switches_an_account_off_and_adds_a_person_in_a_real_browser() {
    let app = spawn_app(Backend::Sqlite).await;
    app.agent("Ada", "admin").await;
    let camille = app.agent("Camille", "agent").await;
    let c = app.create(Some("en")).await;
    app.ask(&c, "I want to talk to a person").await;
    let claim = format!("/api/v1/agent/conversations/{}/claim", c.id);
    assert_eq!(
        app.agent_post(&camille, &claim, serde_json::json!({}))
            .await
            .status(),
        200
    );
    let asked = app.create(Some("fr")).await;
    app.ask(&asked, "Ma commande 48213 est en retard").await;
    let args = ["ada@shop.example", "correct horse battery"];
    let Some(shots) = run_script(&app, "team.mjs", &args, "team checks passed").await else {
        return;
    };
    assert!(shots.join("team.png").exists() && shots.join("requests.png").exists());
    let erased = app.store.conversation(&asked.id).await.unwrap();
    assert!(erased.is_none(), "erased from the requests page");
    // What the page did is real: her token is dead, the visitor waits for someone else,
    // Noor can sign in with the role the page gave her last.
    let (status, _) = app.agent_get(&camille, "/api/v1/agent/queue").await;
    assert_eq!(status, 401);
    assert_eq!(app.transcript(&c).await["status"], "waiting_for_agent");
    let noor = app
        .store
        .user_by_email("noor@shop.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (noor.role.as_str(), noor.display_name.as_str()),
        ("agent", "Noor")
    );
    let login = |email: &'static str, password: &'static str| {
        app.client
            .post(app.url("/api/v1/auth/login"))
            .json(&serde_json::json!({"email": email, "password": password}))
            .send()
    };
    let ada = login("ada@shop.example", "ada's brand new password");
    assert_eq!(ada.await.unwrap().status(), 200, "her own new password");
    let camille = login("camille@shop.example", "camille's new password");
    assert_eq!(
        camille.await.unwrap().status(),
        403,
        "set, but the account is switched off"
    );
}
