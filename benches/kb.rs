//! Knowledge-base scale: full indexing time, publish-to-answerable time, decision latency and
//! the editor's "try a question" on a large synthetic help centre.
//!
//!   cargo bench --bench kb [-- <articles>]        (default 10000)
//!
//! Articles are built from the sample help centre's own sentences, shuffled deterministically,
//! so vocabulary and lengths are those of a real shop. One thread. `CANDOR_EMBEDDING_MODEL`
//! (and `CANDOR_EMBEDDING_MODEL_FR` for the French model) adds the decisions with the models.

/// What the benches share.
mod common;

use candor::answer;
use candor::knowledge::{loader, Article, KnowledgeIndex, Lang};
use std::path::PathBuf;
use std::time::Instant;

fn pct(v: &mut [u128], p: f64) -> f64 {
    v.sort_unstable();
    v[((v.len() - 1) as f64 * p) as usize] as f64 / 1000.0
}

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10_000);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let sample = loader::load_dir(&root.join("knowledge")).unwrap().articles;
    let sentences: Vec<(Lang, String)> = sample
        .iter()
        .flat_map(|a| {
            a.body
                .split(". ")
                .map(move |s| (a.lang, s.trim().to_string()))
        })
        .filter(|(_, s)| s.len() > 20 && !s.starts_with('#'))
        .collect();
    let mut seed: u64 = 42;
    let mut next = || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize
    };
    let mut articles: Vec<Article> = Vec::with_capacity(n);
    for i in 0..n {
        let (lang, _) = sentences[next() % sentences.len()];
        let pick: Vec<&str> = (0..8)
            .map(|_| sentences[next() % sentences.len()].1.as_str())
            .collect();
        let text = format!(
            "---\nid: gen-{i}\ntitle: Topic {i} {}\nlang: {}\n---\n## Part one\n{}.\n\n## Part two\n{}.\n",
            pick[0].split(' ').take(3).collect::<Vec<_>>().join(" "),
            lang.code(),
            pick[1..4].join(". "),
            pick[4..8].join(". ")
        );
        articles.push(Article::parse(&text, 0).unwrap());
    }
    articles.extend(sample.iter().cloned());
    let dir = tempfile::tempdir().unwrap();
    let t = Instant::now();
    let index = KnowledgeIndex::open(&dir.path().join("index"), &articles).unwrap();
    println!(
        "full index of {} articles: {:.2} s",
        articles.len(),
        t.elapsed().as_secs_f64()
    );

    // Publish: upsert (delete + add + commit + reader reload), then the new text is searchable.
    let mut visible = Vec::new();
    for i in 0..50 {
        let text = format!("---\nid: gen-{i}\ntitle: Topic {i}\nlang: en\n---\n## Fresh\nThe zorblax{i} policy changed today.\n");
        let a = Article::parse(&text, 0).unwrap();
        let t = Instant::now();
        index.upsert(&a).unwrap();
        let found = index
            .search(&format!("zorblax{i} policy"), Lang::En, 3)
            .unwrap();
        visible.push(t.elapsed().as_micros());
        assert_eq!(found.candidates[0].article_id, format!("gen-{i}"));
    }
    println!(
        "publish to answerable: p50 {:.1} ms, p99 {:.1} ms (50 publishes)",
        pct(&mut visible, 0.5),
        pct(&mut visible, 0.99)
    );

    let qs: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(root.join("bench/dev/queries.json")).unwrap())
            .unwrap();
    decisions(&index, &qs, articles.len(), "words only");
    // With CANDOR_EMBEDDING_MODEL set, the same questions with the embedding model on.
    if let Ok(model) = std::env::var("CANDOR_EMBEDDING_MODEL") {
        let semantic = candor::knowledge::semantic::Semantic::from_settings(
            &common::embedding_settings(model),
        )
        .unwrap()
        .expect("a model in CANDOR_EMBEDDING_MODEL");
        let t = Instant::now();
        index.set_semantic(semantic);
        println!(
            "embedding model on ({}): articles embedded in {:.1} s",
            index.semantic().unwrap().model_names(),
            t.elapsed().as_secs_f64()
        );
        decisions(&index, &qs, articles.len(), "with the embedding model");
        // A publish now also embeds the article and refits the help centre's space.
        let mut publish = Vec::new();
        for i in 0..20 {
            let text = format!("---\nid: gen-{i}\ntitle: Topic {i}\nlang: en\n---\n## Fresh\nThe zorblax{i} policy changed again.\n");
            let a = Article::parse(&text, 0).unwrap();
            let t = Instant::now();
            index.upsert(&a).unwrap();
            publish.push(t.elapsed().as_micros());
        }
        println!(
            "publish with the model (embed + refit the space): p50 {:.1} ms, p99 {:.1} ms (20 publishes)",
            pct(&mut publish, 0.5),
            pct(&mut publish, 0.99)
        );
        let model = index.semantic().unwrap();
        for lang in [Lang::En, Lang::Fr].into_iter().filter(|l| model.reads(*l)) {
            let (mut embed, mut nearest) = (Vec::new(), Vec::new());
            let of_lang = qs.iter().filter(|q| q["lang"] == lang.code());
            for q in of_lang.clone().chain(of_lang.clone()).chain(of_lang) {
                let t = Instant::now();
                let v = model.embed(q["text"].as_str().unwrap(), lang);
                embed.push(t.elapsed().as_micros());
                let t = Instant::now();
                std::hint::black_box(model.nearest(&v, lang, 5));
                nearest.push(t.elapsed().as_micros());
            }
            println!(
                "of which ({}): embedding a question p50 {:.2} / p99 {:.2} ms; ranking the articles p50 {:.2} / p99 {:.2} ms",
                lang.code(),
                pct(&mut embed, 0.5),
                pct(&mut embed, 0.99),
                pct(&mut nearest, 0.5),
                pct(&mut nearest, 0.99)
            );
        }
    }
    trial(&index);
}

/// Decision time for every question, eleven rounds (the first, warming up, not counted): ten
/// counted rounds of the 90 dev questions make 900 decisions, so the p99 is read from nine
/// of them, not from the one or two slowest of a single round.
fn decisions(index: &KnowledgeIndex, qs: &[serde_json::Value], n: usize, what: &str) {
    let mut times = Vec::new();
    let mut consulted = 0;
    // Decisions where the first model was unsure and a second one was asked too.
    let mut seconded = Vec::new();
    for round in 0..11 {
        for q in qs {
            let lang = Lang::parse(q["lang"].as_str().unwrap()).unwrap();
            let t = Instant::now();
            let d = answer::decide(index, q["text"].as_str().unwrap(), lang, 0.3).unwrap();
            if round > 0 {
                times.push(t.elapsed().as_micros());
                consulted += usize::from(d.why.semantic.is_some());
                if d.why.semantic.as_ref().is_some_and(|s| s.second.is_some()) {
                    seconded.push(*times.last().unwrap());
                }
            }
            std::hint::black_box(d);
        }
    }
    println!(
        "decision on {n} articles, {what}: p50 {:.2} ms, p99 {:.2} ms ({} decisions, {:.0} % consulted the model)",
        pct(&mut times, 0.5),
        pct(&mut times, 0.99),
        times.len(),
        100.0 * consulted as f64 / times.len() as f64
    );
    if !seconded.is_empty() {
        println!(
            "of which with a second opinion ({:.1} %): p50 {:.2} ms, p99 {:.2} ms",
            100.0 * seconded.len() as f64 / times.len() as f64,
            pct(&mut seconded, 0.5),
            pct(&mut seconded, 0.99)
        );
    }
}

/// "Try a question" in the editor: an in-memory preview index of the draft's language plus
/// the two decisions (live and draft), as `POST /api/v1/articles/preview` does.
fn trial(index: &KnowledgeIndex) {
    let rules = answer::escalation::HandoffRules::default();
    let mut times = Vec::new();
    for i in 0..10 {
        let text = format!("---\nid: gen-{i}\ntitle: Topic {i}\nlang: en\n---\n## Draft\nThe quux{i} policy covers repairs for five years.\n");
        let draft = Article::parse(&text, 0).unwrap();
        let t = Instant::now();
        let tried = answer::trial::against_draft(
            index,
            &draft,
            &format!("does the quux{i} policy cover repairs"),
            0.3,
            &rules,
        )
        .unwrap();
        times.push(t.elapsed().as_micros());
        assert_eq!(
            tried.draft.citations[0].article_id,
            format!("gen-{i}"),
            "{:?}",
            tried.draft.why
        );
    }
    let first = times[0] as f64 / 1000.0;
    println!(
        "try a question against a draft: first {first:.0} ms (builds the language's preview index), then p50 {:.1} ms, p99 {:.1} ms (10 trials)",
        pct(&mut times[1..], 0.5),
        pct(&mut times[1..], 0.99)
    );
}
