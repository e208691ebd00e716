//! The human queue: a visitor's right to a person (GDPR art. 22).
//!
//! Conversations wait first-in, first-out by the time they asked; the position a visitor
//! sees is computed from the shared store, so it is the same on every instance.

/// Console accounts and tokens.
pub mod accounts;
/// Claim, reply, release, close.
pub mod agent;
/// The team's opening hours.
pub mod hours;

use crate::storage::{HandoffRequest, Store, StoreError};

/// Puts the conversation in the queue (a second request keeps its place) and returns its
/// position.
pub async fn enqueue(store: &dyn Store, h: &HandoffRequest) -> Result<Option<i64>, StoreError> {
    store.request_handoff(h).await?;
    store.queue_position(&h.conversation_id).await
}

/// The position this conversation would have if it joined the queue now: everyone
/// currently waiting, plus itself (or its current place if it already waits).
pub async fn position_if_enqueued(
    store: &dyn Store,
    conversation_id: &str,
) -> Result<Option<i64>, StoreError> {
    if let Some(p) = store.queue_position(conversation_id).await? {
        return Ok(Some(p));
    }
    Ok(Some(store.waiting_count().await? + 1))
}

/// Who can take over right now, and how long visitors waited recently.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Availability {
    /// People active in the console in the last minute.
    pub people_online: i64,
    /// Average of the last 20 waits between joining the queue and a claim, in seconds.
    pub estimated_wait_seconds: Option<i64>,
    /// Outside the configured opening hours.
    pub closed: bool,
}

/// The current availability of the team.
pub async fn availability(
    store: &dyn Store,
    now: i64,
    hours: Option<&hours::OpeningHours>,
) -> Result<Availability, StoreError> {
    Ok(Availability {
        people_online: store.people_online(now - 60_000).await?,
        estimated_wait_seconds: agent::estimated_wait(store).await?.map(|ms| ms / 1000),
        closed: hours.is_some_and(|h| !h.is_open(now)),
    })
}

/// At most how often an open widget's live stream marks its visitor present (ms); an idle
/// stream wakes every 15 s for its keep-alive, so it marks them at least that often.
pub const VISITOR_HEARTBEAT_MS: i64 = 10_000;

/// Silence after which the visitor counts as gone: two idle wakes of their stream (a closed
/// tab is noticed at the next keep-alive) and some slack.
pub const VISITOR_AWAY_AFTER_MS: i64 = 40_000;

/// Whether the visitor is still on the site, as the person holding the conversation sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct VisitorPresence {
    /// The widget follows the conversation now.
    pub online: bool,
    /// Seconds since it last did.
    pub seen_seconds_ago: i64,
}

/// The visitor's presence at `now` from when their widget last followed the conversation;
/// `None` if it never did (the visitor never waited for a person with the chat open).
pub fn visitor_presence(seen_at: Option<i64>, now: i64) -> Option<VisitorPresence> {
    let ago = (now - seen_at?).max(0);
    Some(VisitorPresence {
        online: ago <= VISITOR_AWAY_AFTER_MS,
        seen_seconds_ago: ago / 1000,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_visitor_is_online_until_their_widget_has_been_silent_for_40_s() {
        assert_eq!(visitor_presence(None, 1_000_000), None);
        let seen = 1_000_000;
        let at = |ms| visitor_presence(Some(seen), seen + ms).unwrap();
        assert!(at(0).online && at(VISITOR_AWAY_AFTER_MS).online);
        let away = at(VISITOR_AWAY_AFTER_MS + 1);
        assert_eq!((away.online, away.seen_seconds_ago), (false, 40));
        assert_eq!(at(-5_000).seen_seconds_ago, 0, "a clock a little behind");
    }
}
