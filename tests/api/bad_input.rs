//! Bad input gets a clear JSON error with a code, never a 500, and nothing is stored.

use crate::helpers::{spawn_app, Backend};
use serde_json::{json, Value};

async fn error_of(res: reqwest::Response) -> (u16, Value) {
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

/// A GET without credentials: its status and error code.
async fn get_error(app: &crate::helpers::TestApp, path: &str) -> (u16, Value) {
    let res = app.client.get(app.url(path)).send().await.unwrap();
    let (status, body) = error_of(res).await;
    (status, body["error"]["code"].clone())
}

#[tokio::test]
async fn malformed_json_is_a_400_with_the_error_format() {
    let app = spawn_app(Backend::Sqlite).await;
    let res = app
        .client
        .post(app.url("/api/v1/conversations"))
        .header("content-type", "application/json")
        .body("{\"locale\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_of(res).await,
        (
            400,
            json!({"error": {"code": "invalid_json", "message": "The request body is not valid JSON."}})
        )
    );
}

#[tokio::test]
async fn messages_over_the_limits_are_refused_and_not_stored() {
    let app = spawn_app(Backend::Sqlite).await;
    let c = app.create(Some("en")).await;
    let (status, body) = error_of(app.post_message(&c, &"a".repeat(2001)).await).await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["code"], "message_too_long");
    // Spaces, or characters that show nothing (zero-width spaces, a byte-order mark).
    for blank in ["   ", "\u{200b}\u{200b}", "\u{feff}\u{a0}\u{2060}"] {
        let (status, body) = error_of(app.post_message(&c, blank).await).await;
        assert_eq!(
            (status, body["error"]["code"].clone()),
            (422, json!("empty_message")),
            "{blank:?}"
        );
    }
    let res = app
        .client
        .post(app.url(&format!("/api/v1/conversations/{}/messages", c.id)))
        .bearer_auth(&c.token)
        .header("content-type", "application/json")
        .body(format!("{{\"text\":\"{}\"}}", "a".repeat(20_000)))
        .send()
        .await
        .unwrap();
    let (status, body) = error_of(res).await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (413, json!("payload_too_large"))
    );
    assert_eq!(app.transcript(&c).await["messages"], json!([]));
}

#[tokio::test]
async fn a_wrong_token_and_an_unknown_conversation_look_the_same() {
    let app = spawn_app(Backend::Sqlite).await;
    let c = app.create(Some("en")).await;
    let other = app.create(Some("en")).await;
    let wrong_token = app
        .client
        .get(app.url(&format!("/api/v1/conversations/{}", c.id)))
        .bearer_auth(&other.token)
        .send()
        .await
        .unwrap();
    let unknown = app
        .client
        .get(app.url(&format!("/api/v1/conversations/{}", uuid::Uuid::new_v4())))
        .bearer_auth(&c.token)
        .send()
        .await
        .unwrap();
    let expected = (
        404,
        json!({"error": {"code": "conversation_not_found", "message": "No conversation matches this id and token."}}),
    );
    assert_eq!(error_of(wrong_token).await, expected);
    assert_eq!(error_of(unknown).await, expected);
    let no_token = app
        .client
        .get(app.url(&format!("/api/v1/conversations/{}", c.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(no_token).await.1["error"]["code"], "missing_token");
}

#[tokio::test]
async fn unsupported_locales_unknown_fields_and_routes_get_clear_errors() {
    let app = spawn_app(Backend::Sqlite).await;
    let post = |body: Value| {
        app.client
            .post(app.url("/api/v1/conversations"))
            .json(&body)
            .send()
    };
    let (status, body) = error_of(post(json!({"locale": "de"})).await.unwrap()).await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (422, json!("unsupported_locale"))
    );
    let (status, body) = error_of(post(json!({"lang": "fr"})).await.unwrap()).await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (422, json!("invalid_field"))
    );
    assert_eq!(
        get_error(&app, "/api/v1/nope").await,
        (404, json!("not_found"))
    );
    let c = app.create(Some("fr")).await;
    let why = app
        .get(
            &c,
            &format!("/api/v1/conversations/{}/messages/nope/why", c.id),
        )
        .await;
    assert_eq!(error_of(why).await.1["error"]["code"], "message_not_found");
    // A locale asked for by name, before a conversation or in the agents' queue, is one
    // Candor speaks; none asked for follows the browser.
    assert_eq!(
        get_error(&app, "/api/v1/disclosure?locale=de").await,
        (422, json!("unsupported_locale"))
    );
    let res = app
        .client
        .get(app.url("/api/v1/disclosure"))
        .header("accept-language", "de-DE, fr;q=0.8")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let agent = app.agent("Alice", "agent").await;
    let (status, body) = app.agent_get(&agent, "/api/v1/agent/queue?lang=zz").await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (422, json!("unsupported_locale"))
    );
    let (status, _) = app.agent_get(&agent, "/api/v1/agent/queue?lang=FR").await;
    assert_eq!(status, 200);
    // An event id to resume after that is not one would replay the whole conversation.
    let events = format!("/api/v1/conversations/{}/events", c.id);
    for (query, header) in [("?after=abc", None), ("?after=-1", None), ("", Some("x1"))] {
        let mut req = app
            .client
            .get(app.url(&format!("{events}{query}")))
            .bearer_auth(&c.token);
        if let Some(h) = header {
            req = req.header("last-event-id", h);
        }
        let (status, body) = error_of(req.send().await.unwrap()).await;
        assert_eq!(
            (status, body["error"]["code"].clone()),
            (400, json!("invalid_query")),
            "{query} {header:?}"
        );
    }
}

#[tokio::test]
async fn clients_over_the_rate_limit_get_a_429_with_retry_after() {
    let app = crate::helpers::spawn_configured(Backend::Sqlite, |settings| {
        settings.rate_limit = 3;
    })
    .await;
    let c = app.create(Some("en")).await;
    app.ask(&c, "hello").await;
    app.ask(&c, "hello").await;
    let res = app.post_message(&c, "hello").await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().get("retry-after").is_some());
    assert_eq!(error_of(res).await.1["error"]["code"], "rate_limited");
}

/// PostgreSQL cannot store U+0000 in text: a NUL anywhere in a request (a handoff reason,
/// a feedback comment, the sign-in form, a query, a path) is a 4xx in the error format on
/// both backends, never a 500, and nothing of it is stored.
#[tokio::test]
async fn a_nul_character_anywhere_is_refused_on_every_backend() {
    for backend in crate::helpers::backends() {
        let app = spawn_app(backend).await;
        let c = app.create(Some("fr")).await;
        let reply = app.ask(&c, "livraison").await;
        let reply_id = reply["reply"]["id"].as_str().unwrap().to_string();
        let conv = format!("/api/v1/conversations/{}", c.id);
        // (path, body, sent with the visitor's token); each gets 422 invalid_field.
        let cases = [
            (
                format!("{conv}/handoff"),
                json!({"reason": "ma carte\u{0}"}),
                true,
            ),
            (
                format!("{conv}/messages/{reply_id}/feedback"),
                json!({"helpful": false, "comment": "nul\u{0}"}),
                true,
            ),
            (
                format!("{conv}/messages"),
                json!({"text": "bonjour\u{0}"}),
                true,
            ),
            (
                "/api/v1/auth/login".into(),
                json!({"email": "a\u{0}@b.fr", "password": "x"}),
                false,
            ),
        ];
        for (path, body, with_token) in cases {
            let mut req = app.client.post(app.url(&path)).json(&body);
            if with_token {
                req = req.bearer_auth(&c.token);
            }
            let (status, body) = error_of(req.send().await.unwrap()).await;
            assert_eq!(
                (status, body["error"]["code"].clone()),
                (422, json!("invalid_field")),
                "{path} ({backend:?})"
            );
        }
        let res = app.get(&c, "/api/v1/disclosure?locale=fr%00").await;
        assert_eq!(error_of(res).await.1["error"]["code"], "invalid_query");
        let res = app
            .get(&c, &format!("/api/v1/conversations/{}%00", c.id))
            .await;
        assert_eq!(error_of(res).await.0, 404);
        // A backslash before "u0000" is text, not a NUL.
        let body = app.ask(&c, "chemin C:\\u0000").await;
        assert_eq!(body["visitor_message"]["text"], "chemin C:\\u0000");
        let t = app.transcript(&c).await;
        assert_eq!(
            t["status"], "bot",
            "the refused handoff did not happen ({backend:?})"
        );
    }
}

/// A known address with the wrong method says so (405, the methods it takes, in the one
/// error format), and `HEAD` works wherever `GET` does, without a body.
#[tokio::test]
async fn a_wrong_method_is_a_405_and_head_answers_like_get() {
    let app = spawn_app(Backend::Sqlite).await;
    let c = app.create(Some("en")).await;
    let res = app
        .client
        .put(app.url("/api/v1/conversations"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["allow"], "POST");
    let (status, body) = error_of(res).await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (405, json!("method_not_allowed"))
    );
    assert!(body["error"]["message"].as_str().unwrap().contains("PUT"));

    // GET and DELETE share one address (transcript and erasure): both are named.
    let res = app
        .client
        .patch(app.url(&format!("/api/v1/conversations/{}", c.id)))
        .bearer_auth(&c.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
    assert_eq!(res.headers()["allow"], "GET, DELETE, HEAD");
    // And neither is shadowed: the conversation still reads, then erases.
    assert_eq!(
        app.get(&c, &format!("/api/v1/conversations/{}", c.id))
            .await
            .status(),
        200
    );
    let erased = app
        .client
        .delete(app.url(&format!("/api/v1/conversations/{}", c.id)))
        .bearer_auth(&c.token)
        .send()
        .await
        .unwrap();
    assert_eq!(erased.status(), 204);

    for path in ["/", "/healthz", "/privacy", "/transparency", "/widget.js"] {
        let get = app.client.get(app.url(path)).send().await.unwrap();
        let head = app.client.head(app.url(path)).send().await.unwrap();
        assert_eq!(head.status(), 200, "HEAD {path}");
        assert_eq!(
            head.headers()["content-type"],
            get.headers()["content-type"]
        );
        assert_eq!(
            head.headers()["content-length"],
            get.headers()["content-length"]
        );
        assert!(
            head.bytes().await.unwrap().is_empty(),
            "HEAD {path} has no body"
        );
    }
    assert_eq!(
        app.client
            .head(app.url("/nope"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    // A live stream's HEAD ends at once instead of holding the connection open.
    let c = app.create(Some("en")).await;
    let head = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        app.client
            .head(app.url(&format!("/api/v1/conversations/{}/events", c.id)))
            .bearer_auth(&c.token)
            .send(),
    )
    .await
    .expect("HEAD on a stream returns")
    .unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(head.headers()["content-type"], "text/event-stream");
}
