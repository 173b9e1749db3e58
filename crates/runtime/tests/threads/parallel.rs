//! Behaviour tests for `runtime::parallel::Parallel` on the rayon and
//! thread-pool backends (the process backend has its own target,
//! `parallel_processes.rs`, because it needs its own `main`).
//!
//! Each test runs under a deadline, so a hang fails instead of blocking.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use runtime::parallel::{Backend, BatchSize, Delayed, Error, Parallel, delayed};
use runtime::process::Task;
use runtime::task::TaskErrorKind;

/// Runs `test` on its own thread and fails if it takes longer than a minute.
fn within_deadline(test: impl FnOnce() + Send + 'static) {
    let (done, finished) = mpsc::channel();
    let handle = std::thread::spawn(move || {
        test();
        let _ = done.send(());
    });
    match finished.recv_timeout(Duration::from_secs(60)) {
        Ok(()) => handle.join().expect("test thread"),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            if let Err(panic) = handle.join() {
                std::panic::resume_unwind(panic);
            }
        }
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("the test hung for a minute"),
    }
}

fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z ^ (z >> 31)
}

static MIX: Task<u64, u64> = Task::new("tests::parallel::mix", mix);

const THREAD_BACKENDS: [Backend; 2] = [Backend::Rayon, Backend::ThreadPool];
const BATCH_SIZES: [BatchSize; 5] = [
    BatchSize::Fixed(1),
    BatchSize::Fixed(7),
    BatchSize::Fixed(64),
    BatchSize::Fixed(100_000),
    BatchSize::Auto,
];

#[test]
fn results_are_identical_and_in_input_order_for_every_thread_backend_and_batch_size() {
    within_deadline(|| {
        let expected: Vec<u64> = (0..5_000).map(mix).collect();
        for backend in THREAD_BACKENDS {
            for batch in BATCH_SIZES {
                for n_jobs in [1, 2, 3] {
                    let parallel = Parallel::new()
                        .n_jobs(n_jobs)
                        .backend(backend)
                        .batch_size(batch);
                    let got = parallel.run((0..5_000).map(delayed(mix))).unwrap();
                    assert_eq!(
                        got, expected,
                        "{backend}, batch size {batch}, n_jobs {n_jobs}"
                    );
                    // A Task runs in-process on thread backends, same results.
                    let got = parallel.run((0..5_000).map(delayed(MIX))).unwrap();
                    assert_eq!(got, expected, "task on {backend}, batch size {batch}");
                }
            }
        }
    });
}

#[test]
fn long_inputs_read_in_rounds_keep_their_order_and_their_indices() {
    within_deadline(|| {
        // More tasks than one round of the backends' own maps (65 536).
        let n = 200_000_u64;
        let expected: Vec<u64> = (0..n).map(mix).collect();
        let fails_late = |x: u64| {
            assert_ne!(x, 150_001, "late failure");
            mix(x)
        };
        for backend in THREAD_BACKENDS {
            for batch in [
                BatchSize::Fixed(1),
                BatchSize::Fixed(3),
                BatchSize::Fixed(64),
            ] {
                let parallel = Parallel::new().n_jobs(2).backend(backend).batch_size(batch);
                let got = parallel.run((0..n).map(delayed(mix))).unwrap();
                assert_eq!(got, expected, "{backend}, batch size {batch}");
                let error = parallel.run((0..n).map(delayed(fails_late))).unwrap_err();
                assert_eq!(
                    error.index(),
                    Some(150_001),
                    "{backend}, batch size {batch}: {error}"
                );
            }
        }
    });
}

#[test]
fn unordered_results_cover_every_item_once_with_its_index() {
    within_deadline(|| {
        for backend in THREAD_BACKENDS {
            for batch in BATCH_SIZES {
                for n_jobs in [1, 2] {
                    let parallel = Parallel::new()
                        .n_jobs(n_jobs)
                        .backend(backend)
                        .batch_size(batch);
                    let mut got: Vec<(usize, u64)> = parallel
                        .run_unordered((0..3_000).map(delayed(mix)))
                        .unwrap()
                        .map(|r| r.expect("no task fails"))
                        .collect();
                    got.sort_unstable();
                    let expected: Vec<(usize, u64)> =
                        (0..3_000).map(|i| (i, mix(i as u64))).collect();
                    assert_eq!(
                        got, expected,
                        "{backend}, batch size {batch}, n_jobs {n_jobs}"
                    );
                }
            }
        }
    });
}

#[test]
fn unordered_results_come_as_batches_finish_not_in_input_order() {
    within_deadline(|| {
        // Item 0 sleeps; with two workers and batches of one, later items finish first.
        let slow_first = |i: u64| {
            if i == 0 {
                std::thread::sleep(Duration::from_millis(300));
            }
            i
        };
        let parallel = Parallel::new().n_jobs(2).batch_size(1);
        let order: Vec<usize> = parallel
            .run_unordered((0..20).map(delayed(slow_first)))
            .unwrap()
            .map(|r| r.unwrap().0)
            .collect();
        assert_eq!(order.len(), 20);
        assert_ne!(
            order[0], 0,
            "the slow first item does not hold the others back"
        );
        assert_eq!(order.iter().copied().collect::<BTreeSet<_>>().len(), 20);
    });
}

#[test]
fn n_jobs_counts_as_joblib_does() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let jobs = |n: i64| Parallel::new().n_jobs(n).effective_n_jobs();
    assert_eq!(jobs(1), Ok(1));
    assert_eq!(jobs(-1), Ok(cores), "-1 is every core");
    assert_eq!(jobs(-2), Ok((cores - 1).max(1)), "-2 is all but one");
    assert_eq!(jobs(-1_000), Ok(1), "never fewer than one");
    assert_eq!(
        jobs(3 * cores as i64 + 1),
        Ok(3 * cores + 1),
        "more than the cores is allowed"
    );
    assert_eq!(jobs(0), Err(Error::NoJobs));
}

#[test]
fn n_jobs_zero_is_an_error_that_says_what_to_use() {
    let error = Parallel::new()
        .n_jobs(0)
        .run((0..3).map(delayed(mix)))
        .unwrap_err();
    assert_eq!(error, Error::NoJobs);
    let text = error.to_string();
    assert!(text.contains("-1") && text.contains("n_jobs = 0"), "{text}");
    assert!(
        Parallel::new()
            .n_jobs(0)
            .run_unordered((0..3).map(delayed(mix)))
            .is_err()
    );
}

#[test]
fn more_jobs_than_cores_start_that_many_threads_and_give_the_same_results() {
    within_deadline(|| {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let n = 2 * cores + 1;
        for backend in THREAD_BACKENDS {
            let seen = Arc::new(std::sync::Mutex::new(std::collections::HashSet::new()));
            let record = {
                let seen = seen.clone();
                move |i: u64| {
                    seen.lock().unwrap().insert(std::thread::current().id());
                    std::thread::sleep(Duration::from_millis(2));
                    mix(i)
                }
            };
            let parallel = Parallel::new()
                .n_jobs(n as i64)
                .backend(backend)
                .batch_size(1);
            let got = parallel
                .run((0..(20 * n as u64)).map(delayed(record)))
                .unwrap();
            assert_eq!(got, (0..(20 * n as u64)).map(mix).collect::<Vec<_>>());
            let threads = seen.lock().unwrap().len();
            assert!(
                threads > cores,
                "{backend}: {threads} threads ran tasks, expected more than {cores}"
            );
            assert!(
                threads <= n,
                "{backend}: {threads} threads ran tasks, n_jobs was {n}"
            );
        }
    });
}

#[test]
fn one_job_runs_every_call_on_the_calling_thread_in_order() {
    within_deadline(|| {
        for backend in Backend::ALL {
            let caller = std::thread::current().id();
            let order = Arc::new(std::sync::Mutex::new(Vec::new()));
            let log = {
                let order = order.clone();
                move |i: u64| {
                    order.lock().unwrap().push((i, std::thread::current().id()));
                    i
                }
            };
            let parallel = Parallel::new().n_jobs(1).backend(backend);
            if backend == Backend::ProcessPool {
                // Closures are refused on the process backend whatever n_jobs is.
                assert!(matches!(
                    parallel.run((0..10).map(delayed(log))),
                    Err(Error::NotATask { .. })
                ));
                continue;
            }
            assert_eq!(
                parallel.run((0..10).map(delayed(log))).unwrap(),
                (0..10).collect::<Vec<_>>()
            );
            let order = order.lock().unwrap();
            assert!(
                order.iter().all(|&(_, t)| t == caller),
                "{backend}: ran off the caller"
            );
            assert_eq!(
                order.iter().map(|&(i, _)| i).collect::<Vec<_>>(),
                (0..10).collect::<Vec<_>>()
            );
        }
    });
}

#[test]
fn a_panicking_task_is_an_error_naming_its_item_on_every_thread_backend_and_batch_size() {
    within_deadline(|| {
        let fails_at_777 = |x: u64| {
            assert_ne!(x, 777, "item 777 is cursed");
            x
        };
        for backend in THREAD_BACKENDS {
            for batch in BATCH_SIZES {
                for n_jobs in [1, 2] {
                    let parallel = Parallel::new()
                        .n_jobs(n_jobs)
                        .backend(backend)
                        .batch_size(batch);
                    let error = parallel
                        .run((0..2_000).map(delayed(fails_at_777)))
                        .unwrap_err();
                    match &error {
                        Error::Task(task) if task.kind() == TaskErrorKind::Panicked => {
                            let (index, message) = (&task.index(), task.message());
                            assert_eq!(*index, 777, "{backend}, batch {batch}");
                            assert!(message.contains("item 777 is cursed"), "{message}");
                        }
                        other => {
                            panic!("{backend}, batch {batch}: expected a panic error, got {other}")
                        }
                    }
                    assert!(
                        error.to_string().starts_with("task 777 panicked"),
                        "{error}"
                    );
                    // The iterator form ends with the same error.
                    let last = parallel
                        .run_unordered((0..2_000).map(delayed(fails_at_777)))
                        .unwrap()
                        .last()
                        .expect("some item");
                    assert_eq!(
                        last.unwrap_err().index(),
                        Some(777),
                        "{backend}, batch {batch}"
                    );
                    // The workers survive: the same Parallel runs again.
                    assert_eq!(parallel.run((0..10).map(delayed(mix))).unwrap().len(), 10);
                }
            }
        }
    });
}

#[test]
fn a_failing_task_stops_new_batches() {
    within_deadline(|| {
        let ran = Arc::new(AtomicUsize::new(0));
        let count = {
            let ran = ran.clone();
            move |x: u64| {
                ran.fetch_add(1, Ordering::Relaxed);
                assert_ne!(x, 3, "three");
                std::thread::sleep(Duration::from_millis(1));
                x
            }
        };
        let parallel = Parallel::new().n_jobs(2).batch_size(BatchSize::Auto);
        assert!(parallel.run((0..1_000).map(delayed(count))).is_err());
        let ran = ran.load(Ordering::Relaxed);
        assert!(ran < 1_000, "all {ran} tasks ran after item 3 failed");
    });
}

#[test]
fn closures_are_refused_by_the_process_backend_before_any_worker_starts() {
    let parallel = Parallel::new().n_jobs(2).backend(Backend::ProcessPool);
    let error = parallel
        .run((0..10).map(delayed(|x: u64| x + 1)))
        .unwrap_err();
    assert!(matches!(error, Error::NotATask { .. }), "{error}");
    let text = error.to_string();
    for needle in [
        "registered tasks only",
        "Task::new",
        "worker_guard",
        "Backend::Rayon",
    ] {
        assert!(
            text.contains(needle),
            "the message should mention {needle}: {text}"
        );
    }
    let fn_pointer: fn(u64) -> u64 = mix;
    assert!(matches!(
        parallel.run((0..10).map(delayed(fn_pointer))),
        Err(Error::NotATask { .. })
    ));
    assert!(matches!(
        parallel.run_unordered((0..10).map(delayed(fn_pointer))),
        Err(Error::NotATask { .. })
    ));
}

#[test]
fn a_process_pool_without_the_guard_is_a_clear_error() {
    // libtest owns this binary's main, so it never calls worker_guard.
    let parallel = Parallel::new().n_jobs(2).backend(Backend::ProcessPool);
    let error = parallel.run((0..10).map(delayed(MIX))).unwrap_err();
    assert!(matches!(error, Error::Backend(_)), "{error}");
    assert!(error.to_string().contains("worker_guard"), "{error}");
}

#[test]
fn auto_batches_grow_for_tiny_tasks_and_stay_small_for_slow_ones() {
    within_deadline(|| {
        let parallel = Parallel::new().n_jobs(2).batch_size(BatchSize::Auto);
        parallel.run((0..200_000).map(delayed(mix))).unwrap();
        let tiny = parallel.last_run();
        assert_eq!(tiny.tasks, 200_000);
        assert!(
            tiny.largest_batch >= 64,
            "tiny tasks: largest batch {}",
            tiny.largest_batch
        );
        assert!(
            tiny.batches < 200_000 / 16,
            "tiny tasks: {} batches",
            tiny.batches
        );

        let slow = |x: u64| {
            std::thread::sleep(Duration::from_millis(5));
            x
        };
        parallel.run((0..40).map(delayed(slow))).unwrap();
        let slow = parallel.last_run();
        assert_eq!(
            slow.largest_batch, 1,
            "5 ms tasks are past the ideal batch duration alone"
        );
    });
}

#[test]
fn the_input_is_read_lazily_a_few_batches_ahead() {
    within_deadline(|| {
        let taken = Arc::new(AtomicUsize::new(0));
        let counter = taken.clone();
        let endless = (0_u64..).map(move |i| {
            counter.fetch_add(1, Ordering::Relaxed);
            delayed(mix)(i)
        });
        let parallel = Parallel::new().n_jobs(2).batch_size(4);
        let first: Vec<_> = parallel.run_unordered(endless).unwrap().take(10).collect();
        assert_eq!(first.len(), 10);
        let taken = taken.load(Ordering::Relaxed);
        assert!(taken < 100, "an endless input was read {taken} items ahead");
    });
}

#[test]
fn a_progress_bar_counts_every_finished_task() {
    within_deadline(|| {
        for batch in [BatchSize::Fixed(10), BatchSize::Auto] {
            let bar = indicatif::ProgressBar::hidden();
            let parallel = Parallel::new()
                .n_jobs(2)
                .batch_size(batch)
                .progress_bar(bar.clone());
            let got = parallel.run((0..1_234).map(delayed(mix))).unwrap();
            assert_eq!(got.len(), 1_234);
            assert_eq!(bar.position(), 1_234, "batch size {batch}");
            assert_eq!(bar.length(), Some(1_234), "the length comes from the input");
        }
        // Progress on: results unchanged.
        let parallel = Parallel::new().n_jobs(2).progress(true);
        assert_eq!(
            parallel.run((0..100).map(delayed(mix))).unwrap(),
            (0..100).map(mix).collect::<Vec<_>>()
        );
    });
}

#[test]
fn delayed_reads_like_joblib_and_keeps_the_argument() {
    let call: Delayed<_, u64> = delayed(mix)(5);
    assert_eq!(*call.arg(), 5);
    assert_eq!(call.call(), mix(5));
    // Several arguments travel as a tuple.
    let add = |(a, b): (u64, u64)| a + b;
    assert_eq!(delayed(add)((2, 3)).call(), 5);
    let sums = Parallel::new()
        .n_jobs(2)
        .run((0..4_u64).map(|i| delayed(add)((i, 10))))
        .unwrap();
    assert_eq!(sums, vec![10, 11, 12, 13]);
}

#[test]
fn an_empty_input_gives_an_empty_result() {
    within_deadline(|| {
        for backend in THREAD_BACKENDS {
            for batch in BATCH_SIZES {
                let parallel = Parallel::new().n_jobs(2).backend(backend).batch_size(batch);
                assert!(parallel.run((0..0).map(delayed(mix))).unwrap().is_empty());
                assert_eq!(
                    parallel
                        .run_unordered((0..0).map(delayed(mix)))
                        .unwrap()
                        .count(),
                    0
                );
            }
        }
    });
}
