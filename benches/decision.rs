//! Decision cost without HTTP or storage: retrieval + confidence + why record.
//!
//!   cargo bench --bench decision [-- <knowledge dir> <queries.json>]
//!
//! Defaults to the sample knowledge/ and bench/dev/queries.json. One thread, so the figure
//! is the cost on one core. `CANDOR_EMBEDDING_MODEL=<dir>` turns the embedding cascade on
//! (`CANDOR_EMBEDDING_MODEL_FR=<dir>` too, for French).

/// What the benches share.
mod common;

use candor::answer;
use candor::knowledge::{loader, KnowledgeIndex, Lang};
use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let kb = args
        .first()
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("knowledge"));
    let queries = args
        .get(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("bench/dev/queries.json"));
    let report = loader::load_dir(&kb).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let index = KnowledgeIndex::open(&dir.path().join("index"), &report.articles).unwrap();
    println!(
        "indexed {} articles in {:.2} s",
        report.articles.len(),
        started.elapsed().as_secs_f64()
    );
    // With CANDOR_EMBEDDING_MODEL set, the cascade is on: uncertain English questions are
    // embedded and compared with every article line.
    if let Ok(model) = std::env::var("CANDOR_EMBEDDING_MODEL") {
        let semantic = candor::knowledge::semantic::Semantic::from_settings(
            &common::embedding_settings(model),
        )
        .unwrap()
        .expect("a model in CANDOR_EMBEDDING_MODEL");
        let started = Instant::now();
        index.set_semantic(semantic);
        println!(
            "embedding model on: articles embedded in {:.2} s",
            started.elapsed().as_secs_f64()
        );
    }
    let qs: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(queries).unwrap()).unwrap();
    let mut times = Vec::new();
    for round in 0..5 {
        for q in &qs {
            let lang = Lang::parse(q["lang"].as_str().unwrap()).unwrap();
            let t = Instant::now();
            let d = answer::decide(&index, q["text"].as_str().unwrap(), lang, 0.3).unwrap();
            if round > 0 {
                times.push(t.elapsed().as_micros());
            }
            std::hint::black_box(d);
        }
    }
    times.sort_unstable();
    let pct = |p: f64| times[((times.len() - 1) as f64 * p) as usize];
    println!(
        "decisions: {}  p50 {} µs  p99 {} µs  max {} µs",
        times.len(),
        pct(0.5),
        pct(0.99),
        times[times.len() - 1]
    );
}
