//! Where the calls run: joblib's `backend`, and starting its workers.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use super::error::Error;
use crate::pool::ThreadPool;
use crate::process::ProcessPool;

/// Where the calls run: joblib's `backend`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Backend {
    /// A rayon thread pool of `n_jobs` threads: work-stealing, the cheapest
    /// per task. The default.
    #[default]
    Rayon,
    /// Lesson 02's [`ThreadPool`](crate::pool::ThreadPool) of `n_jobs` threads:
    /// joblib's `"threading"` backend.
    ThreadPool,
    /// A [`ProcessPool`](crate::process::ProcessPool) of `n_jobs` worker
    /// processes: joblib's `"loky"`, joblib's default backend. Tasks must be
    /// registered [`Task`](crate::process::Task)s (loky itself also takes
    /// lambdas, through cloudpickle); arguments and results are serialized.
    ProcessPool,
}

impl Backend {
    /// Every backend, in the order lessons show them.
    pub const ALL: [Backend; 3] = [Backend::Rayon, Backend::ThreadPool, Backend::ProcessPool];

    /// The name configs use: `"rayon"`, `"threads"` or `"processes"`.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Rayon => "rayon",
            Backend::ThreadPool => "threads",
            Backend::ProcessPool => "processes",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Backend {
    type Err = String;

    /// Accepts `rayon`; `threads` (or joblib's `threading`); `processes` (or
    /// joblib's `loky`).
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "rayon" => Ok(Backend::Rayon),
            "threads" | "threading" | "thread-pool" => Ok(Backend::ThreadPool),
            "processes" | "loky" | "process-pool" => Ok(Backend::ProcessPool),
            _ => Err(format!(
                "unknown backend \"{s}\": expected \"rayon\", \"threads\" or \"processes\""
            )),
        }
    }
}

/// The workers a `Parallel` keeps between runs.
#[derive(Clone)]
pub(super) enum Workers {
    Rayon(Arc<rayon::ThreadPool>),
    Threads(Arc<ThreadPool>),
    Processes(Arc<ProcessPool>),
}

impl Backend {
    /// Starts `n` workers of this backend: some tens of microseconds per
    /// thread, about 1.5 ms per process.
    pub(super) fn start(self, n: usize) -> Result<Workers, Error> {
        let workers = match self {
            Backend::Rayon => rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .thread_name(|i| format!("parallel-rayon-{i}"))
                .build()
                .map(|pool| Workers::Rayon(Arc::new(pool)))
                .map_err(|e| Error::Backend(e.to_string()))?,
            Backend::ThreadPool => ThreadPool::new(n)
                .map(|pool| Workers::Threads(Arc::new(pool)))
                .map_err(|e| Error::Backend(e.to_string()))?,
            Backend::ProcessPool => ProcessPool::new(n)
                .map(|pool| Workers::Processes(Arc::new(pool)))
                .map_err(|e| Error::Backend(e.to_string()))?,
        };
        Ok(workers)
    }
}
