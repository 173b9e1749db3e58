//! Replays the seeds of the config fuzzer on stable, with cheap mutations of
//! each: loading must give a checked config or a `ConfigError` — never a panic.
//!
//! The seeds: every lesson's default config, every broken config in
//! `tests/bad-configs/`, and whatever the fuzzer found and was kept in
//! `fuzz/corpus/config/`. The mutations of each seed: the seed cut after every
//! third byte (0, 3, 6, …), and at every seventh byte, that byte replaced by
//! each of `"`, `[`, `=`, a newline, `0` and 0xff. Every variant is loaded: UTF-8
//! text with `lab::config::parse` (what `load` does once it has read the text),
//! and the rest, every 0xff and the cuts inside a multi-byte character, with
//! `lab::config::load` on a file, which tests the UTF-8 check and its message.
//! The real fuzzer explores much further: see `fuzz/fuzz_targets/config.rs`.

use crate::common::*;

/// Cut after every `CUT_STEP`-th byte.
const CUT_STEP: usize = 3;
/// Replace every `CORRUPT_STEP`-th byte.
const CORRUPT_STEP: usize = 7;
const REPLACEMENTS: [u8; 6] = [b'"', b'[', b'=', b'\n', b'0', 0xff];

fn seeds() -> Vec<(String, Vec<u8>)> {
    let mut seeds = Vec::new();
    for lesson in xtask::lessons::LESSONS {
        let path = lesson.config();
        seeds.push((xtask::shown(&path), std::fs::read(&path).unwrap()));
    }
    for dir in ["tests/bad-configs", "fuzz/corpus/config"] {
        for entry in std::fs::read_dir(root().join(dir)).unwrap().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !name.starts_with('.') {
                seeds.push((
                    format!("{dir}/{name}"),
                    std::fs::read(entry.path()).unwrap(),
                ));
            }
        }
    }
    seeds.sort();
    seeds
}

/// Loads `bytes` as a config (through the file `file` when they are not UTF-8)
/// and checks what came back.
fn load(file: &std::path::Path, bytes: &[u8], lessons: &[lab::Lesson]) {
    let loaded = match std::str::from_utf8(bytes) {
        Ok(text) => lab::config::parse(text, "fuzz.toml", lessons),
        Err(_) => {
            std::fs::write(file, bytes).unwrap();
            lab::config::load(file, "fuzz.toml", lessons)
        }
    };
    match loaded {
        Ok(config) => {
            for e in &config.experiments {
                assert!(!e.points(false).is_empty() && !e.points(true).is_empty());
            }
        }
        Err(e) => {
            let message = e.to_string();
            assert!(
                message.starts_with("fuzz.toml"),
                "errors name the file: {message}"
            );
        }
    }
}

#[test]
fn config_loading_never_panics_on_the_seeds_or_their_mutations() {
    let lessons = xtask::lessons::all();
    let file = scratch("fuzz-corpus").join("fuzz.toml");
    let seeds = seeds();
    assert!(seeds.len() > xtask::lessons::LESSONS.len());
    for (name, bytes) in seeds {
        let mut variant = String::from("the seed itself");
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            load(&file, &bytes, &lessons);
            for cut in (0..bytes.len()).step_by(CUT_STEP) {
                variant = format!("cut after {cut} bytes");
                load(&file, &bytes[..cut], &lessons);
            }
            for at in (0..bytes.len()).step_by(CORRUPT_STEP) {
                for replacement in REPLACEMENTS {
                    variant = format!("byte {at} replaced by {replacement:#04x}");
                    let mut mutated = bytes.clone();
                    mutated[at] = replacement;
                    load(&file, &mutated, &lessons);
                }
            }
        }));
        assert!(outcome.is_ok(), "loading {name}, {variant}, panicked");
    }
}
