//! Behaviour of `runtime::rng` that the Monte Carlo and BER lessons rely on.

use std::collections::HashSet;

use rand::{Rng, RngExt, SeedableRng};
use runtime::rng::{Chunk, Chunks, Streams, Xoshiro256PlusPlus};

fn first_u64s(mut rng: Xoshiro256PlusPlus, n: usize) -> Vec<u64> {
    (0..n).map(|_| rng.next_u64()).collect()
}

/// Sum of the uniforms a chunk draws: a floating-point result whose bits depend
/// on both the numbers drawn and the order of the additions.
fn chunk_sum(mut chunk: Chunk) -> f64 {
    (0..chunk.len).map(|_| chunk.rng.random::<f64>()).sum()
}

#[test]
fn same_seed_gives_the_same_streams_every_time() {
    let a = Streams::new(7);
    let b = Streams::new(7);
    for i in [0, 1, 2, 63, 1_000_000, u64::MAX] {
        assert_eq!(first_u64s(a.stream(i), 100), first_u64s(b.stream(i), 100));
        assert_eq!(
            a.stream(i),
            a.stream(i),
            "stream({i}) changed between calls"
        );
    }
    assert_eq!(a.child(3).stream(5), b.child(3).stream(5));
    assert_eq!(a.spawn(10), b.spawn(10));
}

#[test]
fn stream_zero_is_the_plainly_seeded_generator() {
    assert_eq!(
        Streams::new(99).stream(0),
        Xoshiro256PlusPlus::seed_from_u64(99)
    );
}

#[test]
fn stream_i_is_i_jumps_from_stream_zero() {
    let streams = Streams::new(1);
    let mut rng = streams.stream(0);
    for i in 0..40 {
        assert_eq!(streams.stream(i), rng, "stream({i}) is not {i} jumps");
        rng.jump();
    }
}

#[test]
fn stream_i_matches_rand_xoshiro_jump_ce_for_large_i() {
    // jump_ce computes the jump polynomial from scratch (slow but independent
    // of our precomputed table), so it checks every table entry we use here.
    let streams = Streams::new(5);
    for i in [1_000_u64, 0xdead_beef, 1 << 40, u64::MAX] {
        let mut expected = streams.stream(0);
        expected.jump_ce(i, 128);
        assert_eq!(streams.stream(i), expected, "stream({i})");
    }
}

#[test]
fn child_families_sit_at_long_jump_offsets() {
    let root = Streams::new(11);
    let mut expected = root.stream(0);
    expected.long_jump();
    assert_eq!(
        root.child(0).stream(0),
        expected,
        "child(0) is one long_jump"
    );
    for k in [1_u64, 1 << 33, u64::MAX - 2] {
        let mut expected = root.stream(0);
        expected.jump_ce(k + 1, 192);
        assert_eq!(root.child(k).stream(0), expected, "child({k})");
    }
    let mut expected = root.child(4).stream(0);
    expected.jump();
    expected.jump();
    assert_eq!(root.child(4).stream(2), expected, "streams within a child");
}

#[test]
fn spawn_equals_stream_by_index() {
    let streams = Streams::new(3).child(2);
    let spawned = streams.spawn(25);
    assert_eq!(spawned.len(), 25);
    for (i, rng) in spawned.into_iter().enumerate() {
        assert_eq!(rng, streams.stream(i as u64));
    }
    assert!(streams.spawn(0).is_empty());
}

#[test]
fn distinct_streams_and_families_differ() {
    let root = Streams::new(42);
    let heads: Vec<Vec<u64>> = [
        root.stream(0),
        root.stream(1),
        root.stream(2),
        root.child(0).stream(0),
        root.child(0).stream(1),
        root.child(1).stream(0),
        Streams::new(43).stream(0),
    ]
    .into_iter()
    .map(|rng| first_u64s(rng, 4))
    .collect();
    for (a, head_a) in heads.iter().enumerate() {
        for (b, head_b) in heads.iter().enumerate().skip(a + 1) {
            assert_ne!(head_a, head_b, "streams {a} and {b} start alike");
        }
    }
}

#[test]
fn neighbouring_streams_share_no_value_in_their_first_million_draws() {
    // A practical check of the guarantee: streams sit 2^128 steps apart, so
    // their first 10^6 outputs are disjoint stretches of one sequence. A shared
    // 64-bit value by chance among 5·10^6 draws has probability about 7·10^-7.
    let root = Streams::new(2024);
    let n = 1_000_000;
    let mut seen = HashSet::with_capacity(5 * n);
    for rng in [
        root.stream(0),
        root.stream(1),
        root.stream(2),
        root.child(0).stream(0),
        root.child(1).stream(0),
    ] {
        for value in first_u64s(rng, n) {
            assert!(seen.insert(value), "value {value:#x} drawn twice");
        }
    }
}

#[test]
fn chunks_cover_all_samples_exactly_once() {
    let streams = Streams::new(0);
    for total in [0, 1, 7, 100, 1_000_001] {
        for count in [1, 2, 3, 7, 64] {
            let chunks = streams.chunks(total, count);
            assert_eq!(chunks.len(), count);
            let mut next = 0;
            for (i, chunk) in chunks.iter().enumerate() {
                assert_eq!(chunk.index, i);
                assert_eq!(chunk.start, next, "chunk {i} of {count} for {total}");
                assert!(chunk.len.abs_diff(total / count as u64) <= 1);
                assert_eq!(chunk, chunks.get(i));
                next += chunk.len;
            }
            assert_eq!(next, total);
        }
    }
}

#[test]
fn chunk_results_do_not_depend_on_the_number_of_workers() {
    let chunks = Chunks::new(&Streams::new(2024), 2_000_003, 16);
    let serial: Vec<f64> = chunks.iter().map(chunk_sum).collect();
    let serial_total: f64 = serial.iter().sum();
    for workers in [1, 2, 3, 7, 64] {
        let parallel = chunks.map(workers, chunk_sum);
        let total: f64 = parallel.iter().sum();
        assert_eq!(
            total.to_bits(),
            serial_total.to_bits(),
            "the sum with {workers} workers differs from the serial sum"
        );
        for (i, (p, s)) in parallel.iter().zip(&serial).enumerate() {
            assert_eq!(p.to_bits(), s.to_bits(), "chunk {i} with {workers} workers");
        }
    }
}

#[test]
fn chunks_run_by_hand_on_scoped_threads_give_the_same_sum() {
    // Without `Chunks::map`: workers take chunks round-robin on plain scoped
    // threads, and the per-chunk results are combined in chunk order.
    let chunks = Streams::new(7).child(3).chunks(1_000_000, 21);
    let run = |workers: usize| -> f64 {
        let mut per_chunk = vec![0.0; chunks.len()];
        let results: Vec<Vec<(usize, f64)>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..workers)
                .map(|w| {
                    let chunks = &chunks;
                    scope.spawn(move || {
                        (w..chunks.len())
                            .step_by(workers)
                            .map(|i| (i, chunk_sum(chunks.get(i))))
                            .collect()
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("worker panicked"))
                .collect()
        });
        for (i, sum) in results.into_iter().flatten() {
            per_chunk[i] = sum;
        }
        per_chunk.iter().sum()
    };
    let one = run(1);
    for workers in [2, 3, 7] {
        assert_eq!(run(workers).to_bits(), one.to_bits(), "{workers} workers");
    }
}

#[test]
fn more_workers_than_chunks_is_fine() {
    let chunks = Streams::new(1).chunks(10, 3);
    let lens = chunks.map(8, |chunk| chunk.len);
    assert_eq!(lens, vec![4, 3, 3]);
}

#[test]
fn mean_of_a_million_uniforms_is_within_five_standard_errors_of_one_half() {
    let n = 1_000_000;
    let mut rng = Streams::new(123).stream(9);
    let mean = (0..n).map(|_| rng.random::<f64>()).sum::<f64>() / n as f64;
    let standard_error = (1.0 / 12.0 / n as f64).sqrt();
    assert!(
        (mean - 0.5).abs() < 5.0 * standard_error,
        "mean {mean} is {:.1} standard errors from 0.5",
        (mean - 0.5).abs() / standard_error
    );
}

#[test]
#[should_panic(expected = "already a child")]
fn a_child_of_a_child_is_refused() {
    let _ = Streams::new(1).child(0).child(0);
}

#[test]
#[should_panic(expected = "at least 1")]
fn zero_chunks_is_refused() {
    let _ = Streams::new(1).chunks(100, 0);
}

#[test]
#[should_panic(expected = "boom in chunk 2")]
fn a_panicking_chunk_reaches_the_caller() {
    let chunks = Streams::new(1).chunks(100, 4);
    chunks.map(2, |chunk| {
        if chunk.index == 2 {
            panic!("boom in chunk 2");
        }
        chunk.len
    });
}
