//! What crossed the pipes: the counters the pool's threads bump, and the
//! [`PoolStats`] snapshot a caller reads.

use std::sync::atomic::{AtomicU64, Ordering};

/// Counters of what crossed the pipes, from [`ProcessPool::stats`](super::ProcessPool::stats).
///
/// Bytes include the framing (lengths, task names, job ids), so
/// `bytes_sent / tasks` is the true cost of one task on the wire.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolStats {
    /// Bytes written to workers: task names, arguments, framing.
    pub bytes_sent: u64,
    /// Bytes read from workers: results, errors, framing.
    pub bytes_received: u64,
    /// Tasks (items) whose outcome came back from a worker, success or error.
    pub tasks: u64,
    /// Messages (chunks) written to workers, handshakes included.
    pub messages_sent: u64,
    /// Messages read from workers, handshakes included.
    pub messages_received: u64,
    /// Worker processes started, replacements included (see `maxtasksperchild`).
    pub workers_started: u64,
}

/// The live counters behind [`PoolStats`]: relaxed atomics, one add each per
/// frame, never a lock.
#[derive(Default)]
pub(super) struct Counters {
    pub(super) bytes_sent: AtomicU64,
    pub(super) bytes_received: AtomicU64,
    pub(super) tasks: AtomicU64,
    pub(super) messages_sent: AtomicU64,
    pub(super) messages_received: AtomicU64,
    pub(super) workers_started: AtomicU64,
}

impl Counters {
    pub(super) fn add(counter: &AtomicU64, n: usize) {
        counter.fetch_add(n as u64, Ordering::Relaxed);
    }

    pub(super) fn snapshot(&self) -> PoolStats {
        PoolStats {
            bytes_sent: self.bytes_sent.load(Ordering::Relaxed),
            bytes_received: self.bytes_received.load(Ordering::Relaxed),
            tasks: self.tasks.load(Ordering::Relaxed),
            messages_sent: self.messages_sent.load(Ordering::Relaxed),
            messages_received: self.messages_received.load(Ordering::Relaxed),
            workers_started: self.workers_started.load(Ordering::Relaxed),
        }
    }
}
