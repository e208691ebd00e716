//! Meaning-based search over the help centre with the optional embedding model: every
//! title, example question and passage line of an English article is embedded once (when
//! the article is indexed); a question is embedded only when the lexical search is unsure.

use super::{passages, Article, Lang};
use candor_embed::{similarity, Encoder};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
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

/// Where computed vectors are kept between starts: one file per article text, named by a
/// hash of the model's identity and the exact lines embedded.
struct Cache {
    dir: PathBuf,
    model_key: String,
    /// Files read or written since start: the others belong to texts that changed.
    used: std::sync::Mutex<std::collections::HashSet<PathBuf>>,
}

impl Cache {
    fn file(&self, texts: &[(String, String, String)]) -> PathBuf {
        let mut h = Sha256::new();
        h.update(self.model_key.as_bytes());
        for (_, _, text) in texts {
            h.update(text.as_bytes());
            h.update([0u8]);
        }
        let name: String = h.finalize()[..12]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let file = self.dir.join(format!("{name}.f32"));
        self.used.lock().expect("cache lock").insert(file.clone());
        file
    }

    /// Deletes the files of texts no longer in the knowledge base (old article versions).
    fn prune(&self) {
        let used = self.used.lock().expect("cache lock");
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for path in entries.flatten().map(|e| e.path()) {
            if path.extension().is_some_and(|e| e == "f32") && !used.contains(&path) {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
}

/// Vectors read back from a cache file, if it holds exactly `lines` of them.
fn read_vectors(path: &Path, lines: usize) -> Option<Vec<Vec<f32>>> {
    let bytes = std::fs::read(path).ok()?;
    if bytes.len() != lines * DIMENSIONS * 4 {
        return None;
    }
    let floats: Vec<f32> = bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    Some(floats.chunks(DIMENSIONS).map(<[f32]>::to_vec).collect())
}

/// Length of the model's vectors.
const DIMENSIONS: usize = 384;

/// The encoder, the vectors of every English article, and when to consult them.
pub struct Semantic {
    encoder: Arc<Encoder>,
    cache: Option<Arc<Cache>>,
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
            cache: None,
            vectors: RwLock::new(HashMap::new()),
            consult_below: defaults.consult_below,
            answer_from: defaults.answer_from,
            answer_from_alone: defaults.answer_from_alone,
        })
    }

    /// Keeps computed vectors in `dir` between starts (the model in `model_dir` names them).
    pub fn with_cache(mut self, dir: &Path, model_dir: &Path) -> anyhow::Result<Semantic> {
        std::fs::create_dir_all(dir)?;
        let size = |f: &str| std::fs::metadata(model_dir.join(f)).map_or(0, |m| m.len());
        self.cache = Some(Arc::new(Cache {
            dir: dir.to_path_buf(),
            model_key: format!(
                "{}:{}:{}",
                MODEL,
                size("model.safetensors"),
                size("vocab.txt")
            ),
            used: Default::default(),
        }));
        Ok(self)
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
            // A draft's vectors are not worth keeping.
            cache: None,
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
        let mut texts: Vec<(String, String, String)> = Vec::new();
        let parts = passages::split(&a.body);
        let mut push = |heading: &str, passage: &str, text: &str| {
            let text = text.trim();
            if !text.is_empty() {
                texts.push((heading.into(), passage.into(), text.into()));
            }
        };
        // Title and example questions point at the article's first passage.
        let first = parts.first();
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
        let vectors = self.vectors_of(&texts);
        texts
            .into_iter()
            .zip(vectors)
            .map(|((heading, passage, text), vector)| Line {
                heading,
                passage,
                text,
                vector,
            })
            .collect()
    }

    /// The vectors of these lines: from the cache when this model already embedded exactly
    /// these texts (a restart, an unchanged article), else computed and cached.
    fn vectors_of(&self, texts: &[(String, String, String)]) -> Vec<Vec<f32>> {
        let file = self.cache.as_ref().map(|c| c.file(texts));
        if let Some(v) = file.as_ref().and_then(|f| read_vectors(f, texts.len())) {
            return v;
        }
        let vectors: Vec<Vec<f32>> = texts.iter().map(|t| self.encoder.embed(&t.2)).collect();
        if let Some(f) = file {
            let bytes: Vec<u8> = vectors
                .iter()
                .flatten()
                .flat_map(|v| v.to_le_bytes())
                .collect();
            // A failed write only costs the next start some time.
            if let Err(e) = std::fs::write(&f, bytes) {
                tracing::warn!(path = %f.display(), error = %e, "embedding cache not written");
            }
        }
        vectors
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
        if let Some(cache) = &self.cache {
            cache.prune();
        }
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

#[cfg(test)]
mod tests {
    use super::*;

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
            .with_cache(cache.path(), model)
            .unwrap();
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
            .with_cache(cache.path(), model)
            .unwrap();
        again.upsert(&doc("Parcels arrive in two days."));
        assert_eq!(
            std::fs::metadata(&file).unwrap().modified().unwrap(),
            written
        );
        let q = again.embed("when will my parcel arrive");
        let (a, b) = (first.nearest(&q, 1), again.nearest(&q, 1));
        assert_eq!(
            a[0].similarity, b[0].similarity,
            "the cached vectors are the computed ones"
        );

        again.upsert(&doc("Parcels arrive tomorrow by bike."));
        assert_eq!(files(), 2, "an edited article is embedded again");

        // The next start embeds the knowledge base as it is and drops the old version's file.
        let third = Semantic::load(model)
            .unwrap()
            .with_cache(cache.path(), model)
            .unwrap();
        third.upsert_all(&[doc("Parcels arrive tomorrow by bike.")]);
        assert_eq!(files(), 1, "the stale file is pruned");
        assert!(!file.exists(), "it was the first version's");
    }
}
