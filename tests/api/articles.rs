//! Operators edit the knowledge base live: the next question uses the new text; every save
//! is a version; concurrent edits get 409; restore and unpublish work; roles are enforced.

use crate::helpers::{backends, cited, spawn_app, TestApp};
use serde_json::{json, Value};

fn article(body: &str) -> Value {
    json!({
        "id": "en-loyalty", "title": "Loyalty programme", "lang": "en",
        "url": "https://help.maison-lumiere.example/en/loyalty", "tags": ["loyalty"],
        "body": body,
    })
}

async fn send(
    app: &TestApp,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Value,
) -> reqwest::Response {
    app.client
        .request(method, app.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_published_edit_is_answered_at_once_with_versions_conflicts_restore_and_unpublish() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let operator = app.agent("Olga", "operator").await;
        let agent = app.agent("Camille", "agent").await;
        let c = app.create(Some("en")).await;
        let before = app
            .ask(&c, "How many points does the loyalty programme give?")
            .await;
        assert_ne!(cited(&before).as_deref(), Some("en-loyalty"));

        let denied = send(
            &app,
            &agent,
            reqwest::Method::POST,
            "/api/v1/articles",
            article("x"),
        )
        .await;
        assert_eq!(denied.status(), 403, "agents cannot edit articles");
        let v1 = "## Earning points\nEvery euro spent gives 1 loyalty point; 100 points give a €5 voucher.";
        let created = send(
            &app,
            &operator,
            reqwest::Method::POST,
            "/api/v1/articles",
            article(v1),
        )
        .await;
        assert_eq!(created.status(), 200, "{backend:?}");
        let created: Value = created.json().await.unwrap();
        assert_eq!(
            (created["version"].clone(), created["state"].clone()),
            (json!(1), json!("published"))
        );

        let after = app
            .ask(&c, "How many points does the loyalty programme give?")
            .await;
        assert_eq!(
            cited(&after).as_deref(),
            Some("en-loyalty"),
            "answerable at once"
        );
        assert!(after["reply"]["text"]
            .as_str()
            .unwrap()
            .contains("1 loyalty point"));

        let mut edit = article("## Earning points\nEvery euro spent gives 2 loyalty points.");
        edit["version"] = json!(1);
        let ok = send(
            &app,
            &operator,
            reqwest::Method::PUT,
            "/api/v1/articles/en-loyalty",
            edit.clone(),
        )
        .await;
        assert_eq!(ok.status(), 200);
        let stale = send(
            &app,
            &operator,
            reqwest::Method::PUT,
            "/api/v1/articles/en-loyalty",
            edit,
        )
        .await;
        assert_eq!(stale.status(), 409, "an edit of an old version is refused");
        assert_eq!(
            stale.json::<Value>().await.unwrap()["error"]["code"],
            "version_conflict"
        );
        let now = app.ask(&c, "How many loyalty points per euro?").await;
        assert!(now["reply"]["text"]
            .as_str()
            .unwrap()
            .contains("2 loyalty points"));

        let restored = send(
            &app,
            &operator,
            reqwest::Method::POST,
            "/api/v1/articles/en-loyalty/versions/1/restore",
            json!({}),
        )
        .await;
        assert_eq!(restored.json::<Value>().await.unwrap()["version"], 3);
        let back = app.ask(&c, "How many loyalty points per euro?").await;
        assert!(back["reply"]["text"]
            .as_str()
            .unwrap()
            .contains("1 loyalty point"));
        let history: Value = app
            .agent_get(&operator, "/api/v1/articles/en-loyalty/versions")
            .await
            .1;
        assert_eq!(history.as_array().unwrap().len(), 3);
        assert_eq!(history[2]["reason"], "restored version 1");

        let gone = send(
            &app,
            &operator,
            reqwest::Method::DELETE,
            "/api/v1/articles/en-loyalty",
            json!({}),
        )
        .await;
        assert_eq!(gone.status(), 200);
        let unanswered = app.ask(&c, "How many loyalty points per euro?").await;
        assert_ne!(cited(&unanswered).as_deref(), Some("en-loyalty"));

        let bad = send(
            &app,
            &operator,
            reqwest::Method::POST,
            "/api/v1/articles",
            json!({"id": "x y", "title": "T", "lang": "de", "body": "b"}),
        )
        .await;
        assert_eq!(bad.status(), 422);
    }
}

#[test]
fn kb_import_then_export_then_import_is_identical() {
    let data = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| -> Value {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_candor"))
            .args(args)
            .arg("--data-dir")
            .arg(data.path())
            .env_remove("CANDOR_DATABASE_URL")
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice(&o.stdout).unwrap()
    };
    let en = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge/en");
    let first = run(&["kb", "import", en.to_str().unwrap()]);
    assert_eq!(first["saved"], 17);
    let exported = run(&["kb", "export", out.path().to_str().unwrap()]);
    assert_eq!(exported["exported"], 17);
    let again = run(&["kb", "import", out.path().to_str().unwrap()]);
    assert_eq!(
        (again["saved"].clone(), again["unchanged"].clone()),
        (json!(0), json!(17))
    );
    let second = tempfile::tempdir().unwrap();
    let exported_again = std::process::Command::new(env!("CARGO_BIN_EXE_candor"))
        .args([
            "kb",
            "export",
            second.path().to_str().unwrap(),
            "--data-dir",
        ])
        .arg(data.path())
        .output()
        .unwrap();
    assert!(exported_again.status.success());
    for entry in std::fs::read_dir(out.path()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap();
        assert_eq!(
            std::fs::read(&path).unwrap(),
            std::fs::read(second.path().join(name)).unwrap()
        );
    }
}

/// Operators see how often each article answered in the last 30 days and what visitors said
/// of those answers, in the API and on the pages; conversations kept without consent are
/// not counted (they are deleted within days, like in every report).
#[tokio::test]
async fn each_article_shows_how_often_it_answered_and_how_visitors_rated_it() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let operator = app.agent("Olga", "operator").await;
        let c = app.create(Some("fr")).await;
        app.consent(&c, true).await;
        let declined = app.ask(&c, "Vendez-vous des vélos électriques ?").await;
        assert_eq!(declined["reply"]["kind"], "no_answer");
        for (question, helpful) in [
            ("Combien de temps prend la livraison ?", true),
            ("Combien coûte la livraison express ?", false),
        ] {
            let r = app.ask(&c, question).await;
            assert_eq!(cited(&r).as_deref(), Some("fr-livraison"), "{question}");
            let mid = r["reply"]["id"].as_str().unwrap();
            let res = app.vote(&c, mid, json!({ "helpful": helpful })).await;
            assert_eq!(res.status(), 200);
        }
        let other = app.create(Some("fr")).await;
        app.consent(&other, true).await;
        let r = app.ask(&other, "Comment retourner un article ?").await;
        assert_eq!(cited(&r).as_deref(), Some("fr-retours"));
        let private = app.create(Some("fr")).await;
        app.ask(&private, "Combien de temps prend la livraison ?")
            .await;

        let (status, usage) = app.agent_get(&operator, "/api/v1/article-usage").await;
        assert_eq!(status, 200);
        assert_eq!(usage["days"], 30);
        assert_eq!(
            usage["articles"],
            json!([
                {"article_id": "fr-livraison", "answers": 2, "helpful": 1, "not_helpful": 1},
                {"article_id": "fr-retours", "answers": 1, "helpful": 0, "not_helpful": 0},
            ]),
            "{backend:?}: only answers count, and only in kept conversations"
        );
        let agent = app.agent("Camille", "agent").await;
        assert_eq!(app.agent_get(&agent, "/api/v1/article-usage").await.0, 403);
        let (_, page) = app
            .console_page(Some(&operator), "/operator/articles/fr-livraison")
            .await;
        assert!(
            page.contains(
                "2 answers came from this article; visitors found 1 helpful and 1 not helpful"
            ),
            "{page}"
        );
        let (_, page) = app
            .console_page(Some(&operator), "/operator/articles/fr-paiement?ui=en")
            .await;
        assert!(page.contains("No answer came from this article"), "{page}");
        let (_, list) = app
            .console_page(Some(&operator), "/operator?q=livraison")
            .await;
        assert!(list.contains("<td>2</td>") && list.contains("1 helpful · 1 not"));
    }
}

#[tokio::test]
async fn declined_questions_of_consenting_visitors_are_grouped_as_gaps() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let operator = app.agent("Olga", "operator").await;
        let questions = [
            "Do you sell electric bikes?",
            "Electric bikes for sale?",
            "What's the weather tomorrow?",
        ];
        for (i, q) in questions.iter().enumerate() {
            let c = app.create(Some("en")).await;
            app.consent(&c, true).await;
            let r = app.ask(&c, q).await;
            assert_eq!(r["reply"]["kind"], "no_answer", "{i}");
        }
        let private = app.create(Some("en")).await;
        app.ask(&private, "Do you sell electric bikes?").await;

        let gaps: Value = app.agent_get(&operator, "/api/v1/gaps").await.1;
        let top = &gaps[0];
        assert_eq!(top["count"], 2, "{backend:?} {gaps}");
        assert!(top["examples"].to_string().contains("electric bikes"));
        assert_eq!(gaps.as_array().unwrap().len(), 2);

        let key = top["key"].as_str().unwrap();
        let res = send(
            &app,
            &operator,
            reqwest::Method::POST,
            &format!("/api/v1/gaps/{key}/dismiss"),
            json!({}),
        )
        .await;
        assert_eq!(res.status(), 200);
        let open: Value = app.agent_get(&operator, "/api/v1/gaps").await.1;
        assert_eq!(open.as_array().unwrap().len(), 1);
        let all: Value = app.agent_get(&operator, "/api/v1/gaps?all=true").await.1;
        assert!(all.to_string().contains("\"status\":\"dismissed\""));
    }
}

#[tokio::test]
async fn operator_synonyms_apply_to_the_next_question() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let operator = app.agent("Olga", "operator").await;
        let agent = app.agent("Camille", "agent").await;
        let question = "Until when can I spend my trinket?";
        let c = app.create(Some("en")).await;
        assert_ne!(
            cited(&app.ask(&c, question).await).as_deref(),
            Some("en-gift-cards")
        );
        let rules = json!([{"lang": "en", "phrase": "trinket", "expansion": "gift card validity"}]);
        assert_eq!(
            send(
                &app,
                &agent,
                reqwest::Method::PUT,
                "/api/v1/synonyms",
                rules.clone()
            )
            .await
            .status(),
            403
        );
        let res = send(
            &app,
            &operator,
            reqwest::Method::PUT,
            "/api/v1/synonyms",
            rules,
        )
        .await;
        assert_eq!(res.status(), 200, "{backend:?}");
        let c = app.create(Some("en")).await;
        assert_eq!(
            cited(&app.ask(&c, question).await).as_deref(),
            Some("en-gift-cards")
        );
        // A one-word phrase counts in its other forms too.
        let c = app.create(Some("en")).await;
        let plural = "Until when can I spend my trinkets?";
        assert_eq!(
            cited(&app.ask(&c, plural).await).as_deref(),
            Some("en-gift-cards")
        );
        let listed: Value = app.agent_get(&operator, "/api/v1/synonyms").await.1;
        assert_eq!(listed[0]["phrase"], "trinket");
    }
}
