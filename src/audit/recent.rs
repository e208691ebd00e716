//! A figure recomputed at most once per period, for pages anyone may reload.

use std::future::Future;

/// The last value computed for a key, reused while it is younger than `ttl_ms`. The public
/// transparency page and `/metrics` each read every kept message of 30 days (0.37 s and 0.6 s
/// on a busy month, BENCHMARKS §6): without this, reloading either could keep the database
/// busy. Callers arriving during a computation wait for it rather than start their own.
pub struct Recent<K, T> {
    ttl_ms: i64,
    slot: tokio::sync::Mutex<Option<(i64, K, T)>>,
}

impl<K: PartialEq, T: Clone> Recent<K, T> {
    pub fn new(ttl_ms: i64) -> Recent<K, T> {
        Recent {
            ttl_ms,
            slot: tokio::sync::Mutex::new(None),
        }
    }

    /// The value for `key` at `now` (ms): the kept one when younger than the period and for
    /// the same key, else `compute`'s, which is kept only when it succeeds.
    pub async fn get<E, F, Fut>(&self, key: K, now: i64, compute: F) -> Result<T, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let mut slot = self.slot.lock().await;
        if let Some((at, k, value)) = slot.as_ref() {
            if now - at < self.ttl_ms && *k == key {
                return Ok(value.clone());
            }
        }
        let fresh = compute().await?;
        *slot = Some((now, key, fresh.clone()));
        Ok(fresh)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn kept_for_the_period_and_key_and_never_after_a_failure() {
        let recent: Recent<u32, i64> = Recent::new(60_000);
        let ok = |v: i64| move || async move { Ok::<_, ()>(v) };
        assert_eq!(recent.get(30, 0, ok(1)).await, Ok(1));
        assert_eq!(recent.get(30, 59_999, ok(2)).await, Ok(1), "same period");
        assert_eq!(recent.get(7, 59_999, ok(3)).await, Ok(3), "another key");
        assert_eq!(recent.get(7, 120_000, || async { Err(()) }).await, Err(()));
        assert_eq!(
            recent.get(7, 120_001, ok(4)).await,
            Ok(4),
            "failure not kept"
        );
    }
}
