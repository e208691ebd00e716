//! Server-sent events: a conversation's messages and status, live and resumable.
//!
//! The event id is the message's position in the store (`seq`). A client that reconnects
//! with `Last-Event-ID` (or `?after=`) gets exactly the messages after it: none lost, none
//! repeated, in the same order for everyone. The producer task ends when the client is gone
//! (its channel closes) or the conversation no longer exists.

use super::widget::message_json;
use super::AppState;
use crate::error::{ApiError, ErrorCode};
use crate::realtime::{typing_in, visitor_typing_topic, QUEUE, TEAM};
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use serde_json::json;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};

type Chunk = Result<Bytes, std::io::Error>;

/// The event id to resume after: `Last-Event-ID`, else `?after=`, else 0 (everything).
/// One that is not a whole number ≥ 0 is refused: replaying everything instead would show
/// the client messages it already has.
pub fn resume_point(req: &HttpRequest) -> Result<i64, ApiError> {
    let header = req
        .headers()
        .get("last-event-id")
        .filter(|v| !v.as_bytes().trim_ascii().is_empty())
        .map(|v| v.to_str().ok().and_then(event_id));
    let query =
        web::Query::<std::collections::HashMap<String, String>>::from_query(req.query_string())
            .ok()
            .and_then(|q| q.get("after").map(|v| event_id(v)));
    match header.or(query) {
        None => Ok(0),
        Some(Some(id)) => Ok(id),
        Some(None) => Err(ApiError::new(
            ErrorCode::InvalidQuery,
            "Last-Event-ID and after are event ids: whole numbers from 0.",
        )),
    }
}

fn event_id(raw: &str) -> Option<i64> {
    raw.trim().parse().ok().filter(|id: &i64| *id >= 0)
}

/// Who is listening: the team sees internal notes, the visitor never does. A team member's
/// stream lasts as long as their sign-in: it ends when they sign out, the token expires or
/// an admin switches the account off, instead of carrying on with the live transcript.
#[derive(Clone, PartialEq, Eq)]
pub enum Audience {
    Visitor,
    /// The hash of the session or API token the stream was opened with.
    Team(String),
}

/// Whether a team member's sign-in still holds (visitors: always).
async fn still_signed_in(store: &dyn crate::storage::Store, audience: &Audience) -> bool {
    match audience {
        Audience::Visitor => true,
        Audience::Team(session) => matches!(
            store
                .user_by_token(session, crate::conversation::now_ms())
                .await,
            Ok(Some(_))
        ),
    }
}

/// Streams the conversation's events from `after` on.
pub fn stream(
    state: &web::Data<AppState>,
    conversation_id: String,
    after: i64,
    audience: Audience,
) -> HttpResponse {
    let (tx, mut rx) = mpsc::channel::<Chunk>(32);
    let store = state.assistant.store.clone();
    let sub = state.assistant.hub.subscribe();
    tokio::spawn(produce(store, sub, tx, conversation_id, after, audience));
    let body = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
    HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("Cache-Control", "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(body)
}

async fn produce(
    store: std::sync::Arc<dyn crate::storage::Store>,
    mut sub: broadcast::Receiver<String>,
    tx: mpsc::Sender<Chunk>,
    id: String,
    mut last: i64,
    audience: Audience,
) {
    let mut last_status = (String::new(), None);
    // The visitor's open stream says they are still on the site (see `touch_visitor`).
    let mut seen_at: Option<i64> = None;
    let send = |text: String| {
        let tx = tx.clone();
        async move { tx.send(Ok(Bytes::from(text))).await.is_ok() }
    };
    loop {
        if !still_signed_in(store.as_ref(), &audience).await {
            return;
        }
        let now = crate::conversation::now_ms();
        let due = seen_at.is_none_or(|t| now - t >= crate::handoff::VISITOR_HEARTBEAT_MS);
        if audience == Audience::Visitor && due {
            // A hint for the person: a failed write costs nothing and is tried again later.
            if store.touch_visitor(&id, now).await.is_ok() {
                seen_at = Some(now);
            }
        }
        let Ok(messages) = store.messages_after(&id, last).await else {
            return;
        };
        for m in messages {
            last = m.seq;
            if audience == Audience::Visitor && m.author == crate::handoff::agent::NOTE {
                continue;
            }
            if !send(format!(
                "id: {}\nevent: message\ndata: {}\n\n",
                m.seq,
                message_json(&m)
            ))
            .await
            {
                return;
            }
        }
        let Ok(Some(conv)) = store.conversation(&id).await else {
            return;
        };
        let position = store.queue_position(&id).await.unwrap_or(None);
        if (conv.status.clone(), position) != last_status {
            last_status = (conv.status.clone(), position);
            let data = json!({"status": conv.status, "queue_position": position});
            if !send(format!("event: status\ndata: {data}\n\n")).await {
                return;
            }
        }
        // Queue changes only matter to conversations that wait in it (their position).
        let waiting = last_status.0 == crate::conversation::service::status::WAITING;
        // The team sees the visitor typing; the visitor sees the person typing.
        let visitor_typing = (audience != Audience::Visitor).then(|| visitor_typing_topic(&id));
        // Typing signals are passed on as they come, without reading the store again; the
        // deadline stays, so the 15 s re-check (signed out? erased?) happens all the same.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        let woken = loop {
            let changed = async {
                loop {
                    match sub.recv().await {
                        Ok(topic) if topic == id || (waiting && topic == QUEUE) => break None,
                        Ok(topic) if visitor_typing.as_ref() == Some(&topic) => {
                            break Some(json!({ "visitor": true }))
                        }
                        Ok(topic) => match typing_in(&topic, &id) {
                            Some(name) => break Some(json!({ "name": name })),
                            None => continue,
                        },
                        Err(_) => break None,
                    }
                }
            };
            match tokio::time::timeout_at(deadline, changed).await {
                Ok(Some(data)) => {
                    if !send(format!("event: typing\ndata: {data}\n\n")).await {
                        return;
                    }
                }
                Ok(None) => break true,
                Err(_) => break false,
            }
        };
        if !woken && !send(": keep-alive\n\n".into()).await {
            return;
        }
    }
}

/// The console's queue stream: an `event: queue` each time the queue changes (and every
/// 15 s), so the waiting list updates live without polling.
pub fn queue_stream(state: &web::Data<AppState>, audience: Audience) -> HttpResponse {
    let (tx, mut rx) = mpsc::channel::<Chunk>(8);
    let mut sub = state.assistant.hub.subscribe();
    let store = state.assistant.store.clone();
    tokio::spawn(async move {
        loop {
            if !still_signed_in(store.as_ref(), &audience).await {
                return;
            }
            if tx
                .send(Ok(Bytes::from_static(b"event: queue\ndata: {}\n\n")))
                .await
                .is_err()
            {
                return;
            }
            let changed = async {
                loop {
                    match sub.recv().await {
                        Ok(topic) if topic == QUEUE || topic == TEAM => break,
                        Ok(_) => continue,
                        Err(_) => break,
                    }
                }
            };
            let _ = tokio::time::timeout(Duration::from_secs(15), changed).await;
        }
    });
    let body = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
    HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("Cache-Control", "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(body)
}
