//! Load tests: many trivial tasks through each pool and executor with bounded
//! memory, and many pools created and dropped with nothing left behind.
//!
//! - **Tasks**: 10⁶ trivial tasks through `ThreadPool::map` (chunksize 1),
//!   `ThreadPool::imap` (chunksize 1), `ThreadPool::apply_async` (a window of
//!   1,024 in flight), `ThreadExecutor::submit` + `as_completed` (batches of
//!   10,000), `ProcessExecutor::submit` + `as_completed` (the same), and
//!   `ProcessPool::map` (chunksize 1 and automatic chunks). Each
//!   load runs alone in a child process (this executable again), which reports
//!   its peak resident memory (`VmHWM`) and, for the process pool, its
//!   workers'. The test asserts a peak under [`PEAK_BOUND_MB`] — generous
//!   (the measured peaks are 3–40 MB), yet a leak of 256 bytes per task would
//!   break it — and prints the figures.
//! - **Create/drop**: 1,000 thread pools (and 1,000 thread executors) created,
//!   used once and dropped, then [`PROCESS_POOL_CYCLES`] process pools, each in
//!   a child process; afterwards the child has exactly the threads it had
//!   before (`/proc/self/task`), and no child process of its own, zombies
//!   included.
//!
//! A module of the `processes` test binary: the process pool starts its
//! workers by running this executable again, so `main` calls `worker_guard`
//! first, and so do the loads' child processes (`--load-child`,
//! `--cycles-child`). `cargo test -p runtime --test processes -- load`.

use std::collections::VecDeque;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use runtime::futures::{ProcessExecutor, ThreadExecutor, as_completed};
use runtime::pool::ThreadPool;
use runtime::process::{ProcessPool, Registry, Task};

use crate::harness::{Test, check};
use crate::sys::{children, eventually, peak_kb, threads_in_this_process};

// ---- tasks -------------------------------------------------------------------

fn plus_one(x: u64) -> u64 {
    x + 1
}

static PLUS_ONE: Task<u64, u64> = Task::new("load::plus_one", plus_one);

// ---- the figures -------------------------------------------------------------

/// Tasks per load.
const TASKS: u64 = 1_000_000;
/// The peak resident memory a load may reach, in MB, in the parent and in each
/// worker process.
const PEAK_BOUND_MB: u64 = 256;
/// Process pools created and dropped: each start is a `posix_spawn` and a
/// handshake per worker, 3–8 ms on the course's VM, so 1,000 pools take 5–10 s.
const PROCESS_POOL_CYCLES: usize = 1_000;
/// Thread pools (and thread executors) created and dropped.
const THREAD_POOL_CYCLES: usize = 1_000;
/// The longest a child may run before the test calls it hung.
const CHILD_DEADLINE: Duration = Duration::from_secs(60);

/// The sum of `x + 1` over `0..n`: what every load must add up to.
fn expected_sum(n: u64) -> u64 {
    n * (n + 1) / 2
}

// ---- the loads, run in a child process ----------------------------------------

/// Runs one load with `n` tasks in this (child) process; returns the sum of the
/// results and the peak memory of the workers (0 without worker processes).
fn run_load(name: &str, n: u64) -> Result<(u64, u64), String> {
    let sum = match name {
        "baseline" => (
            // Starts and stops a pool, to count what the machinery itself costs.
            ThreadPool::new(2)
                .expect("start the pool")
                .apply(move || expected_sum(n))
                .map_err(|e| e.to_string())?,
            0,
        ),
        "thread_map" => {
            let pool = ThreadPool::new(2).expect("start the pool");
            let results = pool.map(plus_one, 0..n, 1).map_err(|e| e.to_string())?;
            (results.iter().sum(), 0)
        }
        "thread_imap" => {
            let pool = ThreadPool::new(2).expect("start the pool");
            let mut sum = 0;
            for result in pool.imap(plus_one, 0..n, 1) {
                sum += result.map_err(|e| e.to_string())?;
            }
            (sum, 0)
        }
        "thread_apply_async" => {
            let pool = ThreadPool::new(2).expect("start the pool");
            let mut in_flight = VecDeque::with_capacity(1_024);
            let mut sum = 0;
            for x in 0..n {
                if in_flight.len() == 1_024 {
                    let oldest: runtime::pool::AsyncResult<u64> =
                        in_flight.pop_front().ok_or("1,024 in flight")?;
                    sum += oldest.get().map_err(|e| e.to_string())?;
                }
                in_flight.push_back(pool.apply_async(move || plus_one(x)));
            }
            for rest in in_flight {
                sum += rest.get().map_err(|e| e.to_string())?;
            }
            (sum, 0)
        }
        "executor_as_completed" => {
            let executor = ThreadExecutor::new(2).expect("start the executor");
            let mut sum = 0;
            let mut next = 0;
            while next < n {
                let batch: Vec<_> = (next..n.min(next + 10_000))
                    .map(|x| executor.submit(move || plus_one(x)))
                    .collect();
                next += batch.len() as u64;
                for future in as_completed(batch, None) {
                    let future = future.map_err(|e| e.to_string())?;
                    sum += future.into_result().map_err(|e| e.to_string())?;
                }
            }
            (sum, 0)
        }
        "process_executor_as_completed" => {
            let executor = ProcessExecutor::new(2).map_err(|e| e.to_string())?;
            let mut sum = 0;
            let mut next = 0;
            while next < n {
                let batch: Vec<_> = (next..n.min(next + 10_000))
                    .map(|x| executor.submit(&PLUS_ONE, x))
                    .collect();
                next += batch.len() as u64;
                for future in as_completed(batch, None) {
                    let future = future.map_err(|e| e.to_string())?;
                    sum += future.into_result().map_err(|e| e.to_string())?;
                }
            }
            let workers_peak = workers_peak_kb(executor.pool());
            (sum, workers_peak)
        }
        "process_map" | "process_map_chunked" => {
            let pool = ProcessPool::new(2).map_err(|e| e.to_string())?;
            let chunksize = if name == "process_map" { Some(1) } else { None };
            let results = pool
                .map(&PLUS_ONE, 0..n, chunksize)
                .map_err(|e| e.to_string())?;
            (results.iter().sum(), workers_peak_kb(&pool))
        }
        other => return Err(format!("no load named {other}")),
    };
    Ok(sum)
}

/// The largest peak resident memory of `pool`'s workers, in kB (0 where the
/// system does not say).
fn workers_peak_kb(pool: &ProcessPool) -> u64 {
    pool.worker_pids()
        .iter()
        .filter_map(|&pid| peak_kb(pid))
        .max()
        .unwrap_or(0)
}

/// Creates, uses and drops `cycles` pools of the named kind in this (child)
/// process, then checks that its threads and child processes are as before.
fn run_cycles(name: &str, cycles: usize) -> Result<String, String> {
    // What lives for good once the first pool of a kind exists (the process
    // pool's spawner thread) is started before counting.
    drop(ProcessPool::new(1).map_err(|e| e.to_string())?);
    let threads_before = threads_in_this_process();
    let started = Instant::now();
    for cycle in 0..cycles as u64 {
        let answer = match name {
            "thread_pools" => ThreadPool::new(2)
                .expect("start the pool")
                .apply(move || plus_one(cycle))
                .map_err(|e| e.to_string())?,
            "thread_executors" => ThreadExecutor::new(2)
                .expect("start the executor")
                .submit(move || plus_one(cycle))
                .into_result()
                .map_err(|e| e.to_string())?,
            "process_pools" => ProcessPool::new(2)
                .map_err(|e| format!("cycle {cycle}: {e}"))?
                .apply(&PLUS_ONE, cycle)
                .map_err(|e| e.to_string())?,
            other => return Err(format!("no pool kind named {other}")),
        };
        if answer != cycle + 1 {
            return Err(format!("cycle {cycle}: got {answer}"));
        }
    }
    let elapsed = started.elapsed();
    if !eventually(|| children().is_empty()) {
        return Err(format!("child processes left behind: {:?}", children()));
    }
    if !eventually(|| threads_in_this_process() == threads_before) {
        return Err(format!(
            "{:?} threads after {cycles} cycles, {threads_before:?} before",
            threads_in_this_process()
        ));
    }
    let threads = match threads_before {
        Some(n) => format!("threads {n} before and after"),
        None => "threads not counted on this system".to_owned(),
    };
    Ok(format!(
        "{cycles} {name} created and dropped in {elapsed:.2?} ({:.0?} each); \
         {threads}, no child process left",
        elapsed / cycles as u32
    ))
}

/// The child's side: runs what `args` names and prints one line for the parent.
fn child_main(args: &[String]) -> i32 {
    let outcome = match args {
        [kind, name, n] if kind == "--load-child" => {
            let n: u64 = n.parse().unwrap_or(0);
            let started = Instant::now();
            run_load(name, n).and_then(|(sum, workers_kb)| {
                if name != "baseline" && sum != expected_sum(n) {
                    return Err(format!("sum {sum}, expected {}", expected_sum(n)));
                }
                Ok(format!(
                    "PEAK {} {} {:.3}",
                    peak_kb(std::process::id()).unwrap_or(0),
                    workers_kb,
                    started.elapsed().as_secs_f64()
                ))
            })
        }
        [kind, name, cycles] if kind == "--cycles-child" => {
            run_cycles(name, cycles.parse().unwrap_or(0)).map(|line| format!("CYCLES {line}"))
        }
        _ => Err(format!("unknown child arguments {args:?}")),
    };
    match outcome {
        Ok(line) => {
            println!("{line}");
            0
        }
        Err(why) => {
            println!("ERROR {why}");
            1
        }
    }
}

// ---- the parent's side ---------------------------------------------------------

/// Runs this executable with `args` and returns the last line it printed, or
/// why it failed (including a hang past [`CHILD_DEADLINE`], after which the
/// child is killed).
fn run_child(args: &[&str]) -> Result<String, String> {
    let exe = std::env::current_exe().map_err(|e| format!("no current exe: {e}"))?;
    let mut child = Command::new(exe)
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start a child: {e}"))?;
    let deadline = Instant::now() + CHILD_DEADLINE;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(10)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("{args:?}: no answer after {CHILD_DEADLINE:?}"));
            }
        }
    };
    let mut out = String::new();
    if let Some(mut stdout) = child.stdout.take() {
        use std::io::Read;
        let _ = stdout.read_to_string(&mut out);
    }
    let last = out.lines().last().unwrap_or("").to_owned();
    if status.success() {
        Ok(last)
    } else {
        Err(format!("{args:?}: {status}: {last}"))
    }
}

/// Runs one load of `n` tasks in a child; returns (own peak MB, workers' peak MB).
fn measure(name: &str, n: u64) -> Result<(f64, f64, f64), String> {
    let line = run_child(&["--load-child", name, &n.to_string()])?;
    let fields: Vec<f64> = line
        .strip_prefix("PEAK ")
        .ok_or_else(|| format!("{name}: unexpected answer {line:?}"))?
        .split_whitespace()
        .filter_map(|f| f.parse().ok())
        .collect();
    match fields[..] {
        [own_kb, workers_kb, secs] => Ok((own_kb / 1024.0, workers_kb / 1024.0, secs)),
        _ => Err(format!("{name}: unexpected answer {line:?}")),
    }
}

/// A load test: runs the load in a child and checks its peak memory.
fn load_test(name: &'static str, n: u64) -> Result<(), String> {
    let (base, _, _) = measure("baseline", 0)?;
    let (own, workers, secs) = measure(name, n)?;
    if own == 0.0 {
        println!(
            "    {name}: {n} tasks in {secs:.2} s (peak memory is not measured on this system)"
        );
        return Ok(());
    }
    let workers_note = if workers > 0.0 {
        format!(", each worker at most {workers:.1} MB")
    } else {
        String::new()
    };
    println!(
        "    {name}: {n} tasks in {secs:.2} s, peak RSS {own:.1} MB \
         (a process that only starts a pool: {base:.1} MB){workers_note}"
    );
    let bound = PEAK_BOUND_MB as f64;
    if own > bound || workers > bound {
        return Err(format!(
            "{name}: peak {own:.1} MB (workers {workers:.1} MB), over the {bound} MB bound: \
             memory grows with the number of tasks"
        ));
    }
    Ok(())
}

fn cycles_test(name: &'static str, cycles: usize) -> Result<(), String> {
    let line = run_child(&["--cycles-child", name, &cycles.to_string()])?;
    let report = line
        .strip_prefix("CYCLES ")
        .ok_or_else(|| format!("{name}: {line}"))?;
    println!("    {report}");
    Ok(())
}

pub(crate) const TESTS: &[Test] = &[
    ("a_million_thread_pool_map_tasks_use_bounded_memory", || {
        check(load_test("thread_map", TASKS))
    }),
    (
        "a_million_thread_pool_imap_tasks_use_bounded_memory",
        || check(load_test("thread_imap", TASKS)),
    ),
    (
        "a_million_thread_pool_apply_async_tasks_use_bounded_memory",
        || check(load_test("thread_apply_async", TASKS)),
    ),
    (
        "a_million_thread_executor_futures_use_bounded_memory",
        || check(load_test("executor_as_completed", TASKS)),
    ),
    (
        "a_million_process_executor_futures_use_bounded_memory",
        || check(load_test("process_executor_as_completed", TASKS)),
    ),
    (
        "a_million_process_pool_map_tasks_use_bounded_memory",
        || check(load_test("process_map", TASKS)),
    ),
    (
        "a_million_chunked_process_pool_map_tasks_use_bounded_memory",
        || check(load_test("process_map_chunked", TASKS)),
    ),
    ("creating_and_dropping_thread_pools_leaks_no_thread", || {
        check(cycles_test("thread_pools", THREAD_POOL_CYCLES))
    }),
    (
        "creating_and_dropping_thread_executors_leaks_no_thread",
        || check(cycles_test("thread_executors", THREAD_POOL_CYCLES)),
    ),
    (
        "creating_and_dropping_process_pools_leaks_no_thread_and_no_process",
        || check(cycles_test("process_pools", PROCESS_POOL_CYCLES)),
    ),
];

/// The loads' child processes never finish a run of the child: a generous bound.
pub(crate) const TEST_DEADLINE: Duration = Duration::from_secs(600);

/// Registers this module's tasks (in the worker processes too).
pub(crate) fn register(tasks: &mut Registry) {
    tasks.register(&PLUS_ONE);
}

/// In a child run of this executable (`--load-child`, `--cycles-child`): runs
/// it and gives the exit code.
pub(crate) fn child(args: &[String]) -> Option<i32> {
    args.first()
        .is_some_and(|a| a == "--load-child" || a == "--cycles-child")
        .then(|| child_main(args))
}
