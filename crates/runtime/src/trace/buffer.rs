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

use super::{CoreWaitSample, Span, Track, capacity};
use crate::sync::Unpoison;

struct Buffer {
    name: String,
    tid: u64,
    spans: Vec<Span>,
    dropped: u64,
    core_wait: Vec<CoreWaitSample>,
}

impl Buffer {
    fn push(&mut self, span: Span) {
        if self.spans.len() < capacity() {
            self.spans.push(span);
        } else {
            self.dropped += 1;
        }
    }

    fn push_core_wait(&mut self, sample: CoreWaitSample) {
        // At most one a few hundred µs per thread; bounded all the same.
        if self.core_wait.len() < capacity() {
            self.core_wait.push(sample);
        }
    }
}

type Shared = Arc<Mutex<Buffer>>;

static THREADS: Mutex<Vec<Shared>> = Mutex::new(Vec::new());
static PROCESSES: Mutex<BTreeMap<u32, Buffer>> = Mutex::new(BTreeMap::new());
static NEXT_TID: AtomicU64 = AtomicU64::new(1);
/// How many times [`take`] has run: a thread's first core-wait reading after
/// a `take` is taken whatever the time since its last one.
static TAKES: AtomicU64 = AtomicU64::new(0);

/// The number of [`take`]s so far.
#[cfg(target_os = "linux")]
pub(super) fn takes() -> u64 {
    TAKES.load(Ordering::Relaxed)
}

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
        core_wait: Vec::new(),
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

/// Appends a core-wait reading to this thread's buffer.
#[cfg(target_os = "linux")]
pub(super) fn push_core_wait(sample: CoreWaitSample) {
    let _ = LOCAL.try_with(|local| {
        local
            .get_or_init(new_buffer)
            .lock()
            .unpoisoned()
            .push_core_wait(sample);
    });
}

/// What a worker process sends back with a chunk's results: this thread's
/// spans, its dropped count and its core-wait readings, taken from its buffer.
pub(crate) type Drained = (Vec<Span>, u64, Vec<CoreWaitSample>);

/// Takes this thread's spans, dropped count and core-wait readings (a worker
/// process sends them back with each chunk's results).
pub(crate) fn drain_this_thread() -> Drained {
    LOCAL
        .try_with(|local| match local.get() {
            Some(buffer) => {
                let mut b = buffer.lock().unpoisoned();
                (
                    std::mem::take(&mut b.spans),
                    std::mem::take(&mut b.dropped),
                    std::mem::take(&mut b.core_wait),
                )
            }
            None => (Vec::new(), 0, Vec::new()),
        })
        .unwrap_or_default()
}

/// Adds what a worker process sent back, already on this process's clock.
pub(crate) fn record_process(pid: u32, (spans, dropped, core_wait): Drained) {
    let mut processes = PROCESSES.lock().unpoisoned();
    let buffer = processes.entry(pid).or_insert_with(|| Buffer {
        name: format!("worker process {pid}"),
        tid: 0,
        spans: Vec::new(),
        dropped: 0,
        core_wait: Vec::new(),
    });
    buffer.dropped += dropped;
    for span in spans {
        buffer.push(span);
    }
    for sample in core_wait {
        buffer.push_core_wait(sample);
    }
}

/// Collects every thread's and every worker process's spans recorded so far,
/// and empties the buffers: one [`Track`] per thread or process that recorded
/// anything (or dropped anything). Threads keep recording into their emptied
/// buffers; a buffer whose thread has exited is forgotten once drained.
pub fn take() -> Vec<Track> {
    TAKES.fetch_add(1, Ordering::Relaxed);
    let pid = std::process::id();
    let mut tracks = Vec::new();
    THREADS.lock().unpoisoned().retain(|buffer| {
        let mut b = buffer.lock().unpoisoned();
        if !b.spans.is_empty() || b.dropped > 0 || !b.core_wait.is_empty() {
            tracks.push(Track {
                name: b.name.clone(),
                pid,
                tid: b.tid,
                spans: std::mem::take(&mut b.spans),
                dropped: std::mem::take(&mut b.dropped),
                core_wait: std::mem::take(&mut b.core_wait),
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
            core_wait: b.core_wait,
        });
    }
    tracks
}
