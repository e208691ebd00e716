//! The assistant's fixed replies. Every visitor-facing text exists in French and English.

use crate::answer::SmallTalk;
use crate::handoff::hours::OpeningHours;
use crate::handoff::Availability;
use crate::knowledge::Lang;

/// The honest "I don't know", with the offer of a person.
pub fn no_answer(lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => "Je ne trouve pas de réponse fiable à cette question dans le centre d'aide, et je préfère ne pas deviner. Vous pouvez reformuler votre question, ou demander à parler à une personne de l'équipe.",
        Lang::En => "I can't find a reliable answer to this in the help centre, and I'd rather not guess. You can rephrase your question, or ask to talk to a person from the team.",
    }
}

/// The reply to a message in a language the assistant does not answer in: in both of its
/// languages, the conversation's first, since the visitor may read either.
pub fn unsupported_language(lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => "Désolé, je ne réponds qu'en français et en anglais. Sorry, I can only answer in French or English. Écrivez-moi dans l'une de ces langues, ou demandez à parler à une personne de l'équipe. Please write in one of them, or ask to talk to a person from the team.",
        Lang::En => "Sorry, I can only answer in French or English. Désolé, je ne réponds qu'en français et en anglais. Please write in one of them, or ask to talk to a person from the team. Écrivez-moi dans l'une de ces langues, ou demandez à parler à une personne de l'équipe.",
    }
}

/// The fixed reply to small talk: it says again what the assistant is and that a person is
/// there too.
pub fn small_talk(lang: Lang, talk: Option<SmallTalk>) -> &'static str {
    match (lang, talk.unwrap_or(SmallTalk::Acknowledgement)) {
        (Lang::Fr, SmallTalk::Greeting) => "Bonjour ! Je suis l'assistant automatique (IA) de la boutique. Posez-moi votre question : je réponds à partir des articles du centre d'aide, et une personne de l'équipe peut prendre le relais à tout moment.",
        (Lang::En, SmallTalk::Greeting) => "Hello! I am the shop's automated assistant (AI). Ask me your question: I answer from the help centre's articles, and a person from the team can take over at any time.",
        (Lang::Fr, SmallTalk::Thanks) => "Avec plaisir ! Si vous avez une autre question, posez-la ; vous pouvez aussi demander à parler à une personne de l'équipe.",
        (Lang::En, SmallTalk::Thanks) => "You're welcome! If you have another question, just ask; you can also ask to talk to a person from the team.",
        (Lang::Fr, SmallTalk::Goodbye) => "Au revoir, et bonne journée ! Vous pouvez revenir poser une question à tout moment.",
        (Lang::En, SmallTalk::Goodbye) => "Goodbye, and have a nice day! You can come back with a question at any time.",
        (Lang::Fr, SmallTalk::Acknowledgement) => "Entendu. Posez-moi une autre question quand vous voulez, ou demandez à parler à une personne de l'équipe.",
        (Lang::En, SmallTalk::Acknowledgement) => "All right. Ask me another question whenever you like, or ask to talk to a person from the team.",
        (Lang::Fr, SmallTalk::AboutTheAssistant) => "Je suis un assistant automatique (une IA), pas une personne. Je réponds uniquement en citant les articles du centre d'aide de la boutique, et je dis quand je ne sais pas. Si vous préférez une personne, demandez-le : je passe la main à l'équipe.",
        (Lang::En, SmallTalk::AboutTheAssistant) => "I am an automated assistant (an AI), not a person. I answer only by quoting the shop's help-centre articles, and I say so when I don't know. If you would rather talk to a person, just ask: I will hand you over to the team.",
    }
}

/// Said when the conversation joins the human queue: the position, and honestly whether
/// anyone can take over soon.
pub fn handed_over(
    lang: Lang,
    position: Option<i64>,
    team: &Availability,
    hours: Option<&OpeningHours>,
) -> String {
    let queued = queued(lang, position.unwrap_or(1));
    format!("{queued} {}", availability(lang, team, hours))
}

fn availability(lang: Lang, team: &Availability, hours: Option<&OpeningHours>) -> String {
    if let (true, Some(h)) = (team.closed, hours) {
        return match lang {
            Lang::Fr => format!("L'équipe répond {} ; nous sommes fermés en ce moment. Laissez un e-mail ou un téléphone ci-dessous (facultatif) pour être recontacté.", h.describe(true)),
            Lang::En => format!("The team answers {}; we are closed right now. Leave an email or phone number below (optional) to be contacted back.", h.describe(false)),
        };
    }
    match (lang, team.people_online, team.estimated_wait_seconds) {
        (Lang::Fr, 0, _) => "Personne de l'équipe n'est connecté pour le moment : laissez un e-mail ou un téléphone ci-dessous (facultatif) pour être recontacté, ou restez dans la file.".into(),
        (Lang::En, 0, _) => "Nobody from the team is online right now: leave an email or phone number below (optional) to be contacted back, or stay in the queue.".into(),
        (Lang::Fr, _, Some(s)) => format!("Attente estimée d'après les dernières demandes : environ {} min.", (s + 59) / 60),
        (Lang::En, _, Some(s)) => format!("Estimated wait, from recent requests: about {} min.", (s + 59) / 60),
        (Lang::Fr, _, None) => "Une personne de l'équipe est connectée.".into(),
        (Lang::En, _, None) => "Someone from the team is online.".into(),
    }
}

fn queued(lang: Lang, position: i64) -> String {
    let lead = match lang {
        Lang::Fr => "C'est noté : je transmets la conversation à une personne de l'équipe et je ne réponds plus moi-même.",
        Lang::En => "Understood: I'm passing the conversation to a person from the team and will not answer myself any more.",
    };
    format!("{lead} {}", in_queue(lang, position))
}

fn in_queue(lang: Lang, position: i64) -> String {
    match lang {
        Lang::Fr => format!("Vous êtes en position {position} dans la file d'attente ; vos messages seront lus par la personne qui reprendra la conversation."),
        Lang::En => format!("You are number {position} in the queue; the person who takes over will read your messages."),
    }
}

/// Said when the search of the help centre failed: no guess, a person instead, with the
/// same queue position and availability as any hand-over.
pub fn handed_over_after_failure(
    lang: Lang,
    position: Option<i64>,
    team: &Availability,
    hours: Option<&OpeningHours>,
) -> String {
    let lead = match lang {
        Lang::Fr => "Désolé, je n'arrive pas à chercher dans le centre d'aide en ce moment (une erreur de notre côté) et je ne veux pas répondre sans vérifier : je transmets votre question à une personne de l'équipe.",
        Lang::En => "Sorry, I can't search the help centre right now (an error on our side) and I won't answer without checking: I'm passing your question to a person from the team.",
    };
    let queue = in_queue(lang, position.unwrap_or(1));
    format!("{lead} {queue} {}", availability(lang, team, hours))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A failed search is said as such, never as "understood", with the queue and the
    /// team's availability like any hand-over.
    #[test]
    fn a_failed_search_says_so_with_the_queue_in_both_languages() {
        let team = Availability {
            people_online: 0,
            estimated_wait_seconds: None,
            closed: false,
        };
        let fr = handed_over_after_failure(Lang::Fr, Some(3), &team, None);
        let en = handed_over_after_failure(Lang::En, Some(3), &team, None);
        assert!(fr.starts_with("Désolé, je n'arrive pas à chercher") && fr.contains("position 3"));
        assert!(en.starts_with("Sorry, I can't search") && en.contains("number 3"));
        assert!(en.contains("Nobody from the team is online") && !en.contains("Understood"));
        assert!(handed_over(Lang::En, Some(3), &team, None).starts_with("Understood"));
    }
}
