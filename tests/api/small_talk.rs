//! "Bonjour" and "merci": a fixed reply that says what the assistant is, never a decline,
//! never a reason to call a person, never an unanswered question for the operators.

use crate::helpers::backends;
use crate::helpers::spawn_app;
use serde_json::{json, Value};

#[tokio::test]
async fn small_talk_gets_a_fixed_reply_and_is_neither_an_answer_nor_a_decline() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let operator = app.agent("Olga", "operator").await;
        let c = app.create(Some("fr")).await;
        app.consent(&c, true).await;
        let hello = app.ask(&c, "Bonjour").await;
        let reply = &hello["reply"];
        assert_eq!(reply["kind"], "small_talk", "{backend:?}: {hello}");
        assert_eq!(reply["citations"], json!([]));
        assert!(reply["text"]
            .as_str()
            .unwrap()
            .contains("assistant automatique (IA)"));
        let why: Value = app.why(&c, reply).await;
        assert_eq!(
            (&why["rule"], &why["small_talk"]),
            (&json!("small_talk"), &json!("greeting"))
        );
        assert!(
            why["explanation"]
                .as_str()
                .unwrap()
                .contains("une salutation"),
            "{why}"
        );

        // Two declines in a row call a person (after_declines = 2); politeness in between
        // neither counts as one nor resets the count.
        for (text, kind) in [
            ("merci beaucoup", "small_talk"),
            ("d'accord", "small_talk"),
            ("Vendez-vous des vélos électriques ?", "no_answer"),
            ("merci", "small_talk"),
        ] {
            let r = app.ask(&c, text).await;
            assert_eq!(r["reply"]["kind"], kind, "{text} ({backend:?})");
            assert_eq!(r["status"], "bot", "{text}");
        }
        let r = app.ask(&c, "Et des trottinettes électriques ?").await;
        assert_eq!(
            r["reply"]["kind"], "handoff",
            "{backend:?}: the second decline"
        );

        // A greeting with a question in it is a question.
        let d = app.create(Some("fr")).await;
        let r = app.ask(&d, "Bonjour, où est mon colis ?").await;
        assert_eq!(r["reply"]["kind"], "answer");

        // Only the declined questions are gaps, and the public figures count the two
        // questions of the consenting visitor, not its four polite words.
        let gaps: Value = app.agent_get(&operator, "/api/v1/gaps").await.1;
        assert!(!gaps.to_string().contains("merci"), "{gaps}");
        assert!(
            !gaps.to_string().to_lowercase().contains("bonjour"),
            "{gaps}"
        );
        let page = app.page("/transparency?lang=en").await;
        let figures = page.split("(1 conversations, ").nth(1).unwrap_or(&page);
        assert!(
            figures.starts_with("2 questions)"),
            "{backend:?}: {}",
            &figures[..40.min(figures.len())]
        );
    }
}

/// Asked whether it is a person, the assistant says plainly that it is an AI (AI Act art.
/// 50) instead of "I can't find a reliable answer"; a request for a person after the
/// question is still a request.
#[tokio::test]
async fn asked_whether_it_is_a_bot_the_assistant_says_it_is_an_ai() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        for (locale, question, says) in [
            (
                "en",
                "Is this a bot?",
                "I am an automated assistant (an AI), not a person.",
            ),
            (
                "fr",
                "Je parle à une vraie personne ?",
                "Je suis un assistant automatique (une IA), pas une personne.",
            ),
        ] {
            let c = app.create(Some(locale)).await;
            let r = app.ask(&c, question).await;
            let reply = &r["reply"];
            assert_eq!(reply["kind"], "small_talk", "{backend:?}: {r}");
            assert!(reply["text"].as_str().unwrap().starts_with(says), "{reply}");
            let why: Value = app.why(&c, reply).await;
            assert_eq!(why["small_talk"], "about_the_assistant", "{why}");
        }
        let c = app.create(Some("en")).await;
        let r = app
            .ask(&c, "are you a human? I want to talk to a person")
            .await;
        assert_eq!(r["status"], "waiting_for_agent", "{backend:?}: {r}");
    }
}
