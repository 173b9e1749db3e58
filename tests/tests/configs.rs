//! Every lesson's default config (`configs/<id>.toml`, one per lesson of the
//! registry) runs with `--quick` through the real driver, and its deterministic
//! output — the table a student sees and the results files — is snapshot-tested.
//! Values that vary between runs are redacted: the driver prints them as `~`
//! (`--redact`), and the JSON lists them in its `measured` field. Nothing else
//! in `configs/` and nothing in `studies/` (a student's own configs) is read here.

use crate::common::*;
use serde_json::Value;
use xtask::lessons::LESSONS;

/// Replaces what varies between runs and machines with placeholders.
fn redact(mut json: Value) -> Value {
    let measured: Vec<String> = json["measured"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    json["machine"] = "[machine]".into();
    // How busy the machine was and the noise warnings it gave are timing, too:
    // checked to be there, then left out of the snapshot.
    let file = json.as_object_mut().unwrap();
    assert!(
        file.remove("load").is_some_and(|l| l.is_object()),
        "a load object"
    );
    assert!(
        file.remove("warnings").is_some_and(|w| w.is_array()),
        "a warnings list"
    );
    for row in json["rows"].as_array_mut().unwrap() {
        let row = row.as_object_mut().unwrap();
        row.remove("noise");
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

/// Snapshots the table a lesson's default config printed in the shared quick
/// run (made with `--redact`) and every results file it wrote.
fn snapshot(lesson: &str) {
    let run = &quick_runs().0;
    let config = format!("configs/{lesson}.toml");
    let o = run.output(lesson);
    assert!(
        o.status.success(),
        "{config} failed:\n{}\n{}",
        stdout(o),
        stderr(o)
    );
    insta::assert_snapshot!(format!("{lesson}.stdout"), stdout(o));

    let files: Vec<String> = files_below(&run.dir)
        .into_iter()
        .filter(|f| f.starts_with(&format!("{lesson}/")))
        .collect();
    assert!(
        files.iter().any(|f| f.ends_with(".json")),
        "{config} wrote no results: {files:?}"
    );
    for file in files {
        assert!(!file.contains(".tmp"), "a temporary file was left: {file}");
        if file.ends_with(".json") {
            let json: Value =
                serde_json::from_str(&std::fs::read_to_string(run.dir.join(&file)).unwrap())
                    .unwrap();
            assert_eq!(json["quick"], true);
            assert_eq!(json["config_file"], config.as_str());
            let snap = file.trim_end_matches(".json").replace('/', "__");
            insta::assert_json_snapshot!(snap, redact(json));
        }
        if file.ends_with(".svg") {
            let svg = std::fs::read_to_string(run.dir.join(&file)).unwrap();
            assert!(
                svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
                "{file} is a whole SVG"
            );
        }
    }
}

#[test]
fn every_lessons_default_config_matches_its_snapshots() {
    // Every lesson runs even when an earlier one fails, so one lesson's failure
    // does not hide another's; the failures are listed at the end.
    let mut failed = Vec::new();
    for lesson in LESSONS.iter().filter(|l| available(l)) {
        let outcome = std::panic::catch_unwind(|| snapshot(lesson.id));
        if outcome.is_err() {
            failed.push(lesson.id);
        }
    }
    assert!(
        failed.is_empty(),
        "the quick runs of {failed:?} differ from their snapshots or failed (see above)"
    );
}
