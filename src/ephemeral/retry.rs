//! A few more tries for what must not be left undone (a key's delete at Close): the client
//! already retries 429/5xx within one call, this covers an outage longer than its backoff.

use std::future::Future;
use std::time::Duration;

/// Tries `f` up to `attempts` times, waiting `first_wait` and then twice as long each time;
/// the last error when none succeeds.
pub async fn retry<T, E, F, Fut>(attempts: u32, first_wait: Duration, mut f: F) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let mut wait = first_wait;
    let mut tried = 1;
    loop {
        match f().await {
            Ok(t) => return Ok(t),
            Err(e) if tried >= attempts => return Err(e),
            Err(_) => {
                tokio::time::sleep(wait).await;
                wait *= 2;
                tried += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};
    use tokio::time::Instant;

    #[tokio::test(start_paused = true)]
    async fn retries_with_doubling_waits_then_gives_the_last_error() {
        let calls = AtomicU32::new(0);
        let start = Instant::now();
        let r: Result<(), u32> = retry(3, Duration::from_millis(500), || async {
            Err(calls.fetch_add(1, Ordering::SeqCst) + 1)
        })
        .await;
        assert_eq!(r, Err(3));
        assert_eq!(calls.load(Ordering::SeqCst), 3);
        // 0.5 s + 1 s between the three tries, none after the last.
        assert_eq!(start.elapsed(), Duration::from_millis(1500));
    }

    #[tokio::test(start_paused = true)]
    async fn stops_at_the_first_success() {
        let calls = AtomicU32::new(0);
        let start = Instant::now();
        let r: Result<u32, ()> = retry(5, Duration::from_secs(1), || async {
            let n = calls.fetch_add(1, Ordering::SeqCst);
            if n < 1 {
                Err(())
            } else {
                Ok(n)
            }
        })
        .await;
        assert_eq!(r, Ok(1));
        assert_eq!(start.elapsed(), Duration::from_secs(1));
    }
}
