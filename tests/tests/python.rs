//! The Python rows through the real driver: skipped with one line when there is
//! no interpreter, failing only their own experiment when a script fails, and,
//! where Python is installed, standing beside the Rust rows with the same work.
//!
//! Tests that need Python skip with a note when it is absent, unless
//! `PARLAB_REQUIRE_PYTHON=1` (CI), in which case its absence fails them.

use crate::common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs the driver with `env` set (and PARLAB_PYTHON cleared unless set there).
fn parlab_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_parlab"));
    command
        .args(args)
        .current_dir(root())
        .env_remove("CLICOLOR_FORCE")
        .env_remove("PARLAB_PYTHON")
        .env_remove("PARLAB_REQUIRE_PYTHON");
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().expect("the parlab binary runs")
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn results(out: &Path, lesson: &str, experiment: &str) -> Value {
    let file = out.join(lesson).join(format!("{experiment}.json"));
    serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap()
}

fn rows_of<'a>(json: &'a Value, which: &str) -> Vec<&'a Value> {
    json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["params"]["impl"] == which)
        .collect()
}

/// The interpreter the driver would use for `python = "python3"` (the
/// project's .venv first), when it has `modules`; `None` (and a note) when it
/// does not, unless Python is required.
fn python_with(modules: &[&str]) -> Option<String> {
    match lab::python::probe_uncached("python3", modules) {
        Ok(found) => Some(found.executable),
        Err(why) => {
            if lab::python::required() {
                panic!("PARLAB_REQUIRE_PYTHON=1, but {why}");
            }
            eprintln!("note: skipping a Python test: {why}");
            None
        }
    }
}

const SKIP_LINE: &str = "Python rows skipped: `no-such-python3` not found; install Python";

#[test]
fn without_an_interpreter_the_rust_rows_run_and_one_line_says_what_to_install() {
    let out = scratch("py-missing");
    let o = parlab_env(
        &[
            "run",
            "lesson-01",
            "--quick",
            "--out",
            out.to_str().unwrap(),
        ],
        &[("PARLAB_PYTHON", "no-such-python3")],
    );
    let text = stdout(&o);
    assert!(
        o.status.success(),
        "exit {:?}\n{text}\n{}",
        o.status,
        stderr(&o)
    );
    // One line for each experiment with Python rows (cpu-bound, io-bound, free-threaded).
    assert_eq!(text.matches(SKIP_LINE).count(), 3, "{text}");
    assert!(text.contains("apt install python3"), "{text}");
    let json = results(&out, "lesson-01", "cpu-bound");
    assert!(!rows_of(&json, "rust").is_empty());
    assert!(rows_of(&json, "python").is_empty());
    std::fs::remove_dir_all(&out).unwrap();
}

#[test]
fn the_python_key_of_a_config_names_the_interpreter() {
    let out = scratch("py-key");
    let config = write(
        &out,
        "study.toml",
        "lesson = \"lesson-05\"\n[run]\npython = \"no-such-python3\"\n\
         [[experiment]]\nname = \"s\"\nkind = \"strong-scaling\"\nwork_units = 10_000\n\
         python_work_units = 1_000\n[experiment.sweep]\nworkers = [1, 2]\n",
    );
    let o = parlab_env(
        &[
            "run",
            config.to_str().unwrap(),
            "--quick",
            "--out",
            out.to_str().unwrap(),
        ],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o).matches(SKIP_LINE).count(), 1, "{}", stdout(&o));
    std::fs::remove_dir_all(&out).unwrap();
}

#[test]
fn a_required_python_that_is_missing_fails_its_experiments_and_not_the_others() {
    let out = scratch("py-required");
    let o = parlab_env(
        &[
            "run",
            "lesson-05",
            "--quick",
            "--out",
            out.to_str().unwrap(),
        ],
        &[
            ("PARLAB_PYTHON", "no-such-python3"),
            ("PARLAB_REQUIRE_PYTHON", "1"),
        ],
    );
    let text = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert!(
        text.contains("PARLAB_REQUIRE_PYTHON=1, but `no-such-python3` not found"),
        "{text}"
    );
    assert!(
        text.contains("1 experiment(s) failed: strong-scaling"),
        "{text}"
    );
    assert!(out.join("lesson-05/weak-scaling.json").is_file());
    std::fs::remove_dir_all(&out).unwrap();
}

#[test]
fn python_turned_off_is_one_line_even_when_python_is_required() {
    let out = scratch("py-off");
    let o = parlab_env(
        &[
            "run",
            "lesson-06",
            "--quick",
            "--only",
            "pi",
            "--out",
            out.to_str().unwrap(),
        ],
        &[("PARLAB_PYTHON", "none"), ("PARLAB_REQUIRE_PYTHON", "1")],
    );
    assert!(o.status.success(), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("Python rows skipped: turned off by PARLAB_PYTHON=none"),
        "{}",
        stdout(&o)
    );
    std::fs::remove_dir_all(&out).unwrap();
}

#[test]
fn bad_python_keys_are_config_errors() {
    let out = scratch("py-bad-keys");
    let empty = write(
        &out,
        "empty.toml",
        "lesson = \"lesson-05\"\n[run]\npython = \"\"\n[[experiment]]\nname = \"m\"\nkind = \"models\"\n",
    );
    let o = parlab_env(&["run", empty.to_str().unwrap()], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains(":3:10: `python` must name an interpreter"),
        "{}",
        stderr(&o)
    );

    let misplaced = write(
        &out,
        "misplaced.toml",
        "lesson = \"lesson-05\"\n[[experiment]]\nname = \"m\"\nkind = \"models\"\npython = \"python3\"\n",
    );
    let o = parlab_env(&["run", misplaced.to_str().unwrap()], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains(":5:1: kind models has no Python rows"),
        "{}",
        stderr(&o)
    );
    std::fs::remove_dir_all(&out).unwrap();
}

#[test]
fn list_names_the_kinds_with_python_rows_and_their_modules() {
    let o = parlab_env(&["list"], &[]);
    let text = stdout(&o);
    assert!(
        text.contains("python rows: pi (needs numpy)")
            && text.contains("python rows: backends (needs joblib)")
            && text.contains("chunksize (standard library), serialization (needs numpy)"),
        "{text}"
    );
    let o = parlab_env(&["list", "lesson-06"], &[]);
    assert!(
        stdout(&o).contains("python rows: lessons/lesson-06-monte-carlo/python/pi.py, needs numpy"),
        "{}",
        stdout(&o)
    );
}

/// Every kind with Python rows, lesson by lesson from the registry, has its
/// script in its lesson's `python/`, and `requirements.txt` (what
/// `cargo xtask python-setup` installs) names every module those scripts need.
#[test]
fn every_python_script_exists_and_requirements_cover_its_modules() {
    let scripts = xtask::lessons::python_scripts();
    assert!(!scripts.is_empty(), "no kind has Python rows");
    for (lesson, kind, script) in &scripts {
        let entry = xtask::lessons::find(lesson).unwrap();
        let path = Path::new(script.path);
        assert!(
            path.is_file(),
            "{lesson} {kind}: {} is missing",
            script.shown()
        );
        assert!(
            path.starts_with(entry.dir().join("python")),
            "{lesson} {kind}: {} is not in its lesson's python/",
            script.shown()
        );
    }
    let requirements = std::fs::read_to_string(root().join("requirements.txt")).unwrap();
    let listed: Vec<&str> = requirements
        .lines()
        .map(|l| l.split('#').next().unwrap().trim())
        .filter(|l| !l.is_empty())
        .map(|l| l.split(|c: char| "<>=!~[; ".contains(c)).next().unwrap())
        .collect();
    for module in xtask::lessons::python_modules() {
        assert!(
            listed.contains(&module),
            "requirements.txt lacks {module}: {listed:?}"
        );
    }
}

// ---- with Python ----------------------------------------------------------------

#[test]
fn python_does_the_rust_rows_work_unit_for_unit() {
    let Some(python) = python_with(&[]) else {
        return;
    };
    let out = scratch("py-same-work");
    // The same work_units in both languages: the same checksum.
    let config = write(
        &out,
        "same.toml",
        "lesson = \"lesson-05\"\n[[experiment]]\nname = \"s\"\nkind = \"strong-scaling\"\n\
         work_units = 20_000\npython_work_units = 20_000\nserial_fraction = 0.25\n\
         [experiment.sweep]\nworkers = [1, 2]\n",
    );
    let o = parlab_env(
        &[
            "run",
            config.to_str().unwrap(),
            "--quick",
            "--out",
            out.to_str().unwrap(),
        ],
        &[("PARLAB_PYTHON", &python)],
    );
    assert!(o.status.success(), "{}\n{}", stdout(&o), stderr(&o));
    let json = results(&out, "lesson-05", "s");
    let (rust, py) = (rows_of(&json, "rust"), rows_of(&json, "python"));
    assert_eq!((rust.len(), py.len()), (2, 2), "{json}");
    for (r, p) in rust.iter().zip(&py) {
        assert_eq!(r["params"]["workers"], p["params"]["workers"]);
        assert_eq!(r["metrics"]["checksum"], p["metrics"]["checksum"], "{json}");
        assert!(p["metrics"]["vs_rust"].as_f64().unwrap() > 0.0);
        assert!(p["timing"]["median_s"].as_f64().unwrap() > 0.0);
    }
    let measured: Vec<&str> = json["measured"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for key in ["vs_rust", "python", "ns_per_unit", "karp_flatt"] {
        assert!(measured.contains(&key), "{key} is measured: {measured:?}");
    }
    assert!(
        json["summary"]["python_fitted_serial_fraction"].is_number(),
        "{json}"
    );
    std::fs::remove_dir_all(&out).unwrap();
}

#[test]
fn threads_rows_report_the_gil_and_the_version() {
    let Some(python) = python_with(&[]) else {
        return;
    };
    let out = scratch("py-threads");
    let o = parlab_env(
        &[
            "run",
            "lesson-01",
            "--quick",
            "--only",
            "io-bound",
            "--out",
            out.to_str().unwrap(),
        ],
        &[("PARLAB_PYTHON", &python)],
    );
    assert!(o.status.success(), "{}\n{}", stdout(&o), stderr(&o));
    let json = results(&out, "lesson-01", "io-bound");
    let py = rows_of(&json, "python");
    assert_eq!(py.len(), rows_of(&json, "rust").len(), "{json}");
    for row in &py {
        assert!(row["metrics"]["gil"].is_boolean(), "{row}");
        assert!(
            row["metrics"]["python"].as_str().unwrap().starts_with('3'),
            "{row}"
        );
        // The same checksum for every worker count.
        assert_eq!(row["metrics"]["checksum"], py[0]["metrics"]["checksum"]);
    }
    std::fs::remove_dir_all(&out).unwrap();
}

#[test]
fn the_numpy_estimate_of_pi_does_not_depend_on_the_workers() {
    let Some(python) = python_with(&["numpy"]) else {
        return;
    };
    let out = scratch("py-pi");
    let config = write(
        &out,
        "pi.toml",
        "lesson = \"lesson-06\"\n[[experiment]]\nname = \"pi\"\nkind = \"pi\"\n\
         samples = 200_000\npython_samples = 300_000\nchunks = 16\nseed = 7\n\
         [experiment.sweep]\nworkers = [1, 2, 4]\n",
    );
    let o = parlab_env(
        &[
            "run",
            config.to_str().unwrap(),
            "--quick",
            "--out",
            out.to_str().unwrap(),
        ],
        &[("PARLAB_PYTHON", &python)],
    );
    assert!(o.status.success(), "{}\n{}", stdout(&o), stderr(&o));
    let json = results(&out, "lesson-06", "pi");
    let py = rows_of(&json, "python");
    assert_eq!(py.len(), 3);
    for row in &py {
        assert_eq!(row["metrics"]["hits"], py[0]["metrics"]["hits"], "{json}");
        assert_eq!(row["metrics"]["estimate"], py[0]["metrics"]["estimate"]);
        assert_eq!(row["metrics"]["samples"], 300_000);
    }
    std::fs::remove_dir_all(&out).unwrap();
}

#[test]
fn numpy_ber_points_lie_within_four_standard_errors_of_theory() {
    let Some(python) = python_with(&["numpy"]) else {
        return;
    };
    let out = scratch("py-ber");
    let o = parlab_env(
        &[
            "run",
            "lesson-07",
            "--quick",
            "--out",
            out.to_str().unwrap(),
        ],
        &[("PARLAB_PYTHON", &python)],
    );
    assert!(o.status.success(), "{}\n{}", stdout(&o), stderr(&o));
    let json = results(&out, "lesson-07", "ber-curve");
    let py = rows_of(&json, "python");
    assert_eq!(py.len(), rows_of(&json, "rust").len());
    for row in &py {
        let sigmas = row["metrics"]["sigmas"].as_f64().unwrap();
        assert!(sigmas.abs() <= 4.0, "{row}");
    }
    assert_eq!(
        json["summary"]["python_points_with_100_errors"],
        json["summary"]["python_of_them_within_4_sigma"]
    );
    std::fs::remove_dir_all(&out).unwrap();
}

#[test]
fn a_lambda_goes_through_joblibs_loky_backend() {
    let Some(python) = python_with(&["joblib"]) else {
        return;
    };
    let out = scratch("py-joblib");
    let o = parlab_env(
        &[
            "run",
            "lesson-04",
            "--quick",
            "--only",
            "backends",
            "--out",
            out.to_str().unwrap(),
        ],
        &[("PARLAB_PYTHON", &python)],
    );
    assert!(o.status.success(), "{}\n{}", stdout(&o), stderr(&o));
    let json = results(&out, "lesson-04", "backends");
    assert_eq!(
        json["summary"]["python_lambda_through_loky"], true,
        "{json}"
    );
    let py = rows_of(&json, "python");
    let backends: Vec<&str> = py
        .iter()
        .map(|r| r["params"]["backend"].as_str().unwrap())
        .collect();
    assert!(
        backends.contains(&"loky") && backends.contains(&"threading"),
        "{backends:?}"
    );
    for row in &py {
        assert_eq!(row["metrics"]["checksum"], py[0]["metrics"]["checksum"]);
    }
    std::fs::remove_dir_all(&out).unwrap();
}

/// A stand-in interpreter: answers the driver's probe like the real one (with
/// itself as `sys.executable`), then misbehaves as `mode` says when it is given
/// a script. Written in Python, run by the real interpreter.
fn fake_interpreter(dir: &Path, real: &str, mode: &str) -> String {
    let body = format!(
        r#"#!{real}
import os, runpy, subprocess, sys, sysconfig, time
mode = {mode:?}
if mode == "freethreaded":
    # Pretend to be a free-threaded build whose GIL is off.
    real_var = sysconfig.get_config_var
    sysconfig.get_config_var = lambda name: 1 if name == "Py_GIL_DISABLED" else real_var(name)
    sys._is_gil_enabled = lambda: False
if len(sys.argv) > 2 and sys.argv[1] == "-c":
    code = sys.argv[2]
    sys.argv = ["-c"] + sys.argv[3:]
    sys.executable = os.path.abspath(__file__)
    exec(compile(code, "<probe>", "exec"))
    sys.exit(0)
if mode == "freethreaded":
    sys.argv = sys.argv[1:]
    runpy.run_path(sys.argv[0], run_name="__main__")
elif mode == "fail":
    def simulate(n):
        return 1 / n
    simulate(0)
elif mode == "garbage":
    print("hello, this is not JSON")
elif mode == "hang":
    child = subprocess.Popen([{real:?}, "-c", "import time; time.sleep(120)"])
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "child.pid"), "w") as f:
        f.write(str(child.pid))
    time.sleep(120)
"#
    );
    let path = dir.join(format!("fake-python-{mode}"));
    std::fs::write(&path, body).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    path.display().to_string()
}

#[test]
fn a_failing_script_fails_its_experiment_with_the_traceback_and_the_others_run() {
    let Some(real) = python_with(&[]) else { return };
    let out = scratch("py-fail");
    let fake = fake_interpreter(&out, &real, "fail");
    let o = parlab_env(
        &[
            "run",
            "lesson-05",
            "--quick",
            "--out",
            out.to_str().unwrap(),
        ],
        &[("PARLAB_PYTHON", &fake)],
    );
    let text = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{text}\n{}", stderr(&o));
    assert!(
        text.contains(
            "lessons/lesson-05-amdahl-gustafson/python/strong_scaling.py failed (exit status 1)"
        ) && text.contains("ZeroDivisionError: division by zero")
            && text.contains("return 1 / n"),
        "{text}"
    );
    assert!(
        text.contains("1 experiment(s) failed: strong-scaling"),
        "{text}"
    );
    assert!(out.join("lesson-05/beyond-this-machine.json").is_file());
    assert!(!stderr(&o).contains("panicked"));
    std::fs::remove_dir_all(&out).unwrap();
}

#[test]
fn output_that_is_not_json_is_an_error_that_names_the_script() {
    let Some(real) = python_with(&[]) else { return };
    let out = scratch("py-garbage");
    let fake = fake_interpreter(&out, &real, "garbage");
    let o = parlab_env(
        &[
            "run",
            "lesson-01",
            "--quick",
            "--only",
            "cpu-bound",
            "--out",
            out.to_str().unwrap(),
        ],
        &[("PARLAB_PYTHON", &fake)],
    );
    let text = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert!(
        text.contains(
            "lessons/lesson-01-gil/python/threads.py printed output the driver cannot read"
        ) && text.contains("hello, this is not JSON"),
        "{text}"
    );
    assert!(!stderr(&o).contains("panicked"));
    std::fs::remove_dir_all(&out).unwrap();
}

#[test]
fn a_script_that_hangs_is_killed_at_the_timeout_with_the_processes_it_started() {
    let Some(real) = python_with(&[]) else { return };
    let out = scratch("py-hang");
    let fake = fake_interpreter(&out, &real, "hang");
    let config = write(
        &out,
        "hang.toml",
        "lesson = \"lesson-05\"\n[run]\npython_timeout_s = 2\n[[experiment]]\nname = \"s\"\n\
         kind = \"strong-scaling\"\nwork_units = 10_000\npython_work_units = 100\n",
    );
    let started = std::time::Instant::now();
    let o = parlab_env(
        &[
            "run",
            config.to_str().unwrap(),
            "--quick",
            "--out",
            out.to_str().unwrap(),
        ],
        &[("PARLAB_PYTHON", &fake)],
    );
    let text = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert!(
        started.elapsed().as_secs() < 60,
        "the run waited for the hung script"
    );
    assert!(
        text.contains("did not finish within 2 s, so it was stopped with every process it started"),
        "{text}"
    );
    // The child the script started is gone too (or a zombie waiting for init).
    if !cfg!(target_os = "linux") {
        return;
    }
    let pid = std::fs::read_to_string(out.join("child.pid")).unwrap();
    let stat = Path::new("/proc").join(pid.trim()).join("stat");
    let alive = || {
        std::fs::read_to_string(&stat)
            .map(|s| !s.split(") ").nth(1).unwrap_or("").starts_with('Z'))
            .unwrap_or(false)
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while alive() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(
        !alive(),
        "the hung script's child process {pid} outlived the run"
    );
    std::fs::remove_dir_all(&out).unwrap();
}

#[test]
fn a_free_threaded_interpreter_gets_free_threaded_rows_with_its_gil_state() {
    let Some(real) = python_with(&[]) else { return };
    let out = scratch("py-free-threaded");
    let fake = fake_interpreter(&out, &real, "freethreaded");
    let o = parlab_env(
        &[
            "run",
            "lesson-01",
            "--quick",
            "--only",
            "free-threaded",
            "--out",
            out.to_str().unwrap(),
        ],
        &[("PARLAB_PYTHON", &fake)],
    );
    assert!(o.status.success(), "{}\n{}", stdout(&o), stderr(&o));
    let json = results(&out, "lesson-01", "free-threaded");
    let py = rows_of(&json, "python");
    assert_eq!(py.len(), 3, "{json}");
    for row in &py {
        assert_eq!(row["params"]["build"], "free-threaded", "{row}");
        assert_eq!(row["metrics"]["gil"], false, "{row}");
        assert!(
            row["metrics"]["python"].as_str().unwrap().ends_with('t'),
            "{row}"
        );
    }

    // A build with the GIL gets no rows here, and one line naming a free-threaded one.
    let o = parlab_env(
        &[
            "run",
            "lesson-01",
            "--quick",
            "--only",
            "free-threaded",
            "--out",
            out.to_str().unwrap(),
        ],
        &[("PARLAB_PYTHON", &real)],
    );
    assert!(o.status.success());
    assert!(
        stdout(&o).contains("a build with the GIL; set python = \"python3.13t\""),
        "{}",
        stdout(&o)
    );
    std::fs::remove_dir_all(&out).unwrap();
}
