//! Turns: one per connection a pool may hold, taken before a checkout and given back after the
//! connection is back in the pool, so that a caller holding a turn finds a connection (or bb8
//! opens one) and, with zero patience, callers are served in the order they came.
//!
//! Strict order has a price where a unit of work is cheap: every call of a task that queues
//! parks it and wakes the next one on another thread. On SQLite, where a unit runs in place on
//! the caller's thread in a few microseconds, that hand-off cost more than the unit (reads at 64
//! tasks: 11.3 µs of this process's CPU per call with strict turns, 5.5 µs without; `tk-peers
//! --profile`). So a pool may have *patience*: a caller that finds a free turn takes it even
//! though others wait, unless the longest waiter has waited `patience`; from then on, a turn
//! given back goes to that waiter. A waiter therefore waits at most `patience` longer than in
//! strict order, and keeps its place while others overtake it (bb8 alone does not: a woken
//! waiter that finds nothing queues again at the end, and some waited 2 s). Zero patience is
//! strict first-come, first-served.

use std::collections::VecDeque;
use std::future::poll_fn;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};

/// The turns of one pool.
pub(super) struct Turns {
    state: Mutex<State>,
    patience: Duration,
}

struct State {
    free: usize,
    queue: VecDeque<Arc<Waiter>>,
}

struct Waiter {
    since: Instant,
    // Set (under the state lock) when a turn was handed to this waiter, which then owns it.
    granted: std::sync::atomic::AtomicBool,
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
pub(super) struct Turn(Arc<Turns>);

impl Drop for Turn {
    fn drop(&mut self) {
        self.0.give_back();
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing panics while holding these locks; a poisoned one still holds consistent counts.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Turns {
    /// `turns` turns; `patience` as in the module's documentation (zero: strict order).
    pub(super) fn new(turns: usize, patience: Duration) -> Self {
        Self {
            state: Mutex::new(State {
                free: turns,
                queue: VecDeque::new(),
            }),
            patience,
        }
    }

    /// Waits for a turn. Cancel-safe: dropped while waiting, it leaves the queue (and passes on
    /// a turn handed to it meanwhile).
    pub(super) async fn acquire(self: &Arc<Self>) -> Turn {
        let waiter = {
            let mut state = lock(&self.state);
            let now = Instant::now();
            let overtaking_allowed = state
                .queue
                .front()
                .is_none_or(|head| now.duration_since(head.since) < self.patience);
            if state.free > 0 && overtaking_allowed {
                state.free -= 1;
                return Turn(self.clone());
            }
            let waiter = Arc::new(Waiter {
                since: now,
                granted: false.into(),
                waker: Mutex::new(None),
            });
            state.queue.push_back(waiter.clone());
            waiter
        };
        let mut queued = Queued {
            turns: self,
            waiter,
            done: false,
        };
        poll_fn(|cx| {
            let mut state = lock(&self.state);
            if queued
                .waiter
                .granted
                .load(std::sync::atomic::Ordering::Relaxed)
            {
                queued.done = true;
                return Poll::Ready(Turn(self.clone()));
            }
            // Woken at the head with a turn free (given back while others could overtake).
            if state.free > 0
                && state
                    .queue
                    .front()
                    .is_some_and(|head| Arc::ptr_eq(head, &queued.waiter))
            {
                state.free -= 1;
                state.queue.pop_front();
                queued.done = true;
                let next = waker_of_head_if_free(&state);
                drop(state);
                if let Some(next) = next {
                    next.wake();
                }
                return Poll::Ready(Turn(self.clone()));
            }
            *lock(&queued.waiter.waker) = Some(cx.waker().clone());
            Poll::Pending
        })
        .await
    }

    fn give_back(&self) {
        let mut state = lock(&self.state);
        let (first, second) = match state.queue.front() {
            None => {
                state.free += 1;
                (None, None)
            }
            Some(head) if head.since.elapsed() >= self.patience => {
                let head = state.queue.pop_front().expect("the head is there");
                head.granted
                    .store(true, std::sync::atomic::Ordering::Relaxed);
                // A turn given back earlier, while the old head was young, may still be free:
                // it is the new head's to take now.
                (head.take_waker(), waker_of_head_if_free(&state))
            }
            Some(_) => {
                // The head may take it when it runs, unless a caller overtakes it first.
                state.free += 1;
                (waker_of_head_if_free(&state), None)
            }
        };
        drop(state);
        first.into_iter().chain(second).for_each(Waker::wake);
    }

    /// Turns free now (for tests).
    #[cfg(test)]
    fn free(&self) -> usize {
        lock(&self.state).free
    }
}

fn waker_of_head_if_free(state: &State) -> Option<Waker> {
    if state.free == 0 {
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
        if self
            .waiter
            .granted
            .load(std::sync::atomic::Ordering::Relaxed)
        {
            drop(state);
            self.turns.give_back();
            return;
        }
        state.queue.retain(|w| !Arc::ptr_eq(w, &self.waiter));
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

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn strict_turns_go_to_waiters_in_order_and_newcomers_queue() {
        rt().block_on(async {
            let turns = Arc::new(Turns::new(1, Duration::ZERO));
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
            let turns = Arc::new(Turns::new(1, Duration::from_millis(50)));
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
            let turns = Arc::new(Turns::new(2, Duration::from_millis(50)));
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
            let turns = Arc::new(Turns::new(1, Duration::ZERO));
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
        for patience in [Duration::ZERO, Duration::from_millis(1)] {
            rt.block_on(async {
                let turns = Arc::new(Turns::new(3, patience));
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
                assert_eq!(turns.free(), 3, "patience {patience:?}");
                assert!(lock(&turns.state).queue.is_empty());
            });
        }
    }
}
