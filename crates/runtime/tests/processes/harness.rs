//! A small test runner for the `processes` test binary: its `main` must call
//! `runtime::process::worker_guard` first, so libtest cannot own it. Each test
//! runs on its own thread under its module's deadline; a test that hangs stops
//! the run with a clear message instead of hanging CI. Output follows
//! libtest's (`test name ... ok`, `test result: ...`), and `--list` lists the
//! tests as libtest does.

use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// A test: its name and its body.
pub type Test = (&'static str, fn());

/// A module's tests: its name (a prefix of each test's full name, as libtest
/// writes `module::test`), its tests, and how long one may take.
pub type Group = (&'static str, &'static [Test], Duration);

/// Fails the test with `outcome`'s message, for tests that say why they fail
/// with an `Err`.
pub fn check(outcome: Result<(), String>) {
    if let Err(why) = outcome {
        panic!("{why}");
    }
}

/// Runs the tests whose full names (`module::test`) contain one of the
/// command-line filters (all of them without filters), each within its
/// group's deadline; exits 1 if any failed or hung. `--ignored` runs nothing
/// (no test here is ignored), `--list` lists.
pub fn run(groups: &[Group]) {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let all = groups.iter().flat_map(|&(module, tests, deadline)| {
        tests
            .iter()
            .map(move |&(name, test)| (format!("{module}::{name}"), test, deadline))
    });
    if args.iter().any(|a| a == "--list") {
        for (name, _, _) in all {
            println!("{name}: test");
        }
        return;
    }
    let ignored_only = args.iter().any(|a| a == "--ignored");
    let selected: Vec<(String, fn(), Duration)> = all
        .filter(|_| !ignored_only)
        .filter(|(name, _, _)| {
            filters.is_empty() || filters.iter().any(|f| name.contains(f.as_str()))
        })
        .collect();
    println!("\nrunning {} tests", selected.len());
    let started = Instant::now();
    let mut failed = Vec::new();
    for (name, test, deadline) in &selected {
        let (name, test, deadline) = (name.as_str(), *test, *deadline);
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
