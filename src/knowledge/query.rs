//! Turns a visitor's question into index terms and a Tantivy query.
//!
//! Three kinds of evidence, from strongest to weakest: content words (typo- and
//! accent-corrected) on title, passage and example questions; support-domain synonyms
//! ("how long" ~ delay, "money back" ~ refund); and every word including function words,
//! at a low weight, which helps tell apart short questions like "where is my parcel".

use super::analysis;
use super::article::Lang;
use super::negation;
use super::schema::LangFields;
use super::spelling::{self, Vocabulary};
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::Term;

const TITLE_BOOST: f32 = 1.5;
const QUESTIONS_BOOST: f32 = 1.2;
const SYNONYM_BOOST: f32 = 0.5;
/// Weight of the all-words evidence, chosen on CLINC150 val (0 / 0.3 / 0.6 / 1.0 tried).
const ALL_WORDS_BOOST: f32 = 0.6;
/// Longest question, in words, that is analysed; the rest is ignored.
const MAX_WORDS: usize = 64;

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
    /// Stems of built-in synonyms of the word: an article containing one covers the term.
    pub alternatives: Vec<String>,
}

/// A synonym rule: in this language, a question containing `phrase` also searches `expansion`.
pub type Entry = (Lang, String, String);

/// The built-in rules plus the operator's.
pub fn lexicon(operator: &[Entry]) -> Vec<Entry> {
    let mut all: Vec<Entry> = SYNONYMS
        .iter()
        .map(|(l, p, e)| (*l, p.to_string(), e.to_string()))
        .collect();
    all.extend(operator.iter().cloned());
    all
}

/// Built-in support vocabulary: a phrase in a question also searches these words.
const SYNONYMS: &[(Lang, &str, &str)] = &[
    (Lang::Fr, "combien de temps", "délai jours"),
    (Lang::Fr, "quand", "délai jours"),
    (Lang::Fr, "combien coute", "frais prix"),
    (Lang::Fr, "prix", "frais"),
    (Lang::Fr, "paquet", "colis"),
    (Lang::Fr, "argent", "remboursement"),
    (Lang::Fr, "rendre", "retour"),
    (Lang::Fr, "renvoyer", "retour"),
    (Lang::Fr, "bon d achat", "carte cadeau"),
    (Lang::Fr, "reduction", "code promo"),
    (Lang::Fr, "cassé", "endommagé défectueux"),
    (Lang::Fr, "expédier", "livrer livraison expédition"),
    (Lang::Fr, "perdu", "suivi enquête"),
    (Lang::Fr, "inscrire", "créer compte"),
    (Lang::Fr, "inscription", "créer compte"),
    (Lang::Fr, "connecter", "connexion"),
    (Lang::Fr, "rembourser", "remboursement"),
    (Lang::Fr, "belgique", "union européenne"),
    (Lang::Fr, "allemagne", "union européenne"),
    (Lang::Fr, "espagne", "union européenne"),
    (Lang::Fr, "italie", "union européenne"),
    (Lang::Fr, "étranger", "international pays"),
    (Lang::Fr, "envoyer", "livrer livraison"),
    // A verb and its noun that the stemmer keeps apart ("livrée" is "livr", "livraison"
    // stays "livraison"): each finds the other, in every inflection.
    (Lang::Fr, "livrer", "livraison"),
    (Lang::Fr, "livraison", "livrer"),
    (Lang::Fr, "expédition", "expédier"),
    (Lang::Fr, "connexion", "connecter"),
    (Lang::Fr, "modifier", "modification"),
    (Lang::Fr, "modification", "modifier"),
    (Lang::Fr, "retourner", "retour"),
    (Lang::Fr, "retour", "retourner"),
    (Lang::Fr, "recevoir", "reçu réception"),
    (Lang::Fr, "reçu", "recevoir réception"),
    (Lang::Fr, "réception", "recevoir reçu"),
    (Lang::Fr, "suivre", "suivi"),
    (Lang::Fr, "suivi", "suivre"),
    (Lang::Fr, "perdre", "perdu"),
    (Lang::Fr, "rgpd", "données personnelles"),
    (Lang::Fr, "joindre", "contacter contact"),
    (Lang::Fr, "click and collect", "retrait magasin"),
    (Lang::En, "how long", "time days"),
    (Lang::En, "when", "days"),
    (Lang::En, "how much", "cost costs"),
    (Lang::En, "price", "cost"),
    (Lang::En, "package", "parcel"),
    (Lang::En, "money back", "refund"),
    (Lang::En, "send back", "return"),
    (Lang::En, "voucher", "gift card"),
    (Lang::En, "promo", "discount"),
    (Lang::En, "log in", "sign"),
    (Lang::En, "login", "sign"),
    (Lang::En, "ship", "deliver delivery"),
    (Lang::En, "lost", "tracking investigation"),
    (Lang::En, "sign up", "create account"),
    (Lang::En, "register", "create account"),
    (Lang::En, "belgium", "european union"),
    (Lang::En, "germany", "european union"),
    (Lang::En, "spain", "european union"),
    (Lang::En, "italy", "european union"),
    (Lang::En, "abroad", "international countries"),
    (Lang::En, "send", "deliver delivery"),
    (Lang::En, "gdpr", "personal data"),
    (Lang::En, "reach you", "contact"),
    (Lang::En, "click and collect", "pickup store"),
    (Lang::En, "broken", "damaged faulty"),
];

/// The content terms of a question, each with its IDF from `df(term) -> (df, docs)`. The
/// words `negated` marks (`negation::negated_arrivals`, missing entries are `false`) are
/// not searched.
pub fn content_terms(
    analyzer: &mut TextAnalyzer,
    lexicon: &[Entry],
    lang: Lang,
    (question, negated): (&str, &[bool]),
    vocab: &Vocabulary,
    df: impl Fn(&str) -> (u64, u64),
) -> Vec<QueryTerm> {
    let mut out: Vec<QueryTerm> = Vec::new();
    for (word, _) in with_flags(question, negated)
        .take(MAX_WORDS)
        .filter(|(_, negated)| !negated)
    {
        // A stop word as typed stays one: "des" must not become the help centre's "dès"
        // through the accent-restoring lookup, nor any other word through correction.
        let typed = analysis::terms(analyzer, word);
        if typed.is_empty() {
            continue;
        }
        // A word the help centre does not use as typed but whose stem it knows is read as
        // typed: "cassée" is "cassé" to the stemmer, not the articles' "passée" one letter
        // away. Only a word of an unknown stem is a typo to correct.
        let resolved = vocab.lookup(word).or_else(|| {
            let stem_known = typed.iter().all(|t| df(t).0 > 0);
            if stem_known {
                None
            } else {
                vocab.closest(word)
            }
        });
        let read_as = resolved
            .filter(|r| spelling::fold(r) != spelling::fold(word))
            .map(str::to_string);
        let terms = match resolved {
            Some(r) => analysis::terms(analyzer, r),
            None => typed,
        };
        for term in terms {
            if out.iter().any(|t| t.term == term) {
                continue;
            }
            let (freq, n) = df(&term);
            let idf = (1.0 + (n as f32 - freq as f32 + 0.5) / (freq as f32 + 0.5)).ln();
            let alternatives = word_synonyms(analyzer, lexicon, lang, resolved.unwrap_or(word));
            let known = freq > 0 || alternatives.iter().any(|a| df(a).0 > 0);
            out.push(QueryTerm {
                word: word.to_string(),
                read_as: read_as.clone(),
                term,
                idf: idf.max(0.01),
                known,
                alternatives,
            });
        }
    }
    out
}

/// Stems of the one-word synonyms of `word`.
fn word_synonyms(
    analyzer: &mut TextAnalyzer,
    lexicon: &[Entry],
    lang: Lang,
    word: &str,
) -> Vec<String> {
    let mut out = Vec::new();
    for (l, key, extra) in lexicon {
        if *l == lang && !key.contains(' ') && same_word(analyzer, key, word) {
            out.extend(analysis::terms(analyzer, extra));
        }
    }
    out
}

/// Whether a one-word rule's key is this word: as written, or by stem, so that the rule
/// for "connecter" also meets "connecté" and "connectée". Only keys that begin like the word
/// are stemmed (the stem of a word begins like it), which keeps this cheap per question.
fn same_word(analyzer: &mut TextAnalyzer, key: &str, word: &str) -> bool {
    if spelling::folded(key).eq(spelling::folded(word)) {
        return true;
    }
    if !spelling::folded(key)
        .take(4)
        .eq(spelling::folded(word).take(4))
    {
        return false;
    }
    let stems = analysis::terms(analyzer, key);
    !stems.is_empty() && stems == analysis::terms(analyzer, word)
}

/// Every word of a text, stemmed, stop words kept, deduplicated.
pub fn all_words(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut terms = analysis::terms(analyzer, text);
    terms.truncate(MAX_WORDS);
    terms.sort();
    terms.dedup();
    terms
}

/// Each word of a question with its flag from `negated` (`false` past its end).
fn with_flags<'q>(question: &'q str, negated: &'q [bool]) -> impl Iterator<Item = (&'q str, bool)> {
    spelling::words(question).zip(negated.iter().copied().chain(std::iter::repeat(false)))
}

/// Synonym terms for the phrases of a question (not counted in coverage); the words
/// `negated` marks meet no rule, and bring the missing-parcel words instead.
pub fn synonyms(
    analyzer: &mut TextAnalyzer,
    lexicon: &[Entry],
    (question, negated): (&str, &[bool]),
    lang: Lang,
) -> Vec<String> {
    let folded = format!(
        " {} ",
        spelling::words(question)
            .map(spelling::fold)
            .collect::<Vec<_>>()
            .join(" ")
    );
    let mut out = Vec::new();
    for (l, phrase, extra) in lexicon {
        if *l != lang {
            continue;
        }
        let meets = if phrase.contains(' ') {
            folded.contains(&format!(" {} ", spelling::fold(phrase)))
        } else {
            // A word of arriving after a negation brings none of its own synonyms.
            with_flags(question, negated).any(|(w, n)| !n && same_word(analyzer, phrase, w))
        };
        if meets {
            out.extend(analysis::terms(analyzer, extra));
        }
    }
    // "Jamais reçu", "hasn't arrived": the words of a missing parcel, for the words of
    // arriving that are not searched themselves (see `negation`).
    if negated.contains(&true) {
        out.extend(analysis::terms(
            analyzer,
            negation::missing_parcel_words(lang),
        ));
    }
    out.sort();
    out.dedup();
    out
}

/// The Tantivy query: every clause optional, BM25 sums the evidence.
pub fn build(
    lf: LangFields,
    terms: &[QueryTerm],
    synonyms: &[String],
    all_terms: &[String],
) -> BooleanQuery {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let mut add = |field: Field, term: &str, boost: f32| {
        let q = TermQuery::new(
            Term::from_field_text(field, term),
            IndexRecordOption::WithFreqs,
        );
        clauses.push((Occur::Should, Box::new(BoostQuery::new(Box::new(q), boost))));
    };
    for t in terms.iter().filter(|t| t.known) {
        add(lf.body, &t.term, 1.0);
        add(lf.title, &t.term, TITLE_BOOST);
        add(lf.questions, &t.term, QUESTIONS_BOOST);
        for a in &t.alternatives {
            add(lf.body, a, SYNONYM_BOOST);
            add(lf.title, a, SYNONYM_BOOST);
        }
    }
    for s in synonyms
        .iter()
        .filter(|s| !terms.iter().any(|t| &t.term == *s))
    {
        add(lf.body, s, SYNONYM_BOOST);
        add(lf.title, s, SYNONYM_BOOST);
    }
    for t in all_terms {
        add(lf.all, t, ALL_WORDS_BOOST);
    }
    BooleanQuery::new(clauses)
}

/// Dice similarity of two sets of terms (1 = same words).
pub fn dice(a: &[String], b: &[String]) -> f32 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let common = a.iter().filter(|t| b.contains(t)).count();
    2.0 * common as f32 / (a.len() + b.len()) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn support_phrases_bring_their_synonyms() {
        let mut a = analysis::analyzer(Lang::En);
        assert_eq!(
            synonyms(
                &mut a,
                &lexicon(&[]),
                ("I want my money back", &[]),
                Lang::En
            ),
            vec!["refund"]
        );
        let mut f = analysis::analyzer(Lang::Fr);
        let delai = analysis::terms(&mut f, "délai").remove(0);
        assert!(synonyms(
            &mut f,
            &lexicon(&[]),
            ("Combien de temps pour la livraison", &[]),
            Lang::Fr
        )
        .contains(&delai));
        assert!(synonyms(&mut f, &lexicon(&[]), ("rien à voir", &[]), Lang::Fr).is_empty());
    }

    #[test]
    fn a_stop_word_is_not_read_as_a_known_accented_word() {
        let mut f = analysis::analyzer(Lang::Fr);
        let mut vocab = Vocabulary::default();
        vocab.add_text("La livraison est offerte dès 60 € d'achat, et vos points comptent.");
        let terms = content_terms(
            &mut f,
            &lexicon(&[]),
            Lang::Fr,
            ("Je gagne des points ?", &[]),
            &vocab,
            |_| (1, 10),
        );
        let words: Vec<&str> = terms.iter().map(|t| t.word.as_str()).collect();
        assert_eq!(
            words,
            ["gagne", "points"],
            "\"des\" stays a stop word, not \"dès\""
        );
    }

    /// "cassée" is not in the articles, "cassé" is (too short to be a correction's target),
    /// and "passée" is one letter away: the stem decides, so it is read as typed. A real
    /// typo, whose stem nothing uses, is still corrected.
    #[test]
    fn a_word_of_a_known_stem_is_not_corrected_into_another_word() {
        let mut f = analysis::analyzer(Lang::Fr);
        let text = "Mon article est arrivé cassé. Votre commande est passée.";
        let mut vocab = Vocabulary::default();
        vocab.add_text(text);
        let known = analysis::terms(&mut f, text);
        let df = |t: &str| (u64::from(known.iter().any(|k| k == t)), 10);
        let terms = content_terms(
            &mut f,
            &lexicon(&[]),
            Lang::Fr,
            ("ma comande est arrivée cassée", &[]),
            &vocab,
            df,
        );
        let read: Vec<(&str, Option<&str>)> = terms
            .iter()
            .map(|t| (t.word.as_str(), t.read_as.as_deref()))
            .collect();
        assert_eq!(
            read,
            [
                ("comande", Some("commande")),
                ("arrivée", None),
                ("cassée", None)
            ]
        );
        assert!(terms.iter().all(|t| t.known));
    }

    /// A one-word rule meets its word in every inflection: the rule for "connecter" also
    /// serves "connectée", and "livrée" finds the articles' "livraison".
    #[test]
    fn one_word_rules_meet_every_inflection() {
        let mut f = analysis::analyzer(Lang::Fr);
        let lex = lexicon(&[]);
        let connexion = analysis::terms(&mut f, "connexion");
        let livraison = analysis::terms(&mut f, "livraison");
        assert_eq!(
            synonyms(&mut f, &lex, ("je suis connectée", &[]), Lang::Fr),
            connexion
        );
        assert!(
            synonyms(&mut f, &lex, ("elle a été livrée hier", &[]), Lang::Fr)
                .contains(&livraison[0])
        );
        assert_eq!(
            word_synonyms(&mut f, &lex, Lang::Fr, "connectée"),
            connexion
        );
        assert!(synonyms(&mut f, &lex, ("une lampe connue", &[]), Lang::Fr).is_empty());
        assert!(analysis::terms(&mut f, "Donnez-moi une recette").len() == 1);
    }

    /// "Jamais reçu" is not searched as "reçu" (the cancellation article has "une fois le
    /// colis reçu"): the question searches the tracking words instead.
    #[test]
    fn a_parcel_that_never_came_searches_the_tracking_words() {
        let mut f = analysis::analyzer(Lang::Fr);
        let lex = lexicon(&[]);
        let q = "je n'ai jamais reçu ma commande";
        let negated = negation::negated_arrivals(Lang::Fr, q);
        let (vocab, df) = (Vocabulary::default(), |_: &str| (1, 10));
        let terms = content_terms(&mut f, &lex, Lang::Fr, (q, &negated), &vocab, df);
        let words: Vec<&str> = terms.iter().map(|t| t.word.as_str()).collect();
        assert_eq!(words, ["commande"]);
        let mut tracking = analysis::terms(&mut f, "suivi enquête");
        tracking.sort();
        assert_eq!(
            synonyms(&mut f, &lex, (q, &negated), Lang::Fr),
            tracking,
            "not réception"
        );
        let mut e = analysis::analyzer(Lang::En);
        let q = "my parcel hasn't arrived";
        let negated = negation::negated_arrivals(Lang::En, q);
        assert!(synonyms(&mut e, &lex, (q, &negated), Lang::En).contains(&"track".to_string()));
    }

    #[test]
    fn dice_is_one_for_the_same_words_and_zero_for_none() {
        let a = vec!["ou".to_string(), "colis".to_string()];
        assert_eq!(dice(&a, &a), 1.0);
        assert_eq!(dice(&a, &["prix".to_string()]), 0.0);
    }
}
