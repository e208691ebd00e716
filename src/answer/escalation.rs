//! Rules that send a question to a person instead of letting the assistant answer:
//! repeated "I don't know"s, and operator rules by article or tag ("always hand refund
//! disputes to a person"). Each hand-over records which rule caused it.

use super::{Decision, Kind, Rule};
use crate::knowledge::Lang;
use serde::Deserialize;

/// The `[handoff]` config table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HandoffRules {
    /// Consecutive declined questions after which a person takes over; 0 disables.
    pub after_declines: u32,
    /// Articles whose topic always goes to a person.
    pub articles: Vec<String>,
    /// Tags whose articles always go to a person.
    pub tags: Vec<String>,
    /// When the team works; outside these hours visitors are told so (none: always).
    pub hours: Option<crate::handoff::hours::OpeningHours>,
}

impl Default for HandoffRules {
    fn default() -> Self {
        HandoffRules {
            after_declines: 2,
            articles: Vec::new(),
            tags: Vec::new(),
            hours: None,
        }
    }
}

/// What happened before this question in the conversation.
#[derive(Debug, Clone, Copy, Default)]
pub struct History {
    /// Questions declined in a row just before this one.
    pub declined_before: i64,
    /// The visitor marked the previous reply "not helpful".
    pub last_reply_unhelpful: bool,
}

/// Applies the rules; returns the (possibly changed) decision and the hand-over trigger.
pub fn escalate(
    mut d: Decision,
    rules: &HandoffRules,
    history: History,
    lang: Lang,
) -> (Decision, Option<String>) {
    let declined_before = history.declined_before;
    let trigger = match d.kind {
        Kind::Handoff if d.why.rule == Rule::SearchFailed => Some("search_failed".to_string()),
        Kind::Handoff => Some("words".to_string()),
        // A "merci" is no reason to call a person, whatever came before it.
        Kind::SmallTalk => None,
        _ if history.last_reply_unhelpful => Some("not_helpful_then_question".to_string()),
        Kind::Answer => operator_rule(&d, rules),
        Kind::NoAnswer => (rules.after_declines > 0
            && declined_before + 1 >= i64::from(rules.after_declines))
        .then(|| "declined_repeatedly".to_string()),
    };
    let Some(trigger) = trigger else {
        return (d, None);
    };
    if d.kind != Kind::Handoff {
        let rule = match (history.last_reply_unhelpful, d.kind) {
            (true, _) => Rule::NotHelpful,
            (false, Kind::Answer) => Rule::OperatorRule,
            _ => Rule::DeclinedRepeatedly,
        };
        d.kind = Kind::Handoff;
        d.citations.clear();
        d.passage.clear();
        d.why.decision = Kind::Handoff;
        d.why.rule = rule;
        d.why.explanation = explain(lang, rule, &trigger);
    }
    (d, Some(trigger))
}

fn operator_rule(d: &Decision, rules: &HandoffRules) -> Option<String> {
    let cited = d.citations.first()?;
    if rules.articles.contains(&cited.article_id) {
        return Some(format!("rule:article:{}", cited.article_id));
    }
    d.cited_tags
        .iter()
        .find(|t| rules.tags.contains(t))
        .map(|t| format!("rule:tag:{t}"))
}

fn explain(lang: Lang, rule: Rule, trigger: &str) -> String {
    match (lang, rule) {
        (Lang::Fr, Rule::NotHelpful) => "Vous avez indiqué que ma réponse précédente ne vous a pas aidé : j'ai transmis votre nouvelle question à une personne plutôt que de réessayer moi-même.".into(),
        (Lang::En, Rule::NotHelpful) => "You said my previous answer did not help, so I passed your new question to a person instead of trying again myself.".into(),
        (Lang::Fr, Rule::OperatorRule) => format!("La boutique a décidé que ce sujet est toujours traité par une personne ({trigger}) : j'ai transmis la conversation sans répondre moi-même."),
        (Lang::En, Rule::OperatorRule) => format!("The shop decided that this topic is always handled by a person ({trigger}), so I passed the conversation on without answering myself."),
        (Lang::Fr, _) => "Je n'ai pas su répondre à plusieurs questions de suite : plutôt que de vous faire tourner en rond, j'ai transmis la conversation à une personne.".into(),
        (Lang::En, _) => "I could not answer several questions in a row: rather than keep you going round in circles, I passed the conversation to a person.".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::answer::{Citation, Signals, WhyRecord};

    fn decision(kind: Kind, tags: &[&str]) -> Decision {
        let why = WhyRecord {
            decision: kind,
            rule: Rule::AboveThreshold,
            confidence: 0.9,
            threshold: 0.3,
            language: Lang::En,
            explanation: String::new(),
            candidates: vec![],
            knowledge_version: "kb".into(),
            signals: Signals::default(),
            readings: vec![],
            example_question: None,
            semantic: None,
            human_reviewed: false,
            small_talk: None,
            written_in: None,
        };
        let citations = vec![Citation {
            article_id: "en-refunds".into(),
            title: "Refunds".into(),
            url: None,
            version: "v".into(),
        }];
        Decision {
            kind,
            passage: "p".into(),
            citations,
            why,
            cited_tags: tags.iter().map(|t| t.to_string()).collect(),
        }
    }

    #[test]
    fn operator_tags_and_repeated_declines_hand_over_with_their_cause() {
        let rules = HandoffRules {
            tags: vec!["disputes".into()],
            ..Default::default()
        };
        let (d, t) = escalate(
            decision(Kind::Answer, &["refunds", "disputes"]),
            &rules,
            History::default(),
            Lang::En,
        );
        assert_eq!(
            (d.kind, d.why.rule, t.as_deref()),
            (Kind::Handoff, Rule::OperatorRule, Some("rule:tag:disputes"))
        );
        assert!(d.citations.is_empty());
        let (d, t) = escalate(
            decision(Kind::NoAnswer, &[]),
            &rules,
            History::default(),
            Lang::En,
        );
        assert_eq!((d.kind, t), (Kind::NoAnswer, None));
        let (d, t) = escalate(
            decision(Kind::NoAnswer, &[]),
            &rules,
            History {
                declined_before: 1,
                ..History::default()
            },
            Lang::En,
        );
        assert_eq!(
            (d.why.rule, t.as_deref()),
            (Rule::DeclinedRepeatedly, Some("declined_repeatedly"))
        );
        let (d, _) = escalate(
            decision(Kind::Answer, &["refunds"]),
            &rules,
            History {
                declined_before: 5,
                ..History::default()
            },
            Lang::En,
        );
        assert_eq!(d.kind, Kind::Answer);
    }

    #[test]
    fn small_talk_never_calls_a_person() {
        let history = History {
            declined_before: 5,
            last_reply_unhelpful: true,
        };
        let (d, t) = escalate(
            decision(Kind::SmallTalk, &[]),
            &HandoffRules::default(),
            history,
            Lang::Fr,
        );
        assert_eq!((d.kind, t), (Kind::SmallTalk, None));
    }
}
