//! Fixed batch sizes, run by each backend's own chunked map: the cheapest
//! path, with no dispatcher in between.
//!
//! - rayon: `into_par_iter().with_min_len(b).with_max_len(b)`, so rayon's
//!   work-stealing splits the input down to leaves of about `b` tasks;
//! - thread pool: [`ThreadPool::map`](crate::pool::ThreadPool::map) with
//!   `chunksize = b`;
//! - process pool: [`ProcessPool::map`](crate::process::ProcessPool::map) with
//!   `chunksize = b`: each chunk is one message to a worker process.
//!
//! The input is read in rounds (see [`run_in_rounds`]), each mapped in turn.

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::Mutex;

use rayon::prelude::*;

use super::backend::Workers;
use super::delayed::{Delayed, Function, process_runner, task_args};
use super::error::Error;
use crate::sync::Unpoison;
use crate::task::TaskError;

/// Fewest tasks read per round (see [`run_in_rounds`]).
const ROUND_MIN: usize = 1 << 16;

/// Runs the input through the backend's own map in rounds: read a round of
/// tasks (at least 65 536, or 64 batches per worker), map it, append the
/// results, repeat. Reading in rounds rather than all at once keeps the memory
/// of the tasks small and recycled: a million fresh 40-byte tasks would cost
/// ten thousand page faults before any work began. Returns the results and
/// the number of batches.
pub(crate) fn run_in_rounds<F, A>(
    workers: &Workers,
    mut input: impl Iterator<Item = Delayed<F, A>>,
    batch: usize,
    n_jobs: usize,
) -> Result<(Vec<F::Output>, usize), Error>
where
    F: Function<A>,
    A: Send + 'static,
{
    let round = batch
        .saturating_mul(n_jobs)
        .saturating_mul(64)
        .max(ROUND_MIN);
    let mut out = Vec::with_capacity(input.size_hint().0);
    let mut batches = 0;
    let mut task = None;
    loop {
        let items: Vec<Delayed<F, A>> = input.by_ref().take(round).collect();
        let len = items.len();
        if len == 0 {
            break;
        }
        batches += len.div_ceil(batch);
        let first = out.len();
        run_into(workers, items, batch, &mut out, &mut task).map_err(|e| e.shifted(first))?;
        if len < round {
            break;
        }
    }
    Ok((out, batches))
}

/// Maps one round of tasks and appends the results to `out`. `task` is the
/// process task of the first round, which every later round must match.
fn run_into<F, A>(
    workers: &Workers,
    items: Vec<Delayed<F, A>>,
    batch: usize,
    out: &mut Vec<F::Output>,
    task: &mut Option<&'static str>,
) -> Result<(), Error>
where
    F: Function<A>,
    A: Send + 'static,
{
    match workers {
        Workers::Rayon(pool) => {
            // A panic unwinds through rayon to `install`'s caller; note which
            // item it came from on the way. catch_unwind costs nothing until
            // something panics.
            let failed: Mutex<Option<Error>> = Mutex::new(None);
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                pool.install(|| {
                    // Indexed: rayon writes each result straight into its slot.
                    out.par_extend(
                        items
                            .into_par_iter()
                            .enumerate()
                            .with_min_len(batch)
                            .with_max_len(batch)
                            .map(|(index, item)| {
                                catch_unwind(AssertUnwindSafe(|| item.call())).unwrap_or_else(
                                    |payload| {
                                        record(&failed, index, &*payload);
                                        resume_unwind(payload)
                                    },
                                )
                            }),
                    )
                })
            }));
            outcome.map_err(|payload| {
                failed
                    .lock()
                    .unpoisoned()
                    .take()
                    .unwrap_or_else(|| Error::Task(TaskError::panicked(0, &*payload)))
            })
        }
        Workers::Threads(pool) => {
            let results = pool
                .map(|item: Delayed<F, A>| item.call(), items, batch)
                .map_err(Error::Task)?;
            out.extend(results);
            Ok(())
        }
        Workers::Processes(pool) => {
            let runner = process_runner(&items)?;
            let expected = *task.get_or_insert(runner.name);
            if runner.name != expected {
                return Err(Error::MixedTasks {
                    first: expected,
                    other: runner.name,
                    index: 0,
                });
            }
            let args = task_args(items, runner.name, 0)?;
            let results = (runner.map)(pool, args, batch).map_err(Error::Task)?;
            out.extend(results);
            Ok(())
        }
    }
}

/// Keeps the panic of the lowest index seen.
fn record(failed: &Mutex<Option<Error>>, index: usize, payload: &(dyn std::any::Any + Send)) {
    let mut failed = failed.lock().unpoisoned();
    if failed
        .as_ref()
        .and_then(Error::index)
        .is_none_or(|i| index < i)
    {
        *failed = Some(Error::Task(TaskError::panicked(index, payload)));
    }
}
