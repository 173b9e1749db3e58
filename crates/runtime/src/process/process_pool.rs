//! [`ProcessPool`]: the handle to the worker processes, what it can tell
//! about them, and the calls that steer them (`close`, `terminate`, `join`).
//! The calls that run tasks are in `apply.rs`, `map.rs` and `imap.rs`;
//! starting a pool is in `builder.rs`.

use std::fmt;
use std::sync::Arc;

use super::shared::{Shared, Status, on_pool_thread};
use super::stats::PoolStats;
use crate::task::PoolError;

/// A pool of worker processes running registered [`Task`](super::Task)s; mirrors
/// `multiprocessing.Pool` (spawn start method) and, for a dead worker,
/// `concurrent.futures`' `BrokenProcessPool`.
///
/// See the [module docs](super) for what each call costs. Dropping the pool
/// terminates it, like leaving Python's `with Pool() as pool:` block: workers
/// are killed and reaped, and results not yet back fail with
/// [`TaskErrorKind::Terminated`](crate::task::TaskErrorKind::Terminated). Use [`close`](Self::close) and
/// [`join`](Self::join) to let queued work finish first.
pub struct ProcessPool {
    pub(super) shared: Arc<Shared>,
}

impl fmt::Debug for ProcessPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessPool")
            .field("workers", &self.shared.workers)
            .field("pids", &self.worker_pids())
            .finish()
    }
}

impl ProcessPool {
    /// The number of worker processes the pool keeps.
    pub fn workers(&self) -> usize {
        self.shared.workers
    }

    /// The process ids of the current workers (for diagnostics and tests).
    pub fn worker_pids(&self) -> Vec<u32> {
        self.shared.worker_pids()
    }

    /// What crossed the pipes so far.
    pub fn stats(&self) -> PoolStats {
        self.shared.counters.snapshot()
    }

    /// Whether a worker died and broke the pool (every call now fails with
    /// [`TaskErrorKind::BrokenPool`](crate::task::TaskErrorKind::BrokenPool)).
    pub fn is_broken(&self) -> bool {
        matches!(self.shared.lock().status, Status::Broken(_))
    }

    /// Why the pool is broken, if it is: which worker, and how it ended.
    pub fn broken_reason(&self) -> Option<String> {
        match &self.shared.lock().status {
            Status::Broken(reason) => Some(reason.to_string()),
            _ => None,
        }
    }

    /// No new tasks; queued ones still run (Python's `close`). Workers exit once
    /// the queue is empty.
    pub fn close(&self) {
        self.shared.close();
    }

    /// Waits for every worker to exit after [`close`](Self::close) or
    /// [`terminate`](Self::terminate) (Python's `join`), reaping each one.
    pub fn join(&self) -> Result<(), PoolError> {
        if matches!(self.shared.lock().status, Status::Running) {
            return Err(PoolError::StillRunning);
        }
        if on_pool_thread() {
            return Err(PoolError::JoinFromWorker);
        }
        self.shared.wait_until(None, Shared::all_gone);
        self.shared.join_threads();
        Ok(())
    }

    /// Stops now (Python's `terminate`): workers are killed with SIGKILL and
    /// reaped, queued and running tasks fail with [`TaskErrorKind::Terminated`](crate::task::TaskErrorKind::Terminated).
    pub fn terminate(&self) {
        self.shared.terminate();
    }
}

impl Drop for ProcessPool {
    fn drop(&mut self) {
        self.shared.terminate();
    }
}
