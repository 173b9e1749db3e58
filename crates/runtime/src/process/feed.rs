//! Feeding chunks to the pool: encoding them, and how much `map` and `imap`
//! keep encoded ahead of the workers.
//!
//! Large payloads are encoded as workers catch up, not all at once: a call
//! keeps at most [`QUEUED_BYTES_HIGH`] encoded and a few thousand chunks
//! queued or in flight, and queues more when it falls to the low marks.

use serde::Serialize;

use super::scheduler::MAX_WINDOW;
use super::shared::Shared;
use super::wire::{self, FrameBuilder};
use crate::task::{TaskError, TaskErrorKind};

/// Encoded bytes a `map` or `imap` keeps queued or in flight before it waits
/// (one chunk always goes), and the level at which it queues more: large
/// payloads are encoded as workers catch up, not all at once.
pub(super) const QUEUED_BYTES_HIGH: usize = 128 << 20;
pub(super) const QUEUED_BYTES_LOW: usize = 64 << 20;

/// How many chunks a `map` keeps queued or in flight (high), and when it
/// queues more (low): enough to fill every worker's in-flight limit twice.
pub(super) fn water_marks(workers: usize) -> (usize, usize) {
    let high = (workers.max(1) * MAX_WINDOW * 2).max(64);
    (high, high / 2)
}

/// Encodes up to `chunksize` items from `items` into one TASK frame.
/// Returns the frame (if any item was encoded), how many items were taken, and
/// the error for the item that could not be serialized (the last one taken).
pub(super) fn encode_chunk<A: Serialize>(
    shared: &Shared,
    id: u64,
    name: &str,
    first: usize,
    items: &mut dyn Iterator<Item = A>,
    chunksize: usize,
) -> (Option<Vec<u8>>, usize, Option<TaskError>) {
    // Encoding the arguments is the parent's share of pickling.
    let _span = crate::trace::span(crate::trace::State::Overhead);
    let mut f = match shared.take_spare() {
        Some(buf) => FrameBuilder::reuse(buf, wire::TASK),
        None => FrameBuilder::new(wire::TASK, 32 + name.len()),
    };
    let traced = if crate::trace::is_enabled() {
        wire::TRACED
    } else {
        0
    };
    f.u64(id | traced);
    f.name(name);
    let count_at = f.mark();
    f.u32(0);
    let mut encoded = 0u32;
    let mut taken = 0;
    let mut failed = None;
    for item in items.take(chunksize) {
        taken += 1;
        if let Err(e) = f.value(&item) {
            failed = Some(
                TaskError::new(
                    TaskErrorKind::Unserializable,
                    format!(
                        "the argument (a `{}`) of task {name:?} could not be serialized: {e}",
                        std::any::type_name::<A>()
                    ),
                )
                .with_index(first + taken - 1),
            );
            break;
        }
        encoded += 1;
    }
    if encoded == 0 {
        return (None, taken, failed);
    }
    match f.finish() {
        Ok(mut frame) => {
            frame[count_at..count_at + 4].copy_from_slice(&encoded.to_le_bytes());
            if Shared::oversized(&frame, frame.capacity()) {
                // A small task got a large spare: keep a copy, return the spare.
                let small = frame.clone();
                shared.recycle(frame);
                frame = small;
            }
            (Some(frame), taken, failed)
        }
        Err(e) => (
            None,
            taken,
            Some(TaskError::new(TaskErrorKind::Unserializable, e).with_index(first)),
        ),
    }
}

/// Unregisters a `map`'s feeding when it ends, even by an early return.
pub(super) struct Feeding<'a>(pub(super) &'a Shared);
impl Drop for Feeding<'_> {
    fn drop(&mut self) {
        self.0.stop_feeding();
    }
}
