//! Meaning-based search over the help centre with the optional embedding models (one per
//! language: MiniLM for English, multilingual-e5-small for French): every title, example
//! question and passage line of an article in a language with a model is embedded once
//! (when the article is indexed); a question is embedded only when the lexical search is
//! unsure.

use super::{passages, whitening, Article, Lang};
use anyhow::Context;
use cache::{read_vectors, Cache};
use candor_embed::{Encoder, Precision};
use space::{rank, Rating, Space, Vectors};
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// The embedding cache on disk.
mod cache;
/// One language's model and the rule that trusts it.
mod reader;
pub use reader::{calibrated, Reader, E5_CALIBRATION, MINILM_CALIBRATION};
/// Each article's vectors, the help centre's own space, and the ranking.
mod space;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};

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

/// The models (one per language that has one), the vectors of every article they read,
/// and the spaces they are ranked in.
pub struct Semantic {
    readers: HashMap<Lang, Reader>,
    cache: Option<Arc<Cache>>,
    vectors: RwLock<HashMap<String, Arc<Embedded>>>,
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
    /// Another model's reading of the same articles, asked when a language's own model is
    /// unsure (`answer::meaning::SECOND_OPINION`): multilingual-e5-small reads English too,
    /// so when it is loaded for French it also reads the English articles. Its own vectors
    /// and spaces; the same cache directory (files are named by the model).
    second: Option<Box<Semantic>>,
}

impl Semantic {
    /// A model for English from a local directory, with the default rule (benches, tests).
    pub fn load(dir: &Path) -> anyhow::Result<Semantic> {
        let rule = crate::config::EmbeddingSettings::default();
        Ok(Semantic::with_readers(
            [(
                Lang::En,
                Reader::load(dir, &rule.en_rule(), Precision::Fast)?,
            )]
            .into(),
        ))
    }

    /// The models the settings name (English, French), or None when none is configured
    /// and present; a configured but missing directory is warned about and that language
    /// runs on lexical search alone.
    pub fn from_settings(
        settings: &crate::config::EmbeddingSettings,
    ) -> anyhow::Result<Option<Semantic>> {
        let wanted = [
            (Lang::En, &settings.model_dir, settings.en_rule()),
            (Lang::Fr, &settings.fr.model_dir, settings.fr_rule()),
        ];
        let precision: Precision = settings.precision.parse()?;
        let mut readers = HashMap::new();
        for (lang, dir, rule) in wanted {
            let Some(dir) = dir else { continue };
            if !Encoder::present(dir) {
                tracing::warn!(lang = lang.code(), dir = %dir.display(), "no embedding model there: lexical search only");
                continue;
            }
            let reader = Reader::load(dir, &rule, precision)
                .with_context(|| format!("loading the embedding model from {}", dir.display()))?;
            readers.insert(lang, reader);
        }
        // With `second_opinion` on, the French model gives English a second opinion (its
        // rule is not used there: the English rule decides on the two models' mixed score).
        let second = readers
            .get(&Lang::Fr)
            .filter(|_| settings.second_opinion && readers.contains_key(&Lang::En))
            .map(|fr| Box::new(Semantic::with_readers([(Lang::En, fr.clone())].into())));
        Ok((!readers.is_empty()).then(|| Semantic {
            second,
            ..Semantic::with_readers(readers)
        }))
    }

    /// The models of each language that has one.
    pub fn with_readers(readers: HashMap<Lang, Reader>) -> Semantic {
        Semantic {
            readers,
            cache: None,
            vectors: RwLock::new(HashMap::new()),
            ready: AtomicBool::new(false),
            touched: Mutex::new(HashSet::new()),
            spaces: RwLock::new(HashMap::new()),
            refitting: Mutex::new(()),
            second: None,
        }
    }

    /// Keeps computed vectors in `dir` between starts (each language's model names its own).
    pub fn with_cache(mut self, dir: &Path) -> anyhow::Result<Semantic> {
        std::fs::create_dir_all(dir)?;
        let cache = Arc::new(Cache {
            dir: dir.to_path_buf(),
            used: Default::default(),
        });
        // One cache for both readings: each prunes only what neither used.
        if let Some(second) = self.second.as_mut() {
            second.cache = Some(cache.clone());
        }
        self.cache = Some(cache);
        Ok(self)
    }

    /// The same models and vectors, for a preview index (vectors are shared, not copied).
    pub fn fork(&self) -> Semantic {
        Semantic {
            readers: self.readers.clone(),
            // A draft's vectors are not worth keeping.
            cache: None,
            vectors: RwLock::new(self.vectors.read().expect("vectors lock").clone()),
            // A fork taken while warming stays unconsulted; the editor rebuilds its preview
            // once the live model is ready.
            ready: AtomicBool::new(self.is_ready()),
            touched: Mutex::new(HashSet::new()),
            spaces: RwLock::new(self.spaces.read().expect("spaces lock").clone()),
            refitting: Mutex::new(()),
            second: self.second.as_ref().map(|s| Box::new(s.fork())),
        }
    }

    /// Whether the articles present at start are embedded (see `upsert_all`).
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    /// The model and rule for `lang`, if it has one.
    pub fn reader(&self, lang: Lang) -> Option<&Reader> {
        self.readers.get(&lang)
    }

    /// The second reading of `lang`'s articles, if there is one and it is ready.
    pub fn second_opinion(&self, lang: Lang) -> Option<&Semantic> {
        self.second
            .as_deref()
            .filter(|s| s.reads(lang) && s.is_ready())
    }

    /// Each language with a second opinion and the model that gives it.
    pub fn second_opinions(&self) -> Vec<(Lang, String)> {
        self.second.as_ref().map_or_else(Vec::new, |s| s.models())
    }

    /// Each language with a model and the model's name, English first.
    pub fn models(&self) -> Vec<(Lang, String)> {
        let mut models: Vec<(Lang, String)> = self
            .readers
            .iter()
            .map(|(l, r)| (*l, r.model_name()))
            .collect();
        models.sort_by_key(|(l, _)| l.code());
        models
    }

    /// The name of the model that reads `lang` (empty when none does).
    pub fn model_name_of(&self, lang: Lang) -> String {
        self.reader(lang)
            .map(Reader::model_name)
            .unwrap_or_default()
    }

    /// The models' names, for logs: "en: …, fr: …".
    pub fn model_names(&self) -> String {
        let names: Vec<String> = self
            .models()
            .into_iter()
            .map(|(l, name)| format!("{}: {name}", l.code()))
            .collect();
        names.join(", ")
    }

    /// Whether questions and articles in `lang` go to a model. MiniLM reads English only
    /// (tried on the French dev questions with the English thresholds, it lowered French
    /// top-1 from 0.879 to 0.788 and declines from 0.917 to 0.167); French needs a French-
    /// reading model of its own (multilingual-e5-small).
    pub fn reads(&self, lang: Lang) -> bool {
        self.readers.contains_key(&lang)
    }

    /// Embeds a question in `lang` (which the caller checked it reads).
    pub fn embed(&self, text: &str, lang: Lang) -> Vec<f32> {
        self.readers[&lang].encoder.embed(text)
    }
    fn lines(&self, a: &Article) -> Embedded {
        let texts = embedded_lines(a);
        let vectors = self.vectors_of(&self.readers[&a.lang], &texts);
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
    fn vectors_of(&self, reader: &Reader, texts: &[(String, String, String)]) -> Vec<Vec<f32>> {
        let file = self.cache.as_ref().map(|c| c.file(&reader.key, texts));
        if let Some(v) = file.as_ref().and_then(|f| read_vectors(f, texts.len())) {
            return v;
        }
        let vectors: Vec<Vec<f32>> = texts
            .iter()
            .map(|t| reader.encoder.embed_passage(&t.2))
            .collect();
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

    /// Embeds an article (of a language a model reads; any other is forgotten).
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
        if let Some(second) = &self.second {
            second.upsert(a);
        }
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
        let read: Vec<&Article> = articles.iter().filter(|a| self.reads(a.lang)).collect();
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let chunk = read.len().div_ceil(threads).max(1);
        let done: Vec<(String, Arc<Embedded>)> = std::thread::scope(|s| {
            let handles: Vec<_> = read
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
        // Ready once both readings are: the second embeds after the first, so the cache's
        // prune (in the second's) sees the files of both.
        if let Some(second) = &self.second {
            second.upsert_all(articles);
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
        if let Some(second) = &self.second {
            second.remove(id);
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
                        let placed = space.place(e);
                        space.insert(id, placed);
                    }
                    None => space.remove(id),
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
            Some((s, q)) => s
                .rank(q, k)
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
                .and_then(|(s, q)| s.get(id)?.rate_all(q))
                .map_or(r.score, |d| d.score);
            hits.push(e.hit(id, r, distinct));
        }
        hits
    }

    /// How close each of these articles is to an embedded question (those this model has
    /// vectors for), in `ids`' order.
    pub fn rate(&self, question: &[f32], lang: Lang, ids: &[&str]) -> Vec<Hit> {
        self.compete(question, lang, 0, ids)
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

/// With the real models where the tests need them (`CANDOR_TEST_EMBEDDING_MODEL`).
#[cfg(test)]
mod tests;
