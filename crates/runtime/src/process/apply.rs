//! One task at a time: [`submit`](ProcessPool::submit) (the primitive every
//! other call and the process executor build on), `apply_async` and `apply`.

use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::feed::encode_chunk;
use super::job::{Done, Job};
use super::process_pool::ProcessPool;
use super::registry::Task;
use super::ticket::{Ticket, TicketState};
use crate::task::{self, AsyncResult, Callbacks, TaskError};

impl ProcessPool {
    /// Submits one task; `on_done` gets its outcome on a pool thread. The
    /// primitive under every other call, and the one an executor builds on.
    ///
    /// Costs: the argument is serialized here, on the calling thread; one frame
    /// (about 20 bytes plus the task name and the argument) crosses to a worker
    /// and one (about 20 bytes plus the result) comes back. `on_done` runs on
    /// the reader thread of the worker that ran the task: keep it short, as a
    /// slow callback delays every result behind it (Python's result-handler
    /// thread has the same rule).
    ///
    /// If the pool refuses the task (closed, broken, terminated) or the
    /// argument cannot be serialized, the error comes back here and `on_done`
    /// is never called. Otherwise `on_done` is called exactly once, unless
    /// [`Ticket::cancel`] returns `true`; a broken or terminated pool calls it
    /// with the error at once. Never wait in `on_done` for another result of
    /// the same pool: the thread that would deliver it may be the one waiting.
    /// If `on_done` panics, the panic is reported on stderr and the pool goes
    /// on (the runtime's rule for callbacks, see [`Callbacks`]).
    pub fn submit<A, R, F>(
        &self,
        task: &Task<A, R>,
        arg: A,
        on_done: F,
    ) -> Result<Ticket, TaskError>
    where
        A: Serialize,
        R: DeserializeOwned,
        F: FnOnce(Result<R, TaskError>) + Send + 'static,
    {
        let ticket = Arc::new(TicketState::default());
        let done: Done = Box::new(move |reply| {
            on_done(reply.and_then(|mut r| r.next::<R>()));
        });
        match self.send_one(task, arg, done, Some(ticket.clone())) {
            Ok(()) => Ok(Ticket::new(ticket)),
            Err((refused, _on_done)) => Err(refused),
        }
    }

    /// Runs one task and waits for its result (Python's `apply`).
    pub fn apply<A, R>(&self, task: &Task<A, R>, arg: A) -> Result<R, TaskError>
    where
        A: Serialize,
        R: DeserializeOwned + Send + 'static,
    {
        self.apply_async(task, arg).get()
    }

    /// Submits one task and returns a handle to its result (Python's
    /// `apply_async`). A refused task gives a handle that is already failed.
    pub fn apply_async<A, R>(&self, task: &Task<A, R>, arg: A) -> AsyncResult<R>
    where
        A: Serialize,
        R: DeserializeOwned + Send + 'static,
    {
        self.apply_async_with(task, arg, Callbacks::new())
    }

    /// [`apply_async`](Self::apply_async) with Python's `callback` and
    /// `error_callback` (see [`Callbacks`]): exactly one of them runs, on a
    /// pool thread, before the result becomes ready. For a refused task
    /// `error_callback` runs here, on the calling thread.
    pub fn apply_async_with<A, R>(
        &self,
        task: &Task<A, R>,
        arg: A,
        callbacks: Callbacks<R>,
    ) -> AsyncResult<R>
    where
        A: Serialize,
        R: DeserializeOwned + Send + 'static,
    {
        let (completion, handle) = task::pair(callbacks, None);
        let done: Done = Box::new(move |reply| {
            completion.complete(reply.and_then(|mut r| r.next::<R>()));
        });
        if let Err((refused, done)) = self.send_one(task, arg, done, None) {
            done(Err(refused));
        }
        handle
    }

    /// Encodes one task and queues it; if it cannot be encoded or the pool
    /// refuses it, the error comes back with `done`, not yet called.
    fn send_one<A: Serialize, R>(
        &self,
        task: &Task<A, R>,
        arg: A,
        done: Done,
        ticket: Option<Arc<TicketState>>,
    ) -> Result<(), (TaskError, Done)> {
        let id = self.shared.next_job_id();
        let (frame, _count, failed) = encode_chunk(
            &self.shared,
            id,
            task.name(),
            0,
            &mut std::iter::once(arg),
            1,
        );
        if let Some(error) = failed {
            return Err((error, done));
        }
        let job = Job {
            frame: frame.unwrap_or_default(),
            name: task.name(),
            id,
            items: 1,
            ticket,
            done,
        };
        match self.shared.enqueue(vec![job], false) {
            Ok(()) => Ok(()),
            Err((refused, mut jobs)) => match jobs.pop() {
                Some(job) => Err((refused, job.done)),
                None => unreachable!("a refused batch comes back whole"),
            },
        }
    }
}
