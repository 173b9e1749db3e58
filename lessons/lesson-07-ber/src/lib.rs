//! Lesson 07 — a real simulation with progress: the bit error rate of BPSK over
//! an AWGN channel against Eb/N0, every SNR point a task on an executor,
//! collected as the points complete, and checked against theory.
//!
//! Run it with `cargo xtask run lesson-07`; the experiment is described in
//! `configs/lesson-07.toml` and the lesson itself is this crate's README.md.
//!
//! | kind | what it shows |
//! |---|---|
//! | [`ber_curve`] | BER vs Eb/N0 from a sweep of SNR points run on a [`runtime::futures::ThreadExecutor`] and collected with `as_completed` behind a progress bar; the theory `½·erfc(√(Eb/N0))` beside it; a log-scale SVG |
//!
//! [`simulate`] holds the bits' trip through the channel and the per-point
//! streams and early stop that make every row the same for any number of
//! workers; [`erfc`] the theory, to about thirteen digits.

#![forbid(unsafe_code)]

pub mod ber_curve;
pub mod erfc;
pub mod python;
pub mod simulate;

/// The lesson, with its experiment kinds, for the driver.
pub fn lesson() -> lab::Lesson {
    lab::Lesson {
        id: "lesson-07",
        title: "BER vs SNR: a parallel simulation with progress, checked against theory",
        kinds: vec![ber_curve::kind()],
    }
}
