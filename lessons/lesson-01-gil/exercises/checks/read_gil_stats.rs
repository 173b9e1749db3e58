//! Tests of the `read_gil_stats` exercise, run by `cargo xtask check lesson-01`.

#[cfg_attr(not(feature = "solutions"), path = "../read_gil_stats.rs")]
#[cfg_attr(feature = "solutions", path = "../../solutions/read_gil_stats.rs")]
mod exercise;

use exercise::*;
use runtime::gil::{Config, GilStats, Interpreter, MIN_SWITCH_INTERVAL};
use std::time::Duration;

/// Counters of an imagined run: 4 threads, 10 releases for I/O, 6 forced switches.
const RUN: GilStats = GilStats {
    acquisitions: 20,
    switches: 8,
    drop_requests: 7,
    forced_switches: 6,
    wait_ns: 3_000_000_000,
};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn io_releases_are_the_acquisitions_left_after_attaching_and_forced_switches() {
    assert_eq!(
        io_releases(&RUN, 4),
        10,
        "20 acquisitions − 4 with_gil calls − 6 forced switches = 10 releases for I/O"
    );
    assert_eq!(
        io_releases(&GilStats::default(), 0),
        0,
        "a run that never took the lock released it 0 times"
    );
    let odd = GilStats {
        acquisitions: 3,
        ..GilStats::default()
    };
    assert_eq!(
        io_releases(&odd, 4),
        0,
        "3 acquisitions but 4 with_gil calls do not add up: the answer is 0, not an underflow"
    );
}

#[test]
fn forced_share_is_forced_switches_over_switches() {
    let share = forced_share(&RUN);
    assert!(
        close(share, 0.75),
        "6 forced switches out of 8 switches is a share of 0.75, got {share}"
    );
    let share = forced_share(&GilStats::default());
    assert!(
        close(share, 0.0),
        "a lock that never changed hands has a forced share of 0, got {share}"
    );
}

#[test]
fn mean_waiting_threads_is_waiting_time_over_wall_time() {
    let waiting = mean_waiting_threads(&RUN, Duration::from_millis(1_500));
    assert!(
        close(waiting, 2.0),
        "3 s of waiting in all during a 1.5 s run is 2 threads waiting on average, got {waiting}"
    );
    let waiting = mean_waiting_threads(&RUN, Duration::ZERO);
    assert!(
        close(waiting, 0.0),
        "a run that took no time has 0 threads waiting, got {waiting}"
    );
}

/// Runs `threads` threads on `interp`; each runs `rounds` rounds of 300
/// interpreted steps followed by one `allow_threads`, calling `with_gil` once
/// (`attach_per_round = false`) or once per round. Returns the `with_gil` calls.
fn real_run(interp: &Interpreter, threads: u64, rounds: u64, attach_per_round: bool) -> u64 {
    let round = |py: runtime::gil::Python<'_>, seed: u64| {
        let mut x = seed;
        for _ in 0..300 {
            x = py.step(|| x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1));
        }
        py.allow_threads(|| (0..1_000).fold(x, |a, i: u64| a.rotate_left(5) ^ i))
    };
    std::thread::scope(|s| {
        for t in 0..threads {
            s.spawn(move || {
                if attach_per_round {
                    for r in 0..rounds {
                        interp.with_gil(|py| round(py, t * rounds + r));
                    }
                } else {
                    interp.with_gil(|py| {
                        for r in 0..rounds {
                            round(py, t * rounds + r);
                        }
                    });
                }
            });
        }
    });
    if attach_per_round {
        threads * rounds
    } else {
        threads
    }
}

#[test]
fn io_releases_of_a_real_run_count_every_allow_threads() {
    for attach_per_round in [false, true] {
        // The shortest switch interval, so that forced switches happen too.
        let interp = Interpreter::with_config(Config {
            switch_interval: MIN_SWITCH_INTERVAL,
            ..Config::default()
        });
        let calls = real_run(&interp, 3, 25, attach_per_round);
        let stats = interp.stats();
        assert_eq!(
            io_releases(&stats, calls),
            75,
            "3 threads × 25 allow_threads each = 75 releases for I/O, whatever the scheduling \
             ({calls} with_gil calls; counters {stats:?})"
        );
        let share = forced_share(&stats);
        assert!(
            (0.0..=1.0).contains(&share),
            "a share is between 0 and 1, got {share} from {stats:?}"
        );
    }
}
