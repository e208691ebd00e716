//! A visitor writing in German or Spanish is told, in French and English, which languages
//! the assistant answers in, is offered a person, and counts as their own group in the
//! equity report: the shop sees how many visitors it cannot serve in their language.

use crate::helpers::{backends, report_group, spawn_app};
use serde_json::Value;

#[tokio::test]
async fn a_question_in_german_is_told_the_languages_and_counted_as_german() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let admin = app.agent("Alex", "admin").await;
        let c = app.create(Some("fr")).await;
        app.consent(&c, true).await;
        let r = app.ask(&c, "Wo ist mein Paket?").await;
        let reply = &r["reply"];
        assert_eq!(reply["kind"], "no_answer", "{backend:?}: {r}");
        // Marked, so that the widget does not ask "Helpful?" under a notice of languages.
        assert_eq!(reply["written_in"], "de", "{r}");
        let text = reply["text"].as_str().unwrap();
        assert!(
            text.starts_with("Désolé, je ne réponds qu'en français et en anglais.")
                && text.contains("Sorry, I can only answer in French or English."),
            "{text}"
        );
        let why: Value = app.why(&c, reply).await;
        assert_eq!(
            (&why["rule"], &why["written_in"]),
            (&"unsupported_language".into(), &"de".into())
        );
        assert!(
            why["explanation"]
                .as_str()
                .unwrap()
                .contains("écrit en allemand"),
            "{why}"
        );
        assert_eq!(why["candidates"], serde_json::json!([]), "nothing searched");

        // The second one in a row goes to a person, said in both languages.
        let r = app
            .ask(&c, "Ich habe meine Bestellung nicht erhalten")
            .await;
        assert_eq!(r["status"], "waiting_for_agent", "{backend:?}");
        let queue = app.agent_get(&admin, "/api/v1/agent/queue").await.1;
        assert_eq!(queue["waiting"][0]["writes_in"], "de", "{queue}");
        // A visitor who went on in French is a French visitor again.
        let e = app.create(Some("fr")).await;
        app.ask(&e, "Wo ist mein Paket?").await;
        let french = app.ask(&e, "Où est mon colis ?").await;
        assert!(french["reply"].get("written_in").is_none(), "{french}");
        app.ask(&e, "je veux parler à un conseiller").await;
        let queue = app.agent_get(&admin, "/api/v1/agent/queue").await.1;
        assert_eq!(
            queue["waiting"][1]["writes_in"],
            serde_json::Value::Null,
            "{queue}"
        );
        let text = r["reply"]["text"].as_str().unwrap();
        assert!(
            text.contains("C'est noté") && text.contains("Understood:"),
            "{text}"
        );

        let d = app.create(Some("fr")).await;
        app.consent(&d, true).await;
        assert_eq!(
            app.ask(&d, "Où est mon colis ?").await["reply"]["kind"],
            "answer"
        );

        // No article in French or English would answer it: it is not among the gaps.
        let gaps = app.agent_get(&admin, "/api/v1/gaps").await.1;
        assert!(!gaps.to_string().contains("Paket"), "{backend:?}: {gaps}");

        // The public page: 3 questions of consenting visitors, 2 of them in German.
        let page = app.page("/transparency?lang=en").await;
        let row = page
            .split("Written in a language other than French and English")
            .nth(1)
            .unwrap_or_else(|| panic!("no other-language row: {page}"));
        assert!(
            row.contains("<td>67 %</td>"),
            "{backend:?}: {}",
            &row[..200.min(row.len())]
        );

        let report: Value = app.agent_get(&admin, "/api/v1/audit/report").await.1;
        let de = report_group(&report, "language", "de");
        assert_eq!(de["answer_rate"], 0.0, "{backend:?}: {de}");
        assert_eq!(
            report_group(&report, "language", "fr")["answer_rate"],
            100.0
        );
        let warning = report["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["group"] == "de")
            .unwrap_or_else(|| panic!("no warning for de: {report}"));
        assert_eq!(
            warning["cause"]["kind"], "unsupported_language",
            "{warning}"
        );
    }
}
