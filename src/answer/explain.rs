//! The plain-language explanation of a decision, written for the visitor in their language.

use super::{Kind, Reading, Rule, WhyCandidate};
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
