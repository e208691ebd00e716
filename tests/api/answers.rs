//! Answer stories: the right article for in-scope questions, honest declines otherwise.

use crate::helpers::{backends, cited, spawn_app, Backend};

const FRENCH: &[(&str, &str)] = &[
    ("Combien de temps prend la livraison ?", "fr-livraison"),
    ("Comment retourner un article ?", "fr-retours"),
    ("Quand serai-je remboursé ?", "fr-remboursements"),
    ("Acceptez-vous PayPal ?", "fr-paiement"),
    ("Où est mon colis ?", "fr-suivi-commande"),
    ("Comment supprimer mon compte ?", "fr-compte"),
    ("Livrez-vous en Suisse ?", "fr-international"),
    ("Quels sont vos horaires ?", "fr-contact"),
];

const ENGLISH: &[(&str, &str)] = &[
    ("How long does delivery take?", "en-shipping"),
    ("How do I return an item?", "en-returns"),
    ("When will I get my refund?", "en-refunds"),
    ("Do you accept PayPal?", "en-payment"),
    ("Where is my parcel?", "en-order-tracking"),
    ("How do I delete my account?", "en-account"),
    ("Do you ship to Switzerland?", "en-international"),
    ("What are your opening hours?", "en-contact"),
];

#[tokio::test]
async fn in_scope_questions_are_answered_from_the_right_article_in_both_languages() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        for (locale, table) in [("fr", FRENCH), ("en", ENGLISH)] {
            let c = app.create(Some(locale)).await;
            for (question, article) in table {
                let body = app.ask(&c, question).await;
                assert_eq!(
                    cited(&body).as_deref(),
                    Some(*article),
                    "{question} ({backend:?})"
                );
                assert_eq!(body["status"], "bot");
                assert!(!body["reply"]["text"].as_str().unwrap().is_empty());
            }
        }
    }
}

#[tokio::test]
async fn typos_and_missing_accents_still_find_the_article_and_are_explained() {
    let app = spawn_app(Backend::Sqlite).await;
    let fr = app.create(Some("fr")).await;
    let body = app.ask(&fr, "delai de livrason").await;
    assert_eq!(cited(&body).as_deref(), Some("fr-livraison"));
    let why: serde_json::Value = app.why(&fr, &body["reply"]).await;
    assert!(why["explanation"]
        .as_str()
        .unwrap()
        .contains("« livrason » comme « livraison »"));

    let en = app.create(Some("en")).await;
    let body = app.ask(&en, "I forgot my pasword").await;
    assert_eq!(cited(&body).as_deref(), Some("en-password"));
}

/// "My parcel never came" is the tracking article's question, not the cancellation or the
/// damaged-item article's, which say "once the parcel is received" and "arrived damaged";
/// the why record says how the words were read.
#[tokio::test]
async fn a_parcel_that_never_arrived_is_answered_from_the_tracking_article() {
    let app = spawn_app(Backend::Sqlite).await;
    for (locale, question, article, reading) in [
        (
            "fr",
            "je n'ai jamais reçu ma commande",
            "fr-suivi-commande",
            "J'ai lu « jamais reçu » comme « suivi enquête ».",
        ),
        (
            "fr",
            "mon colis n'est pas encore arrivé",
            "fr-suivi-commande",
            "J'ai lu « pas encore arrivé » comme « suivi enquête ».",
        ),
        (
            "en",
            "my parcel hasn't arrived",
            "en-order-tracking",
            "I read “hasn't arrived” as “tracking investigation”.",
        ),
    ] {
        let c = app.create(Some(locale)).await;
        let body = app.ask(&c, question).await;
        assert_eq!(cited(&body).as_deref(), Some(article), "{question}: {body}");
        let why: serde_json::Value = app.why(&c, &body["reply"]).await;
        let explanation = why["explanation"].as_str().unwrap();
        assert!(explanation.ends_with(reading), "{explanation}");
    }
    // Arriving, but damaged, is still the damaged-item article's.
    let c = app.create(Some("fr")).await;
    let body = app.ask(&c, "mon colis est arrivé abîmé").await;
    assert_eq!(cited(&body).as_deref(), Some("fr-article-endommage"));
}

const OUT_OF_SCOPE: &[(&str, &str)] = &[
    ("fr", "Quel temps fera-t-il demain à Lyon ?"),
    ("fr", "Raconte-moi une blague"),
    ("fr", "Qui a gagné la coupe du monde 2018 ?"),
    ("fr", "Vendez-vous des vélos électriques ?"),
    ("fr", "xkcd qwpoeiru zzzz"),
    ("en", "What's the weather like tomorrow?"),
    ("en", "Tell me a joke"),
    ("en", "What is the capital of Australia?"),
    ("en", "Do you sell electric bikes?"),
    ("en", "asdfgh qwerty zxcvb"),
];

#[tokio::test]
async fn out_of_scope_questions_are_declined_and_offer_a_human() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        for (locale, question) in OUT_OF_SCOPE {
            let c = app.create(Some(locale)).await;
            let body = app.ask(&c, question).await;
            let reply = &body["reply"];
            assert_eq!(
                reply["kind"], "no_answer",
                "{question} was answered: {reply}"
            );
            assert_eq!(reply["citations"], serde_json::json!([]));
            let text = reply["text"].as_str().unwrap();
            assert!(
                text.contains("personne") || text.contains("person"),
                "{text}"
            );
        }
    }
}

/// In-scope top-1 and out-of-scope declined on the checked-in dev questions (bench/dev)
/// over the sample knowledge/, at the default threshold, with or without the model.
fn dev_figures(model: Option<&std::path::Path>) -> (f64, f64) {
    let embedding = model.map(|m| candor::config::EmbeddingSettings {
        model_dir: Some(m.into()),
        ..Default::default()
    });
    figures("knowledge", "bench/dev/queries.json", embedding)
}

/// The same figures for a help centre and its questions (paths from the project root),
/// with the models `embedding` names.
fn figures(
    knowledge: &str,
    questions: &str,
    embedding: Option<candor::config::EmbeddingSettings>,
) -> (f64, f64) {
    use candor::answer::{decide, Kind};
    use candor::knowledge::{loader, semantic::Semantic, KnowledgeIndex, Lang};
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let articles = loader::load_dir(&root.join(knowledge)).unwrap().articles;
    let dir = tempfile::tempdir().unwrap();
    let index = KnowledgeIndex::open(&dir.path().join("index"), &articles).unwrap();
    if let Some(e) = embedding {
        index.set_semantic(Semantic::from_settings(&e).unwrap().expect("a model"));
    }
    let queries: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(root.join(questions)).unwrap()).unwrap();
    let threshold = candor::config::DEFAULT_THRESHOLD;
    let (mut right, mut inscope, mut declined, mut oos) = (0, 0, 0, 0);
    for q in &queries {
        let lang = Lang::parse(q["lang"].as_str().unwrap()).unwrap();
        let d = decide(&index, q["text"].as_str().unwrap(), lang, threshold).unwrap();
        match q["expected_article_id"].as_str() {
            Some(expected) => {
                inscope += 1;
                right +=
                    usize::from(d.kind == Kind::Answer && d.citations[0].article_id == expected);
            }
            None => {
                oos += 1;
                declined += usize::from(d.kind != Kind::Answer);
            }
        }
    }
    (right as f64 / inscope as f64, declined as f64 / oos as f64)
}

/// Quality regression guard on the dev questions, recorded in BENCHMARKS.md as 0.879 in
/// scope / 1.000 declined (0.958 before "donnez-moi" stopped meeting "données" on
/// 2026-12-04): fails if either drops below it.
#[test]
fn answer_quality_on_the_dev_questions_does_not_regress() {
    let (top1, decl) = dev_figures(None);
    assert!(top1 >= 0.87, "in-scope top-1 fell to {top1:.3}");
    assert!(decl >= 0.99, "out-of-scope declined fell to {decl:.3}");
}

/// The same with the embedding model (`CANDOR_TEST_EMBEDDING_MODEL`, fetched by `.ci/run`),
/// recorded in BENCHMARKS.md as 0.924 / 1.000 with the VNNI kernel and 0.909 / 1.000 with
/// AVX2's (one question apart): fails below the lower of the two.
#[test]
fn answer_quality_with_the_model_does_not_regress() {
    let Some(model) = std::env::var_os("CANDOR_TEST_EMBEDDING_MODEL") else {
        eprintln!("SKIPPED: CANDOR_TEST_EMBEDDING_MODEL is not set");
        return;
    };
    let (top1, decl) = dev_figures(Some(std::path::Path::new(&model)));
    assert!(top1 >= 0.90, "in-scope top-1 fell to {top1:.3}");
    assert!(decl >= 0.99, "out-of-scope declined fell to {decl:.3}");
}

/// With the French model too (`CANDOR_TEST_E5_MODEL`), on the dev questions (recorded in
/// BENCHMARKS.md as 0.939 / 1.000 with the VNNI kernel, 0.924 / 1.000 with AVX2's) and on
/// the French tuning set bench/fr-tune (0.746 / 1.000 with VNNI; with AVX2 0.746 / 1.000,
/// measured before the "rgpd" entry; words alone 0.690 / 1.000): fails a question below the lower of the two.
#[test]
fn answer_quality_with_the_french_model_does_not_regress() {
    let (Some(en), Some(fr)) = (
        std::env::var_os("CANDOR_TEST_EMBEDDING_MODEL"),
        std::env::var_os("CANDOR_TEST_E5_MODEL"),
    ) else {
        eprintln!("SKIPPED: CANDOR_TEST_EMBEDDING_MODEL and CANDOR_TEST_E5_MODEL are not both set");
        return;
    };
    let mut e = candor::config::EmbeddingSettings {
        model_dir: Some(en.into()),
        ..Default::default()
    };
    e.fr.model_dir = Some(fr.into());
    let (top1, decl) = figures("knowledge", "bench/dev/queries.json", Some(e.clone()));
    assert!(top1 >= 0.905, "dev in-scope top-1 fell to {top1:.3}");
    assert!(decl >= 0.99, "dev out-of-scope declined fell to {decl:.3}");
    let (top1, decl) = figures(
        "bench/fr-tune/knowledge",
        "bench/fr-tune/queries.json",
        Some(e),
    );
    assert!(top1 >= 0.738, "fr-tune in-scope top-1 fell to {top1:.3}");
    assert!(
        decl >= 0.96,
        "fr-tune out-of-scope declined fell to {decl:.3}"
    );
}
