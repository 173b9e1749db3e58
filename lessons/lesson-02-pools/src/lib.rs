//! Lesson 02 — pools: a pool of threads, a pool of real worker processes, and
//! what it costs to move data between them.
//!
//! Every experiment runs on [`runtime::pool::ThreadPool`] (Python's
//! `multiprocessing.pool.ThreadPool`) and [`runtime::process::ProcessPool`]
//! (`multiprocessing.Pool` with the spawn start method), often the same
//! function on both. Run it with `cargo xtask run lesson-02`; the experiments
//! are described in `configs/lesson-02.toml` and the lesson itself is this
//! crate's README.md.
//!
//! | kind | what it shows |
//! |---|---|
//! | [`map_styles`] | `map`, `starmap`, `imap`, `imap_unordered`, `apply_async`: the same results, in input or completion order |
//! | [`chunksize`] | trivial tasks with `chunksize` swept: the per-task overhead of each pool, and one task's round trip |
//! | [`serialization`] | a payload from bytes to tens of MB: bytes on the wire and MB/s, against an in-process hand-off |
//! | [`threads_vs_processes`] | lock-bound work: threads share one interpreter lock, processes each have one |
//! | [`what_can_cross`] | what a process pool refuses (unregistered tasks, closures, unserializable data) and the messages |
//!
//! The worker processes are this same program run again: the driver's `main`
//! calls `runtime::process::worker_guard` with [`register_tasks`] before
//! anything else, so every worker knows the lesson's tasks by name.

#![forbid(unsafe_code)]

pub mod chunksize;
pub mod map_styles;
pub mod python;
pub mod serialization;
pub mod threads_vs_processes;
pub mod what_can_cross;
pub mod work;

/// The lesson, with its experiment kinds, for the driver.
pub fn lesson() -> lab::Lesson {
    lab::Lesson {
        id: "lesson-02",
        title: "pools of threads and of processes; the cost of moving data",
        kinds: vec![
            map_styles::kind(),
            chunksize::kind(),
            serialization::kind(),
            threads_vs_processes::kind(),
            what_can_cross::kind(),
        ],
    }
}

/// Registers every task this lesson runs in worker processes. The driver
/// passes it to `runtime::process::worker_guard`, which runs it in the parent
/// and again in every worker, so both know the same names.
pub fn register_tasks(tasks: &mut runtime::process::Registry) {
    work::register(tasks);
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_kinds_carry_the_names_the_course_fixes() {
        let names: Vec<_> = super::lesson().kinds.iter().map(|k| k.name()).collect();
        assert_eq!(
            names,
            [
                "map-styles",
                "chunksize",
                "serialization",
                "threads-vs-processes",
                "what-can-cross"
            ]
        );
    }

    #[test]
    fn every_kind_has_a_workers_key() {
        for kind in super::lesson().kinds {
            assert!(
                kind.keys()
                    .iter()
                    .any(|k| k.name == "workers" && k.ty == "Workers"),
                "{} has no `workers` key",
                kind.name()
            );
        }
    }
}
