//! Lesson 06 — embarrassingly parallel Monte Carlo: π from random points, with
//! an answer that does not depend on how many workers computed it.
//!
//! Run it with `cargo xtask run lesson-06`; the experiments are described in
//! `configs/lesson-06.toml` and the lesson itself is this crate's README.md.
//! The work is split into a fixed number of chunks, each drawing from its own
//! stream of [`runtime::rng::Streams`], so one seed gives one answer on a laptop
//! and on a cluster alike.
//!
//! | kind | what it shows |
//! |---|---|
//! | [`pi`] | the same `hits` and `estimate` for 1, 2, 3, 4 workers; speedup and samples per second per worker |
//! | [`convergence`] | the error against the number of points, on the standard error line `√(π(4−π)/N)` (log-log SVG) |
//! | [`same_seed_mistake`] | every worker seeded alike, the chapter's `seed + i`, and independent streams, side by side |
//!
//! [`sample`] holds the estimate they all run, including the one-draw-per-point
//! integer test that makes it fast.

#![forbid(unsafe_code)]

pub mod convergence;
pub mod pi;
pub mod python;
pub mod same_seed_mistake;
pub mod sample;

/// The lesson, with its experiment kinds, for the driver.
pub fn lesson() -> lab::Lesson {
    lab::Lesson {
        id: "lesson-06",
        title: "Monte Carlo π: reproducible parallel random streams",
        kinds: vec![pi::kind(), convergence::kind(), same_seed_mistake::kind()],
    }
}
