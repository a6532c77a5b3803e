//! Turns: one per connection a pool may hold, taken before a checkout and given back after the
//! connection is back in the pool, so that a caller holding a turn finds a connection (or bb8
//! opens one). Who gets a turn while callers wait is the pool's [`Policy`]; with zero patience
//! callers are served strictly in the order they came.
//!
//! bb8 alone is not fair: a woken waiter that finds nothing queues again at the end, and under
//! 64 tasks some waited 2 s while others ran thousands of calls. Strict order is fair but has
//! two prices (measured with `peers/`, BENCHMARKS.md):
//! - Where a unit of work is cheap, the hand-off costs more than the unit: every call of a task
//!   that queues parks it and wakes the next one on another thread. On SQLite, where a unit runs
//!   in place in a few microseconds, reads at 64 tasks cost 11.3 µs of this process's CPU per
//!   call with strict turns, 5.5 µs without. So a pool may have *patience*: a caller that finds
//!   a turn free takes it even though others wait, unless the longest waiter has waited
//!   `patience`; from then on, a turn given back goes to that waiter. A waiter therefore waits
//!   at most `patience` longer than in strict order, and keeps its place while others go ahead.
//! - Every call waits the whole queue. With 64 tasks on 16 connections each call of each task
//!   waited for 48 others, and p99 at 64 tasks was 2.2–2.7× diesel-async's (whose p99 stays low
//!   because it starves a few tasks instead). So on the servers a task served from the queue
//!   gets a *lease* ([`Leases`]): while it comes back within a few milliseconds it goes ahead of
//!   the queue for its next units, up to a number of units or a time, and then queues at the
//!   end like everyone else. A task doing several statements, or a handler's few queries, runs
//!   them back to back instead of waiting the queue for each, and the queue still turns over in
//!   order, so every task gets its share. The price is the wait of a task at the end of the
//!   queue: about (queue ÷ turns) leases, 1.0–1.5 s at 64 tasks on 16 connections. The patience
//!   bounds it: once a waiter has waited it out, leases stop until the queue has emptied (a
//!   queue that long makes each lease cost those waiting more than it saves) and turns go
//!   strictly in order.

use std::collections::{HashMap, VecDeque};
use std::future::poll_fn;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};

use tokio::task::Id as TaskId;

/// Who may go ahead of the longest waiter, and for how long it lets them.
#[derive(Clone, Copy, Debug)]
pub(super) struct Policy {
    /// How long the longest waiter lets others go ahead of it; zero: strict order.
    pub(super) patience: Duration,
    /// `None`: any caller that finds a turn free goes ahead (within the patience). `Some`: only
    /// a task on a lease does.
    pub(super) leases: Option<Leases>,
}

/// How long a lease lasts: a task served from the queue goes ahead of it for at most `units`
/// units in all (the one it was served for included), begun within `time` of being served (less when the queue is long: see
/// `Turns::lease_end`) and each within `gap` of the end of the one before. A task that runs its
/// units back to back comes back within microseconds.
#[derive(Clone, Copy, Debug)]
pub(super) struct Leases {
    pub(super) units: u32,
    pub(super) time: Duration,
    pub(super) gap: Duration,
}

/// The turns of one pool.
pub(super) struct Turns {
    state: Mutex<State>,
    policy: Policy,
    turns: usize,
}

struct State {
    free: usize,
    queue: VecDeque<Arc<Waiter>>,
    // Tasks on a lease that found no turn free: served before the queue (within its patience).
    leased: VecDeque<Arc<Waiter>>,
    leases: HashMap<TaskId, Lease>,
    // Set when a waiter waited out the patience while leases went ahead of it: the queue is
    // too long for leases (each would cost those waiting more than the patience), so none
    // holds until the queue has emptied.
    leases_off: bool,
    next_sweep: Instant,
}

struct Lease {
    until: Instant,
    units: u32,
    // When it must be back for its next unit; none while it runs one.
    back_by: Option<Instant>,
}

impl State {
    fn on_lease(&mut self, task: TaskId, leases: &Leases, now: Instant) -> bool {
        let holds = !self.leases_off
            && self.leases.get(&task).is_some_and(|l| {
                l.units < leases.units && now < l.until && l.back_by.is_none_or(|b| now <= b)
            });
        if !holds {
            self.leases.remove(&task);
        }
        holds
    }

    // A unit on the lease of `task`; a new lease (one served from the queue) ends at `until`.
    fn start_unit(&mut self, task: TaskId, until: Instant) {
        let lease = self.leases.entry(task).or_insert(Lease {
            until,
            units: 0,
            back_by: None,
        });
        lease.units += 1;
        lease.back_by = None;
    }

    // Whether the lease still holds after this unit.
    fn end_unit(&mut self, task: TaskId, leases: &Leases, now: Instant) -> bool {
        let off = self.leases_off;
        match self.leases.get_mut(&task) {
            Some(l) if !off && l.units < leases.units && now < l.until => {
                l.back_by = Some(now + leases.gap);
                true
            }
            Some(_) => {
                self.leases.remove(&task);
                false
            }
            None => false,
        }
    }
}

struct Waiter {
    since: Instant,
    // The task waiting, when a lease policy is on and it runs in a task.
    task: Option<TaskId>,
    // Set (under the state lock) when a turn was handed to this waiter, which then owns it.
    granted: AtomicBool,
    waker: Mutex<Option<Waker>>,
}

impl Waiter {
    // Taken under the state lock, woken after it is released. A waiter without a waker has
    // been woken already and will look at the state when it runs.
    fn take_waker(&self) -> Option<Waker> {
        lock(&self.waker).take()
    }
}

/// A turn; given back when dropped. Owned, so that a blocking unit can carry it to its end.
pub(super) struct Turn {
    turns: Arc<Turns>,
    // The task whose lease this unit runs on.
    lease: Option<TaskId>,
}

impl Drop for Turn {
    fn drop(&mut self) {
        self.turns.give_back(self.lease);
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing panics while holding these locks; a poisoned one still holds consistent counts.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Turns {
    /// `turns` turns, shared out by `policy` (as in the module's documentation).
    pub(super) fn new(turns: usize, policy: Policy) -> Self {
        Self {
            state: Mutex::new(State {
                free: turns,
                queue: VecDeque::new(),
                leased: VecDeque::new(),
                leases: HashMap::new(),
                leases_off: false,
                next_sweep: Instant::now(),
            }),
            policy,
            turns,
        }
    }

    fn turn(self: &Arc<Self>, lease: Option<TaskId>) -> Turn {
        Turn {
            turns: self.clone(),
            lease,
        }
    }

    /// Waits for a turn. Cancel-safe: dropped while waiting, it leaves the queue (and passes on
    /// a turn handed to it meanwhile).
    pub(super) async fn acquire(self: &Arc<Self>) -> Turn {
        let task = self.policy.leases.and_then(|_| tokio::task::try_id());
        let waiter = {
            let mut state = lock(&self.state);
            let now = Instant::now();
            if state.queue.is_empty() && state.leased.is_empty() {
                state.leases_off = false;
            }
            let head_young = state
                .queue
                .front()
                .is_none_or(|head| now.duration_since(head.since) < self.policy.patience);
            // A lease goes ahead only of a young head: past its patience the head is next, and
            // a leased caller then queues behind it rather than beside it in `leased` (which
            // holds only callers that found no turn free, so that a turn is never left free
            // while they wait).
            let on_lease = match (&self.policy.leases, task) {
                (Some(leases), Some(task)) => head_young && state.on_lease(task, leases, now),
                _ => false,
            };
            let may_take = match self.policy.leases {
                None => head_young,
                Some(_) if on_lease => head_young,
                Some(_) => state.queue.is_empty() && state.leased.is_empty(),
            };
            if state.free > 0 && may_take {
                state.free -= 1;
                if on_lease {
                    state.start_unit(task.expect("on a lease"), now);
                    return self.turn(task);
                }
                return self.turn(None);
            }
            let waiter = Arc::new(Waiter {
                since: now,
                task,
                granted: false.into(),
                waker: Mutex::new(None),
            });
            if on_lease {
                state.leased.push_back(waiter.clone());
            } else {
                state.queue.push_back(waiter.clone());
            }
            waiter
        };
        let mut queued = Queued {
            turns: self,
            waiter,
            done: false,
        };
        poll_fn(|cx| {
            let mut state = lock(&self.state);
            if queued.waiter.granted.load(Relaxed) {
                queued.done = true;
                return Poll::Ready(self.turn(queued.waiter.task));
            }
            // Woken at the head with a turn free (given back while others could go ahead).
            if state.free > 0
                && state.leased.is_empty()
                && state
                    .queue
                    .front()
                    .is_some_and(|head| Arc::ptr_eq(head, &queued.waiter))
            {
                state.free -= 1;
                state.queue.pop_front();
                if let Some(task) = queued.waiter.task {
                    let until = self.lease_end(&state, Instant::now());
                    state.start_unit(task, until);
                }
                queued.done = true;
                let next = waker_of_head_if_free(&state);
                drop(state);
                if let Some(next) = next {
                    next.wake();
                }
                return Poll::Ready(self.turn(queued.waiter.task));
            }
            *lock(&queued.waiter.waker) = Some(cx.waker().clone());
            Poll::Pending
        })
        .await
    }

    fn give_back(&self, lease: Option<TaskId>) {
        let mut state = lock(&self.state);
        let now = Instant::now();
        let lease_holds = match (&self.policy.leases, lease) {
            (Some(leases), Some(task)) => state.end_unit(task, leases, now),
            _ => false,
        };
        if state.leases.len() > 2 * self.turns + 16 && now >= state.next_sweep {
            // Tasks that ended on a lease, or went elsewhere; at most once a gap, so that many
            // tasks on a lease at once do not make every give-back walk them all.
            state
                .leases
                .retain(|_, l| l.back_by.is_none_or(|b| now <= b));
            state.next_sweep = now + self.policy.leases.map_or(Duration::ZERO, |l| l.gap);
        }
        let head_waited_out = state
            .queue
            .front()
            .is_some_and(|head| now.duration_since(head.since) >= self.policy.patience);
        let granted = if head_waited_out {
            if self.policy.leases.is_some() && !state.leases_off {
                state.leases_off = true;
                let leased = std::mem::take(&mut state.leased);
                state.queue.extend(leased);
            }
            self.grant_head(&mut state, now)
        } else if let Some(leased) = state.leased.pop_front() {
            grant(&mut state, leased, now)
        } else if state.queue.is_empty() || self.policy.leases.is_none() || lease_holds {
            // The head may take it when it runs, unless a caller goes ahead of it first.
            state.free += 1;
            None
        } else {
            self.grant_head(&mut state, now)
        };
        // A turn given back earlier, while the head was young, may still be free: it is the
        // (new) head's to take now.
        let next = waker_of_head_if_free(&state);
        drop(state);
        granted.into_iter().chain(next).for_each(Waker::wake);
    }

    // Hands a turn to the head of the queue, which begins a lease; its waker to wake.
    fn grant_head(&self, state: &mut State, now: Instant) -> Option<Waker> {
        let head = state.queue.pop_front().expect("the head is there");
        let until = self.lease_end(state, now);
        grant(state, head, until)
    }

    /// When a lease begun now ends: after `leases.time`, or sooner when the queue is long, so
    /// that the last in it, who waits about (queue ÷ turns) leases, waits about half the
    /// patience.
    fn lease_end(&self, state: &State, now: Instant) -> Instant {
        let Some(leases) = &self.policy.leases else {
            return now;
        };
        let behind = u32::try_from(state.queue.len().max(1)).unwrap_or(u32::MAX);
        let turns = u32::try_from(self.turns).unwrap_or(u32::MAX);
        // Half the patience: a lease ends only with a unit, and a queue may grow after it
        // began.
        let share = self.policy.patience.saturating_mul(turns) / behind / 2;
        now + leases.time.min(share)
    }

    /// Turns free now (for tests).
    #[cfg(test)]
    fn free(&self) -> usize {
        lock(&self.state).free
    }
}

// Hands a turn to `waiter` (taken off its queue), under the state lock; its waker to wake.
fn grant(state: &mut State, waiter: Arc<Waiter>, until: Instant) -> Option<Waker> {
    if let Some(task) = waiter.task {
        state.start_unit(task, until);
    }
    waiter.granted.store(true, Relaxed);
    waiter.take_waker()
}

fn waker_of_head_if_free(state: &State) -> Option<Waker> {
    if state.free == 0 || !state.leased.is_empty() {
        return None;
    }
    state.queue.front().and_then(|head| head.take_waker())
}

/// A caller in the queue; leaves it when dropped before it got its turn.
struct Queued<'a> {
    turns: &'a Turns,
    waiter: Arc<Waiter>,
    done: bool,
}

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let mut state = lock(&self.turns.state);
        if self.waiter.granted.load(Relaxed) {
            drop(state);
            self.turns.give_back(self.waiter.task);
            return;
        }
        state.queue.retain(|w| !Arc::ptr_eq(w, &self.waiter));
        state.leased.retain(|w| !Arc::ptr_eq(w, &self.waiter));
        let next = waker_of_head_if_free(&state);
        drop(state);
        if let Some(next) = next {
            next.wake();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anyone(patience: Duration) -> Policy {
        Policy {
            patience,
            leases: None,
        }
    }

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn strict_turns_go_to_waiters_in_order_and_newcomers_queue() {
        rt().block_on(async {
            let turns = Arc::new(Turns::new(1, anyone(Duration::ZERO)));
            let first = turns.acquire().await;
            let order = Arc::new(Mutex::new(Vec::new()));
            let mut waiting = Vec::new();
            for n in 0..3 {
                let (turns, order) = (turns.clone(), order.clone());
                waiting.push(tokio::spawn(async move {
                    let _turn = turns.acquire().await;
                    lock(&order).push(n);
                    tokio::task::yield_now().await;
                }));
                tokio::task::yield_now().await;
            }
            drop(first);
            // A newcomer does not overtake the three waiting.
            let late = turns.acquire().await;
            assert_eq!(*lock(&order), vec![0, 1, 2]);
            drop(late);
            for w in waiting {
                w.await.unwrap();
            }
            assert_eq!(turns.free(), 1);
        });
    }

    /// One poll, without a runtime's waker.
    fn poll_now<F: std::future::Future>(f: std::pin::Pin<&mut F>) -> Poll<F::Output> {
        f.poll(&mut std::task::Context::from_waker(Waker::noop()))
    }

    #[test]
    fn with_patience_a_newcomer_overtakes_until_the_head_has_waited_it() {
        rt().block_on(async {
            let turns = Arc::new(Turns::new(1, anyone(Duration::from_millis(50))));
            let first = turns.acquire().await;
            let t = turns.clone();
            let waiter = tokio::spawn(async move {
                let _turn = t.acquire().await;
                tokio::time::sleep(Duration::from_millis(40)).await;
            });
            tokio::task::yield_now().await;
            drop(first);
            // Given back while the waiter has not run yet: the caller here takes it again.
            let mut again = Box::pin(turns.acquire());
            let Poll::Ready(again) = poll_now(again.as_mut()) else {
                panic!("a newcomer within the patience waited");
            };
            // The runtime's one thread is held here: the waiter cannot run meanwhile.
            std::thread::sleep(Duration::from_millis(60));
            // Given back once the waiter has waited its patience: handed to it, not freed.
            drop(again);
            assert_eq!(turns.free(), 0);
            assert!(lock(&turns.state).queue.is_empty());
            let mut newcomer = Box::pin(turns.acquire());
            assert!(
                poll_now(newcomer.as_mut()).is_pending(),
                "overtook a waiter past its patience"
            );
            drop(newcomer);
            waiter.await.unwrap();
            assert_eq!(turns.free(), 1);
        });
    }

    /// A turn handed to a waiter past its patience while another turn was already free (given
    /// back when that waiter was young, before it ran): the next waiter is woken for the free
    /// one, not left waiting beside it.
    #[test]
    fn a_turn_left_free_by_a_hand_off_goes_to_the_next_waiter() {
        rt().block_on(async {
            let turns = Arc::new(Turns::new(2, anyone(Duration::from_millis(50))));
            let (a, b) = (turns.acquire().await, turns.acquire().await);
            let served = Arc::new(std::sync::atomic::AtomicUsize::new(0));
            let mut waiting = Vec::new();
            for _ in 0..2 {
                let (t, served) = (turns.clone(), served.clone());
                waiting.push(tokio::spawn(async move {
                    let _turn = t.acquire().await;
                    served.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    std::future::pending::<()>().await;
                }));
                tokio::task::yield_now().await;
            }
            drop(a);
            std::thread::sleep(Duration::from_millis(60));
            drop(b);
            for _ in 0..10 {
                tokio::task::yield_now().await;
            }
            assert_eq!(served.load(std::sync::atomic::Ordering::SeqCst), 2);
            assert_eq!(turns.free(), 0);
            for w in waiting {
                w.abort();
            }
        });
    }

    #[test]
    fn a_waiter_that_gives_up_leaves_the_queue_and_passes_on_its_turn() {
        rt().block_on(async {
            let turns = Arc::new(Turns::new(1, anyone(Duration::ZERO)));
            let first = turns.acquire().await;
            let gone = tokio::time::timeout(Duration::from_millis(10), turns.acquire()).await;
            assert!(gone.is_err());
            let t = turns.clone();
            let next = tokio::spawn(async move {
                let _turn = t.acquire().await;
            });
            tokio::task::yield_now().await;
            drop(first);
            tokio::time::timeout(Duration::from_secs(5), next)
                .await
                .expect("the waiter behind one that gave up got its turn")
                .unwrap();
            assert_eq!(turns.free(), 1);

            // Granted, then dropped before it ran: the turn is not lost.
            let first = turns.acquire().await;
            let t = turns.clone();
            let granted_then_dropped = tokio::spawn(async move {
                let _turn = t.acquire().await;
            });
            tokio::task::yield_now().await;
            drop(first);
            granted_then_dropped.abort();
            let _ = granted_then_dropped.await;
            assert_eq!(turns.free(), 1);
        });
    }

    /// Many callers, some giving up while they wait: never more turns out than there are, and
    /// none lost at the end (a lost one would starve the pool for good).
    #[test]
    fn under_a_storm_no_turn_is_lost_or_doubled() {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        for policy in [
            anyone(Duration::ZERO),
            anyone(Duration::from_millis(1)),
            leases(Duration::from_millis(2), 5, Duration::from_millis(1)),
            leases(Duration::from_secs(10), 50, Duration::from_millis(1)),
        ] {
            rt.block_on(async {
                let turns = Arc::new(Turns::new(3, policy));
                let out = Arc::new(std::sync::atomic::AtomicUsize::new(0));
                let tasks: Vec<_> = (0..32u64)
                    .map(|n| {
                        let (turns, out) = (turns.clone(), out.clone());
                        tokio::spawn(async move {
                            for i in 0..200u64 {
                                let wait = Duration::from_micros(50 + (n * 7 + i * 13) % 400);
                                let Ok(_turn) = tokio::time::timeout(wait, turns.acquire()).await
                                else {
                                    continue;
                                };
                                let now = out.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                                assert!(now < 3, "{} turns out of 3", now + 1);
                                if i % 3 == 0 {
                                    tokio::task::yield_now().await;
                                }
                                out.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                            }
                        })
                    })
                    .collect();
                for t in tasks {
                    t.await.unwrap();
                }
                assert_eq!(turns.free(), 3, "{policy:?}");
                let state = lock(&turns.state);
                assert!(state.queue.is_empty() && state.leased.is_empty());
            });
        }
    }

    fn leases(patience: Duration, units: u32, gap: Duration) -> Policy {
        Policy {
            patience,
            leases: Some(Leases {
                units,
                time: Duration::from_secs(60),
                gap,
            }),
        }
    }

    /// Spawns one task per name, queued in that order behind a turn held here, each running
    /// `units` units, the `i`th of task `n` lasting `hold(n, i)` (the runtime's one thread
    /// sleeps: time passes, nobody else runs), and coming back after `away`; returns the order
    /// in which the units ran.
    async fn served_order(
        turns: &Arc<Turns>,
        names: &[char],
        units: usize,
        hold: fn(char, usize) -> Duration,
        away: Duration,
    ) -> String {
        let first = turns.acquire().await;
        let order = Arc::new(Mutex::new(String::new()));
        let mut tasks = Vec::new();
        for &name in names {
            let (turns, order) = (turns.clone(), order.clone());
            tasks.push(tokio::spawn(async move {
                for i in 0..units {
                    let turn = turns.acquire().await;
                    lock(&order).push(name);
                    std::thread::sleep(hold(name, i));
                    drop(turn);
                    std::thread::sleep(away);
                }
            }));
            tokio::task::yield_now().await;
        }
        drop(first);
        for t in tasks {
            t.await.unwrap();
        }
        let order = lock(&order).clone();
        order
    }

    #[test]
    fn a_task_served_from_the_queue_goes_ahead_for_its_lease_then_queues_at_the_end() {
        rt().block_on(async {
            let policy = leases(Duration::from_secs(60), 3, Duration::from_secs(60));
            let turns = Arc::new(Turns::new(1, policy));
            let order = served_order(&turns, &['a', 'b'], 6, INSTANT, Duration::ZERO).await;
            assert_eq!(order, "aaabbbaaabbb");
            assert_eq!(turns.free(), 1);
        });
    }

    #[test]
    fn a_lease_lapses_when_its_task_does_not_come_back_within_the_gap() {
        rt().block_on(async {
            let policy = leases(Duration::from_secs(60), 100, Duration::from_millis(5));
            let turns = Arc::new(Turns::new(1, policy));
            // Back at once: the lease holds.
            let order = served_order(&turns, &['a', 'b'], 3, INSTANT, Duration::ZERO).await;
            assert_eq!(order, "aaabbb");
            // Back only after 20 ms: each unit queues again behind the other task.
            let away = Duration::from_millis(20);
            let order = served_order(&turns, &['a', 'b'], 3, INSTANT, away).await;
            assert_eq!(order, "ababab");
        });
    }

    const INSTANT: fn(char, usize) -> Duration = |_, _| Duration::ZERO;

    /// A waiter that waits out the patience while leases run gets the next turn, and from then
    /// on turns go strictly in order (no lease holds) until the queue has emptied.
    #[test]
    fn a_waiter_past_its_patience_stops_leases_until_the_queue_empties() {
        rt().block_on(async {
            let policy = leases(Duration::from_millis(40), 1000, Duration::from_secs(60));
            let turns = Arc::new(Turns::new(1, policy));
            // Leases of 10 ms (half the patience, shared by the two behind), units of 5 ms,
            // but the first lease's first unit takes 50 ms: the next in the queue waits it out.
            let hold: fn(char, usize) -> Duration =
                |name, i| Duration::from_millis(if (name, i) == ('a', 0) { 50 } else { 5 });
            let order = served_order(&turns, &['a', 'b', 'c'], 8, hold, Duration::ZERO).await;
            // With leases still on, each task would run two units in a row.
            assert_eq!(order, "abc".repeat(8));
            // The queue emptied: leases hold again.
            let order = served_order(&turns, &['a', 'b'], 3, INSTANT, Duration::ZERO).await;
            assert_eq!(order, "aaabbb");
        });
    }

    /// A task whose lease holds comes back after the head has waited out its patience, while
    /// the turn it gave back is still free (the head, woken for it, has not run yet): it queues
    /// behind the head, which takes the free turn. (Waiting beside the queue for a turn handed
    /// out at a give-back, it would leave the free turn to nobody while no other turn is given
    /// back.)
    #[test]
    fn a_lease_coming_back_after_the_heads_patience_queues_behind_it() {
        rt().block_on(async {
            let policy = leases(Duration::from_millis(20), 100, Duration::from_secs(60));
            let turns = Arc::new(Turns::new(4, policy));
            // Three turns stay held here throughout, so none is given back but the leased one.
            let mut held = Vec::new();
            for _ in 0..4 {
                held.push(turns.acquire().await);
            }
            let order = Arc::new(Mutex::new(String::new()));
            let (t, o) = (turns.clone(), order.clone());
            let a = tokio::spawn(async move {
                for _ in 0..2 {
                    let turn = t.acquire().await;
                    lock(&o).push('a');
                    drop(turn);
                    // Past the head's patience, within the lease (40 ms: 4 turns, 1 behind).
                    std::thread::sleep(Duration::from_millis(30));
                }
            });
            tokio::task::yield_now().await;
            let (t, o) = (turns.clone(), order.clone());
            let h = tokio::spawn(async move {
                let _turn = t.acquire().await;
                lock(&o).push('h');
            });
            tokio::task::yield_now().await;
            drop(held.pop());
            tokio::time::timeout(Duration::from_secs(10), async {
                a.await.unwrap();
                h.await.unwrap();
            })
            .await
            .expect("a turn was left free while both waited");
            assert_eq!(*lock(&order), "aha");
            drop(held);
            assert_eq!(turns.free(), 4);
        });
    }

    /// A caller that has no lease does not take a free turn ahead of a waiter, even one left
    /// free for a task whose lease holds.
    #[test]
    fn with_leases_a_newcomer_queues_behind_waiters() {
        rt().block_on(async {
            let policy = leases(Duration::from_secs(60), 100, Duration::from_secs(60));
            let turns = Arc::new(Turns::new(1, policy));
            let first = turns.acquire().await;
            let t = turns.clone();
            let waiter = tokio::spawn(async move {
                let _turn = t.acquire().await;
            });
            tokio::task::yield_now().await;
            // A turn given back on a lease that holds is left free (for its task to come
            // back); here one is, beside the one held and the waiter queued.
            lock(&turns.state).free += 1;
            let mut newcomer = Box::pin(turns.acquire());
            assert!(
                poll_now(newcomer.as_mut()).is_pending(),
                "overtook a waiter"
            );
            drop(newcomer);
            // The waiter, woken, takes the free one.
            waiter.await.unwrap();
            drop(first);
            assert_eq!(turns.free(), 2);
            lock(&turns.state).free -= 1;
        });
    }
}
