//! Human hand-over stories: sign-in, roles, the claim race, live messages to the visitor
//! with resumable event ids, the bot's silence while a person holds the conversation.

use crate::helpers::{backends, cited, spawn_app, Backend, Events, TestApp};
use futures_util::StreamExt;
use serde_json::{json, Value};
use std::time::Duration;

/// Reads SSE `message` events until `want` arrived (or 10 s passed).
async fn read_events(
    app: &TestApp,
    c: &crate::helpers::Conv,
    after: i64,
    want: usize,
) -> Vec<Value> {
    let res = app
        .client
        .get(app.url(&format!("/api/v1/conversations/{}/events", c.id)))
        .bearer_auth(&c.token)
        .header("Last-Event-ID", after.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["content-type"], "text/event-stream");
    let mut body = res.bytes_stream();
    let mut buffer = String::new();
    let mut out = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while out.len() < want {
        let chunk = tokio::time::timeout_at(deadline, body.next())
            .await
            .expect("events in time")
            .unwrap()
            .unwrap();
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(cut) = buffer.find("\n\n") {
            let block: String = buffer.drain(..cut + 2).collect();
            if block.contains("event: message") {
                let data = block
                    .lines()
                    .find_map(|l| l.strip_prefix("data: "))
                    .unwrap();
                out.push(serde_json::from_str(data).unwrap());
            }
        }
    }
    out
}

#[tokio::test]
async fn two_agents_race_to_claim_and_exactly_one_wins() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let (a, b) = (
            app.agent("Camille", "agent").await,
            app.agent("Sami", "agent").await,
        );
        let c = app.create(Some("fr")).await;
        app.ask(&c, "je veux parler à un conseiller").await;
        let path = format!("/api/v1/agent/conversations/{}/claim", c.id);
        let (ra, rb) = tokio::join!(
            app.agent_post(&a, &path, json!({})),
            app.agent_post(&b, &path, json!({}))
        );
        let mut statuses = [ra.status().as_u16(), rb.status().as_u16()];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 409], "{backend:?}");
        let queue: Value = app.agent_get(&a, "/api/v1/agent/queue").await.1;
        assert_eq!(queue["waiting"], json!([]));
    }
}

#[tokio::test]
async fn a_person_takes_over_live_and_hands_back_to_the_assistant() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let agent = app.agent("Camille", "agent").await;
        let c = app.create(Some("fr")).await;
        let handed = app.ask(&c, "je veux parler à un conseiller").await;
        let after = handed["reply"]["seq"].as_i64().unwrap();
        let id = &c.id;
        assert_eq!(
            app.agent_post(
                &agent,
                &format!("/api/v1/agent/conversations/{id}/claim"),
                json!({})
            )
            .await
            .status(),
            200
        );
        let sent = app
            .agent_post(
                &agent,
                &format!("/api/v1/agent/conversations/{id}/messages"),
                json!({"text": "Bonjour, je regarde votre commande."}),
            )
            .await;
        assert_eq!(sent.status(), 200);

        // The visitor's stream delivers what happened after the last event seen, in order.
        let events = read_events(&app, &c, after, 2).await;
        assert_eq!(events[0]["author"], "system");
        assert_eq!(
            events[0]["text"],
            "Camille (une personne) a rejoint la conversation."
        );
        assert_eq!(events[1]["author"], "agent");
        assert_eq!(events[1]["author_name"], "Camille");
        assert_eq!(events[1]["ai_generated"], false);
        // Resuming from the first event gives the second only: nothing lost, nothing twice.
        let resumed = read_events(&app, &c, events[0]["seq"].as_i64().unwrap(), 1).await;
        assert_eq!(resumed[0]["id"], events[1]["id"]);

        // While the person holds it, the assistant stays silent.
        let quiet = app.ask(&c, "Combien de temps prend la livraison ?").await;
        assert_eq!(
            (quiet["status"].clone(), quiet["reply"].clone()),
            (json!("with_agent"), json!(null))
        );

        assert_eq!(
            app.agent_post(
                &agent,
                &format!("/api/v1/agent/conversations/{id}/release"),
                json!({})
            )
            .await
            .status(),
            200
        );
        let back = app.ask(&c, "Combien de temps prend la livraison ?").await;
        assert_eq!(cited(&back).as_deref(), Some("fr-livraison"), "{backend:?}");
    }
}

#[tokio::test]
async fn console_routes_refuse_visitors_and_wrong_passwords() {
    let app = spawn_app(Backend::Sqlite).await;
    let c = app.create(Some("en")).await;
    let res = app
        .client
        .get(app.url("/api/v1/agent/queue"))
        .bearer_auth(&c.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"]["code"],
        "invalid_token"
    );
    let res = app
        .client
        .get(app.url("/api/v1/agent/queue"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);

    app.agent("Camille", "agent").await;
    let wrong = json!({"email": "camille@shop.example", "password": "not the password"});
    let mut codes = Vec::new();
    for _ in 0..11 {
        let res = app
            .client
            .post(app.url("/api/v1/auth/login"))
            .json(&wrong)
            .send()
            .await
            .unwrap();
        codes.push(res.status().as_u16());
    }
    assert_eq!(codes[0], 401);
    assert_eq!(codes[10], 429, "failed sign-ins are rate limited");

    // Only the person holding a conversation may write in it.
    let other = app.agent("Sami", "agent").await;
    let res = app
        .agent_post(
            &other,
            &format!("/api/v1/agent/conversations/{}/messages", c.id),
            json!({"text": "hi"}),
        )
        .await;
    assert_eq!(res.status(), 409);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"]["code"],
        "not_holder"
    );
}

#[tokio::test]
async fn repeated_declines_and_operator_rules_hand_over_with_their_cause() {
    let app = crate::helpers::spawn_configured(Backend::Sqlite, |settings| {
        settings.handoff.tags = vec!["remboursement".into()];
    })
    .await;

    let c = app.create(Some("en")).await;
    assert_eq!(
        app.ask(&c, "Tell me a joke").await["reply"]["kind"],
        "no_answer"
    );
    let second = app.ask(&c, "What's the weather like tomorrow?").await;
    assert_eq!(second["reply"]["kind"], "handoff");
    assert_eq!(second["status"], "waiting_for_agent");
    let why: Value = app.why(&c, &second["reply"]).await;
    assert_eq!(why["rule"], "declined_repeatedly");

    let fr = app.create(Some("fr")).await;
    let refund = app.ask(&fr, "Quand serai-je remboursé ?").await;
    assert_eq!(
        refund["reply"]["kind"], "handoff",
        "refunds go to a person by operator rule"
    );
    assert_eq!(refund["reply"]["citations"], json!([]));
    let export: Value = app
        .get(&fr, &format!("/api/v1/conversations/{}/export", fr.id))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        export["handoff_events"][0]["trigger_kind"],
        "rule:tag:remboursement"
    );
}

#[tokio::test]
async fn transfers_notes_canned_replies_and_language_routing_work_for_the_team() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let (a, b) = (
            app.agent("Camille", "agent").await,
            app.agent("Sami", "agent").await,
        );
        let en = app.create(Some("en")).await;
        app.ask(&en, "human please").await;
        let fr = app.create(Some("fr")).await;
        app.ask(&fr, "je veux parler à un conseiller").await;
        let queue: Value = app.agent_get(&a, "/api/v1/agent/queue?lang=fr").await.1;
        assert_eq!(queue["waiting"].as_array().unwrap().len(), 1);
        assert_eq!(queue["waiting"][0]["id"], fr.id.as_str());

        let id = &fr.id;
        app.agent_post(
            &a,
            &format!("/api/v1/agent/conversations/{id}/claim"),
            json!({}),
        )
        .await;
        let note = app
            .agent_post(
                &a,
                &format!("/api/v1/agent/conversations/{id}/notes"),
                json!({"text": "client fâché, vérifier le colis"}),
            )
            .await;
        assert_eq!(note.status(), 200);
        let team: Value = app.agent_get(&a, "/api/v1/agent/team").await.1;
        let sami = team
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "Sami")
            .unwrap()["id"]
            .clone();
        let me = team
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["you"] == true)
            .unwrap();
        assert_eq!(me["name"], "Camille", "{team}");
        let to_self = app
            .agent_post(
                &a,
                &format!("/api/v1/agent/conversations/{id}/transfer"),
                json!({"agent_id": me["id"]}),
            )
            .await;
        assert_eq!(to_self.status(), 422, "nobody transfers to themselves");
        let moved = app
            .agent_post(
                &a,
                &format!("/api/v1/agent/conversations/{id}/transfer"),
                json!({"agent_id": sami}),
            )
            .await;
        assert_eq!(moved.status(), 200, "{backend:?}");
        // Each person finds what they hold in their own list, after any reload.
        let mine = |q: Value| -> Vec<String> {
            q["mine"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(
            mine(app.agent_get(&b, "/api/v1/agent/queue").await.1),
            [id.to_string()]
        );
        assert!(mine(app.agent_get(&a, "/api/v1/agent/queue").await.1).is_empty());
        let old = app
            .agent_post(
                &a,
                &format!("/api/v1/agent/conversations/{id}/messages"),
                json!({"text": "still me?"}),
            )
            .await;
        assert_eq!(old.status(), 409);
        let new = app
            .agent_post(
                &b,
                &format!("/api/v1/agent/conversations/{id}/messages"),
                json!({"text": "Bonjour, ici Sami."}),
            )
            .await;
        assert_eq!(new.status(), 200);

        // The visitor sees the transfer and Sami's message, never the internal note.
        let visitor = app.transcript(&fr).await.to_string();
        assert!(visitor.contains("Camille a passé la conversation à Sami (une personne)."));
        assert!(visitor.contains("Bonjour, ici Sami.") && !visitor.contains("fâché"));
        let team_view: Value = app
            .agent_get(&b, &format!("/api/v1/agent/conversations/{id}"))
            .await
            .1;
        assert!(team_view.to_string().contains("client fâché"));

        let canned: Value = app.agent_get(&b, "/api/v1/agent/canned").await.1;
        assert!(canned
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["title"] == "Order number"));
    }
}

#[tokio::test]
async fn a_not_helpful_vote_followed_by_a_question_goes_to_a_person() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let c = app.create(Some("en")).await;
        let first = app.ask(&c, "How do I reset my password?").await;
        let mid = first["reply"]["id"].as_str().unwrap();
        let url = app.url(&format!(
            "/api/v1/conversations/{}/messages/{mid}/feedback",
            c.id
        ));
        let vote = app
            .client
            .post(&url)
            .bearer_auth(&c.token)
            .json(&json!({"helpful": false, "comment": "mail me at a@b.fr"}))
            .send()
            .await
            .unwrap();
        assert_eq!(vote.status(), 200);
        let wrong = app
            .client
            .post(app.url(&format!(
                "/api/v1/conversations/{}/messages/nope/feedback",
                c.id
            )))
            .bearer_auth(&c.token)
            .json(&json!({"helpful": true}))
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status(), 404);

        let next = app.ask(&c, "How do I reset my password?").await;
        assert_eq!(next["reply"]["kind"], "handoff", "{backend:?}");
        let why: Value = app.why(&c, &next["reply"]).await;
        assert_eq!(why["rule"], "not_helpful");
        let export: Value = app
            .get(&c, &format!("/api/v1/conversations/{}/export", c.id))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            export["handoff_events"][0]["trigger_kind"],
            "not_helpful_then_question"
        );
        assert_eq!(export["feedback"][0][2], "mail me at [email]");
    }
}

/// The value of a `Set-Cookie` header for `name`, and the whole header.
fn set_cookie(res: &reqwest::Response, name: &str) -> (String, String) {
    let header = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|v| v.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} cookie"));
    let value = header
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_string();
    (value, header)
}

#[tokio::test]
async fn the_console_session_is_an_httponly_strict_cookie_guarded_by_csrf() {
    let app = spawn_app(Backend::Sqlite).await;
    app.agent("Camille", "agent").await;
    let page = app.client.get(app.url("/agent")).send().await.unwrap();
    let (csrf, header) = set_cookie(&page, "candor_csrf");
    assert!(header.contains("HttpOnly") && header.contains("SameSite=Strict"));
    assert!(page
        .text()
        .await
        .unwrap()
        .contains(&format!("content=\"{csrf}\"")));

    let creds = json!({"email": "camille@shop.example", "password": "correct horse battery"});
    let csrf_cookie = format!("candor_csrf={csrf}");
    let no_csrf = app
        .client
        .post(app.url("/api/v1/auth/session"))
        .header("cookie", &csrf_cookie)
        .json(&creds)
        .send()
        .await
        .unwrap();
    assert_eq!(no_csrf.status(), 403);
    let signed = app
        .client
        .post(app.url("/api/v1/auth/session"))
        .header("cookie", &csrf_cookie)
        .header("x-csrf-token", &csrf)
        .json(&creds)
        .send()
        .await
        .unwrap();
    assert_eq!(signed.status(), 200);
    let (session, header) = set_cookie(&signed, "candor_session");
    assert!(header.contains("HttpOnly") && header.contains("SameSite=Strict"));
    let cookies = format!("candor_csrf={csrf}; candor_session={session}");

    let queue = app
        .client
        .get(app.url("/api/v1/agent/queue"))
        .header("cookie", &cookies)
        .send()
        .await
        .unwrap();
    assert_eq!(queue.status(), 200, "reads need only the session");
    let c = app.create(Some("en")).await;
    app.ask(&c, "human please").await;
    let claim = app.url(&format!("/api/v1/agent/conversations/{}/claim", c.id));
    let forged = app
        .client
        .post(&claim)
        .header("cookie", &cookies)
        .send()
        .await
        .unwrap();
    assert_eq!(
        forged.status(),
        403,
        "a change without the CSRF token is refused"
    );
    assert_eq!(
        forged.json::<Value>().await.unwrap()["error"]["code"],
        "csrf_failed"
    );
    let real = app
        .client
        .post(&claim)
        .header("cookie", &cookies)
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(real.status(), 200);

    let out = app
        .client
        .post(app.url("/api/v1/auth/logout"))
        .header("cookie", &cookies)
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 200);
    let after = app
        .client
        .get(app.url("/api/v1/agent/queue"))
        .header("cookie", &cookies)
        .send()
        .await
        .unwrap();
    assert_eq!(
        after.status(),
        401,
        "the session token is revoked at sign-out"
    );
}

#[tokio::test]
async fn out_of_hours_the_visitor_is_told_when_the_team_answers() {
    let app = crate::helpers::spawn_configured(Backend::Sqlite, |s| {
        s.handoff.hours = Some(candor::handoff::hours::OpeningHours {
            days: vec![],
            from: "09:00".into(),
            to: "18:00".into(),
            utc_offset_minutes: 60,
        });
    })
    .await;
    let c = app.create(Some("fr")).await;
    let body = app.ask(&c, "je veux parler à un conseiller").await;
    let text = body["reply"]["text"].as_str().unwrap();
    assert!(
        text.contains("nous sommes fermés en ce moment") && text.contains("09:00–18:00 (UTC+1)"),
        "{text}"
    );
    let button = app
        .agent_post(
            &c.token,
            &format!("/api/v1/conversations/{}/handoff", c.id),
            json!({}),
        )
        .await;
    assert_eq!(button.json::<Value>().await.unwrap()["closed"], true);
}

#[tokio::test]
async fn operators_cannot_take_conversations_and_the_team_shows_each_load() {
    let app = spawn_app(Backend::Sqlite).await;
    let operator = app.agent("Olga", "operator").await;
    let res = app
        .client
        .get(app.url("/api/v1/agent/queue"))
        .bearer_auth(&operator)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let agent = app.agent("Camille", "agent").await;
    let c = app.create(Some("en")).await;
    app.ask(&c, "human please").await;
    app.agent_post(
        &agent,
        &format!("/api/v1/agent/conversations/{}/claim", c.id),
        json!({}),
    )
    .await;
    let team: Value = app.agent_get(&agent, "/api/v1/agent/team").await.1;
    let camille = team
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Camille")
        .unwrap();
    assert_eq!(
        (camille["online"].clone(), camille["holding"].clone()),
        (json!(true), json!(1))
    );
}

#[tokio::test]
async fn the_console_hears_about_a_new_escalation_live() {
    let app = spawn_app(Backend::Sqlite).await;
    let agent = app.agent("Camille", "agent").await;
    let mut events = Events::open(&app, "/api/v1/agent/events", &agent).await;
    events.until("event: queue", "the first queue event").await;
    let c = app.create(Some("en")).await;
    app.ask(&c, "human please").await;
    events
        .until(
            "event: queue",
            "a queue event right after the escalation, not after the 15 s refresh",
        )
        .await;
}

/// Service quality of people, not only of the assistant: once a person closed the
/// conversation the visitor says whether they were helped, the comment redacted; it is in
/// their export, gone with an erasure, and counted per language in the equity report.
#[tokio::test]
async fn a_visitor_rates_the_help_of_a_person_and_the_report_counts_it() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let agent = app.agent("Camille", "agent").await;
        let admin = app.agent("Ada", "admin").await;
        let c = app.create(Some("fr")).await;
        app.consent(&c, true).await;
        app.ask(&c, "je veux parler à un conseiller").await;
        let rate = |body: Value| {
            app.client
                .post(app.url(&format!("/api/v1/conversations/{}/rating", c.id)))
                .bearer_auth(&c.token)
                .json(&body)
                .send()
        };
        let res = rate(json!({"helped": true})).await.unwrap();
        assert_eq!(res.status(), 409, "nobody's help to rate yet ({backend:?})");
        let err: Value = res.json().await.unwrap();
        assert_eq!(err["error"]["code"], "not_rateable");
        let conv = format!("/api/v1/agent/conversations/{}", c.id);
        for (path, body) in [
            ("claim", json!({})),
            (
                "messages",
                json!({"text": "Bonjour, je regarde votre commande."}),
            ),
            ("close", json!({"resolution": "commande retrouvée"})),
        ] {
            let res = app
                .agent_post(&agent, &format!("{conv}/{path}"), body)
                .await;
            assert_eq!(res.status(), 200, "{path}");
        }
        let t = app.transcript(&c).await;
        assert_eq!(
            (
                t["status"].clone(),
                t["had_person"].clone(),
                t["rating"].clone()
            ),
            (json!("closed"), json!(true), Value::Null)
        );
        let long = rate(json!({"helped": true, "comment": "x".repeat(501)}));
        assert_eq!(long.await.unwrap().status(), 422);
        let first = json!({"helped": false, "comment": "Lent."});
        assert_eq!(rate(first).await.unwrap().status(), 200);
        let then = json!({"helped": true, "comment": "Finalement parfait, écrivez-moi à jean.dupont@exemple.fr"});
        assert_eq!(rate(then).await.unwrap().status(), 200, "the latest counts");
        let t = app.transcript(&c).await;
        assert_eq!(t["rating"]["helped"], true);
        let (_, seen) = app.agent_get(&agent, &conv).await;
        assert_eq!(seen["rating"]["helped"], true, "the team sees it too");
        let comment = t["rating"]["comment"].as_str().unwrap();
        assert!(
            comment.starts_with("Finalement parfait") && !comment.contains("jean.dupont"),
            "{comment}"
        );
        let export: Value = app
            .get(&c, &format!("/api/v1/conversations/{}/export", c.id))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(export["rating"]["helped"], true);
        let report: Value = app.agent_get(&admin, "/api/v1/audit/report").await.1;
        let fr = crate::helpers::report_group(&report, "language", "fr");
        assert_eq!(
            (
                fr["person_ratings"].clone(),
                fr["person_helped_rate"].clone()
            ),
            (json!(1), json!(100.0))
        );
        let said = &report["recent_person_ratings"][0];
        assert_eq!(
            (said["language"].clone(), said["helped"].clone()),
            (json!("fr"), json!(true))
        );
        assert!(said["comment"]
            .as_str()
            .unwrap()
            .starts_with("Finalement parfait"));
        assert!(
            !report.to_string().contains("Camille"),
            "no agent named in the report"
        );
        let public = app.page("/transparency?lang=en").await;
        assert!(
            public.contains("Visitors helped by a person from the team (their rating)</th><td>100 % (1 ratings)"),
            "the public page shows it"
        );
        let res = app
            .client
            .delete(app.url(&format!("/api/v1/conversations/{}", c.id)))
            .bearer_auth(&c.token)
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success());
        assert_eq!(
            app.store.rating_of(&c.id).await.unwrap(),
            None,
            "erased with the rest"
        );
    }
}

/// An agent holding several conversations sees which visitors wait for their reply; an
/// internal note is not a reply.
#[tokio::test]
async fn the_console_says_whose_visitor_waits_for_a_reply() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let agent = app.agent("Camille", "agent").await;
        let c = app.create(Some("fr")).await;
        app.ask(&c, "je veux parler à un conseiller").await;
        let id = &c.id;
        let path = |what: &str| format!("/api/v1/agent/conversations/{id}/{what}");
        let claimed = app.agent_post(&agent, &path("claim"), json!({})).await;
        assert_eq!(claimed.status(), 200);
        let waits = || async {
            let (_, q) = app.agent_get(&agent, "/api/v1/agent/queue").await;
            assert_eq!(q["mine"][0]["id"], json!(id), "{q}");
            q["mine"][0]["visitor_waiting_seconds"].clone()
        };
        assert_eq!(
            waits().await,
            json!(null),
            "the assistant answered last ({backend:?})"
        );
        app.ask(&c, "Vous êtes là ?").await;
        assert!(waits().await.is_u64(), "the visitor waits ({backend:?})");
        let note = app
            .agent_post(&agent, &path("notes"), json!({"text": "vérifier le débit"}))
            .await;
        assert_eq!(note.status(), 200);
        assert!(
            waits().await.is_u64(),
            "a note is not a reply ({backend:?})"
        );
        let sent = app
            .agent_post(
                &agent,
                &path("messages"),
                json!({"text": "Oui, je regarde."}),
            )
            .await;
        assert_eq!(sent.status(), 200);
        assert_eq!(waits().await, json!(null), "answered ({backend:?})");
    }
}

#[tokio::test]
async fn the_console_hears_live_when_a_held_conversations_visitor_writes() {
    let app = spawn_app(Backend::Sqlite).await;
    let agent = app.agent("Camille", "agent").await;
    let c = app.create(Some("fr")).await;
    app.ask(&c, "je veux parler à un conseiller").await;
    let claim = format!("/api/v1/agent/conversations/{}/claim", c.id);
    assert_eq!(
        app.agent_post(&agent, &claim, json!({})).await.status(),
        200
    );
    let mut events = Events::open(&app, "/api/v1/agent/events", &agent).await;
    events.until("event: queue", "the first queue event").await;
    app.ask(&c, "Vous êtes là ?").await;
    events
        .until(
            "event: queue",
            "an event right after the visitor's message, not after the 15 s refresh",
        )
        .await;
}

#[tokio::test]
async fn a_conversation_the_visitor_erases_leaves_the_console_live() {
    let app = spawn_app(Backend::Sqlite).await;
    let agent = app.agent("Camille", "agent").await;
    let c = app.create(Some("fr")).await;
    app.ask(&c, "je veux parler à un conseiller").await;
    let mut queue = Events::open(&app, "/api/v1/agent/events", &agent).await;
    queue.until("event: queue", "the first queue event").await;
    let path = format!("/api/v1/agent/conversations/{}/events", c.id);
    let mut open = Events::open(&app, &path, &agent).await;
    open.until("event: status", "the open conversation's status")
        .await;
    let erased = app
        .client
        .delete(app.url(&format!("/api/v1/conversations/{}", c.id)))
        .bearer_auth(&c.token)
        .send()
        .await
        .unwrap();
    assert_eq!(erased.status(), 204);
    let why = "the queue hears of the erasure at once, not after the 15 s refresh";
    queue.until("event: queue", why).await;
    // The open conversation's stream ends at once (the console then finds it gone).
    let ended = tokio::time::timeout(Duration::from_secs(5), open.0.next()).await;
    assert!(matches!(ended, Ok(None)), "the stream ends: {ended:?}");
    let (_, q) = app.agent_get(&agent, "/api/v1/agent/queue").await;
    assert_eq!(q["waiting"], json!([]));
}

#[tokio::test]
async fn the_console_speaks_the_browsers_language_or_the_one_asked() {
    let app = spawn_app(Backend::Sqlite).await;
    let page = |lang: &'static str| {
        app.client
            .get(app.url("/agent"))
            .header("Accept-Language", lang)
            .send()
    };
    let fr = page("fr-FR,fr;q=0.9").await.unwrap().text().await.unwrap();
    assert!(fr.contains(r#"<html lang="fr">"#) && fr.contains("Se connecter"));
    let en = page("de-DE,en;q=0.5").await.unwrap().text().await.unwrap();
    assert!(en.contains(r#"<html lang="en">"#) && en.contains("Sign in"));
    let (status, asked) = app.console_page(None, "/agent?lang=en").await;
    assert_eq!(status, 200);
    assert!(asked.contains("Hand back to the assistant"));
    let (status, body) = app.console_page(None, "/agent?lang=zz").await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("unsupported_locale"));
}
