//! Behaviour tests for `Parallel`'s process backend, on real worker processes.
//!
//! A `harness = false` target (see `crates/runtime/Cargo.toml`): the workers
//! are this executable started again, so `main` calls `worker_guard` first.
//! Each test runs on its own thread under a deadline, so a hang fails the run.
//!
//! Run with `cargo test -p runtime --test processes -- parallel_processes`.

use std::time::Duration;

use runtime::parallel::{Backend, BatchSize, Error, Parallel, delayed};
use runtime::process::{Registry, Task};
use runtime::task::{TaskError, TaskErrorKind};

fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z ^ (z >> 31)
}
fn fail_on_321(x: u64) -> u64 {
    assert_ne!(x, 321, "item 321 refuses");
    x
}
fn pid(_: u64) -> u32 {
    std::process::id()
}
fn double(x: u64) -> u64 {
    2 * x
}

static MIX: Task<u64, u64> = Task::new("tests::parallel::mix", mix);
static FAIL_ON_321: Task<u64, u64> = Task::new("tests::parallel::fail_on_321", fail_on_321);
static PID: Task<u64, u32> = Task::new("tests::parallel::pid", pid);
static DOUBLE: Task<u64, u64> = Task::new("tests::parallel::double", double);
/// Declared but never registered in `main`'s guard.
static NOT_REGISTERED: Task<u64, u64> = Task::new("tests::parallel::not_registered", mix);

const BATCH_SIZES: [BatchSize; 5] = [
    BatchSize::Fixed(1),
    BatchSize::Fixed(7),
    BatchSize::Fixed(64),
    BatchSize::Fixed(100_000),
    BatchSize::Auto,
];

fn processes(n_jobs: i64, batch: BatchSize) -> Parallel {
    Parallel::new()
        .n_jobs(n_jobs)
        .backend(Backend::ProcessPool)
        .batch_size(batch)
}

fn results_are_identical_and_in_input_order_for_every_batch_size() {
    let expected: Vec<u64> = (0..3_000).map(mix).collect();
    for batch in BATCH_SIZES {
        for n_jobs in [1, 2, 3] {
            let parallel = processes(n_jobs, batch);
            let got = parallel.run((0..3_000).map(delayed(MIX))).unwrap();
            assert_eq!(got, expected, "batch size {batch}, n_jobs {n_jobs}");
            // `&TASK` works as well as `TASK`.
            let got = parallel.run((0..3_000).map(delayed(&MIX))).unwrap();
            assert_eq!(
                got, expected,
                "batch size {batch}, n_jobs {n_jobs}, by reference"
            );
            let mut unordered: Vec<(usize, u64)> = parallel
                .run_unordered((0..3_000).map(delayed(MIX)))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            unordered.sort_unstable();
            let indexed: Vec<(usize, u64)> = expected.iter().copied().enumerate().collect();
            assert_eq!(
                unordered, indexed,
                "unordered, batch size {batch}, n_jobs {n_jobs}"
            );
        }
    }
}

fn the_tasks_run_in_other_processes_one_per_job() {
    let parallel = processes(2, BatchSize::Fixed(1));
    let pids: std::collections::HashSet<u32> = parallel
        .run((0..200).map(delayed(PID)))
        .unwrap()
        .into_iter()
        .collect();
    assert!(
        !pids.contains(&std::process::id()),
        "a task ran in the parent"
    );
    assert!(
        !pids.is_empty() && pids.len() <= 2,
        "{} worker pids for n_jobs = 2",
        pids.len()
    );
    // One job: in the calling process, as joblib does.
    let here = processes(1, BatchSize::Auto)
        .run((0..5).map(delayed(PID)))
        .unwrap();
    assert!(here.iter().all(|&p| p == std::process::id()));
}

fn more_jobs_than_cores_is_allowed() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let n = cores + 2;
    let parallel = processes(n as i64, BatchSize::Fixed(1));
    assert_eq!(parallel.effective_n_jobs(), Ok(n));
    let got = parallel.run((0..100).map(delayed(MIX))).unwrap();
    assert_eq!(got, (0..100).map(mix).collect::<Vec<_>>());
    // -2 is all but one core, at least one.
    let parallel = processes(-2, BatchSize::Auto);
    assert_eq!(parallel.effective_n_jobs(), Ok((cores - 1).max(1)));
    assert_eq!(parallel.run((0..10).map(delayed(DOUBLE))).unwrap()[9], 18);
}

fn a_panicking_task_is_an_error_naming_its_item() {
    for batch in BATCH_SIZES {
        for n_jobs in [1, 2] {
            let parallel = processes(n_jobs, batch);
            let error = parallel
                .run((0..1_000).map(delayed(FAIL_ON_321)))
                .unwrap_err();
            match &error {
                Error::Task(task) if task.kind() == TaskErrorKind::Panicked => {
                    let (index, message) = (&task.index(), task.message());
                    assert_eq!(*index, 321, "batch size {batch}, n_jobs {n_jobs}: {error}");
                    assert!(message.contains("item 321 refuses"), "{message}");
                }
                other => panic!("batch size {batch}: expected a panic error, got {other}"),
            }
            let last = parallel
                .run_unordered((0..1_000).map(delayed(FAIL_ON_321)))
                .unwrap()
                .last()
                .expect("some item");
            assert_eq!(
                last.unwrap_err().index(),
                Some(321),
                "unordered, batch size {batch}"
            );
            // The pool lives on.
            assert_eq!(
                parallel.run((0..4).map(delayed(DOUBLE))).unwrap(),
                vec![0, 2, 4, 6]
            );
        }
    }
}

fn an_unregistered_task_is_refused_with_a_clear_message() {
    for batch in BATCH_SIZES {
        let parallel = processes(2, batch);
        let error = parallel
            .run((0..50).map(delayed(NOT_REGISTERED)))
            .unwrap_err();
        assert_eq!(
            error.task_error().map(TaskError::kind),
            Some(TaskErrorKind::UnknownTask),
            "batch size {batch}: {error}"
        );
        let text = error.to_string();
        assert!(
            text.contains("\"tests::parallel::not_registered\"") && text.contains("worker_guard"),
            "{text}"
        );
        let last = parallel
            .run_unordered((0..50).map(delayed(NOT_REGISTERED)))
            .unwrap()
            .last()
            .expect("an error");
        assert!(
            matches!(&last, Err(Error::Task(e)) if e.kind() == TaskErrorKind::UnknownTask),
            "{last:?}"
        );
    }
}

fn a_closure_is_refused_before_any_worker_starts() {
    let parallel = processes(2, BatchSize::Auto);
    let k = 3;
    let error = parallel
        .run((0..10).map(delayed(move |x: u64| x * k)))
        .unwrap_err();
    assert!(matches!(error, Error::NotATask { .. }), "{error}");
    assert!(error.to_string().contains("Can't pickle"), "{error}");
}

fn mixing_tasks_in_one_call_is_refused() {
    for batch in [BatchSize::Fixed(4), BatchSize::Auto] {
        let parallel = processes(2, batch);
        let tasks = (0..20_u64).map(|i| delayed(if i < 13 { MIX } else { DOUBLE })(i));
        let error = parallel.run(tasks).unwrap_err();
        assert_eq!(
            error,
            Error::MixedTasks {
                first: "tests::parallel::mix",
                other: "tests::parallel::double",
                index: 13
            },
            "batch size {batch}"
        );
    }
}

fn long_inputs_keep_their_order_and_indices_across_rounds() {
    let n = 150_000_u64;
    let parallel = processes(2, BatchSize::Fixed(50));
    let got = parallel.run((0..n).map(delayed(MIX))).unwrap();
    assert_eq!(got, (0..n).map(mix).collect::<Vec<_>>());
    // A different task in a later round is still one call mixing two tasks.
    let tasks = (0..n).map(|i| delayed(if i < 100_000 { MIX } else { DOUBLE })(i));
    assert_eq!(
        parallel.run(tasks).unwrap_err(),
        Error::MixedTasks {
            first: "tests::parallel::mix",
            other: "tests::parallel::double",
            index: 100_000
        }
    );
}

fn auto_batches_make_few_messages_for_tiny_tasks() {
    let parallel = processes(2, BatchSize::Auto);
    let got = parallel.run((0..100_000).map(delayed(MIX))).unwrap();
    assert_eq!(got.len(), 100_000);
    let stats = parallel.last_run();
    assert!(
        stats.largest_batch >= 64,
        "largest batch {}",
        stats.largest_batch
    );
    assert!(
        stats.batches < 10_000,
        "{} batches for 100 000 tiny tasks",
        stats.batches
    );
}

use crate::harness::Test;

pub(crate) const TESTS: &[Test] = &[
    (
        "results_are_identical_and_in_input_order_for_every_batch_size",
        results_are_identical_and_in_input_order_for_every_batch_size,
    ),
    (
        "the_tasks_run_in_other_processes_one_per_job",
        the_tasks_run_in_other_processes_one_per_job,
    ),
    (
        "more_jobs_than_cores_is_allowed",
        more_jobs_than_cores_is_allowed,
    ),
    (
        "a_panicking_task_is_an_error_naming_its_item",
        a_panicking_task_is_an_error_naming_its_item,
    ),
    (
        "an_unregistered_task_is_refused_with_a_clear_message",
        an_unregistered_task_is_refused_with_a_clear_message,
    ),
    (
        "a_closure_is_refused_before_any_worker_starts",
        a_closure_is_refused_before_any_worker_starts,
    ),
    (
        "mixing_tasks_in_one_call_is_refused",
        mixing_tasks_in_one_call_is_refused,
    ),
    (
        "long_inputs_keep_their_order_and_indices_across_rounds",
        long_inputs_keep_their_order_and_indices_across_rounds,
    ),
    (
        "auto_batches_make_few_messages_for_tiny_tasks",
        auto_batches_make_few_messages_for_tiny_tasks,
    ),
];

/// Longest a single test may take before the run is declared hung.
pub(crate) const TEST_DEADLINE: Duration = Duration::from_secs(120);

/// Registers this module's tasks (in the worker processes too).
pub(crate) fn register(tasks: &mut Registry) {
    tasks
        .register(&MIX)
        .register(&FAIL_ON_321)
        .register(&PID)
        .register(&DOUBLE);
}
