//! Tests of the `release_for_io` exercise, run by `cargo xtask check lesson-01`.

#[cfg_attr(not(feature = "solutions"), path = "../release_for_io.rs")]
#[cfg_attr(feature = "solutions", path = "../../solutions/release_for_io.rs")]
mod exercise;
#[path = "support/rendezvous.rs"]
mod rendezvous;

use exercise::*;
use rendezvous::{PATIENCE, Rendezvous};
use runtime::gil::Interpreter;
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

/// The simulated server's answer to a request.
fn answer(request: u64) -> u64 {
    request.rotate_left(17) ^ 0x00C0_FFEE
}

/// What download `id` must return, computed one step after another on a
/// separate interpreter.
fn expected(id: u64) -> u64 {
    Interpreter::new().with_gil(|py| parse_reply(py, answer(build_request(py, id))))
}

#[test]
fn a_download_parses_the_reply_to_its_own_request() {
    let interp = Interpreter::new();
    let sent = Mutex::new(Vec::new());
    let got = interp.with_gil(|py| {
        download(py, 7, |request| {
            sent.lock().unwrap().push(request);
            answer(request)
        })
    });
    let sent = sent.into_inner().unwrap();
    let want_request = Interpreter::new().with_gil(|py| build_request(py, 7));
    assert_eq!(
        sent,
        vec![want_request],
        "download(py, 7, fetch) must call fetch exactly once, with build_request(py, 7)"
    );
    assert_eq!(
        got,
        expected(7),
        "download must return parse_reply(py, reply), where reply is what fetch returned"
    );
}

#[test]
fn another_thread_takes_the_lock_while_a_download_waits() {
    let interp = Arc::new(Interpreter::new());
    let other = Arc::clone(&interp);
    let got = interp.with_gil(|py| {
        download(py, 3, move |request| {
            // The "network" is slow: meanwhile another thread of this interpreter
            // wants to run a step. It can only if the lock was released.
            let (done, took_it) = mpsc::channel();
            std::thread::spawn(move || {
                let step = other.with_gil(|py| py.step(|| 1));
                let _ = done.send(step);
            });
            match took_it.recv_timeout(PATIENCE) {
                Ok(_) => answer(request),
                Err(_) => 0,
            }
        })
    });
    assert_ne!(
        got, 0,
        "while fetch waited, another thread could not take the lock (it waited {PATIENCE:?}): \
         download must call fetch inside py.allow_threads(..), which releases the lock"
    );
    assert_eq!(
        got,
        expected(3),
        "download must return parse_reply(py, reply) for the reply fetch returned"
    );
}

#[test]
fn four_downloads_on_four_threads_wait_for_their_replies_at_the_same_time() {
    let interp = Interpreter::new();
    let meeting = Rendezvous::new(4);
    let fetch = |request: u64| {
        meeting.arrive();
        answer(request)
    };
    let got = download_all(&interp, 4, 4, &fetch);
    assert_eq!(
        meeting.most_at_once(),
        4,
        "all 4 downloads must be waiting for their replies at the same moment, but at most {} \
         were: a thread that waits with the lock held keeps the others from even building their \
         requests. Release the lock around fetch, and run the downloads on `workers` threads",
        meeting.most_at_once()
    );
    assert_eq!(
        got,
        (0..4).map(expected).collect::<Vec<_>>(),
        "download_all(interp, 4, 4, fetch) must return downloads 0, 1, 2, 3 in id order"
    );
    assert!(
        interp.stats().switches >= 4,
        "each of the 4 threads must take interp's lock (with_gil on the interpreter passed in); \
         it changed hands only {} times",
        interp.stats().switches
    );
}

#[test]
fn downloads_come_back_in_id_order_for_any_worker_count() {
    // A network that takes a millisecond per request (results are checked, not times).
    let fetch = |request: u64| {
        std::thread::sleep(Duration::from_millis(1));
        answer(request)
    };
    for (n, workers) in [(10, 1), (10, 2), (10, 3), (10, 4), (3, 5), (0, 2)] {
        let interp = Interpreter::new();
        assert_eq!(
            download_all(&interp, n, workers, &fetch),
            (0..n).map(expected).collect::<Vec<_>>(),
            "download_all with n = {n}, workers = {workers} must return downloads 0..{n} in id order"
        );
    }
}
