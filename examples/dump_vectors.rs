//! Writes the embedding of every line of a bench-data help centre and of every question of
//! one split, for offline tuning sweeps (`bench/fit_semantic.py`). Reads `val.json` unless
//! told otherwise: thresholds are chosen on val only.
//!
//!   cargo run --release --example dump_vectors -- <model dir> <bench set dir> <out dir> [val|test]
//!
//! The set is a bench-data directory (`kb.json`, `val.json`, `queries.json`) or one of our own
//! (`bench/fr-tune`: `knowledge/*.md` and `queries.json`, read whatever the split).
//!
//! `CANDOR_EMBED_PRECISION=exact|fast|vnni|avx2` picks the arithmetic (default `fast`).
//! `QUESTION_PREFIX="query: "` marks every question so (e5 reads them unmarked; the mark was
//! measured on CLINC150 val too, BENCHMARKS.md).
//!
//! Output: `lines.f32` + `lines.json` (article id of each line, title first, in kb order),
//! `queries.f32` + `queries.json` (expected article id of each question, null = out of scope).

use candor::knowledge::semantic::embedded_lines;
use serde_json::{json, Value};
use std::io::Write;
use std::path::Path;

fn write(out: &Path, name: &str, vectors: &[Vec<f32>], labels: Value) {
    let mut f = std::fs::File::create(out.join(format!("{name}.f32"))).expect("create");
    for v in vectors.iter().flatten() {
        f.write_all(&v.to_le_bytes()).expect("write");
    }
    std::fs::write(out.join(format!("{name}.json")), labels.to_string()).expect("write");
}

/// A bench-data help centre (`kb.json`): each article's title, then its body's lines.
fn bench_data_lines(kb: &[Value]) -> (Vec<String>, Vec<Value>) {
    let (mut texts, mut ids) = (Vec::new(), Vec::new());
    for a in kb {
        let id = a["id"].as_str().expect("id").to_string();
        let title = a["title"].as_str().expect("title").to_string();
        for line in std::iter::once(title.as_str()).chain(a["body"].as_str().expect("body").lines())
        {
            if !line.trim().is_empty() {
                texts.push(line.trim().to_string());
                ids.push(json!({"id": id, "text": line.trim()}));
            }
        }
    }
    (texts, ids)
}

/// A help centre of Markdown articles (`knowledge/*.md`, as in `bench/fr-tune`), loaded as
/// the server loads it: the lines the server embeds (title, example questions, passage lines).
fn knowledge_lines(dir: &Path) -> (Vec<String>, Vec<Value>) {
    let report = candor::knowledge::loader::load_dir(dir).expect("knowledge dir");
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let (mut texts, mut ids) = (Vec::new(), Vec::new());
    for a in &report.articles {
        for (_, _, text) in embedded_lines(a) {
            ids.push(json!({"id": a.id, "text": text}));
            texts.push(text);
        }
    }
    (texts, ids)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [model, set, out, rest @ ..] = args.as_slice() else {
        panic!("usage: dump_vectors <model dir> <bench set dir> <out dir> [val|test]");
    };
    let split = rest.first().map_or("val", String::as_str);
    let precision = std::env::var("CANDOR_EMBED_PRECISION")
        .unwrap_or_else(|_| "fast".into())
        .parse()
        .expect("precision");
    let encoder = candor_embed::Encoder::load_with(Path::new(model), precision).expect("loads");
    let set = Path::new(set);
    let out = Path::new(out);
    std::fs::create_dir_all(out).expect("out dir");
    let read = |f: &str| -> Vec<Value> {
        serde_json::from_slice(&std::fs::read(set.join(f)).expect("read")).expect("json")
    };
    let (texts, ids) = if set.join("kb.json").exists() {
        bench_data_lines(&read("kb.json"))
    } else {
        knowledge_lines(&set.join("knowledge"))
    };
    let lines: Vec<Vec<f32>> = texts.iter().map(|t| encoder.embed_passage(t)).collect();
    write(out, "lines", &lines, Value::Array(ids));
    // Our own sets (bench/fr-tune, …) have one queries.json and no val split.
    let file = if split == "test" || !set.join("val.json").exists() {
        "queries.json"
    } else {
        "val.json"
    };
    let queries = read(file);
    let prefix = std::env::var("QUESTION_PREFIX").unwrap_or_default();
    let vectors: Vec<Vec<f32>> = queries
        .iter()
        .map(|q| encoder.embed(&format!("{prefix}{}", q["text"].as_str().expect("text"))))
        .collect();
    let labels: Vec<Value> = queries
        .iter()
        .map(|q| json!({"expected": q["expected_article_id"], "text": q["text"]}))
        .collect();
    write(out, "queries", &vectors, Value::Array(labels));
    println!(
        "{} lines, {} questions -> {}",
        lines.len(),
        vectors.len(),
        out.display()
    );
}
