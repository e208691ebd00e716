//! The Tantivy index of passages and the search the assistant answers from.
//!
//! One document per passage, with per-language title/body/questions fields so each language
//! gets its own analyzer. The index lives in the data dir and is rebuilt at start only when
//! the knowledge base changed. Updates go through one writer: delete the article's
//! passages, add the new ones, commit, reload the reader — visible to the next question.

use super::analysis::{self, analyzer_name};
use super::article::{Article, Lang};
use super::passages;
use super::spelling::{self, Vocabulary};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Mutex, RwLock};
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, STORED, STRING,
};
use tantivy::{doc, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

/// Bump when the schema or the analyzers change, so old indexes are rebuilt.
const SCHEMA_VERSION: &str = "candor-index-v1";
const TITLE_BOOST: f32 = 1.5;
const QUESTIONS_BOOST: f32 = 1.2;
/// How many passages are scored before grouping them by article.
const HITS: usize = 30;

#[derive(Clone, Copy)]
struct LangFields {
    title: Field,
    body: Field,
    questions: Field,
}

#[derive(Clone, Copy)]
struct Fields {
    article_id: Field,
    lang: Field,
    title: Field,
    heading: Field,
    passage: Field,
    url: Field,
    version: Field,
    per_lang: [LangFields; 2],
}

impl Fields {
    fn of(&self, lang: Lang) -> LangFields {
        self.per_lang[lang as usize]
    }
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let article_id = b.add_text_field("article_id", STRING | STORED);
    let lang = b.add_text_field("lang", STRING | STORED);
    let title = b.add_text_field("title", STORED);
    let heading = b.add_text_field("heading", STORED);
    let passage = b.add_text_field("passage", STORED);
    let url = b.add_text_field("url", STORED);
    let version = b.add_text_field("version", STORED);
    let per_lang = Lang::ALL.map(|l| {
        let opts = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(analyzer_name(l))
                .set_index_option(IndexRecordOption::WithFreqs),
        );
        LangFields {
            title: b.add_text_field(&format!("title_{}", l.code()), opts.clone()),
            body: b.add_text_field(&format!("body_{}", l.code()), opts.clone()),
            questions: b.add_text_field(&format!("questions_{}", l.code()), opts),
        }
    });
    let fields = Fields {
        article_id,
        lang,
        title,
        heading,
        passage,
        url,
        version,
        per_lang,
    };
    (b.build(), fields)
}

/// A query word after typo and accent resolution, with its weight.
#[derive(Debug, Clone, serde::Serialize)]
pub struct QueryTerm {
    /// The word as the visitor typed it.
    pub word: String,
    /// The known word it was read as, when it was corrected.
    pub read_as: Option<String>,
    /// The index term (stem).
    pub term: String,
    /// Inverse document frequency: rare words weigh more.
    pub idf: f32,
    /// Whether any passage of this language contains the term.
    pub known: bool,
}

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
    /// Index terms of the question found in this article's title, passage or questions.
    pub matched: Vec<String>,
}

/// What the index returned for a question: its terms and the best articles, best first.
#[derive(Debug, Clone)]
pub struct Retrieval {
    pub lang: Lang,
    pub terms: Vec<QueryTerm>,
    pub candidates: Vec<Candidate>,
    pub kb_version: String,
}

#[derive(Default)]
struct KbState {
    vocab: HashMap<Lang, Vocabulary>,
    passages: HashMap<Lang, u64>,
    /// id -> (version, language, passage count)
    articles: HashMap<String, (String, Lang, u64)>,
    version: String,
}

/// The search index and what the assistant knows about the knowledge base.
pub struct KnowledgeIndex {
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    state: RwLock<KbState>,
    analyzers: HashMap<Lang, tantivy::tokenizer::TextAnalyzer>,
}

impl KnowledgeIndex {
    /// Opens the index in `dir`, rebuilding it when the knowledge base changed.
    pub fn open(dir: &Path, articles: &[Article]) -> anyhow::Result<KnowledgeIndex> {
        let (schema, fields) = schema();
        let version = kb_version(articles);
        let marker = dir.join("candor-kb-version");
        let current = std::fs::read_to_string(&marker).ok();
        let reuse = current.as_deref() == Some(version.as_str());
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
        analysis::register(index.tokenizers());
        let writer = index.writer_with_num_threads(1, 50_000_000)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let analyzers = Lang::ALL
            .iter()
            .map(|l| (*l, analysis::analyzer(*l)))
            .collect();
        let kb = KnowledgeIndex {
            reader,
            writer: Mutex::new(writer),
            fields,
            state: RwLock::new(KbState::default()),
            analyzers,
        };
        kb.load(articles, reuse && current.is_some())?;
        std::fs::write(&marker, &version)?;
        tracing::info!(articles = articles.len(), kb_version = %version, reused = reuse, "knowledge index ready");
        Ok(kb)
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

    fn add_documents(&self, writer: &IndexWriter, a: &Article) -> anyhow::Result<()> {
        let f = self.fields;
        let lf = f.of(a.lang);
        let questions = a.questions.join("\n");
        for p in passages::split(&a.body) {
            writer.add_document(doc!(
                f.article_id => a.id.as_str(),
                f.lang => a.lang.code(),
                f.title => a.title.as_str(),
                f.heading => p.heading.as_str(),
                f.passage => p.text.as_str(),
                f.url => a.url.as_deref().unwrap_or(""),
                f.version => a.version.as_str(),
                lf.title => a.title.as_str(),
                lf.body => format!("{}\n{}", p.heading, p.text),
                lf.questions => questions.as_str(),
            ))?;
        }
        Ok(())
    }

    /// The knowledge-base version: changes whenever any article changes.
    pub fn version(&self) -> String {
        self.state.read().expect("kb state lock").version.clone()
    }

    /// Number of articles known to the index.
    pub fn article_count(&self) -> usize {
        self.state.read().expect("kb state lock").articles.len()
    }

    /// Finds the best passages for a question in one language, one per article.
    #[tracing::instrument(skip_all, fields(lang = lang.code()))]
    pub fn search(&self, question: &str, lang: Lang, limit: usize) -> anyhow::Result<Retrieval> {
        let searcher = self.reader.searcher();
        let lf = self.fields.of(lang);
        let (terms, kb_version) = {
            let state = self.state.read().expect("kb state lock");
            let n = state.passages.get(&lang).copied().unwrap_or(0);
            let empty = Vocabulary::default();
            let vocab = state.vocab.get(&lang).unwrap_or(&empty);
            (
                self.query_terms(question, lang, vocab, |t| {
                    let df = searcher
                        .doc_freq(&Term::from_field_text(lf.body, t))
                        .unwrap_or(0);
                    let df_title = searcher
                        .doc_freq(&Term::from_field_text(lf.title, t))
                        .unwrap_or(0);
                    (df.max(df_title), n)
                }),
                state.version.clone(),
            )
        };
        let mut retrieval = Retrieval {
            lang,
            terms,
            candidates: Vec::new(),
            kb_version,
        };
        if retrieval.terms.is_empty() {
            return Ok(retrieval);
        }
        let query = self.build_query(lf, &retrieval.terms);
        let hits = searcher.search(&query, &TopDocs::with_limit(HITS).order_by_score())?;
        let mut seen = HashSet::new();
        for (score, address) in hits {
            let doc: TantivyDocument = searcher.doc(address)?;
            let article_id = text(&doc, self.fields.article_id);
            if !seen.insert(article_id.clone()) {
                continue;
            }
            retrieval.candidates.push(self.candidate(
                &doc,
                article_id,
                score,
                lang,
                &retrieval.terms,
            ));
            if retrieval.candidates.len() == limit {
                break;
            }
        }
        Ok(retrieval)
    }

    fn query_terms(
        &self,
        question: &str,
        lang: Lang,
        vocab: &Vocabulary,
        df: impl Fn(&str) -> (u64, u64),
    ) -> Vec<QueryTerm> {
        let mut analyzer = self.analyzers[&lang].clone();
        let mut out: Vec<QueryTerm> = Vec::new();
        for word in spelling::words(question).take(64) {
            let resolved = vocab.resolve(word);
            let read_as = resolved
                .filter(|r| spelling::fold(r) != spelling::fold(word))
                .map(str::to_string);
            for term in analysis::terms(&mut analyzer, resolved.unwrap_or(word)) {
                if out.iter().any(|t| t.term == term) {
                    continue;
                }
                let (freq, n) = df(&term);
                let idf = (1.0 + (n as f32 - freq as f32 + 0.5) / (freq as f32 + 0.5)).ln();
                out.push(QueryTerm {
                    word: word.to_string(),
                    read_as: read_as.clone(),
                    term,
                    idf: idf.max(0.01),
                    known: freq > 0,
                });
            }
        }
        out
    }

    fn build_query(&self, lf: LangFields, terms: &[QueryTerm]) -> BooleanQuery {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for t in terms.iter().filter(|t| t.known) {
            for (field, boost) in [
                (lf.body, 1.0),
                (lf.title, TITLE_BOOST),
                (lf.questions, QUESTIONS_BOOST),
            ] {
                let q = TermQuery::new(
                    Term::from_field_text(field, &t.term),
                    IndexRecordOption::WithFreqs,
                );
                clauses.push((Occur::Should, Box::new(BoostQuery::new(Box::new(q), boost))));
            }
        }
        BooleanQuery::new(clauses)
    }

    fn candidate(
        &self,
        doc: &TantivyDocument,
        article_id: String,
        score: f32,
        lang: Lang,
        terms: &[QueryTerm],
    ) -> Candidate {
        let f = self.fields;
        let (title, heading, passage) = (
            text(doc, f.title),
            text(doc, f.heading),
            text(doc, f.passage),
        );
        let mut analyzer = self.analyzers[&lang].clone();
        let present: HashSet<String> =
            analysis::terms(&mut analyzer, &format!("{title}\n{heading}\n{passage}"))
                .into_iter()
                .collect();
        let matched = terms
            .iter()
            .filter(|t| present.contains(&t.term))
            .map(|t| t.term.clone())
            .collect();
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
    for q in &article.questions {
        vocab.add_text(q);
    }
    let count = passages::split(&article.body).len() as u64;
    *state.passages.entry(article.lang).or_default() += count;
    let entry = (article.version.clone(), article.lang, count);
    if let Some((_, old_lang, old_count)) = state.articles.insert(article.id.clone(), entry) {
        *state.passages.entry(old_lang).or_default() -= old_count;
    }
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
