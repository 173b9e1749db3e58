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

use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::thread;

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
    // The queue: every item, numbered, in a channel that the workers share.
    let (queue_in, queue_out) = mpsc::channel();
    for numbered in items.into_iter().enumerate() {
        queue_in
            .send(numbered)
            .expect("the queue's receiver is alive here");
    }
    drop(queue_in); // once it is empty, `recv` fails and the workers stop
    let queue = Arc::new(Mutex::new(queue_out));
    let f = Arc::new(f);
    let (results_in, results_out) = mpsc::channel();
    for _ in 0..workers.max(1) {
        let (queue, f, results_in) = (queue.clone(), f.clone(), results_in.clone());
        thread::spawn(move || {
            loop {
                // The lock is held only while taking one item, not while running it.
                let next = queue.lock().unwrap_or_else(|p| p.into_inner()).recv();
                let Ok((index, item)) = next else { break };
                if results_in.send((index, f(item))).is_err() {
                    break; // the caller dropped the receiver: nobody wants the rest
                }
            }
        });
    }
    // Only the workers hold senders now: the receiver's iterator ends with them.
    results_out
}
