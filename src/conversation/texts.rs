//! The assistant's fixed replies. Every visitor-facing text exists in French and English.

use crate::knowledge::Lang;

/// The honest "I don't know", with the offer of a person.
pub fn no_answer(lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => "Je ne trouve pas de réponse fiable à cette question dans le centre d'aide, et je préfère ne pas deviner. Vous pouvez reformuler votre question, ou demander à parler à une personne de l'équipe.",
        Lang::En => "I can't find a reliable answer to this in the help centre, and I'd rather not guess. You can rephrase your question, or ask to talk to a person from the team.",
    }
}

/// Said when the conversation joins the human queue.
pub fn handed_over(lang: Lang, position: Option<i64>) -> String {
    let position = position.unwrap_or(1);
    match lang {
        Lang::Fr => format!("C'est noté : je transmets la conversation à une personne de l'équipe et je ne réponds plus moi-même. Vous êtes en position {position} dans la file d'attente. Vous pouvez continuer à écrire : vos messages seront lus par la personne qui reprendra la conversation."),
        Lang::En => format!("Understood: I'm passing the conversation to a person from the team and will not answer myself any more. You are number {position} in the queue. You can keep writing: the person who takes over will read your messages."),
    }
}
