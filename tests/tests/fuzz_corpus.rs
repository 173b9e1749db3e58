//! Replays the fuzz corpus of config loading on stable: every seed (the lesson
//! configs, the broken configs, and any crash the fuzzer ever found, kept in
//! `fuzz/corpus/config/`), and every truncation and one-byte corruption of each
//! seed, must load or give a `ConfigError` — never panic. The real fuzzer runs
//! with `cargo +nightly fuzz run config fuzz/corpus/config` (see fuzz/).

mod common;

use common::*;

fn seeds() -> Vec<(String, Vec<u8>)> {
    let mut seeds = Vec::new();
    for dir in ["fuzz/corpus/config", "configs", "tests/bad-configs"] {
        for entry in std::fs::read_dir(root().join(dir)).unwrap().flatten() {
            let name = format!("{dir}/{}", entry.file_name().to_string_lossy());
            seeds.push((name, std::fs::read(entry.path()).unwrap()));
        }
    }
    seeds.sort();
    seeds
}

fn load(bytes: &[u8], lessons: &[lab::Lesson]) {
    if let Ok(text) = std::str::from_utf8(bytes) {
        match lab::config::parse(text, "fuzz.toml", lessons) {
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
}

#[test]
fn the_seed_corpus_includes_every_config_and_broken_config() {
    let corpus: Vec<String> = std::fs::read_dir(root().join("fuzz/corpus/config"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    for dir in ["configs", "tests/bad-configs"] {
        for entry in std::fs::read_dir(root().join(dir)).unwrap().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            assert!(
                corpus.contains(&name),
                "{dir}/{name} is missing from fuzz/corpus/config: copy it there"
            );
        }
    }
}

#[test]
fn config_loading_never_panics_on_the_corpus_or_its_mutations() {
    let lessons = xtask::lessons::all();
    for (name, bytes) in seeds() {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            load(&bytes, &lessons);
            for cut in (0..bytes.len()).step_by(3) {
                load(&bytes[..cut], &lessons);
            }
            for at in (0..bytes.len()).step_by(7) {
                for replacement in [b'"', b'[', b'=', b'\n', b'0', 0xff] {
                    let mut mutated = bytes.clone();
                    mutated[at] = replacement;
                    load(&mutated, &lessons);
                }
            }
        }));
        assert!(
            outcome.is_ok(),
            "loading {name} or a mutation of it panicked"
        );
    }
}
