//! Starting a [`ProcessPool`]: [`ProcessPool::new`], and
//! [`ProcessPoolBuilder`] for the options (Python's `Pool(processes,
//! initializer, initargs, maxtasksperchild)`).

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::io;
use super::os::Flavor;
use super::process_pool::ProcessPool;
use super::registry::Task;
use super::shared::{Shared, Status};
use super::wire::{self, FrameBuilder};
use super::worker;
use crate::task::PoolError;

/// How long [`ProcessPoolBuilder::build`] waits for every worker to start and
/// run its initializer, unless told otherwise.
pub const DEFAULT_START_TIMEOUT: Duration = Duration::from_secs(30);

impl ProcessPool {
    /// A pool of `workers` processes with default settings, started and
    /// ready: Python's `Pool(processes)`. Fails with [`PoolError::NoWorkers`]
    /// for zero workers, [`PoolError::GuardNotCalled`] if `main` did not call
    /// [`worker_guard`](super::worker_guard) first, and otherwise as
    /// [`ProcessPoolBuilder::build`] does. Costs a process start per worker
    /// (a millisecond or two each): start a pool once and reuse it.
    pub fn new(workers: usize) -> Result<Self, PoolError> {
        Self::builder().workers(workers).build()
    }

    /// Settings: workers, `maxtasksperchild`, initializer, start timeout.
    pub fn builder() -> ProcessPoolBuilder {
        ProcessPoolBuilder {
            workers: std::thread::available_parallelism().map_or(1, |n| n.get()),
            maxtasksperchild: None,
            initializer: None,
            start_timeout: DEFAULT_START_TIMEOUT,
        }
    }
}

/// Settings for a [`ProcessPool`]; mirrors the arguments of `multiprocessing.Pool`.
/// [`ThreadPoolBuilder`](crate::pool::ThreadPoolBuilder) is its thread twin.
#[must_use]
pub struct ProcessPoolBuilder {
    workers: usize,
    maxtasksperchild: Option<usize>,
    initializer: Option<(&'static str, Result<Vec<u8>, String>)>,
    start_timeout: Duration,
}

impl ProcessPoolBuilder {
    /// Number of worker processes (Python's `processes`; default: the machine's
    /// logical cores).
    pub fn workers(mut self, workers: usize) -> Self {
        self.workers = workers;
        self
    }

    /// After this many tasks a worker exits and a fresh one takes its place
    /// (Python's `maxtasksperchild`). A chunk of `map` counts as one task, as in
    /// Python. Costs one process start per `n` tasks; useful when tasks leak.
    pub fn maxtasksperchild(mut self, n: usize) -> Self {
        self.maxtasksperchild = Some(n.max(1));
        self
    }

    /// A registered task each worker runs once at start with `arg`, before any
    /// other task (Python's `initializer` and `initargs`). Its result is thrown
    /// away; use it to fill a worker's `static`s. If it panics, the pool fails to
    /// start (or breaks, for a replacement worker) with its message.
    pub fn initializer<A, R>(mut self, task: &Task<A, R>, arg: A) -> Self
    where
        A: Serialize + DeserializeOwned + 'static,
        R: Serialize + DeserializeOwned + 'static,
    {
        let arg = postcard::to_allocvec(&arg).map_err(|e| e.to_string());
        self.initializer = Some((task.name(), arg));
        self
    }

    /// How long to wait for every worker to start (default 30 s).
    pub fn start_timeout(mut self, timeout: Duration) -> Self {
        self.start_timeout = timeout;
        self
    }

    /// Starts the workers and waits until each has answered (and run its
    /// initializer). Costs one process start per worker: see the module docs.
    pub fn build(self) -> Result<ProcessPool, PoolError> {
        if !worker::guard_called() {
            return Err(PoolError::GuardNotCalled);
        }
        if self.workers == 0 {
            return Err(PoolError::NoWorkers);
        }
        let mut init = FrameBuilder::new(wire::INIT, 64);
        match &self.initializer {
            None => {
                init.name("");
                init.bytes(&[]);
            }
            Some((name, arg)) => {
                let arg = arg.as_ref().map_err(|e| {
                    PoolError::Startup(format!(
                        "the initializer's argument could not be serialized: {e}"
                    ))
                })?;
                init.name(name);
                init.bytes(arg);
            }
        }
        let init = init.finish().map_err(PoolError::Startup)?;
        let shared = Arc::new(Shared::new(
            self.workers,
            init,
            self.maxtasksperchild,
            Flavor::for_new_pool(),
        ));
        let pool = ProcessPool { shared };
        for _ in 0..self.workers {
            io::spawn_worker(&pool.shared).map_err(|e| match e {
                PoolError::Broken(why) => PoolError::Startup(why),
                other => other,
            })?;
        }
        let n = self.workers;
        let deadline = Instant::now() + self.start_timeout;
        let settled = pool.shared.wait_until(Some(deadline), |st| {
            st.ready >= n || !matches!(st.status, Status::Running)
        });
        if let Status::Broken(reason) = pool.shared.lock().status.clone() {
            return Err(PoolError::Startup(reason.to_string()));
        }
        if !settled {
            return Err(PoolError::Startup(format!(
                "not every worker answered within {:?}: does main call runtime::process::worker_guard(...) \
                 before anything slow?",
                self.start_timeout
            )));
        }
        Ok(pool)
    }
}

impl fmt::Debug for ProcessPoolBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessPoolBuilder")
            .field("workers", &self.workers)
            .field("maxtasksperchild", &self.maxtasksperchild)
            .field(
                "initializer",
                &self.initializer.as_ref().map(|(name, _)| name),
            )
            .field("start_timeout", &self.start_timeout)
            .finish()
    }
}
