//! The workloads of this lesson, and the tasks it sends to worker processes.
//!
//! A process pool runs only *named* functions (see [`runtime::process::Task`]):
//! every function below that a worker runs is declared once as a `static` task
//! and registered by [`register_tasks`](crate::register_tasks), which the
//! driver's `main` passes to `runtime::process::worker_guard`. The thread pool
//! runs the very same functions as closures, so every comparison in the lesson
//! is between two ways of running one piece of code.

use std::sync::Arc;
use std::time::{Duration, Instant};

use runtime::process::{PoolStats, ProcessPool, Registry, Task};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Which pool runs the work: the `pool` key of every experiment that compares them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Pool {
    /// `runtime::pool::ThreadPool`: threads of this process, sharing its memory
    /// and its one interpreter lock (`multiprocessing.pool.ThreadPool`).
    Threads,
    /// `runtime::process::ProcessPool`: worker processes, each with its own
    /// memory and interpreter; arguments and results cross a pipe
    /// (`multiprocessing.Pool`).
    Processes,
}

impl Pool {
    pub fn name(self) -> &'static str {
        match self {
            Pool::Threads => "threads",
            Pool::Processes => "processes",
        }
    }
}

/// `rounds` rounds of the SplitMix64 mixer on `x` (about 3.5 ns each): arithmetic
/// that touches no memory and cannot be skipped.
#[inline]
pub fn mix(mut x: u64, rounds: u64) -> u64 {
    for _ in 0..rounds {
        x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        x = z ^ (z >> 31);
    }
    x
}

/// The wrapping sum that makes results of any split and any order comparable.
pub fn checksum(values: impl IntoIterator<Item = u64>) -> u64 {
    values.into_iter().fold(0, u64::wrapping_add)
}

/// A process pool's counters, read once the `frames` task frames written to it
/// so far are all in them (waiting at most 5 s).
///
/// The pool adds a frame's bytes to `bytes_sent` just after writing it, on its
/// writer thread, so a result can come back (and the call return) a moment
/// before the bytes that asked for it are counted. A caller knows how many task
/// frames it caused (one per chunk, one per `apply`), and `messages_sent` is
/// updated right after `bytes_sent`, so waiting until it reaches that count
/// makes the byte counts exact. Result bytes are counted before a result is
/// delivered and need no wait.
pub fn settled_stats(pool: &ProcessPool, frames: u64) -> PoolStats {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let stats = pool.stats();
        if stats.messages_sent >= frames || Instant::now() > deadline {
            return stats;
        }
        std::thread::sleep(Duration::from_micros(50));
    }
}

/// Bytes that crossed the pipes between two readings, both directions.
pub fn wire_bytes(before: PoolStats, after: PoolStats) -> u64 {
    (after.bytes_sent + after.bytes_received) - (before.bytes_sent + before.bytes_received)
}

// ---- map-styles: one item of uneven cost ----------------------------------------

/// Mixer rounds for item `index`: 1 to 4 times `units`, chosen by the index, so
/// items finish out of order when several workers run them.
pub fn item_rounds(index: u64, units: u64) -> u64 {
    units * (1 + mix(index, 1) % 4)
}

/// One item of the `map-styles` workload: `(index, value)`, so that a result
/// that arrives out of order still says which item it is.
pub fn item(index: u64, units: u64) -> (u64, u64) {
    (index, mix(index, item_rounds(index, units)))
}

fn item_task((index, units): (u64, u64)) -> (u64, u64) {
    item(index, units)
}

/// [`item`] as a process task: its one argument is the tuple `(index, units)`.
pub static ITEM: Task<(u64, u64), (u64, u64)> = Task::new("lesson-02::item", item_task);

// ---- chunksize: a trivial task -------------------------------------------------

/// A task that does next to nothing, so its time through a pool is the pool's.
pub fn bump(x: u64) -> u64 {
    x.wrapping_add(1)
}

pub static BUMP: Task<u64, u64> = Task::new("lesson-02::bump", bump);

// ---- serialization: a payload of f64 -------------------------------------------

/// A block of `f64` to send to a worker, shared with the caller rather than
/// copied: cloning a `Payload` costs one atomic increment, so what a run times
/// is what the pool does with the data, not the caller's copy of it.
///
/// It crosses the pipe exactly as a `Vec<f64>` would (postcard: the length as a
/// varint, then 8 bytes per value) and arrives as a new `Vec` in the worker.
#[derive(Debug, Clone, PartialEq)]
pub struct Payload(pub Arc<Vec<f64>>);

impl Payload {
    /// `len` values `0.0, 0.5, 1.0, ...`.
    pub fn new(len: usize) -> Self {
        Payload(Arc::new((0..len).map(|i| i as f64 * 0.5).collect()))
    }

    /// Its size in memory: 8 bytes per value.
    pub fn bytes(&self) -> u64 {
        (self.0.len() * 8) as u64
    }

    /// What a worker answers: how many values arrived, and the last one, so the
    /// answer proves the whole payload made the trip.
    pub fn receipt(&self) -> (u64, f64) {
        (self.0.len() as u64, self.0.last().copied().unwrap_or(0.0))
    }
}

impl Serialize for Payload {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.as_slice().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Payload {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Vec::<f64>::deserialize(d).map(|v| Payload(Arc::new(v)))
    }
}

fn receive(payload: Payload) -> (u64, f64) {
    payload.receipt()
}

fn echo(payload: Payload) -> Payload {
    payload
}

/// The payload goes to a worker; a 16-byte receipt comes back.
pub static RECEIVE: Task<Payload, (u64, f64)> = Task::new("lesson-02::receive", receive);
/// The payload goes to a worker and comes back whole.
pub static ECHO: Task<Payload, Payload> = Task::new("lesson-02::echo", echo);

// ---- threads-vs-processes: lock-bound work -------------------------------------

/// `steps` interpreted steps under this process's interpreter lock
/// ([`runtime::gil::with_gil`], which attaches to `Interpreter::main()`): pure
/// Python number crunching. Every thread of one process shares that one lock;
/// every worker process has a lock of its own.
pub fn lock_bound(seed: u64, steps: u64, rounds_per_step: u64) -> u64 {
    runtime::gil::with_gil(|py| {
        let mut x = seed;
        for _ in 0..steps {
            x = py.step(|| mix(x, rounds_per_step));
        }
        x
    })
}

fn lock_bound_task((seed, steps, rounds): (u64, u64, u64)) -> u64 {
    lock_bound(seed, steps, rounds)
}

pub static LOCK_BOUND: Task<(u64, u64, u64), u64> =
    Task::new("lesson-02::lock_bound", lock_bound_task);

// ---- what-can-cross ---------------------------------------------------------------

/// A value that cannot be serialized, as pickle refuses a lock or an open
/// socket: its `Serialize` always fails.
#[derive(Debug, Deserialize)]
pub struct Unpicklable;

impl Serialize for Unpicklable {
    fn serialize<S: Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom(
            "an Unpicklable refuses to be serialized",
        ))
    }
}

pub fn square(x: u64) -> u64 {
    x * x
}

fn take_unpicklable(_: Unpicklable) -> u64 {
    0
}

fn make_unpicklable(_: u64) -> Unpicklable {
    Unpicklable
}

pub static SQUARE: Task<u64, u64> = Task::new("lesson-02::square", square);
pub static TAKE_UNPICKLABLE: Task<Unpicklable, u64> =
    Task::new("lesson-02::take_unpicklable", take_unpicklable);
pub static MAKE_UNPICKLABLE: Task<u64, Unpicklable> =
    Task::new("lesson-02::make_unpicklable", make_unpicklable);

/// Declared but never registered: defined, in Python's terms, inside the
/// `if __name__ == "__main__":` block, which a worker started by spawn or
/// forkserver never runs.
pub static NEVER_REGISTERED: Task<u64, u64> = Task::new("lesson-02::never_registered", square);

/// Claims that the registered `lesson-02::square` takes a string: the parent and
/// the worker disagree on the task's signature.
pub static SQUARE_OF_A_STRING: Task<String, u64> =
    Task::new("lesson-02::square", |s: String| s.len() as u64);

/// Registers every task above that a worker runs (not [`NEVER_REGISTERED`], on
/// purpose, nor [`SQUARE_OF_A_STRING`], which borrows `square`'s name).
pub fn register(tasks: &mut Registry) {
    tasks
        .register(&ITEM)
        .register(&BUMP)
        .register(&RECEIVE)
        .register(&ECHO)
        .register(&LOCK_BOUND)
        .register(&SQUARE)
        .register(&TAKE_UNPICKLABLE)
        .register(&MAKE_UNPICKLABLE);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_are_uneven_and_carry_their_index() {
        let rounds: Vec<u64> = (0..40).map(|i| item_rounds(i, 10)).collect();
        assert!(rounds.iter().all(|r| [10, 20, 30, 40].contains(r)));
        assert!(rounds.contains(&10) && rounds.contains(&40));
        assert_eq!(item(7, 3).0, 7);
    }

    #[test]
    fn a_payload_crosses_as_a_vec_of_f64_would() {
        let p = Payload::new(1000);
        let as_payload = postcard::to_allocvec(&p).unwrap();
        let as_vec = postcard::to_allocvec(&*p.0).unwrap();
        assert_eq!(as_payload, as_vec);
        let back: Payload = postcard::from_bytes(&as_payload).unwrap();
        assert_eq!(back, p);
        assert_eq!(p.receipt(), (1000, 499.5));
    }

    #[test]
    fn lock_bound_work_is_the_mixer_under_the_lock() {
        assert_eq!(lock_bound(5, 100, 2), mix(5, 200));
    }
}
