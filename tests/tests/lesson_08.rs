//! Lesson 08 through the real driver, where it meets the world outside Rust:
//! without MPI it says what to install and exits 2; with MPI, a rank that dies
//! fails its experiment by name, Ctrl-C stops the ranks, and neither leaves a
//! launcher or a rank behind; `slurm` writes batch scripts. The MPI tests skip
//! with a note where MPI is missing (the lesson registry's requirement), unless
//! `PARLAB_REQUIRE_MPI=1`.

use crate::common::*;
use lesson_08_mpi::launch::process::{alive, descendants};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn without_mpi_run_exits_2_with_the_install_line_and_list_still_works() {
    let out = scratch("lesson-08-no-mpi");
    // A search path with no MPI on it (nor anything else: nothing else is needed
    // before the check).
    let o = Command::new(env!("CARGO_BIN_EXE_parlab"))
        .args(["run", "lesson-08", "--out", out.to_str().unwrap()])
        .current_dir(root())
        .env("PATH", "/nonexistent")
        .output()
        .unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("lesson-08 needs what this machine lacks")
            && err.contains("MPI (mpirun or mpiexec on the PATH)"),
        "{err}"
    );
    assert!(
        err.contains("apt-get install openmpi-bin libopenmpi-dev libclang-dev"),
        "the install line: {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(err.matches("error:").count(), 1, "one message: {err}");
    assert!(stdout(&o).is_empty(), "nothing runs: {}", stdout(&o));
    assert!(files_below(&out).is_empty(), "nothing is written");

    let o = Command::new(env!("CARGO_BIN_EXE_parlab"))
        .args(["list", "lesson-08"])
        .current_dir(root())
        .env("PATH", "/nonexistent")
        .output()
        .unwrap();
    assert!(o.status.success());
    for kind in [
        "pi-ranks",
        "ping-pong",
        "collectives",
        "weak-scaling",
        "launcher",
        "transport",
    ] {
        assert!(stdout(&o).contains(kind), "list shows {kind}");
    }
}

/// Whether MPI is here (see `available`).
fn mpi_here() -> bool {
    available(xtask::lessons::find("lesson-08").unwrap())
}

/// Starts the driver on a π run long enough to be caught mid-run.
fn start_long_run(name: &str) -> (Child, std::path::PathBuf) {
    let dir = scratch(name);
    let config = dir.join("long.toml");
    std::fs::write(
        &config,
        "lesson = \"lesson-08\"\n[[experiment]]\nname = \"long-pi\"\nkind = \"pi-ranks\"\nsamples = 100_000_000_000_000\nworkers = 2\n",
    )
    .unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_parlab"))
        .args(["run", config.to_str().unwrap(), "--out"])
        .arg(dir.join("out"))
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    (child, dir)
}

fn name_of(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// Waits until the driver's ranks run (the first run may build them: minutes),
/// and returns every process below the driver: the launcher and the ranks.
fn wait_for_ranks(driver: &mut Child) -> Vec<u32> {
    let until = Instant::now() + Duration::from_secs(900);
    while Instant::now() < until {
        assert!(
            driver.try_wait().unwrap().is_none(),
            "the driver ended before its ranks started"
        );
        let below: Vec<u32> = descendants(driver.id())
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        let ranks = below
            .iter()
            .filter(|&&p| name_of(p) == "lesson-08-rank")
            .count();
        if ranks == 2 {
            // Give the ranks a moment to be inside MPI.
            std::thread::sleep(Duration::from_millis(500));
            return descendants(driver.id())
                .into_iter()
                .map(|(p, _)| p)
                .collect();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("no ranks after 15 minutes");
}

/// Waits for the driver to end (failing the test at a deadline, so a hang is
/// a failure), and returns its output and how long it took.
fn finish(mut driver: Child, from: Instant) -> (std::process::Output, Duration) {
    let until = Instant::now() + Duration::from_secs(60);
    while driver.try_wait().unwrap().is_none() {
        if Instant::now() > until {
            let _ = driver.kill();
            panic!("the driver did not end within 60 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let took = from.elapsed();
    (driver.wait_with_output().unwrap(), took)
}

fn assert_all_gone(pids: &[u32]) {
    // Zombies waiting for init to reap them are gone for our purpose.
    std::thread::sleep(Duration::from_millis(300));
    let left: Vec<String> = pids
        .iter()
        .filter(|&&p| alive(p))
        .map(|&p| format!("{p} ({})", name_of(p)))
        .collect();
    assert!(left.is_empty(), "left running: {left:?}");
}

#[test]
fn a_killed_rank_fails_its_experiment_by_name_and_leaves_nothing_behind() {
    if !mpi_here() {
        return;
    }
    let (mut driver, dir) = start_long_run("lesson-08-killed-rank");
    let below = wait_for_ranks(&mut driver);
    assert!(below.iter().any(|&p| name_of(p) == "mpirun"), "{below:?}");
    let victim = *below
        .iter()
        .find(|&&p| name_of(p) == "lesson-08-rank")
        .unwrap();
    let killed = Instant::now();
    Command::new("sh")
        .args(["-c", &format!("kill -KILL {victim}")])
        .status()
        .unwrap();
    let (o, took) = finish(driver, killed);
    eprintln!("the run ended {took:?} after a rank was killed");
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "an experiment failed: {err}");
    assert!(err.contains("experiment \"long-pi\" failed"), "{err}");
    assert!(err.contains("the ranks failed"), "{err}");
    assert_all_gone(&below);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn ctrl_c_stops_the_launcher_and_the_ranks_and_exits_130() {
    if !mpi_here() {
        return;
    }
    let (mut driver, dir) = start_long_run("lesson-08-ctrl-c");
    let below = wait_for_ranks(&mut driver);
    let pressed = Instant::now();
    Command::new("sh")
        .args(["-c", &format!("kill -INT {}", driver.id())])
        .status()
        .unwrap();
    let (o, took) = finish(driver, pressed);
    eprintln!("the run ended {took:?} after Ctrl-C");
    assert_eq!(o.status.code(), Some(130), "{}", stderr(&o));
    assert!(stderr(&o).contains("interrupted"), "{}", stderr(&o));
    assert_all_gone(&below);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn slurm_writes_a_batch_script_and_refuses_what_cannot_run() {
    let dir = scratch("lesson-08-slurm");
    let script = dir.join("job.sbatch");
    let o = parlab(&[
        "slurm",
        "configs/lesson-08.toml",
        "--nodes",
        "2",
        "--ranks-per-node",
        "4",
        "--time",
        "00:10:00",
        "--setup",
        "module load openmpi",
        "--output",
        script.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("sbatch"),
        "says how to submit: {}",
        stdout(&o)
    );
    let text = std::fs::read_to_string(&script).unwrap();
    for line in [
        "#SBATCH --nodes=2",
        "#SBATCH --ntasks-per-node=4",
        "#SBATCH --time=00:10:00",
        "module load openmpi",
        "export PARLAB_LAUNCHER=srun",
        "cargo xtask run configs/lesson-08.toml",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }

    // The default config sweeps up to 4 ranks: one node of 2 is too small.
    let small = dir.join("small.sbatch");
    let args = |nodes: &str, time: &str, config: &str| {
        vec![
            "slurm".to_string(),
            config.to_string(),
            "--nodes".into(),
            nodes.into(),
            "--ranks-per-node".into(),
            "2".into(),
            "--time".into(),
            time.into(),
            "--output".into(),
            small.to_str().unwrap().into(),
        ]
    };
    for (nodes, time, config, expected) in [
        (
            "1",
            "00:10:00",
            "configs/lesson-08.toml",
            "need more: pi-ranks (4)",
        ),
        (
            "2",
            "ten minutes",
            "configs/lesson-08.toml",
            "not a Slurm time limit",
        ),
        (
            "2",
            "00:10:00",
            "configs/lesson-06.toml",
            "only lesson-08's experiments",
        ),
    ] {
        let a = args(nodes, time, config);
        let o = parlab(&a.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(o.status.code(), Some(2), "{a:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(expected), "{a:?}: {}", stderr(&o));
        assert!(
            !small.exists(),
            "nothing is written when the command refuses"
        );
    }
    std::fs::remove_dir_all(dir).unwrap();
}
