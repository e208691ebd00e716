//! The staff pages speak the team's language: French to a French browser, English otherwise,
//! and the language picked with `?ui=` stays picked on every page after (a cookie).

use crate::helpers::{spawn_app, Backend, TestApp};

/// Every operator and admin page an admin can open.
const PAGES: [&str; 12] = [
    "/operator",
    "/operator/articles/new",
    "/operator/articles/fr-livraison",
    "/operator/articles/fr-livraison/history",
    "/operator/gaps",
    "/operator/synonyms",
    "/operator/review",
    "/operator/team",
    "/operator/password",
    "/audit/requests?words=commande",
    "/audit/log",
    "/audit",
];

/// A page as a browser with this Accept-Language (and cookie) gets it.
async fn get(
    app: &TestApp,
    token: Option<&str>,
    path: &str,
    lang: &str,
    cookie: Option<&str>,
) -> reqwest::Response {
    let mut req = app
        .client
        .get(app.url(path))
        .header("Accept-Language", lang);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(c) = cookie {
        req = req.header("Cookie", c);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn every_staff_page_speaks_french_to_a_french_browser() {
    let app = spawn_app(Backend::Sqlite).await;
    let admin = app.agent("Alex", "admin").await;
    for path in PAGES {
        let res = get(&app, Some(&admin), path, "fr-FR,fr;q=0.9", None).await;
        assert_eq!(res.status(), 200, "{path}");
        let html = res.text().await.unwrap();
        assert!(html.contains(r#"<html lang="fr">"#), "{path}");
        assert!(html.contains("Questions sans réponse"), "{path}: the menu");
        assert!(html.contains("Se déconnecter"), "{path}");
        for english in [
            "Unanswered questions",
            "Sign out",
            "Filter",
            "Language",
            "Search",
        ] {
            assert!(!html.contains(english), "{path} still says {english:?}");
        }
        let res = get(&app, Some(&admin), path, "en-GB,en;q=0.9", None).await;
        let html = res.text().await.unwrap();
        assert!(html.contains(r#"<html lang="en">"#), "{path}");
        assert!(html.contains("Unanswered questions") && !html.contains("Se déconnecter"));
    }
    // Page by page, what an operator reads first.
    let (app, admin) = (&app, admin.as_str());
    let fr = |path: &'static str| async move {
        let res = get(app, Some(admin), path, "fr", None).await;
        res.text().await.unwrap()
    };
    assert!(fr("/operator/articles/fr-livraison")
        .await
        .contains(">Publier</button>"));
    assert!(fr("/operator/articles/fr-livraison/history")
        .await
        .contains("Retour à l"));
    assert!(fr("/audit/log").await.contains("Chaîne de hachage intacte"));
    assert!(fr("/operator/team").await.contains("administrateur (vous)"));
    // A new article is written in the language its author works in, unless a gap says otherwise.
    assert!(fr("/operator/articles/new")
        .await
        .contains(r#"<option value="fr" selected>"#));
    let en = get(app, Some(admin), "/operator/articles/new", "en", None).await;
    assert!(en
        .text()
        .await
        .unwrap()
        .contains(r#"<option value="en" selected>"#));
}

#[tokio::test]
async fn the_language_picked_on_one_page_stays_on_the_next() {
    let app = spawn_app(Backend::Sqlite).await;
    let op = app.agent("Olga", "operator").await;
    // A French browser picks English on the filtered list: the filters stay, the page is English.
    let res = get(
        &app,
        Some(&op),
        "/operator?q=colis&lang=fr&ui=en",
        "fr",
        None,
    )
    .await;
    assert_eq!(res.status(), 200);
    let remembered = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .any(|c| c.to_str().unwrap().starts_with("candor_ui=en;"));
    assert!(remembered, "the choice is remembered in a cookie");
    let html = res.text().await.unwrap();
    assert!(html.contains(r#"<html lang="en">"#) && html.contains("Délais et frais de livraison"));
    // The next page, without ?ui=, is English too, and so is the agent console.
    for path in ["/operator/gaps", "/agent"] {
        let html = get(&app, Some(&op), path, "fr", Some("candor_ui=en"))
            .await
            .text()
            .await
            .unwrap();
        assert!(html.contains(r#"<html lang="en">"#), "{path}");
    }
    // The requests page takes the switch too (its search parameters are checked strictly).
    let admin = app.agent("Alex", "admin").await;
    let res = get(&app, Some(&admin), "/audit/requests?ui=fr", "en", None).await;
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("Demandes des visiteurs"));
    // A language Candor does not speak is ignored on these pages, not an error.
    let res = get(&app, Some(&op), "/operator?ui=de", "fr", None).await;
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains(r#"<html lang="fr">"#));
}

#[tokio::test]
async fn sign_in_and_refusals_are_in_the_browsers_language() {
    let app = spawn_app(Backend::Sqlite).await;
    let res = get(&app, None, "/operator", "fr-FR", None).await;
    assert_eq!(res.status(), 401);
    let html = res.text().await.unwrap();
    assert!(html.contains("Connexion des opérateurs") && html.contains(">Se connecter</button>"));
    let agent = app.agent("Camille", "agent").await;
    let res = get(&app, Some(&agent), "/operator", "fr-FR", None).await;
    assert_eq!(res.status(), 403);
    assert!(res.text().await.unwrap().contains("Votre compte n"));
    let res = get(&app, Some(&agent), "/audit/log", "fr-FR", None).await;
    assert_eq!(res.status(), 403);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("Cette page est réservée aux administrateurs"));
}
