//! Live updates: "something changed in conversation X" notifications.
//!
//! Streams do not carry data through the hub: on a notification they read the messages
//! after their last event id from the store. So a missed or duplicated notification costs
//! one extra read, never a lost or repeated message, and the order is the store's.
//!
//! With one instance (SQLite) notifications stay in the process. With several instances on
//! PostgreSQL they go through `NOTIFY candor_events` and come back to every instance
//! (including this one) through `LISTEN`, so a visitor on instance A sees what an agent
//! writes on instance B.

use tokio::sync::{broadcast, mpsc};

/// Topic of queue-wide changes (a conversation joined or left the queue).
pub const QUEUE: &str = "queue";
/// Topic of changes only the consoles' lists show (a visitor wrote in a held conversation):
/// unlike `QUEUE`, it does not wake the visitors waiting in the queue.
pub const TEAM: &str = "team";
/// Topic saying that the person holding a conversation is typing a reply. Nothing is stored:
/// the visitor's stream turns it into an `event: typing`, and a missed one costs nothing.
pub fn typing_topic(conversation_id: &str, name: &str) -> String {
    format!("typing:{conversation_id}:{name}")
}

/// The name of who is typing in `conversation_id`, if `topic` says so.
pub fn typing_in<'a>(topic: &'a str, conversation_id: &str) -> Option<&'a str> {
    topic
        .strip_prefix("typing:")?
        .strip_prefix(conversation_id)?
        .strip_prefix(':')
}

/// Topic saying that the visitor of a conversation a person holds is typing: only the
/// team's streams of that conversation pass it on (never its text, never stored).
pub fn visitor_typing_topic(conversation_id: &str) -> String {
    format!("visitor-typing:{conversation_id}")
}

/// Topic of changes to the operators' synonym rules.
pub const SYNONYMS: &str = "synonyms";
/// The PostgreSQL channel instances share.
pub const PG_CHANNEL: &str = "candor_events";

/// Fan-out of change notifications.
pub struct Hub {
    local: broadcast::Sender<String>,
    /// Where notifications go when they are shared between instances.
    relay: Option<mpsc::UnboundedSender<String>>,
}

impl Default for Hub {
    fn default() -> Self {
        Hub {
            local: broadcast::channel(1024).0,
            relay: None,
        }
    }
}

impl Hub {
    /// A hub whose notifications go out through `relay` and come back via [`Hub::deliver`].
    pub fn shared(relay: mpsc::UnboundedSender<String>) -> Hub {
        Hub {
            relay: Some(relay),
            ..Hub::default()
        }
    }

    /// Announces a change to a conversation (or to the queue).
    pub fn notify(&self, topic: &str) {
        match &self.relay {
            Some(relay) if relay.send(topic.to_string()).is_ok() => {}
            _ => self.deliver(topic),
        }
    }

    /// Hands a notification to this instance's subscribers.
    pub fn deliver(&self, topic: &str) {
        // No receiver is fine: nobody is watching.
        let _ = self.local.send(topic.to_string());
    }

    /// A new subscription to every notification.
    pub fn subscribe(&self) -> broadcast::Receiver<String> {
        self.local.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typing_topic_names_its_conversation_and_who_types() {
        let t = typing_topic("c1", "Camille: service client");
        assert_eq!(typing_in(&t, "c1"), Some("Camille: service client"));
        assert_eq!(
            typing_in(&t, "c"),
            None,
            "not a prefix of another conversation's id"
        );
        assert_eq!(typing_in("c1", "c1"), None);
        assert_eq!(typing_in(QUEUE, "c1"), None);
    }
}
