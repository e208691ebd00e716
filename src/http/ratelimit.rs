//! Per-client limits on conversation creation and messages.
//!
//! Keys are client addresses held in memory only, for the last minute, and never
//! stored. Behind a reverse proxy every request comes from the proxy, so the address is
//! read from the configured header instead.

use super::AppState;
use crate::error::{ApiError, ErrorCode};
use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use dashmap::DashMap;
use std::collections::VecDeque;
use std::future::{ready, Ready};

/// At most `per_minute` requests per client in any 60 seconds. A rolling window, not
/// fixed clock minutes: with those, a client could send twice the limit across a minute's
/// boundary (ten failed sign-ins at 12:00:59 and ten more at 12:01:00).
pub struct RateLimiter {
    per_minute: u32,
    client_ip_header: Option<String>,
    /// Each client's request times (seconds) in the last minute, oldest first.
    windows: DashMap<String, VecDeque<i64>>,
}

impl RateLimiter {
    /// `per_minute == 0` disables the limit (benchmarks).
    pub fn new(per_minute: u32, client_ip_header: Option<String>) -> RateLimiter {
        RateLimiter {
            per_minute,
            client_ip_header,
            windows: DashMap::new(),
        }
    }

    /// Counts one request; `Err(seconds to wait)` when over the limit.
    pub fn check(&self, key: &str, now_secs: i64) -> Result<(), u64> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let recent = |t: &i64| now_secs - *t < 60;
        if self.windows.len() > 50_000 {
            self.windows
                .retain(|_, times| times.back().is_some_and(recent));
        }
        let mut times = self.windows.entry(key.to_string()).or_default();
        while times.front().is_some_and(|t| !recent(t)) {
            times.pop_front();
        }
        if let Some(&oldest) = times
            .front()
            .filter(|_| times.len() >= self.per_minute as usize)
        {
            return Err((60 - (now_secs - oldest)) as u64);
        }
        times.push_back(now_secs);
        Ok(())
    }

    /// The key a request is counted under (client address).
    pub fn client_key(&self, req: &HttpRequest) -> String {
        let from_header = self.client_ip_header.as_ref().and_then(|h| {
            let v = req.headers().get(h.as_str())?.to_str().ok()?;
            Some(v.split(',').next()?.trim().to_string())
        });
        from_header
            .or_else(|| req.peer_addr().map(|a| a.ip().to_string()))
            .unwrap_or_else(|| "unknown".into())
    }
}

/// Present in a handler's arguments: the request counted against the client's limit.
pub struct Throttled;

impl FromRequest for Throttled {
    type Error = ApiError;
    type Future = Ready<Result<Throttled, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let Some(state) = req.app_data::<web::Data<AppState>>() else {
            return ready(Ok(Throttled));
        };
        let key = state.limiter.client_key(req);
        let now = crate::conversation::now_ms() / 1000;
        ready(
            state
                .limiter
                .check(&key, now)
                .map(|_| Throttled)
                .map_err(|wait| ApiError {
                    retry_after: Some(wait),
                    ..ApiError::new(
                        ErrorCode::RateLimited,
                        "Too many requests: please wait a moment.",
                    )
                }),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_applies_per_client_over_the_last_minute() {
        let l = RateLimiter::new(2, None);
        assert!(l.check("a", 60).is_ok());
        assert!(l.check("a", 61).is_ok());
        assert_eq!(l.check("a", 62), Err(58));
        assert!(l.check("b", 62).is_ok());
        assert!(l.check("a", 120).is_ok());
        assert!(RateLimiter::new(0, None).check("a", 0).is_ok());
        // A clock minute's boundary does not reset it: two at :59, the third at :00 waits.
        let l = RateLimiter::new(2, None);
        assert!(l.check("a", 119).is_ok());
        assert!(l.check("a", 119).is_ok());
        assert_eq!(l.check("a", 120), Err(59));
        assert!(l.check("a", 179).is_ok(), "a minute after the first");
    }
}
