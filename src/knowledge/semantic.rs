//! Meaning-based search over the help centre with the optional embedding model: every
//! title, example question and passage line of an English article is embedded once (when
//! the article is indexed); a question is embedded only when the lexical search is unsure.

use super::{passages, Article, Lang};
use candor_embed::{similarity, Encoder};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, RwLock};

/// The model's name, shown in why records.
pub const MODEL: &str = "all-MiniLM-L6-v2";

/// One embedded line of an article and the passage it belongs to.
#[derive(Debug)]
pub struct Line {
    pub heading: String,
    pub passage: String,
    pub text: String,
    vector: Vec<f32>,
}

/// The closest article to a question by meaning.
#[derive(Debug, Clone)]
pub struct Hit {
    pub article_id: String,
    pub similarity: f32,
    /// The article's line closest to the question.
    pub line: String,
    pub heading: String,
    pub passage: String,
}

/// The encoder, the vectors of every English article, and when to consult them.
pub struct Semantic {
    encoder: Arc<Encoder>,
    vectors: RwLock<HashMap<String, Arc<Vec<Line>>>>,
    /// Lexical confidence under which the model is asked.
    pub consult_below: f32,
    /// Similarity from which the closest article is answered when the lexical search
    /// points at the same article…
    pub answer_from: f32,
    /// …and when it does not.
    pub answer_from_alone: f32,
}

impl Semantic {
    /// Loads the model from a local directory.
    pub fn load(dir: &Path) -> anyhow::Result<Semantic> {
        let defaults = crate::config::EmbeddingSettings::default();
        Ok(Semantic {
            encoder: Arc::new(Encoder::load(dir)?),
            vectors: RwLock::new(HashMap::new()),
            consult_below: defaults.consult_below,
            answer_from: defaults.answer_from,
            answer_from_alone: defaults.answer_from_alone,
        })
    }

    /// Sets when the model is consulted and when its answer is trusted.
    pub fn with_rule(mut self, rule: &crate::config::EmbeddingSettings) -> Semantic {
        self.consult_below = rule.consult_below;
        self.answer_from = rule.answer_from;
        self.answer_from_alone = rule.answer_from_alone;
        self
    }

    /// The same model and vectors, for a preview index (vectors are shared, not copied).
    pub fn fork(&self) -> Semantic {
        Semantic {
            encoder: self.encoder.clone(),
            vectors: RwLock::new(self.vectors.read().expect("vectors lock").clone()),
            consult_below: self.consult_below,
            answer_from: self.answer_from,
            answer_from_alone: self.answer_from_alone,
        }
    }

    /// Embeds a text.
    pub fn embed(&self, text: &str) -> Vec<f32> {
        self.encoder.embed(text)
    }

    fn lines(&self, a: &Article) -> Vec<Line> {
        let mut out = Vec::new();
        let parts = passages::split(&a.body);
        let first = parts.first();
        let mut push = |heading: &str, passage: &str, text: &str| {
            let text = text.trim();
            if !text.is_empty() {
                out.push(Line {
                    heading: heading.to_string(),
                    passage: passage.to_string(),
                    text: text.to_string(),
                    vector: self.encoder.embed(text),
                });
            }
        };
        // Title and example questions point at the article's first passage.
        let (h0, p0) = first.map_or(("", ""), |p| (p.heading.as_str(), p.text.as_str()));
        push(h0, p0, &a.title);
        for q in &a.questions {
            push(h0, p0, q);
        }
        for p in &parts {
            for line in p.text.lines() {
                push(&p.heading, &p.text, line);
            }
        }
        out
    }

    /// Embeds an article (English only: the model does not read French).
    pub fn upsert(&self, a: &Article) {
        if a.lang != Lang::En {
            self.remove(&a.id);
            return;
        }
        let lines = Arc::new(self.lines(a));
        self.vectors
            .write()
            .expect("vectors lock")
            .insert(a.id.clone(), lines);
    }

    /// Embeds many articles on every core.
    pub fn upsert_all(&self, articles: &[Article]) {
        let english: Vec<&Article> = articles.iter().filter(|a| a.lang == Lang::En).collect();
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let chunk = english.len().div_ceil(threads).max(1);
        let done: Vec<(String, Arc<Vec<Line>>)> = std::thread::scope(|s| {
            let handles: Vec<_> = english
                .chunks(chunk)
                .map(|part| {
                    s.spawn(move || {
                        part.iter()
                            .map(|a| (a.id.clone(), Arc::new(self.lines(a))))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().expect("embedding thread"))
                .collect()
        });
        self.vectors.write().expect("vectors lock").extend(done);
    }

    /// Forgets an article.
    pub fn remove(&self, id: &str) {
        self.vectors.write().expect("vectors lock").remove(id);
    }

    /// The `k` articles closest in meaning to an embedded question, closest first.
    pub fn nearest(&self, question: &[f32], k: usize) -> Vec<Hit> {
        let vectors = self.vectors.read().expect("vectors lock");
        let mut hits: Vec<Hit> = vectors
            .iter()
            .filter_map(|(id, lines)| {
                let (line, sim) = lines
                    .iter()
                    .map(|l| (l, similarity(question, &l.vector)))
                    .max_by(|a, b| a.1.total_cmp(&b.1))?;
                Some(Hit {
                    article_id: id.clone(),
                    similarity: sim,
                    line: line.text.clone(),
                    heading: line.heading.clone(),
                    passage: line.passage.clone(),
                })
            })
            .collect();
        hits.sort_by(|a, b| b.similarity.total_cmp(&a.similarity));
        hits.truncate(k);
        hits
    }
}
