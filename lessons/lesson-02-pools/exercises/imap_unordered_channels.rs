//! Exercise `imap_unordered_channels` (lesson-02).
//!
//! Build Python's `Pool.imap_unordered` from std alone. `workers` threads take
//! items from one shared queue, run `f` on each, and send `(index, result)` back
//! on a channel the moment it is done. The caller gets the receiving end at once
//! and reads results in the order they finish, not the order they were given,
//! exactly as `imap_unordered` in `map-styles` does.
//!
//! Check your work: `cargo xtask check lesson-02`.
//! Stuck? `cargo xtask hint imap_unordered_channels`.

use std::sync::mpsc::Receiver;

/// Runs `f` on every item on `workers` new threads (at least one) and returns
/// at once, before the work is done. Each result arrives on the returned
/// receiver as `(index of the item, f(item))` as soon as it is computed; the
/// receiver's iterator ends when every item has been sent back. The calling
/// thread runs no item itself.
pub fn imap_unordered<T, R, F>(f: F, items: Vec<T>, workers: usize) -> Receiver<(usize, R)>
where
    T: Send + 'static,
    R: Send + 'static,
    F: Fn(T) -> R + Send + Sync + 'static,
{
    let _ = (f, items, workers);
    todo!("spawn workers that take items from a shared queue and send (index, result) back")
}
