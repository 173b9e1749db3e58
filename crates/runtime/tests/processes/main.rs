//! Behaviour tests of the runtime that start worker processes, one test
//! binary (one link) with a module per area.
//!
//! A process pool starts its workers by running this very executable again,
//! so `main` must call [`worker_guard`] before anything else — and libtest's
//! harness would own `main`. So this is a `harness = false` target (see
//! `crates/runtime/Cargo.toml`) with a small runner, `harness.rs`, that runs
//! each test on its own thread under a deadline: a hang fails the run
//! instead of blocking it. Some tests also run this executable as a child
//! with a flag of their own (a pool without the guard, a helper parent, a
//! load measured alone); `main` sends those runs where they belong.
//!
//! What the tests ask the operating system (children, threads, kills) is in
//! `sys.rs`, once per system, so the binary runs on Linux, macOS and Windows
//! (CI runs it built for Windows under Wine: `.ci/windows-tests`). `platform.rs`
//! runs the process-pool, futures and fault tests a second time on Linux with
//! `PARLAB_PORTABLE_WORKERS=1`, the path macOS takes.
//!
//! `cargo test -p runtime --test processes [-- filter]`, e.g. `-- process_pool::`.

mod futures_process;
mod harness;
mod load;
mod parallel_processes;
mod platform;
mod pool_threads;
mod process_faults;
mod process_pool;
mod sys;

use runtime::process::worker_guard;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if process_pool::child_before_guard(&args) {
        return;
    }

    // Our `if __name__ == "__main__":` — a worker never returns from here.
    worker_guard(|tasks| {
        process_pool::register(tasks);
        futures_process::register(tasks);
        parallel_processes::register(tasks);
        process_faults::register(tasks);
        load::register(tasks);
        platform::register(tasks);
    });

    if let Some(code) = load::child(&args).or_else(|| pool_threads::child(&args)) {
        std::process::exit(code);
    }
    if process_pool::child_after_guard(&args) {
        return;
    }

    // Like a command-line tool that wants to end quietly on `| head`: with the
    // default SIGPIPE action, a write to a dead worker must still not kill us.
    // (Windows has no SIGPIPE: such a write is an error there anyway.)
    // SAFETY: setting a signal disposition to its default touches no memory.
    #[cfg(unix)]
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL)
    };

    harness::run(&[
        (
            "process_pool",
            process_pool::TESTS,
            process_pool::TEST_DEADLINE,
        ),
        (
            "futures_process",
            futures_process::TESTS,
            futures_process::TEST_DEADLINE,
        ),
        (
            "parallel_processes",
            parallel_processes::TESTS,
            parallel_processes::TEST_DEADLINE,
        ),
        (
            "process_faults",
            process_faults::TESTS,
            process_faults::TEST_DEADLINE,
        ),
        (
            "pool_threads",
            pool_threads::TESTS,
            pool_threads::TEST_DEADLINE,
        ),
        ("load", load::TESTS, load::TEST_DEADLINE),
        ("platform", platform::TESTS, platform::TEST_DEADLINE),
    ]);
}
