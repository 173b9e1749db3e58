//! Lesson 01 — the GIL analogue: why threads don't speed up CPU-bound
//! interpreted code, and what does.
//!
//! Every experiment runs on [`runtime::gil`], an interpreter lock built the way
//! CPython 3.2+ builds its GIL (switch interval, drop request, forced switching).
//! Run it with `cargo xtask run lesson-01`; the experiments are described in
//! `configs/lesson-01.toml` and the lesson itself is this crate's README.md.
//!
//! | kind | what it shows |
//! |---|---|
//! | [`cpu_bound`] | CPU-bound threads under one lock: no speedup; switches and waiting counted; the lock check's single-thread cost |
//! | [`io_bound`] | threads that wait on I/O with the lock released: speedup close to the worker count |
//! | [`native_release`] | "native" loops inside `allow_threads` (NumPy's case): speedup up to the core count |
//! | [`free_threaded`] | no global lock (python3.13t): speedup, and its single-thread cost against the lock |
//! | [`switch_interval`] | an I/O thread's wake-up latency beside CPU-bound threads, over the switch interval (the convoy effect) |
//! | [`interpreters`] | one interpreter, and one lock, per worker: speedup up to the core count — why multiprocessing works |
//!
//! `cpu-bound`, `io-bound` and `free-threaded` also run the same tasks on real
//! CPython threads ([`python`]), rows `impl = "python"` beside the analogue's.

#![forbid(unsafe_code)]

pub mod cpu_bound;
pub mod free_threaded;
pub mod interpreters;
pub mod io_bound;
pub mod native_release;
pub mod python;
pub mod switch_interval;
pub mod work;

/// The lesson, with its experiment kinds, for the driver.
pub fn lesson() -> lab::Lesson {
    lab::Lesson {
        id: "lesson-01",
        title: "the GIL analogue: why threads don't speed up CPU-bound interpreted code",
        kinds: vec![
            cpu_bound::kind(),
            io_bound::kind(),
            native_release::kind(),
            free_threaded::kind(),
            switch_interval::kind(),
            interpreters::kind(),
        ],
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_kinds_carry_the_names_the_course_fixes() {
        let names: Vec<_> = super::lesson().kinds.iter().map(|k| k.name()).collect();
        assert_eq!(
            names,
            [
                "cpu-bound",
                "io-bound",
                "native-release",
                "free-threaded",
                "switch-interval",
                "interpreters"
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
