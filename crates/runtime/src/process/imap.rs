//! `imap` and `imap_unordered`: results as an iterator, items read lazily.
//!
//! The iterator encodes and queues chunks on the consuming thread, a window
//! ahead of the results it hands out (the same water marks as `map`), so an
//! endless input works and memory stays bounded; completions on the reader
//! threads park each result until its turn (ordered) or in arrival order.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::marker::PhantomData;
use std::sync::{Arc, Condvar, Mutex};

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::feed::{QUEUED_BYTES_HIGH, QUEUED_BYTES_LOW, encode_chunk, water_marks};
use super::job::{ChunkReply, Done, Job};
use super::process_pool::ProcessPool;
use super::registry::Task;
use crate::pool::Chunksize;
use crate::sync::Unpoison;
use crate::task::TaskError;

impl ProcessPool {
    /// A lazy `map`: results in order, each as soon as it and those before it
    /// are back (Python's `imap`). Items are taken from `items` only as
    /// workers need them, so an endless iterator works. [`Chunksize::Auto`]
    /// uses Python's `map` heuristic when the input knows its exact length and
    /// 1 otherwise (Python's `imap` default).
    pub fn imap<A, R, I>(
        &self,
        task: &Task<A, R>,
        items: I,
        chunksize: impl Into<Chunksize>,
    ) -> Imap<'_, A, R, I::IntoIter>
    where
        A: Serialize,
        R: DeserializeOwned + Send + 'static,
        I: IntoIterator<Item = A>,
    {
        let items = items.into_iter();
        let chunksize = chunksize
            .into()
            .resolve_lazy(items.size_hint(), self.workers());
        Imap::new(self, task, items, chunksize, true)
    }

    /// Like [`imap`](Self::imap), but results come in the order they finish
    /// (Python's `imap_unordered`). A result's position is in its error, not
    /// in `Ok`; map over `items.into_iter().enumerate()` if you need it.
    pub fn imap_unordered<A, R, I>(
        &self,
        task: &Task<A, R>,
        items: I,
        chunksize: impl Into<Chunksize>,
    ) -> Imap<'_, A, R, I::IntoIter>
    where
        A: Serialize,
        R: DeserializeOwned + Send + 'static,
        I: IntoIterator<Item = A>,
    {
        let items = items.into_iter();
        let chunksize = chunksize
            .into()
            .resolve_lazy(items.size_hint(), self.workers());
        Imap::new(self, task, items, chunksize, false)
    }
}

struct ImapState<R> {
    /// Ordered: results by index. Unordered: in arrival order.
    by_index: BTreeMap<usize, Result<R, TaskError>>,
    arrived: VecDeque<(usize, Result<R, TaskError>)>,
    /// Chunks queued or in flight, and their encoded bytes.
    outstanding: usize,
    outstanding_bytes: usize,
    waiting: bool,
}

struct ImapShared<R> {
    state: Mutex<ImapState<R>>,
    ready: Condvar,
    ordered: bool,
}

impl<R: DeserializeOwned + Send + 'static> ImapShared<R> {
    fn push(&self, s: &mut ImapState<R>, index: usize, outcome: Result<R, TaskError>) {
        if self.ordered {
            s.by_index.insert(index, outcome);
        } else {
            s.arrived.push_back((index, outcome));
        }
    }

    fn completion(self: Arc<Self>, first: usize, count: usize, bytes: usize) -> Done {
        Box::new(move |reply: Result<ChunkReply<'_>, TaskError>| {
            let mut outcomes = Vec::with_capacity(count);
            match reply {
                Ok(mut reply) => {
                    for k in 0..count {
                        outcomes.push(reply.next::<R>().map_err(|e| e.with_index(first + k)));
                    }
                }
                Err(e) => outcomes.extend((0..count).map(|k| Err(e.clone().with_index(first + k)))),
            }
            let mut s = self.state.lock().unpoisoned();
            for (k, outcome) in outcomes.into_iter().enumerate() {
                self.push(&mut s, first + k, outcome);
            }
            s.outstanding -= 1;
            s.outstanding_bytes -= bytes;
            if s.waiting {
                s.waiting = false;
                self.ready.notify_one();
            }
        })
    }
}

/// The iterator [`ProcessPool::imap`] and [`ProcessPool::imap_unordered`] return.
///
/// `imap` yields results in input order; `imap_unordered` in the order they
/// arrive. A failed item is an `Err` (with the item's index) for that item;
/// iteration goes on.
pub struct Imap<'p, A, R, I> {
    pool: &'p ProcessPool,
    name: &'static str,
    items: Option<I>,
    chunksize: usize,
    next_index: usize,
    next_out: usize,
    shared: Arc<ImapShared<R>>,
    feeding: bool,
    _arg: PhantomData<fn(A)>,
}

impl<'p, A, R, I> Imap<'p, A, R, I>
where
    A: Serialize,
    R: DeserializeOwned + Send + 'static,
    I: Iterator<Item = A>,
{
    fn new(
        pool: &'p ProcessPool,
        task: &Task<A, R>,
        items: I,
        chunksize: usize,
        ordered: bool,
    ) -> Self {
        let shared = Arc::new(ImapShared {
            state: Mutex::new(ImapState {
                by_index: BTreeMap::new(),
                arrived: VecDeque::new(),
                outstanding: 0,
                outstanding_bytes: 0,
                waiting: false,
            }),
            ready: Condvar::new(),
            ordered,
        });
        let mut imap = Self {
            pool,
            name: task.name(),
            items: Some(items),
            chunksize: chunksize.max(1),
            next_index: 0,
            next_out: 0,
            shared,
            feeding: false,
            _arg: PhantomData,
        };
        match pool.shared.start_feeding() {
            Ok(()) => imap.feeding = true,
            Err(refused) => {
                imap.items = None;
                let mut s = imap.shared.state.lock().unpoisoned();
                imap.shared.push(&mut s, 0, Err(refused));
            }
        }
        imap
    }

    /// Queues chunks until `high` are outstanding or the items run out.
    fn feed(&mut self) {
        let Some(items) = self.items.as_mut() else {
            return;
        };
        let (high, _) = water_marks(self.pool.workers());
        let (room, bytes_room) = {
            let s = self.shared.state.lock().unpoisoned();
            if s.outstanding_bytes > QUEUED_BYTES_LOW {
                return;
            }
            (
                high.saturating_sub(s.outstanding),
                QUEUED_BYTES_HIGH.saturating_sub(s.outstanding_bytes),
            )
        };
        if room < high / 2 {
            return;
        }
        let mut batch = Vec::new();
        let mut batch_bytes = 0;
        let mut failures = Vec::new();
        let mut exhausted = false;
        let batch_first = self.next_index;
        while batch.len() < room && (batch.is_empty() || batch_bytes < bytes_room) {
            let id = self.pool.shared.next_job_id();
            let first = self.next_index;
            let (frame, taken, failed) = encode_chunk(
                &self.pool.shared,
                id,
                self.name,
                first,
                items,
                self.chunksize,
            );
            self.next_index += taken;
            let had_failure = failed.is_some();
            if let Some(frame) = frame {
                let count = taken - usize::from(failed.is_some());
                let bytes = frame.len();
                batch_bytes += bytes;
                batch.push(Job {
                    frame,
                    name: self.name,
                    id,
                    items: count as u32,
                    ticket: None,
                    done: self.shared.clone().completion(first, count, bytes),
                });
            }
            if let Some(e) = failed {
                failures.push(e);
            }
            if taken < self.chunksize && !had_failure || taken == 0 {
                exhausted = true;
                break;
            }
        }
        {
            let mut s = self.shared.state.lock().unpoisoned();
            s.outstanding += batch.len();
            s.outstanding_bytes += batch_bytes;
        }
        let refused = if batch.is_empty() {
            None
        } else {
            self.pool.shared.enqueue(batch, true).err()
        };
        let mut s = self.shared.state.lock().unpoisoned();
        let unserializable: Vec<usize> = failures.iter().map(TaskError::index).collect();
        for e in failures {
            let index = e.index();
            self.shared.push(&mut s, index, Err(e));
        }
        if let Some((refused, jobs)) = refused {
            s.outstanding -= jobs.len();
            s.outstanding_bytes -= jobs.iter().map(|j| j.frame.len()).sum::<usize>();
            // Every item of the refused batch fails; then the iteration ends.
            for index in batch_first..self.next_index {
                if !unserializable.contains(&index) {
                    self.shared
                        .push(&mut s, index, Err(refused.clone().with_index(index)));
                }
            }
            exhausted = true;
        }
        drop(s);
        if exhausted {
            self.stop_feeding();
        }
    }

    fn stop_feeding(&mut self) {
        self.items = None;
        if std::mem::take(&mut self.feeding) {
            self.pool.shared.stop_feeding();
        }
    }
}

impl<A, R, I> fmt::Debug for Imap<'_, A, R, I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Imap")
            .field("task", &self.name)
            .field("ordered", &self.shared.ordered)
            .field("next_index", &self.next_index)
            .field("input_done", &self.items.is_none())
            .finish_non_exhaustive()
    }
}

impl<A, R, I> Iterator for Imap<'_, A, R, I>
where
    A: Serialize,
    R: DeserializeOwned + Send + 'static,
    I: Iterator<Item = A>,
{
    type Item = Result<R, TaskError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            self.feed();
            let shared = self.shared.clone();
            let mut s = shared.state.lock().unpoisoned();
            let found = if shared.ordered {
                s.by_index
                    .remove(&self.next_out)
                    .map(|r| (self.next_out, r))
            } else {
                s.arrived.pop_front()
            };
            if let Some((_, item)) = found {
                if shared.ordered {
                    self.next_out += 1;
                }
                return Some(item);
            }
            if self.items.is_none() && s.outstanding == 0 {
                // Ordered: results past a gap left by a refused chunk.
                if let Some((&k, _)) = s.by_index.iter().next() {
                    self.next_out = k;
                    continue;
                }
                return None;
            }
            let (_, low) = water_marks(self.pool.workers());
            if self.items.is_some()
                && s.outstanding <= low
                && s.outstanding_bytes <= QUEUED_BYTES_LOW
            {
                continue; // queue more before sleeping
            }
            s.waiting = true;
            drop(shared.ready.wait(s).unpoisoned());
        }
    }
}

impl<A, R, I> Drop for Imap<'_, A, R, I> {
    fn drop(&mut self) {
        self.items = None;
        if std::mem::take(&mut self.feeding) {
            self.pool.shared.stop_feeding();
        }
    }
}
