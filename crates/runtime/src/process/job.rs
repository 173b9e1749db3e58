//! A chunk of tasks on its way: queued ([`Job`]), written to a worker
//! ([`InFlight`]), answered ([`ChunkReply`]), and the completion ([`Done`])
//! that hands its outcome to whoever submitted it.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use serde::de::DeserializeOwned;

use super::ticket::TicketState;
use super::wire::{self, Cursor};
use crate::task::{TaskError, TaskErrorKind, run_caught};

/// What a completed chunk hands its completion: the results, or why there are none.
pub(super) type Done = Box<dyn for<'a> FnOnce(Result<ChunkReply<'a>, TaskError>) + Send>;

/// A chunk waiting in the queue: its frame is encoded and ready to write.
pub(super) struct Job {
    pub(super) frame: Vec<u8>,
    /// The task's name: the pool learns each task's cost by it.
    pub(super) name: &'static str,
    pub(super) id: u64,
    pub(super) items: u32,
    pub(super) ticket: Option<Arc<TicketState>>,
    pub(super) done: Done,
}

impl Job {
    /// Fails the chunk with `error`, unless it was cancelled (a cancelled
    /// task's completion is never called).
    pub(super) fn fail(self, error: &TaskError) {
        if self.ticket.as_ref().is_some_and(|t| t.is_cancelled()) {
            return;
        }
        finish(self.ticket.as_deref(), self.done, Err(error.clone()));
    }
}

/// A chunk written to a worker, waiting for its answer.
pub(super) struct InFlight {
    pub(super) id: u64,
    pub(super) name: &'static str,
    pub(super) items: u32,
    pub(super) bytes: usize,
    pub(super) expected_ns: f64,
    pub(super) ticket: Option<Arc<TicketState>>,
    pub(super) done: Done,
}

impl InFlight {
    /// The chunk `job` as written to a worker, expected to take `expected_ns`.
    pub(super) fn new(job: Job, expected_ns: f64) -> (Self, Vec<u8>) {
        let in_flight = InFlight {
            id: job.id,
            name: job.name,
            items: job.items,
            bytes: job.frame.len(),
            expected_ns,
            ticket: job.ticket,
            done: job.done,
        };
        (in_flight, job.frame)
    }

    pub(super) fn fail(self, error: &TaskError) {
        finish(self.ticket.as_deref(), self.done, Err(error.clone()));
    }

    pub(super) fn complete(self, reply: ChunkReply<'_>) {
        finish(self.ticket.as_deref(), self.done, Ok(reply));
    }
}

/// Marks the ticket finished and runs the completion. A completion runs user
/// code (a `submit`'s `on_done`); under the runtime's rule for callbacks, its
/// panic is reported and must not take a pool thread down with it.
fn finish(ticket: Option<&TicketState>, done: Done, outcome: Result<ChunkReply<'_>, TaskError>) {
    if let Some(t) = ticket {
        t.finish();
    }
    let done = AssertUnwindSafe(done);
    run_caught("a process pool's completion callback", move || {
        let AssertUnwindSafe(done) = done;
        done(outcome)
    });
}

/// The results of one chunk, read item by item by the completion that decodes them.
pub(super) struct ChunkReply<'a> {
    body: Cursor<'a>,
    unknown_task: Option<&'a str>,
    pid: u32,
}

impl<'a> ChunkReply<'a> {
    /// Reads a RESULTS body after its header (job id, busy time, chunk
    /// status), checking it holds `count` well-formed items and nothing more.
    pub(super) fn read(
        mut body: Cursor<'a>,
        status: u8,
        count: u32,
        pid: u32,
    ) -> Result<Self, String> {
        let unknown_task = match status {
            wire::CHUNK_OK => {
                validate_items(body.clone(), count)?;
                body.u32()?;
                None
            }
            wire::CHUNK_UNKNOWN_TASK => Some(
                body.bytes()
                    .map(|b| std::str::from_utf8(b).unwrap_or("unknown task"))?,
            ),
            other => return Err(format!("unknown chunk status {other}")),
        };
        Ok(ChunkReply {
            body,
            unknown_task,
            pid,
        })
    }

    /// The next item's result.
    pub(super) fn next<R: DeserializeOwned>(&mut self) -> Result<R, TaskError> {
        if let Some(message) = self.unknown_task {
            return Err(TaskError::new(TaskErrorKind::UnknownTask, message));
        }
        let item = self.body.u8().and_then(|s| Ok((s, self.body.bytes()?)));
        let (status, bytes) = match item {
            Ok(item) => item,
            Err(e) => return Err(TaskError::new(TaskErrorKind::BadResult, e)),
        };
        let text = || String::from_utf8_lossy(bytes).into_owned();
        match status {
            wire::ITEM_OK => wire::decode::<R>(bytes).map_err(|e| {
                TaskError::new(
                    TaskErrorKind::BadResult,
                    format!("{e} (is the task registered with another result type in the worker?)"),
                )
            }),
            wire::ITEM_PANICKED => Err(TaskError::new(
                TaskErrorKind::Panicked,
                format!("{} [worker pid {}]", text(), self.pid),
            )),
            wire::ITEM_BAD_ARGUMENTS => Err(TaskError::new(TaskErrorKind::BadArguments, text())),
            _ => Err(TaskError::new(TaskErrorKind::Unserializable, text())),
        }
    }
}

/// Checks a RESULTS body after its header: `count` well-formed items, nothing more.
fn validate_items(mut body: Cursor<'_>, count: u32) -> Result<(), String> {
    let n = body.u32()?;
    if n != count {
        return Err(format!("{n} results for a chunk of {count} tasks"));
    }
    for _ in 0..n {
        body.u8()?;
        body.bytes()?;
    }
    Ok(())
}
