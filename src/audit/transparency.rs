//! The public figures of the last 30 days, in plain words. Only conversations whose visitors
//! agreed to keep them for service improvement count.

use crate::storage::{Figures, Store, StoreError};

/// Rates shown on the transparency page (percentages, rounded).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Summary {
    pub days: u32,
    pub conversations: i64,
    pub questions: i64,
    pub answer_rate: Option<u32>,
    pub decline_rate: Option<u32>,
    pub handoff_rate: Option<u32>,
    pub median_wait_seconds: Option<i64>,
    pub helpful_rate: Option<u32>,
    pub votes: i64,
    /// Share of rated conversations with a person where the visitor said it helped.
    pub person_helped_rate: Option<u32>,
    pub ratings: i64,
    /// Visitors' votes by the confidence the answer was given with: the live check that a
    /// stated confidence means what it says (an answer given at 90 % should help about 9
    /// times in 10). Only bands with votes.
    pub confidence_bands: Vec<ConfidenceBand>,
    /// Share of questions written in a language the assistant does not answer in: visitors
    /// it told so and offered a person.
    pub other_language_rate: Option<u32>,
}

/// The votes on answers given with a confidence in `[from, to)` percent (`to` = 101 for the
/// top band, so 100 % is in it).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ConfidenceBand {
    pub from: u32,
    pub to: u32,
    pub votes: i64,
    pub helpful_rate: Option<u32>,
}

/// Band edges in percent: wide enough that a small shop's votes say something.
const BAND_EDGES: [u32; 5] = [0, 50, 70, 90, 101];

/// Groups the votes by the confidence of the answer they were given on.
pub fn confidence_bands(voted: &[(f64, bool)]) -> Vec<ConfidenceBand> {
    BAND_EDGES
        .windows(2)
        .filter_map(|edge| {
            let (from, to) = (edge[0], edge[1]);
            let (votes, helpful) = voted
                .iter()
                .filter(|(c, _)| {
                    let pct = (c * 100.0).round();
                    pct >= f64::from(from) && pct < f64::from(to)
                })
                .fold((0, 0), |(n, h), &(_, ok)| (n + 1, h + i64::from(ok)));
            (votes > 0).then(|| ConfidenceBand {
                from,
                to,
                votes,
                helpful_rate: percent(helpful, votes),
            })
        })
        .collect()
}

fn percent(part: i64, whole: i64) -> Option<u32> {
    (whole > 0).then(|| ((part as f64 / whole as f64) * 100.0).round() as u32)
}

/// Turns raw figures into the page's rates.
pub fn summarise(f: &Figures, days: u32) -> Summary {
    let questions = f.answers + f.declines + f.handoffs;
    let mut waits = f.waits_ms.clone();
    waits.sort_unstable();
    let votes = f.helpful + f.unhelpful;
    let ratings = f.person_helped + f.person_not_helped;
    Summary {
        days,
        conversations: f.conversations,
        questions,
        answer_rate: percent(f.answers, questions),
        decline_rate: percent(f.declines, questions),
        handoff_rate: percent(f.handoffs, questions),
        median_wait_seconds: waits.get(waits.len() / 2).map(|w| w / 1000),
        helpful_rate: percent(f.helpful, votes),
        votes,
        person_helped_rate: percent(f.person_helped, ratings),
        ratings,
        confidence_bands: confidence_bands(&f.voted_confidence),
        other_language_rate: percent(f.other_language, questions),
    }
}

/// The public page's figures, computed at most once a minute per number of days.
pub type SummaryCache = super::recent::Recent<u32, Summary>;

/// The summary of the last `days` days, from `cache` when it is at most a minute old.
pub async fn cached(
    cache: &SummaryCache,
    store: &dyn Store,
    days: u32,
    now: i64,
) -> Result<Summary, StoreError> {
    cache.get(days, now, || last_days(store, days, now)).await
}

/// The summary of the last `days` days at `now` (ms).
pub async fn last_days(store: &dyn Store, days: u32, now: i64) -> Result<Summary, StoreError> {
    let figures = store
        .figures_since(now - i64::from(days) * 86_400_000)
        .await?;
    Ok(summarise(&figures, days))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_shares_of_questions_and_votes() {
        let f = Figures {
            conversations: 3,
            answers: 6,
            declines: 3,
            handoffs: 1,
            waits_ms: vec![90_000, 30_000, 60_000],
            helpful: 3,
            unhelpful: 1,
            person_helped: 1,
            person_not_helped: 1,
            voted_confidence: vec![],
            other_language: 2,
        };
        let s = summarise(&f, 30);
        assert_eq!(
            (s.answer_rate, s.decline_rate, s.handoff_rate),
            (Some(60), Some(30), Some(10))
        );
        assert_eq!(
            (s.median_wait_seconds, s.helpful_rate),
            (Some(60), Some(75))
        );
        assert_eq!((s.person_helped_rate, s.ratings), (Some(50), 2));
        assert_eq!(s.other_language_rate, Some(20));
        assert_eq!(summarise(&Figures::default(), 30).answer_rate, None);
    }

    #[test]
    fn votes_are_grouped_by_the_confidence_the_answer_was_given_with() {
        let voted = [
            (0.35, false),
            (0.495, true), // 50 % once rounded, as the visitor saw it
            (0.93, true),
            (1.0, true),
            (0.91, false),
            (0.97, true),
        ];
        let bands = confidence_bands(&voted);
        let got: Vec<_> = bands
            .iter()
            .map(|b| (b.from, b.to, b.votes, b.helpful_rate))
            .collect();
        assert_eq!(
            got,
            vec![
                (0, 50, 1, Some(0)),
                (50, 70, 1, Some(100)),
                (90, 101, 4, Some(75))
            ],
            "empty bands are left out; 100 % falls in the top band"
        );
        assert!(confidence_bands(&[]).is_empty());
    }
}
