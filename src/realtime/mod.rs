//! Live updates: "something changed in conversation X" notifications.
//!
//! Streams do not carry data through the hub: on a notification they read the messages
//! after their last event id from the store. So a missed or duplicated notification costs
//! one extra read, never a lost or repeated message, and the order is the store's.

use tokio::sync::broadcast;

/// Topic of queue-wide changes (a conversation joined or left the queue).
pub const QUEUE: &str = "queue";

/// In-process fan-out of change notifications.
pub struct Hub {
    tx: broadcast::Sender<String>,
}

impl Default for Hub {
    fn default() -> Self {
        Hub {
            tx: broadcast::channel(1024).0,
        }
    }
}

impl Hub {
    /// Announces a change to a conversation (or to the queue).
    pub fn notify(&self, topic: &str) {
        // No receiver is fine: nobody is watching.
        let _ = self.tx.send(topic.to_string());
    }

    /// A new subscription to every notification.
    pub fn subscribe(&self) -> broadcast::Receiver<String> {
        self.tx.subscribe()
    }
}
