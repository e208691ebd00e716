//! The audit log: human actions are recorded, the chain verifies, tampering is found.

use crate::helpers::{backends, spawn_app, spawn_with, test_settings, Backend};
use candor::conversation::now_ms;
use candor::privacy::retention::{self, RetentionSettings};
use serde_json::{json, Value};
use std::process::Command;

#[tokio::test]
async fn agents_erase_on_request_and_every_human_action_is_audited() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let agent = app.agent("Camille", "agent").await;
        let admin = app.agent("Alex", "admin").await;
        let operator = app.agent("Olga", "operator").await;
        let c = app.create(Some("en")).await;
        app.ask(&c, "human please").await;
        let id = &c.id;
        app.agent_post(
            &agent,
            &format!("/api/v1/agent/conversations/{id}/claim"),
            json!({}),
        )
        .await;
        app.agent_post(
            &agent,
            &format!("/api/v1/agent/conversations/{id}/messages"),
            json!({"text": "Hello"}),
        )
        .await;

        let erase = |token: &str| {
            app.client
                .delete(app.url(&format!("/api/v1/agent/conversations/{id}")))
                .bearer_auth(token)
                .json(&json!({"reason": "visitor asked by email"}))
                .send()
        };
        assert_eq!(erase(&operator).await.unwrap().status(), 403);
        assert_eq!(erase(&agent).await.unwrap().status(), 204, "{backend:?}");
        assert_eq!(
            app.get(&c, &format!("/api/v1/conversations/{id}"))
                .await
                .status(),
            404
        );

        let forbidden = app
            .client
            .get(app.url("/api/v1/audit/log"))
            .bearer_auth(&agent)
            .send()
            .await
            .unwrap();
        assert_eq!(forbidden.status(), 403);
        let log: Value = app.agent_get(&admin, "/api/v1/audit/log").await.1;
        assert_eq!(log["chain_intact"], true);
        let actions: Vec<&str> = log["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        for expected in ["sign_in", "claimed", "agent_message", "erase"] {
            assert!(actions.contains(&expected), "{expected} in {actions:?}");
        }
        let erased: Value = app
            .agent_get(&admin, "/api/v1/audit/log?action=erase")
            .await
            .1;
        assert_eq!(erased["entries"][0]["actor"], "camille@shop.example");
        assert_eq!(erased["entries"][0]["summary"], "visitor asked by email");
        assert!(
            !log.to_string().contains("Hello"),
            "no message text in the audit log"
        );
    }
}

#[tokio::test]
async fn audit_verify_names_the_first_altered_entry() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    let settings = test_settings(Backend::Sqlite, &path).await;
    let app = spawn_with(settings, dir, Backend::Sqlite).await;
    for name in ["Camille", "Sami", "Alex"] {
        app.agent(name, "agent").await;
    }
    let verify = || {
        Command::new(env!("CARGO_BIN_EXE_candor"))
            .args(["audit", "verify", "--data-dir"])
            .arg(&path)
            .output()
            .unwrap()
    };
    let ok = verify();
    assert!(ok.status.success());
    assert_eq!(
        serde_json::from_slice::<Value>(&ok.stdout).unwrap(),
        json!({"ok": true, "entries": 7})
    );

    // Entry 1 records the settings in force at start; then each account's creation
    // ("role agent") and its sign-in.
    let db = sqlx::SqlitePool::connect(&format!("sqlite:{}", path.join("candor.db").display()))
        .await
        .unwrap();
    sqlx::query("UPDATE audit_log SET summary = 'role admin' WHERE seq = 2")
        .execute(&db)
        .await
        .unwrap();
    let broken = verify();
    assert_eq!(broken.status.code(), Some(1));
    let out: Value = serde_json::from_slice(&broken.stdout).unwrap();
    assert_eq!(out["first_broken"]["seq"], 2);
}

/// A mistyped `--data-dir` is said, not answered with an empty database created on the spot
/// ("audit log intact, 0 entries"); only `candor user add` and `kb import` create one (the
/// first admin, the first articles).
#[test]
fn commands_on_a_data_dir_without_a_database_say_so_and_create_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("export");
    let commands: [&[&str]; 4] = [
        &["audit", "verify"],
        &["purge"],
        &["user", "list"],
        &["kb", "export", out_dir.to_str().unwrap()],
    ];
    for args in commands {
        let out = Command::new(env!("CARGO_BIN_EXE_candor"))
            .args(args)
            .arg("--data-dir")
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(!out.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("no database at"), "{args:?}: {stderr}");
        assert!(
            !dir.path().join("candor.db").exists(),
            "{args:?} created one"
        );
    }
}

#[tokio::test]
async fn negative_feedback_reaches_the_operators_review_queue_and_its_resolution_is_recorded() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let operator = app.agent("Olga", "operator").await;
        let agent = app.agent("Camille", "agent").await;
        let c = app.create(Some("en")).await;
        let r = app.ask(&c, "How do I reset my password?").await;
        let mid = r["reply"]["id"].as_str().unwrap().to_string();
        app.vote(
            &c,
            &mid,
            json!({"helpful": false, "comment": "the link expired"}),
        )
        .await;

        let denied = app
            .client
            .get(app.url("/api/v1/review"))
            .bearer_auth(&agent)
            .send()
            .await
            .unwrap();
        assert_eq!(denied.status(), 403, "an agent cannot call operator routes");
        let queue: Value = app.agent_get(&operator, "/api/v1/review").await.1;
        let item = &queue[0];
        assert_eq!(item["question"], "How do I reset my password?");
        assert_eq!(item["comment"], "the link expired");
        assert_eq!(item["why"]["candidates"][0]["article_id"], "en-password");
        assert!(item["why"]["candidates"][0]["version"].as_str().is_some());

        let url = app.url(&format!("/api/v1/review/{mid}/resolve"));
        let bad = app
            .agent_post(
                &operator,
                &format!("/api/v1/review/{mid}/resolve"),
                json!({"resolution": "fixed_article"}),
            )
            .await;
        assert_eq!(bad.status(), 422);
        let done = app
            .client
            .post(&url)
            .bearer_auth(&operator)
            .json(&json!({"resolution": "fixed_article", "article_version": "abc123"}))
            .send()
            .await
            .unwrap();
        assert_eq!(done.status(), 200, "{backend:?}");
        let open: Value = app.agent_get(&operator, "/api/v1/review").await.1;
        assert_eq!(open, json!([]));
        let all: Value = app.agent_get(&operator, "/api/v1/review?all=true").await.1;
        assert_eq!(all[0]["resolution"], "fixed_article:abc123");
        assert!(all[0]["time_to_correction_seconds"].as_i64().unwrap() >= 0);

        // A vote outlives the why record of its reply (30 days against no limit): once the
        // record is purged, the vote stays in the queue with the article kept on the message.
        let c = app.create(Some("en")).await;
        let r = app.ask(&c, "How long does delivery take?").await;
        assert_eq!(r["reply"]["kind"], "answer");
        let second = r["reply"]["id"].as_str().unwrap().to_string();
        app.vote(&c, &second, json!({"helpful": false})).await;
        let why_only = RetentionSettings {
            why_record_days: 0,
            ..RetentionSettings::default()
        };
        let purged = retention::purge(app.store.as_ref(), &why_only, now_ms() + 1, false)
            .await
            .unwrap();
        assert!(purged.why_records >= 2, "{purged:?}");
        let open: Value = app.agent_get(&operator, "/api/v1/review").await.1;
        assert_eq!(open[0]["message_id"], second.as_str(), "{backend:?}");
        assert_eq!(open[0]["why"], Value::Null);
        assert_eq!(open[0]["article_id"], "en-shipping");
        let (status, page) = app
            .console_page(Some(&operator), "/operator/review?all=true&ui=en")
            .await;
        assert_eq!(status, 200);
        assert!(
            page.contains("explanation deleted (retention period)"),
            "{page}"
        );
        assert!(
            page.contains(&format!("?review={second}")),
            "the fix link stays"
        );
        let open_at = page.find(&format!("vote-{second}")).unwrap();
        let resolved_at = page.find(&format!("vote-{mid}")).unwrap();
        assert!(open_at < resolved_at, "open votes before resolved ones");
    }
}

#[tokio::test]
async fn the_equity_report_compares_languages_and_warns_about_the_one_served_worse() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let admin = app.agent("Alex", "admin").await;
        let agent = app.agent("Camille", "agent").await;
        let seeded = [
            ("en", "How long does delivery take?"),
            ("en", "How do I reset my password?"),
            ("fr", "Quel temps fera-t-il demain ?"),
            ("fr", "Combien de temps prend la livraison ?"),
        ];
        for (lang, question) in seeded {
            let c = app.create(Some(lang)).await;
            app.consent(&c, true).await;
            app.ask(&c, question).await;
        }
        // Not consented: never counted.
        let other = app.create(Some("fr")).await;
        app.ask(&other, "Raconte-moi une blague").await;

        let denied = app
            .client
            .get(app.url("/api/v1/audit/report"))
            .bearer_auth(&agent)
            .send()
            .await
            .unwrap();
        assert_eq!(denied.status(), 403);
        let report: Value = app.agent_get(&admin, "/api/v1/audit/report").await.1;
        let group = |d: &str, g: &str| {
            report["groups"]
                .as_array()
                .unwrap()
                .iter()
                .find(|x| x["dimension"] == d && x["group"] == g)
                .cloned()
                .unwrap()
        };
        assert_eq!(group("language", "en")["answer_rate"], 100.0, "{backend:?}");
        assert_eq!(group("language", "fr")["answer_rate"], 50.0);
        assert_eq!(group("language", "fr")["questions"], 2);
        assert_eq!(report["warnings"].as_array().unwrap().len(), 1);
        assert_eq!(report["warnings"][0]["group"], "fr");
        assert_eq!(report["warnings"][0]["measure"], "answer_rate");
        assert_eq!(report["warnings"][0]["rate"], 50.0);
        assert!(report["warnings"][0]["likely_cause"]
            .as_str()
            .unwrap()
            .contains("fr"));
        // The cause as facts too, for a program that words it itself.
        let kind = report["warnings"][0]["cause"]["kind"].as_str().unwrap();
        assert!(
            ["few_articles", "outside_coverage"].contains(&kind),
            "{kind}"
        );

        let bad = app
            .client
            .get(app.url("/api/v1/audit/report?from=yesterday"))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), 422);
        let html = app
            .client
            .get(app.url("/audit"))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            html.contains("<svg")
                && html.contains("<rect")
                && html.contains("is answered 50 % of the time")
        );
        // The admin of a French shop reads the same warning in French.
        let fr = app
            .client
            .get(app.url("/audit"))
            .header("Accept-Language", "fr-FR")
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            fr.contains("obtient une réponse 50 % du temps") && fr.contains("Cause probable"),
            "{fr}"
        );
        let metrics = app.page("/metrics").await;
        let gauge = "candor_report_answer_rate{dimension=\"language\",group=\"fr\"} 50";
        assert!(metrics.contains(gauge), "{metrics}");
    }
}

#[tokio::test]
async fn a_threshold_changed_in_the_config_file_is_recorded_at_the_next_start() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    let first = spawn_with(
        test_settings(Backend::Sqlite, &path).await,
        dir,
        Backend::Sqlite,
    )
    .await;
    let initial = first.store.last_audit("settings").await.unwrap().unwrap();
    assert_eq!(initial.target, "initial settings");
    assert!(initial.summary.contains("threshold=0.3"));

    // A second instance (own index dir) on the same database, started with a new threshold.
    let other_dir = tempfile::tempdir().unwrap();
    let mut changed = test_settings(Backend::Sqlite, other_dir.path()).await;
    changed.database_url = Some(format!("sqlite:{}", path.join("candor.db").display()));
    changed.threshold = 0.5;
    let second = spawn_with(changed, other_dir, Backend::Sqlite).await;
    let last = second.store.last_audit("settings").await.unwrap().unwrap();
    assert_eq!(last.target, format!("changed from entry {}", initial.seq));
    assert!(last.summary.contains("threshold=0.5"));
    assert_eq!(last.actor, "config-file");
}

#[tokio::test]
async fn instances_starting_together_record_new_settings_once() {
    for backend in backends() {
        let dir = tempfile::tempdir().unwrap();
        let url = match backend {
            Backend::Postgres => Some(crate::helpers::fresh_pg_database().await),
            Backend::Sqlite => None,
        };
        let a = candor::storage::connect(url.as_deref(), dir.path())
            .await
            .unwrap();
        let b = candor::storage::connect(url.as_deref(), dir.path())
            .await
            .unwrap();
        for round in 0..5 {
            let summary = format!("threshold=0.{round}");
            let (x, y) = tokio::join!(
                candor::audit::record_settings(a.as_ref(), &summary),
                candor::audit::record_settings(b.as_ref(), &summary)
            );
            let recorded = u8::from(x.unwrap()) + u8::from(y.unwrap());
            assert_eq!(recorded, 1, "{backend:?} round {round}: recorded once");
        }
        let entries = a.audit_entries().await.unwrap();
        let settings: Vec<_> = entries.iter().filter(|e| e.action == "settings").collect();
        assert_eq!(settings.len(), 5, "{backend:?}");
        assert_eq!(
            settings[1].target,
            format!("changed from entry {}", settings[0].seq)
        );
        candor::audit::verify(&entries).expect("chain intact");
    }
}

/// An English visitor on the French page is counted with the English questions: in the equity
/// report, in the unanswered questions, and in their export.
#[tokio::test]
async fn a_question_is_counted_in_the_language_it_was_asked_in() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let admin = app.agent("Alex", "admin").await;
        let c = app.create(Some("fr")).await;
        app.consent(&c, true).await;
        app.ask(&c, "Combien de temps prend la livraison ?").await;
        app.ask(&c, "How long does delivery take?").await;
        let declined = app.ask(&c, "Do you sell electric bikes?").await;
        assert_eq!(declined["reply"]["kind"], "no_answer", "{declined}");
        let report: Value = app.agent_get(&admin, "/api/v1/audit/report").await.1;
        let questions = |g: &str| {
            report["groups"]
                .as_array()
                .unwrap()
                .iter()
                .find(|x| x["dimension"] == "language" && x["group"] == g)
                .map(|x| x["questions"].clone())
        };
        assert_eq!(questions("fr"), Some(json!(1)), "{backend:?} {report}");
        assert_eq!(questions("en"), Some(json!(2)), "{backend:?} {report}");
        let gaps: Value = app.agent_get(&admin, "/api/v1/gaps").await.1;
        assert_eq!(gaps[0]["lang"], "en", "{gaps}");
        assert!(gaps[0]["examples"].to_string().contains("electric bikes"));
        let export: Value = app
            .get(&c, &format!("/api/v1/conversations/{}/export", c.id))
            .await
            .json()
            .await
            .unwrap();
        let langs: Vec<_> = export["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["lang"].as_str().unwrap_or("-").to_string())
            .collect();
        assert_eq!(langs, ["fr", "fr", "en", "en", "en", "en"], "{export}");
    }
}

/// A French visitor on the English page is answered in French; the report counts their
/// wait for a person and their rating of that person under French too, like their answers,
/// not under the page's locale.
#[tokio::test]
async fn waits_and_ratings_count_under_the_language_the_visitor_was_served_in() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let admin = app.agent("Alex", "admin").await;
        let agent = app.agent("Camille", "agent").await;
        let c = app.create(Some("en")).await;
        app.consent(&c, true).await;
        let r = app
            .ask(&c, "Je voudrais parler à une personne, s'il vous plaît")
            .await;
        assert_eq!(r["reply"]["kind"], "handoff", "{backend:?} {r}");
        let conv = format!("/api/v1/agent/conversations/{}", c.id);
        for (path, body) in [
            ("claim", json!({})),
            ("messages", json!({"text": "Bonjour, je suis là."})),
            ("close", json!({"resolution": "réglé"})),
        ] {
            let res = app
                .agent_post(&agent, &format!("{conv}/{path}"), body)
                .await;
            assert_eq!(res.status(), 200, "{path}");
        }
        let rated = app
            .client
            .post(app.url(&format!("/api/v1/conversations/{}/rating", c.id)))
            .bearer_auth(&c.token)
            .json(&json!({"helped": true}))
            .send()
            .await
            .unwrap();
        assert_eq!(rated.status(), 200);

        let report: Value = app.agent_get(&admin, "/api/v1/audit/report").await.1;
        let group = |lang: &str| {
            report["groups"]
                .as_array()
                .unwrap()
                .iter()
                .find(|g| g["dimension"] == "language" && g["group"] == lang)
                .cloned()
        };
        let fr = group("fr").expect("a French group");
        assert_eq!(fr["person_ratings"], 1, "{backend:?} {report}");
        assert!(fr["median_wait_seconds"].is_i64(), "{fr}");
        if let Some(en) = group("en") {
            assert_eq!(en["person_ratings"], 0, "{en}");
            assert!(en["median_wait_seconds"].is_null(), "{en}");
        }
        assert_eq!(report["recent_person_ratings"][0]["language"], "fr");
    }
}

/// Beside each group's share of helpful answers, the report gives the confidence those voted
/// answers were stated with, read from their why records on either backend.
#[tokio::test]
async fn the_report_sets_each_groups_stated_confidence_beside_its_votes() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let admin = app.agent("Alex", "admin").await;
        let mut stated = Vec::new();
        for (question, helpful) in [
            ("Combien de temps prend la livraison ?", true),
            ("Acceptez-vous PayPal ?", false),
        ] {
            let c = app.create(Some("fr")).await;
            app.consent(&c, true).await;
            let r = app.ask(&c, question).await;
            assert_eq!(r["reply"]["kind"], "answer", "{question}");
            let mid = r["reply"]["id"].as_str().unwrap();
            let path = format!("/api/v1/conversations/{}/messages/{mid}/why", c.id);
            let why: Value = app.get(&c, &path).await.json().await.unwrap();
            stated.push(why["confidence"].as_f64().unwrap());
            let voted = app.vote(&c, mid, json!({ "helpful": helpful })).await;
            assert_eq!(voted.status(), 200);
        }
        let report: Value = app.agent_get(&admin, "/api/v1/audit/report").await.1;
        let fr = crate::helpers::report_group(&report, "language", "fr");
        let mean = (stated.iter().sum::<f64>() / 2.0 * 1000.0).round() / 10.0;
        let got = fr["voted_confidence"].as_f64().unwrap();
        assert!(
            (got - mean).abs() <= 0.1,
            "{backend:?}: {got} against {mean}"
        );
        assert_eq!(fr["helpful_rate"], 50.0);
        let (_, page) = app.console_page(Some(&admin), "/audit?ui=en").await;
        assert!(page.contains("Their stated confidence") && page.contains(&format!("{got} %")));
    }
}
