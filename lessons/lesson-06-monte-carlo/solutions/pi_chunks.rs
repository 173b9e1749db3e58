//! Reference solution of `pi_chunks` (lesson-06).

pub use lesson_06_monte_carlo::sample::count_hits;
use runtime::rng::Streams;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Chunk `i` of `chunks` over `samples` points, as `(first sample, length)`.
pub fn chunk_span(samples: u64, chunks: u64, i: u64) -> (u64, u64) {
    let base = samples / chunks;
    let extra = samples % chunks;
    (i * base + i.min(extra), base + u64::from(i < extra))
}

/// `work(i)` for every chunk index `i` in `0..chunks`, run by `workers` scoped
/// threads, with the results in chunk order.
pub fn map_chunks<T: Send>(
    chunks: usize,
    workers: usize,
    work: impl Fn(usize) -> T + Sync,
) -> Vec<T> {
    // Workers claim the next chunk from a shared counter: a fast worker takes
    // more chunks than a slow one, and every chunk is claimed exactly once.
    let next = AtomicUsize::new(0);
    let mut done: Vec<(usize, T)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= chunks {
                            break mine;
                        }
                        mine.push((i, work(i)));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a worker panicked"))
            .collect()
    });
    // Whoever ran them, put the results back in chunk order.
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, result)| result).collect()
}

/// The hits among `samples` points split into `chunks` chunks, chunk `i`
/// drawing from stream `i` of `Streams::new(seed)`, run by `workers` threads.
pub fn pi_hits(seed: u64, samples: u64, chunks: usize, workers: usize) -> u64 {
    let streams = Streams::new(seed);
    map_chunks(chunks, workers, |i| {
        let (_, len) = chunk_span(samples, chunks as u64, i as u64);
        count_hits(&mut streams.stream(i as u64), len)
    })
    .iter()
    .sum()
}
