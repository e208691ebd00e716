//! The team's side of a conversation beyond the chat: visitors who asked to be contacted
//! back, and replies and notes sent again after a lost answer.

use crate::helpers::{backends, spawn_app, Conv, TestApp};
use serde_json::{json, Value};

/// Nobody online: the visitor leaves an email to be contacted back. The team sees, in the
/// queue, which conversations wait for a call-back rather than a chat reply, and in the
/// conversation the details themselves, with the day they are deleted; closing the
/// conversation deletes them at once.
#[tokio::test]
async fn the_team_sees_who_asked_to_be_contacted_back() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let c = app.create(Some("fr")).await;
        let r = app.ask(&c, "Je veux parler à un humain").await;
        assert_eq!(r["reply"]["kind"], "handoff", "{backend:?}");
        let res = app
            .client
            .post(app.url(&format!("/api/v1/conversations/{}/contact", c.id)))
            .bearer_auth(&c.token)
            .json(&json!({"email": "marie@exemple.fr", "consent": true}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        let stays = app.create(Some("en")).await;
        app.ask(&stays, "I want to talk to a human").await;

        let agent = app.agent("Camille", "agent").await;
        let (_, queue) = app.agent_get(&agent, "/api/v1/agent/queue").await;
        let flags: Vec<(String, bool)> = queue["waiting"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| {
                (
                    w["id"].as_str().unwrap().to_string(),
                    w["follow_up"].as_bool().unwrap(),
                )
            })
            .collect();
        assert_eq!(flags, [(c.id.clone(), true), (stays.id.clone(), false)]);
        let path = format!("/api/v1/agent/conversations/{}", c.id);
        let (_, conv) = app.agent_get(&agent, &path).await;
        assert_eq!(conv["contact"]["email"], "marie@exemple.fr");
        assert_eq!(conv["contact"]["phone"], Value::Null);
        let left = conv["contact"]["left_at"].as_str().unwrap();
        let deleted = conv["contact"]["deleted_by"].as_str().unwrap();
        assert!(
            deleted > left,
            "{left} then {deleted}: kept 7 days by default"
        );
        let (_, other) = app
            .agent_get(&agent, &format!("/api/v1/agent/conversations/{}", stays.id))
            .await;
        assert_eq!(other["contact"], Value::Null);
        // Claimed, it is still marked in the holder's own list.
        let claim = app
            .agent_post(&agent, &format!("{path}/claim"), json!({}))
            .await;
        assert_eq!(claim.status(), 200);
        let (_, queue) = app.agent_get(&agent, "/api/v1/agent/queue").await;
        assert_eq!(queue["mine"][0]["follow_up"], true);
        // Closing says the follow-up is done: the details go then, and the log says so.
        let close = json!({"resolution": "called back"});
        let closed = app
            .agent_post(&agent, &format!("{path}/close"), close)
            .await;
        assert_eq!(closed.status(), 200);
        let (_, conv) = app.agent_get(&agent, &path).await;
        assert_eq!(conv["contact"], Value::Null, "{backend:?}");
        let (_, export) = app
            .agent_get(
                &app.agent("Ada", "admin").await,
                &format!("/api/v1/admin/conversations/{}/export", c.id),
            )
            .await;
        assert_eq!(export["contact"], Value::Null, "{export}");
        let log = app.store.audit_entries().await.unwrap();
        let deleted = log
            .iter()
            .find(|e| e.action == "contact_deleted")
            .expect("logged");
        assert_eq!(
            (deleted.target.as_str(), deleted.actor.as_str()),
            (c.id.as_str(), "camille@shop.example")
        );
    }
}

/// The console names each reply and note it sends; a resend under the same name (the answer
/// to the first send was lost) shows the visitor the words once and logs them once.
#[tokio::test]
async fn a_team_message_resent_under_one_client_id_reaches_the_visitor_once() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let (agent, c, path) = held(&app).await;
        let mut ids = Vec::new();
        for (what, client_id) in [
            ("messages", "r-1"),
            ("messages", "r-1"),
            ("notes", "n-1"),
            ("notes", "n-1"),
        ] {
            let body = json!({"text": "Je regarde votre commande.", "client_id": client_id});
            let res = app
                .agent_post(&agent, &format!("{path}/{what}"), body)
                .await;
            assert_eq!(res.status(), 200, "{what} ({backend:?})");
            let m: Value = res.json().await.unwrap();
            ids.push(m["id"].as_str().unwrap().to_string());
        }
        assert_eq!(
            ids[0], ids[1],
            "{backend:?}: the resent reply is the stored one"
        );
        assert_eq!(ids[2], ids[3], "and so is the resent note");
        let t = app.transcript(&c).await;
        let shown = t["messages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["author"] == "agent")
            .count();
        assert_eq!(shown, 1, "{backend:?}: the visitor sees the reply once");
        let log = app.store.audit_entries().await.unwrap();
        let logged = |action: &str| log.iter().filter(|e| e.action == action).count();
        assert_eq!((logged("agent_message"), logged("internal_note")), (1, 1));
        let bad = json!({"text": "x", "client_id": "not valid!"});
        assert_eq!(
            app.agent_post(&agent, &format!("{path}/messages"), bad)
                .await
                .status(),
            422
        );
        // A used name with other words, or a note's name on a reply, is refused: nothing
        // reaches the visitor or the log.
        for (what, client_id, text) in [
            ("messages", "r-1", "Autre chose."),
            ("messages", "n-1", "Je regarde votre commande."),
        ] {
            let body = json!({"text": text, "client_id": client_id});
            let res = app
                .agent_post(&agent, &format!("{path}/{what}"), body)
                .await;
            assert_eq!(res.status(), 409, "{client_id} ({backend:?})");
            let err: Value = res.json().await.unwrap();
            assert_eq!(err["error"]["code"], "client_id_reused");
        }
        let agent_messages = |t: Value| {
            t["messages"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|m| m["author"] == "agent")
                .count()
        };
        assert_eq!(agent_messages(app.transcript(&c).await), 1, "{backend:?}");
        let log = app.store.audit_entries().await.unwrap();
        assert_eq!(
            log.iter().filter(|e| e.action == "agent_message").count(),
            1
        );
    }
}

/// A person of the team writes to the visitor: the shop's own email, phone and IBAN reach
/// the visitor as written, a card number typed back does not — it is masked before it is
/// stored or sent, and the agent is told. An internal note keeps no personal data at all.
#[tokio::test]
async fn a_card_number_an_agent_types_back_is_masked_and_the_shops_details_are_not() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let (agent, c, path) = held(&app).await;
        let reply = "Payez par virement à FR76 3000 6000 0112 3456 7890 189 ou écrivez à \
                     compta@boutique.fr ; votre carte 4970 1012 3456 7893 n'est pas utile.";
        let res = app
            .agent_post(&agent, &format!("{path}/messages"), json!({"text": reply}))
            .await;
        assert_eq!(res.status(), 200, "{backend:?}");
        let sent: Value = res.json().await.unwrap();
        let expected = "Payez par virement à FR76 3000 6000 0112 3456 7890 189 ou écrivez à \
                        compta@boutique.fr ; votre carte [card] n'est pas utile.";
        assert_eq!(sent["text"], expected);
        assert_eq!(sent["redacted"], json!(["card"]));
        let note = app
            .agent_post(
                &agent,
                &format!("{path}/notes"),
                json!({"text": "rappeler marie@exemple.fr"}),
            )
            .await;
        let note: Value = note.json().await.unwrap();
        assert_eq!(
            (note["text"].as_str(), &note["redacted"]),
            (Some("rappeler [email]"), &json!(["email"]))
        );
        // What the visitor sees, and what the DPO's export holds, is the masked text.
        let seen = app.transcript(&c).await.to_string();
        assert!(
            seen.contains("votre carte [card]") && !seen.contains("7893"),
            "{seen}"
        );
        assert!(seen.contains("compta@boutique.fr") && seen.contains("FR76 3000"));
        let stored = app.store.messages(&c.id).await.unwrap();
        assert!(stored
            .iter()
            .all(|m| !m.text.contains("4970 1012") && !m.text.contains("marie@")));
    }
}

/// A French visitor who asked for a person, and Camille, who claimed the conversation: her
/// session, the conversation, and its path in the agent API.
async fn held(app: &TestApp) -> (String, Conv, String) {
    let agent = app.agent("Camille", "agent").await;
    let c = app.create(Some("fr")).await;
    app.ask(&c, "Je veux parler à un humain").await;
    let path = format!("/api/v1/agent/conversations/{}", c.id);
    let claim = format!("{path}/claim");
    assert_eq!(
        app.agent_post(&agent, &claim, json!({})).await.status(),
        200
    );
    (agent, c, path)
}
