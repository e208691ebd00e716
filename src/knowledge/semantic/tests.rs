//! Tests of the meaning-based search: the cache, the spaces, the ranking and the rules.

use super::*;

/// Each model's default bar is a fitted confidence near the lexical threshold (0.30):
/// MiniLM's 0.46 maps to 0.38 and e5's 0.944 to 0.25, so the why record's "confidence
/// against threshold" reads alike whichever decided. Fails when a bar or a calibration
/// changes without the other being refitted.
#[test]
fn each_models_default_bar_is_a_confidence_near_the_lexical_threshold() {
    let p = calibrated;
    let e = crate::config::EmbeddingSettings::default();
    let (en, fr) = (
        p(MINILM_CALIBRATION, e.answer_from),
        p(E5_CALIBRATION, e.fr.answer_from),
    );
    assert!((en - 0.38).abs() < 0.01, "{en}");
    assert!((fr - 0.25).abs() < 0.01, "{fr}");
    // And both rise with the score.
    assert!(p(E5_CALIBRATION, 0.96) > fr && p(E5_CALIBRATION, 0.90) < fr);
}

/// With the real model (`CANDOR_TEST_EMBEDDING_MODEL`): a second start reads the vectors
/// back from the cache instead of computing them, and a changed article gets new ones.
#[test]
fn vectors_are_cached_between_starts_and_follow_edits() {
    let Some(model) = std::env::var_os("CANDOR_TEST_EMBEDDING_MODEL") else {
        eprintln!("SKIPPED: CANDOR_TEST_EMBEDDING_MODEL is not set");
        return;
    };
    let model = Path::new(&model);
    let cache = tempfile::tempdir().unwrap();
    let doc = |body: &str| {
        Article::parse(
            &format!("---\nid: en-a\ntitle: Delivery\nlang: en\n---\n## When\n{body}\n"),
            0,
        )
        .unwrap()
    };
    let first = Semantic::load(model)
        .unwrap()
        .with_cache(cache.path())
        .unwrap();
    // Files are named by the arithmetic too, so another kernel's vectors are not reused.
    let en = first.reader(Lang::En).unwrap();
    assert!(en.key.contains(&en.encoder.arithmetic()), "{}", en.key);
    first.upsert(&doc("Parcels arrive in two days."));
    let files = || std::fs::read_dir(cache.path()).unwrap().count();
    assert_eq!(files(), 1);
    let file = std::fs::read_dir(cache.path())
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let written = std::fs::metadata(&file).unwrap().modified().unwrap();

    let again = Semantic::load(model)
        .unwrap()
        .with_cache(cache.path())
        .unwrap();
    again.upsert(&doc("Parcels arrive in two days."));
    assert_eq!(
        std::fs::metadata(&file).unwrap().modified().unwrap(),
        written
    );
    let q = again.embed("when will my parcel arrive", Lang::En);
    let (a, b) = (
        first.nearest(&q, Lang::En, 1),
        again.nearest(&q, Lang::En, 1),
    );
    assert_eq!(
        a[0].similarity, b[0].similarity,
        "the cached vectors are the computed ones"
    );

    again.upsert(&doc("Parcels arrive tomorrow by bike."));
    assert!(
        !again.is_ready(),
        "only the start's embedding makes it ready"
    );
    assert_eq!(files(), 2, "an edited article is embedded again");

    // The next start embeds the knowledge base as it is and drops the old version's file.
    let third = Semantic::load(model)
        .unwrap()
        .with_cache(cache.path())
        .unwrap();
    third.upsert_all(&[doc("Parcels arrive tomorrow by bike.")]);
    assert_eq!(files(), 1, "the stale file is pruned");
    assert!(!file.exists(), "it was the first version's");
}

/// The real model (`CANDOR_TEST_EMBEDDING_MODEL`), or None: the test says SKIPPED.
fn test_model() -> Option<Semantic> {
    let Some(model) = std::env::var_os("CANDOR_TEST_EMBEDDING_MODEL") else {
        eprintln!("SKIPPED: CANDOR_TEST_EMBEDDING_MODEL is not set");
        return None;
    };
    Some(Semantic::load(Path::new(&model)).unwrap())
}

/// A one-passage English article.
fn doc(id: &str, body: &str) -> Article {
    Article::parse(
        &format!("---\nid: {id}\ntitle: Help\nlang: en\n---\n## Answer\n{body}\n"),
        0,
    )
    .unwrap()
}

/// With the real model: what is published or removed while the start's embedding runs
/// is not undone when that embedding lands (it carries the older knowledge base).
#[test]
fn publishes_during_the_warm_up_are_not_overwritten_by_it() {
    let Some(s) = test_model() else {
        return;
    };
    assert!(!s.is_ready());
    // During the warm-up: one article published anew, one removed.
    s.upsert(&doc("en-a", "Parcels now travel by cargo bike."));
    s.remove("en-b");
    // The start's embedding, taken from the knowledge base before those changes, lands.
    s.upsert_all(&[
        doc("en-a", "Parcels travel by lorry."),
        doc("en-b", "Gift cards last a year."),
        doc("en-c", "Refunds take five days."),
    ]);
    assert!(s.is_ready());
    let q = s.embed("do parcels come by bike", Lang::En);
    let hits = s.nearest(&q, Lang::En, 5);
    let ids: Vec<&str> = hits.iter().map(|h| h.article_id.as_str()).collect();
    assert!(
        !ids.contains(&"en-b"),
        "the removed article stays removed: {ids:?}"
    );
    assert!(ids.contains(&"en-c"), "the others are embedded: {ids:?}");
    let a = hits.iter().find(|h| h.article_id == "en-a").unwrap();
    assert!(
        a.line.contains("cargo bike"),
        "the newer text wins: {}",
        a.line
    );
}

/// With the real model: once the start's embedding is done, an article published later
/// is ranked in the help centre's space at once, and a removed one leaves it.
#[test]
fn later_publishes_join_the_space_and_removals_leave_it() {
    let Some(s) = test_model() else {
        return;
    };
    s.upsert_all(&[
        doc("en-a", "Parcels travel by lorry."),
        doc("en-b", "Gift cards last a year."),
        doc("en-c", "Refunds take five days."),
    ]);
    s.upsert(&doc("en-d", "Our shop cat is called Biscuit."));
    let q = s.embed("what is the name of your cat", Lang::En);
    let hits = s.nearest(&q, Lang::En, 2);
    assert_eq!(hits[0].article_id, "en-d", "{hits:?}");
    assert!(
        (hits[0].distinct - hits[0].score).abs() > 1e-4,
        "ranked in the space, not by its plain score: {hits:?}"
    );
    s.remove("en-d");
    let ids: Vec<String> = s
        .nearest(&q, Lang::En, 5)
        .into_iter()
        .map(|h| h.article_id)
        .collect();
    assert!(!ids.contains(&"en-d".to_string()), "{ids:?}");
}

/// With the real model: a help centre that started with no English article gets its
/// English space with the first one published.
#[test]
fn the_first_article_of_a_language_gets_a_space() {
    let Some(s) = test_model() else {
        return;
    };
    s.upsert_all(&[]);
    s.upsert(&doc("en-a", "Parcels travel by lorry."));
    s.upsert(&doc("en-b", "Gift cards last a year."));
    let q = s.embed("how do parcels travel", Lang::En);
    let hits = s.nearest(&q, Lang::En, 1);
    assert_eq!(hits[0].article_id, "en-a");
    assert!(
        (hits[0].distinct - hits[0].score).abs() > 1e-4,
        "ranked in a space: {hits:?}"
    );
}
