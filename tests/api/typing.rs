//! Typing signals: the visitor sees that the person holding the conversation types, and
//! that person sees the visitor typing. Never the text, never stored.

use crate::helpers::{backends, spawn_app, Events};
use serde_json::json;
use std::time::Duration;

/// While the person holding the conversation types, the visitor's stream says who; nobody
/// else can make it say so, and nothing of it is stored.
#[tokio::test]
async fn the_visitor_sees_that_the_person_is_typing() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let camille = app.agent("Camille", "agent").await;
        let other = app.agent("Dominique", "agent").await;
        let c = app.create(Some("fr")).await;
        app.ask(&c, "je veux parler à un conseiller").await;
        let typing = format!("/api/v1/agent/conversations/{}/typing", c.id);
        let early = app.agent_post(&camille, &typing, json!({})).await;
        assert_eq!(early.status(), 409, "not before claiming ({backend:?})");
        let claim = format!("/api/v1/agent/conversations/{}/claim", c.id);
        assert_eq!(
            app.agent_post(&camille, &claim, json!({})).await.status(),
            200
        );
        let mut events = Events::visitor(&app, &c).await;
        let refused = app.agent_post(&other, &typing, json!({})).await;
        assert_eq!(refused.status(), 409, "only the holder ({backend:?})");
        let signal = app.agent_post(&camille, &typing, json!({})).await;
        assert_eq!(signal.status(), 204);
        let after = events.until("event: typing", "a typing event, live").await;
        assert!(after.contains(r#"{"name":"Camille"}"#), "{after}");
        assert!(!after.contains("Dominique"), "{after}");
        let visitor = app
            .client
            .post(app.url(&typing))
            .bearer_auth(&c.token)
            .send()
            .await
            .unwrap();
        assert_eq!(
            visitor.status(),
            401,
            "a visitor's token is no console session"
        );
        let stored = app.transcript(&c).await;
        let texts = stored["messages"].to_string();
        assert!(!texts.contains("typing"), "nothing stored: {texts}");
    }
}

/// While a person holds the conversation, the visitor's typing shows on the team's stream
/// of it, and on no visitor's stream; before that, the signal is dropped.
#[tokio::test]
async fn the_person_sees_that_the_visitor_is_typing() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let camille = app.agent("Camille", "agent").await;
        let c = app.create(Some("fr")).await;
        app.ask(&c, "je veux parler à un conseiller").await;
        let signal = || {
            app.client
                .post(app.url(&format!("/api/v1/conversations/{}/typing", c.id)))
                .bearer_auth(&c.token)
                .send()
        };
        let path = format!("/api/v1/agent/conversations/{}/events", c.id);
        let mut team = Events::open(&app, &path, &camille).await;
        team.until("event: status", "the first status event").await;
        assert_eq!(signal().await.unwrap().status(), 204, "{backend:?}");
        let quiet =
            tokio::time::timeout(Duration::from_millis(700), team.until("event: typing", "-"))
                .await;
        assert!(quiet.is_err(), "{backend:?}: dropped while nobody holds it");
        let claim = format!("/api/v1/agent/conversations/{}/claim", c.id);
        assert_eq!(
            app.agent_post(&camille, &claim, json!({})).await.status(),
            200
        );
        let mut mine = Events::visitor(&app, &c).await;
        assert_eq!(signal().await.unwrap().status(), 204);
        let seen = team
            .until("event: typing", "the visitor typing, live")
            .await;
        assert!(seen.contains(r#"{"visitor":true}"#), "{seen}");
        let own =
            tokio::time::timeout(Duration::from_millis(700), mine.until("event: typing", "-"))
                .await;
        assert!(own.is_err(), "the visitor's own stream does not echo it");
        let other = app.create(Some("fr")).await;
        let res = app
            .client
            .post(app.url(&format!("/api/v1/conversations/{}/typing", c.id)))
            .bearer_auth(&other.token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404, "another visitor's token");
    }
}

/// The person sees whether the visitor is still on the site: their widget's live stream of
/// the conversation says so (the `visitor` field); before it ever opened, nothing is said.
#[tokio::test]
async fn the_person_sees_whether_the_visitor_is_still_on_the_site() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let camille = app.agent("Camille", "agent").await;
        let c = app.create(Some("fr")).await;
        app.ask(&c, "je veux parler à un conseiller").await;
        let path = format!("/api/v1/agent/conversations/{}", c.id);
        let (_, before) = app.agent_get(&camille, &path).await;
        assert_eq!(before["visitor"], serde_json::Value::Null, "{backend:?}");
        let following = Events::visitor(&app, &c).await;
        let (_, now) = app.agent_get(&camille, &path).await;
        assert_eq!(now["visitor"]["online"], true, "{backend:?}: {now}");
        assert!(now["visitor"]["seen_seconds_ago"].as_i64().unwrap() <= 1);
        let queue = app.agent_get(&camille, "/api/v1/agent/queue").await.1;
        assert_eq!(queue["waiting"][0]["visitor"]["online"], true, "{queue}");
        // The tab closed a minute ago: the queue says the visitor left.
        drop(following);
        let a_minute_ago = candor::conversation::now_ms() - 60_000;
        app.store.touch_visitor(&c.id, a_minute_ago).await.unwrap();
        let queue = app.agent_get(&camille, "/api/v1/agent/queue").await.1;
        let left = &queue["waiting"][0]["visitor"];
        assert_eq!(left["online"], false, "{backend:?}: {queue}");
        assert!(left["seen_seconds_ago"].as_i64().unwrap() >= 60, "{left}");
        let export = app
            .get(&c, &format!("/api/v1/conversations/{}/export", c.id))
            .await;
        let export: serde_json::Value = export.json().await.unwrap();
        assert!(
            export["conversation"]["visitor_seen_at"].is_string(),
            "{export}"
        );
    }
}
