//! Prometheus metrics, written by hand: a few counters and one histogram do not justify
//! an exporter dependency.

use crate::answer::Kind;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// A monotonically increasing count.
#[derive(Default)]
pub struct Counter(AtomicU64);

impl Counter {
    /// Adds one.
    pub fn inc(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
    /// The current value.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Upper bounds, in seconds, of the decision-latency buckets.
const BUCKETS: [f64; 10] = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1.0];

/// A cumulative latency histogram.
#[derive(Default)]
pub struct Histogram {
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl Histogram {
    /// Records one observation.
    pub fn observe(&self, d: Duration) {
        let secs = d.as_secs_f64();
        for (i, bound) in BUCKETS.iter().enumerate() {
            if secs <= *bound {
                self.buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_micros
            .fetch_add(d.as_micros() as u64, Ordering::Relaxed);
    }
}

/// Everything `/metrics` reports.
#[derive(Default)]
pub struct Metrics {
    pub conversations: Counter,
    pub answers: Counter,
    pub declines: Counter,
    pub handoffs: Counter,
    pub small_talk: Counter,
    /// Searches of the help centre that failed (each question went to a person instead).
    pub search_failures: Counter,
    pub turn_seconds: Histogram,
}

impl Metrics {
    /// Counts one decision and its latency (search, decision and storage).
    pub fn record_decision(&self, kind: Kind, elapsed: Duration) {
        match kind {
            Kind::Answer => self.answers.inc(),
            Kind::NoAnswer => self.declines.inc(),
            Kind::Handoff => self.handoffs.inc(),
            Kind::SmallTalk => self.small_talk.inc(),
        }
        self.turn_seconds.observe(elapsed);
    }

    /// The Prometheus text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let counters = [
            (
                "candor_conversations_total",
                "Conversations started.",
                &self.conversations,
            ),
            (
                "candor_answers_total",
                "Questions answered from an article.",
                &self.answers,
            ),
            (
                "candor_declines_total",
                "Questions declined below the confidence threshold.",
                &self.declines,
            ),
            (
                "candor_handoffs_total",
                "Conversations handed to the human queue.",
                &self.handoffs,
            ),
            (
                "candor_small_talk_total",
                "Greetings, thanks and goodbyes no article answered, replied to with a fixed sentence.",
                &self.small_talk,
            ),
            (
                "candor_search_failures_total",
                "Searches of the help centre that failed; each question was handed to a person instead.",
                &self.search_failures,
            ),
        ];
        for (name, help, c) in counters {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                c.get()
            );
        }
        let h = &self.turn_seconds;
        let name = "candor_turn_duration_seconds";
        let _ = writeln!(
            out,
            "# HELP {name} Time to decide and store a chat turn.\n# TYPE {name} histogram"
        );
        for (i, bound) in BUCKETS.iter().enumerate() {
            let _ = writeln!(
                out,
                "{name}_bucket{{le=\"{bound}\"}} {}",
                h.buckets[i].load(Ordering::Relaxed)
            );
        }
        let count = h.count.load(Ordering::Relaxed);
        let sum = h.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(
            out,
            "{name}_bucket{{le=\"+Inf\"}} {count}\n{name}_sum {sum}\n{name}_count {count}"
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_are_counted_in_their_family_and_the_histogram() {
        let m = Metrics::default();
        m.record_decision(Kind::Answer, Duration::from_micros(700));
        m.record_decision(Kind::NoAnswer, Duration::from_millis(30));
        let text = m.render();
        assert!(text.contains("candor_answers_total 1"));
        assert!(text.contains("candor_declines_total 1"));
        assert!(text.contains("candor_turn_duration_seconds_bucket{le=\"0.001\"} 1"));
        assert!(text.contains("candor_turn_duration_seconds_count 2"));
    }
}
