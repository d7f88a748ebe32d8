//! Client-side rate limiting shared by every call of one `Client`.
//!
//! Vision One counts requests per 60-second window, so the limiter is a sliding window (never more
//! than N requests in any 60 s), not a token bucket that could burst past the server's count.
//! It also listens to the server: a 429 pauses every caller until the chosen retry time, and a
//! configured rate is lowered for a while, so concurrent calls stop hammering a throttled tenant.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::Error;

const WINDOW: Duration = Duration::from_secs(60);
/// How long a lowered rate stays lowered after the last 429.
const RECOVERY: Duration = Duration::from_secs(60);

#[derive(Debug)]
pub struct RateLimiter {
    per_minute: Option<u32>,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Start times of the requests of the last window (only kept when a limit is configured).
    sent: VecDeque<Instant>,
    paused_until: Option<Instant>,
    /// The lowered limit and when it was last lowered.
    lowered: Option<(u32, Instant)>,
}

impl RateLimiter {
    pub fn new(per_minute: Option<u32>) -> Self {
        RateLimiter {
            per_minute: per_minute.filter(|n| *n > 0),
            state: Mutex::new(State::default()),
        }
    }

    /// Wait for a slot, or fail when waiting would pass `deadline` or the call is cancelled.
    pub async fn acquire(&self, cancel: &CancellationToken, deadline: Instant) -> Result<(), Error> {
        loop {
            let wait = match self.try_take(Instant::now()) {
                None => return Ok(()),
                Some(wait) => wait,
            };
            if Instant::now() + wait > deadline {
                return Err(Error::Transport {
                    message: "the client-side rate limit would delay this request past its deadline".into(),
                    timeout: true,
                    body_sent: false,
                });
            }
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = cancel.cancelled() => return Err(Error::Cancelled { in_flight: false }),
            }
        }
    }

    /// Take a slot now (`None`) or say how long to wait before asking again.
    fn try_take(&self, now: Instant) -> Option<Duration> {
        self.check(now, true)
    }

    /// How long a request would wait for a slot now (`None`: it would go at once); takes nothing.
    /// The batcher keeps a batch open for that long, since its callers would wait anyway.
    pub(crate) fn wait_hint(&self) -> Option<Duration> {
        self.check(Instant::now(), false)
    }

    /// The interval at which the limit in force refills one request (`None` without a limit).
    pub(crate) fn pace(&self) -> Option<Duration> {
        self.current_limit().map(|n| WINDOW / n.max(1))
    }

    fn check(&self, now: Instant, take: bool) -> Option<Duration> {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(until) = st.paused_until {
            if until > now {
                return Some(until - now);
            }
            st.paused_until = None;
        }
        // No limit configured: go at once.
        let limit = self.effective_limit(&mut st, now)?;
        while st.sent.front().is_some_and(|t| now.duration_since(*t) >= WINDOW) {
            st.sent.pop_front();
        }
        if (st.sent.len() as u32) < limit {
            if take {
                st.sent.push_back(now);
            }
            return None;
        }
        let oldest = *st.sent.front().expect("window is full, so not empty");
        Some(
            (oldest + WINDOW)
                .saturating_duration_since(now)
                .max(Duration::from_millis(1)),
        )
    }

    fn effective_limit(&self, st: &mut State, now: Instant) -> Option<u32> {
        let configured = self.per_minute?;
        match st.lowered {
            Some((_, at)) if now.duration_since(at) >= RECOVERY => {
                st.lowered = None;
                Some(configured)
            }
            Some((lowered, _)) => Some(lowered),
            None => Some(configured),
        }
    }

    /// The server said 429: hold every caller for `delay`, and lower a configured rate by a quarter
    /// (down to a quarter of the configured value) until a minute passes without another 429.
    pub fn on_throttled(&self, delay: Duration) {
        let now = Instant::now();
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let until = now + delay;
        if st.paused_until.is_none_or(|p| p < until) {
            st.paused_until = Some(until);
        }
        if let Some(configured) = self.per_minute {
            let current = st.lowered.map_or(configured, |(l, _)| l);
            let floor = (configured / 4).max(1);
            st.lowered = Some(((current * 3 / 4).max(floor), now));
        }
    }

    /// The limit in force now (for tests and diagnostics).
    pub fn current_limit(&self) -> Option<u32> {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        self.effective_limit(&mut st, Instant::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn sliding_window_spreads_requests() {
        let lim = RateLimiter::new(Some(3));
        let cancel = CancellationToken::new();
        let start = Instant::now();
        let far = start + Duration::from_secs(3600);
        for _ in 0..3 {
            lim.acquire(&cancel, far).await.unwrap();
        }
        assert!(Instant::now() - start < Duration::from_secs(1));
        lim.acquire(&cancel, far).await.unwrap();
        let waited = Instant::now() - start;
        assert!(waited >= Duration::from_secs(60), "{waited:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn hints_take_nothing() {
        let lim = RateLimiter::new(Some(2));
        let cancel = CancellationToken::new();
        let far = Instant::now() + Duration::from_secs(3600);
        assert_eq!(lim.pace(), Some(Duration::from_secs(30)));
        assert_eq!(lim.wait_hint(), None);
        assert_eq!(lim.wait_hint(), None, "asking takes no slot");
        lim.acquire(&cancel, far).await.unwrap();
        lim.acquire(&cancel, far).await.unwrap();
        assert_eq!(lim.wait_hint(), Some(WINDOW));
        assert_eq!(RateLimiter::new(None).pace(), None);
    }

    #[tokio::test(start_paused = true)]
    async fn unlimited_never_waits_and_deadline_is_respected() {
        let lim = RateLimiter::new(None);
        let cancel = CancellationToken::new();
        for _ in 0..1000 {
            lim.acquire(&cancel, Instant::now()).await.unwrap();
        }
        let lim = RateLimiter::new(Some(1));
        lim.acquire(&cancel, Instant::now() + Duration::from_secs(5))
            .await
            .unwrap();
        let err = lim
            .acquire(&cancel, Instant::now() + Duration::from_secs(5))
            .await
            .unwrap_err();
        assert!(err.is_timeout(), "{err}");
    }

    #[tokio::test(start_paused = true)]
    async fn throttle_pauses_everyone_and_lowers_rate() {
        let lim = RateLimiter::new(Some(100));
        let cancel = CancellationToken::new();
        lim.on_throttled(Duration::from_secs(2));
        assert_eq!(lim.current_limit(), Some(75));
        let start = Instant::now();
        lim.acquire(&cancel, start + Duration::from_secs(60)).await.unwrap();
        assert!(Instant::now() - start >= Duration::from_secs(2));
        for _ in 0..10 {
            lim.on_throttled(Duration::ZERO);
        }
        assert_eq!(lim.current_limit(), Some(25));
        tokio::time::advance(RECOVERY).await;
        assert_eq!(lim.current_limit(), Some(100));
    }

    #[tokio::test(start_paused = true)]
    async fn cancellation_stops_waiting() {
        let lim = RateLimiter::new(None);
        lim.on_throttled(Duration::from_secs(30));
        let cancel = CancellationToken::new();
        cancel.cancel();
        let err = lim
            .acquire(&cancel, Instant::now() + Duration::from_secs(60))
            .await
            .unwrap_err();
        assert!(err.is_cancelled());
    }
}
