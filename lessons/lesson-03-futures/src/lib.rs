//! Lesson 03 — executors and futures: Python's `concurrent.futures`, on the
//! runtime's thread and process executors ([`runtime::futures`]).
//!
//! Run it with `cargo xtask run lesson-03`; the experiments are described in
//! `configs/lesson-03.toml` and the lesson itself is this crate's README.md.
//!
//! | kind | what it shows |
//! |---|---|
//! | [`downloads`] | I/O-bound tasks on a thread executor: the speedup follows the threads, not the cores |
//! | [`cpu_executors`] | lock-bound CPU work: threads take turns, processes run at once |
//! | [`completion_order`] | `as_completed` against submission order: the time to the first result |
//! | [`wait_modes`] | `wait` with `FIRST_COMPLETED`, `FIRST_EXCEPTION`, `ALL_COMPLETED`, one task failing |
//! | [`cancel`] | cancelling the pending tail of a queue: what ran, what was cancelled, the time saved |
//! | [`submit_overhead`] | trivial tasks through submit and `as_completed`: what one future costs on each executor |
//!
//! `cpu-executors` and `submit-overhead` also run on CPython's own executors
//! ([`python`]), rows `impl = "python"` beside the Rust ones.

#![forbid(unsafe_code)]

pub mod cancel;
pub mod completion_order;
pub mod cpu_executors;
pub mod downloads;
pub mod python;
pub mod submit_overhead;
pub mod wait_modes;
pub mod work;

/// The lesson, with its experiment kinds, for the driver.
pub fn lesson() -> lab::Lesson {
    lab::Lesson {
        id: "lesson-03",
        title: "executors and futures: submit, result, as_completed, wait, cancel",
        kinds: vec![
            downloads::kind(),
            cpu_executors::kind(),
            completion_order::kind(),
            wait_modes::kind(),
            cancel::kind(),
            submit_overhead::kind(),
        ],
    }
}

/// Registers the tasks this lesson runs in worker processes; the driver calls
/// it inside `runtime::process::worker_guard` (see `xtask::lessons::register_tasks`).
pub fn register_tasks(tasks: &mut runtime::process::Registry) {
    work::register_tasks(tasks);
}
