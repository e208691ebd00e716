//! Privacy stories: redaction before storage, consent, export, erasure down to the file,
//! retention with an injected clock, follow-up contact details.

use crate::helpers::{backends, spawn_app, test_settings, Backend, TestApp};
use candor::privacy::retention::{self, RetentionSettings};
use candor::storage::{self, ConversationRow, HandoffRequest, MessageRow, Turn};
use serde_json::{json, Value};

const SECRET: &str = "Zanzibar-Quokka-7731";

async fn export(app: &TestApp, c: &crate::helpers::Conv, format: &str) -> reqwest::Response {
    app.get(
        c,
        &format!("/api/v1/conversations/{}/export?format={format}", c.id),
    )
    .await
}

#[tokio::test]
async fn personal_data_is_redacted_before_storage_and_in_the_why_record() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let c = app.create(Some("fr")).await;
        let body = app
            .ask(&c, "Remboursement svp, ma carte 4970 1012 3456 7893, écrivez à jean.dupont@exemple.fr ou au 06 12 34 56 78")
            .await;
        assert_eq!(
            body["visitor_message"]["redacted"],
            json!(["email", "card", "phone"])
        );
        let t = app.transcript(&c).await;
        let stored = t["messages"][0]["text"].as_str().unwrap();
        assert_eq!(
            stored,
            "Remboursement svp, ma carte [card], écrivez à [email] ou au [phone]"
        );
        let everything = export(&app, &c, "json").await.text().await.unwrap();
        // Pieces of the card and phone numbers long enough not to occur by chance in the
        // export's ids, hashes, times and scores ("4970" alone once matched one of them).
        for leaked in [
            "4970 1012",
            "3456 7893",
            "4970101234567893",
            "jean.dupont",
            "06 12 34",
            "0612345678",
        ] {
            assert!(
                !everything.contains(leaked),
                "{leaked} stored ({backend:?})"
            );
        }
        // Order numbers and prices are not personal data.
        let body = app.ask(&c, "commande 100234567 de 49,90 €").await;
        assert_eq!(
            body["visitor_message"]["text"],
            "commande 100234567 de 49,90 €"
        );
    }
}

/// Numbers copied from a page or an app arrive with non-breaking, narrow or zero-width
/// spaces between the digits (French pages format numbers so): they are personal data all
/// the same, redacted before storage.
#[tokio::test]
async fn personal_data_with_invisible_or_non_breaking_spaces_is_redacted_too() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let c = app.create(Some("fr")).await;
        let body = app
            .ask(
                &c,
                "ma carte 4970\u{a0}1012\u{a0}3456\u{a0}7893, tél. 06\u{200b}12\u{200b}34\u{200b}56\u{200b}78, \
                 mail jean\u{200b}.dupont@exemple.fr",
            )
            .await;
        assert_eq!(
            body["visitor_message"]["redacted"],
            json!(["email", "card", "phone"]),
            "{backend:?}"
        );
        assert_eq!(
            body["visitor_message"]["text"],
            "ma carte [card], tél. [phone], mail [email]"
        );
        // The reason given for a person is the visitor's own text too.
        let res = app
            .client
            .post(app.url(&format!("/api/v1/conversations/{}/handoff", c.id)))
            .bearer_auth(&c.token)
            .json(&json!({"reason": "rappelez-moi au 07\u{a0}98\u{a0}76\u{a0}54\u{a0}32"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let everything = export(&app, &c, "json").await.text().await.unwrap();
        assert!(
            everything.contains("rappelez-moi au [phone]"),
            "{everything}"
        );
        // With their words around them: bare digits can occur in ids and times.
        for leaked in ["carte 4970", "7893,", "dupont", "tél. 06", "au 07"] {
            assert!(
                !everything.contains(leaked),
                "{leaked} stored ({backend:?})"
            );
        }
    }
}

#[tokio::test]
async fn consent_is_opt_in_recorded_with_receipts_and_exported() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let c = app.create(Some("en")).await;
        let url = app.url(&format!("/api/v1/conversations/{}/consent", c.id));
        let before: Value = export(&app, &c, "json").await.json().await.unwrap();
        assert_eq!(before["conversation"]["keep_transcript"], false);
        for keep in [true, false] {
            let res = app
                .client
                .put(&url)
                .bearer_auth(&c.token)
                .json(&json!({"keep_transcript": keep}))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
            let receipt: Value = res.json().await.unwrap();
            assert_eq!(receipt["keep_transcript"], keep);
            assert_eq!(receipt["notice_version"], c.body["disclosure"]["version"]);
        }
        let after: Value = export(&app, &c, "json").await.json().await.unwrap();
        let receipts = after["consent_receipts"].as_array().unwrap();
        assert_eq!(receipts.len(), 2, "{backend:?}");
        assert_eq!(receipts[0]["keep_transcript"], true);
        assert_eq!(after["conversation"]["keep_transcript"], false);
    }
}

#[tokio::test]
async fn the_export_holds_everything_of_this_conversation_and_nothing_of_another() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let mine = app.create(Some("en")).await;
        let other = app.create(Some("en")).await;
        app.ask(&mine, "How do I reset my password?").await;
        app.ask(&other, &format!("refund for {SECRET}")).await;
        let contact = app
            .client
            .post(app.url(&format!("/api/v1/conversations/{}/contact", mine.id)))
            .bearer_auth(&mine.token)
            .json(&json!({"email": "me@example.org", "consent": true}))
            .send()
            .await
            .unwrap();
        assert_eq!(contact.status(), 201);
        app.ask(&mine, "human please").await;
        let res = export(&app, &mine, "json").await;
        assert!(res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment"));
        let e: Value = res.json().await.unwrap();
        assert_eq!(e["messages"].as_array().unwrap().len(), 4);
        assert_eq!(e["why_records"].as_array().unwrap().len(), 2);
        assert_eq!(
            e["why_records"][0]["candidates"][0]["article_id"],
            "en-password"
        );
        assert_eq!(
            e["disclosure_receipts"][0]["version"],
            mine.body["disclosure"]["version"]
        );
        assert_eq!(e["handoff_events"][0]["trigger_kind"], "words");
        assert_eq!(e["contact"]["email"], "me@example.org");
        assert!(!e.to_string().contains(SECRET), "{backend:?}");
        assert!(
            e.to_string().find("token").is_none(),
            "no token or hash in the export"
        );

        let html = export(&app, &mine, "html").await.text().await.unwrap();
        assert!(html.contains("Everything we keep about this conversation"));
        assert!(html.contains("How do I reset my password?"));
    }
}

#[tokio::test]
async fn contact_details_need_explicit_consent_and_a_valid_value() {
    let app = spawn_app(Backend::Sqlite).await;
    let c = app.create(Some("fr")).await;
    let url = app.url(&format!("/api/v1/conversations/{}/contact", c.id));
    let post = |body: Value| {
        app.client
            .post(&url)
            .bearer_auth(&c.token)
            .json(&body)
            .send()
    };
    let res = post(json!({"email": "a@b.fr", "consent": false}))
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"]["code"],
        "consent_required"
    );
    let res = post(json!({"phone": "12", "consent": true})).await.unwrap();
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"]["code"],
        "invalid_contact"
    );
}

/// Every file under `dir`, read as bytes.
fn files_contain(dir: &std::path::Path, needle: &[u8]) -> Vec<String> {
    let mut hits = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            hits.extend(files_contain(&path, needle));
        } else if let Ok(bytes) = std::fs::read(&path) {
            if bytes.windows(needle.len()).any(|w| w == needle) {
                hits.push(path.display().to_string());
            }
        }
    }
    hits
}

#[tokio::test]
async fn erasure_removes_the_conversation_down_to_the_database_files() {
    let data_dir = tempfile::tempdir().unwrap();
    let path = data_dir.path().to_path_buf();
    let settings = test_settings(Backend::Sqlite, &path).await;
    let app = crate::helpers::spawn_with(settings, data_dir, Backend::Sqlite).await;
    let gone = app.create(Some("en")).await;
    let kept = app.create(Some("en")).await;
    app.ask(&gone, &format!("Where is my parcel {SECRET}?"))
        .await;
    app.ask(&kept, "Where is my parcel?").await;
    assert!(
        !files_contain(&path, SECRET.as_bytes()).is_empty(),
        "the text was stored first"
    );

    let res = app
        .client
        .delete(app.url(&format!("/api/v1/conversations/{}", gone.id)))
        .bearer_auth(&gone.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(
        files_contain(&path, SECRET.as_bytes()),
        Vec::<String>::new()
    );
    let res = app
        .get(&gone, &format!("/api/v1/conversations/{}", gone.id))
        .await;
    assert_eq!(res.status(), 404);
    assert_eq!(
        app.transcript(&kept).await["messages"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn erasure_works_on_every_backend() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let c = app.create(Some("fr")).await;
        app.ask(&c, "je veux parler à un conseiller").await;
        let url = app.url(&format!("/api/v1/conversations/{}", c.id));
        let res = app
            .client
            .delete(&url)
            .bearer_auth(&c.token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 204, "{backend:?}");
        let again = app
            .client
            .delete(&url)
            .bearer_auth(&c.token)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 404);
    }
}

pub(crate) fn conversation(id: &str, updated_at: i64, keep: bool) -> ConversationRow {
    ConversationRow {
        id: id.into(),
        token_hash: "h".into(),
        locale: "en".into(),
        locale_explicit: true,
        status: "bot".into(),
        disclosure_version: "d-test".into(),
        disclosure_shown_at: updated_at,
        origin: None,
        declined_streak: 0,
        queue_entered_at: None,
        handoff_reason: None,
        handoff_trigger: None,
        created_at: updated_at,
        updated_at,
        keep_transcript: keep,
        agent_id: None,
        visitor_seen_at: None,
    }
}

#[tokio::test]
async fn retention_purges_what_is_past_its_period_with_an_injected_clock() {
    const DAY: i64 = 86_400_000;
    for backend in backends() {
        let dir = tempfile::tempdir().unwrap();
        let settings = test_settings(backend, dir.path()).await;
        let store = storage::connect(settings.database_url.as_deref(), dir.path())
            .await
            .unwrap();
        let now = 1_000 * DAY;
        // Three days old: past the 1-day period without consent, within 30 days with it.
        for (id, keep) in [("old-no-consent", false), ("old-consent", true)] {
            store
                .create_conversation(&conversation(id, now - 3 * DAY, false))
                .await
                .unwrap();
            store
                .set_consent(id, keep, "d-test", now - 3 * DAY)
                .await
                .unwrap();
        }
        store
            .create_conversation(&conversation("fresh", now - DAY / 2, false))
            .await
            .unwrap();
        let msg = MessageRow {
            seq: 0,
            author_name: None,
            id: "m1".into(),
            conversation_id: "old-consent".into(),
            author: "visitor".into(),
            ai_generated: false,
            kind: None,
            text: "hi".into(),
            citations: "[]".into(),
            created_at: now - 3 * DAY,
            lang: None,
        };
        let turn = Turn {
            visitor: msg,
            reply: None,
            declined_streak: 0,
            handoff: None::<HandoffRequest>,
            now: now - 3 * DAY,
        };
        store.record_turn(&turn).await.unwrap();
        let policy = RetentionSettings::default();

        let dry = retention::purge(store.as_ref(), &policy, now, true)
            .await
            .unwrap();
        assert_eq!(dry.conversations, 1, "{backend:?}");
        assert!(
            store
                .conversation("old-no-consent")
                .await
                .unwrap()
                .is_some(),
            "a dry run deletes nothing"
        );

        let done = retention::purge(store.as_ref(), &policy, now, false)
            .await
            .unwrap();
        assert_eq!(done, dry);
        assert!(store
            .conversation("old-no-consent")
            .await
            .unwrap()
            .is_none());
        assert!(store.conversation("old-consent").await.unwrap().is_some());
        assert!(store.conversation("fresh").await.unwrap().is_some());

        let later = retention::purge(store.as_ref(), &policy, now + 31 * DAY, false)
            .await
            .unwrap();
        assert_eq!(later.conversations, 2);
        assert!(store.messages("old-consent").await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn the_privacy_page_states_the_configured_periods_in_both_languages() {
    let app = spawn_app(Backend::Sqlite).await;
    let fr = app.page("/privacy").await;
    assert!(
        fr.contains("Responsable du traitement")
            && fr.contains("30 jours après le dernier message")
    );
    let en = app.page("/privacy?lang=en").await;
    assert!(
        en.contains("1 day after the last message") && en.contains("dpo@maison-lumiere.example")
    );
    assert!(
        fr.contains("1 jour après le dernier message"),
        "one day, singular"
    );
    // Who hosts it and that nobody else gets the messages (GDPR art. 13: recipients).
    let app = crate::helpers::spawn_configured(Backend::Sqlite, |s| {
        s.privacy.hosting = "OVHcloud, Roubaix (France)".into();
        s.retention.transcript_days_without_consent = 3;
    })
    .await;
    let fr = app.page("/privacy").await;
    assert!(
        fr.contains("hébergé par OVHcloud, Roubaix (France)"),
        "{fr}"
    );
    assert!(
        fr.contains("aucun fournisseur d'IA") && fr.contains("3 jours après le dernier message")
    );
    let en = app.page("/privacy?lang=en").await;
    assert!(
        en.contains("hosted by OVHcloud, Roubaix (France)")
            && en.contains("sent to no AI provider")
    );
    assert!(en.contains("3 days after the last message"));
    let notice = app.get_json("/api/v1/disclosure?locale=en").await;
    let data_use = notice["data_use"].as_str().unwrap();
    assert!(data_use.contains("How long: 3 days after"), "{data_use}");
}

/// An id as the audit log names conversations and accounts.
static UUID: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}").unwrap()
});

/// A visitor writes to the DPO instead of using the widget: the admin finds the
/// conversation by the contact left in it or by an order number, sends the export and
/// erases it; the audit log says a search was made, never what for.
#[tokio::test]
async fn an_admin_answers_a_request_that_came_by_email() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let admin = app.agent("Ada", "admin").await;
        let agent = app.agent("Camille", "agent").await;
        let c = app.create(Some("fr")).await;
        app.ask(&c, "ma commande 48213 n'est pas arrivée").await;
        let res = app
            .client
            .post(app.url(&format!("/api/v1/conversations/{}/contact", c.id)))
            .bearer_auth(&c.token)
            .json(&json!({"email": "Jean.Dupont@exemple.fr", "phone": "06 12 34 56 78", "consent": true}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        let other = app.create(Some("fr")).await;
        app.ask(&other, "Combien de temps prend la livraison ?")
            .await;

        let search = |query: &str| {
            let path = format!("/api/v1/admin/conversations?{query}");
            let (app, admin) = (&app, admin.clone());
            async move { app.agent_get(&admin, &path).await }
        };
        for query in [
            "contact=jean.dupont%40exemple.fr",
            "contact=06.12.34.56.78",
            "words=48213",
            "words=COMMANDE%2048213&from=2020-01-01",
        ] {
            let (status, found) = search(query).await;
            assert_eq!(status, 200, "{query} ({backend:?})");
            let ids: Vec<&str> = found
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["id"].as_str().unwrap())
                .collect();
            assert_eq!(ids, [c.id.as_str()], "{query} ({backend:?})");
        }
        for query in [
            "words=%25_%25",
            "words=48213&from=2999-01-01",
            "contact=autre%40exemple.fr",
        ] {
            let (status, found) = search(query).await;
            assert_eq!((status, found), (200, json!([])), "{query}");
        }
        for query in ["", "words=ab", "words=48213&from=yesterday"] {
            let (status, err) = search(query).await;
            assert_eq!(
                (status, err["error"]["code"].clone()),
                (400, json!("invalid_query")),
                "{query}"
            );
        }
        let (status, _) = app
            .agent_get(&agent, "/api/v1/admin/conversations?words=48213")
            .await;
        assert_eq!(status, 403, "agents do not search visitors' conversations");

        let (status, export) = app
            .agent_get(
                &admin,
                &format!("/api/v1/admin/conversations/{}/export", c.id),
            )
            .await;
        assert_eq!(status, 200);
        assert!(export.to_string().contains("48213"), "{export}");
        assert_eq!(export["contact"]["phone"], "06 12 34 56 78");
        let (_, log) = app.agent_get(&admin, "/api/v1/audit/log").await;
        let entries = log["entries"].as_array().unwrap();
        let searches = entries
            .iter()
            .filter(|e| e["action"] == "request_search")
            .count();
        assert_eq!(searches, 7, "each search made (not the refused ones)");
        assert!(entries
            .iter()
            .any(|e| e["action"] == "export" && e["actor"] == "ada@shop.example"));
        // What a search was for could only be in the words of an entry; its time, hashes and
        // the ids it names (UUIDs) are numbers and hex that "48213" can occur in by chance.
        let words: String = entries
            .iter()
            .map(|e| {
                let text = format!(
                    "{} {} {} {}",
                    e["actor"], e["action"], e["target"], e["summary"]
                );
                UUID.replace_all(&text, "<id>").into_owned()
            })
            .collect();
        assert!(
            !words.contains("48213") && !words.contains("jean"),
            "nothing searched is logged: {words}"
        );

        let res = app
            .client
            .delete(app.url(&format!("/api/v1/agent/conversations/{}", c.id)))
            .bearer_auth(&admin)
            .json(&json!({"reason": "email of the visitor, 2 December"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 204);
        assert_eq!(search("words=48213").await.1, json!([]));
    }
}
