//! Tantivy analyzers per language.
//!
//! Order matters: lowercase -> stop words -> stemmer -> ASCII folding, so that
//! `remboursements` and `Remboursement` meet at `rembours` and accents never block a match.

use super::article::Lang;
use super::stopwords;
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    StopWordFilter, TextAnalyzer, TokenizerManager,
};

/// Name under which a language's analyzer is registered in the index.
pub fn analyzer_name(lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => "candor_fr",
        Lang::En => "candor_en",
    }
}

/// Name of the analyzer that keeps every word (see [`all_words_analyzer`]).
pub fn all_words_analyzer_name(lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => "candor_fr_all",
        Lang::En => "candor_en_all",
    }
}

fn stemmer(lang: Lang) -> Stemmer {
    Stemmer::new(match lang {
        Lang::Fr => Language::French,
        Lang::En => Language::English,
    })
}

/// Builds the analyzer of one language: content words only.
pub fn analyzer(lang: Lang) -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(StopWordFilter::remove(stopwords::for_lang(lang)))
        .filter(stemmer(lang))
        .filter(AsciiFoldingFilter)
        .build()
}

/// The same analysis without stop-word removal: function words ("where is my…") carry
/// a little evidence about the intent of short questions, at a low weight.
pub fn all_words_analyzer(lang: Lang) -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(stemmer(lang))
        .filter(AsciiFoldingFilter)
        .build()
}

/// Registers every language's analyzers with an index's tokenizer manager.
pub fn register(manager: &TokenizerManager) {
    for lang in Lang::ALL {
        manager.register(analyzer_name(lang), analyzer(lang));
        manager.register(all_words_analyzer_name(lang), all_words_analyzer(lang));
    }
}

/// The index terms a text produces in a language, in order.
pub fn terms(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_plurals_accents_and_stop_words_meet_at_one_stem() {
        let mut a = analyzer(Lang::Fr);
        assert_eq!(
            terms(&mut a, "Les remboursements"),
            terms(&mut a, "remboursement")
        );
        assert_eq!(
            terms(&mut a, "où est ma livraison"),
            terms(&mut a, "livraison")
        );
        assert!(terms(&mut a, "Bonjour, merci").is_empty());
    }

    #[test]
    fn english_stems_and_drops_fillers() {
        let mut a = analyzer(Lang::En);
        assert_eq!(
            terms(&mut a, "Please, how do I get refunds?"),
            vec!["refund"]
        );
    }
}
