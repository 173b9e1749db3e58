//! Reference solution of `release_for_io` (lesson-01).

use runtime::gil::{Interpreter, Python};
use runtime::parallel::{chunk, scoped_workers};

/// Interpreted steps in building a request, and in parsing a reply.
pub const STEPS: u64 = 1_000;

/// Given: builds the request of download `id`, one interpreted step at a time
/// (needs the lock: it takes the token `py`).
pub fn build_request(py: Python<'_>, id: u64) -> u64 {
    let mut x = id;
    for _ in 0..STEPS {
        x = py.step(|| x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1));
    }
    x
}

/// Given: parses a reply, one interpreted step at a time.
pub fn parse_reply(py: Python<'_>, reply: u64) -> u64 {
    let mut x = reply;
    for _ in 0..STEPS {
        x = py.step(|| (x ^ (x >> 29)).wrapping_mul(0xBF58_476D_1CE4_E5B9));
    }
    x
}

/// One download: build the request for `id` ([`build_request`]), send it with
/// `fetch` and wait for its reply, then return the parsed reply ([`parse_reply`]).
///
/// `fetch` is blocking I/O: it needs no interpreter and may wait a long time.
/// Call it with the lock released, so that other threads of this interpreter
/// run while this one waits. (`fetch` is `Send` so that it may run outside the
/// lock; the token `py` is not, so it cannot be used in there.)
pub fn download<F>(py: Python<'_>, id: u64, fetch: F) -> u64
where
    F: FnOnce(u64) -> u64 + Send,
{
    let request = build_request(py, id);
    // The wait runs with the lock released; `allow_threads` takes it back after.
    let reply = py.allow_threads(move || fetch(request));
    parse_reply(py, reply)
}

/// Downloads `0..n` on `workers` threads that all attach to `interp` (the
/// threads of one Python process), each [`download`] fetching with `fetch`.
/// Returns the results in id order: element `i` is download `i`'s.
///
/// # Panics
/// If `workers` is zero.
pub fn download_all<F>(interp: &Interpreter, n: u64, workers: usize, fetch: &F) -> Vec<u64>
where
    F: Fn(u64) -> u64 + Sync,
{
    let parts = scoped_workers(workers, |w| {
        interp.with_gil(|py| {
            chunk(n, workers, w)
                .map(|id| download(py, id, fetch))
                .collect::<Vec<_>>()
        })
    });
    parts.into_iter().flatten().collect()
}
