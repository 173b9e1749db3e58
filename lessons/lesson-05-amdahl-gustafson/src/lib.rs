//! Lesson 05 — the limits of speedup: Amdahl's law, Gustafson's law, and the
//! Karp–Flatt metric, measured on a workload whose serial fraction we choose.
//!
//! Run it with `cargo xtask run lesson-05`; the experiments are described in
//! `configs/lesson-05.toml` and the lesson itself is this crate's README.md.
//!
//! | kind | what it shows |
//! |---|---|
//! | [`models`] | both laws over P and the serial fraction, as a table and an SVG |
//! | [`strong_scaling`] | fixed work, more workers: measured speedup beside Amdahl, Karp–Flatt |
//! | [`weak_scaling`] | work grows with the workers: scaled speedup beside Gustafson |
//! | [`beyond_this_machine`] | a simulation of up to 1024 workers fed with measured task costs |

#![forbid(unsafe_code)]

pub mod beyond_this_machine;
pub mod models;
pub mod python;
pub mod simulate;
pub mod strong_scaling;
pub mod weak_scaling;
pub mod work;

/// The lesson, with its experiment kinds, for the driver.
pub fn lesson() -> lab::Lesson {
    lab::Lesson {
        id: "lesson-05",
        title: "Amdahl & Gustafson: the limits of speedup",
        kinds: vec![
            models::kind(),
            strong_scaling::kind(),
            weak_scaling::kind(),
            beyond_this_machine::kind(),
        ],
    }
}
