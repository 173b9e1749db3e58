//! What differs by system, tested where it can be: which path a pool's
//! workers take, the portable path (what macOS and the other Unix systems
//! run) exercised on Linux, and the Windows job object.
//!
//! On Linux the portable path is selected with `PARLAB_PORTABLE_WORKERS=1`
//! ([`PORTABLE_WORKERS_ENV`]). The test here runs this executable again with
//! it set, for the process-pool, futures and fault tests: the same tests,
//! including a worker killed 100 times under load and a parent killed with
//! its workers busy, on the path that dies with its parent by a watcher
//! thread instead of the kernel's signal.
//!
//! `cargo test -p runtime --test processes -- platform`.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use runtime::process::{PORTABLE_WORKERS_ENV, ProcessPool, Registry, Task};

use crate::harness::Test;

/// The worker's own command line, as it sees it.
fn worker_args(_: ()) -> Vec<String> {
    std::env::args().collect()
}

static WORKER_ARGS: Task<(), Vec<String>> = Task::new("platform::worker_args", worker_args);

/// Whether this run selected the portable path.
fn portable_selected() -> bool {
    std::env::var_os(PORTABLE_WORKERS_ENV).is_some_and(|v| !v.is_empty() && v != "0")
}

fn workers_take_the_path_of_this_system_or_the_one_selected() {
    let expected = if cfg!(windows) {
        "windows"
    } else if cfg!(target_os = "linux") && !portable_selected() {
        "linux"
    } else {
        "portable"
    };
    let pool = ProcessPool::new(1).expect("start a pool");
    let args = pool.apply(&WORKER_ARGS, ()).expect("the worker answers");
    assert_eq!(
        args.get(1).map(String::as_str),
        Some("--parlab-process-worker"),
        "{args:?}"
    );
    assert_eq!(
        args.get(2),
        Some(&std::process::id().to_string()),
        "the worker knows its parent: {args:?}"
    );
    assert_eq!(
        args.get(3).map(String::as_str),
        Some(expected),
        "the worker's path, with {PORTABLE_WORKERS_ENV}={:?}: {args:?}",
        std::env::var_os(PORTABLE_WORKERS_ENV)
    );
}

/// The test modules run again on the portable path.
const PORTABLE_RUN: [&str; 4] = [
    "process_pool::",
    "futures_process::",
    "process_faults::",
    "platform::workers_take",
];

fn the_portable_path_passes_the_process_tests_on_linux_too() {
    if !cfg!(target_os = "linux") {
        println!("    (only Linux has a second path: here every test runs this system's own)");
        return;
    }
    if portable_selected() {
        println!("    (this whole run is on the portable path already)");
        return;
    }
    let exe = std::env::current_exe().expect("the test executable");
    let mut child = Command::new(exe)
        .env(PORTABLE_WORKERS_ENV, "1")
        // A quarter of the fault test's kills: the first pass made 100, and the
        // two paths differ in how a worker notices its parent's end, not in
        // how the parent notices a killed worker.
        .env(crate::process_faults::RUNS_ENV, "25")
        .args(PORTABLE_RUN)
        .stdout(Stdio::piped())
        .spawn()
        .expect("run the tests again on the portable path");
    let stdout = child.stdout.take().expect("the child's output");
    let mut summary = String::new();
    for line in BufReader::new(stdout).lines().map_while(Result::ok) {
        if line.trim().is_empty() {
            continue;
        }
        println!("    portable | {line}");
        if line.starts_with("test result:") {
            summary = line;
        }
    }
    let status = child.wait().expect("the child ends");
    assert!(
        status.success(),
        "on the portable path ({PORTABLE_WORKERS_ENV}=1) the tests failed: {status}; {summary}"
    );
    assert!(
        summary.contains(" 0 failed"),
        "the portable run said: {summary:?}"
    );
}

/// On Windows, every worker is in a job object (the one that kills them all
/// when the parent ends; `process_pool::workers_exit_when_the_parent_is_killed`
/// tests that they do).
fn on_windows_every_worker_is_in_a_job() {
    #[cfg(windows)]
    {
        use std::os::windows::io::{FromRawHandle, OwnedHandle};
        use windows_sys::Win32::System::JobObjects::IsProcessInJob;
        use windows_sys::Win32::System::Threading::{OpenProcess, PROCESS_QUERY_INFORMATION};

        let pool = ProcessPool::new(2).expect("start a pool");
        for pid in pool.worker_pids() {
            // Windows accepts PROCESS_QUERY_LIMITED_INFORMATION for
            // IsProcessInJob too; Wine 8 wants this one.
            // SAFETY: plain values in; a null handle is a failure.
            let raw = unsafe { OpenProcess(PROCESS_QUERY_INFORMATION, 0, pid) };
            assert!(!raw.is_null(), "cannot open worker {pid}");
            // SAFETY: a fresh handle nothing else owns.
            let process = unsafe { OwnedHandle::from_raw_handle(raw) };
            let mut in_job = 0;
            // SAFETY: a handle we own, a null job ("any job"), an out-pointer to a local.
            let ok = unsafe {
                use std::os::windows::io::AsRawHandle;
                IsProcessInJob(process.as_raw_handle(), std::ptr::null_mut(), &mut in_job)
            };
            assert_ne!(
                ok,
                0,
                "IsProcessInJob({pid}) failed: {}",
                std::io::Error::last_os_error()
            );
            assert_ne!(in_job, 0, "worker {pid} is in no job object");
        }
    }
    #[cfg(not(windows))]
    println!("    (job objects are Windows's)");
}

pub(crate) const TESTS: &[Test] = &[
    (
        "workers_take_the_path_of_this_system_or_the_one_selected",
        workers_take_the_path_of_this_system_or_the_one_selected,
    ),
    (
        "on_windows_every_worker_is_in_a_job",
        on_windows_every_worker_is_in_a_job,
    ),
    (
        "the_portable_path_passes_the_process_tests_on_linux_too",
        the_portable_path_passes_the_process_tests_on_linux_too,
    ),
];

/// The portable run repeats the process-pool, futures and fault tests
/// (about 30 s on the course's VM).
pub(crate) const TEST_DEADLINE: Duration = Duration::from_secs(600);

/// Registers this module's tasks (in the worker processes too).
pub(crate) fn register(tasks: &mut Registry) {
    tasks.register(&WORKER_ARGS);
}
