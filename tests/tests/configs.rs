//! Every config in `configs/` runs with `--quick` through the real driver, and its
//! deterministic output — the table a student sees and the results files — is
//! snapshot-tested. Values that vary between runs are redacted: the driver prints
//! them as `~` (`--redact`), and the JSON lists them in its `measured` field.

mod common;

use common::*;
use serde_json::Value;

fn configs() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root().join("configs"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    names.sort();
    names
}

/// Replaces what varies between runs and machines with placeholders.
fn redact(mut json: Value) -> Value {
    let measured: Vec<String> = json["measured"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    json["machine"] = "[machine]".into();
    for row in json["rows"].as_array_mut().unwrap() {
        let row = row.as_object_mut().unwrap();
        for key in ["timing", "speedup", "efficiency"] {
            if row.contains_key(key) {
                row.insert(key.into(), format!("[{key}]").into());
            }
        }
        for (k, v) in row.get_mut("metrics").unwrap().as_object_mut().unwrap() {
            if measured.contains(k) {
                *v = "[measured]".into();
            }
        }
    }
    for (k, v) in json["summary"].as_object_mut().unwrap() {
        if measured.contains(k) {
            *v = "[measured]".into();
        }
    }
    json
}

/// Runs `configs/<stem>.toml --quick` through the driver and snapshots its table
/// and every results file.
fn run_and_snapshot(stem: &str) {
    // Lesson 08 runs on MPI: where it is missing, its config is skipped with a note.
    if stem == "lesson-08" && !mpi_here("the lesson-08 config") {
        return;
    }
    let out = scratch(stem);
    let config = format!("configs/{stem}.toml");
    let o = parlab(&[
        "run",
        &config,
        "--quick",
        "--redact",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        o.status.success(),
        "{config} failed:\n{}\n{}",
        stdout(&o),
        stderr(&o)
    );
    insta::assert_snapshot!(format!("{stem}.stdout"), stdout(&o));

    let files = files_below(&out);
    assert!(
        files.iter().any(|f| f.ends_with(".json")),
        "{config} wrote no results: {files:?}"
    );
    for file in files {
        assert!(!file.contains(".tmp"), "a temporary file was left: {file}");
        if file.ends_with(".json") {
            let json: Value =
                serde_json::from_str(&std::fs::read_to_string(out.join(&file)).unwrap()).unwrap();
            assert_eq!(json["quick"], true);
            assert_eq!(json["config_file"], config.as_str());
            let snap = file.trim_end_matches(".json").replace('/', "__");
            insta::assert_json_snapshot!(snap, redact(json));
        }
        if file.ends_with(".svg") {
            let svg = std::fs::read_to_string(out.join(&file)).unwrap();
            assert!(
                svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
                "{file} is a whole SVG"
            );
        }
    }
    std::fs::remove_dir_all(&out).unwrap();
}

/// One test per config, so one lesson's failure does not hide another's.
macro_rules! config_tests {
    ($($test:ident => $stem:literal),* $(,)?) => {
        $(
            #[test]
            fn $test() {
                run_and_snapshot($stem);
            }
        )*

        #[test]
        fn every_config_file_has_a_snapshot_test() {
            let tested = [$($stem),*];
            for name in configs() {
                let stem = name.trim_end_matches(".toml");
                assert!(tested.contains(&stem), "configs/{name} has no test: add it to config_tests! in tests/tests/configs.rs");
            }
        }
    };
}

config_tests! {
    lesson_01_quick_run_matches_its_snapshots => "lesson-01",
    lesson_02_quick_run_matches_its_snapshots => "lesson-02",
    lesson_03_quick_run_matches_its_snapshots => "lesson-03",
    lesson_04_quick_run_matches_its_snapshots => "lesson-04",
    lesson_05_quick_run_matches_its_snapshots => "lesson-05",
    lesson_06_quick_run_matches_its_snapshots => "lesson-06",
    lesson_07_quick_run_matches_its_snapshots => "lesson-07",
    lesson_08_quick_run_matches_its_snapshots => "lesson-08",
}
