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
