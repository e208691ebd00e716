//! Health, metrics, the demo page and the widget script.

use crate::helpers::{backends, spawn_app, spawn_configured, test_settings, Backend};
use serde_json::{json, Value};

#[tokio::test]
async fn health_metrics_and_readiness_report_the_service() {
    let app = spawn_app(Backend::Sqlite).await;
    let res = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let ready = app.get_json("/readyz").await;
    assert_eq!(ready["articles"], 34);
    assert_eq!(ready["embedding"], "off", "no model configured");
    let c = app.create(Some("en")).await;
    app.ask(&c, "How long does delivery take?").await;
    app.ask(&c, "Tell me a joke").await;
    let metrics = app.page("/metrics").await;
    assert!(metrics.contains("candor_answers_total 1"), "{metrics}");
    assert!(metrics.contains("candor_declines_total 1"));
    assert!(metrics.contains("candor_turn_duration_seconds_count 2"));
    // Nothing failed: the alert a deployer sets on failed searches stays quiet.
    assert!(metrics
        .contains("# TYPE candor_search_failures_total counter\ncandor_search_failures_total 0"));
}

#[tokio::test]
async fn the_demo_page_embeds_the_widget_with_one_script_tag() {
    let app = spawn_app(Backend::Sqlite).await;
    let page = app.page("/").await;
    assert!(page.contains(r#"<script src="/widget.js" data-locale="fr""#));
    let en = app.page("/?lang=en").await;
    assert!(en.contains(r#"data-locale="en""#));
    let res = app.client.get(app.url("/widget.js")).send().await.unwrap();
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/javascript"));
    let js = res.text().await.unwrap();
    assert!(js.contains("attachShadow") && js.contains("CANDOR_CSS"));
    assert!(
        !js.contains("https://"),
        "the widget must not load anything from a third party"
    );
}

#[tokio::test]
async fn only_configured_sites_may_call_the_api_from_a_browser() {
    let app = crate::helpers::spawn_configured(Backend::Sqlite, |settings| {
        settings.widget_origins = vec!["https://shop.example".into()];
    })
    .await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/api/v1/conversations"))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header("Access-Control-Request-Headers", "content-type")
            .send()
    };
    let allowed = preflight("https://shop.example").await.unwrap();
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://shop.example"
    );
    let other = preflight("https://evil.example").await.unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn the_transparency_page_counts_only_consented_conversations() {
    let app = spawn_app(Backend::Sqlite).await;
    let kept = app.create(Some("en")).await;
    app.consent(&kept, true).await;
    app.ask(&kept, "How long does delivery take?").await;
    app.ask(&kept, "Tell me a joke").await;
    let not_kept = app.create(Some("en")).await;
    app.ask(&not_kept, "How do I reset my password?").await;

    let en = app.page("/transparency?lang=en").await;
    assert!(en.contains("How our assistant works") && en.contains("reaches 30 %"));
    assert!(
        en.contains("(1 conversations, 2 questions). They are recomputed every minute."),
        "only the consented conversation counts"
    );
    assert!(en.contains("<th>Answered</th><td>50 %</td>"));
    assert!(en.contains("Is its confidence honest?") && en.contains("No vote on an answer yet."));
    assert!(
        en.contains("It uses no language model"),
        "without a model the page says so"
    );
    let fr = app.page("/transparency").await;
    assert!(fr.contains("Comment fonctionne notre assistant"));
    assert!(fr.contains("Il n'utilise aucun modèle de langue"));
}

/// The consoles' pages hold sessions that can erase conversations: they run only their own
/// scripts and are never framed by another site (the browser tests run under the policy).
#[tokio::test]
async fn pages_carry_a_strict_content_policy_and_refuse_framing() {
    let app = spawn_app(Backend::Sqlite).await;
    for path in [
        "/agent",
        "/operator",
        "/operator/team",
        "/audit/requests",
        "/privacy",
        "/",
        "/transparency",
    ] {
        let res = app.client.get(app.url(path)).send().await.unwrap();
        let h = res.headers();
        let policy = h["content-security-policy"].to_str().unwrap();
        assert!(
            policy.contains("script-src 'self'") && policy.contains("frame-ancestors 'none'"),
            "{path}: {policy}"
        );
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
    }
    // The widget's script and the API: no page policy (the shop's page has its own).
    for path in ["/widget.js", "/api/v1/disclosure"] {
        let res = app.client.get(app.url(path)).send().await.unwrap();
        assert!(
            res.headers().get("content-security-policy").is_none(),
            "{path}"
        );
        assert_eq!(res.headers()["x-content-type-options"], "nosniff", "{path}");
    }
}

#[tokio::test]
async fn a_second_server_on_a_taken_port_stops_before_touching_the_store() {
    // The first server holds the port; the second one, pointed at another data dir, must fail
    // on the port alone: no database created, so none migrated or audited.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let data_dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(Backend::Sqlite, data_dir.path()).await;
    settings.bind = taken.local_addr().unwrap().to_string();
    let err = match candor::startup::Application::build(settings).await {
        Ok(_) => panic!("a taken port must stop the server"),
        Err(e) => format!("{e:#}"),
    };
    assert!(
        err.contains("binding 127.0.0.1:"),
        "says which address: {err}"
    );
    let left: Vec<_> = std::fs::read_dir(data_dir.path()).unwrap().collect();
    assert!(left.is_empty(), "nothing written to the data dir: {left:?}");
}

#[tokio::test]
async fn metrics_are_private_to_this_machine_or_to_the_token() {
    let code = |body: &serde_json::Value| body["error"]["code"].as_str().unwrap_or("").to_string();
    // Behind a proxy (often on this machine) the peer's address proves nothing.
    let proxied = spawn_configured(Backend::Sqlite, |s| {
        s.client_ip_header = Some("X-Forwarded-For".into());
    })
    .await;
    let res = proxied
        .client
        .get(proxied.url("/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(code(&body), "forbidden");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("CANDOR_METRICS_TOKEN"));

    let app = spawn_configured(Backend::Sqlite, |s| {
        s.metrics_token = Some("prometheus-reads-this".into());
    })
    .await;
    let get = |token: Option<&str>| {
        let mut req = app.client.get(app.url("/metrics"));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send()
    };
    let none = get(None).await.unwrap();
    assert_eq!(none.status(), 401);
    assert_eq!(code(&none.json().await.unwrap()), "missing_token");
    let wrong = get(Some("prometheus-reads-that")).await.unwrap();
    assert_eq!(wrong.status(), 401);
    assert_eq!(code(&wrong.json().await.unwrap()), "invalid_token");
    let right = get(Some("prometheus-reads-this")).await.unwrap();
    assert_eq!(right.status(), 200);
    assert!(right.text().await.unwrap().contains("candor_"));
}

/// The public page checks the assistant's stated confidence against visitors' votes: per
/// band of confidence, the share of voted answers found helpful (consented conversations
/// only; the confidence is read from each answer's why record, the backend's JSON way).
#[tokio::test]
async fn the_transparency_page_sets_stated_confidence_against_visitors_votes() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let mut expected: Vec<(u32, bool)> = Vec::new();
        for (question, helpful, keep) in [
            ("How long does delivery take?", true, true),
            ("How do I reset my password?", false, true),
            ("Do you accept PayPal?", true, false),
        ] {
            let c = app.create(Some("en")).await;
            app.consent(&c, keep).await;
            let r = app.ask(&c, question).await;
            assert_eq!(r["reply"]["kind"], "answer", "{question}");
            let mid = r["reply"]["id"].as_str().unwrap();
            let why: Value = app
                .get(
                    &c,
                    &format!("/api/v1/conversations/{}/messages/{mid}/why", c.id),
                )
                .await
                .json()
                .await
                .unwrap();
            let pct = (why["confidence"].as_f64().unwrap() * 100.0).round() as u32;
            let res = app.vote(&c, mid, json!({ "helpful": helpful })).await;
            assert_eq!(res.status(), 200);
            if keep {
                expected.push((pct, helpful));
            }
        }
        let label = |pct: u32| match pct {
            0..=49 => "under 50 %",
            50..=69 => "50–69 %",
            70..=89 => "70–89 %",
            _ => "90 % and above",
        };
        let en = app.page("/transparency?lang=en").await;
        let mut labels: Vec<&str> = expected.iter().map(|(p, _)| label(*p)).collect();
        labels.dedup();
        for l in &labels {
            let votes: Vec<bool> = expected
                .iter()
                .filter(|(p, _)| label(*p) == *l)
                .map(|(_, h)| *h)
                .collect();
            let rate = 100 * votes.iter().filter(|h| **h).count() / votes.len();
            let row = format!(
                "<tr><td>{l}</td><td>{}</td><td>{rate} %</td></tr>",
                votes.len()
            );
            assert!(en.contains(&row), "{backend:?}: {row} in {en}");
        }
        assert_eq!(
            en.matches("</td></tr>").count() - 7,
            labels.len(),
            "one row per band with votes (after the 7 result rows); the unconsented vote is not counted"
        );
        let fr = app.page("/transparency").await;
        assert!(fr.contains("Sa confiance est-elle juste ?") && fr.contains("Jugées utiles"));
    }
}

/// The public page's figures are computed at most once a minute, whoever reloads it: each
/// computation reads every kept message of 30 days.
#[tokio::test]
async fn the_public_figures_are_recomputed_at_most_once_a_minute() {
    use candor::audit::transparency::{cached, SummaryCache};
    for backend in backends() {
        let dir = tempfile::tempdir().unwrap();
        let settings = test_settings(backend, dir.path()).await;
        let store = candor::storage::connect(settings.database_url.as_deref(), dir.path())
            .await
            .unwrap();
        let now = 1_000 * 86_400_000;
        let cache = SummaryCache::new(60_000);
        assert_eq!(
            cached(&cache, store.as_ref(), 30, now)
                .await
                .unwrap()
                .conversations,
            0
        );
        let c = crate::privacy::conversation("kept", now, true);
        store.create_conversation(&c).await.unwrap();
        store
            .set_consent("kept", true, "d-test", now)
            .await
            .unwrap();
        let soon = cached(&cache, store.as_ref(), 30, now + 59_000)
            .await
            .unwrap();
        assert_eq!(
            soon.conversations, 0,
            "{backend:?}: within the minute, the same figures"
        );
        let later = cached(&cache, store.as_ref(), 30, now + 60_000)
            .await
            .unwrap();
        assert_eq!(
            later.conversations, 1,
            "{backend:?}: a minute on, recomputed"
        );
    }
}

/// A second server started on a data dir another one serves stops at once with a message
/// naming the dir and what to do, before it touches the first one's search index.
#[tokio::test]
async fn one_server_per_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    let first = candor::startup::Application::build(test_settings(Backend::Sqlite, &path).await)
        .await
        .unwrap();
    let err = candor::startup::Application::build(test_settings(Backend::Sqlite, &path).await)
        .await
        .err()
        .expect("a second server on the same data dir is refused");
    let message = format!("{err:#}");
    assert!(
        message.contains("is in use by another Candor server")
            && message.contains(&path.display().to_string())
            && message.contains(&std::process::id().to_string()),
        "{message}"
    );
    assert!(
        path.join("index").exists(),
        "the first server's index is untouched"
    );
    // The lock goes with the process: the restarts after kill -9 in persistence.rs reuse
    // their data dir.
    drop(first);
}
