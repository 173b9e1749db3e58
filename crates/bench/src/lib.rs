//! `cargo xtask bench`: the runtime's costs measured against rayon and std in one
//! run, so every figure comes with a ratio to its baseline taken minutes apart
//! at most, on the same machine, under the same load.
//!
//! The benchmarks are experiment kinds of a pseudo-lesson `bench`, run by the lab
//! harness from `crates/bench/bench.toml`; results go to `results/bench/*.json`
//! (the same results contract as the lessons) and a table per benchmark.
//!
//! | kind | measures | baseline |
//! |---|---|---|
//! | [`task_overhead`] | ns per trivial task for each way of running 10⁶ of them | rayon `par_iter` (with and without `with_max_len(1)`), `rayon::scope`, `std::thread::scope` |
//! | [`process_pool`] | process-pool round trip and per-task cost; MB/s of payloads | the thread pool's round trip; an in-process copy |
//! | [`gil_handoff`] | how long a waiting thread takes to get the interpreter lock | a condition-variable wake-up |
//! | [`trace_cost`] | lesson 06's π with tracing on, and the span memory of 10⁶ traced tasks | the same π untraced, in alternation |
//! | [`monte_carlo`] | lesson 06's π: samples per second per core at 1, 2, … cores | one worker (efficiency) |

pub mod gil_handoff;
pub mod monte_carlo;
pub mod process_pool;
pub mod task_overhead;
pub mod trace_cost;

/// The config `cargo xtask bench` runs.
pub const CONFIG: &str = include_str!("../bench.toml");

/// The benchmarks, as a pseudo-lesson for the harness.
pub fn lesson() -> lab::Lesson {
    lab::Lesson {
        id: "bench",
        title: "the runtime's overheads against rayon and std",
        kinds: vec![
            task_overhead::kind(),
            process_pool::kind(),
            gil_handoff::kind(),
            monte_carlo::kind(),
            trace_cost::kind(),
        ],
    }
}

/// Registers the tasks the benchmarks run in worker processes.
pub fn register_tasks(tasks: &mut runtime::process::Registry) {
    process_pool::register_tasks(tasks);
    task_overhead::register_tasks(tasks);
}

pub(crate) use lab::round;

/// `measured / baseline`, rounded for the table.
pub(crate) fn ratio(measured: f64, baseline: f64) -> f64 {
    round(measured / baseline, 2)
}
