//! [`Ticket`]: where a task sent with [`ProcessPool::submit`] is, and the way
//! to cancel it before a worker takes it.
//!
//! One atomic byte shared by the ticket and the queued task: the writer
//! thread moves it from queued to running as it takes the task (a
//! compare-and-swap that fails if the task was cancelled first), so `cancel`
//! and the start of the task cannot both win.
//!
//! [`ProcessPool::submit`]: super::ProcessPool::submit

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

const QUEUED: u8 = 0;
const RUNNING: u8 = 1;
const FINISHED: u8 = 2;
const CANCELLED: u8 = 3;

/// Where a submitted task is (see [`Ticket::state`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskState {
    /// Waiting in the parent's queue; [`Ticket::cancel`] can still stop it.
    Queued,
    /// Written to a worker's pipe: it runs, or waits behind the tasks before it
    /// on that worker. Too late to cancel (as for a `concurrent.futures` call
    /// that reached the call queue).
    Running,
    /// Its outcome was delivered.
    Finished,
    /// Cancelled before it started.
    Cancelled,
}

/// The handle [`ProcessPool::submit`](super::ProcessPool::submit) returns:
/// where the task is, and a way to cancel it before a worker takes it.
#[derive(Clone)]
pub struct Ticket {
    state: Arc<TicketState>,
}

impl Ticket {
    pub(super) fn new(state: Arc<TicketState>) -> Self {
        Self { state }
    }

    /// Cancels the task if no worker has taken it yet. On `true` the task never
    /// runs and its `on_done` is dropped without being called; on `false` it
    /// runs (or ran) and `on_done` is called as usual. Mirrors `Future.cancel`.
    pub fn cancel(&self) -> bool {
        self.state.cancel()
    }

    /// Where the task is now.
    pub fn state(&self) -> TaskState {
        match self.state.0.load(Ordering::Acquire) {
            QUEUED => TaskState::Queued,
            RUNNING => TaskState::Running,
            FINISHED => TaskState::Finished,
            _ => TaskState::Cancelled,
        }
    }
}

impl fmt::Debug for Ticket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Ticket").field(&self.state()).finish()
    }
}

/// Where one submitted task is: the state behind a [`Ticket`], shared with
/// the task while it is queued and in flight.
#[derive(Default)]
pub(super) struct TicketState(AtomicU8);

impl TicketState {
    /// Queued -> cancelled; false if a writer already took it.
    fn cancel(&self) -> bool {
        self.0
            .compare_exchange(QUEUED, CANCELLED, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// Queued -> running; false if it was cancelled.
    pub(super) fn start(&self) -> bool {
        self.0
            .compare_exchange(QUEUED, RUNNING, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    pub(super) fn finish(&self) {
        self.0.store(FINISHED, Ordering::Release);
    }

    pub(super) fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Acquire) == CANCELLED
    }
}
