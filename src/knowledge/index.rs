//! The Tantivy index of passages and the search the assistant answers from.
//!
//! One document per passage, with per-language fields so each language gets its own
//! analyzer. The index lives in the data dir and is rebuilt at start only when the
//! knowledge base changed. Updates go through one writer: delete the article's passages,
//! add the new ones, commit, reload the reader — visible to the very next question.

use super::analysis;
use super::article::{Article, Lang};
use super::negation;
use super::passages;
use super::query::{self, QueryTerm};
use super::schema::{schema, Fields, SCHEMA_VERSION};
use super::semantic::{Hit, Semantic};
use super::spelling::Vocabulary;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};
use tantivy::collector::TopDocs;
use tantivy::schema::{Field, Value};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{doc, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

/// How many passages are scored before grouping them by article.
const HITS: usize = 30;

/// The best passage of one article for a question.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub article_id: String,
    pub title: String,
    pub url: Option<String>,
    pub version: String,
    pub heading: String,
    pub passage: String,
    pub score: f32,
    /// Index terms of the question found in this article's title or passage.
    pub matched: Vec<String>,
    /// The article's example question closest to the visitor's, and how close (Dice, 0..1).
    pub example_question: Option<(String, f32)>,
    /// The article's tags (operators route some topics to a person by tag).
    pub tags: Vec<String>,
}

/// What the index returned for a question: its terms and the best articles, best first.
#[derive(Debug, Clone)]
pub struct Retrieval {
    pub lang: Lang,
    pub terms: Vec<QueryTerm>,
    pub candidates: Vec<Candidate>,
    pub kb_version: String,
    /// The words read as "my parcel did not arrive", as typed (see `negation`).
    pub missing_parcel: Option<String>,
}

#[derive(Default)]
struct KbState {
    vocab: HashMap<Lang, Vocabulary>,
    passages: HashMap<Lang, u64>,
    /// id -> (version, language, passage count)
    articles: HashMap<String, (String, Lang, u64)>,
    /// The live articles themselves: the editor lists them and previews drafts among them.
    docs: HashMap<String, Article>,
    version: String,
}

/// The search index and what the assistant knows about the knowledge base.
pub struct KnowledgeIndex {
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    state: RwLock<KbState>,
    analyzers: HashMap<Lang, (TextAnalyzer, TextAnalyzer)>,
    /// Built-in synonyms plus the operator's, applied at query time.
    lexicon: RwLock<Vec<query::Entry>>,
    /// The optional embedding model and the vectors of the articles it reads.
    semantic: RwLock<Option<Arc<Semantic>>>,
    /// Per language: the live knowledge-base version and its copy for "try a question".
    previews: Mutex<HashMap<Lang, (String, Box<KnowledgeIndex>)>>,
}

impl KnowledgeIndex {
    /// Opens the index in `dir`, rebuilding it when the knowledge base changed.
    pub fn open(dir: &Path, articles: &[Article]) -> anyhow::Result<KnowledgeIndex> {
        let (schema, fields) = schema();
        let version = kb_version(articles);
        let marker = dir.join("candor-kb-version");
        let reuse = std::fs::read_to_string(&marker).ok().as_deref() == Some(version.as_str());
        let index = match reuse.then(|| Index::open_in_dir(dir)).and_then(Result::ok) {
            Some(index) if index.schema() == schema => index,
            _ => {
                if dir.exists() {
                    std::fs::remove_dir_all(dir)?;
                }
                std::fs::create_dir_all(dir)?;
                Index::create_in_dir(dir, schema)?
            }
        };
        let kb = KnowledgeIndex::over(index, fields, 50_000_000, query::lexicon(&[]))?;
        kb.load(articles, reuse)?;
        std::fs::write(&marker, &version)?;
        tracing::info!(articles = articles.len(), kb_version = %version, reused = reuse, "knowledge index ready");
        Ok(kb)
    }

    fn over(
        index: Index,
        fields: Fields,
        writer_bytes: usize,
        lexicon: Vec<query::Entry>,
    ) -> anyhow::Result<KnowledgeIndex> {
        analysis::register(index.tokenizers());
        let writer = index.writer_with_num_threads(1, writer_bytes)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let analyzers = Lang::ALL
            .iter()
            .map(|l| {
                (
                    *l,
                    (analysis::analyzer(*l), analysis::all_words_analyzer(*l)),
                )
            })
            .collect();
        Ok(KnowledgeIndex {
            reader,
            writer: Mutex::new(writer),
            fields,
            state: RwLock::new(KbState::default()),
            analyzers,
            lexicon: RwLock::new(lexicon),
            semantic: RwLock::new(None),
            previews: Mutex::new(HashMap::new()),
        })
    }

    /// Runs `ask` on an index in memory holding the live articles of the draft's language
    /// with `draft` in place of its published version (or added, for a new article): it
    /// shows how the assistant would answer once the draft is published — same competitors,
    /// same statistics, same synonyms — and the live index is not touched.
    ///
    /// The in-memory index of each language is kept between trials and rebuilt only when the
    /// live knowledge base changed: a trial then costs one upsert and one restore. (Its
    /// typo-correction vocabulary keeps the words of earlier drafts until that rebuild — a
    /// misspelt question might be read slightly more generously than it will be live.)
    pub fn with_preview<T>(
        &self,
        draft: &Article,
        ask: impl FnOnce(&KnowledgeIndex) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        let mut previews = self.previews.lock().expect("previews lock");
        // A preview built while the model warmed up has no model: rebuilt once it is ready.
        let version = format!("{}:{}", self.version(), self.embedding_state());
        if previews.get(&draft.lang).is_none_or(|(v, _)| *v != version) {
            let fresh = Box::new(self.preview_of(draft.lang)?);
            previews.insert(draft.lang, (version, fresh));
        }
        let (_, kb) = previews.get(&draft.lang).expect("preview just built");
        *kb.lexicon.write().expect("lexicon lock") =
            self.lexicon.read().expect("lexicon lock").clone();
        kb.upsert(draft)?;
        let answer = ask(kb);
        // Put the live text back, so the next trial starts from the knowledge base as it is.
        let restored = match self.live_article(&draft.id) {
            Some(live) if live.lang == draft.lang => kb.upsert(&live),
            _ => kb.remove(&draft.id),
        };
        if restored.is_err() {
            previews.remove(&draft.lang);
        }
        answer
    }

    /// A copy in memory of one language's live articles (and their vectors).
    fn preview_of(&self, lang: Lang) -> anyhow::Result<KnowledgeIndex> {
        let (schema, fields) = schema();
        let lexicon = self.lexicon.read().expect("lexicon lock").clone();
        let kb = KnowledgeIndex::over(Index::create_in_ram(schema), fields, 15_000_000, lexicon)?;
        let articles: Vec<Article> = {
            let state = self.state.read().expect("kb state lock");
            let docs = state.docs.values();
            docs.filter(|a| a.lang == lang).cloned().collect()
        };
        kb.load(&articles, false)?;
        if let Some(semantic) = self.semantic() {
            *kb.semantic.write().expect("semantic lock") = Some(Arc::new(semantic.fork()));
        }
        Ok(kb)
    }

    /// Turns on the embedding model: installs it at once (publishes from now on are
    /// embedded), embeds every live article it can read, then lets the assistant consult it.
    /// Until then questions get lexical answers; `embedding_state` says which.
    pub fn set_semantic(&self, semantic: Semantic) {
        let started = std::time::Instant::now();
        let semantic = Arc::new(semantic);
        *self.semantic.write().expect("semantic lock") = Some(semantic.clone());
        semantic.upsert_all(&self.live_articles());
        tracing::info!(
            ms = started.elapsed().as_millis() as u64,
            models = semantic.model_names(),
            "embedding model ready"
        );
    }

    /// "off" (no model), "warming" (embedding the articles present at start) or "ready".
    pub fn embedding_state(&self) -> &'static str {
        match self.semantic() {
            None => "off",
            Some(s) if s.is_ready() => "ready",
            Some(_) => "warming",
        }
    }

    /// The embedding models in use, by language (none without a model).
    pub fn embedding_models(&self) -> Vec<(Lang, String)> {
        self.semantic().map(|s| s.models()).unwrap_or_default()
    }

    /// The languages whose model asks a second one when unsure, and that second model.
    pub fn second_opinions(&self) -> Vec<(Lang, String)> {
        self.semantic()
            .map(|s| s.second_opinions())
            .unwrap_or_default()
    }

    /// The embedding model, when one is configured.
    pub fn semantic(&self) -> Option<Arc<Semantic>> {
        self.semantic.read().expect("semantic lock").clone()
    }

    /// A live article's passage as a candidate answer (for an answer found by meaning).
    pub fn candidate_for(&self, hit: &Hit) -> Option<Candidate> {
        let state = self.state.read().expect("kb state lock");
        let a = state.docs.get(&hit.article_id)?;
        Some(Candidate {
            article_id: a.id.clone(),
            title: a.title.clone(),
            url: a.url.clone(),
            version: a.version.clone(),
            heading: hit.heading.clone(),
            passage: hit.passage.clone(),
            score: 0.0,
            matched: Vec::new(),
            example_question: None,
            tags: a.tags.clone(),
        })
    }

    /// Every article the assistant answers from now, sorted by id.
    pub fn live_articles(&self) -> Vec<Article> {
        let state = self.state.read().expect("kb state lock");
        let mut all: Vec<Article> = state.docs.values().cloned().collect();
        all.sort_by(|a, b| a.id.cmp(&b.id));
        all
    }

    /// One live article by id.
    pub fn live_article(&self, id: &str) -> Option<Article> {
        self.state
            .read()
            .expect("kb state lock")
            .docs
            .get(id)
            .cloned()
    }

    fn load(&self, articles: &[Article], already_indexed: bool) -> anyhow::Result<()> {
        let mut writer = self.writer.lock().expect("index writer lock");
        if !already_indexed {
            writer.delete_all_documents()?;
        }
        let mut state = self.state.write().expect("kb state lock");
        for article in articles {
            if !already_indexed {
                self.add_documents(&writer, article)?;
            }
            remember(&mut state, article);
        }
        state.version = kb_version_from(&state.articles);
        writer.commit()?;
        self.reader.reload()?;
        Ok(())
    }

    /// Replaces one article's passages; the next question sees the change.
    pub fn upsert(&self, article: &Article) -> anyhow::Result<()> {
        if let Some(semantic) = self.semantic() {
            semantic.upsert(article);
        }
        let mut writer = self.writer.lock().expect("index writer lock");
        writer.delete_term(Term::from_field_text(self.fields.article_id, &article.id));
        self.add_documents(&writer, article)?;
        writer.commit()?;
        self.reader.reload()?;
        let mut state = self.state.write().expect("kb state lock");
        remember(&mut state, article);
        state.version = kb_version_from(&state.articles);
        Ok(())
    }

    /// Removes an article's passages (unpublished); the next question no longer finds it.
    pub fn remove(&self, id: &str) -> anyhow::Result<()> {
        if let Some(semantic) = self.semantic() {
            semantic.remove(id);
        }
        let mut writer = self.writer.lock().expect("index writer lock");
        writer.delete_term(Term::from_field_text(self.fields.article_id, id));
        writer.commit()?;
        self.reader.reload()?;
        let mut state = self.state.write().expect("kb state lock");
        if let Some((_, lang, count)) = state.articles.remove(id) {
            *state.passages.entry(lang).or_default() -= count;
        }
        state.docs.remove(id);
        state.version = kb_version_from(&state.articles);
        Ok(())
    }

    fn add_documents(&self, writer: &IndexWriter, a: &Article) -> anyhow::Result<()> {
        let f = self.fields;
        let lf = f.of(a.lang);
        // Tags are the operator's keywords ("rgpd"): searched like example questions.
        let questions = a
            .questions
            .iter()
            .chain(&a.tags)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n");
        for p in passages::split(&a.body) {
            writer.add_document(doc!(
                f.article_id => a.id.as_str(),
                f.lang => a.lang.code(),
                f.title => a.title.as_str(),
                f.heading => p.heading.as_str(),
                f.passage => p.text.as_str(),
                f.url => a.url.as_deref().unwrap_or(""),
                f.version => a.version.as_str(),
                f.questions => questions.as_str(),
                f.tags => a.tags.join("\n"),
                lf.title => a.title.as_str(),
                lf.body => format!("{}\n{}", p.heading, p.text),
                lf.questions => questions.as_str(),
                lf.all => format!("{}\n{}\n{}\n{}", a.title, p.heading, p.text, questions),
            ))?;
        }
        Ok(())
    }

    /// The knowledge-base version: changes whenever any article changes.
    pub fn version(&self) -> String {
        self.state.read().expect("kb state lock").version.clone()
    }

    /// Replaces the operator's synonym rules (the built-in ones stay).
    pub fn set_operator_synonyms(&self, entries: &[query::Entry]) {
        *self.lexicon.write().expect("lexicon lock") = query::lexicon(entries);
    }

    /// The content terms (stems, stop words removed) of a text in a language.
    pub fn content_terms_of(&self, text: &str, lang: Lang) -> Vec<String> {
        let mut analyzer = self.analyzers[&lang].0.clone();
        analysis::terms(&mut analyzer, text)
    }

    /// Number of articles per language code.
    pub fn articles_per_lang(&self) -> std::collections::BTreeMap<String, usize> {
        let state = self.state.read().expect("kb state lock");
        let mut out = std::collections::BTreeMap::new();
        for (_, lang, _) in state.articles.values() {
            *out.entry(lang.code().to_string()).or_default() += 1;
        }
        out
    }

    /// Number of articles known to the index.
    pub fn article_count(&self) -> usize {
        self.state.read().expect("kb state lock").articles.len()
    }

    /// Finds the best passages for a question in one language, one per article.
    #[tracing::instrument(skip_all, fields(lang = lang.code()))]
    pub fn search(&self, question: &str, lang: Lang, limit: usize) -> anyhow::Result<Retrieval> {
        let searcher = self.reader.searcher();
        let lexicon = self.lexicon.read().expect("lexicon lock").clone();
        let lf = self.fields.of(lang);
        let (mut content, mut all) = self.analyzers[&lang].clone();
        // "Jamais reçu", "hasn't arrived": found once, used by the terms, the synonyms and
        // the why record.
        let negated = negation::negated_arrivals(lang, question);
        let read = (question, negated.as_slice());
        let (terms, kb_version) = {
            let state = self.state.read().expect("kb state lock");
            let n = state.passages.get(&lang).copied().unwrap_or(0);
            let empty = Vocabulary::default();
            let vocab = state.vocab.get(&lang).unwrap_or(&empty);
            let df = |t: &str| {
                let body = searcher
                    .doc_freq(&Term::from_field_text(lf.body, t))
                    .unwrap_or(0);
                let title = searcher
                    .doc_freq(&Term::from_field_text(lf.title, t))
                    .unwrap_or(0);
                (body.max(title), n)
            };
            (
                query::content_terms(&mut content, &lexicon, lang, read, vocab, df),
                state.version.clone(),
            )
        };
        let mut retrieval = Retrieval {
            lang,
            terms,
            candidates: Vec::new(),
            kb_version,
            missing_parcel: negation::missing_parcel(question, &negated).map(str::to_string),
        };
        if retrieval.terms.is_empty() {
            return Ok(retrieval);
        }
        let all_terms = query::all_words(&mut all, question);
        let synonyms = query::synonyms(&mut content, &lexicon, read, lang);
        let q = query::build(lf, &retrieval.terms, &synonyms, &all_terms);
        let hits = searcher.search(&q, &TopDocs::with_limit(HITS).order_by_score())?;
        let mut seen = HashSet::new();
        for (score, address) in hits {
            let doc: TantivyDocument = searcher.doc(address)?;
            let article_id = text(&doc, self.fields.article_id);
            if seen.insert(article_id.clone()) {
                let c = self.candidate(
                    &doc,
                    article_id,
                    score,
                    (&mut content, &mut all),
                    &retrieval.terms,
                    &all_terms,
                );
                retrieval.candidates.push(c);
            }
            if retrieval.candidates.len() == limit {
                break;
            }
        }
        Ok(retrieval)
    }

    fn candidate(
        &self,
        doc: &TantivyDocument,
        article_id: String,
        score: f32,
        (content, all): (&mut TextAnalyzer, &mut TextAnalyzer),
        terms: &[QueryTerm],
        all_terms: &[String],
    ) -> Candidate {
        let f = self.fields;
        let (title, heading, passage) = (
            text(doc, f.title),
            text(doc, f.heading),
            text(doc, f.passage),
        );
        let questions = text(doc, f.questions);
        let searchable = format!("{title}\n{heading}\n{passage}\n{questions}");
        let present: HashSet<String> = analysis::terms(content, &searchable).into_iter().collect();
        let covers = |t: &&QueryTerm| {
            present.contains(&t.term) || t.alternatives.iter().any(|a| present.contains(a))
        };
        let matched = terms
            .iter()
            .filter(covers)
            .map(|t| t.term.clone())
            .collect();
        let example_question = questions
            .lines()
            .map(|q| {
                (
                    q.to_string(),
                    query::dice(all_terms, &query::all_words(all, q)),
                )
            })
            .max_by(|a, b| a.1.total_cmp(&b.1));
        let url = Some(text(doc, f.url)).filter(|u| !u.is_empty());
        Candidate {
            article_id,
            title,
            url,
            version: text(doc, f.version),
            heading,
            passage,
            score,
            matched,
            example_question,
            tags: text(doc, f.tags).lines().map(String::from).collect(),
        }
    }
}

fn text(doc: &TantivyDocument, field: Field) -> String {
    doc.get_first(field)
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_string()
}

fn remember(state: &mut KbState, article: &Article) {
    let vocab = state.vocab.entry(article.lang).or_default();
    vocab.add_text(&article.title);
    vocab.add_text(&article.body);
    for q in article.questions.iter().chain(&article.tags) {
        vocab.add_text(q);
    }
    let count = passages::split(&article.body).len() as u64;
    *state.passages.entry(article.lang).or_default() += count;
    let entry = (article.version.clone(), article.lang, count);
    if let Some((_, old_lang, old_count)) = state.articles.insert(article.id.clone(), entry) {
        *state.passages.entry(old_lang).or_default() -= old_count;
    }
    state.docs.insert(article.id.clone(), article.clone());
}

fn kb_version(articles: &[Article]) -> String {
    let map = articles
        .iter()
        .map(|a| (a.id.clone(), (a.version.clone(), a.lang, 0)))
        .collect();
    kb_version_from(&map)
}

fn kb_version_from(articles: &HashMap<String, (String, Lang, u64)>) -> String {
    let mut pairs: Vec<_> = articles.iter().map(|(id, (v, _, _))| (id, v)).collect();
    pairs.sort();
    let mut h = Sha256::new();
    h.update(SCHEMA_VERSION.as_bytes());
    for (id, version) in pairs {
        h.update(id.as_bytes());
        h.update(version.as_bytes());
    }
    let digest = h.finalize();
    format!(
        "kb-{}",
        digest
            .iter()
            .take(6)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    )
}
