//! Gathering concurrent calls into one batch: the first caller opens a batch and starts a timer.
//! The batch goes out at once when it is full, or when it holds as many callers as have ever been
//! inside the batcher at the same time (the caller's concurrency — Terraform's parallelism —
//! learned as it goes: nobody else can be coming); otherwise once no new caller has joined for a
//! quiet window, and at the latest after `MAX_WINDOWS` quiet windows.
//!
//! The quiet window adapts to how far apart callers arrive. Terraform rewrites its whole state
//! file after every resource, one resource at a time, so in a large apply the callers of the next
//! batch come back one by one, tens of milliseconds apart, and further apart as the state grows.
//! A fixed window either cuts those batches short (more calls) or makes small applies wait; so
//! the window is `GAP_FACTOR` times the usual gap between callers that did come, never below the
//! configured window and never above `MAX_QUIET_WINDOWS` of it.
//!
//! The batch always runs to completion in its own task, so a caller that goes away cannot cut a
//! request in half; what happens to an answer nobody waits for is up to the flush function.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

use crate::shared::lock;
use crate::{Client, Error};

/// The longest a batch stays open, in quiet windows, however steadily callers keep joining.
const MAX_WINDOWS: u32 = 10;
/// The quiet window is this many times the usual gap between callers…
const GAP_FACTOR: u32 = 3;
/// …but at most this many configured windows.
const MAX_QUIET_WINDOWS: u32 = 8;

pub(crate) type BoxFuture = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// One caller's item and where its outcome goes.
pub(crate) struct Entry<I, R> {
    ticket: u64,
    pub item: I,
    pub reply: oneshot::Sender<Result<R, Error>>,
}

/// Sends one batch and delivers each entry's outcome. Runs in a spawned task.
pub(crate) type Flush<I, R> = fn(Client, Vec<Entry<I, R>>) -> BoxFuture;

/// The batch being gathered. `generation` changes whenever the open batch is taken (or emptied),
/// so a timer started for an earlier batch never sends a later one early.
pub(crate) struct Batcher<I, R> {
    open: Mutex<Open<I, R>>,
}

struct Open<I, R> {
    generation: u64,
    /// Callers inside `submit` now (waiting in the open batch or in one on its way).
    active: usize,
    /// The most callers ever inside `submit` at once.
    peak: usize,
    /// `peak` when the open batch got its first entry: the batch is sent once it holds that many.
    target: usize,
    /// When the last caller joined: the batch waits for a quiet window after it.
    last_join: tokio::time::Instant,
    /// The usual gap between callers arriving for the same batch, if seen: it follows a longer gap
    /// at once and a shorter one slowly.
    gap: Option<Duration>,
    /// The last batch went out on a quiet window short of its target: if the next caller comes
    /// soon after, the window was too short, and that gap counts too.
    cut_short: bool,
    next_ticket: u64,
    entries: Vec<Entry<I, R>>,
}

impl<I, R> Default for Batcher<I, R> {
    fn default() -> Self {
        Batcher {
            open: Mutex::new(Open {
                generation: 0,
                active: 0,
                peak: 0,
                target: 0,
                last_join: tokio::time::Instant::now(),
                gap: None,
                cut_short: false,
                next_ticket: 0,
                entries: Vec::new(),
            }),
        }
    }
}

impl<I: Send + 'static, R: Send + 'static> Batcher<I, R> {
    /// Add `item` to the open batch and wait for its outcome.
    ///
    /// Cancelled before the batch is sent: the item is withdrawn (`Cancelled { in_flight: false }`).
    /// Cancelled after: the outcome is taken if it already arrived, else refused — the flush
    /// function then sees an undeliverable outcome — and `Cancelled { in_flight: true }` returned.
    pub async fn submit(
        self: &Arc<Self>,
        client: &Client,
        item: I,
        window: Duration,
        max_batch: usize,
        flush: Flush<I, R>,
        cancel: &CancellationToken,
    ) -> Result<R, Error> {
        if cancel.is_cancelled() {
            return Err(Error::Cancelled { in_flight: false });
        }
        let (reply, mut rx) = oneshot::channel();
        let ticket = {
            let mut open = lock(&self.open);
            let ticket = open.next_ticket;
            open.next_ticket += 1;
            let now = tokio::time::Instant::now();
            open.learn_gap(now, window);
            open.entries.push(Entry { ticket, item, reply });
            open.last_join = now;
            open.active += 1;
            if open.entries.len() == 1 {
                open.target = open.peak;
            }
            open.peak = open.peak.max(open.active);
            // Full, or as many callers as this batcher has known at once: nobody else is coming.
            let everyone = open.target >= 2 && open.entries.len() >= open.target;
            if open.entries.len() >= max_batch.max(1) || everyone {
                let batch = take(&mut open);
                tokio::spawn(flush(client.clone(), batch));
            } else if open.entries.len() == 1 {
                tokio::spawn(self.clone().timer(client.clone(), open.generation, window, flush));
            }
            ticket
        };
        // A future dropped while its item still waits takes the item out: nothing is sent for it.
        let _withdraw_on_drop = WithdrawOnDrop { batcher: self, ticket };
        let _active = Active { batcher: self };
        tokio::select! {
            biased;
            outcome = &mut rx => outcome.unwrap_or_else(|_| Err(lost())),
            _ = cancel.cancelled() => {
                if self.withdraw(ticket) {
                    return Err(Error::Cancelled { in_flight: false });
                }
                rx.close();
                match rx.try_recv() {
                    Ok(outcome) => outcome,
                    Err(_) => Err(Error::Cancelled { in_flight: true }),
                }
            }
        }
    }

    /// Send the batch `generation` after a quiet window (or the longest wait), unless it was sent
    /// (full) or emptied meanwhile.
    async fn timer(self: Arc<Self>, client: Client, generation: u64, window: Duration, flush: Flush<I, R>) {
        let (mut wake, deadline) = {
            let open = lock(&self.open);
            let quiet = open.quiet(window);
            (open.last_join + quiet, open.last_join + quiet * MAX_WINDOWS)
        };
        let batch = loop {
            tokio::time::sleep_until(wake.min(deadline)).await;
            let mut open = lock(&self.open);
            if open.generation != generation || open.entries.is_empty() {
                return;
            }
            let now = tokio::time::Instant::now();
            let quiet_until = open.last_join + open.quiet(window);
            if quiet_until <= now || now >= deadline {
                open.cut_short = open.entries.len() < open.target;
                break take(&mut open);
            }
            wake = quiet_until;
        };
        flush(client, batch).await;
    }
}

impl<I, R> Open<I, R> {
    /// How long the open batch waits after its last caller for another.
    fn quiet(&self, window: Duration) -> Duration {
        match self.gap {
            Some(gap) => (gap * GAP_FACTOR).clamp(window, window * MAX_QUIET_WINDOWS),
            None => window,
        }
    }

    /// Fold the gap since the previous caller into the average when it tells how far apart
    /// callers of one batch arrive: the batch is open, or the last one was cut short just now.
    fn learn_gap(&mut self, now: tokio::time::Instant, window: Duration) {
        let since = now.saturating_duration_since(self.last_join);
        let counts = !self.entries.is_empty() || (self.cut_short && since <= window * MAX_QUIET_WINDOWS);
        self.cut_short = false;
        if counts {
            // Up at once, down slowly: a window too short costs a call, one too long only waits.
            self.gap = Some(match self.gap {
                Some(g) => since.max((g * 3 + since) / 4),
                None => since,
            });
        }
    }
}

impl<I, R> Batcher<I, R> {
    /// Remove a not-yet-sent entry; false when its batch is already on its way.
    fn withdraw(&self, ticket: u64) -> bool {
        let mut open = lock(&self.open);
        let Some(pos) = open.entries.iter().position(|e| e.ticket == ticket) else {
            return false;
        };
        open.entries.remove(pos);
        if open.entries.is_empty() {
            open.generation += 1;
        }
        true
    }
}

/// Counts a caller out of `active` when its `submit` ends, however it ends.
struct Active<'a, I, R> {
    batcher: &'a Batcher<I, R>,
}

impl<I, R> Drop for Active<'_, I, R> {
    fn drop(&mut self) {
        let mut open = lock(&self.batcher.open);
        open.active = open.active.saturating_sub(1);
    }
}

struct WithdrawOnDrop<'a, I, R> {
    batcher: &'a Batcher<I, R>,
    ticket: u64,
}

impl<I, R> Drop for WithdrawOnDrop<'_, I, R> {
    fn drop(&mut self) {
        self.batcher.withdraw(self.ticket);
    }
}

fn take<I, R>(open: &mut Open<I, R>) -> Vec<Entry<I, R>> {
    open.generation += 1;
    std::mem::take(&mut open.entries)
}

fn lost() -> Error {
    Error::Protocol("the batch carrying this request stopped before answering".into())
}

/// The same error again, for each caller of a batch that failed as a whole (`Error` is not `Clone`).
pub(crate) fn copy_error(e: &Error) -> Error {
    match e {
        Error::Api(a) => Error::Api(a.clone()),
        Error::Transport {
            message,
            timeout,
            body_sent,
        } => Error::Transport {
            message: message.clone(),
            timeout: *timeout,
            body_sent: *body_sent,
        },
        Error::Cancelled { in_flight } => Error::Cancelled { in_flight: *in_flight },
        Error::Decode {
            what,
            message,
            trace_id,
        } => Error::Decode {
            what: what.clone(),
            message: message.clone(),
            trace_id: trace_id.clone(),
        },
        Error::Protocol(m) => Error::Protocol(m.clone()),
        Error::Config(m) => Error::Config(m.clone()),
        Error::Retried { attempts, source } => Error::Retried {
            attempts: *attempts,
            source: Box::new(copy_error(source)),
        },
        Error::MaybeCreated {
            object,
            source,
            lookup_failure,
        } => Error::MaybeCreated {
            object: object.clone(),
            source: Box::new(copy_error(source)),
            lookup_failure: lookup_failure.as_deref().map(|l| Box::new(copy_error(l))),
        },
        Error::CreateFailed { object, source } => Error::CreateFailed {
            object: object.clone(),
            source: Box::new(copy_error(source)),
        },
    }
}

/// A whole-batch error as one caller's: "may have been created" names that caller's object only.
pub(crate) fn error_for(e: &Error, object: String) -> Error {
    match copy_error(e) {
        Error::MaybeCreated {
            source, lookup_failure, ..
        } => Error::MaybeCreated {
            object,
            source,
            lookup_failure,
        },
        Error::CreateFailed { source, .. } => Error::CreateFailed { object, source },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ClientConfig;
    use std::sync::atomic::{AtomicUsize, Ordering};

    static FLUSHED: AtomicUsize = AtomicUsize::new(0);

    /// Answers each item with itself doubled; counts batches.
    fn double(_: Client, batch: Vec<Entry<u32, u32>>) -> BoxFuture {
        Box::pin(async move {
            FLUSHED.fetch_add(1, Ordering::SeqCst);
            for e in batch {
                let _ = e.reply.send(Ok(e.item * 2));
            }
        })
    }

    #[tokio::test(start_paused = true)]
    async fn gathers_splits_and_withdraws() {
        let client = Client::new(ClientConfig::new("http://127.0.0.1:9", "k")).unwrap();
        let b: Arc<Batcher<u32, u32>> = Arc::default();
        let cancel = CancellationToken::new();
        let window = Duration::from_millis(10);
        // 7 callers with a batch size of 3: batches of 3, 3 (sent when full) and 1 (sent by the timer).
        let calls = (0..7u32).map(|i| {
            let (b, c, cancel) = (b.clone(), client.clone(), cancel.clone());
            tokio::spawn(async move { b.submit(&c, i, window, 3, double, &cancel).await })
        });
        let calls: Vec<_> = calls.collect();
        for (i, h) in calls.into_iter().enumerate() {
            assert_eq!(h.await.unwrap().unwrap(), 2 * i as u32);
        }
        assert_eq!(FLUSHED.load(Ordering::SeqCst), 3);

        // Cancelled before the window ends: withdrawn, nothing sent.
        let gone = CancellationToken::new();
        let (b2, c2, g2) = (b.clone(), client.clone(), gone.clone());
        let h = tokio::spawn(async move { b2.submit(&c2, 9, window, 3, double, &g2).await });
        tokio::task::yield_now().await;
        gone.cancel();
        let err = h.await.unwrap().unwrap_err();
        assert!(matches!(err, Error::Cancelled { in_flight: false }), "{err}");
        tokio::time::sleep(window * 2).await;
        assert_eq!(FLUSHED.load(Ordering::SeqCst), 3);
    }

    static SIZES: Mutex<Vec<usize>> = Mutex::new(Vec::new());

    /// Answers each item with itself; records batch sizes.
    fn record(_: Client, batch: Vec<Entry<u32, u32>>) -> BoxFuture {
        Box::pin(async move {
            SIZES.lock().unwrap().push(batch.len());
            for e in batch {
                let _ = e.reply.send(Ok(e.item));
            }
        })
    }

    /// Callers `gap_ms` apart, all waited for.
    async fn wave(b: &Arc<Batcher<u32, u32>>, client: &Client, n: u32, gap_ms: u64) {
        let window = Duration::from_millis(30);
        let calls: Vec<_> = (0..n)
            .map(|i| {
                let (b, c) = (b.clone(), client.clone());
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_millis(gap_ms * i as u64)).await;
                    b.submit(&c, i, window, 50, record, &CancellationToken::new()).await
                })
            })
            .collect();
        for h in calls {
            h.await.unwrap().unwrap();
        }
    }

    #[tokio::test(start_paused = true)]
    async fn the_quiet_window_learns_how_far_apart_callers_come() {
        let client = Client::new(ClientConfig::new("http://127.0.0.1:9", "k")).unwrap();
        let b: Arc<Batcher<u32, u32>> = Arc::default();
        // Four at once: one batch, and the batcher learns that four callers come together.
        wave(&b, &client, 4, 0).await;
        // Four, 40 ms apart, with a 30 ms window: the first goes alone, cut short; the gap after
        // it widens the window (3 × 40 ms), so the other three share one batch.
        wave(&b, &client, 4, 40).await;
        // Now four callers 40 ms apart fill one batch, sent as the fourth joins.
        let before = tokio::time::Instant::now();
        wave(&b, &client, 4, 40).await;
        assert_eq!(*SIZES.lock().unwrap(), vec![4, 1, 3, 4]);
        assert!(before.elapsed() < Duration::from_millis(121), "{:?}", before.elapsed());
    }

    #[test]
    fn copies_rename_the_object() {
        let e = Error::MaybeCreated {
            object: "API keys 'a', 'b'".into(),
            source: Box::new(Error::Transport {
                message: "reset".into(),
                timeout: false,
                body_sent: true,
            }),
            lookup_failure: Some(Box::new(Error::Protocol("x".into()))),
        };
        let mine = error_for(&e, "API key 'b'".into());
        assert!(
            mine.to_string().starts_with("API key 'b' may have been created"),
            "{mine}"
        );
        assert!(mine.may_have_created());
        assert_eq!(copy_error(&e).to_string(), e.to_string());
    }
}
