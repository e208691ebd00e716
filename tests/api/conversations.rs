//! Conversation stories: disclosure, handoff, why records, transcripts.

use crate::helpers::{backends, cited, spawn_app};
use serde_json::{json, Value};

#[tokio::test]
async fn every_conversation_starts_with_the_ai_and_data_notices_in_its_language() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let fr = app.create(Some("fr")).await;
        let d = &fr.body["disclosure"];
        assert_eq!(fr.body["status"], "bot");
        assert!(
            d["ai_notice"].as_str().unwrap().contains("une IA"),
            "{backend:?}"
        );
        assert!(d["data_use"].as_str().unwrap().contains("30 jours"));
        assert!(d["version"].as_str().unwrap().starts_with("d-"));
        let en = app.create(Some("en")).await;
        assert!(en.body["disclosure"]["ai_notice"]
            .as_str()
            .unwrap()
            .contains("an AI"));
        assert_eq!(en.body["disclosure"]["version"], d["version"]);

        let t = app.transcript(&fr).await;
        assert_eq!(t["disclosure"]["version"], d["version"]);
        assert_eq!(t["disclosure"]["shown_at"], d["shown_at"]);
        assert_eq!(t["messages"], json!([]));
    }
}

#[tokio::test]
async fn the_why_record_explains_the_answer_with_candidates_and_matched_words() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let c = app.create(Some("fr")).await;
        let body = app.ask(&c, "Combien de temps prend la livraison ?").await;
        let reply = &body["reply"];
        assert_eq!(reply["author"], "bot");
        assert_eq!(reply["ai_generated"], true);
        let why_url = reply["why_url"].as_str().unwrap();
        let why: serde_json::Value = app.get(&c, why_url).await.json().await.unwrap();
        assert_eq!(why["decision"], "answer");
        // The question is one of the article's example questions, and the record says so.
        assert_eq!(why["rule"], "example_question");
        assert_eq!(
            why["example_question"]["question"],
            "Combien de temps prend la livraison ?"
        );
        assert_eq!(why["language"], "fr");
        assert_eq!(why["human_reviewed"], false);
        assert!(why["confidence"].as_f64().unwrap() >= why["threshold"].as_f64().unwrap());
        assert_eq!(why["candidates"][0]["article_id"], "fr-livraison");
        assert!(why["candidates"][0]["matched_terms"]
            .as_array()
            .unwrap()
            .contains(&json!("livraison")));
        assert!(why["candidates"][0]["passage"]
            .as_str()
            .unwrap()
            .contains("2 à 4 jours"));
        assert!(why["explanation"]
            .as_str()
            .unwrap()
            .contains("Délais et frais de livraison"));
        assert!(why["knowledge_version"]
            .as_str()
            .unwrap()
            .starts_with("kb-"));

        let body = app
            .ask(&c, "Quels sont les frais de livraison pour la Corse ?")
            .await;
        let why: serde_json::Value = app.why(&c, &body["reply"]).await;
        assert_eq!(why["rule"], "above_threshold");
        assert_eq!(why["example_question"], json!(null));
        let matched = why["candidates"][0]["matched_terms"].as_array().unwrap();
        assert!(
            matched.contains(&json!("Corse")) && matched.contains(&json!("frais")),
            "{matched:?}"
        );
        assert!(why["signals"]["coverage"].as_f64().unwrap() > 0.5);
    }
}

#[tokio::test]
async fn asking_for_a_human_in_words_queues_the_conversation_and_silences_the_bot() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let first = app.create(Some("fr")).await;
        let body = app.ask(&first, "je veux parler à un conseiller").await;
        assert_eq!(body["status"], "waiting_for_agent");
        assert_eq!(body["reply"]["kind"], "handoff");
        assert_eq!(body["queue_position"], 1);
        assert!(body["reply"]["text"]
            .as_str()
            .unwrap()
            .contains("position 1"));

        let second = app.create(Some("en")).await;
        let body = app.ask(&second, "human please").await;
        assert_eq!(body["queue_position"], 2, "{backend:?}");

        // While waiting for a person, the assistant does not answer.
        let body = app
            .ask(&first, "Combien de temps prend la livraison ?")
            .await;
        assert_eq!(body["status"], "waiting_for_agent");
        assert_eq!(body["reply"], json!(null));
        let t = app.transcript(&first).await;
        let authors: Vec<_> = t["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["author"].clone())
            .collect();
        assert_eq!(
            authors,
            vec![json!("visitor"), json!("bot"), json!("visitor")]
        );
        assert_eq!(t["queue_position"], 1);
    }
}

#[tokio::test]
async fn the_human_button_queues_the_conversation_once() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let c = app.create(Some("en")).await;
        let url = app.url(&format!("/api/v1/conversations/{}/handoff", c.id));
        for _ in 0..2 {
            let res = app
                .client
                .post(&url)
                .bearer_auth(&c.token)
                .json(&json!({"reason": "billing"}))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
            let body: serde_json::Value = res.json().await.unwrap();
            assert_eq!(body["status"], "waiting_for_agent");
            assert_eq!(body["queue_position"], 1);
            // Nobody is signed in to the console: the visitor is told so.
            assert_eq!(body["people_online"], 0);
        }
        assert_eq!(app.transcript(&c).await["status"], "waiting_for_agent");
    }
}

#[tokio::test]
async fn the_transcript_keeps_every_message_with_its_author_and_citation() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let c = app.create(Some("en")).await;
        let body = app.ask(&c, "How do I reset my password?").await;
        assert_eq!(cited(&body).as_deref(), Some("en-password"));
        app.ask(&c, "What's the weather like in Lyon tomorrow?")
            .await;
        let t = app.transcript(&c).await;
        let m = t["messages"].as_array().unwrap();
        assert_eq!(m.len(), 4);
        assert_eq!(m[0]["author"], "visitor");
        assert_eq!(m[0]["ai_generated"], false);
        assert_eq!(m[1]["citations"][0]["article_id"], "en-password");
        assert_eq!(
            m[1]["citations"][0]["url"],
            "https://help.maison-lumiere.example/en/password"
        );
        assert_eq!(m[3]["kind"], "no_answer");
        assert_eq!(m[3]["citations"], json!([]));
    }
}

#[tokio::test]
async fn without_a_locale_each_question_is_answered_in_its_own_language() {
    let app = spawn_app(crate::helpers::Backend::Sqlite).await;
    let c = app.create(None).await;
    let fr = app.ask(&c, "Combien de temps prend la livraison ?").await;
    assert_eq!(cited(&fr).as_deref(), Some("fr-livraison"));
    let en = app.ask(&c, "How long does delivery take?").await;
    assert_eq!(cited(&en).as_deref(), Some("en-shipping"));
}

#[tokio::test]
async fn a_question_clearly_in_the_other_language_is_answered_in_it() {
    // The widget on the French page sends `locale: fr`; an English visitor types in English.
    let app = spawn_app(crate::helpers::Backend::Sqlite).await;
    let c = app.create(Some("fr")).await;
    let en = app.ask(&c, "How long does delivery take?").await;
    assert_eq!(cited(&en).as_deref(), Some("en-shipping"), "{en}");
    // A French question, and one English word in it, stay French.
    let fr = app.ask(&c, "Combien de temps prend la livraison ?").await;
    assert_eq!(cited(&fr).as_deref(), Some("fr-livraison"));
    let short = app.ask(&c, "refund ?").await;
    let text = short["reply"]["text"].as_str().unwrap();
    let french = text.contains("rembours") || text.contains("Je ne trouve pas");
    assert!(french, "one English word keeps the page's language: {text}");
}

/// The answer to a send can be lost on a bad connection; the widget then sends the same
/// message again under the same `client_id`, and gets the stored turn back: one question,
/// one answer, whether the resend comes after the first or at the same time.
#[tokio::test]
async fn a_message_sent_twice_under_one_client_id_is_stored_and_answered_once() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let c = app.create(Some("en")).await;
        let send = |client_id: &str| {
            app.client
                .post(app.url(&format!("/api/v1/conversations/{}/messages", c.id)))
                .bearer_auth(&c.token)
                .json(&json!({"text": "How long does delivery take?", "client_id": client_id}))
                .send()
        };
        let first: Value = send("m-1").await.unwrap().json().await.unwrap();
        let again: Value = send("m-1").await.unwrap().json().await.unwrap();
        assert_eq!(first["reply"]["kind"], "answer", "{backend:?}");
        assert_eq!(again, first, "{backend:?}: the same turn, the same ids");
        let (x, y) = tokio::join!(send("m-2"), send("m-2"));
        let (x, y): (Value, Value) = (
            x.unwrap().json().await.unwrap(),
            y.unwrap().json().await.unwrap(),
        );
        assert_eq!(
            x["visitor_message"]["id"], y["visitor_message"]["id"],
            "{backend:?}: {x} {y}"
        );
        assert_eq!(x["reply"]["id"], y["reply"]["id"]);
        let other: Value = send("m-3").await.unwrap().json().await.unwrap();
        assert_ne!(
            other["visitor_message"]["id"],
            first["visitor_message"]["id"]
        );
        let t = app.transcript(&c).await;
        let visitor = t["messages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["author"] == "visitor")
            .count();
        assert_eq!(visitor, 3, "{backend:?}: m-1, m-2 and m-3 once each");
        // The same name in another conversation is another message.
        let d = app.create(Some("en")).await;
        let res = app
            .client
            .post(app.url(&format!("/api/v1/conversations/{}/messages", d.id)))
            .bearer_auth(&d.token)
            .json(&json!({"text": "How long does delivery take?", "client_id": "m-1"}))
            .send()
            .await
            .unwrap();
        let theirs: Value = res.json().await.unwrap();
        assert_ne!(
            theirs["visitor_message"]["id"],
            first["visitor_message"]["id"]
        );
        for bad in ["", "with space", &"x".repeat(65)] {
            let res = send(bad).await.unwrap();
            assert_eq!(res.status(), 422, "{bad:?}");
            let err: Value = res.json().await.unwrap();
            assert_eq!(err["error"]["code"], "invalid_field");
        }
    }
}

/// A `client_id` names one message. Sent again with other words it is refused, not answered
/// with the first message: that would drop the new words while saying they were taken. A
/// resend whose personal data was masked is still the same message.
#[tokio::test]
async fn a_client_id_sent_again_with_other_words_is_refused_and_nothing_is_stored() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let c = app.create(Some("en")).await;
        let send = |text: &str| {
            app.client
                .post(app.url(&format!("/api/v1/conversations/{}/messages", c.id)))
                .bearer_auth(&c.token)
                .json(&json!({"text": text, "client_id": "m-1"}))
                .send()
        };
        let text = "Where is my parcel? My email is marie@example.com";
        let first: Value = send(text).await.unwrap().json().await.unwrap();
        let again: Value = send(text).await.unwrap().json().await.unwrap();
        assert_eq!(
            again, first,
            "{backend:?}: the masked resend is the same turn"
        );
        let res = send("Do you ship to Belgium?").await.unwrap();
        assert_eq!(res.status(), 409, "{backend:?}");
        let err: Value = res.json().await.unwrap();
        assert_eq!(err["error"]["code"], "client_id_reused", "{err}");
        let t = app.transcript(&c).await;
        let texts: Vec<&str> = t["messages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["author"] == "visitor")
            .map(|m| m["text"].as_str().unwrap())
            .collect();
        assert_eq!(texts.len(), 1, "{backend:?}: {texts:?}");
        assert!(!texts[0].contains("Belgium"));
    }
}
