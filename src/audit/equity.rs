//! The equity report: does the assistant serve every language and every site equally well?
//!
//! Figures per group (language, site, channel) over a period, from consented conversations
//! only, and a warning wherever a group's answer rate is more than `disparity_points` below
//! the best group of its dimension, with the likely cause.

use serde::Serialize;
use std::collections::BTreeMap;

/// One group's service figures.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct GroupFigures {
    pub dimension: &'static str,
    pub group: String,
    pub questions: i64,
    pub answer_rate: Option<f64>,
    pub decline_rate: Option<f64>,
    pub handoff_rate: Option<f64>,
    pub median_wait_seconds: Option<i64>,
    pub p90_wait_seconds: Option<i64>,
    pub helpful_rate: Option<f64>,
    /// The mean confidence the voted answers were given with (%): set beside `helpful_rate`,
    /// it shows whether the assistant is as sure of itself as it should be in each group (a
    /// French confidence of 90 % against 60 % found helpful says it overrates its French).
    pub voted_confidence: Option<f64>,
    /// Conversations with a person whose visitor rated the help, and the share "helped".
    pub person_ratings: i64,
    pub person_helped_rate: Option<f64>,
    /// Median time from a "not helpful" vote to its resolution by an operator.
    pub median_time_to_correction_seconds: Option<i64>,
}

/// A group served worse than the best of its dimension, on one measure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Warning {
    pub dimension: &'static str,
    pub group: String,
    /// `answer_rate` (the assistant) or `person_helped_rate` (the team, from ratings).
    pub measure: &'static str,
    pub rate: f64,
    pub best_group: String,
    pub best_rate: f64,
    /// The likely cause in English words (the JSON API's reading).
    pub likely_cause: String,
    /// The same cause as facts, so a page can say it in its reader's language.
    pub cause: Cause,
}

/// Why a group is likely served worse.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Cause {
    /// Fewer articles in the group's language than in the best group's.
    FewArticles {
        articles: usize,
        best_articles: usize,
    },
    /// The group's questions fall outside what the help centre covers more often.
    OutsideCoverage,
    /// The group writes in a language the assistant does not answer in (German, Spanish…):
    /// its questions are declined with an offer of a person.
    UnsupportedLanguage,
    /// The group's visitors rate the team's help less useful.
    LessUseful,
}

impl Cause {
    /// The cause in English, naming the group and the best group.
    pub fn english(&self, group: &str, best: &str) -> String {
        match self {
            Cause::FewArticles { articles, best_articles } => format!(
                "few articles in {group}: {articles} against {best_articles} in {best}; questions in {group} more often find nothing to answer from"
            ),
            Cause::OutsideCoverage => format!(
                "questions from {group} more often fall outside what the help centre covers: read the declined questions of this group"
            ),
            Cause::UnsupportedLanguage => format!(
                "the assistant does not answer in {group}: its visitors are told so and offered a person; count them before deciding whether people on the team who read {group} are needed"
            ),
            Cause::LessUseful => format!(
                "visitors from {group} find the team's help less useful than those from {best}: check that people who speak their language are on the team when they ask, and read their comments in the latest ratings below"
            ),
        }
    }
}

/// Fewest ratings a group needs before its helped rate is compared: below, one unhappy
/// visitor would raise a warning.
pub const MIN_RATINGS: i64 = 10;

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub groups: Vec<GroupFigures>,
    pub warnings: Vec<Warning>,
}

#[derive(Default)]
struct Acc {
    answers: i64,
    declines: i64,
    handoffs: i64,
    waits: Vec<i64>,
    helpful: i64,
    unhelpful: i64,
    person_helped: i64,
    person_not_helped: i64,
    corrections: Vec<i64>,
    /// Per vote, the answer's confidence in thousandths.
    voted_confidence: Vec<i64>,
}

fn rate(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 / whole as f64 * 1000.0).round() / 10.0)
}

fn finish(dimension: &'static str, group: String, mut a: Acc) -> GroupFigures {
    let questions = a.answers + a.declines + a.handoffs;
    a.waits.sort_unstable();
    a.corrections.sort_unstable();
    let correction = a.corrections.get(a.corrections.len() / 2).map(|c| c / 1000);
    let pick = |q: f64| {
        a.waits
            .get(((a.waits.len() as f64 - 1.0) * q).round() as usize)
            .map(|w| w / 1000)
    };
    GroupFigures {
        dimension,
        group,
        questions,
        answer_rate: rate(a.answers, questions),
        decline_rate: rate(a.declines, questions),
        handoff_rate: rate(a.handoffs, questions),
        median_wait_seconds: pick(0.5),
        p90_wait_seconds: pick(0.9),
        helpful_rate: rate(a.helpful, a.helpful + a.unhelpful),
        voted_confidence: rate(
            a.voted_confidence.iter().sum(),
            a.voted_confidence.len() as i64 * 1000,
        ),
        person_ratings: a.person_helped + a.person_not_helped,
        person_helped_rate: rate(a.person_helped, a.person_helped + a.person_not_helped),
        median_time_to_correction_seconds: correction,
    }
}

/// Builds the report from raw rows `(language, site, what, value)` (see `EquityStore`) and
/// the number of published articles per language (for naming the likely cause).
pub fn build(
    rows: &[(String, String, String, i64)],
    articles_per_lang: &BTreeMap<String, usize>,
    disparity_points: f64,
) -> Report {
    let mut by: BTreeMap<(&'static str, String), Acc> = BTreeMap::new();
    for (lang, site, what, value) in rows {
        let site = if site.is_empty() {
            "(same site)".to_string()
        } else {
            site.clone()
        };
        for key in [
            ("language", lang.clone()),
            ("site", site),
            ("channel", "widget".to_string()),
        ] {
            let a = by.entry(key).or_default();
            match what.as_str() {
                "answer" => a.answers += value,
                "no_answer" => a.declines += value,
                "handoff" => a.handoffs += value,
                "wait" => a.waits.push(*value),
                "helpful" => a.helpful += value,
                "unhelpful" => a.unhelpful += value,
                "person_helped" => a.person_helped += value,
                "person_not_helped" => a.person_not_helped += value,
                "correction" => a.corrections.push(*value),
                "voted_confidence" => a.voted_confidence.push(*value),
                _ => {}
            }
        }
    }
    let groups: Vec<GroupFigures> = by.into_iter().map(|((d, g), a)| finish(d, g, a)).collect();
    let warnings = disparities(&groups, articles_per_lang, disparity_points);
    Report { groups, warnings }
}

/// A measure the disparity rule compares: its name and how to read it from a group (None:
/// not enough data).
type Measure = (&'static str, fn(&GroupFigures) -> Option<f64>);

fn disparities(
    groups: &[GroupFigures],
    articles: &BTreeMap<String, usize>,
    points: f64,
) -> Vec<Warning> {
    let measures: [Measure; 2] = [
        ("answer_rate", |g| g.answer_rate),
        ("person_helped_rate", |g| {
            g.person_helped_rate
                .filter(|_| g.person_ratings >= MIN_RATINGS)
        }),
    ];
    let mut out = Vec::new();
    for (measure, read) in measures {
        for dimension in ["language", "site"] {
            let rated: Vec<(&GroupFigures, f64)> = groups
                .iter()
                .filter(|g| g.dimension == dimension)
                .filter_map(|g| read(g).map(|r| (g, r)))
                .collect();
            let Some((best, best_rate)) = rated.iter().copied().max_by(|a, b| a.1.total_cmp(&b.1))
            else {
                continue;
            };
            for (g, r) in &rated {
                if best_rate - r > points {
                    let cause = if measure == "answer_rate" {
                        likely_cause(dimension, &g.group, &best.group, articles)
                    } else {
                        Cause::LessUseful
                    };
                    out.push(Warning {
                        dimension,
                        group: g.group.clone(),
                        measure,
                        rate: *r,
                        best_group: best.group.clone(),
                        best_rate,
                        likely_cause: cause.english(&g.group, &best.group),
                        cause,
                    });
                }
            }
        }
    }
    out
}

fn likely_cause(
    dimension: &str,
    group: &str,
    best: &str,
    articles: &BTreeMap<String, usize>,
) -> Cause {
    let count = |l: &str| articles.get(l).copied().unwrap_or(0);
    if dimension == "language" && crate::knowledge::Lang::unanswered(group) {
        return Cause::UnsupportedLanguage;
    }
    if dimension == "language" && count(group) < count(best) {
        return Cause::FewArticles {
            articles: count(group),
            best_articles: count(best),
        };
    }
    Cause::OutsideCoverage
}

/// A gauge: metric name, help text, and how to read it from a group.
type Gauge = (&'static str, &'static str, fn(&GroupFigures) -> Option<f64>);

/// The report's figures in the Prometheus text format (rates in percent, waits in seconds).
pub fn to_prometheus(report: &Report) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let gauges: [Gauge; 7] = [
        (
            "candor_report_answer_rate",
            "Share of questions answered, last 30 days (percent).",
            |g| g.answer_rate,
        ),
        (
            "candor_report_decline_rate",
            "Share of questions declined, last 30 days (percent).",
            |g| g.decline_rate,
        ),
        (
            "candor_report_handoff_rate",
            "Share of questions handed to a person, last 30 days (percent).",
            |g| g.handoff_rate,
        ),
        (
            "candor_report_helpful_rate",
            "Share of rated answers marked helpful, last 30 days (percent).",
            |g| g.helpful_rate,
        ),
        (
            "candor_report_voted_confidence",
            "Mean confidence of the answers visitors voted on, last 30 days (percent): compare with candor_report_helpful_rate.",
            |g| g.voted_confidence,
        ),
        (
            "candor_report_person_helped_rate",
            "Share of conversations with a person rated \"helped\" by the visitor, last 30 days (percent).",
            |g| g.person_helped_rate,
        ),
        (
            "candor_report_median_wait_seconds",
            "Median wait for a person, last 30 days.",
            |g| g.median_wait_seconds.map(|s| s as f64),
        ),
    ];
    for (name, help, value) in gauges {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
        for g in &report.groups {
            if let Some(v) = value(g) {
                let group = g.group.replace(['\\', '"'], "_");
                let _ = writeln!(
                    out,
                    "{name}{{dimension=\"{}\",group=\"{group}\"}} {v}",
                    g.dimension
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(lang: &str, what: &str, n: i64) -> (String, String, String, i64) {
        (lang.into(), "https://shop.example".into(), what.into(), n)
    }

    #[test]
    fn a_language_answered_much_less_often_raises_a_warning_naming_the_cause() {
        let rows = vec![
            row("en", "answer", 9),
            row("en", "no_answer", 1),
            row("fr", "answer", 5),
            row("fr", "no_answer", 5),
            row("fr", "wait", 60_000),
        ];
        let articles = BTreeMap::from([("en".to_string(), 20), ("fr".to_string(), 8)]);
        let r = build(&rows, &articles, 15.0);
        let fr = r
            .groups
            .iter()
            .find(|g| g.dimension == "language" && g.group == "fr")
            .unwrap();
        assert_eq!(
            (fr.answer_rate, fr.median_wait_seconds),
            (Some(50.0), Some(60))
        );
        assert_eq!(r.warnings.len(), 1);
        assert_eq!(
            (r.warnings[0].group.as_str(), r.warnings[0].measure),
            ("fr", "answer_rate")
        );
        assert!(r.warnings[0]
            .likely_cause
            .contains("few articles in fr: 8 against 20 in en"));
        assert!(build(&rows, &articles, 50.0).warnings.is_empty());
    }

    #[test]
    fn ratings_of_people_are_a_share_of_the_rated_conversations_and_a_gauge() {
        let rows = vec![
            row("fr", "person_helped", 3),
            row("fr", "person_not_helped", 1),
            row("en", "answer", 2),
        ];
        let r = build(&rows, &BTreeMap::new(), 15.0);
        let lang = |l: &str| {
            r.groups
                .iter()
                .find(|g| g.dimension == "language" && g.group == l)
                .unwrap()
                .clone()
        };
        let fr = lang("fr");
        assert_eq!((fr.person_ratings, fr.person_helped_rate), (4, Some(75.0)));
        assert_eq!(fr.questions, 0, "a rating is not a question");
        assert_eq!(lang("en").person_helped_rate, None, "no rating, no rate");
        assert!(r.warnings.is_empty(), "4 ratings are too few to compare");
        let many = vec![
            row("fr", "person_helped", 4),
            row("fr", "person_not_helped", 6),
            row("en", "person_helped", 9),
            row("en", "person_not_helped", 1),
        ];
        let w = build(&many, &BTreeMap::new(), 15.0).warnings;
        assert_eq!(w.len(), 1, "{w:?}");
        assert_eq!(
            (w[0].measure, w[0].group.as_str(), w[0].rate, w[0].best_rate),
            ("person_helped_rate", "fr", 40.0, 90.0)
        );
        let gauges = to_prometheus(&r);
        assert!(
            gauges.contains(
                "candor_report_person_helped_rate{dimension=\"language\",group=\"fr\"} 75"
            ),
            "{gauges}"
        );
    }

    #[test]
    fn the_stated_confidence_of_voted_answers_is_averaged_per_group() {
        let rows = vec![
            row("fr", "helpful", 1),
            row("fr", "unhelpful", 1),
            row("fr", "voted_confidence", 900),
            row("fr", "voted_confidence", 850),
            row("en", "answer", 3),
        ];
        let r = build(&rows, &BTreeMap::new(), 15.0);
        let group = |l: &str| r.groups.iter().find(|g| g.group == l).unwrap().clone();
        assert_eq!(
            (group("fr").voted_confidence, group("fr").helpful_rate),
            (Some(87.5), Some(50.0))
        );
        assert_eq!(group("en").voted_confidence, None, "no vote, no figure");
    }
}
