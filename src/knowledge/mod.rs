//! Help-centre articles and the search index built from them.

/// Tokenizers per language: stop words, stemming, accent and case folding.
pub mod analysis;
/// An article, its language and its front-matter block.
pub mod article;
/// Line diff between article versions.
pub mod diff;
/// Live editing: versions, publish, unpublish, restore.
pub mod editor;
/// Unanswered questions grouped for operators.
pub mod gaps;
/// Tantivy index of passages, searched per language.
pub mod index;
/// Reads the knowledge dir, reporting bad files without stopping the others.
pub mod loader;
/// Markdown to safe HTML for the editor's preview.
pub mod markdown;
/// "Never received", "hasn't arrived": read as a missing parcel.
pub mod negation;
/// Splits an article body into answerable passages.
pub mod passages;
/// From a question to index terms and a Tantivy query.
pub mod query;
/// The index schema.
mod schema;
/// Meaning-based search with the optional embedding model.
pub mod semantic;
/// Typo tolerance: maps unknown query words to the closest known word.
pub mod spelling;
mod stopwords;
/// How often each article answered, and what visitors said of those answers.
pub mod usage;
/// The help centre's own measure of difference in meaning, fitted on its lines.
pub mod whitening;

pub use article::{Article, Lang};
pub use index::{Candidate, KnowledgeIndex, Retrieval};
pub use query::QueryTerm;
