//! Tests of the `imap_unordered_channels` exercise, run by `cargo xtask check lesson-02`.

#[cfg_attr(not(feature = "solutions"), path = "../imap_unordered_channels.rs")]
#[cfg_attr(
    feature = "solutions",
    path = "../../solutions/imap_unordered_channels.rs"
)]
mod exercise;

use exercise::imap_unordered;
use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};

/// Longest any result may take; a correct solution needs milliseconds.
const WAIT: Duration = Duration::from_secs(10);

fn collect<R>(rx: &mpsc::Receiver<(usize, R)>, n: usize) -> Vec<(usize, R)> {
    (0..n)
        .map(|k| {
            rx.recv_timeout(WAIT).unwrap_or_else(|_| {
                panic!("result {k} of {n} did not arrive within {WAIT:?}: does every item get sent back?")
            })
        })
        .collect()
}

#[test]
fn every_item_comes_back_once_with_its_index() {
    for workers in [1, 2, 3] {
        let rx = imap_unordered(|x: u64| x * x, (0..100).collect(), workers);
        let mut got = collect(&rx, 100);
        got.sort_unstable();
        let expected: Vec<(usize, u64)> = (0..100).map(|i| (i as usize, i * i)).collect();
        assert_eq!(
            got, expected,
            "with {workers} workers, each item must come back once as (its index, f(item))"
        );
        assert!(
            matches!(
                rx.recv_timeout(WAIT),
                Err(mpsc::RecvTimeoutError::Disconnected)
            ),
            "with {workers} workers, the receiver must end once every result is sent (drop every sender)"
        );
    }
}

#[test]
fn results_come_in_completion_order_and_the_call_returns_before_the_work_is_done() {
    // Item 0 waits until the test has received some other result (or 10 s).
    let (open, gate) = mpsc::channel::<()>();
    let gate = Arc::new(Mutex::new(gate));
    let opened_in_time = Arc::new(AtomicUsize::new(0));
    let seen = opened_in_time.clone();
    let f = move |x: u64| {
        if x == 0 {
            let gate = gate.lock().unwrap();
            if gate.recv_timeout(WAIT).is_ok() {
                seen.store(1, Ordering::SeqCst);
            }
        }
        x
    };
    let rx = imap_unordered(f, vec![0, 1, 2, 3], 2);
    let (first, _) = rx
        .recv_timeout(2 * WAIT)
        .expect("a first result must arrive");
    let _ = open.send(());
    let rest = collect(&rx, 3);
    assert_eq!(
        opened_in_time.load(Ordering::SeqCst),
        1,
        "item 0 waited for the caller to receive another result, which never came: \
         imap_unordered must return its receiver at once and send each result as soon as it is done"
    );
    assert_ne!(
        first, 0,
        "item 0 was still running when the first result came: results must come in completion order, not input order"
    );
    let mut all: Vec<usize> = rest.iter().map(|r| r.0).chain([first]).collect();
    all.sort_unstable();
    assert_eq!(all, [0, 1, 2, 3], "every item must come back");
}

#[test]
fn items_run_on_the_workers_at_the_same_time_never_on_the_caller() {
    let caller = thread::current().id();
    // The first two items each wait (up to 10 s) until both have started:
    // only two threads running at once get past this together.
    let started = Arc::new(AtomicUsize::new(0));
    let f = move |x: u64| {
        if x < 2 {
            started.fetch_add(1, Ordering::SeqCst);
            let deadline = Instant::now() + WAIT;
            while started.load(Ordering::SeqCst) < 2 && Instant::now() < deadline {
                thread::sleep(Duration::from_millis(1));
            }
        }
        (thread::current().id(), started.load(Ordering::SeqCst) >= 2)
    };
    let rx = imap_unordered(f, (0..20).collect(), 2);
    let got = collect(&rx, 20);
    let threads: HashSet<_> = got.iter().map(|(_, (id, _))| *id).collect();
    assert!(
        !threads.contains(&caller),
        "the calling thread must not run items: it returns the receiver at once"
    );
    assert!(
        threads.len() <= 2,
        "2 workers must mean at most 2 threads, found {}",
        threads.len()
    );
    let met = got.iter().filter(|(i, (_, met))| *i < 2 && *met).count();
    assert_eq!(
        met, 2,
        "items 0 and 1 never ran at the same time: 2 workers must take items in parallel"
    );
}

/// A stress run: many short rounds whose items yield a varying number of times,
/// so the workers take items and send results in ever different interleavings.
/// Each round, every item must come back exactly once and the receiver must end:
/// an item taken twice or lost, or a sender kept alive, shows up here sooner or
/// later.
#[test]
fn a_stress_run_returns_every_item_once_whatever_the_interleaving() {
    for round in 0..100_u64 {
        let workers = 1 + (round % 4) as usize;
        let f = move |x: u64| {
            for _ in 0..(x * 7 + round * 13) % 5 {
                thread::yield_now();
            }
            x + round
        };
        let rx = imap_unordered(f, (0..40).collect(), workers);
        let mut got = collect(&rx, 40);
        got.sort_unstable();
        let expected: Vec<(usize, u64)> = (0..40).map(|i| (i as usize, i + round)).collect();
        assert_eq!(got, expected, "round {round}, {workers} workers");
        assert!(
            matches!(
                rx.recv_timeout(WAIT),
                Err(mpsc::RecvTimeoutError::Disconnected)
            ),
            "round {round}: the receiver must end once every result is sent"
        );
    }
}
