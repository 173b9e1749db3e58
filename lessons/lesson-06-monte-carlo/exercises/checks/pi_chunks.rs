//! Tests of the `pi_chunks` exercise, run by `cargo xtask check lesson-06`.

#[cfg_attr(not(feature = "solutions"), path = "../pi_chunks.rs")]
#[cfg_attr(feature = "solutions", path = "../../solutions/pi_chunks.rs")]
mod exercise;

use exercise::*;
use lesson_06_monte_carlo::sample::{Sampler, estimate_pi, std_error};
use runtime::rng::Streams;
use std::collections::HashSet;
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

#[test]
fn chunks_cover_the_samples_exactly_once_and_evenly() {
    for samples in [0, 1, 10, 1_000_003] {
        for chunks in [1, 2, 3, 7, 64] {
            let mut next = 0;
            for i in 0..chunks {
                let (start, len) = chunk_span(samples, chunks, i);
                assert_eq!(
                    start,
                    next,
                    "chunk {i} of {chunks} over {samples} points must start where chunk {} ended",
                    i.wrapping_sub(1)
                );
                let longer = i < samples % chunks;
                assert_eq!(
                    len,
                    samples / chunks + u64::from(longer),
                    "chunk {i} of {chunks} over {samples} points: the first samples % chunks chunks hold one point more"
                );
                next = start + len;
            }
            assert_eq!(next, samples, "the {chunks} chunks must end at {samples}");
        }
    }
}

#[test]
fn map_chunks_returns_results_in_chunk_order_for_any_worker_count() {
    for workers in [1, 2, 3, 8] {
        for chunks in [1, 3, 16] {
            let got = map_chunks(chunks, workers, |i| i * i);
            let want: Vec<usize> = (0..chunks).map(|i| i * i).collect();
            assert_eq!(
                got, want,
                "{workers} workers over {chunks} chunks: result[i] must be work(i)"
            );
        }
    }
}

#[test]
fn map_chunks_runs_chunks_on_more_than_one_thread() {
    // Each chunk records its thread, then waits (for at most 3 s in all) until a
    // second thread has shown up: a parallel map gets there at once, a
    // one-thread loop never does.
    let seen = Mutex::new(HashSet::new());
    let arrived = Condvar::new();
    let deadline = Instant::now() + Duration::from_secs(3);
    map_chunks(8, 2, |_| {
        let mut threads = seen.lock().unwrap();
        threads.insert(std::thread::current().id());
        arrived.notify_all();
        while threads.len() < 2 {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            threads = arrived.wait_timeout(threads, left).unwrap().0;
        }
    });
    let threads = seen.into_inner().unwrap();
    assert!(
        threads.len() >= 2,
        "with 2 workers the chunks must run on 2 threads at once; they ran on {}",
        threads.len()
    );
}

#[test]
fn hits_do_not_depend_on_the_number_of_workers() {
    let one = pi_hits(2024, 1_000_003, 16, 1);
    for workers in [2, 3, 8] {
        assert_eq!(
            pi_hits(2024, 1_000_003, 16, workers),
            one,
            "{workers} workers must count exactly the hits of one worker"
        );
    }
}

#[test]
fn chunk_i_draws_from_stream_i() {
    // The lesson's own estimate: chunk i of runtime::rng::Chunks, stream i.
    let want = estimate_pi(&Streams::new(7), 1_000_003, 16, 1, Sampler::U32Pair).hits;
    assert_eq!(
        pi_hits(7, 1_000_003, 16, 2),
        want,
        "chunk i must draw its chunk_span length from Streams::new(seed).stream(i)"
    );
    let pi = 4.0 * want as f64 / 1_000_003.0;
    assert!((pi - std::f64::consts::PI).abs() < 4.0 * std_error(1_000_003));
}

/// Passes when its speedup is at least this share of what pure arithmetic on
/// the same threads gains in the same run (see `lab::speedcheck`). Provisional:
/// on the busy 2-core machine it was written on, even the control gained nothing
/// (the check skipped), so the reference solution's figures still need a quiet
/// run (`cargo xtask check --solutions`, 20 times) to confirm or move it.
const SPEEDUP_TO_PASS: f64 = 0.7;

#[test]
#[ignore = "speed check: timed by `cargo xtask check`, never by `cargo test`"]
fn speed_two_workers_against_one() {
    lab::speedcheck::check(
        "pi_hits over 16 chunks",
        2,
        SPEEDUP_TO_PASS,
        || {
            std::hint::black_box(pi_hits(1, 3_000_000, 16, 1));
        },
        || {
            std::hint::black_box(pi_hits(1, 3_000_000, 16, 2));
        },
    );
}
