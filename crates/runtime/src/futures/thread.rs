//! The thread-backed executor: futures on a [`ThreadPool`].

use std::error::Error;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::executor::{Executor, MapResults};
use super::future::TaskFuture;
use crate::pool::ThreadPool;
use crate::process::Task;
use crate::task::{PoolError, TaskError};

/// An executor that runs each submitted task on one of a fixed set of worker
/// threads: mirrors `concurrent.futures.ThreadPoolExecutor`.
///
/// Use it for work that waits (I/O, sleeps, locks held elsewhere): waiting needs
/// no core, so many threads overlap their waits even on two cores. In CPython's
/// default build, CPU-bound Python code gains nothing here because of the
/// interpreter lock (code that runs in NumPy, which releases it, does; so does
/// any code on a free-threaded 3.13t or 3.14t); plain Rust code has no such lock and does scale on threads — the lesson's
/// `cpu-executors` experiment puts the lock back with [`crate::gil`].
///
/// Each [`submit`](Self::submit) costs two allocations (the future's shared
/// state and the boxed task), one lock of the pool's queue, and a wake-up
/// system call only when every worker sleeps; under a microsecond in all (see
/// the [module docs](super) for measurements).
///
/// Dropping it shuts it down and waits, as leaving Python's
/// `with ThreadPoolExecutor() as ex:` block does: `shutdown(wait = true,
/// cancel_futures = false)`.
pub struct ThreadExecutor {
    pool: ThreadPool,
    shut_down: AtomicBool,
}

impl ThreadExecutor {
    /// An executor with `max_workers` threads, started and ready, or why it
    /// could not start them (zero workers, a thread the OS refused). Python's
    /// default is `min(32, os.cpu_count() + 4)` (since 3.8; `os.process_cpu_count()`
    /// in place of `os.cpu_count()` since 3.13); here you choose.
    pub fn new(max_workers: usize) -> Result<Self, PoolError> {
        Ok(Self::with_pool(ThreadPool::new(max_workers)?))
    }

    /// An executor on a pool you built, for the pool's options (an
    /// initializer: Python's `initializer` and `initargs` arguments).
    pub fn with_pool(pool: ThreadPool) -> Self {
        Self {
            pool,
            shut_down: AtomicBool::new(false),
        }
    }

    /// The number of worker threads.
    pub fn max_workers(&self) -> usize {
        self.pool.workers()
    }

    /// Schedules `f` to run on a worker and returns its future at once:
    /// Python's `executor.submit(fn, *args)` (the arguments are whatever `f`
    /// captures).
    ///
    /// If `f` panics, the future carries the panic as a
    /// [`Panicked`](super::TaskErrorKind::Panicked) error (the panic hook
    /// still prints it on stderr, as for any panic) and the worker carries on.
    /// After [`shutdown`](Self::shutdown) the future is already failed, with
    /// [`PoolClosed`](super::TaskErrorKind::PoolClosed).
    pub fn submit<T, F>(&self, f: F) -> TaskFuture<T>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        self.schedule(move || Ok(f()))
    }

    /// Like [`submit`](Self::submit), for a task that can fail the Rust way: an
    /// `Err` it returns becomes the future's error, of kind
    /// [`Failed`](super::TaskErrorKind::Failed) — Python's exception raised by
    /// the function — without a panic. The error keeps its type for
    /// [`TaskError::task_error`]; a `&str` or `String` will do.
    pub fn submit_fallible<T, E, F>(&self, f: F) -> TaskFuture<T>
    where
        T: Send + 'static,
        E: Into<Box<dyn Error + Send + Sync>>,
        F: FnOnce() -> Result<T, E> + Send + 'static,
    {
        self.schedule(move || f().map_err(|e| TaskError::failed(e.into())))
    }

    /// Submits `f(item)` for every item at once, and returns an iterator of the
    /// results in the order of the items: Python's `executor.map(fn, iterable)`.
    /// Dropping the iterator early cancels the tasks that have not started.
    pub fn map<A, T, F, I>(&self, f: F, items: I) -> MapResults<T>
    where
        A: Send + 'static,
        T: Send + 'static,
        F: Fn(A) -> T + Send + Sync + 'static,
        I: IntoIterator<Item = A>,
    {
        let f = std::sync::Arc::new(f);
        MapResults::new(
            items
                .into_iter()
                .map(|item| {
                    let f = f.clone();
                    self.submit(move || f(item))
                })
                .collect(),
        )
    }

    fn schedule<T, F>(&self, f: F) -> TaskFuture<T>
    where
        T: Send + 'static,
        F: FnOnce() -> Result<T, TaskError> + Send + 'static,
    {
        if self.shut_down.load(Ordering::Acquire) {
            return TaskFuture::failed(TaskError::shut_down());
        }
        let (future, completer) = TaskFuture::pending();
        let job = move || {
            // A cancelled future's task never runs; its completer just goes.
            if completer.set_running_or_notify_cancel() {
                let outcome = catch_unwind(AssertUnwindSafe(f))
                    .unwrap_or_else(|payload| Err(TaskError::panicked(0, &*payload)));
                completer.complete(outcome);
            }
        };
        // A job the pool refuses (shut down meanwhile) is dropped unrun, which
        // cancels `future`; say what happened instead.
        match self.pool.execute(job) {
            Ok(()) => future,
            Err(_) => TaskFuture::failed(TaskError::shut_down()),
        }
    }

    /// Stops accepting tasks: later submits give failed futures. Python:
    /// `shutdown(wait=True, cancel_futures=False)` (`cancel_futures` since 3.9).
    ///
    /// With `cancel_futures`, every task still queued is cancelled (its future
    /// says so, and its callbacks run); tasks already running finish. With
    /// `wait`, returns once every running and queued (not cancelled) task has
    /// finished and the worker threads have exited; without it, at once, and the
    /// work goes on. Calling it again is harmless. Called from one of this
    /// executor's own tasks, it does not wait (it would wait for itself).
    pub fn shutdown(&self, wait: bool, cancel_futures: bool) {
        self.shut_down.store(true, Ordering::Release);
        if cancel_futures {
            // Queued jobs are dropped unrun: each completer cancels its future.
            self.pool.terminate();
        } else {
            self.pool.close();
        }
        if wait {
            // Fails only from one of our own workers, where waiting would deadlock.
            let _ = self.pool.join();
        }
    }
}

impl Executor for ThreadExecutor {
    fn submit_task<A, R>(&self, task: &Task<A, R>, arg: A) -> TaskFuture<R>
    where
        A: Serialize + DeserializeOwned + Send + 'static,
        R: Serialize + DeserializeOwned + Send + 'static,
    {
        let task = *task;
        self.submit(move || task.call(arg))
    }

    fn shutdown(&self, wait: bool, cancel_futures: bool) {
        ThreadExecutor::shutdown(self, wait, cancel_futures);
    }

    fn max_workers(&self) -> usize {
        ThreadExecutor::max_workers(self)
    }

    fn kind(&self) -> &'static str {
        "threads"
    }
}

impl Drop for ThreadExecutor {
    fn drop(&mut self) {
        self.shutdown(true, false);
    }
}

impl fmt::Debug for ThreadExecutor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadExecutor")
            .field("max_workers", &self.max_workers())
            .field("shut_down", &self.shut_down.load(Ordering::Relaxed))
            .finish()
    }
}
