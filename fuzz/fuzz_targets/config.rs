//! Fuzzes config loading across every lesson's experiment kinds: any bytes must
//! give a checked config or a `ConfigError`, never a panic.
//!
//! Run, from the repo root:
//! `cargo +nightly fuzz run config fuzz/corpus/config configs tests/bad-configs`.
//! The lessons' configs and the broken configs are the seeds, read where they
//! live; libFuzzer writes what it finds into the first folder,
//! `fuzz/corpus/config/`, which keeps only such finds (commit a crash's input
//! there once it is fixed). The stable test `tests/tests/fuzz_corpus.rs` replays
//! all three on every `cargo test`, with cheap mutations of each.

#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fuzz_target!(|data: &[u8]| {
    static LESSONS: OnceLock<Vec<lab::Lesson>> = OnceLock::new();
    let lessons = LESSONS.get_or_init(xtask::lessons::all);
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(config) = lab::config::parse(text, "fuzz.toml", lessons) {
            // Sweeps of a checked config expand without panicking, too.
            for e in &config.experiments {
                let _ = e.points(false).len() + e.points(true).len();
            }
        } else if let Err(e) = lab::config::parse(text, "fuzz.toml", lessons) {
            let _ = e.to_string();
        }
    }
});
