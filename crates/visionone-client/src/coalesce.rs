//! Gathering concurrent calls into one batch without costing wall time.
//!
//! Terraform runs ten resources at once, each in its own gRPC call, and starts the next resource
//! only when one finishes: a caller held back for company is a resource not progressing. So a
//! batch is held only while holding is cheap beside what the call costs anyway. It goes out:
//!
//! - at once when full, or when everyone who can come is there: the open batch and the items in
//!   flight hold as many callers as have ever been inside the batcher at once (Terraform's
//!   parallelism, learned), so nobody else can come before a flight lands;
//! - else when no caller has joined for a quiet window (`Rules::quiet_factor`, 3 by default, times the usual gap between
//!   callers of one batch), and at the latest after the hold limit: a small share
//!   (`Rules::hold_percent`, 10 by default) of the time a batch takes to answer — 10 ms beside a 100 ms call,
//!   next to nothing when the API answers at once — or, under a client-side rate limit, the
//!   interval at which the limit refills one call, since every call spent early is waited for later;
//! - but never while the rate limiter would make the call wait anyway (its window is full, or the
//!   server said 429): the batch stays open until the limiter has a slot and takes whoever comes.
//!
//! Sending the first caller alone whenever nothing is in flight (plain group commit) looks free
//! but is not: Terraform's callers come back from a batch a few milliseconds apart, so each round
//! would split into a batch of one and a batch of the rest flying out of step, costing both calls
//! and, since a caller held for the next flight waits a whole flight, wall time.
//!
//! The batch always runs to completion in its own task, so a caller that goes away cannot cut a
//! request in half; what happens to an answer nobody waits for is up to the flush function.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::shared::lock;
use crate::{Client, Error};

/// Under a rate limit a batch is held at most the limit's refill interval, and never more than this.
const MAX_PACE_HOLD: Duration = Duration::from_secs(1);
/// Callers that came at the same instant say nothing about the next: wait at least this long.
const MIN_QUIET: Duration = Duration::from_millis(1);

pub(crate) type BoxFuture = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// One caller's item and where its outcome goes.
pub(crate) struct Entry<I, R> {
    ticket: u64,
    pub item: I,
    pub reply: oneshot::Sender<Result<R, Error>>,
}

/// Sends one batch and delivers each entry's outcome. Runs in a spawned task.
pub(crate) type Flush<I, R> = fn(Client, Vec<Entry<I, R>>) -> BoxFuture;

/// How one batcher is used: the configured window (the longest hold while nothing is known about
/// the API's speed, and the cap on any hold without a rate limit), the share of a flight a batch
/// may be held, the batch cap, and what sends a batch.
pub(crate) struct Rules<I, R> {
    pub window: Duration,
    /// Without a rate limit a batch is held at most this percentage of the time a batch takes.
    pub hold_percent: u32,
    /// The quiet window is this many times the usual gap between callers of one batch; 0: no
    /// quiet window, a batch waits for everyone or the hold.
    pub quiet_factor: u32,
    pub max_batch: usize,
    pub flush: Flush<I, R>,
}

impl<I, R> Clone for Rules<I, R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<I, R> Copy for Rules<I, R> {}

/// The batch being gathered. `generation` changes whenever the open batch is taken (or emptied),
/// so a timer started for an earlier batch never sends a later one.
pub(crate) struct Batcher<I, R> {
    open: Mutex<Open<I, R>>,
}

struct Open<I, R> {
    generation: u64,
    /// Callers inside `submit` now (waiting in the open batch or in one on its way).
    active: usize,
    /// The most callers ever inside `submit` at once.
    peak: usize,
    /// `peak` when the open batch got its first entry: everyone is there when the open batch and
    /// the items in flight make that many (and no more callers than that came since). Zero until
    /// a first batch was sent: nothing is known yet.
    target: usize,
    /// Items of batches sent and not yet answered.
    in_flight: usize,
    batches_sent: u64,
    /// When the open batch got its first entry, and its last.
    first_join: Instant,
    last_join: Instant,
    /// The usual gap between callers arriving for the same batch, if seen: it follows a longer gap
    /// at once and a shorter one slowly.
    gap: Option<Duration>,
    /// The usual time from sending a batch to its answer, if seen.
    flight: Option<Duration>,
    /// The last batch went out on a quiet window short of its target: if the next caller comes
    /// soon after, the window was too short, and that gap counts too.
    cut_short: bool,
    /// When the open batch's timer wakes next.
    timer_at: Option<Instant>,
    next_ticket: u64,
    entries: Vec<Entry<I, R>>,
}

impl<I, R> Default for Batcher<I, R> {
    fn default() -> Self {
        let now = Instant::now();
        Batcher {
            open: Mutex::new(Open {
                generation: 0,
                active: 0,
                peak: 0,
                target: 0,
                in_flight: 0,
                batches_sent: 0,
                first_join: now,
                last_join: now,
                gap: None,
                flight: None,
                cut_short: false,
                timer_at: None,
                next_ticket: 0,
                entries: Vec::new(),
            }),
        }
    }
}

/// What the open batch should do now.
#[derive(Debug, PartialEq, Eq)]
enum Due {
    Now,
    At(Instant),
}

/// What the batcher knows of the rate limiter at one moment.
#[derive(Debug, Clone, Copy)]
struct Limits {
    /// A request sent now would wait this long for a slot.
    wait: Option<Duration>,
    /// The configured limit refills one request per this interval.
    pace: Option<Duration>,
    /// A call's whole budget (`request_timeout`): a batch is not held for the limiter beyond it,
    /// so a call the limiter cannot serve in time still fails as one that waited in it.
    budget: Duration,
}

impl Limits {
    fn of(client: &Client) -> Limits {
        let limiter = &client.inner.limiter;
        Limits {
            wait: limiter.wait_hint(),
            pace: limiter.pace(),
            budget: client.inner.timeout,
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
        rules: Rules<I, R>,
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
            let now = Instant::now();
            open.learn_gap(now, rules.window);
            if open.entries.is_empty() {
                open.first_join = now;
                open.target = if open.batches_sent > 0 { open.peak } else { 0 };
            }
            open.entries.push(Entry { ticket, item, reply });
            open.last_join = now;
            open.active += 1;
            open.peak = open.peak.max(open.active);
            match open.due(now, &rules, Limits::of(client)) {
                Due::Now => self.send(&mut open, client, rules),
                // The running timer wakes in time and reads the rules again.
                Due::At(at) if open.timer_at.is_some_and(|t| t <= at) => {}
                Due::At(at) => {
                    open.timer_at = Some(at);
                    tokio::spawn(self.clone().timer(client.clone(), open.generation, at, rules));
                }
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

    /// Send the open batch in its own task, and learn from its answer.
    fn send(self: &Arc<Self>, open: &mut Open<I, R>, client: &Client, rules: Rules<I, R>) {
        let batch = take(open);
        let items = batch.len();
        open.in_flight += items;
        open.batches_sent += 1;
        let (this, client) = (self.clone(), client.clone());
        tokio::spawn(async move {
            let sent = Instant::now();
            (rules.flush)(client, batch).await;
            this.landed(items, sent.elapsed());
        });
    }

    /// A batch was answered: its callers may come again, and it tells how long a batch takes.
    fn landed(&self, items: usize, took: Duration) {
        let mut open = lock(&self.open);
        open.in_flight = open.in_flight.saturating_sub(items);
        // Up at once, down slowly, like the gap.
        open.flight = Some(match open.flight {
            Some(f) => took.max((f * 3 + took) / 4).min(took * 2),
            None => took,
        });
    }

    /// Send the batch `generation` when it is due, unless it was sent or emptied meanwhile, or a
    /// timer set for an earlier moment took over.
    async fn timer(self: Arc<Self>, client: Client, generation: u64, mut wake: Instant, rules: Rules<I, R>) {
        loop {
            tokio::time::sleep_until(wake).await;
            let mut open = lock(&self.open);
            if open.generation != generation || open.entries.is_empty() || open.timer_at != Some(wake) {
                return;
            }
            match open.due(Instant::now(), &rules, Limits::of(&client)) {
                Due::Now => {
                    open.cut_short = open.target > 0 && open.entries.len() + open.in_flight < open.target;
                    self.send(&mut open, &client, rules);
                    return;
                }
                Due::At(at) => {
                    open.timer_at = Some(at);
                    wake = at;
                }
            }
        }
    }
}

impl<I, R> Open<I, R> {
    /// When the open batch (not empty) should go.
    fn due(&self, now: Instant, rules: &Rules<I, R>, limits: Limits) -> Due {
        let n = self.entries.len();
        if n >= rules.max_batch.max(1) {
            return Due::Now;
        }
        // Nobody else can come before a flight lands.
        if self.target > 0 && self.peak <= self.target && n + self.in_flight >= self.target {
            return Due::Now;
        }
        // The limiter would hold the call anyway: keep taking company until it would not.
        if let Some(wait) = limits.wait {
            let at = now + wait;
            return if at <= self.first_join + limits.budget {
                Due::At(at)
            } else {
                Due::Now
            };
        }
        let hold = self.hold(rules, limits.pace);
        let quiet = self.quiet(rules).min(hold);
        let at = (self.last_join + quiet).min(self.first_join + hold);
        if at <= now {
            Due::Now
        } else {
            Due::At(at)
        }
    }

    /// The longest the open batch is held after its first caller.
    fn hold(&self, rules: &Rules<I, R>, pace: Option<Duration>) -> Duration {
        let window = rules.window;
        let share = rules.hold_percent.clamp(1, 1000);
        let by_latency = self.flight.map_or(window, |f| (f * share / 100).min(window));
        match pace {
            Some(pace) => by_latency.max(pace.min(MAX_PACE_HOLD)),
            None => by_latency,
        }
    }

    /// How long the open batch waits after its last caller for another.
    fn quiet(&self, rules: &Rules<I, R>) -> Duration {
        match self.gap {
            _ if rules.quiet_factor == 0 => Duration::MAX,
            Some(gap) => (gap * rules.quiet_factor).max(MIN_QUIET),
            None => rules.window,
        }
    }

    /// Fold the gap since the previous caller into the average when it tells how far apart
    /// callers of one batch arrive: a batch is open, or the last one was cut short just now.
    fn learn_gap(&mut self, now: Instant, window: Duration) {
        let since = now.saturating_duration_since(self.last_join);
        // The first batch's callers start together and say nothing of later rounds.
        let counts = self.batches_sent > 0 && (!self.entries.is_empty() || (self.cut_short && since <= window));
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
            open.timer_at = None;
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
    open.timer_at = None;
    std::mem::take(&mut open.entries)
}

fn lost() -> Error {
    Error::Protocol("the batch carrying this request stopped before answering".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ClientConfig;

    const MS: Duration = Duration::from_millis(1);
    const WINDOW: Duration = Duration::from_millis(30);

    /// Batches sent: (items, when, since the bed was made).
    type Log = Arc<Mutex<Vec<(usize, Duration)>>>;

    /// An item that carries its own log and the API's latency, since a flush is a plain `fn`.
    struct Probe {
        n: u32,
        log: Log,
        latency: Duration,
        t0: Instant,
    }

    /// Records the batch, waits the latency, answers each item with its number.
    fn answer(_: Client, batch: Vec<Entry<Probe, u32>>) -> BoxFuture {
        Box::pin(async move {
            let first = &batch[0].item;
            lock(&first.log).push((batch.len(), first.t0.elapsed()));
            tokio::time::sleep(first.latency).await;
            for e in batch {
                let _ = e.reply.send(Ok(e.item.n));
            }
        })
    }

    /// A batcher, a client and an API answering after `latency`.
    struct Bed {
        batcher: Arc<Batcher<Probe, u32>>,
        client: Client,
        log: Log,
        latency: Duration,
        window: Duration,
        hold_percent: u32,
        quiet_factor: u32,
        max_batch: usize,
        t0: Instant,
    }

    impl Bed {
        fn new(latency: Duration, per_minute: Option<u32>) -> Bed {
            let mut config = ClientConfig::new("http://127.0.0.1:9", "k");
            config.max_requests_per_minute = per_minute;
            Bed {
                batcher: Arc::default(),
                client: Client::new(config).unwrap(),
                log: Log::default(),
                latency,
                window: WINDOW,
                hold_percent: 10,
                quiet_factor: 3,
                max_batch: 50,
                t0: Instant::now(),
            }
        }

        /// A caller arriving `at_ms` after the bed was made; yields its number.
        fn call(&self, at_ms: u64, cancel: CancellationToken) -> tokio::task::JoinHandle<Result<u32, Error>> {
            let (b, c) = (self.batcher.clone(), self.client.clone());
            let probe = Probe {
                n: at_ms as u32,
                log: self.log.clone(),
                latency: self.latency,
                t0: self.t0,
            };
            let rules = Rules {
                window: self.window,
                hold_percent: self.hold_percent,
                quiet_factor: self.quiet_factor,
                max_batch: self.max_batch,
                flush: answer,
            };
            let at = self.t0 + MS * at_ms as u32;
            tokio::spawn(async move {
                tokio::time::sleep_until(at).await;
                b.submit(&c, probe, rules, &cancel).await
            })
        }

        /// Callers at each of `at_ms`, all answered.
        async fn round(&self, at_ms: &[u64]) {
            let calls: Vec<_> = at_ms.iter().map(|&t| self.call(t, CancellationToken::new())).collect();
            for (h, &t) in calls.into_iter().zip(at_ms) {
                assert_eq!(h.await.unwrap().unwrap(), t as u32);
            }
        }

        fn sent(&self) -> Vec<(usize, u64)> {
            lock(&self.log)
                .iter()
                .map(|&(n, at)| (n, at.as_millis() as u64))
                .collect()
        }
    }

    #[tokio::test(start_paused = true)]
    async fn with_nothing_learned_a_batch_waits_one_quiet_window() {
        let bed = Bed::new(100 * MS, None);
        bed.round(&[0, 0, 0, 0]).await;
        assert_eq!(bed.sent(), vec![(4, 30)], "the configured window after the last caller");
        assert_eq!(bed.t0.elapsed(), 130 * MS);
    }

    #[tokio::test(start_paused = true)]
    async fn a_round_goes_the_moment_everyone_is_there() {
        let bed = Bed::new(100 * MS, None);
        bed.round(&[0, 0, 0, 0]).await;
        // Four callers have been inside at once: the fourth of the next round completes it.
        bed.round(&[200, 201, 202, 203]).await;
        assert_eq!(bed.sent(), vec![(4, 30), (4, 203)]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_batch_is_held_a_tenth_of_a_flight_and_in_flight_callers_count_as_there() {
        let bed = Bed::new(100 * MS, None);
        bed.round(&[0, 0, 0, 0]).await;
        // Callers 4 ms apart would keep a 12 ms quiet window open; the hold (100 ms / 10) ends
        // it 10 ms after the first. Then three are in flight and the fourth completes the round.
        bed.round(&[200, 204, 208, 212]).await;
        assert_eq!(bed.sent(), vec![(4, 30), (3, 210), (1, 212)]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_larger_hold_share_waits_longer_for_company() {
        // The same round as above, held up to a whole flight (and a window that allows it): the
        // batch waits for the fourth caller, one call instead of two, 2 ms later for the first.
        let mut bed = Bed::new(100 * MS, None);
        bed.window = 1000 * MS;
        bed.hold_percent = 100;
        bed.round(&[0, 0, 0, 0]).await;
        bed.round(&[1200, 1204, 1208, 1212]).await;
        assert_eq!(bed.sent(), vec![(4, 1000), (4, 1212)]);
    }

    #[tokio::test(start_paused = true)]
    async fn without_a_quiet_window_a_batch_waits_for_everyone() {
        // Three callers 1 ms apart, the fourth 48 ms later: a quiet window of 3 × 1 ms sends the
        // three alone; without one, the batch waits for the fourth (within the hold of a flight).
        for (quiet_factor, sent) in [
            (3, vec![(4, 1000), (3, 1205), (1, 1250)]),
            (0, vec![(4, 1000), (4, 1250)]),
        ] {
            let mut bed = Bed::new(100 * MS, None);
            bed.window = 1000 * MS;
            bed.hold_percent = 100;
            bed.quiet_factor = quiet_factor;
            bed.round(&[0, 0, 0, 0]).await;
            bed.round(&[1200, 1201, 1202, 1250]).await;
            assert_eq!(bed.sent(), sent, "quiet factor {quiet_factor}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn when_the_api_answers_at_once_nothing_waits() {
        let bed = Bed::new(Duration::ZERO, None);
        bed.round(&[0, 0, 0, 0]).await;
        bed.round(&[100, 101]).await;
        assert_eq!(bed.sent(), vec![(4, 30), (1, 100), (1, 101)]);
    }

    #[tokio::test(start_paused = true)]
    async fn while_the_limiter_would_hold_the_call_the_batch_stays_open() {
        let bed = Bed::new(Duration::ZERO, None);
        // The server said 429: every call waits half a second anyway.
        bed.client.inner.limiter.on_throttled(500 * MS);
        bed.round(&[0, 100, 200, 300]).await;
        assert_eq!(bed.sent(), vec![(4, 500)]);
    }

    #[tokio::test(start_paused = true)]
    async fn under_a_rate_limit_a_batch_is_held_up_to_the_refill_interval() {
        // 60 calls a minute refill one a second: callers 5 ms apart share a batch, sent a quiet
        // window (3 × 5 ms) after the last. Without a limit, at 0 ms latency, each goes at once.
        for (per_minute, sent) in [
            (Some(60), vec![(4, 30), (3, 125)]),
            (None, vec![(4, 30), (1, 100), (1, 105), (1, 110)]),
        ] {
            let bed = Bed::new(Duration::ZERO, per_minute);
            bed.round(&[0, 0, 0, 0]).await;
            bed.round(&[100, 105, 110]).await;
            assert_eq!(bed.sent(), sent, "{per_minute:?} a minute");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn full_batches_go_at_once_and_cancelled_callers_are_withdrawn() {
        let mut bed = Bed::new(100 * MS, None);
        bed.max_batch = 3;
        // 7 at once with a batch size of 3: two full batches at once; the seventh (more callers
        // than ever seen, so not "everyone") after the shortest quiet window, as the callers
        // since the first batch came together.
        bed.round(&[0, 0, 0, 0, 0, 0, 0]).await;
        assert_eq!(bed.sent(), vec![(3, 0), (3, 0), (1, 1)]);

        // Cancelled while its batch is open: withdrawn, nothing sent.
        let gone = CancellationToken::new();
        let h = bed.call(200, gone.clone());
        tokio::time::sleep_until(bed.t0 + 200 * MS).await;
        for _ in 0..3 {
            tokio::task::yield_now().await;
        }
        gone.cancel();
        let err = h.await.unwrap().unwrap_err();
        assert!(matches!(err, Error::Cancelled { in_flight: false }), "{err}");
        tokio::time::sleep(WINDOW * 10).await;
        assert_eq!(bed.sent().len(), 3);
    }
}
