//! Embeds sentences with the optional model and prints their pairwise similarities and the
//! time per sentence: a quick check that a model directory works.
//!
//!   cargo run --release --example embed -- <model dir> "first sentence" "second" …
//!
//! `CANDOR_EMBED_PRECISION=exact|fast|vnni|avx2` picks the linear layers' arithmetic
//! (default `fast`, what the server uses).

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args.next().expect("usage: embed <model dir> <sentence>…");
    let sentences: Vec<String> = args.collect();
    let precision = std::env::var("CANDOR_EMBED_PRECISION")
        .unwrap_or_else(|_| "fast".into())
        .parse()
        .expect("precision");
    let started = std::time::Instant::now();
    let encoder = candor_embed::Encoder::load_with(std::path::Path::new(&dir), precision)
        .expect("model loads");
    println!("model loaded in {:.0?}", started.elapsed());
    let started = std::time::Instant::now();
    let vectors: Vec<Vec<f32>> = sentences.iter().map(|s| encoder.embed(s)).collect();
    if !sentences.is_empty() {
        println!(
            "{:.1?} per sentence",
            started.elapsed() / sentences.len() as u32
        );
    }
    for i in 0..sentences.len() {
        for j in i + 1..sentences.len() {
            let sim = candor_embed::similarity(&vectors[i], &vectors[j]);
            println!("{sim:.3}  {} | {}", sentences[i], sentences[j]);
        }
    }
}
