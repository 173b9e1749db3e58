//! Scoped workers over a fixed amount of work: the plainest parallel loop.
//!
//! [`scoped_workers`] starts `workers` threads with [`std::thread::scope`], gives
//! each its index, and returns what each computed, in worker order. It is the
//! baseline the rest of the runtime is measured against: starting a scoped thread
//! costs one `clone(2)` and a stack mapping, about 10–30 µs on Linux, so it suits
//! work that runs for milliseconds, not tiny tasks (for those, see a pool).
//! Because the threads end before `scoped_workers` returns, the work may borrow
//! from the caller: no `Arc`, no copy.
//!
//! [`chunk`] splits `0..total` into `parts` contiguous ranges whose lengths differ
//! by at most one, the way `Pool.map` splits its input into chunks.
//!
//! ```
//! use runtime::parallel::{chunk, scoped_workers};
//!
//! let total = 1_000_u64;
//! let sums = scoped_workers(4, |w| chunk(total, 4, w).sum::<u64>());
//! assert_eq!(sums.iter().sum::<u64>(), total * (total - 1) / 2);
//! ```

use std::ops::Range;

/// Runs `work(worker_index)` on `workers` scoped threads and returns the results
/// in worker order.
///
/// With `workers == 1` the work runs on the calling thread, so a one-worker
/// measurement carries no thread start-up cost. A panic in any worker is
/// propagated to the caller once every worker has finished.
///
/// # Panics
/// If `workers` is zero, or if `work` panics.
pub fn scoped_workers<T, F>(workers: usize, work: F) -> Vec<T>
where
    T: Send,
    F: Fn(usize) -> T + Sync,
{
    assert!(workers > 0, "scoped_workers needs at least one worker");
    // Each worker's call is a task span when tracing is on (crate::trace).
    let work = |w| {
        let _span = crate::trace::span(crate::trace::State::Task);
        work(w)
    };
    if workers == 1 {
        return vec![work(0)];
    }
    std::thread::scope(|scope| {
        let work = &work;
        let handles: Vec<_> = (0..workers).map(|w| scope.spawn(move || work(w))).collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

/// The `index`-th of `parts` contiguous, near-equal ranges that cover `0..total`.
///
/// The first `total % parts` ranges are one longer than the rest, so lengths
/// differ by at most one and the ranges cover `0..total` exactly once.
///
/// # Panics
/// If `parts` is zero or `index >= parts`.
pub fn chunk(total: u64, parts: usize, index: usize) -> Range<u64> {
    assert!(index < parts, "chunk index {index} out of {parts} parts");
    let parts = parts as u64;
    let index = index as u64;
    let base = total / parts;
    let extra = total % parts;
    let start = index * base + index.min(extra);
    let len = base + u64::from(index < extra);
    start..start + len
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_the_range_exactly_once() {
        for total in [0, 1, 7, 100, 101] {
            for parts in 1..=9 {
                let mut next = 0;
                for i in 0..parts {
                    let r = chunk(total, parts, i);
                    assert_eq!(
                        r.start, next,
                        "chunk {i} of {parts} over {total} leaves a gap"
                    );
                    assert!(r.end - r.start <= total / parts as u64 + 1);
                    next = r.end;
                }
                assert_eq!(next, total);
            }
        }
    }

    #[test]
    fn scoped_workers_returns_results_in_worker_order() {
        assert_eq!(scoped_workers(5, |w| w * 10), vec![0, 10, 20, 30, 40]);
        assert_eq!(scoped_workers(1, |w| w + 1), vec![1]);
    }

    #[test]
    #[should_panic(expected = "boom")]
    fn a_worker_panic_reaches_the_caller() {
        scoped_workers(3, |w| if w == 2 { panic!("boom") } else { w });
    }
}
