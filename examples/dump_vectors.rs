//! Writes the embedding of every line of a bench-data help centre and of every question of
//! one split, for offline tuning sweeps (`bench/fit_semantic.py`). Reads `val.json` unless
//! told otherwise: thresholds are chosen on val only.
//!
//!   cargo run --release --example dump_vectors -- <model dir> <bench set dir> <out dir> [val|test]
//!
//! `CANDOR_EMBED_PRECISION=exact|fast|vnni|avx2` picks the arithmetic (default `fast`).
//!
//! Output: `lines.f32` + `lines.json` (article id of each line, title first, in kb order),
//! `queries.f32` + `queries.json` (expected article id of each question, null = out of scope).

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
    let (mut texts, mut ids) = (Vec::new(), Vec::new());
    for a in read("kb.json") {
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
    let lines: Vec<Vec<f32>> = texts.iter().map(|t| encoder.embed(t)).collect();
    write(out, "lines", &lines, Value::Array(ids));
    let file = if split == "test" {
        "queries.json"
    } else {
        "val.json"
    };
    let queries = read(file);
    let vectors: Vec<Vec<f32>> = queries
        .iter()
        .map(|q| encoder.embed(q["text"].as_str().expect("text")))
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
