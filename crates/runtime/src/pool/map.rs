//! `map` as one shared job: every worker joins the same job and claims chunks
//! of it, instead of receiving one message per chunk.
//!
//! The job holds the items, one result slot per item, the function, and one
//! *part* per worker: a range of chunk numbers behind its own small lock. A
//! worker claims chunks from the front of its own part (an uncontended lock:
//! two atomic operations on a cache line nobody else is using), and when its
//! part is empty it steals the back half of another part. Results are written
//! straight into their slots, so they come out in input order with no sorting
//! and no copying. This is how rayon runs `par_iter`, and it is why a task
//! costs tens of nanoseconds rather than the microseconds of a queue message.
//!
//! Completion: each participant counts what it processed and reports once, as
//! it leaves, to the job's [`Latch`]. The caller wakes when every item is
//! processed, takes back the queue entries no worker picked up yet, waits for
//! the participants still inside to leave (they find nothing to claim and
//! leave at once), and then owns the job alone.

use std::ops::Range;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use super::chunksize::Chunksize;
use super::queue::{Job, Shared};
use super::slots::{Inputs, Outputs};
use super::star::StarFn;
use super::thread_pool::ThreadPool;
use crate::sync::{Unpoison, spin_until};
use crate::task::{TaskError, TaskErrorKind};

impl ThreadPool {
    /// Applies `f` to every item and returns the results in input order:
    /// Python's `Pool.map(func, iterable, chunksize)`.
    ///
    /// The items are cut into chunks of `chunksize` consecutive items (see
    /// [`Chunksize`]; Python's `map` uses [`Chunksize::Auto`] by default), and
    /// each chunk is one task for one worker. The calling thread blocks until
    /// every chunk is done, and does not run tasks itself (unless it is one of
    /// this pool's workers, when it helps rather than wait on itself).
    ///
    /// Every item runs, even after a panic, as in Python. If any task panicked,
    /// the result is the error of the lowest-index item that panicked (Python
    /// raises the first exception to arrive, which varies from run to run);
    /// after [`terminate`](Self::terminate) it is a [`TaskErrorKind::Terminated`]
    /// error for the first item that never ran. The pool is fine afterwards.
    ///
    /// Costs, measured with 2 workers on trivial tasks: 3.5–14 ns per task at
    /// `chunksize = 1` (rayon with one item per job: 21–50 ns) and what rayon's
    /// `par_iter` costs with automatic chunks, plus 1–9 µs per call to start
    /// the job and collect it. See the module docs for how.
    pub fn map<T, R, F>(
        &self,
        f: F,
        items: impl IntoIterator<Item = T>,
        chunksize: impl Into<Chunksize>,
    ) -> Result<Vec<R>, TaskError>
    where
        T: Send + 'static,
        R: Send + 'static,
        F: Fn(T) -> R + Send + Sync + 'static,
    {
        if !self.shared.is_running() {
            return Err(TaskError::pool_closed(0));
        }
        // A `Vec` passes through without a copy (std reuses its buffer).
        let items: Vec<T> = items.into_iter().collect();
        if items.is_empty() {
            return Ok(Vec::new());
        }
        let chunksize = chunksize.into().resolve(items.len(), self.workers());
        run(&self.shared, items, f, chunksize)
    }

    /// Like [`map`](Self::map), but each item is a tuple whose fields are the
    /// function's arguments: Python's `Pool.starmap(func, [(a, b), ...])`
    /// calls `func(a, b)`. See [`StarFn`].
    ///
    /// ```
    /// fn power(base: u64, exponent: u32) -> u64 {
    ///     base.pow(exponent)
    /// }
    /// let pool = runtime::pool::ThreadPool::new(2)?;
    /// let powers = pool.starmap(power, vec![(2, 3), (3, 2), (10, 0)], None);
    /// assert_eq!(powers, Ok(vec![8, 9, 1]));
    /// # Ok::<(), runtime::pool::PoolError>(())
    /// ```
    ///
    /// In Rust, `map` with a tuple pattern, `pool.map(|(b, e)| power(b, e), ...)`,
    /// does the same; `starmap` reads better with named functions.
    pub fn starmap<Args, F>(
        &self,
        f: F,
        items: impl IntoIterator<Item = Args>,
        chunksize: impl Into<Chunksize>,
    ) -> Result<Vec<F::Output>, TaskError>
    where
        Args: Send + 'static,
        F: StarFn<Args> + Send + Sync + 'static,
        F::Output: Send + 'static,
    {
        self.map(move |args| f.call_star(args), items, chunksize)
    }
}

/// What one participant did, reported once as it leaves the job.
#[derive(Default)]
struct Summary {
    processed: usize,
    written: Vec<Range<usize>>,
    error: Option<TaskError>,
}

impl Summary {
    fn add_written(&mut self, range: Range<usize>) {
        if range.is_empty() {
            return;
        }
        match self.written.last_mut() {
            Some(last) if last.end == range.start => last.end = range.end,
            _ => self.written.push(range),
        }
    }

    fn add_error(&mut self, error: TaskError) {
        TaskError::keep_lowest(&mut self.error, error);
    }

    fn merge(&mut self, other: Summary) {
        self.processed += other.processed;
        self.written.extend(other.written);
        if let Some(error) = other.error {
            self.add_error(error);
        }
    }
}

/// Where the participants of one `map` report, and where its caller waits.
struct Latch {
    state: Mutex<LatchState>,
    changed: Condvar,
}

struct LatchState {
    /// Participants (queue entries, and the caller when it helps) not yet left.
    copies_left: usize,
    total: Summary,
}

impl Latch {
    fn new(copies: usize) -> Self {
        Self {
            state: Mutex::new(LatchState {
                copies_left: copies,
                total: Summary::default(),
            }),
            changed: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, LatchState> {
        self.state.lock().unpoisoned()
    }

    fn leave(&self, summary: Summary) {
        let mut state = self.lock();
        state.total.merge(summary);
        state.copies_left -= 1;
        drop(state);
        self.changed.notify_all();
    }

    fn wait_until(&self, done: impl Fn(&LatchState) -> bool) -> MutexGuard<'_, LatchState> {
        // A short job ends within microseconds: watch before sleeping, so the
        // last participant need not wake us with a system call.
        let watched = spin_until(|| self.state.try_lock().ok().filter(|s| done(s)));
        if let Some(state) = watched {
            return state;
        }
        let mut state = self.lock();
        while !done(&state) {
            state = self.changed.wait(state).unpoisoned();
        }
        state
    }
}

/// A `map` job seen through its participants: claim, run, report.
trait Participate: Send + Sync {
    fn participate(&self, part: usize, stop: &AtomicBool) -> Summary;
}

/// One worker's ticket into a `map` job: "join this job as the owner of part
/// `part`". A `map` queues one per worker.
struct PartEntry {
    job: Option<Arc<dyn Participate>>,
    latch: Arc<Latch>,
    part: usize,
}

impl Job for PartEntry {
    fn run(mut self: Box<Self>, stop: &AtomicBool) {
        if let Some(job) = self.job.take() {
            // `participate` catches the function's panics itself; this only
            // guards the claim logic, so a bug there cannot kill a worker.
            let summary = catch_unwind(AssertUnwindSafe(|| job.participate(self.part, stop)))
                .unwrap_or_default();
            // Drop our hold on the job before reporting, so that once every
            // participant has left, the caller holds the job alone.
            drop(job);
            self.latch.leave(summary);
        }
    }

    /// Thrown away unrun: `Drop` leaves the job without having claimed anything.
    fn discard(self: Box<Self>, _why: TaskErrorKind) {}

    fn map_call(&self) -> Option<*const ()> {
        Some(Arc::as_ptr(&self.latch).cast())
    }
}

impl Drop for PartEntry {
    /// An entry dropped unrun (taken back by its caller, or thrown away by
    /// `terminate`) leaves the job without having claimed anything.
    fn drop(&mut self) {
        if let Some(job) = self.job.take() {
            drop(job);
            self.latch.leave(Summary::default());
        }
    }
}

/// A part: a range of chunk numbers, padded to its own cache line so that two
/// workers claiming from their own parts never slow each other down.
#[repr(align(128))]
struct Part(Mutex<Range<usize>>);

impl Part {
    fn lock(&self) -> MutexGuard<'_, Range<usize>> {
        // Nothing runs under this lock that can panic, so it is never poisoned.
        self.0.lock().unpoisoned()
    }
}

struct MapJob<T, R, F> {
    inputs: Inputs<T>,
    outputs: Outputs<R>,
    f: F,
    len: usize,
    chunksize: usize,
    parts: Box<[Part]>,
}

impl<T, R, F> MapJob<T, R, F> {
    fn items_of(&self, chunks: Range<usize>) -> Range<usize> {
        chunks.start * self.chunksize..(chunks.end * self.chunksize).min(self.len)
    }

    /// The next chunk for the owner of part `me`: the front of its own part,
    /// else the back half of another part, which becomes its own.
    fn claim(&self, me: usize) -> Option<usize> {
        {
            let mut own = self.parts[me].lock();
            if !own.is_empty() {
                let chunk = own.start;
                own.start += 1;
                return Some(chunk);
            }
        }
        let n = self.parts.len();
        for k in 1..n {
            let mut victim = self.parts[(me + k) % n].lock();
            let left = victim.len();
            if left == 0 {
                continue;
            }
            let stolen = victim.end - left.div_ceil(2)..victim.end;
            victim.end = stolen.start;
            drop(victim);
            // Our part is empty and nobody else ever adds to it, so it can be
            // replaced outright. Installing before returning keeps the claim
            // exact: every chunk is always in exactly one part or being run.
            *self.parts[me].lock() = stolen.start + 1..stolen.end;
            return Some(stolen.start);
        }
        None
    }
}

impl<T, R, F> Participate for MapJob<T, R, F>
where
    T: Send,
    R: Send,
    F: Fn(T) -> R + Send + Sync,
{
    fn participate(&self, part: usize, stop: &AtomicBool) -> Summary {
        let mut summary = Summary::default();
        while !stop.load(Ordering::Relaxed) {
            let Some(chunk) = self.claim(part) else { break };
            let items = self.items_of(chunk..chunk + 1);
            summary.processed += items.len();
            let mut i = items.start;
            // One `catch_unwind` per chunk, re-entered after a panic, so a
            // panicking item fails alone and the rest of its chunk still runs.
            while i < items.end {
                let first = i;
                let outcome = catch_unwind(AssertUnwindSafe(|| {
                    while i < items.end {
                        // SAFETY: `i` lies in a chunk this participant claimed,
                        // and a chunk is claimed once (see `claim`), so this
                        // thread alone takes item `i` and writes slot `i`, once.
                        let item = unsafe { self.inputs.take(i) };
                        let result = (self.f)(item);
                        // SAFETY: as above.
                        unsafe { self.outputs.write(i, result) };
                        i += 1;
                    }
                }));
                summary.add_written(first..i);
                if let Err(payload) = outcome {
                    // Item `i` was taken and moved into `f`, which panicked;
                    // its slot stays empty.
                    summary.add_error(TaskError::panicked(i, &*payload));
                    i += 1;
                }
            }
        }
        summary
    }
}

/// Runs `f` over `items` on the pool in chunks of `chunksize`, results in input order.
fn run<T, R, F>(shared: &Shared, items: Vec<T>, f: F, chunksize: usize) -> Result<Vec<R>, TaskError>
where
    T: Send + 'static,
    R: Send + 'static,
    F: Fn(T) -> R + Send + Sync + 'static,
{
    let len = items.len();
    let chunks = len.div_ceil(chunksize);
    let copies = shared.workers.min(chunks);
    // A `map` called from inside a task of this same pool joins in itself, with
    // a part of its own (empty: it only steals). Otherwise a pool whose workers
    // all wait on nested maps would wait forever.
    let helping = shared.is_current_worker();
    let parts = (0..copies)
        .map(|p| Part(Mutex::new(split(chunks, copies, p))))
        .chain(helping.then(|| Part(Mutex::new(0..0))))
        .collect();
    let job = Arc::new(MapJob {
        inputs: Inputs::new(items),
        outputs: Outputs::new(len),
        f,
        len,
        chunksize,
        parts,
    });
    let latch = Arc::new(Latch::new(copies + usize::from(helping)));
    let tickets = (0..copies).map(|part| {
        Box::new(PartEntry {
            job: Some(job.clone() as Arc<dyn Participate>),
            latch: latch.clone(),
            part,
        }) as Box<dyn Job>
    });
    let accepted = shared.submit_all(tickets.collect()).is_ok();
    if helping {
        let summary = if accepted {
            // The caller helping is a worker too, for the trace.
            let _span = crate::trace::span(crate::trace::State::Task);
            job.participate(copies, &shared.stop)
        } else {
            Summary::default()
        };
        latch.leave(summary);
    }

    let state = latch.wait_until(|s| s.total.processed == len || s.copies_left == 0);
    let all_left = state.copies_left == 0;
    drop(state);
    if !all_left {
        // Every item is done: take back the entries no worker reached yet (a
        // worker busy with a long task would otherwise hold us up), then wait
        // for the participants still inside, who find nothing left and leave.
        drop(shared.take_back(Arc::as_ptr(&latch).cast()));
    }
    let mut state = latch.wait_until(|s| s.copies_left == 0);
    let total = std::mem::take(&mut state.total);
    drop(state);

    let job = match Arc::try_unwrap(job) {
        Ok(job) => job,
        Err(_) => unreachable!("every participant dropped its hold on the job before leaving"),
    };
    job.finish(total, accepted)
}

impl<T, R, F> MapJob<T, R, F> {
    /// Turns the finished job into the caller's answer, dropping whatever was
    /// left: items never claimed (after `terminate`) and, on failure, the
    /// results already written.
    fn finish(self, total: Summary, accepted: bool) -> Result<Vec<R>, TaskError> {
        let mut first_untaken = None;
        let MapJob {
            mut inputs,
            mut outputs,
            parts,
            len,
            chunksize,
            ..
        } = self;
        for part in parts.into_vec() {
            let chunks = part.0.into_inner().unpoisoned();
            if chunks.is_empty() {
                continue;
            }
            let items = chunks.start * chunksize..(chunks.end * chunksize).min(len);
            first_untaken = Some(first_untaken.map_or(items.start, |u: usize| u.min(items.start)));
            // SAFETY: chunks still in a part were never claimed, so none of
            // their items was taken; we own the job alone.
            unsafe { inputs.drop_untaken(items) };
        }
        if total.processed == len && total.error.is_none() {
            // SAFETY: every item was processed without a panic, so every slot
            // was written (each processed item is written or recorded as an
            // error, and there is no error).
            return Ok(unsafe { outputs.into_vec() });
        }
        for range in total.written {
            // SAFETY: these ranges are exactly the slots written (recorded by
            // the participant that wrote them); each is dropped once.
            unsafe { outputs.drop_written(range) };
        }
        let stopped = match first_untaken {
            Some(index) if !accepted => TaskError::pool_closed(index),
            Some(index) => TaskError::terminated(index),
            None => TaskError::terminated(0),
        };
        Err(match total.error {
            Some(error) if first_untaken.is_none_or(|u| error.index() < u) => error,
            _ => stopped,
        })
    }
}

/// The `index`-th of `parts` contiguous, near-equal ranges covering `0..total`.
fn split(total: usize, parts: usize, index: usize) -> Range<usize> {
    let (base, extra) = (total / parts, total % parts);
    let start = index * base + index.min(extra);
    start..start + base + usize::from(index < extra)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_cover_every_chunk_once() {
        for total in [1, 2, 7, 64] {
            for parts in 1..=4 {
                let mut next = 0;
                for p in 0..parts {
                    let r = split(total, parts, p);
                    assert_eq!(r.start, next);
                    next = r.end;
                }
                assert_eq!(next, total);
            }
        }
    }

    #[test]
    fn claims_hand_out_every_chunk_exactly_once_with_stealing() {
        let parts: Box<[Part]> = (0..3).map(|p| Part(Mutex::new(split(10, 3, p)))).collect();
        let job = MapJob {
            inputs: Inputs::<u8>::new(Vec::new()),
            outputs: Outputs::<u8>::new(0),
            f: |x: u8| x,
            len: 10,
            chunksize: 1,
            parts,
        };
        // Participant 2 claims everything: its own part, then steals the rest.
        let mut seen: Vec<usize> = std::iter::from_fn(|| job.claim(2)).collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..10).collect::<Vec<_>>());
        assert_eq!(job.claim(0), None);
    }
}
