//! The dispatcher: joblib's loop of cutting batches, keeping `2 × n_jobs` of
//! them in flight, and adapting the batch size as they come back.
//!
//! Used for `BatchSize::Auto`, for [`Parallel::run_unordered`] and when a
//! progress bar is on; fixed batch sizes without progress go straight to each
//! backend's own chunked map (see `native.rs`), which costs less per batch.
//!
//! Per batch it costs one queue entry on the backend (a rayon `spawn`, a
//! thread-pool `execute`, or one `map` call on a process pool made by a
//! "lane" thread), one channel message back, and a wake-up of the calling
//! thread: a few microseconds, which the auto batch size hides.
//!
//! [`Parallel::run_unordered`]: super::Parallel::run_unordered

use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use indicatif::ProgressBar;

use super::backend::Workers;
use super::batch::{AutoBatch, RunStats};
use super::delayed::{Delayed, Function, ProcessRunner, process_runner, task_args};
use super::error::Error;
use crate::process::ProcessPool;
use crate::sync::Unpoison;
use crate::task::{TaskError, TaskErrorKind};

/// A finished batch: where it starts in the input, how many tasks it had, how
/// long it took from dispatch to completion, and its results.
struct Done<R> {
    first: usize,
    size: usize,
    took: Duration,
    outcome: Result<Vec<R>, Error>,
}

/// Sends a batch's outcome exactly once: if the batch is dropped unrun (its
/// pool shut down), the drop sends an error, so the dispatcher never waits for
/// a result that cannot come.
struct Reply<R> {
    to: Sender<Done<R>>,
    first: usize,
    size: usize,
    dispatched: Instant,
    sent: bool,
}

impl<R> Reply<R> {
    fn send(mut self, outcome: Result<Vec<R>, Error>) {
        self.sent = true;
        let _ = self.to.send(Done {
            first: self.first,
            size: self.size,
            took: self.dispatched.elapsed(),
            outcome,
        });
    }
}

impl<R> Drop for Reply<R> {
    fn drop(&mut self) {
        if !self.sent {
            let _ = self.to.send(Done {
                first: self.first,
                size: self.size,
                took: self.dispatched.elapsed(),
                outcome: Err(Error::Task(
                    TaskError::new(
                        TaskErrorKind::Terminated,
                        "the batch was dropped before it ran (its pool shut down)",
                    )
                    .with_index(self.first),
                )),
            });
        }
    }
}

/// Runs a batch's calls in order on this thread; the first panic ends it.
pub(crate) fn run_batch<F, A>(
    first: usize,
    items: Vec<Delayed<F, A>>,
) -> Result<Vec<F::Output>, Error>
where
    F: Function<A>,
{
    let _span = crate::trace::span(crate::trace::State::Task);
    let mut out = Vec::with_capacity(items.len());
    for (k, item) in items.into_iter().enumerate() {
        match catch_unwind(AssertUnwindSafe(|| item.call())) {
            Ok(r) => out.push(r),
            Err(payload) => return Err(Error::Task(TaskError::panicked(first + k, &*payload))),
        }
    }
    Ok(out)
}

/// A finished batch as the caller sees it: its first index and its results.
pub(crate) type BatchOutcome<R> = (usize, Result<Vec<R>, Error>);

struct Batch<F, A> {
    first: usize,
    items: Vec<Delayed<F, A>>,
}

enum Sizing {
    Auto(AutoBatch),
    Fixed(usize),
}

/// A batch of arguments for a lane to send to the process pool.
struct LaneJob<A, R> {
    args: Vec<A>,
    reply: Reply<R>,
}

/// Threads that each make one blocking `map` call on the process pool at a
/// time, so a batch is one message to a worker process, as a joblib batch is
/// one pickle.
struct Lanes<A, R> {
    jobs: Option<Sender<LaneJob<A, R>>>,
    threads: Vec<JoinHandle<()>>,
    name: &'static str,
}

impl<A: Send + 'static, R: Send + 'static> Lanes<A, R> {
    fn start(
        pool: Arc<ProcessPool>,
        runner: ProcessRunner<A, R>,
        count: usize,
    ) -> Result<Self, Error> {
        let (jobs, queue) = channel::<LaneJob<A, R>>();
        let queue = Arc::new(Mutex::new(queue));
        let mut threads = Vec::with_capacity(count);
        for lane in 0..count {
            let queue = queue.clone();
            let pool = pool.clone();
            let runner = runner.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("parallel-lane-{lane}"))
                .spawn(move || {
                    loop {
                        let job = queue.lock().unpoisoned().recv();
                        let Ok(LaneJob { args, reply }) = job else {
                            break;
                        };
                        let size = args.len();
                        let first = reply.first;
                        let outcome = (runner.map)(&pool, args, size).map_err(|e| {
                            let index = first + e.index();
                            Error::Task(e.with_index(index))
                        });
                        reply.send(outcome);
                    }
                });
            match spawned {
                Ok(handle) => threads.push(handle),
                Err(e) => {
                    return Err(Error::Backend(format!(
                        "could not start a dispatch thread: {e}"
                    )));
                }
            }
        }
        Ok(Self {
            jobs: Some(jobs),
            threads,
            name: runner.name,
        })
    }
}

enum Target<A, R> {
    /// `n_jobs = 1`: run each batch on the calling thread, when it is dispatched.
    Inline,
    Rayon(Arc<rayon::ThreadPool>),
    Threads(Arc<crate::pool::ThreadPool>),
    /// The lanes start with the first batch, which names the task.
    Processes(Arc<ProcessPool>, Option<Lanes<A, R>>),
}

/// joblib's dispatch loop over one input.
pub(crate) struct Dispatcher<F: Function<A>, A, I> {
    input: I,
    next_index: usize,
    exhausted: bool,
    ready: VecDeque<Batch<F, A>>,
    in_flight: usize,
    max_in_flight: usize,
    n_jobs: usize,
    sizing: Sizing,
    stopped: bool,
    to_me: Sender<Done<F::Output>>,
    results: Receiver<Done<F::Output>>,
    target: Target<A, F::Output>,
    progress: Option<ProgressBar>,
    stats: Arc<Mutex<RunStats>>,
}

impl<F, A, I> Dispatcher<F, A, I>
where
    F: Function<A>,
    A: Send + 'static,
    I: Iterator<Item = Delayed<F, A>>,
{
    /// `workers = None` runs every batch on the calling thread.
    pub(crate) fn new(
        input: I,
        workers: Option<Workers>,
        n_jobs: usize,
        batch_size: Option<usize>,
        progress: Option<ProgressBar>,
        stats: Arc<Mutex<RunStats>>,
    ) -> Self {
        let (to_me, results) = channel();
        let target = match workers {
            None => Target::Inline,
            Some(Workers::Rayon(pool)) => Target::Rayon(pool),
            Some(Workers::Threads(pool)) => Target::Threads(pool),
            Some(Workers::Processes(pool)) => Target::Processes(pool, None),
        };
        let inline = matches!(target, Target::Inline);
        if let Some(bar) = &progress
            && let (low, Some(high)) = input.size_hint()
            && low == high
            && bar.length().is_none()
        {
            bar.set_length(low as u64);
        }
        *stats.lock().unpoisoned() = RunStats {
            workers: n_jobs,
            ..RunStats::default()
        };
        Self {
            input,
            next_index: 0,
            exhausted: false,
            ready: VecDeque::new(),
            in_flight: 0,
            // joblib's pre_dispatch = "2*n_jobs": one batch running and one
            // waiting per worker, so a worker never waits for the dispatcher.
            max_in_flight: if inline { 1 } else { 2 * n_jobs },
            n_jobs,
            sizing: match batch_size {
                _ if inline => Sizing::Fixed(1),
                Some(n) => Sizing::Fixed(n.max(1)),
                None => Sizing::Auto(AutoBatch::new()),
            },
            stopped: false,
            to_me,
            results,
            target,
            progress,
            stats,
        }
    }

    /// Dispatches batches until `2 × n_jobs` are in flight or the input ends.
    pub(crate) fn fill(&mut self) -> Result<(), Error> {
        while !self.stopped && self.in_flight < self.max_in_flight {
            let Some(batch) = self.next_batch() else {
                break;
            };
            if let Err(e) = self.submit(batch) {
                self.stop();
                return Err(e);
            }
        }
        Ok(())
    }

    /// Dispatches no more batches; those in flight still finish.
    pub(crate) fn stop(&mut self) {
        self.stopped = true;
        self.ready.clear();
    }

    /// Waits for the next finished batch; `None` when nothing is in flight.
    /// Returns the batch's first index and its outcome.
    pub(crate) fn next_done(&mut self) -> Option<BatchOutcome<F::Output>> {
        if self.in_flight == 0 {
            return None;
        }
        // Every dispatched batch sends exactly once (see `Reply`), and we hold a
        // sender ourselves, so this cannot disconnect.
        let done = self.results.recv().ok()?;
        self.in_flight -= 1;
        if let Sizing::Auto(auto) = &mut self.sizing {
            auto.completed(done.size, done.took);
        }
        if let Some(bar) = &self.progress {
            bar.inc(done.size as u64);
        }
        Some((done.first, done.outcome))
    }

    /// Runs everything and returns the results in input order; the first
    /// error (the lowest index among those seen) stops dispatching.
    pub(crate) fn collect(mut self) -> Result<Vec<F::Output>, Error> {
        let mut parts: Vec<(usize, Vec<F::Output>)> = Vec::new();
        let mut error: Option<Error> = None;
        loop {
            if error.is_none()
                && let Err(e) = self.fill()
            {
                error = Some(e);
            }
            let Some((first, outcome)) = self.next_done() else {
                break;
            };
            match outcome {
                Ok(results) => parts.push((first, results)),
                Err(e) => {
                    let earlier = match (&error, e.index()) {
                        (None, _) => true,
                        (Some(old), Some(i)) => old.index().is_some_and(|o| i < o),
                        (Some(_), None) => false,
                    };
                    if earlier {
                        error = Some(e);
                    }
                    self.stop();
                }
            }
        }
        if let Some(e) = error {
            return Err(e);
        }
        // Batches are contiguous runs of the input: put them back in order.
        parts.sort_unstable_by_key(|(first, _)| *first);
        let mut out = Vec::with_capacity(parts.iter().map(|(_, p)| p.len()).sum());
        for (_, part) in parts {
            out.extend(part);
        }
        Ok(out)
    }

    /// joblib's `dispatch_one_batch`: take `size × n_jobs` tasks from the
    /// input and cut them into `n_jobs` batches; at the end of the input, cut
    /// the rest finer (a tenth per worker) so no worker is left alone with a
    /// long last batch. Fixed sizes are kept as given.
    fn next_batch(&mut self) -> Option<Batch<F, A>> {
        if let Some(batch) = self.ready.pop_front() {
            return Some(batch);
        }
        if self.exhausted {
            return None;
        }
        let (size, auto) = match &mut self.sizing {
            Sizing::Auto(auto) => (auto.size(), true),
            Sizing::Fixed(n) => (*n, false),
        };
        let lookahead = size.saturating_mul(self.n_jobs).max(1);
        let taken: Vec<Delayed<F, A>> = self.input.by_ref().take(lookahead).collect();
        if taken.len() < lookahead {
            self.exhausted = true;
        }
        if taken.is_empty() {
            return None;
        }
        let per_batch = if auto && self.exhausted {
            (taken.len() / (10 * self.n_jobs)).max(1)
        } else {
            size
        };
        let mut first = self.next_index;
        self.next_index += taken.len();
        if taken.len() <= per_batch {
            self.ready.push_back(Batch {
                first,
                items: taken,
            });
        } else {
            // Each task moves once (splitting off the rest again and again
            // would move the tail once per batch).
            let mut tasks = taken.into_iter();
            loop {
                let items: Vec<Delayed<F, A>> = tasks.by_ref().take(per_batch).collect();
                if items.is_empty() {
                    break;
                }
                let len = items.len();
                self.ready.push_back(Batch { first, items });
                first += len;
            }
        }
        self.ready.pop_front()
    }

    fn submit(&mut self, batch: Batch<F, A>) -> Result<(), Error> {
        let Batch { first, items } = batch;
        let size = items.len();
        // For the process pool, check the batch before anything is sent.
        let payload = match &mut self.target {
            Target::Processes(pool, lanes) => {
                let lanes = match lanes {
                    Some(lanes) => lanes,
                    None => {
                        let runner = process_runner(&items)?;
                        lanes.insert(Lanes::start(pool.clone(), runner, self.max_in_flight)?)
                    }
                };
                Payload::Args(task_args(items, lanes.name, first)?)
            }
            _ => Payload::Calls(items),
        };
        // From here the batch answers exactly once: by running, or, if its
        // pool drops it, by `Reply`'s drop. So it counts as in flight.
        let reply = Reply {
            to: self.to_me.clone(),
            first,
            size,
            dispatched: Instant::now(),
            sent: false,
        };
        self.in_flight += 1;
        {
            let mut stats = self.stats.lock().unpoisoned();
            stats.tasks += size;
            stats.batches += 1;
            stats.last_batch_size = size;
            stats.largest_batch = stats.largest_batch.max(size);
        }
        match (&self.target, payload) {
            (Target::Inline, Payload::Calls(items)) => reply.send(run_batch(first, items)),
            (Target::Rayon(pool), Payload::Calls(items)) => {
                pool.spawn(move || reply.send(run_batch(first, items)))
            }
            (Target::Threads(pool), Payload::Calls(items)) => {
                // A refused job is dropped, and its `Reply` reports that.
                let _ = pool.execute(move || reply.send(run_batch(first, items)));
            }
            (Target::Processes(_, lanes), Payload::Args(args)) => {
                if let Some(jobs) = lanes.as_ref().and_then(|l| l.jobs.as_ref()) {
                    // A job the lanes cannot take is dropped, and its `Reply` reports that.
                    let _ = jobs.send(LaneJob { args, reply });
                }
            }
            // Each target gets the payload made for it just above.
            _ => unreachable!("payload does not match its target"),
        }
        Ok(())
    }
}

/// What a batch carries to its worker: the calls themselves (threads), or only
/// their arguments (a process pool, which knows the task by name).
enum Payload<F, A> {
    Calls(Vec<Delayed<F, A>>),
    Args(Vec<A>),
}

impl<F: Function<A>, A, I> Drop for Dispatcher<F, A, I> {
    fn drop(&mut self) {
        if let Target::Processes(_, Some(lanes)) = &mut self.target {
            drop(lanes.jobs.take());
            // Idle lanes exit at once; a lane still in a `map` call (an
            // iterator dropped early) finishes it by itself, detached.
            if self.in_flight == 0 {
                for thread in lanes.threads.drain(..) {
                    let _ = thread.join();
                }
            }
        }
        if let Some(bar) = &self.progress {
            bar.finish();
        }
    }
}
