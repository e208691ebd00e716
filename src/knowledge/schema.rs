//! The index schema: one document per passage, analysed fields per language.

use super::analysis::{all_words_analyzer_name, analyzer_name};
use super::article::Lang;
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, STORED, STRING,
};

/// Bump when the schema or the analyzers change, so old indexes are rebuilt.
pub const SCHEMA_VERSION: &str = "candor-index-v5";

/// The analysed fields of one language.
#[derive(Clone, Copy)]
pub struct LangFields {
    pub title: Field,
    pub body: Field,
    pub questions: Field,
    /// Title, passage and questions with every word kept (no stop-word removal).
    pub all: Field,
}

/// Every field of a passage document.
#[derive(Clone, Copy)]
pub struct Fields {
    pub article_id: Field,
    pub lang: Field,
    pub title: Field,
    pub heading: Field,
    pub passage: Field,
    pub url: Field,
    pub version: Field,
    /// The article's example questions and tags, one per line, as written.
    pub questions: Field,
    /// The article's tags, one per line.
    pub tags: Field,
    pub per_lang: [LangFields; 2],
}

impl Fields {
    /// The analysed fields of a language.
    pub fn of(&self, lang: Lang) -> LangFields {
        self.per_lang[lang as usize]
    }
}

/// Builds the schema and returns its fields.
pub fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let article_id = b.add_text_field("article_id", STRING | STORED);
    let lang = b.add_text_field("lang", STRING | STORED);
    let title = b.add_text_field("title", STORED);
    let heading = b.add_text_field("heading", STORED);
    let passage = b.add_text_field("passage", STORED);
    let url = b.add_text_field("url", STORED);
    let version = b.add_text_field("version", STORED);
    let questions = b.add_text_field("questions", STORED);
    let tags = b.add_text_field("tags", STORED);
    let indexed = |tokenizer: &str| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(IndexRecordOption::WithFreqs),
        )
    };
    let per_lang = Lang::ALL.map(|l| {
        let opts = indexed(analyzer_name(l));
        LangFields {
            title: b.add_text_field(&format!("title_{}", l.code()), opts.clone()),
            body: b.add_text_field(&format!("body_{}", l.code()), opts.clone()),
            questions: b.add_text_field(&format!("questions_{}", l.code()), opts),
            all: b.add_text_field(
                &format!("all_{}", l.code()),
                indexed(all_words_analyzer_name(l)),
            ),
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
        questions,
        tags,
        per_lang,
    };
    (b.build(), fields)
}
