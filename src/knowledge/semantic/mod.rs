//! Meaning-based search over the help centre with the optional embedding model: every
//! title, example question and passage line of an English article is embedded once (when
//! the article is indexed); a question is embedded only when the lexical search is unsure.

use super::{passages, whitening, Article, Lang};
use cache::{read_vectors, Cache};
use candor_embed::Encoder;
use space::{rank, Rating, Space, Vectors};
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// The embedding cache on disk.
mod cache;
/// Each article's vectors, the help centre's own space, and the ranking.
mod space;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};

/// The model's name, shown in why records.
pub const MODEL: &str = "all-MiniLM-L6-v2";

/// One embedded line of an article and the passage it belongs to.
#[derive(Debug)]
pub struct Line {
    pub heading: String,
    pub passage: String,
    pub text: String,
}

/// Weight of the article's centroid (the mean of its line vectors) in its meaning score;
/// the rest goes to its single closest line. The centroid reads an article as a whole, so
/// one stray line does not win a question on its own; the closest line keeps a short,
/// precise passage in the race. Chosen on CLINC150 and Banking77 val (`bench/fit_semantic.py`:
/// val top-1 ignoring thresholds, closest line alone 0.800 / 0.771, centroid alone
/// 0.862 / 0.821, this mix 0.864 / 0.845).
pub const CENTROID_WEIGHT: f32 = 0.75;

/// How close one article is to a question by meaning.
#[derive(Debug, Clone)]
pub struct Hit {
    pub article_id: String,
    /// The meaning score: `CENTROID_WEIGHT` × centroid similarity + the rest × `similarity`.
    pub score: f32,
    /// Cosine similarity of the question and the article's centroid.
    pub centroid: f32,
    /// Cosine similarity of the question and the article's closest line.
    pub similarity: f32,
    /// The same meaning score in the help centre's own space (`whitening`), where what its
    /// articles have in common counts less: articles are ranked by it. Equal to `score`
    /// until that space is fitted.
    pub distinct: f32,
    /// The article's line closest to the question.
    pub line: String,
    pub heading: String,
    pub passage: String,
}

/// The embedded lines of one article, as the model placed them.
#[derive(Debug)]
struct Embedded {
    lang: Lang,
    lines: Vec<Line>,
    plain: Vectors,
}

impl Embedded {
    fn new(lang: Lang, lines: Vec<Line>, vectors: Vec<Vec<f32>>) -> Embedded {
        Embedded {
            lang,
            lines,
            plain: Vectors::new(vectors.concat()),
        }
    }

    fn hit(&self, id: &str, r: Rating, distinct: f32) -> Hit {
        let line = &self.lines[r.line];
        Hit {
            article_id: id.to_string(),
            score: r.score,
            centroid: r.centroid,
            similarity: r.similarity,
            distinct,
            line: line.text.clone(),
            heading: line.heading.clone(),
            passage: line.passage.clone(),
        }
    }
}

/// Length of the model's vectors.
const DIMENSIONS: usize = 384;

/// The encoder, the vectors of every English article, and when to consult them.
pub struct Semantic {
    encoder: Arc<Encoder>,
    cache: Option<Arc<Cache>>,
    vectors: RwLock<HashMap<String, Arc<Embedded>>>,
    /// Lexical confidence under which the model is asked.
    pub consult_below: f32,
    /// Combined score (meaning + words) from which the best article is answered.
    pub answer_from: f32,
    /// Set once the articles present at start are embedded; until then the model is not
    /// consulted and visitors get the lexical answers (the server need not wait for it).
    ready: AtomicBool,
    /// Articles published or removed while those were being embedded: their vectors are
    /// newer than the start's, which must not overwrite them. Guarded with `vectors`.
    touched: Mutex<HashSet<String>>,
    /// Each language's articles in the help centre's own space (fitted once the start's
    /// embedding is done, then kept up with every publish and removal).
    spaces: RwLock<HashMap<Lang, Arc<Space>>>,
    /// Held while a space changes, so changes and refits apply one after the other.
    refitting: Mutex<()>,
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
            ready: AtomicBool::new(false),
            touched: Mutex::new(HashSet::new()),
            spaces: RwLock::new(HashMap::new()),
            refitting: Mutex::new(()),
        })
    }

    /// Keeps computed vectors in `dir` between starts (the model in `model_dir` and the
    /// arithmetic that ran it name them).
    pub fn with_cache(mut self, dir: &Path, model_dir: &Path) -> anyhow::Result<Semantic> {
        std::fs::create_dir_all(dir)?;
        let size = |f: &str| std::fs::metadata(model_dir.join(f)).map_or(0, |m| m.len());
        self.cache = Some(Arc::new(Cache {
            dir: dir.to_path_buf(),
            // The arithmetic too: vectors from another kernel (another processor, or a
            // version that computes differently) are recomputed, not mixed with new ones.
            model_key: format!(
                "{}:{}:{}:{}",
                self.model_name(),
                self.encoder.arithmetic(),
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
            // A fork taken while warming stays unconsulted; the editor rebuilds its preview
            // once the live model is ready.
            ready: AtomicBool::new(self.is_ready()),
            touched: Mutex::new(HashSet::new()),
            spaces: RwLock::new(self.spaces.read().expect("spaces lock").clone()),
            refitting: Mutex::new(()),
        }
    }

    /// Whether the articles present at start are embedded (see `upsert_all`).
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    /// The model's name as shown in why records, with "8-bit" when its linear layers run
    /// quantized (x86-64 processors with AVX-512 VNNI or AVX2).
    pub fn model_name(&self) -> String {
        if self.encoder.is_quantized() {
            format!("{MODEL} (8-bit)")
        } else {
            MODEL.to_string()
        }
    }

    /// Whether questions and articles in `lang` go to the model: English only. Tried on
    /// the French dev questions with the English thresholds, it lowered French top-1 from
    /// 0.879 to 0.788 and declines from 0.917 to 0.167: it does not read French.
    pub fn reads(&self, lang: Lang) -> bool {
        lang == Lang::En
    }

    /// Embeds a text.
    pub fn embed(&self, text: &str) -> Vec<f32> {
        self.encoder.embed(text)
    }

    fn lines(&self, a: &Article) -> Embedded {
        let texts = embedded_lines(a);
        let vectors = self.vectors_of(&texts);
        let lines = texts
            .into_iter()
            .map(|(heading, passage, text)| Line {
                heading,
                passage,
                text,
            })
            .collect();
        Embedded::new(a.lang, lines, vectors)
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
        if !self.reads(a.lang) {
            self.remove(&a.id);
            return;
        }
        let lines = Arc::new(self.lines(a));
        {
            let mut vectors = self.vectors.write().expect("vectors lock");
            vectors.insert(a.id.clone(), lines.clone());
            self.touch(&a.id);
        }
        self.follow(&a.id, a.lang, Some(&lines));
    }

    /// Records, while the start's embedding runs, that `id` has newer vectors (or none).
    /// Called with the vectors' write lock held, so `upsert_all` sees it in time.
    fn touch(&self, id: &str) {
        if !self.is_ready() {
            self.touched
                .lock()
                .expect("touched lock")
                .insert(id.to_string());
        }
    }

    /// Embeds many articles on every core (the knowledge base at start), then marks the
    /// model ready. Articles published or removed meanwhile keep what that did.
    pub fn upsert_all(&self, articles: &[Article]) {
        let english: Vec<&Article> = articles.iter().filter(|a| self.reads(a.lang)).collect();
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let chunk = english.len().div_ceil(threads).max(1);
        let done: Vec<(String, Arc<Embedded>)> = std::thread::scope(|s| {
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
        {
            let mut vectors = self.vectors.write().expect("vectors lock");
            let mut touched = self.touched.lock().expect("touched lock");
            vectors.extend(done.into_iter().filter(|(id, _)| !touched.contains(id)));
            touched.clear();
        }
        {
            let _in_turn = self.refitting.lock().expect("refit lock");
            for lang in Lang::ALL.into_iter().filter(|l| self.reads(*l)) {
                self.fit_space(lang);
            }
        }
        self.ready.store(true, Ordering::Release);
        if let Some(cache) = &self.cache {
            cache.prune();
        }
    }

    /// Forgets an article.
    pub fn remove(&self, id: &str) {
        let removed = {
            let mut vectors = self.vectors.write().expect("vectors lock");
            self.touch(id);
            vectors.remove(id)
        };
        if let Some(e) = removed {
            self.follow(id, e.lang, None);
        }
    }

    /// Keeps the language's space up with a published (`Some`) or removed article: mapped
    /// at once with the current map, refitted when the changes add up (`Space::is_stale`).
    /// Before the start's embedding is done there is no space yet, and nothing to follow
    /// (`upsert_all` fits them all).
    fn follow(&self, id: &str, lang: Lang, published: Option<&Embedded>) {
        let _in_turn = self.refitting.lock().expect("refit lock");
        let stale = match self.spaces.write().expect("spaces lock").get_mut(&lang) {
            // The language's first article since the start: its space is fitted now.
            None => self.is_ready(),
            Some(space) => {
                let space = Arc::make_mut(space);
                match published {
                    Some(e) => {
                        let placed = Arc::new(space.place(e));
                        space.articles.insert(id.to_string(), placed)
                    }
                    None => space.articles.remove(id),
                };
                space.changes += 1;
                space.is_stale()
            }
        };
        if stale {
            self.fit_space(lang);
        }
    }

    /// Fits one language's space on its articles as they are now (called with `refitting`
    /// held). The fit runs on a snapshot, outside the vectors' lock: questions are answered
    /// meanwhile, from the previous space.
    fn fit_space(&self, lang: Lang) {
        let snapshot = self.vectors.read().expect("vectors lock").clone();
        let of_lang = snapshot
            .iter()
            .filter(|(_, e)| e.lang == lang)
            .map(|(id, e)| (id, e.as_ref()));
        let space = Space::fit(of_lang).map(Arc::new);
        let mut spaces = self.spaces.write().expect("spaces lock");
        match space {
            Some(space) => spaces.insert(lang, space),
            None => spaces.remove(&lang),
        };
    }

    /// The `k` articles closest in meaning to an embedded question, closest first.
    pub fn nearest(&self, question: &[f32], lang: Lang, k: usize) -> Vec<Hit> {
        self.compete(question, lang, k, &[])
    }

    /// The `k` articles closest in meaning to an embedded question, best `distinct` score
    /// first, followed by those of `also` not among them (the lexical candidates).
    ///
    /// Only the articles with the `RATED_AT_MOST` closest centroids have their lines read,
    /// in order of centroid similarity, and the scan stops once even a perfect line could
    /// not lift the next one into the `k` kept: a large help centre's thousands of lines
    /// are mostly never read.
    pub fn compete(&self, question: &[f32], lang: Lang, k: usize, also: &[&str]) -> Vec<Hit> {
        let vectors = self.vectors.read().expect("vectors lock");
        // The language's space and the question mapped into it, once fitted.
        let space = self.spaces.read().expect("spaces lock").get(&lang).cloned();
        let space = space.map(|s| {
            let q = s.map.apply(question);
            (s, q)
        });
        let plain = |id: &str| -> Option<(&Embedded, Rating)> {
            let e = vectors.get(id)?;
            Some((e.as_ref(), e.plain.rate_all(question)?))
        };
        let mut hits: Vec<Hit> = match &space {
            Some((s, q)) => rank(q, s.articles.iter().map(|(id, v)| (id, v.as_ref())), k)
                .into_iter()
                .filter_map(|(id, d)| plain(id).map(|(e, r)| e.hit(id, r, d.score)))
                .collect(),
            None => {
                let of_lang = vectors
                    .iter()
                    .filter(|(_, e)| e.lang == lang)
                    .map(|(id, e)| (id, &e.plain));
                rank(question, of_lang, k)
                    .into_iter()
                    .map(|(id, r)| vectors[id].hit(id, r, r.score))
                    .collect()
            }
        };
        for id in also {
            if hits.iter().any(|h| h.article_id == *id) {
                continue;
            }
            let Some((e, r)) = plain(id) else {
                continue;
            };
            // Its distinct score when it is in the space, else its plain one.
            let distinct = space
                .as_ref()
                .and_then(|(s, q)| s.articles.get(*id)?.rate_all(q))
                .map_or(r.score, |d| d.score);
            hits.push(e.hit(id, r, distinct));
        }
        hits
    }
}

/// The lines of an article the model embeds, each with the heading and passage it points
/// at: the title and example questions (pointing at the first passage), then every
/// non-empty line of every passage. Public so the offline tools embed exactly these.
pub fn embedded_lines(a: &Article) -> Vec<(String, String, String)> {
    let mut texts: Vec<(String, String, String)> = Vec::new();
    let parts = passages::split(&a.body);
    let mut push = |heading: &str, passage: &str, text: &str| {
        let text = text.trim();
        if !text.is_empty() {
            texts.push((heading.into(), passage.into(), text.into()));
        }
    };
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
    texts
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
        // Files are named by the arithmetic too, so another kernel's vectors are not reused.
        let key = &first.cache.as_ref().unwrap().model_key;
        assert!(key.contains(&first.encoder.arithmetic()), "{key}");
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
            .with_cache(cache.path(), model)
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
        let q = s.embed("do parcels come by bike");
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
        let q = s.embed("what is the name of your cat");
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
        let q = s.embed("how do parcels travel");
        let hits = s.nearest(&q, Lang::En, 1);
        assert_eq!(hits[0].article_id, "en-a");
        assert!(
            (hits[0].distinct - hits[0].score).abs() > 1e-4,
            "ranked in a space: {hits:?}"
        );
    }
}
