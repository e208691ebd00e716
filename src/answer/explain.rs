//! The plain-language explanation of a decision, written for the visitor in their language.

use super::{Kind, Reading, Rule, SemanticCheck, WhyCandidate};
use crate::knowledge::Lang;

/// One or two sentences saying what was decided, from what, and how sure the assistant was.
pub fn explain(
    lang: Lang,
    kind: Kind,
    rule: Rule,
    confidence: f32,
    threshold: f32,
    best: Option<&WhyCandidate>,
    readings: &[Reading],
) -> String {
    let mut out = match (kind, rule, best) {
        (Kind::Handoff, _, _) => match lang {
            Lang::Fr => "Vous avez demandé à parler à une personne : j'ai transmis la conversation à l'équipe sans chercher à répondre moi-même.".to_string(),
            Lang::En => "You asked to talk to a person, so I passed the conversation to the team without trying to answer myself.".to_string(),
        },
        (Kind::Answer, Rule::ExampleQuestion, Some(c)) => match lang {
            Lang::Fr => format!(
                "J'ai répondu à partir de l'article « {} » parce que votre question est presque identique à l'une des questions auxquelles il répond. Confiance {:.2} (je ne réponds qu'à partir de {:.2}). Aucune personne n'a vérifié cette réponse.",
                c.title, confidence, threshold
            ),
            Lang::En => format!(
                "I answered from the article “{}” because your question is almost the same as one of the questions it answers. Confidence {:.2} (I only answer from {:.2}). No person checked this answer.",
                c.title, confidence, threshold
            ),
        },
        (Kind::Answer, _, Some(c)) => match lang {
            Lang::Fr => format!(
                "J'ai répondu à partir de l'article « {} » parce que votre question mentionne {}. Confiance {:.2} (je ne réponds qu'à partir de {:.2}). Aucune personne n'a vérifié cette réponse.",
                c.title, words(lang, &c.matched_terms), confidence, threshold
            ),
            Lang::En => format!(
                "I answered from the article “{}” because your question mentions {}. Confidence {:.2} (I only answer from {:.2}). No person checked this answer.",
                c.title, words(lang, &c.matched_terms), confidence, threshold
            ),
        },
        (_, Rule::BelowThreshold, Some(c)) => match lang {
            Lang::Fr => format!(
                "Je n'ai pas répondu : l'article le plus proche, « {} », ne correspond qu'en partie ({}). Ma confiance de {:.2} est sous mon seuil de {:.2}, et je préfère dire que je ne sais pas plutôt que deviner.",
                c.title, words(lang, &c.matched_terms), confidence, threshold
            ),
            Lang::En => format!(
                "I did not answer: the closest article, “{}”, only partly matches ({}). My confidence of {:.2} is below my threshold of {:.2}, and I would rather say I don't know than guess.",
                c.title, words(lang, &c.matched_terms), confidence, threshold
            ),
        },
        _ => match lang {
            Lang::Fr => "Je n'ai pas répondu : aucun article du centre d'aide ne correspond à votre question.".to_string(),
            Lang::En => "I did not answer: no article of the help centre matches your question.".to_string(),
        },
    };
    for r in readings {
        out.push(' ');
        out.push_str(&match lang {
            Lang::Fr => format!("J'ai lu « {} » comme « {} ».", r.word, r.read_as),
            Lang::En => format!("I read “{}” as “{}”.", r.word, r.read_as),
        });
    }
    out
}

fn words(lang: Lang, terms: &[String]) -> String {
    if terms.is_empty() {
        return match lang {
            Lang::Fr => "aucun mot précis".into(),
            Lang::En => "no specific word".into(),
        };
    }
    terms
        .iter()
        .map(|t| format!("\"{t}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The explanation when the embedding model decided: what it compared and how close it was.
pub fn semantic(
    lang: Lang,
    kind: Kind,
    check: &SemanticCheck,
    title: &str,
    threshold: f32,
) -> String {
    let (lexical, meaning, words, score, from) = (
        check.lexical_confidence,
        check.meaning,
        check.words,
        check.score,
        check.answer_from,
    );
    let (conf, bar, distinct) = (check.confidence, check.confidence_from, check.distinct);
    match (kind, lang) {
        (Kind::Answer, Lang::Fr) => format!(
            "Les mots de votre question ne suffisaient pas (confiance {lexical:.2}, seuil {threshold:.2}) : j'ai comparé son sens aux articles avec un petit modèle de langue ({}). L'article « {title} » arrive en tête quand chaque article est comparé par ce qui le distingue des autres ({distinct:.2} sur cette échelle) ; son sens {meaning:.2}, plus {words:.2} pour les mots en commun, soit {score:.2} (je réponds à partir de {from:.2}) : une confiance de {conf:.2} pour un seuil de {bar:.2}. Sa phrase la plus proche : « {} ». Aucune personne n'a vérifié cette réponse.",
            check.model, check.line
        ),
        (Kind::Answer, Lang::En) => format!(
            "The words of your question were not conclusive (confidence {lexical:.2}, threshold {threshold:.2}), so I compared its meaning with the articles using a small language model ({}). The article “{title}” comes first when each article is compared by what sets it apart from the others ({distinct:.2} on that scale); its meaning {meaning:.2}, plus {words:.2} for shared words, {score:.2} in all (I answer from {from:.2}): a confidence of {conf:.2} against a threshold of {bar:.2}. Its closest line: “{}”. No person checked this answer.",
            check.model, check.line
        ),
        (_, Lang::Fr) => format!(
            "Je n'ai pas répondu : les mots de votre question ne suffisaient pas (confiance {lexical:.2}) et, comparé par le sens avec un petit modèle de langue ({}), aucun article n'est assez proche (au mieux {score:.2}, il faut {from:.2} ; confiance {conf:.2}, seuil {bar:.2}). Je préfère dire que je ne sais pas plutôt que deviner.",
            check.model
        ),
        (_, Lang::En) => format!(
            "I did not answer: the words of your question were not conclusive (confidence {lexical:.2}), and compared by meaning with a small language model ({}), no article is close enough (best {score:.2}; I need {from:.2}; confidence {conf:.2}, threshold {bar:.2}). I would rather say I don't know than guess.",
            check.model
        ),
    }
}
