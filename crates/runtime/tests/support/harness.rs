//! A small test runner for the `harness = false` targets that start worker
//! processes: their `main` must call `runtime::process::worker_guard` first, so
//! libtest cannot own it. Each test runs on its own thread under a deadline; a
//! test that hangs stops the run with a clear message instead of hanging CI.
//! Output follows libtest's (`test name ... ok`, `test result: ...`).

use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// A test: its name and its body.
pub type Test = (&'static str, fn());

/// Runs the `tests` whose names contain one of the command-line filters (all of
/// them without filters), each within `deadline`; exits 1 if any failed or hung.
pub fn run(tests: &[Test], deadline: Duration) {
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let selected: Vec<&Test> = tests
        .iter()
        .filter(|(name, _)| filters.is_empty() || filters.iter().any(|f| name.contains(f.as_str())))
        .collect();
    println!("\nrunning {} tests", selected.len());
    let started = Instant::now();
    let mut failed = Vec::new();
    for &&(name, test) in &selected {
        let (tx, rx) = mpsc::channel();
        let t0 = Instant::now();
        let handle = thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                let outcome = std::panic::catch_unwind(test);
                let _ = tx.send(outcome.is_ok());
            })
            .expect("start a test thread");
        match rx.recv_timeout(deadline) {
            Ok(true) => println!("test {name} ... ok ({:.2?})", t0.elapsed()),
            Ok(false) => {
                println!("test {name} ... FAILED");
                failed.push(name);
            }
            Err(_) => {
                println!("test {name} ... HUNG (no result after {deadline:?}); stopping");
                std::process::exit(1);
            }
        }
        let _ = handle.join();
    }
    println!(
        "\ntest result: {}. {} passed; {} failed; finished in {:.2?}\n",
        if failed.is_empty() { "ok" } else { "FAILED" },
        selected.len() - failed.len(),
        failed.len(),
        started.elapsed()
    );
    if !failed.is_empty() {
        std::process::exit(1);
    }
}
