//! `map` and `starmap`: every item through one task, results in input order.
//!
//! The caller's thread encodes chunks (see `feed.rs`) and queues them in
//! batches while the workers run earlier ones; each chunk's completion,
//! on a reader thread, decodes its results straight into their slots.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::feed::{Feeding, QUEUED_BYTES_HIGH, QUEUED_BYTES_LOW, encode_chunk, water_marks};
use super::job::{ChunkReply, Done, Job};
use super::process_pool::ProcessPool;
use super::registry::Task;
use super::shared::Shared;
use crate::pool::Chunksize;
use crate::sync::Unpoison;
use crate::task::TaskError;

impl ProcessPool {
    /// Runs `task` on every item and returns the results in order (Python's
    /// `map`). Items go to workers in chunks of `chunksize` (one message per
    /// chunk): a number, or `None` (or `0`, or [`Chunksize::Auto`]) for
    /// Python's default, `len / (4 * workers)` rounded up, which suits many
    /// small tasks.
    ///
    /// The first failing item (lowest index) is the error; once a task fails no
    /// new chunks are sent. Chunks are encoded as workers free up, so at most a
    /// few thousand wait encoded at any time.
    pub fn map<A, R, I>(
        &self,
        task: &Task<A, R>,
        items: I,
        chunksize: impl Into<Chunksize>,
    ) -> Result<Vec<R>, TaskError>
    where
        A: Serialize,
        R: DeserializeOwned + Send + 'static,
        I: IntoIterator<Item = A>,
    {
        let items: Vec<A> = items.into_iter().collect();
        let n = items.len();
        if n == 0 {
            return match Shared::refusal(&self.shared.lock().status, false) {
                Some(refused) => Err(refused),
                None => Ok(Vec::new()),
            };
        }
        let chunksize = chunksize.into().resolve(n, self.workers());
        self.shared.start_feeding()?;
        let feeding = Feeding(&self.shared);
        let collector = Arc::new(MapCollector::<R> {
            state: Mutex::new(MapState {
                results: (0..n).map(|_| None).collect(),
                outstanding: 0,
                outstanding_bytes: 0,
                error: None,
                wake_at: None,
            }),
            ready: Condvar::new(),
        });
        let (high, low) = water_marks(self.workers());
        let mut items = items.into_iter();
        let mut next = 0;
        while next < n {
            let (room, bytes_room) = {
                let s = collector.lock();
                if s.error.is_some() {
                    break;
                }
                (
                    high.saturating_sub(s.outstanding),
                    QUEUED_BYTES_HIGH.saturating_sub(s.outstanding_bytes),
                )
            };
            let batch_first = next;
            let mut batch = Vec::new();
            let mut batch_bytes = 0;
            let mut stop = None;
            while batch.len() < room.max(1)
                && next < n
                && (batch.is_empty() || batch_bytes < bytes_room)
            {
                let id = self.shared.next_job_id();
                let (frame, count, failed) =
                    encode_chunk(&self.shared, id, task.name(), next, &mut items, chunksize);
                if let Some(frame) = frame {
                    let bytes = frame.len();
                    batch_bytes += bytes;
                    batch.push(Job {
                        frame,
                        name: task.name(),
                        id,
                        items: count as u32,
                        ticket: None,
                        done: collector.clone().completion(next, count, bytes),
                    });
                }
                next += count;
                if let Some(error) = failed {
                    stop = Some(error);
                    break;
                }
            }
            {
                let mut s = collector.lock();
                s.outstanding += batch.len();
                s.outstanding_bytes += batch_bytes;
            }
            if let Err((refused, jobs)) = self.shared.enqueue(batch, true) {
                let mut s = collector.lock();
                s.outstanding -= jobs.len();
                s.outstanding_bytes -= jobs.iter().map(|j| j.frame.len()).sum::<usize>();
                s.record(refused.with_index(batch_first));
                break;
            }
            if let Some(error) = stop {
                collector.lock().record(error);
                break;
            }
            if next < n {
                collector.wait_until_at_most(low, QUEUED_BYTES_LOW);
            }
        }
        drop(feeding);
        collector.wait_until_at_most(0, 0);
        let mut s = collector.lock();
        if let Some(error) = s.error.take() {
            return Err(error);
        }
        let results = std::mem::take(&mut s.results);
        Ok(results
            .into_iter()
            .map(|r| r.expect("every item has a result"))
            .collect())
    }

    /// [`map`](Self::map) for tasks that take several arguments (Python's
    /// `starmap`). A Rust task takes its arguments as one tuple, so `starmap`
    /// is `map` over tuples, kept so code reads like the Python it mirrors:
    /// `fn power((base, exp): (f64, i32)) -> f64`.
    pub fn starmap<A, R, I>(
        &self,
        task: &Task<A, R>,
        items: I,
        chunksize: impl Into<Chunksize>,
    ) -> Result<Vec<R>, TaskError>
    where
        A: Serialize,
        R: DeserializeOwned + Send + 'static,
        I: IntoIterator<Item = A>,
    {
        self.map(task, items, chunksize)
    }
}

struct MapState<R> {
    results: Vec<Option<R>>,
    /// Chunks queued or in flight, and their encoded bytes.
    outstanding: usize,
    outstanding_bytes: usize,
    error: Option<TaskError>,
    /// The consumer sleeps until at most this many chunks and bytes are out.
    wake_at: Option<(usize, usize)>,
}

impl<R> MapState<R> {
    fn record(&mut self, error: TaskError) {
        TaskError::keep_lowest(&mut self.error, error);
    }
}

struct MapCollector<R> {
    state: Mutex<MapState<R>>,
    ready: Condvar,
}

impl<R> MapCollector<R> {
    fn lock(&self) -> MutexGuard<'_, MapState<R>> {
        self.state.lock().unpoisoned()
    }
}

impl<R: DeserializeOwned + Send + 'static> MapCollector<R> {
    fn completion(self: Arc<Self>, first: usize, count: usize, bytes: usize) -> Done {
        Box::new(move |reply: Result<ChunkReply<'_>, TaskError>| {
            // Decode outside the lock: results of other workers keep flowing.
            let mut values = Vec::with_capacity(count);
            let mut failed = None;
            match reply {
                Ok(mut reply) => {
                    for k in 0..count {
                        match reply.next::<R>() {
                            Ok(v) => values.push(v),
                            Err(e) => {
                                failed = Some(e.with_index(first + k));
                                break;
                            }
                        }
                    }
                }
                Err(e) => failed = Some(e.with_index(first)),
            }
            let mut s = self.lock();
            for (k, v) in values.into_iter().enumerate() {
                s.results[first + k] = Some(v);
            }
            let had_error = s.error.is_some();
            if let Some(e) = failed {
                s.record(e);
            }
            s.outstanding -= 1;
            s.outstanding_bytes -= bytes;
            if let Some((at, at_bytes)) = s.wake_at
                && ((s.outstanding <= at && s.outstanding_bytes <= at_bytes)
                    || (!had_error && s.error.is_some()))
            {
                s.wake_at = None;
                self.ready.notify_one();
            }
        })
    }

    /// Waits until at most `at` chunks and `at_bytes` bytes are out (or, while
    /// feeding, until a task fails).
    fn wait_until_at_most(&self, at: usize, at_bytes: usize) {
        let mut s = self.lock();
        while (s.outstanding > at || s.outstanding_bytes > at_bytes)
            && (at == 0 || s.error.is_none())
        {
            s.wake_at = Some((at, at_bytes));
            s = self.ready.wait(s).unpoisoned();
        }
        s.wake_at = None;
    }
}
