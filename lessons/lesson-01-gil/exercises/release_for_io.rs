//! Exercise `release_for_io` (lesson-01).
//!
//! A download is a little interpreted work (build the request, parse the reply)
//! around a long wait for the network. The wait needs no interpreter, so
//! CPython's blocking calls (`socket.recv`, `time.sleep`, file reads) release the
//! lock around it (`Py_BEGIN_ALLOW_THREADS` … `Py_END_ALLOW_THREADS`), and while
//! one thread waits the others run. A wait made with the lock held, as in a C
//! extension that forgets to release it, keeps every other thread out: the
//! waits of four threads then happen one after another instead of together, and
//! the four take as long as one thread doing every download in turn (`io-bound`
//! with `release_lock = false` shows it).
//!
//! Write `download` so that it waits with the lock released
//! ([`Python::allow_threads`]), and `download_all` to run many downloads on
//! threads that share one interpreter.
//!
//! Check your work: `cargo xtask check lesson-01`.
//! Stuck? `cargo xtask hint release_for_io`.

use runtime::gil::{Interpreter, Python};

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
    let _ = (py, id, fetch);
    todo!("build the request, fetch the reply with the lock released, parse it")
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
    let _ = (interp, n, workers, fetch);
    todo!("split the ids over `workers` threads, each downloading under interp.with_gil")
}
