//! Lesson 04 — parallel loops: joblib's `Parallel`/`delayed` in Rust on three
//! backends, what the batch size costs, sharing a large array instead of copying
//! it, and rayon's `par_iter` as Numba's `prange`.
//!
//! Run it with `cargo xtask run lesson-04`; the experiments are described in
//! `configs/lesson-04.toml` and the lesson itself is this crate's README.md. The
//! loop under study is [`runtime::parallel::Parallel`].
//!
//! | kind | what it shows |
//! |---|---|
//! | [`backends`] | one loop on rayon, the thread pool and the process pool: identical results, timings side by side |
//! | [`batch_size`] | tiny tasks with the batch size swept (1, 8, 64, "auto"): overhead per task |
//! | [`shared_vs_copied`] | a large array shared, copied per task, serialized to processes, or memory-mapped: time and peak memory |
//! | [`prange`] | a row-wise reduction as a plain loop, rayon `par_iter` and `Parallel`: speedup and efficiency |

// Lesson 04 maps a file into memory (joblib's memmapping), which only an
// `unsafe` call can do: `memory` alone may, and each block says why it is sound.
#![deny(unsafe_code)]

pub mod backends;
pub mod batch_size;
pub mod keys;
#[allow(unsafe_code)]
pub mod memory;
pub mod prange;
pub mod python;
pub mod shared_vs_copied;
pub mod work;

/// The lesson, with its experiment kinds, for the driver.
pub fn lesson() -> lab::Lesson {
    lab::Lesson {
        id: "lesson-04",
        title: "parallel loops: joblib-style Parallel/delayed, batch size, sharing without copying",
        kinds: vec![
            backends::kind(),
            batch_size::kind(),
            shared_vs_copied::kind(),
            prange::kind(),
        ],
    }
}

/// Registers the tasks this lesson sends to worker processes. The driver calls
/// it inside `runtime::process::worker_guard`, first thing in `main`.
pub fn register_tasks(tasks: &mut runtime::process::Registry) {
    work::register_tasks(tasks);
}
