//! Fixed batch sizes, run by each backend's own chunked map: the cheapest
//! path, with no dispatcher in between.
//!
//! - rayon: `into_par_iter().with_min_len(b).with_max_len(b)`, so rayon's
//!   work-stealing splits the input down to leaves of about `b` tasks;
//! - thread pool: [`ThreadPool::map`](crate::pool::ThreadPool::map) with
//!   `chunksize = b`;
//! - process pool: [`ProcessPool::map`](crate::process::ProcessPool::map) with
//!   `chunksize = b`: each chunk is one message to a worker process.

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::Mutex;

use rayon::prelude::*;

use super::dispatch::{lock, panic_message, process_runner, task_args};
use super::{Delayed, Error, Function, Workers};

pub(crate) fn run<F, A>(
    workers: &Workers,
    items: Vec<Delayed<F, A>>,
    batch: usize,
) -> Result<Vec<F::Output>, Error>
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
                    items
                        .into_par_iter()
                        .enumerate()
                        .with_min_len(batch)
                        .with_max_len(batch)
                        .map(|(index, item)| {
                            catch_unwind(AssertUnwindSafe(|| item.call())).unwrap_or_else(
                                |payload| {
                                    let mut failed = lock(&failed);
                                    if failed
                                        .as_ref()
                                        .and_then(Error::index)
                                        .is_none_or(|i| index < i)
                                    {
                                        *failed = Some(Error::Panicked {
                                            index,
                                            message: panic_message(&*payload),
                                        });
                                    }
                                    drop(failed);
                                    resume_unwind(payload)
                                },
                            )
                        })
                        .collect::<Vec<_>>()
                })
            }));
            match outcome {
                Ok(results) => Ok(results),
                Err(payload) => Err(lock(&failed).take().unwrap_or_else(|| Error::Panicked {
                    index: 0,
                    message: panic_message(&*payload),
                })),
            }
        }
        Workers::Threads(pool) => pool
            .map(|item: Delayed<F, A>| item.call(), items, batch)
            .map_err(|e| match e.kind() {
                crate::pool::TaskErrorKind::Panicked => Error::Panicked {
                    index: e.index(),
                    message: e.message().to_owned(),
                },
                _ => Error::Backend(e.to_string()),
            }),
        Workers::Processes(pool) => {
            if items.is_empty() {
                return Ok(Vec::new());
            }
            let runner = process_runner(&items)?;
            let args = task_args(items, runner.name, 0)?;
            (runner.map)(pool, args, batch).map_err(|e| {
                let index = e.index();
                Error::from_process(e, index, runner.name)
            })
        }
    }
}
