//! The process-backed executor: futures on a [`ProcessPool`].

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, Weak};

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::executor::{Executor, MapResults};
use super::future::{Cancellable, TaskFuture};
use crate::process::{PoolStats, ProcessPool, Task};
use crate::sync::Unpoison;
use crate::task::{PoolError, TaskError};

/// An executor that runs registered [`Task`]s in worker processes: mirrors
/// `concurrent.futures.ProcessPoolExecutor`.
///
/// Use it for CPU-bound work that a lock keeps on one core per process
/// (Python's interpreter lock; here [`crate::gil`]): each worker is a process
/// with its own interpreter and its own lock, so the workers really run at the
/// same time. Everything the [process pool](crate::process) says holds here:
/// tasks are named functions registered in [`worker_guard`](crate::process::worker_guard),
/// arguments and results cross a pipe serialized, and a worker that dies
/// breaks the executor — every pending future fails with
/// [`BrokenPool`](super::TaskErrorKind::BrokenPool) at once, as Python's
/// `BrokenProcessPool`, and later submits fail the same way; nothing hangs.
///
/// Each [`submit`](Self::submit) costs what one task costs on the pool (the
/// argument serialized on the calling thread, a frame each way, the pool's
/// threads waking) plus the future: under a microsecond per task when many are
/// in flight, a full round trip (15–60 µs on the course's VM) for a lone task.
///
/// A task counts as running once the pool has written it to a worker's pipe
/// (a worker keeps a few tasks in hand), and from then on cannot be cancelled:
/// Python's executor likewise cannot cancel what it has moved to its call queue.
///
/// Dropping it shuts it down and waits (`shutdown(wait = true,
/// cancel_futures = false)`), then the pool reaps its workers.
pub struct ProcessExecutor {
    pool: ProcessPool,
    shut_down: AtomicBool,
    /// Futures that may still be pending, for `shutdown(cancel_futures)`.
    pending: Mutex<PendingList>,
}

struct PendingList {
    futures: Vec<Weak<dyn Cancellable>>,
    /// Prune settled futures when the list reaches this length.
    prune_at: usize,
}

impl ProcessExecutor {
    /// An executor with `max_workers` worker processes, started and ready (a
    /// millisecond or two per worker). Fails as [`ProcessPool::new`] does —
    /// for instance if `main` did not call
    /// [`worker_guard`](crate::process::worker_guard) first.
    pub fn new(max_workers: usize) -> Result<Self, PoolError> {
        Ok(Self::with_pool(ProcessPool::new(max_workers)?))
    }

    /// An executor on a pool you built, for the pool's options: an
    /// initializer, `maxtasksperchild` (Python's `initializer`, `initargs`
    /// and `max_tasks_per_child` arguments; `max_tasks_per_child` since 3.11).
    pub fn with_pool(pool: ProcessPool) -> Self {
        Self {
            pool,
            shut_down: AtomicBool::new(false),
            pending: Mutex::new(PendingList {
                futures: Vec::new(),
                prune_at: 64,
            }),
        }
    }

    /// The number of worker processes.
    pub fn max_workers(&self) -> usize {
        self.pool.workers()
    }

    /// The pool underneath: its worker pids, whether it is broken, and why.
    pub fn pool(&self) -> &ProcessPool {
        &self.pool
    }

    /// What crossed the pipes so far: bytes, messages, tasks.
    pub fn stats(&self) -> PoolStats {
        self.pool.stats()
    }

    /// Sends `task(arg)` to a worker process and returns its future at once:
    /// Python's `executor.submit(fn, arg)`.
    ///
    /// The argument is serialized here, on the calling thread. A task that
    /// panics in its worker gives a [`Panicked`](super::TaskErrorKind::Panicked)
    /// error with the message; one that cannot cross (not registered, a value
    /// that will not serialize) an error of the kind that says why
    /// ([`UnknownTask`](super::TaskErrorKind::UnknownTask),
    /// [`Unserializable`](super::TaskErrorKind::Unserializable), ...); a dead
    /// worker, [`BrokenPool`](super::TaskErrorKind::BrokenPool); after
    /// [`shutdown`](Self::shutdown), [`PoolClosed`](super::TaskErrorKind::PoolClosed).
    pub fn submit<A, R>(&self, task: &Task<A, R>, arg: A) -> TaskFuture<R>
    where
        A: Serialize,
        R: DeserializeOwned + Send + 'static,
    {
        if self.shut_down.load(Ordering::Acquire) {
            return TaskFuture::failed(TaskError::shut_down());
        }
        let (future, completer) = TaskFuture::pending();
        let submitted = self.pool.submit(task, arg, move |outcome| {
            completer.complete(outcome);
        });
        match submitted {
            Ok(ticket) => {
                future.attach_ticket(ticket);
                self.remember(future.downgrade());
                future
            }
            // The pool dropped `on_done` (and with it the completer, which
            // cancelled `future`); the refusal says why.
            Err(refused) => TaskFuture::failed(refused),
        }
    }

    /// Submits `task` for every item at once and returns an iterator of the
    /// results in the order of the items: Python's `executor.map(fn, iterable)`.
    /// Dropping the iterator early cancels the tasks that have not started.
    pub fn map<A, R, I>(&self, task: &Task<A, R>, items: I) -> MapResults<R>
    where
        A: Serialize,
        R: DeserializeOwned + Send + 'static,
        I: IntoIterator<Item = A>,
    {
        MapResults::new(
            items
                .into_iter()
                .map(|item| self.submit(task, item))
                .collect(),
        )
    }

    fn remember(&self, future: Weak<dyn Cancellable>) {
        let mut list = self.pending.lock().unpoisoned();
        if list.futures.len() >= list.prune_at {
            list.futures
                .retain(|f| f.upgrade().is_some_and(|f| !f.is_settled()));
            list.prune_at = (list.futures.len() * 2).max(64);
        }
        list.futures.push(future);
    }

    /// Stops accepting tasks: later submits give failed futures. Python:
    /// `shutdown(wait=True, cancel_futures=False)` (`cancel_futures` since 3.9).
    ///
    /// With `cancel_futures`, every future whose task no worker has taken yet
    /// is cancelled; the others finish. With `wait`, returns once every task
    /// that was not cancelled has finished and the worker processes have exited
    /// and been reaped; without it, at once. Calling it again is harmless.
    pub fn shutdown(&self, wait: bool, cancel_futures: bool) {
        self.shut_down.store(true, Ordering::Release);
        if cancel_futures {
            let futures = std::mem::take(&mut self.pending.lock().unpoisoned().futures);
            for future in futures.iter().filter_map(Weak::upgrade) {
                future.cancel_if_pending();
            }
        }
        self.pool.close();
        if wait {
            // Fails only from one of the pool's own threads (a done-callback),
            // where waiting would deadlock.
            let _ = self.pool.join();
        }
    }
}

impl Executor for ProcessExecutor {
    fn submit_task<A, R>(&self, task: &Task<A, R>, arg: A) -> TaskFuture<R>
    where
        A: Serialize + DeserializeOwned + Send + 'static,
        R: Serialize + DeserializeOwned + Send + 'static,
    {
        self.submit(task, arg)
    }

    fn shutdown(&self, wait: bool, cancel_futures: bool) {
        ProcessExecutor::shutdown(self, wait, cancel_futures);
    }

    fn max_workers(&self) -> usize {
        ProcessExecutor::max_workers(self)
    }

    fn kind(&self) -> &'static str {
        "processes"
    }
}

impl Drop for ProcessExecutor {
    fn drop(&mut self) {
        self.shutdown(true, false);
    }
}

impl fmt::Debug for ProcessExecutor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessExecutor")
            .field("pool", &self.pool)
            .field("shut_down", &self.shut_down.load(Ordering::Relaxed))
            .finish()
    }
}
