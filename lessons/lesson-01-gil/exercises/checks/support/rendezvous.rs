//! A one-round meeting point for the checks: it proves that several threads were
//! at the same place at the same moment, without measuring any time.

use std::sync::{Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How long a thread waits at a [`Rendezvous`] for the others before it gives
/// up. Only a guard against hanging: when the code under test is right, the
/// others arrive within microseconds.
pub const PATIENCE: Duration = Duration::from_secs(5);

/// `parties` threads meet here once.
pub struct Rendezvous {
    parties: usize,
    state: Mutex<State>,
    all_here: Condvar,
}

struct State {
    arrived: usize,
    /// Most threads that were waiting here at one moment.
    most_at_once: usize,
    waiting: usize,
    /// Someone gave up: everyone after them leaves at once.
    broken: bool,
}

impl Rendezvous {
    pub fn new(parties: usize) -> Self {
        Rendezvous {
            parties,
            state: Mutex::new(State {
                arrived: 0,
                most_at_once: 0,
                waiting: 0,
                broken: false,
            }),
            all_here: Condvar::new(),
        }
    }

    /// Waits until all `parties` threads have arrived, or [`PATIENCE`] has
    /// passed. Returns `true` if all met; `false` if this thread gave up, or an
    /// earlier one had (then it returns at once, so that a wrong solution costs
    /// one `PATIENCE`, not one per thread).
    pub fn arrive(&self) -> bool {
        let mut st = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        st.arrived += 1;
        st.waiting += 1;
        st.most_at_once = st.most_at_once.max(st.waiting);
        if st.arrived >= self.parties {
            self.all_here.notify_all();
        }
        let deadline = Instant::now() + PATIENCE;
        while st.arrived < self.parties && !st.broken {
            let now = Instant::now();
            if now >= deadline {
                st.broken = true;
                break;
            }
            st = self
                .all_here
                .wait_timeout(st, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        st.waiting -= 1;
        st.arrived >= self.parties && !st.broken
    }

    /// The most threads that were waiting here at the same moment.
    pub fn most_at_once(&self) -> usize {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .most_at_once
    }
}
