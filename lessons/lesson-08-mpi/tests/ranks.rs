//! The kinds on real ranks, through mpirun: what each experiment promises, in
//! quick sizes. They need MPI: without it each test says so and passes, unless
//! `PARLAB_REQUIRE_MPI=1` (as CI sets once it has installed MPI).

use lab::{Ctx, Report, Value};
use lesson_06_monte_carlo::sample::{Sampler, estimate_pi};
use lesson_08_mpi::launch;
use runtime::rng::Streams;

/// Whether MPI is here, as the lesson registry's requirement decides it (mpirun
/// or mpiexec on the PATH; this crate cannot see the registry, which lives in
/// the driver). Where it is not, prints that `test` is skipped, unless
/// `PARLAB_REQUIRE_MPI=1` makes its absence a failure.
fn mpi_here(test: &str) -> bool {
    if launch::mpi::find("mpirun").is_some() || launch::mpi::find("mpiexec").is_some() {
        return true;
    }
    assert!(
        std::env::var("PARLAB_REQUIRE_MPI").as_deref() != Ok("1"),
        "PARLAB_REQUIRE_MPI=1 and no MPI (mpirun or mpiexec) is on PATH: install it:\n{}",
        launch::INSTALL
    );
    eprintln!(
        "note: {test} skipped: no MPI on this machine (PARLAB_REQUIRE_MPI=1 makes this a failure)"
    );
    false
}

/// Runs the experiment `name` of a lesson-08 config given as TOML, in quick mode.
fn run(src: &str, name: &str) -> anyhow::Result<Report> {
    let lessons = vec![lesson_08_mpi::lesson()];
    let config = lab::config::parse(src, "test.toml", &lessons).expect("a valid config");
    let experiment = config
        .experiments
        .iter()
        .find(|e| e.name == name)
        .expect("the experiment is in the config");
    let kind = lessons[0].kind(&experiment.kind).expect("a lesson-08 kind");
    kind.run(&Ctx::for_tests(), &experiment.points(true))
}

fn numbers(report: &Report, key: &str) -> Vec<Value> {
    report
        .rows
        .iter()
        .map(|r| r.metrics.get(key).cloned().unwrap_or(Value::Null))
        .collect()
}

#[test]
fn pi_ranks_gives_lesson_06_s_hits_and_estimate_at_1_2_and_4_ranks() {
    if !mpi_here("pi_ranks_gives_lesson_06_s_hits_and_estimate_at_1_2_and_4_ranks") {
        return;
    }
    let src = r#"
lesson = "lesson-08"
[[experiment]]
name = "pi"
kind = "pi-ranks"
samples = 3_000_017
chunks = 64
seed = 2024
[experiment.sweep]
workers = [1, 2, 4]
"#;
    let report = run(src, "pi").unwrap();
    let lesson_06 = estimate_pi(&Streams::new(2024), 3_000_017, 64, 2, Sampler::U32Pair);
    assert_eq!(
        numbers(&report, "hits"),
        vec![Value::from(lesson_06.hits); 3]
    );
    assert_eq!(
        numbers(&report, "estimate"),
        vec![Value::from(lesson_06.estimate()); 3],
        "the estimate is bit for bit lesson 06's"
    );
    assert_eq!(
        numbers(&report, "same_as_lesson_06"),
        vec![Value::from(true); 3]
    );
    assert!(
        report
            .rows
            .iter()
            .all(|r| r.timing.is_some() && r.speedup.is_some())
    );
}

#[test]
fn ping_pong_fits_alpha_and_beta_for_shared_memory_and_tcp() {
    if !mpi_here("ping_pong_fits_alpha_and_beta_for_shared_memory_and_tcp") {
        return;
    }
    let src = r#"
lesson = "lesson-08"
[[experiment]]
name = "pp"
kind = "ping-pong"
min_bytes = 8
max_bytes = 65_536
round_trips = 50
process_pool = false
[experiment.sweep]
transport = ["shared-memory", "tcp"]
"#;
    let report = run(src, "pp").unwrap();
    assert_eq!(
        report.rows.len(),
        2 * 14,
        "8 B to 64 KiB is 14 sizes, per transport"
    );
    // Both keys for each transport, always: a number when the times fit
    // Hockney's model, null when they do not (on a loaded machine TCP's small
    // messages can take longer than its large ones, and no line fits). Whether
    // the fit succeeds is a matter of timing, so it is not asserted here; the
    // fit itself is tested on exact data in hockney.rs.
    for transport in ["shared_memory", "tcp"] {
        let alpha = report.summary.get(&format!("alpha_us_{transport}"));
        let beta = report.summary.get(&format!("beta_gb_s_{transport}"));
        let (Some(alpha), Some(beta)) = (alpha, beta) else {
            panic!("alpha_us_{transport} and beta_gb_s_{transport} are always reported");
        };
        assert_eq!(
            alpha.is_null(),
            beta.is_null(),
            "{transport}: fitted together"
        );
        for v in [alpha, beta] {
            assert!(
                v.is_null() || v.as_f64().is_some_and(|v| v > 0.0),
                "{transport}: {v}"
            );
        }
    }
    for row in &report.rows {
        assert!(row.number("round_trip_us").is_some_and(|t| t > 0.0));
    }
    assert_eq!(report.plots.len(), 2, "time and bandwidth plots");
}

#[test]
fn collectives_deliver_the_right_numbers_on_1_2_and_4_ranks() {
    if !mpi_here("collectives_deliver_the_right_numbers_on_1_2_and_4_ranks") {
        return;
    }
    // Every rank checks what each operation delivered; a wrong sum fails the launch.
    let src = r#"
lesson = "lesson-08"
[[experiment]]
name = "c"
kind = "collectives"
sizes_bytes = [8, 4_096]
iterations = 5
[experiment.sweep]
workers = [1, 2, 4]
"#;
    let report = run(src, "c").unwrap();
    assert_eq!(report.rows.len(), 3 * 4 * 2, "ranks × operations × sizes");
    let rounds: Vec<u64> = report
        .rows
        .iter()
        .map(|r| {
            r.metrics
                .get("tree_rounds")
                .and_then(Value::as_u64)
                .unwrap()
        })
        .collect();
    assert_eq!(&rounds[..1], &[0]);
    assert_eq!(rounds.last(), Some(&2), "4 ranks need 2 rounds of a tree");
    assert!(report.summary.get("alpha_us").is_some());
}

#[test]
fn weak_scaling_does_lesson_05_s_units_and_meets_strong_at_the_largest_p() {
    if !mpi_here("weak_scaling_does_lesson_05_s_units_and_meets_strong_at_the_largest_p") {
        return;
    }
    let src = r#"
lesson = "lesson-08"
[[experiment]]
name = "w"
kind = "weak-scaling"
units_per_rank = 100_000
serial_fraction = 0.1
[experiment.sweep]
workers = [1, 2]
"#;
    let report = run(src, "w").unwrap();
    let row = |mode: &str, p: u64| {
        report
            .rows
            .iter()
            .find(|r| r.params.get("mode") == Some(&mode.into()) && r.workers() == Some(p))
            .unwrap()
    };
    use lesson_05_amdahl_gustafson::work::units;
    let checksum = |r: &lab::Row| r.metrics.get("checksum").and_then(Value::as_u64).unwrap();
    assert_eq!(checksum(row("weak", 1)), units(0..100_000));
    assert_eq!(checksum(row("weak", 2)), units(0..190_000));
    assert_eq!(checksum(row("strong", 1)), units(0..190_000));
    assert_eq!(checksum(row("strong", 2)), checksum(row("weak", 2)));
}

#[test]
fn a_launch_that_fails_is_an_error_with_the_launcher_s_words() {
    if !mpi_here("a_launch_that_fails_is_an_error_with_the_launcher_s_words") {
        return;
    }
    let src = r#"
lesson = "lesson-08"
[[experiment]]
name = "bad"
kind = "pi-ranks"
samples = 1000
launcher_args = ["--no-such-option-anywhere"]
"#;
    let err = run(src, "bad").unwrap_err().to_string();
    assert!(err.contains("the ranks failed"), "{err}");
}

#[test]
fn past_timeout_s_the_ranks_are_stopped_and_none_is_left() {
    if !mpi_here("past_timeout_s_the_ranks_are_stopped_and_none_is_left") {
        return;
    }
    let src = r#"
lesson = "lesson-08"
[[experiment]]
name = "slow"
kind = "pi-ranks"
samples = 1_000_000_000_000
workers = 2
timeout_s = 3
"#;
    let err = run(src, "slow").unwrap_err().to_string();
    assert!(err.contains("no result after 3 s"), "{err}");
    // Any process of this launch (its job is on the command line), adopted or not.
    std::thread::sleep(std::time::Duration::from_millis(200));
    let left: Vec<String> = std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| launch::process::alive(pid))
        .filter_map(|pid| {
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
            let text = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            text.contains("\"samples\":1000000000000")
                .then(|| format!("{pid}: {text}"))
        })
        .collect();
    assert!(left.is_empty(), "left running: {left:?}");
}
