//! The per-thread buffers and the registry [`take`] drains.
//!
//! Each thread that records gets a buffer on its first span: a `Vec` behind a
//! mutex only it and `take` ever lock, registered once in a process-wide list.
//! A buffer outlives its thread (the list keeps it) until `take` has drained
//! it, so the spans of a pool that was dropped before the collection are not
//! lost. Spans from worker processes go to one buffer per worker pid.

use std::cell::OnceCell;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::{Span, Track, capacity};
use crate::sync::Unpoison;

struct Buffer {
    name: String,
    tid: u64,
    spans: Vec<Span>,
    dropped: u64,
}

impl Buffer {
    fn push(&mut self, span: Span) {
        if self.spans.len() < capacity() {
            self.spans.push(span);
        } else {
            self.dropped += 1;
        }
    }
}

type Shared = Arc<Mutex<Buffer>>;

static THREADS: Mutex<Vec<Shared>> = Mutex::new(Vec::new());
static PROCESSES: Mutex<BTreeMap<u32, Buffer>> = Mutex::new(BTreeMap::new());
static NEXT_TID: AtomicU64 = AtomicU64::new(1);

thread_local! {
    static LOCAL: OnceCell<Shared> = const { OnceCell::new() };
}

fn new_buffer() -> Shared {
    let tid = NEXT_TID.fetch_add(1, Ordering::Relaxed);
    let name = std::thread::current()
        .name()
        .map_or_else(|| format!("thread {tid}"), str::to_owned);
    let buffer = Arc::new(Mutex::new(Buffer {
        name,
        tid,
        spans: Vec::new(),
        dropped: 0,
    }));
    THREADS.lock().unpoisoned().push(buffer.clone());
    buffer
}

/// Appends a span to this thread's buffer (or counts it dropped).
pub(super) fn push(span: Span) {
    // A thread being torn down has lost its thread-locals: its span is dropped.
    let _ = LOCAL.try_with(|local| {
        local.get_or_init(new_buffer).lock().unpoisoned().push(span);
    });
}

/// Takes this thread's spans and dropped count (a worker process sends them
/// back with each chunk's results).
pub(crate) fn drain_this_thread() -> (Vec<Span>, u64) {
    LOCAL
        .try_with(|local| match local.get() {
            Some(buffer) => {
                let mut b = buffer.lock().unpoisoned();
                (std::mem::take(&mut b.spans), std::mem::take(&mut b.dropped))
            }
            None => (Vec::new(), 0),
        })
        .unwrap_or_default()
}

/// Adds spans a worker process sent back, already on this process's clock.
pub(crate) fn record_process(pid: u32, spans: impl IntoIterator<Item = Span>, dropped: u64) {
    let mut processes = PROCESSES.lock().unpoisoned();
    let buffer = processes.entry(pid).or_insert_with(|| Buffer {
        name: format!("worker process {pid}"),
        tid: 0,
        spans: Vec::new(),
        dropped: 0,
    });
    buffer.dropped += dropped;
    for span in spans {
        buffer.push(span);
    }
}

/// Collects every thread's and every worker process's spans recorded so far,
/// and empties the buffers: one [`Track`] per thread or process that recorded
/// anything (or dropped anything). Threads keep recording into their emptied
/// buffers; a buffer whose thread has exited is forgotten once drained.
pub fn take() -> Vec<Track> {
    let pid = std::process::id();
    let mut tracks = Vec::new();
    THREADS.lock().unpoisoned().retain(|buffer| {
        let mut b = buffer.lock().unpoisoned();
        if !b.spans.is_empty() || b.dropped > 0 {
            tracks.push(Track {
                name: b.name.clone(),
                pid,
                tid: b.tid,
                spans: std::mem::take(&mut b.spans),
                dropped: std::mem::take(&mut b.dropped),
            });
        }
        // The list and the thread itself hold it while the thread lives.
        Arc::strong_count(buffer) > 1
    });
    let processes = std::mem::take(&mut *PROCESSES.lock().unpoisoned());
    for (worker, b) in processes {
        tracks.push(Track {
            name: b.name,
            pid: worker,
            tid: 0,
            spans: b.spans,
            dropped: b.dropped,
        });
    }
    tracks
}
