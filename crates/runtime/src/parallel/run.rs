//! [`Parallel`]: joblib's `Parallel`, the knobs and the two ways to run
//! (`run` for a list, `run_unordered` for results as they come).

use std::fmt;
use std::io::IsTerminal;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex};

use indicatif::{ProgressBar, ProgressDrawTarget};

use super::backend::{Backend, Workers};
use super::batch::{BatchSize, RunStats};
use super::delayed::{Delayed, Function};
use super::dispatch::Dispatcher;
use super::error::Error;
use super::native;
use crate::sync::Unpoison;
use crate::task::TaskError;

#[derive(Clone, Debug, Default)]
enum Progress {
    #[default]
    Off,
    /// A bar on stderr, drawn only when stderr is a terminal.
    Own,
    Bar(ProgressBar),
}

/// joblib's `Parallel`: runs [`Delayed`] calls on a pool of workers. See the
/// [module docs](super).
///
/// Build it once and reuse it: the workers start at the first run (a rayon pool
/// or a thread pool: some tens of microseconds per thread; a process pool:
/// about 1.5 ms per process) and stay until the `Parallel` is dropped, as in
/// joblib's `with Parallel(...) as parallel:` block.
pub struct Parallel {
    n_jobs: i64,
    backend: Backend,
    batch_size: BatchSize,
    progress: Progress,
    workers: Mutex<Option<(usize, Workers)>>,
    stats: Arc<Mutex<RunStats>>,
}

impl Default for Parallel {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Parallel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Parallel")
            .field("n_jobs", &self.n_jobs)
            .field("backend", &self.backend)
            .field("batch_size", &self.batch_size)
            .field("progress", &!matches!(self.progress, Progress::Off))
            .finish()
    }
}

impl Parallel {
    /// Every core (`n_jobs = -1`), the rayon backend, `batch_size = "auto"`, no
    /// progress bar.
    pub fn new() -> Self {
        Self {
            n_jobs: -1,
            backend: Backend::Rayon,
            batch_size: BatchSize::Auto,
            progress: Progress::Off,
            workers: Mutex::new(None),
            stats: Arc::new(Mutex::new(RunStats::default())),
        }
    }

    /// How many workers, as joblib counts: `n ≥ 1` is `n` workers (more than
    /// the cores is allowed: the OS time-slices them); `-1` is every logical
    /// core, `-2` all but one, and in general `cores + 1 + n`, at least 1.
    /// `0` makes every run fail with [`Error::NoJobs`].
    pub fn n_jobs(mut self, n_jobs: i64) -> Self {
        self.n_jobs = n_jobs;
        self.reset_workers();
        self
    }

    /// Where the calls run (default [`Backend::Rayon`]).
    pub fn backend(mut self, backend: Backend) -> Self {
        self.backend = backend;
        self.reset_workers();
        self
    }

    /// Tasks per batch: a number, or [`BatchSize::Auto`] (or `0`), the default.
    pub fn batch_size(mut self, batch_size: impl Into<BatchSize>) -> Self {
        self.batch_size = batch_size.into();
        self
    }

    /// Shows a progress bar on stderr (only when stderr is a terminal),
    /// advanced as batches finish.
    pub fn progress(mut self, on: bool) -> Self {
        self.progress = if on { Progress::Own } else { Progress::Off };
        self
    }

    /// Advances `bar` as batches finish (sets its length if it has none and
    /// the input's length is known). A run with progress goes through the
    /// dispatcher even with a fixed batch size.
    pub fn progress_bar(mut self, bar: ProgressBar) -> Self {
        self.progress = Progress::Bar(bar);
        self
    }

    /// The number of workers `n_jobs` stands for on this machine.
    pub fn effective_n_jobs(&self) -> Result<usize, Error> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as i64;
        match self.n_jobs {
            0 => Err(Error::NoJobs),
            n if n > 0 => Ok(n as usize),
            n => Ok((cores + 1 + n).max(1) as usize),
        }
    }

    /// What the last run did (batches, sizes).
    pub fn last_run(&self) -> RunStats {
        *self.stats.lock().unpoisoned()
    }

    /// Runs every call and returns the results in input order: joblib's
    /// `Parallel(...)(tasks)` with `return_as="list"`.
    ///
    /// The input is read lazily, on this thread, a few batches ahead of the
    /// workers. If a task panics no new batches start, the running ones
    /// finish, and the error is [`Error::Task`] with the item's index
    /// (the lowest, if several panicked).
    ///
    /// ```
    /// use runtime::parallel::{Parallel, delayed};
    /// use runtime::task::TaskErrorKind;
    ///
    /// let parallel = Parallel::new().n_jobs(2).batch_size(4);
    /// let fails_at_5 = |x: u32| if x == 5 { panic!("five") } else { x };
    /// let error = parallel.run((0..20).map(delayed(fails_at_5))).unwrap_err();
    /// let task = error.task_error().expect("a task failed");
    /// assert_eq!((task.index(), task.kind()), (5, TaskErrorKind::Panicked), "{error}");
    /// ```
    pub fn run<I, F, A>(&self, tasks: I) -> Result<Vec<F::Output>, Error>
    where
        I: IntoIterator<Item = Delayed<F, A>>,
        F: Function<A>,
        A: Send + 'static,
    {
        let n = self.effective_n_jobs()?;
        let mut input = tasks.into_iter().peekable();
        self.check_backend(input.peek())?;
        let progress = self.make_progress();
        if n == 1 {
            return self.run_here(input, progress);
        }
        let workers = self.workers(n)?;
        match (self.batch_size, progress) {
            (BatchSize::Fixed(batch), None) => {
                let (results, batches) = native::run_in_rounds(&workers, input, batch, n)?;
                *self.stats.lock().unpoisoned() = RunStats {
                    workers: n,
                    tasks: results.len(),
                    batches,
                    last_batch_size: batch.min(results.len()),
                    largest_batch: batch.min(results.len()),
                };
                Ok(results)
            }
            (batch, progress) => {
                let fixed = match batch {
                    BatchSize::Fixed(b) => Some(b),
                    BatchSize::Auto => None,
                };
                Dispatcher::new(input, Some(workers), n, fixed, progress, self.stats.clone())
                    .collect()
            }
        }
    }

    /// Runs every call and yields `(index, result)` as batches finish, in
    /// completion order: joblib's `return_as="generator_unordered"`. The input
    /// is read lazily as results are taken.
    ///
    /// A failing task ends the iteration with its error (the last item); the
    /// batches still running are left to finish and their results dropped, as
    /// is everything in flight when the iterator is dropped early.
    ///
    /// ```
    /// use runtime::parallel::{Parallel, delayed};
    ///
    /// let parallel = Parallel::new().n_jobs(2);
    /// let mut seen: Vec<(usize, u64)> = parallel
    ///     .run_unordered((0..50_u64).map(delayed(|x: u64| x + 1)))
    ///     .unwrap()
    ///     .collect::<Result<_, _>>()
    ///     .unwrap();
    /// seen.sort();
    /// assert_eq!(seen[49], (49, 50));
    /// ```
    pub fn run_unordered<I, F, A>(&self, tasks: I) -> Result<Unordered<F, A, I::IntoIter>, Error>
    where
        I: IntoIterator<Item = Delayed<F, A>>,
        F: Function<A>,
        A: Send + 'static,
    {
        let n = self.effective_n_jobs()?;
        let mut input = tasks.into_iter().peekable();
        self.check_backend(input.peek())?;
        let workers = if n == 1 { None } else { Some(self.workers(n)?) };
        let fixed = match self.batch_size {
            BatchSize::Fixed(b) => Some(b),
            BatchSize::Auto => None,
        };
        let progress = self.make_progress();
        Ok(Unordered {
            dispatcher: Dispatcher::new(input, workers, n, fixed, progress, self.stats.clone()),
            current: Vec::new().into_iter(),
            next_index: 0,
            finished: false,
        })
    }

    /// The calls on this thread, in order (`n_jobs = 1`).
    fn run_here<F, A>(
        &self,
        input: impl Iterator<Item = Delayed<F, A>>,
        progress: Option<ProgressBar>,
    ) -> Result<Vec<F::Output>, Error>
    where
        F: Function<A>,
    {
        let mut out = Vec::with_capacity(input.size_hint().0);
        for (index, item) in input.enumerate() {
            match catch_unwind(AssertUnwindSafe(|| item.call())) {
                Ok(r) => out.push(r),
                Err(payload) => return Err(Error::Task(TaskError::panicked(index, &*payload))),
            }
            if let Some(bar) = &progress {
                bar.inc(1);
            }
        }
        if let Some(bar) = &progress {
            bar.finish();
        }
        *self.stats.lock().unpoisoned() = RunStats {
            workers: 1,
            tasks: out.len(),
            batches: out.len(),
            last_batch_size: 1,
            largest_batch: 1,
        };
        Ok(out)
    }

    /// On the process backend, a closure is refused before anything runs,
    /// whatever `n_jobs` is: the same program must not work with one job and
    /// fail with two.
    fn check_backend<F: Function<A>, A>(&self, first: Option<&Delayed<F, A>>) -> Result<(), Error> {
        match (self.backend, first) {
            (Backend::ProcessPool, Some(first)) => Self::check_task(first),
            _ => Ok(()),
        }
    }

    fn check_task<F: Function<A>, A>(first: &Delayed<F, A>) -> Result<(), Error> {
        match first.function().task_name() {
            Some(_) => Ok(()),
            None => Err(Error::NotATask {
                function: std::any::type_name::<F>(),
            }),
        }
    }

    fn make_progress(&self) -> Option<ProgressBar> {
        match &self.progress {
            Progress::Off => None,
            Progress::Bar(bar) => Some(bar.clone()),
            Progress::Own => {
                let target = if std::io::stderr().is_terminal() {
                    ProgressDrawTarget::stderr()
                } else {
                    ProgressDrawTarget::hidden()
                };
                Some(ProgressBar::with_draw_target(None, target))
            }
        }
    }

    fn reset_workers(&mut self) {
        *self.workers.get_mut().unpoisoned() = None;
    }

    /// The pool of `n` workers for this backend, started at the first run.
    fn workers(&self, n: usize) -> Result<Workers, Error> {
        let mut cached = self.workers.lock().unpoisoned();
        if let Some((size, workers)) = &*cached
            && *size == n
        {
            return Ok(workers.clone());
        }
        let workers = self.backend.start(n)?;
        *cached = Some((n, workers.clone()));
        Ok(workers)
    }
}

/// The results of [`Parallel::run_unordered`]: `Ok((index, result))` in the
/// order batches finish; a failing task is the last item, as `Err`.
pub struct Unordered<F: Function<A>, A, I: Iterator> {
    dispatcher: Dispatcher<F, A, std::iter::Peekable<I>>,
    current: std::vec::IntoIter<F::Output>,
    next_index: usize,
    finished: bool,
}

impl<F, A, I> Iterator for Unordered<F, A, I>
where
    F: Function<A>,
    A: Send + 'static,
    I: Iterator<Item = Delayed<F, A>>,
{
    type Item = Result<(usize, F::Output), Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(result) = self.current.next() {
                let index = self.next_index;
                self.next_index += 1;
                return Some(Ok((index, result)));
            }
            if self.finished {
                return None;
            }
            if let Err(e) = self.dispatcher.fill() {
                self.finished = true;
                return Some(Err(e));
            }
            match self.dispatcher.next_done() {
                None => {
                    self.finished = true;
                    return None;
                }
                Some((first, Ok(results))) => {
                    self.current = results.into_iter();
                    self.next_index = first;
                }
                Some((_, Err(e))) => {
                    self.finished = true;
                    self.dispatcher.stop();
                    return Some(Err(e));
                }
            }
        }
    }
}

impl<F: Function<A>, A, I: Iterator> fmt::Debug for Unordered<F, A, I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Unordered")
            .field("finished", &self.finished)
            .finish_non_exhaustive()
    }
}
