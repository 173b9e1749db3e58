//! Starting a [`ThreadPool`]: [`ThreadPool::new`], and [`ThreadPoolBuilder`]
//! for the options (Python's `ThreadPool(processes, initializer, initargs)`).

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use super::queue::Shared;
use super::thread_pool::ThreadPool;
use crate::sync::{Mutex, ThreadBuilder, mpsc};
use crate::task::PoolError;
use crate::unwind::panic_message;

impl ThreadPool {
    /// A pool of `workers` threads, started and ready: Python's
    /// `ThreadPool(processes)`. Fails with [`PoolError::NoWorkers`] for zero
    /// workers and [`PoolError::Spawn`] if a thread cannot be started. Starting
    /// a thread costs 10–30 µs; start a pool once and reuse it.
    pub fn new(workers: usize) -> Result<Self, PoolError> {
        Self::builder().workers(workers).build()
    }

    /// A builder for a pool with an initializer or the default worker count.
    pub fn builder() -> ThreadPoolBuilder {
        ThreadPoolBuilder {
            workers: None,
            initializer: None,
        }
    }
}

/// Builds a [`ThreadPool`] with options: the number of workers, and an
/// initializer (Python's `ThreadPool(processes, initializer, initargs)`).
/// [`ProcessPoolBuilder`](crate::process::ProcessPoolBuilder) is its process
/// twin.
#[must_use]
pub struct ThreadPoolBuilder {
    workers: Option<usize>,
    initializer: Option<Arc<dyn Fn(usize) + Send + Sync>>,
}

impl ThreadPoolBuilder {
    /// The number of worker threads. Without it, one per logical core, as
    /// Python's `processes=None` means `os.cpu_count()`.
    pub fn workers(mut self, workers: usize) -> Self {
        self.workers = Some(workers);
        self
    }

    /// Runs `init(worker_index)` once on each worker thread as it starts, before
    /// it takes any task: the place to set up per-thread state (a thread-local
    /// random stream, a connection). Python passes no index; `initargs` become
    /// whatever the closure captures.
    pub fn initializer(mut self, init: impl Fn(usize) + Send + Sync + 'static) -> Self {
        self.initializer = Some(Arc::new(init));
        self
    }

    /// Starts the workers and waits until every initializer has run.
    ///
    /// Fails with [`PoolError::NoWorkers`] for zero workers, with
    /// [`PoolError::Spawn`] if a thread cannot be started, and with
    /// [`PoolError::InitializerPanicked`] if an initializer panics; in each
    /// case the threads already started are stopped and joined first.
    pub fn build(self) -> Result<ThreadPool, PoolError> {
        let workers = match self.workers {
            Some(0) => return Err(PoolError::NoWorkers),
            Some(n) => n,
            None => std::thread::available_parallelism().map_or(1, usize::from),
        };
        let shared = Arc::new(Shared::new(workers));
        let pool = ThreadPool {
            shared: shared.clone(),
            threads: Mutex::new(Vec::with_capacity(workers)),
        };
        let (started, start_reports) = mpsc::channel();
        for index in 0..workers {
            let shared = shared.clone();
            let init = self.initializer.clone();
            let started = started.clone();
            let spawned = ThreadBuilder::new()
                .name(format!("pool-worker-{index}"))
                .spawn(move || {
                    shared.enter_as_worker(index);
                    let init_ok = match init {
                        Some(init) => catch_unwind(AssertUnwindSafe(|| init(index)))
                            .map_err(|payload| panic_message(&*payload)),
                        None => Ok(()),
                    };
                    let failed = init_ok.is_err();
                    let _ = started.send((index, init_ok));
                    if !failed {
                        shared.work();
                    }
                });
            match spawned {
                Ok(handle) => pool.lock_threads().push(handle),
                Err(e) => {
                    pool.terminate();
                    return Err(PoolError::Spawn(e));
                }
            }
        }
        drop(started);
        let mut failure = None;
        for _ in 0..workers {
            // Each worker reports once; one that died first dropped its sender.
            let Ok((worker, outcome)) = start_reports.recv() else {
                break;
            };
            if let Err(message) = outcome {
                failure.get_or_insert(PoolError::InitializerPanicked { worker, message });
            }
        }
        match failure {
            Some(error) => {
                pool.terminate();
                Err(error)
            }
            None => Ok(pool),
        }
    }
}

impl fmt::Debug for ThreadPoolBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadPoolBuilder")
            .field("workers", &self.workers)
            .field("initializer", &self.initializer.is_some())
            .finish()
    }
}
