//! The plain-language explanation of a decision, written for the visitor in their language.

use super::{Kind, Reading, Rule, SecondOpinion, SemanticCheck, SmallTalk, WhyCandidate};
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
                "J'ai répondu à partir de l'article « {} » parce que votre question est presque identique à l'une des questions auxquelles il répond. Confiance {:.2} (je ne réponds qu'à partir de {:.2}). {}",
                c.title, confidence, threshold, unchecked(lang)
            ),
            Lang::En => format!(
                "I answered from the article “{}” because your question is almost the same as one of the questions it answers. Confidence {:.2} (I only answer from {:.2}). {}",
                c.title, confidence, threshold, unchecked(lang)
            ),
        },
        (Kind::Answer, _, Some(c)) => match lang {
            Lang::Fr => format!(
                "J'ai répondu à partir de l'article « {} » parce que votre question mentionne {}. Confiance {:.2} (je ne réponds qu'à partir de {:.2}). {}",
                c.title, words(lang, &c.matched_terms), confidence, threshold, unchecked(lang)
            ),
            Lang::En => format!(
                "I answered from the article “{}” because your question mentions {}. Confidence {:.2} (I only answer from {:.2}). {}",
                c.title, words(lang, &c.matched_terms), confidence, threshold, unchecked(lang)
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

/// Why a message got a fixed reply: it was small talk, and no article answered it.
pub fn small_talk(lang: Lang, talk: SmallTalk, confidence: f32, threshold: f32) -> String {
    let what = match (lang, talk) {
        (Lang::Fr, SmallTalk::Greeting) => "une salutation",
        (Lang::Fr, SmallTalk::Thanks) => "un remerciement",
        (Lang::Fr, SmallTalk::Goodbye) => "un au revoir",
        (Lang::Fr, SmallTalk::Acknowledgement) => "un simple accord",
        (Lang::En, SmallTalk::Greeting) => "a greeting",
        (Lang::En, SmallTalk::Thanks) => "thanks",
        (Lang::En, SmallTalk::Goodbye) => "a goodbye",
        (Lang::En, SmallTalk::Acknowledgement) => "a simple acknowledgement",
        (_, SmallTalk::AboutTheAssistant) => "",
    };
    if talk == SmallTalk::AboutTheAssistant {
        return match lang {
            Lang::Fr => format!("Vous avez demandé ce que je suis, et aucun article du centre d'aide n'y répond (confiance {confidence:.2}, seuil {threshold:.2}) : j'ai répondu par une phrase toute faite, qui dit toujours franchement que je suis une IA. Cela ne compte ni comme une réponse ni comme une question restée sans réponse."),
            Lang::En => format!("You asked what I am, and no article of the help centre answers it (confidence {confidence:.2}, threshold {threshold:.2}): I replied with a fixed sentence, which always says plainly that I am an AI. It counts neither as an answer nor as an unanswered question."),
        };
    }
    match lang {
        Lang::Fr => format!("Votre message est {what}, pas une question, et aucun article du centre d'aide n'y répond (confiance {confidence:.2}, seuil {threshold:.2}) : j'ai répondu par une phrase toute faite, sans citer d'article. Cela ne compte ni comme une réponse ni comme une question restée sans réponse."),
        Lang::En => format!("Your message is {what}, not a question, and no article of the help centre answers it (confidence {confidence:.2}, threshold {threshold:.2}): I replied with a fixed sentence, citing no article. It counts neither as an answer nor as an unanswered question."),
    }
}

/// Why a message in another language was not searched.
pub fn unsupported_language(lang: Lang, code: &str) -> String {
    let (fr, en) = match code {
        "de" => ("allemand", "German"),
        "es" => ("espagnol", "Spanish"),
        "it" => ("italien", "Italian"),
        "nl" => ("néerlandais", "Dutch"),
        "pt" => ("portugais", "Portuguese"),
        _ => ("une autre langue", "another language"),
    };
    match lang {
        Lang::Fr => format!("Votre message semble écrit en {fr} : je ne réponds qu'en français et en anglais, et les articles du centre d'aide sont dans ces langues, donc je n'ai pas cherché de réponse. Une personne de l'équipe peut prendre le relais."),
        Lang::En => format!("Your message seems to be written in {en}: I only answer in French and English, the languages of the help centre's articles, so I did not look for an answer. A person from the team can take over."),
    }
}

/// Why a question went to a person without an answer: the search of the help centre failed.
pub fn search_failed(lang: Lang) -> String {
    match lang {
        Lang::Fr => "Je n'ai pas pu chercher dans le centre d'aide (une erreur de notre côté) : plutôt que de répondre sans vérifier, j'ai transmis votre question à une personne de l'équipe.".into(),
        Lang::En => "I could not search the help centre (an error on our side): rather than answer without checking, I passed your question to a person from the team.".into(),
    }
}

/// The sentence every bot answer ends with: nobody reviewed it.
fn unchecked(lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => "Aucune personne n'a vérifié cette réponse.",
        Lang::En => "No person checked this answer.",
    }
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
    let text = match (kind, lang) {
        (Kind::Answer, Lang::Fr) => format!(
            "Les mots de votre question ne suffisaient pas (confiance {lexical:.2}, seuil {threshold:.2}) : j'ai comparé son sens aux articles avec un petit modèle de langue ({}). L'article « {title} » arrive en tête quand chaque article est comparé par ce qui le distingue des autres ({distinct:.2} sur cette échelle) ; son sens {meaning:.2}, plus {words:.2} pour les mots en commun, soit {score:.2} (je réponds à partir de {from:.2}) : une confiance de {conf:.2} pour un seuil de {bar:.2}. Sa phrase la plus proche : « {} ».",
            check.model, check.line
        ),
        (Kind::Answer, Lang::En) => format!(
            "The words of your question were not conclusive (confidence {lexical:.2}, threshold {threshold:.2}), so I compared its meaning with the articles using a small language model ({}). The article “{title}” comes first when each article is compared by what sets it apart from the others ({distinct:.2} on that scale); its meaning {meaning:.2}, plus {words:.2} for shared words, {score:.2} in all (I answer from {from:.2}): a confidence of {conf:.2} against a threshold of {bar:.2}. Its closest line: “{}”.",
            check.model, check.line
        ),
        (_, Lang::Fr) => format!(
            "Je n'ai pas répondu : les mots de votre question ne suffisaient pas (confiance {lexical:.2}) et, comparé par le sens avec un petit modèle de langue ({}), aucun article n'est assez proche (au mieux {score:.2}, il faut {from:.2} ; confiance {conf:.2}, seuil {bar:.2}).",
            check.model
        ),
        (_, Lang::En) => format!(
            "I did not answer: the words of your question were not conclusive (confidence {lexical:.2}), and compared by meaning with a small language model ({}), no article is close enough (best {score:.2}; I need {from:.2}; confidence {conf:.2}, threshold {bar:.2}).",
            check.model
        ),
    };
    let second = check
        .second
        .as_ref()
        .map(|s| format!(" {}", second_opinion(lang, check, s)))
        .unwrap_or_default();
    // The closing sentence comes last, after the second opinion if there was one.
    let closing = match (kind, lang) {
        (Kind::Answer, _) => unchecked(lang),
        (_, Lang::Fr) => "Je préfère dire que je ne sais pas plutôt que deviner.",
        (_, Lang::En) => "I would rather say I don't know than guess.",
    };
    format!("{text}{second} {closing}")
}

/// The sentence saying that the first model was unsure and a second one was asked.
fn second_opinion(lang: Lang, check: &SemanticCheck, second: &SecondOpinion) -> String {
    let (first, share) = (second.first_score, second.first_weight * 100.0);
    let (model, own) = (&second.model, second.meaning);
    let same = second.first_article_id == check.article_id;
    match (lang, same) {
        (Lang::Fr, true) => format!("Le premier modèle hésitait ({first:.2} à lui seul) : j'ai aussi demandé l'avis d'un second ({model}, {own:.2} sur son échelle), et les deux désignent le même article ; les scores ci-dessus comptent le premier pour {share:.0} %."),
        (Lang::Fr, false) => format!("Le premier modèle hésitait ({first:.2} à lui seul, pour un autre article, « {} ») : j'ai aussi demandé l'avis d'un second ({model}, {own:.2} sur son échelle), et c'est leur avis commun qui a choisi ; les scores ci-dessus comptent le premier pour {share:.0} %.", second.first_title),
        (Lang::En, true) => format!("The first model was unsure ({first:.2} on its own), so I also asked a second one ({model}, {own:.2} on its own scale); both point to the same article, and the scores above count the first for {share:.0} %."),
        (Lang::En, false) => format!("The first model was unsure ({first:.2} on its own, for another article, “{}”), so I also asked a second one ({model}, {own:.2} on its own scale), and their joint view chose; the scores above count the first for {share:.0} %.", second.first_title),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(second: Option<SecondOpinion>) -> SemanticCheck {
        SemanticCheck {
            model: "all-MiniLM-L6-v2 (8-bit)".into(),
            article_id: "en-returns".into(),
            line: "Send the item back within 30 days.".into(),
            similarity: 0.6,
            centroid: 0.5,
            meaning: 0.52,
            distinct: 0.4,
            words: 0.05,
            score: 0.57,
            confidence: 0.6,
            confidence_from: 0.38,
            words_agree: true,
            answer_from: 0.46,
            lexical_confidence: 0.2,
            second,
        }
    }

    fn second(first: &str) -> SecondOpinion {
        SecondOpinion {
            model: "multilingual-e5-small (4-bit)".into(),
            first_article_id: first.into(),
            first_title: "Refunds".into(),
            first_score: 0.48,
            meaning: 0.9,
            first_weight: 0.5,
        }
    }

    /// The explanation says when a second model was asked, what the first said alone,
    /// and, when the two changed the article, which one the first had picked; in both
    /// languages. Without a second opinion it says nothing of one.
    #[test]
    fn a_second_opinion_is_explained_in_both_languages() {
        let say = |lang, c: &SemanticCheck| semantic(lang, Kind::Answer, c, "Returns", 0.3);
        let alone = say(Lang::En, &check(None));
        assert!(!alone.contains("second"), "{alone}");
        assert!(
            alone.ends_with("”. No person checked this answer."),
            "{alone}"
        );
        let agreed = say(Lang::En, &check(Some(second("en-returns"))));
        assert!(agreed.starts_with(alone.trim_end_matches(" No person checked this answer.")));
        assert!(
            agreed.ends_with("count the first for 50 %. No person checked this answer."),
            "{agreed}"
        );
        assert!(agreed.contains("The first model was unsure (0.48 on its own), so I also asked a second one (multilingual-e5-small (4-bit), 0.90 on its own scale); both point to the same article, and the scores above count the first for 50 %."), "{agreed}");
        let changed = say(Lang::En, &check(Some(second("en-refunds"))));
        assert!(
            changed.contains("for another article, “Refunds”"),
            "{changed}"
        );
        assert!(changed.contains("their joint view chose"), "{changed}");
        let fr = say(Lang::Fr, &check(Some(second("en-refunds"))));
        assert!(
            fr.contains(
                "Le premier modèle hésitait (0.48 à lui seul, pour un autre article, « Refunds »)"
            ),
            "{fr}"
        );
        assert!(fr.contains("j'ai aussi demandé l'avis d'un second (multilingual-e5-small (4-bit), 0.90 sur son échelle)"), "{fr}");
        let fr = say(Lang::Fr, &check(Some(second("en-returns"))));
        assert!(fr.contains("les deux désignent le même article"), "{fr}");
    }
}
