//! `imap` and `imap_unordered`: results as an iterator, submitted lazily.
//!
//! Each chunk is one queued task that runs the function over its items and
//! sends their results back over a channel. The first [`WINDOW_PER_WORKER`]
//! chunks per worker are queued at once; after that, the iterator pulls the
//! next items from the input only as results are consumed, so an endless input works and
//! memory stays bounded. (Python's `imap` reads the whole input ahead on a
//! feeder thread, which an endless input never lets finish.)
//!
//! A chunk costs one boxed task, one lock of the pool's queue, one channel
//! message and one `Vec` of results: 0.5–1.4 µs measured at `chunksize = 1`,
//! against a few nanoseconds per task for `map`. Use `imap` for its laziness or its
//! ordering, with a chunksize that makes chunks worth a message.

use std::collections::BTreeMap;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::sync::{Arc, Weak};
use std::time::Duration;

use super::chunksize::Chunksize;
use super::queue::{Job, Shared};
use super::thread_pool::ThreadPool;
use crate::sync::spin_until;
use crate::task::{Helper, TaskError, TaskErrorKind};

impl ThreadPool {
    /// Applies `f` to every item and yields the results in input order as they
    /// become available: Python's `Pool.imap(func, iterable, chunksize)`.
    ///
    /// Lazy: the first [`WINDOW_PER_WORKER`] chunks per worker are queued at
    /// once, and further items are taken from `items` only as results are
    /// consumed (on the consuming thread, so the input may borrow: it need not
    /// be `'static`), so an endless input works and memory stays bounded.
    /// [`Chunksize::Auto`] uses Python's heuristic when the input reports its
    /// exact length and 1 otherwise (Python's `imap` default is 1).
    /// Each chunk costs about a microsecond (a queue entry and a channel
    /// message; 0.5–1.4 µs measured), so give tiny tasks a larger chunksize,
    /// or use `map`.
    pub fn imap<'a, T, R, F>(
        &self,
        f: F,
        items: impl IntoIterator<Item = T, IntoIter: Send> + 'a,
        chunksize: impl Into<Chunksize>,
    ) -> Imap<'a, R>
    where
        T: Send + 'static,
        R: Send + 'static,
        F: Fn(T) -> R + Send + Sync + 'static,
    {
        let items = items.into_iter();
        let chunksize = chunksize
            .into()
            .resolve_lazy(items.size_hint(), self.workers());
        start(&self.shared, f, items, chunksize, true)
    }

    /// Like [`imap`](Self::imap), but yields each chunk's results as soon as
    /// the chunk finishes, whatever its position: Python's
    /// `Pool.imap_unordered`. A result's position is in its error, not in
    /// `Ok`; map over `items.into_iter().enumerate()` if you need it.
    pub fn imap_unordered<'a, T, R, F>(
        &self,
        f: F,
        items: impl IntoIterator<Item = T, IntoIter: Send> + 'a,
        chunksize: impl Into<Chunksize>,
    ) -> Imap<'a, R>
    where
        T: Send + 'static,
        R: Send + 'static,
        F: Fn(T) -> R + Send + Sync + 'static,
    {
        let items = items.into_iter();
        let chunksize = chunksize
            .into()
            .resolve_lazy(items.size_hint(), self.workers());
        start(&self.shared, f, items, chunksize, false)
    }
}

/// How many chunks per worker an `imap` keeps ahead of the consumer (queued,
/// running, or finished and waiting for their turn): enough that workers
/// rarely wait for the consumer to ask for more, few enough that memory stays
/// bounded whatever the input's length.
pub const WINDOW_PER_WORKER: usize = 4;

type Outcomes<R> = Vec<Result<R, TaskError>>;
/// A finished chunk: its number (input order) and the outcome of each item.
type Finished<R> = (usize, Outcomes<R>);
/// Pulls the next chunk from the input and queues it; `false` once the input is empty.
type SubmitNext<'a, R> = Box<dyn FnMut(&Sender<Finished<R>>) -> bool + Send + 'a>;

/// The results of [`ThreadPool::imap`] or [`ThreadPool::imap_unordered`], one
/// per input item: `Ok(result)`, or the [`TaskError`] of an item whose task
/// panicked (the iteration goes on after it, as Python's `next()` does after
/// raising).
///
/// Dropping it early is fine: chunks not yet started are skipped, and their
/// items are dropped on the worker.
///
/// [`ThreadPool::imap`]: super::ThreadPool::imap
/// [`ThreadPool::imap_unordered`]: super::ThreadPool::imap_unordered
pub struct Imap<'a, R> {
    submit_next: SubmitNext<'a, R>,
    pool: Weak<Shared>,
    results: Receiver<Finished<R>>,
    sender: Sender<Finished<R>>,
    ordered: bool,
    window: usize,
    in_flight: usize,
    input_done: bool,
    next_chunk: usize,
    parked: BTreeMap<usize, Outcomes<R>>,
    current: std::vec::IntoIter<Result<R, TaskError>>,
    cancelled: Arc<AtomicBool>,
}

fn start<'a, T, R, F, I>(
    shared: &Arc<Shared>,
    f: F,
    items: I,
    chunksize: usize,
    ordered: bool,
) -> Imap<'a, R>
where
    T: Send + 'static,
    R: Send + 'static,
    F: Fn(T) -> R + Send + Sync + 'static,
    I: Iterator<Item = T> + Send + 'a,
{
    let f = Arc::new(f);
    let cancelled = Arc::new(AtomicBool::new(false));
    let (sender, results) = channel();
    let pool = Arc::downgrade(shared);
    let mut items = items;
    let mut chunk_number = 0;
    let mut next_index = 0;
    let submit_next = {
        let pool = pool.clone();
        let cancelled = cancelled.clone();
        move |sender: &Sender<Finished<R>>| {
            let chunk: Vec<T> = items.by_ref().take(chunksize).collect();
            if chunk.is_empty() {
                return false;
            }
            let task = ChunkTask {
                number: chunk_number,
                first_index: next_index,
                items: chunk,
                f: f.clone(),
                sender: Some(sender.clone()),
                cancelled: cancelled.clone(),
            };
            chunk_number += 1;
            next_index += task.items.len();
            let job: Box<dyn Job> = Box::new(task);
            match pool.upgrade() {
                // A refused job is discarded, which sends PoolClosed errors.
                Some(pool) => drop(pool.submit(job)),
                None => job.discard(TaskErrorKind::PoolClosed),
            }
            true
        }
    };
    let mut imap = Imap {
        submit_next: Box::new(submit_next),
        pool,
        results,
        sender,
        ordered,
        window: WINDOW_PER_WORKER * shared.workers,
        in_flight: 0,
        input_done: false,
        next_chunk: 0,
        parked: BTreeMap::new(),
        current: Vec::new().into_iter(),
        cancelled,
    };
    // Work starts now, as in Python; later chunks go out as results are consumed.
    imap.top_up();
    imap
}

impl<R> Imap<'_, R> {
    fn top_up(&mut self) {
        // Chunks that arrived ahead of their turn count against the window
        // too, so one slow chunk cannot make `imap` read the whole input.
        while !self.input_done && self.in_flight + self.parked.len() < self.window {
            if (self.submit_next)(&self.sender) {
                self.in_flight += 1;
            } else {
                self.input_done = true;
            }
        }
    }

    /// The next finished chunk, waiting for one if needed.
    fn receive(&mut self) -> Finished<R> {
        let helper = self.pool.upgrade().filter(|pool| pool.is_current_worker());
        let Some(pool) = helper else {
            if let Some(chunk) = spin_until(|| self.results.try_recv().ok()) {
                return chunk;
            }
            match self.results.recv() {
                Ok(chunk) => return chunk,
                Err(_) => unreachable!("the iterator holds a sender, so the channel stays open"),
            }
        };
        // Consumed on one of this pool's own workers: run queued tasks while
        // waiting, since our chunks may be queued behind this very thread.
        loop {
            if let Ok(chunk) = self.results.try_recv() {
                return chunk;
            }
            if !pool.run_one_queued() {
                match self.results.recv_timeout(Duration::from_millis(1)) {
                    Ok(chunk) => return chunk,
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => {
                        unreachable!("the iterator holds a sender, so the channel stays open")
                    }
                }
            }
        }
    }
}

impl<R> Iterator for Imap<'_, R> {
    type Item = Result<R, TaskError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(outcome) = self.current.next() {
                return Some(outcome);
            }
            self.top_up();
            if self.ordered {
                if let Some(chunk) = self.parked.remove(&self.next_chunk) {
                    self.next_chunk += 1;
                    self.current = chunk.into_iter();
                    continue;
                }
            }
            if self.in_flight == 0 {
                return None;
            }
            let (number, chunk) = self.receive();
            self.in_flight -= 1;
            if self.ordered {
                self.parked.insert(number, chunk);
            } else {
                self.current = chunk.into_iter();
            }
        }
    }
}

impl<R> Drop for Imap<'_, R> {
    fn drop(&mut self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }
}

impl<R> fmt::Debug for Imap<'_, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Imap")
            .field("ordered", &self.ordered)
            .field("chunks_in_flight", &self.in_flight)
            .field("input_done", &self.input_done)
            .finish_non_exhaustive()
    }
}

/// One queued chunk of an `imap`.
struct ChunkTask<T, R, F> {
    number: usize,
    first_index: usize,
    items: Vec<T>,
    f: Arc<F>,
    /// Taken when the outcomes are sent; if the task is dropped before that,
    /// `Drop` sends errors instead, so the iterator never waits for a chunk
    /// that will not come.
    sender: Option<Sender<Finished<R>>>,
    cancelled: Arc<AtomicBool>,
}

impl<T, R, F> ChunkTask<T, R, F> {
    fn fail_all(&mut self, why: TaskErrorKind) {
        if let Some(sender) = self.sender.take() {
            let first = self.first_index;
            let errors = (first..first + self.items.len())
                .map(|index| match why {
                    TaskErrorKind::PoolClosed => Err(TaskError::pool_closed(index)),
                    _ => Err(TaskError::terminated(index)),
                })
                .collect();
            // The iterator may be gone; then nobody wants these errors.
            let _ = sender.send((self.number, errors));
        }
    }
}

impl<T, R, F> Job for ChunkTask<T, R, F>
where
    T: Send,
    R: Send,
    F: Fn(T) -> R + Send + Sync,
{
    fn run(mut self: Box<Self>, _stop: &AtomicBool) {
        if self.cancelled.load(Ordering::Relaxed) {
            self.sender = None;
            return;
        }
        let mut index = self.first_index;
        let mut items = std::mem::take(&mut self.items).into_iter();
        let mut outcomes = Vec::with_capacity(items.len());
        let f = &*self.f;
        // Re-entered after a panic, so a panicking item fails alone.
        while !items.as_slice().is_empty() {
            let ran = catch_unwind(AssertUnwindSafe(|| {
                for item in items.by_ref() {
                    outcomes.push(Ok(f(item)));
                    index += 1;
                }
            }));
            if let Err(payload) = ran {
                outcomes.push(Err(TaskError::panicked(index, &*payload)));
                index += 1;
            }
        }
        if let Some(sender) = self.sender.take() {
            let _ = sender.send((self.number, outcomes));
        }
    }

    fn discard(mut self: Box<Self>, why: TaskErrorKind) {
        self.fail_all(why);
    }
}

impl<T, R, F> Drop for ChunkTask<T, R, F> {
    fn drop(&mut self) {
        self.fail_all(TaskErrorKind::Terminated);
    }
}
