//! Answer-quality benchmark: starts the real server on a help centre, asks every question
//! over HTTP and scores the replies.
//!
//!   cargo bench --bench quality -- <set> [val|test] [--threshold X] [--dump FILE]
//!       [--embedding MODEL_DIR [--consult-below X] [--answer-from X]]
//!       [--embedding-fr MODEL_DIR [--fr-consult-below X] [--fr-answer-from X]]
//!       [--precision fast|exact|vnni|avx2] [--second-opinion]
//!
//! `<set>` is `clinc150` or `banking77` (from ../shared/bench-data, converted to Markdown
//! articles), `dev` (tuning questions for the sample knowledge/) or `heldout` (questions for
//! the sample knowledge/ that are never used for tuning) or `fr-shop` (our own French help
//! centre and questions, bench/fr-shop, never used for tuning) or `fr-tune` (another French
//! help centre of ours, bench/fr-tune, for tuning French settings).
//! Reports in-scope top-1 (an answer whose first citation is the expected article),
//! out-of-scope declined (no answer), latency, and the same two figures over a range of
//! thresholds computed from each reply's why record, so thresholds can be chosen on `val`.

use candor::config::Settings;
use candor::startup::Application;
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::{json, Value};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Deserialize, Clone)]
struct Query {
    text: String,
    expected_article_id: Option<String>,
    lang: String,
}

#[derive(Deserialize)]
struct KbArticle {
    id: String,
    title: String,
    body: String,
    lang: String,
}

struct Outcome {
    expected: Option<String>,
    answered: bool,
    cited: Option<String>,
    top: Option<String>,
    confidence: f64,
    micros: u128,
    why: Value,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// An article id Candor accepts (letters, digits, `-`, `_`): Banking77 has an intent
/// `reverted_card_payment?`, which the loader would refuse, losing that article and every
/// question expecting it. Expected ids go through the same mapping.
fn article_id(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Writes one Markdown article per kb.json entry.
fn write_kb(kb: &Path, dir: &Path) {
    let articles: Vec<KbArticle> = serde_json::from_slice(&std::fs::read(kb).unwrap()).unwrap();
    for mut a in articles {
        a.id = article_id(&a.id);
        let text = format!(
            "---\nid: {}\ntitle: {}\nlang: {}\n---\n{}\n",
            a.id, a.title, a.lang, a.body
        );
        std::fs::write(dir.join(format!("{}.md", a.id)), text).unwrap();
    }
}

/// Sends a request whose answer must be JSON.
async fn json(request: reqwest::RequestBuilder) -> Value {
    request.send().await.unwrap().json().await.unwrap()
}

async fn ask(client: &reqwest::Client, base: &str, q: &Query) -> Outcome {
    let conversations = format!("{base}/api/v1/conversations");
    let c = json(client.post(conversations).json(&json!({"locale": q.lang}))).await;
    let (id, token) = (c["id"].as_str().unwrap(), c["token"].as_str().unwrap());
    let started = Instant::now();
    let messages = format!("{base}/api/v1/conversations/{id}/messages");
    let r = json(
        client
            .post(messages)
            .bearer_auth(token)
            .json(&json!({"text": q.text})),
    )
    .await;
    let micros = started.elapsed().as_micros();
    let reply = &r["reply"];
    let why_url = format!("{base}{}", reply["why_url"].as_str().unwrap());
    let why = json(client.get(why_url).bearer_auth(token)).await;
    Outcome {
        expected: q.expected_article_id.clone(),
        answered: reply["kind"] == "answer",
        cited: reply["citations"][0]["article_id"]
            .as_str()
            .map(String::from),
        top: why["candidates"][0]["article_id"]
            .as_str()
            .map(String::from),
        confidence: why["confidence"].as_f64().unwrap_or(0.0),
        micros,
        why,
    }
}

fn figures(outcomes: &[Outcome], answered: impl Fn(&Outcome) -> bool) -> (f64, f64, usize, usize) {
    figures_of(&outcomes.iter().collect::<Vec<_>>(), answered)
}

fn figures_of(
    outcomes: &[&Outcome],
    answered: impl Fn(&Outcome) -> bool,
) -> (f64, f64, usize, usize) {
    let (mut right, mut inscope, mut declined, mut oos) = (0, 0, 0, 0);
    for o in outcomes {
        match &o.expected {
            Some(e) => {
                inscope += 1;
                if answered(o) && o.top.as_ref() == Some(e) {
                    right += 1;
                }
            }
            None => {
                oos += 1;
                if !answered(o) {
                    declined += 1;
                }
            }
        }
    }
    let rate = |a: usize, b: usize| {
        if b == 0 {
            f64::NAN
        } else {
            a as f64 / b as f64
        }
    };
    (rate(right, inscope), rate(declined, oos), inscope, oos)
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let set = args.first().cloned().unwrap_or_else(|| "heldout".into());
    let split = args
        .get(1)
        .filter(|a| !a.starts_with("--"))
        .cloned()
        .unwrap_or_else(|| "val".into());
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let work = tempfile::tempdir().unwrap();
    let (knowledge, queries_path) = if set == "heldout" || set == "dev" {
        (
            root().join("knowledge"),
            root().join(format!("bench/{set}/queries.json")),
        )
    } else if root().join("bench").join(&set).join("knowledge").is_dir() {
        // A help centre of our own with its questions: bench/fr-shop, bench/fr-tune.
        (
            root().join("bench").join(&set).join("knowledge"),
            root().join("bench").join(&set).join("queries.json"),
        )
    } else {
        let data = root().join("../shared/bench-data").join(&set);
        let kb = work.path().join("kb");
        std::fs::create_dir_all(&kb).unwrap();
        write_kb(&data.join("kb.json"), &kb);
        let file = if split == "test" {
            "queries.json"
        } else {
            "val.json"
        };
        (kb, data.join(file))
    };
    let mut queries: Vec<Query> =
        serde_json::from_slice(&std::fs::read(&queries_path).unwrap()).unwrap();
    for q in &mut queries {
        q.expected_article_id = q.expected_article_id.as_deref().map(article_id);
    }
    let mut settings = Settings::with_dirs(&work.path().join("data"), &knowledge);
    settings.bind = "127.0.0.1:0".into();
    settings.rate_limit = 0;
    if let Some(t) = flag("--threshold") {
        settings.threshold = t.parse().unwrap();
    }
    if let Some(dir) = flag("--embedding") {
        settings.embedding.model_dir = Some(dir.into());
    }
    if let Some(v) = flag("--consult-below") {
        settings.embedding.consult_below = v.parse().unwrap();
    }
    if let Some(v) = flag("--answer-from") {
        settings.embedding.answer_from = v.parse().unwrap();
    }
    if let Some(p) = flag("--precision") {
        settings.embedding.precision = p;
    }
    if let Some(dir) = flag("--embedding-fr") {
        settings.embedding.fr.model_dir = Some(dir.into());
    }
    if let Some(v) = flag("--fr-consult-below") {
        settings.embedding.fr.consult_below = v.parse().unwrap();
    }
    if let Some(v) = flag("--fr-answer-from") {
        settings.embedding.fr.answer_from = v.parse().unwrap();
    }
    if args.iter().any(|a| a == "--second-opinion") {
        settings.embedding.second_opinion = true;
    }
    let threshold = settings.threshold as f64;
    let app = Application::build(settings).await.unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    // With the model, the server answers from the words until the help centre is embedded.
    loop {
        let ready = json(client.get(format!("{base}/readyz"))).await;
        if ready["embedding"] != "warming" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let started = Instant::now();
    let outcomes: Vec<Outcome> = futures_util::stream::iter(queries.iter())
        .map(|q| ask(&client, &base, q))
        .buffered(8)
        .collect()
        .await;
    let elapsed = started.elapsed();
    report(&set, &split, threshold, &outcomes, elapsed.as_secs_f64());
    if let Some(path) = flag("--dump") {
        let mut f = std::fs::File::create(path).unwrap();
        for (q, o) in queries.iter().zip(&outcomes) {
            let line = json!({"text": q.text, "expected": o.expected, "cited": o.cited, "answered": o.answered, "why": o.why});
            writeln!(f, "{line}").unwrap();
        }
    }
}

fn report(set: &str, split: &str, threshold: f64, outcomes: &[Outcome], secs: f64) {
    let (top1, declined, inscope, oos) = figures(outcomes, |o| o.answered);
    let top1_any = figures(outcomes, |_| true).0;
    let mut lat: Vec<u128> = outcomes.iter().map(|o| o.micros).collect();
    lat.sort_unstable();
    let pct = |p: f64| lat[((lat.len() as f64 - 1.0) * p) as usize] as f64 / 1000.0;
    println!(
        "set={set} split={split} threshold={threshold:.2} in_scope={inscope} out_of_scope={oos}"
    );
    println!("in-scope top-1 (answered, right article): {top1:.3}");
    println!("out-of-scope declined:                    {declined:.3}");
    println!("top-1 of retrieval ignoring threshold:    {top1_any:.3}");
    for lang in ["en", "fr"] {
        let of: Vec<&Outcome> = outcomes
            .iter()
            .filter(|o| o.why["language"] == lang)
            .collect();
        if !of.is_empty() && of.len() < outcomes.len() {
            let (a, d, i, n) = figures_of(&of, |o| o.answered);
            println!("  {lang}: top-1 {a:.3} ({i} in scope), declined {d:.3} ({n} out of scope)");
        }
    }
    println!("message latency over HTTP: p50 {:.2} ms, p99 {:.2} ms ({} questions in {secs:.1} s, 8 in flight)", pct(0.5), pct(0.99), lat.len());
    println!("threshold sweep (from why-record confidence):");
    for t in [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8] {
        let (a, d, _, _) = figures(outcomes, |o| o.top.is_some() && o.confidence >= t);
        println!("  t={t:.1}  top-1 {a:.3}  declined {d:.3}");
    }
}
