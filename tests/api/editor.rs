//! The operators' editor: every article (console or files) listed and filtered, a draft
//! previewed and tried against a question without being published, and the `/operator`
//! pages — sign-in, list, editor, history with diff, gaps with "write an article".

use crate::helpers::{backends, cited, spawn_app, spawn_with, test_settings};
use serde_json::{json, Value};

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect()
}

fn loyalty(body: &str, state: &str) -> Value {
    json!({"id": "en-loyalty", "title": "Loyalty programme", "lang": "en", "tags": ["loyalty"],
           "body": body, "state": state})
}

const POINTS: &str = "How many points does the loyalty programme give?";
const V1: &str =
    "## Earning points\nEvery euro spent gives 1 loyalty point; 100 points give a €5 voucher.";

#[tokio::test]
async fn the_list_holds_file_and_console_articles_and_filters_them() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let op = app.agent("Olga", "operator").await;
        let (status, all) = app.agent_get(&op, "/api/v1/articles").await;
        assert_eq!(status, 200);
        assert_eq!(all.as_array().unwrap().len(), 34, "the sample help centre");
        let shipping = all
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == "en-shipping")
            .expect("file article listed")
            .clone();
        assert_eq!(
            (
                &shipping["source"],
                &shipping["version"],
                &shipping["state"]
            ),
            (&json!("files"), &json!(0), &json!("published"))
        );

        let created = app
            .agent_post(&op, "/api/v1/articles", loyalty(V1, "draft"))
            .await;
        assert_eq!(created.status(), 200, "{backend:?}");
        let (_, drafts) = app.agent_get(&op, "/api/v1/articles?state=draft").await;
        assert_eq!(ids(&drafts), ["en-loyalty"]);
        let (_, found) = app
            .agent_get(&op, "/api/v1/articles?q=VOUCHER%20euro")
            .await;
        assert_eq!(ids(&found), ["en-loyalty"], "all words, any case");
        let (_, fr) = app.agent_get(&op, "/api/v1/articles?lang=fr").await;
        assert_eq!(fr.as_array().unwrap().len(), 17);
        assert!(fr.as_array().unwrap().iter().all(|a| a["lang"] == "fr"));
        let (_, tagged) = app
            .agent_get(&op, "/api/v1/articles?tag=Livraison&lang=fr")
            .await;
        assert!(ids(&tagged).contains(&"fr-livraison".to_string()));
        assert!(tagged
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["tags"].as_array().unwrap().contains(&json!("livraison"))));
        assert!(ids(&tagged).len() < 17);
        let (status, _) = app.agent_get(&op, "/api/v1/articles?colour=red").await;
        assert_eq!(status, 400, "unknown filters are refused, not ignored");
        for q in ["lang=zz", "state=weird"] {
            let (status, err) = app.agent_get(&op, &format!("/api/v1/articles?{q}")).await;
            assert_eq!(
                (status, err["error"]["code"].clone()),
                (400, json!("invalid_query")),
                "{q}"
            );
        }
        let (status, regional) = app
            .agent_get(&op, "/api/v1/articles?lang=fr-CA&state=")
            .await;
        assert_eq!(status, 200, "a regional tag and empty fields are fine");
        let fr = app.agent_get(&op, "/api/v1/articles?lang=fr").await.1;
        assert_eq!(ids(&regional), ids(&fr), "fr-CA lists the French articles");

        // Saving a file article from the console: version 0 → 1, and the console wins.
        let mut edit = shipping.clone();
        for k in ["source", "updated_at", "updated_by"] {
            edit.as_object_mut().unwrap().remove(k);
        }
        edit["body"] =
            json!("## Delivery\nEvery parcel ships the same day by electric cargo bike.");
        edit["reason"] = json!("new carrier");
        let saved = app
            .agent_put(&op, "/api/v1/articles/en-shipping", edit)
            .await;
        assert_eq!(saved.status(), 200, "{backend:?}");
        let saved: Value = saved.json().await.unwrap();
        assert_eq!(
            (&saved["version"], &saved["source"]),
            (&json!(1), &json!("editor"))
        );
        let c = app.create(Some("en")).await;
        let reply = app.ask(&c, "Do you ship by electric cargo bike?").await;
        assert_eq!(cited(&reply).as_deref(), Some("en-shipping"));
        assert!(reply["reply"]["text"]
            .as_str()
            .unwrap()
            .contains("cargo bike"));
    }
}

#[tokio::test]
async fn a_draft_is_tried_against_a_question_without_reaching_visitors() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let op = app.agent("Olga", "operator").await;
        let agent = app.agent("Camille", "agent").await;
        let body = json!({"article": loyalty(V1, "draft"), "question": POINTS});
        let denied = app
            .agent_post(&agent, "/api/v1/articles/preview", body.clone())
            .await;
        assert_eq!(denied.status(), 403);

        let res = app.agent_post(&op, "/api/v1/articles/preview", body).await;
        assert_eq!(res.status(), 200, "{backend:?}");
        let preview: Value = res.json().await.unwrap();
        assert!(preview["html"]
            .as_str()
            .unwrap()
            .contains("<h2>Earning points</h2>"));
        assert_eq!(preview["passages"].as_array().unwrap().len(), 1);
        assert_ne!(preview["live"]["kind"], "answer", "no loyalty article yet");
        assert_eq!(preview["draft"]["kind"], "answer");
        assert_eq!(preview["draft"]["citations"][0]["article_id"], "en-loyalty");
        assert!(preview["draft"]["passage"]
            .as_str()
            .unwrap()
            .contains("1 loyalty point"));
        assert!(preview["draft"]["why"]["candidates"][0]["matched_terms"]
            .as_array()
            .is_some_and(|m| !m.is_empty()));

        // Nothing was published: visitors still get no loyalty answer, and nothing was saved.
        let c = app.create(Some("en")).await;
        assert_ne!(
            cited(&app.ask(&c, POINTS).await).as_deref(),
            Some("en-loyalty")
        );
        let (status, _) = app.agent_get(&op, "/api/v1/articles/en-loyalty").await;
        assert_eq!(status, 404);

        // A draft of an existing article replaces its live text in the trial only.
        let draft = json!({"article": {"id": "en-shipping", "title": "Delivery times and shipping costs",
            "lang": "en", "body": "## How long delivery takes\nDelivery takes one hour: parcels travel by carrier pigeon."},
            "question": "How long does delivery take?"});
        let p: Value = app
            .agent_post(&op, "/api/v1/articles/preview", draft)
            .await
            .json()
            .await
            .unwrap();
        assert!(p["draft"]["passage"].as_str().unwrap().contains("pigeon"));
        assert!(!p["live"]["passage"].as_str().unwrap().contains("pigeon"));

        // Each trial starts from the live knowledge base: the loyalty draft tried earlier is
        // gone from the preview when another article's draft is tried.
        let other = json!({"article": {"id": "en-shipping", "title": "Delivery times and shipping costs",
            "lang": "en", "body": "## How long delivery takes\nDelivery takes one hour."},
            "question": POINTS});
        let p: Value = app
            .agent_post(&op, "/api/v1/articles/preview", other)
            .await
            .json()
            .await
            .unwrap();
        assert_ne!(
            p["draft"]["citations"][0]["article_id"], "en-loyalty",
            "{p}"
        );

        // Raw HTML is shown as text, and a broken draft gets the save's error.
        let xss = json!({"article": loyalty("## Hi\n<script>alert(1)</script> text", "draft")});
        let p: Value = app
            .agent_post(&op, "/api/v1/articles/preview", xss)
            .await
            .json()
            .await
            .unwrap();
        assert!(!p["html"].as_str().unwrap().contains("<script"));
        let mut broken = loyalty(V1, "draft");
        broken["title"] = json!("");
        let res = app
            .agent_post(&op, "/api/v1/articles/preview", json!({"article": broken}))
            .await;
        assert_eq!(res.status(), 422);
        let err: Value = res.json().await.unwrap();
        assert_eq!(err["error"]["code"], "invalid_field");
    }
}

#[tokio::test]
async fn articles_larger_than_a_chat_message_save_and_oversize_ones_get_a_clear_error() {
    let app = spawn_app(backends()[0]).await;
    let op = app.agent("Olga", "operator").await;
    let long = format!("## Long\n{}", "Our lamps are made in Lyon. ".repeat(2000));
    let res = app
        .agent_post(&op, "/api/v1/articles", loyalty(&long, "published"))
        .await;
    assert_eq!(res.status(), 200, "a 56 KB article is a normal article");
    let huge = format!("## Huge\n{}", "x".repeat(1_100_000));
    let res = app
        .agent_post(
            &op,
            "/api/v1/articles",
            json!({"id": "en-huge", "title": "Huge", "lang": "en", "body": huge}),
        )
        .await;
    assert_eq!(res.status(), 422);
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["error"]["code"], "invalid_field");
    let (status, _) = app.agent_get(&op, "/api/v1/articles/en-huge").await;
    assert_eq!(status, 404, "nothing half-saved");
}

/// An article an earlier Candor accepted (a url without a scheme, an over-long title) is
/// still answered from, listed and unpublishable after the upgrade that refuses such input;
/// the link that is not a safe address is dropped, so the widget never shows it.
#[tokio::test]
async fn articles_saved_under_earlier_rules_survive_the_upgrade_without_their_unsafe_link() {
    for backend in backends() {
        let dir = tempfile::tempdir().unwrap();
        let settings = test_settings(backend, dir.path()).await;
        let store = candor::storage::connect(settings.database_url.as_deref(), &settings.data_dir)
            .await
            .unwrap();
        let title = format!("Loyalty programme {}", "x".repeat(200));
        let document = format!(
            "---\nid: en-loyalty\ntitle: {title}\nlang: en\nurl: javascript:alert(1)\n---\n{V1}\n"
        );
        let saved = store
            .save_article(candor::storage::articles::NewVersion {
                id: "en-loyalty",
                expected: 0,
                state: "published",
                document: &document,
                reason: "saved by an earlier version",
                author: "olga@shop.example",
                at: 1,
            })
            .await
            .unwrap();
        assert_eq!(saved, Ok(1));
        drop(store);
        let app = spawn_with(settings, dir, backend).await;
        let c = app.create(Some("en")).await;
        let reply = app.ask(&c, POINTS).await;
        assert_eq!(
            cited(&reply).as_deref(),
            Some("en-loyalty"),
            "{reply} ({backend:?})"
        );
        assert_eq!(
            reply["reply"]["citations"][0]["url"],
            Value::Null,
            "{reply}"
        );
        let op = app.agent("Olga", "operator").await;
        let (status, article) = app.agent_get(&op, "/api/v1/articles/en-loyalty").await;
        assert_eq!(status, 200, "{article}");
        assert_eq!(article["title"], title.as_str());
        let res = app
            .client
            .delete(app.url("/api/v1/articles/en-loyalty"))
            .bearer_auth(&op)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "unpublished ({backend:?})");
        let reply = app.ask(&app.create(Some("en")).await, POINTS).await;
        assert_ne!(cited(&reply).as_deref(), Some("en-loyalty"), "{reply}");
    }
}

/// A citation's link goes into the widget's `href` on the shop's page: an address that
/// would run code there is refused, as are titles and tag lists no help centre needs.
#[tokio::test]
async fn links_that_would_run_code_and_oversized_fields_are_refused() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let op = app.agent("Olga", "operator").await;
        let with = |field: &str, value: Value| {
            let mut a = loyalty(V1, "published");
            a[field] = value;
            a
        };
        // The message is English; `detail` gives the facts a console words in its own language.
        for (article, needle, detail) in [
            (
                with("url", json!("javascript:alert(document.cookie)")),
                "url must start",
                json!({"reason": "bad_url", "field": "url", "limit": null}),
            ),
            (
                with("url", json!("data:text/html,<b>x</b>")),
                "url must start",
                json!({"reason": "bad_url", "field": "url", "limit": null}),
            ),
            (
                with("title", json!("t".repeat(201))),
                "title is longer than 200",
                json!({"reason": "too_long", "field": "title", "limit": 200}),
            ),
            (
                with(
                    "tags",
                    json!((0..51).map(|i| format!("t{i}")).collect::<Vec<_>>()),
                ),
                "more than 50 tags",
                json!({"reason": "too_many", "field": "tags", "limit": 50}),
            ),
            (
                with("body", json!("## Only a heading")),
                "no paragraph to answer from",
                json!({"reason": "no_passage", "field": "body", "limit": null}),
            ),
        ] {
            let res = app.agent_post(&op, "/api/v1/articles", article).await;
            assert_eq!(res.status(), 422, "{needle} ({backend:?})");
            let err: Value = res.json().await.unwrap();
            assert_eq!(err["error"]["code"], "invalid_field");
            let message = err["error"]["message"].as_str().unwrap();
            assert!(message.contains(needle), "{message}");
            assert_eq!(err["error"]["detail"], detail, "{needle}");
        }
        let (status, _) = app.agent_get(&op, "/api/v1/articles/en-loyalty").await;
        assert_eq!(status, 404, "nothing saved ({backend:?})");
        let ok = with("url", json!("/aide/fidelite"));
        let res = app.agent_post(&op, "/api/v1/articles", ok).await;
        assert_eq!(res.status(), 200, "a path on the shop's site is a link");
    }
}

#[tokio::test]
async fn operator_pages_list_edit_show_history_with_diffs_and_gaps() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let (status, html) = app.console_page(None, "/operator").await;
        assert_eq!(status, 401);
        assert!(html.contains("Operator sign-in"));
        let agent = app.agent("Camille", "agent").await;
        let (status, html) = app.console_page(Some(&agent), "/operator").await;
        assert_eq!(status, 403);
        assert!(html.contains("not an operator account"));

        let op = app.agent("Olga", "operator").await;
        let (status, html) = app
            .console_page(Some(&op), "/operator?lang=fr&q=colis")
            .await;
        assert_eq!(status, 200);
        assert!(html.contains("Délais et frais de livraison"), "{html}");
        assert!(!html.contains("Delivery times and shipping costs"));

        app.agent_post(&op, "/api/v1/articles", loyalty(V1, "published"))
            .await;
        let v2 = V1.replace("1 loyalty point", "2 loyalty points");
        let mut edit = loyalty(&v2, "published");
        edit["version"] = json!(1);
        edit["reason"] = json!("double points");
        assert_eq!(
            app.agent_put(&op, "/api/v1/articles/en-loyalty", edit)
                .await
                .status(),
            200
        );

        let (status, html) = app
            .console_page(Some(&op), "/operator/articles/en-loyalty")
            .await;
        assert_eq!(status, 200);
        assert!(html.contains("2 loyalty points"));
        assert!(
            html.contains("<h2>Earning points</h2>"),
            "server-rendered preview"
        );
        let (status, html) = app
            .console_page(Some(&op), "/operator/articles/en-loyalty/history")
            .await;
        assert_eq!(status, 200);
        assert!(html.contains("Version 2") && html.contains("double points"));
        assert!(html.contains("olga@shop.example"));
        let removed = html.find("class=\"removed\"").expect("a removed line");
        let added = html.find("class=\"added\"").expect("an added line");
        assert!(
            html[removed..].contains("1 loyalty point")
                && html[added..].contains("2 loyalty points")
        );
        assert!(
            html.contains("data-version=\"1\""),
            "version 1 can be restored"
        );

        // A declined question from a consenting visitor becomes a gap with a shortcut.
        let c = app.create(Some("en")).await;
        app.consent(&c, true).await;
        let q = "Do you sell electric bicycles?";
        assert_ne!(app.ask(&c, q).await["reply"]["kind"], "answer");
        let (status, html) = app.console_page(Some(&op), "/operator/gaps").await;
        assert_eq!(status, 200);
        assert!(html.contains(q), "{html}");
        let start = html
            .find("/operator/articles/new?gap=")
            .expect("write link");
        let link = &html[start..html[start..].find('"').unwrap() + start]
            .replace("&#38;", "&")
            .replace("&amp;", "&");
        let (status, html) = app.console_page(Some(&op), link).await;
        assert_eq!(status, 200);
        assert!(
            html.contains(&format!("value=\"{q}\"")),
            "title pre-filled from {link}: {html}"
        );
        assert!(html.contains("data-gap=\""));
    }
}

#[tokio::test]
async fn the_synonyms_page_shows_the_rules_to_operators_only() {
    let app = spawn_app(backends()[0]).await;
    let op = app.agent("Olga", "operator").await;
    let rules = json!([{"lang": "fr", "phrase": "paquet", "expansion": "colis"}]);
    assert_eq!(
        app.agent_put(&op, "/api/v1/synonyms", rules).await.status(),
        200
    );
    let (status, html) = app.console_page(Some(&op), "/operator/synonyms").await;
    assert_eq!(status, 200);
    assert!(html.contains("value=\"paquet\"") && html.contains("value=\"colis\""));
    let agent = app.agent("Camille", "agent").await;
    assert_eq!(
        app.console_page(Some(&agent), "/operator/synonyms").await.0,
        403
    );
}

#[tokio::test]
async fn duplicate_ids_and_stale_saves_are_refused_with_the_current_article() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let op = app.agent("Olga", "operator").await;
        let mut copy = loyalty(V1, "published");
        copy["id"] = json!("en-shipping");
        let res = app.agent_post(&op, "/api/v1/articles", copy).await;
        assert_eq!(res.status(), 409, "a file article's id is taken");
        let err: Value = res.json().await.unwrap();
        assert_eq!(err["error"]["code"], "duplicate_id");
        assert_eq!(err["error"]["current"]["source"], "files");
        let c = app.create(Some("en")).await;
        let reply = app.ask(&c, "How long does delivery take?").await;
        assert!(
            !reply["reply"]["text"].as_str().unwrap().contains("loyalty"),
            "the file article is untouched"
        );

        app.agent_post(&op, "/api/v1/articles", loyalty(V1, "published"))
            .await;
        let again = app
            .agent_post(
                &op,
                "/api/v1/articles",
                loyalty("## Other\nOther text.", "published"),
            )
            .await;
        assert_eq!(again.status(), 409, "{backend:?}");

        let mut first = loyalty("## Points\nTwo points per euro.", "published");
        first["version"] = json!(1);
        assert_eq!(
            app.agent_put(&op, "/api/v1/articles/en-loyalty", first)
                .await
                .status(),
            200
        );
        let mut stale = loyalty("## Points\nThree points per euro.", "published");
        stale["version"] = json!(1);
        let res = app
            .agent_put(&op, "/api/v1/articles/en-loyalty", stale)
            .await;
        assert_eq!(res.status(), 409);
        let err: Value = res.json().await.unwrap();
        assert_eq!(err["error"]["code"], "version_conflict");
        assert_eq!(
            err["error"]["current"]["version"], 2,
            "the newer version comes back to merge"
        );
        assert!(err["error"]["current"]["body"]
            .as_str()
            .unwrap()
            .contains("Two points"));
    }
}

#[tokio::test]
async fn admins_read_the_audit_log_page_with_the_chain_check_and_others_are_refused() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let admin = app.agent("Ada", "admin").await;
        let op = app.agent("Olga", "operator").await;
        app.agent_post(&op, "/api/v1/articles", loyalty(V1, "published"))
            .await;
        let (status, html) = app.console_page(None, "/audit/log").await;
        assert_eq!(status, 401);
        assert!(html.contains("sign-in"));
        let (status, html) = app.console_page(Some(&op), "/audit/log").await;
        assert_eq!(status, 403, "operators do not read the audit log");
        assert!(html.contains("for admins"));
        assert_eq!(app.console_page(Some(&op), "/audit").await.0, 403);
        let (status, html) = app.console_page(Some(&op), "/operator").await;
        assert_eq!(status, 200);
        assert!(
            !html.contains("href=\"/audit/log\""),
            "no admin links for operators"
        );

        let (status, html) = app
            .console_page(Some(&admin), "/audit/log?action=article_published")
            .await;
        assert_eq!(status, 200, "{backend:?}");
        assert!(html.contains("Hash chain intact"));
        assert!(html.contains("olga@shop.example") && html.contains("en-loyalty"));
        assert!(!html.contains("<code>sign_in</code>"), "filtered by action");
        let (_, html) = app.console_page(Some(&admin), "/operator").await;
        assert!(html.contains("href=\"/audit/log\""));
    }
}
