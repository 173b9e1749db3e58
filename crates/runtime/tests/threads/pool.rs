//! Behaviour of `runtime::pool::ThreadPool` on real threads.
//!
//! Every test body runs under `within`, which fails the test after a generous
//! timeout instead of hanging. No test asserts a timing.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Barrier, Mutex};
use std::time::Duration;

use runtime::pool::{
    Callbacks, Chunksize, PoolError, TaskError, TaskErrorKind, ThreadPool, worker_index,
};

const LIMIT: Duration = Duration::from_secs(20);

/// Runs `f` on its own thread and returns its value, or fails the test if it
/// takes longer than `LIMIT` (a hang).
fn within<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(LIMIT) {
        Ok(value) => value,
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("{what}: still waiting after {LIMIT:?}"),
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("{what}: panicked"),
    }
}

fn chunksizes() -> Vec<Chunksize> {
    let mut sizes: Vec<Chunksize> = [1, 2, 3, 7, 64, 1000].map(Chunksize::Fixed).to_vec();
    sizes.push(Chunksize::Auto);
    sizes
}

#[test]
fn map_returns_results_in_input_order_for_every_chunksize_and_worker_count() {
    within(
        "map_returns_results_in_input_order_for_every_chunksize_and_worker_count",
        || {
            for workers in [1, 2, 3] {
                let pool = ThreadPool::new(workers).expect("start the pool");
                for len in [0, 1, 5, 999] {
                    let items: Vec<u64> = (0..len).collect();
                    let expected: Vec<u64> = items.iter().map(|x| x * x).collect();
                    for chunksize in chunksizes() {
                        let got = pool.map(|x| x * x, items.clone(), chunksize);
                        assert_eq!(
                            got.as_ref(),
                            Ok(&expected),
                            "{workers} workers, {len} items, {chunksize:?}"
                        );
                    }
                }
            }
        },
    );
}

#[test]
fn map_moves_owned_items_and_results() {
    within("map_moves_owned_items_and_results", || {
        let pool = ThreadPool::new(3).expect("start the pool");
        let words: Vec<String> = (0..500).map(|i| format!("w{i}")).collect();
        let expected: Vec<String> = words.iter().map(|w| w.to_uppercase()).collect();
        for chunksize in chunksizes() {
            let got = pool.map(|w: String| w.to_uppercase(), words.clone(), chunksize);
            assert_eq!(got.as_ref(), Ok(&expected), "{chunksize:?}");
        }
    });
}

#[test]
fn starmap_calls_the_function_with_each_tuples_fields_in_order() {
    within(
        "starmap_calls_the_function_with_each_tuples_fields_in_order",
        || {
            fn power(base: u64, exponent: u32) -> u64 {
                base.pow(exponent)
            }
            let pool = ThreadPool::new(2).expect("start the pool");
            let pairs: Vec<(u64, u32)> = (0..200).map(|i| (i % 7, (i % 5) as u32)).collect();
            let expected: Vec<u64> = pairs.iter().map(|&(b, e)| power(b, e)).collect();
            for chunksize in chunksizes() {
                assert_eq!(
                    pool.starmap(power, pairs.clone(), chunksize).as_ref(),
                    Ok(&expected)
                );
            }
            let sums = pool.starmap(
                |a: i32, b: i32, c: i32| a + b + c,
                vec![(1, 2, 3), (4, 5, 6)],
                1,
            );
            assert_eq!(sums, Ok(vec![6, 15]));
        },
    );
}

#[test]
fn imap_yields_results_in_input_order_for_every_chunksize() {
    within(
        "imap_yields_results_in_input_order_for_every_chunksize",
        || {
            let pool = ThreadPool::new(3).expect("start the pool");
            let expected: Vec<u64> = (0..777).map(|x| x + 1).collect();
            for chunksize in chunksizes() {
                let results = pool.imap(|x| x + 1, 0..777, chunksize);
                let got: Result<Vec<u64>, TaskError> = within("imap", move || results.collect());
                assert_eq!(got.as_ref(), Ok(&expected), "{chunksize:?}");
            }
        },
    );
}

#[test]
fn imap_unordered_yields_every_result_exactly_once() {
    within("imap_unordered_yields_every_result_exactly_once", || {
        let pool = ThreadPool::new(3).expect("start the pool");
        for chunksize in chunksizes() {
            let results = pool.imap_unordered(|x: u64| x * 3, 0..500, chunksize);
            let mut got: Vec<u64> =
                within("imap_unordered", move || results.collect::<Result<_, _>>())
                    .expect("no task panics");
            got.sort_unstable();
            assert_eq!(
                got,
                (0..500).map(|x| x * 3).collect::<Vec<_>>(),
                "{chunksize:?}"
            );
        }
    });
}

#[test]
fn imap_reads_its_input_lazily_and_accepts_an_endless_one() {
    within(
        "imap_reads_its_input_lazily_and_accepts_an_endless_one",
        || {
            let pool = ThreadPool::new(2).expect("start the pool");
            // The input is pulled by the consuming thread, so it may borrow.
            let pulled = AtomicUsize::new(0);
            let endless = (0_u64..).inspect(|_| {
                pulled.fetch_add(1, Ordering::Relaxed);
            });
            let first: Vec<u64> = pool
                .imap(|x| x * 2, endless, 1)
                .take(5)
                .map(|r| r.expect("no task panics"))
                .collect();
            assert_eq!(first, vec![0, 2, 4, 6, 8]);
            let window = runtime::pool::WINDOW_PER_WORKER * pool.workers();
            assert!(
                pulled.load(Ordering::Relaxed) <= 5 + window,
                "imap pulled {} items to yield 5 (window {window})",
                pulled.load(Ordering::Relaxed)
            );
        },
    );
}

#[test]
fn a_slow_first_item_does_not_make_imap_read_the_whole_input() {
    within(
        "a_slow_first_item_does_not_make_imap_read_the_whole_input",
        || {
            let pool = ThreadPool::new(2).expect("start the pool");
            let pulled = Arc::new(AtomicUsize::new(0));
            let counter = pulled.clone();
            let endless = (0_u64..).inspect(move |_| {
                counter.fetch_add(1, Ordering::SeqCst);
            });
            let (release, gate) = mpsc::channel::<()>();
            let gate = Mutex::new(gate);
            let results = pool.imap(
                move |x: u64| {
                    if x == 0 {
                        let gate = gate.lock().expect("not poisoned");
                        gate.recv_timeout(LIMIT).expect("released");
                    }
                    x
                },
                endless,
                1,
            );
            let consumer = std::thread::spawn(move || results.take(20).collect::<Vec<_>>());
            // Give the other worker time to race ahead; the bound must hold anyway.
            std::thread::sleep(Duration::from_millis(100));
            let window = runtime::pool::WINDOW_PER_WORKER * pool.workers();
            let ahead = pulled.load(Ordering::SeqCst);
            release.send(()).expect("item 0 waits");
            let got = within("the consumer", move || {
                consumer.join().expect("consumer ran")
            });
            assert!(
                ahead <= window,
                "imap read {ahead} items while item 0 ran (window {window})"
            );
            assert_eq!(got.len(), 20);
        },
    );
}

#[test]
fn dropping_an_imap_early_leaves_the_pool_working() {
    within("dropping_an_imap_early_leaves_the_pool_working", || {
        let pool = ThreadPool::new(2).expect("start the pool");
        let results = pool.imap(|x: u64| x, 0..100_000, 1);
        let first = within("first imap result", move || results.into_iter().next());
        assert_eq!(first, Some(Ok(0)));
        assert_eq!(pool.map(|x: u64| x + 1, vec![1, 2], 1), Ok(vec![2, 3]));
    });
}

#[test]
fn a_panicking_map_task_is_an_error_with_its_index_and_message_and_the_pool_lives_on() {
    within(
        "a_panicking_map_task_is_an_error_with_its_index_and_message_and_the_pool_lives_on",
        || {
            let pool = ThreadPool::new(2).expect("start the pool");
            for chunksize in chunksizes() {
                let got = pool.map(
                    |x: u64| {
                        if x == 37 || x == 80 {
                            panic!("no luck with {x}");
                        }
                        x
                    },
                    0..100,
                    chunksize,
                );
                let error = got.expect_err("two tasks panic");
                assert_eq!(error.kind(), TaskErrorKind::Panicked);
                assert_eq!(
                    error.index(),
                    37,
                    "the lowest panicking index, {chunksize:?}"
                );
                assert_eq!(error.message(), "no luck with 37");
            }
            // Every worker still serves.
            assert_eq!(pool.map(|x: u64| x * 10, 0..4, 1), Ok(vec![0, 10, 20, 30]));
        },
    );
}

#[test]
fn a_panic_inside_a_chunk_fails_only_that_item() {
    within("a_panic_inside_a_chunk_fails_only_that_item", || {
        let pool = ThreadPool::new(2).expect("start the pool");
        let ran = Arc::new(AtomicUsize::new(0));
        let counter = ran.clone();
        let got = pool.map(
            move |x: u64| {
                counter.fetch_add(1, Ordering::Relaxed);
                assert_ne!(x, 3, "three is out");
            },
            0..10,
            10,
        );
        assert_eq!(got.map_err(|e| e.index()), Err(3));
        assert_eq!(
            ran.load(Ordering::Relaxed),
            10,
            "the items after the panic still ran"
        );
    });
}

#[test]
fn imap_reports_a_panicking_item_in_place_and_goes_on() {
    within("imap_reports_a_panicking_item_in_place_and_goes_on", || {
        let pool = ThreadPool::new(2).expect("start the pool");
        for chunksize in [1, 4] {
            let results = pool.imap(
                |x: u64| {
                    if x == 2 {
                        panic!("two");
                    }
                    x
                },
                0..6,
                chunksize,
            );
            let got: Vec<Result<u64, TaskError>> =
                within("imap with a panic", move || results.collect());
            assert_eq!(got.len(), 6);
            let error = got[2].as_ref().expect_err("item 2 panics");
            assert_eq!((error.index(), error.message()), (2, "two"));
            for (i, outcome) in got.iter().enumerate().filter(|(i, _)| *i != 2) {
                assert_eq!(outcome, &Ok(i as u64));
            }
        }
    });
}

#[test]
fn map_drops_every_item_and_result_exactly_once_even_after_a_panic() {
    within(
        "map_drops_every_item_and_result_exactly_once_even_after_a_panic",
        || {
            let pool = ThreadPool::new(3).expect("start the pool");
            let token = Arc::new(());
            for chunksize in chunksizes() {
                let items: Vec<(usize, Arc<()>)> = (0..300).map(|i| (i, token.clone())).collect();
                let got = pool.map(
                    |(i, t): (usize, Arc<()>)| {
                        assert_ne!(i, 150, "boom");
                        t
                    },
                    items,
                    chunksize,
                );
                assert!(got.is_err());
                assert_eq!(
                    Arc::strong_count(&token),
                    1,
                    "{chunksize:?}: a leak or a double drop"
                );
                let ok = pool.map(|t: Arc<()>| t, vec![token.clone(); 50], chunksize);
                assert_eq!(ok.map(|v| v.len()), Ok(50));
                assert_eq!(Arc::strong_count(&token), 1);
            }
        },
    );
}

#[test]
fn apply_async_gives_the_result_and_reports_readiness() {
    within("apply_async_gives_the_result_and_reports_readiness", || {
        let pool = ThreadPool::new(2).expect("start the pool");
        let (release, gate) = mpsc::channel::<()>();
        let handle = pool.apply_async(move || {
            gate.recv_timeout(LIMIT).expect("released");
            42
        });
        assert!(!handle.ready());
        assert_eq!(handle.successful(), None);
        assert!(!handle.wait_timeout(Duration::from_millis(10)));
        release.send(()).expect("the task waits");
        assert!(handle.wait_timeout(LIMIT));
        assert!(handle.ready());
        assert_eq!(handle.successful(), Some(true));
        assert_eq!(handle.get(), Ok(42));
        assert_eq!(pool.apply(|| "done"), Ok("done"));
    });
}

#[test]
fn get_timeout_gives_up_with_a_timed_out_error_while_the_task_runs_on() {
    within(
        "get_timeout_gives_up_with_a_timed_out_error_while_the_task_runs_on",
        || {
            let pool = ThreadPool::new(1).expect("start the pool");
            let (release, gate) = mpsc::channel::<()>();
            let finished = Arc::new(AtomicUsize::new(0));
            let flag = finished.clone();
            let handle = pool.apply_async(move || {
                gate.recv_timeout(LIMIT).expect("released");
                flag.fetch_add(1, Ordering::SeqCst);
            });
            let error = handle
                .get_timeout(Duration::from_millis(20))
                .expect_err("the task is blocked");
            assert_eq!(error.kind(), TaskErrorKind::TimedOut);
            release.send(()).expect("the task waits");
            // The pool (one worker) serves the next task only after the first finished.
            assert_eq!(pool.apply(|| ()), Ok(()));
            assert_eq!(finished.load(Ordering::SeqCst), 1);
        },
    );
}

#[test]
fn callbacks_run_exactly_once_per_task_and_before_get_returns() {
    within(
        "callbacks_run_exactly_once_per_task_and_before_get_returns",
        || {
            let pool = ThreadPool::new(3).expect("start the pool");
            let successes = Arc::new(AtomicUsize::new(0));
            let failures = Arc::new(AtomicUsize::new(0));
            let handles: Vec<_> = (0..200_u64)
                .map(|i| {
                    let (s, f) = (successes.clone(), failures.clone());
                    pool.apply_async_with(
                        move || {
                            assert_ne!(i % 10, 0, "multiples of ten fail");
                            i
                        },
                        Callbacks::new()
                            .callback(move |r: &u64| {
                                assert_ne!(*r % 10, 0);
                                s.fetch_add(1, Ordering::SeqCst);
                            })
                            .error_callback(move |e: &TaskError| {
                                assert_eq!(e.kind(), TaskErrorKind::Panicked);
                                f.fetch_add(1, Ordering::SeqCst);
                            }),
                    )
                })
                .collect();
            let outcomes: Vec<_> = within("all 200 results", move || {
                handles.into_iter().map(|h| h.get().is_ok()).collect()
            });
            let ok = outcomes.iter().filter(|&&ok| ok).count();
            assert_eq!(ok, 180);
            assert_eq!(successes.load(Ordering::SeqCst), 180);
            assert_eq!(failures.load(Ordering::SeqCst), 20);
        },
    );
}

/// The runtime's one rule for a callback that panics (`runtime::task::Callbacks`):
/// it is reported on stderr and changes nothing else. The process pool's
/// test of the same name holds it there.
#[test]
fn a_panicking_callback_changes_nothing_but_a_line_on_stderr() {
    within(
        "a_panicking_callback_changes_nothing_but_a_line_on_stderr",
        || {
            let pool = ThreadPool::new(1).expect("start the pool");
            let handle =
                pool.apply_async_with(|| 1, Callbacks::new().callback(|_| panic!("bad callback")));
            assert_eq!(handle.get(), Ok(1), "the result is delivered as it was");
            let failing = pool.apply_async_with(
                || -> u32 { panic!("bad task") },
                Callbacks::new().error_callback(|_| panic!("bad error callback")),
            );
            let error = failing.get().expect_err("the task panicked");
            assert_eq!(error.kind(), TaskErrorKind::Panicked);
            assert_eq!(error.message(), "bad task", "the task's own error stands");
            assert_eq!(pool.apply(|| 2), Ok(2), "the pool keeps serving");
        },
    );
}

#[test]
fn close_lets_queued_work_finish_then_join_returns_and_new_work_is_refused() {
    within(
        "close_lets_queued_work_finish_then_join_returns_and_new_work_is_refused",
        || {
            let pool = ThreadPool::new(2).expect("start the pool");
            let done = Arc::new(AtomicUsize::new(0));
            let handles: Vec<_> = (0..50)
                .map(|_| {
                    let done = done.clone();
                    pool.apply_async(move || {
                        std::thread::sleep(Duration::from_micros(200));
                        done.fetch_add(1, Ordering::SeqCst);
                    })
                })
                .collect();
            assert!(matches!(pool.join(), Err(PoolError::StillRunning)));
            pool.close();
            let pool = within("join after close", move || {
                pool.join().expect("closed, so join waits");
                pool
            });
            assert_eq!(
                done.load(Ordering::SeqCst),
                50,
                "queued work ran before the workers left"
            );
            assert!(handles.into_iter().all(|h| h.get().is_ok()));

            assert!(matches!(pool.execute(|| ()), Err(PoolError::Closed)));
            assert_eq!(
                pool.map(|x: u8| x, vec![1], 1).map_err(|e| e.kind()),
                Err(TaskErrorKind::PoolClosed)
            );
            assert_eq!(
                pool.apply(|| 1).map_err(|e| e.kind()),
                Err(TaskErrorKind::PoolClosed)
            );
            let refused = pool.imap(|x: u8| x, vec![1, 2], 1);
            let refused: Vec<_> = within("refused imap", move || refused.collect());
            assert!(refused.iter().all(|r| {
                r.as_ref()
                    .is_err_and(|e| e.kind() == TaskErrorKind::PoolClosed)
            }));
            assert!(pool.join().is_ok(), "a second join returns at once");
        },
    );
}

#[test]
fn terminate_discards_queued_work_and_returns_promptly() {
    within(
        "terminate_discards_queued_work_and_returns_promptly",
        || {
            let pool = Arc::new(ThreadPool::new(2).expect("start the pool"));
            // Both workers block until released, so everything else stays queued.
            let gate = Arc::new(Barrier::new(3));
            let (entered, entries) = mpsc::channel();
            for _ in 0..2 {
                let (gate, entered) = (gate.clone(), entered.clone());
                pool.execute(move || {
                    entered.send(()).expect("the test waits");
                    gate.wait();
                })
                .expect("running");
            }
            for _ in 0..2 {
                entries
                    .recv_timeout(LIMIT)
                    .expect("both workers are at the gate");
            }
            let discarded = Arc::new(AtomicUsize::new(0));
            let ran = Arc::new(AtomicUsize::new(0));
            let handles: Vec<_> = (0..1000)
                .map(|_| {
                    let (d, r) = (discarded.clone(), ran.clone());
                    pool.apply_async_with(
                        move || r.fetch_add(1, Ordering::SeqCst),
                        Callbacks::new().error_callback(move |e: &TaskError| {
                            assert_eq!(e.kind(), TaskErrorKind::Terminated);
                            d.fetch_add(1, Ordering::SeqCst);
                        }),
                    )
                })
                .collect();
            let mut results = pool.imap(|x: u64| x, 0..10, 1);
            let p = pool.clone();
            within("terminate", move || p.terminate());
            assert_eq!(
                discarded.load(Ordering::SeqCst),
                1000,
                "every queued task's error callback ran"
            );
            let outcomes = within("discarded results", move || {
                handles
                    .into_iter()
                    .map(|h| h.get().map_err(|e| e.kind()))
                    .collect::<Vec<_>>()
            });
            assert!(
                outcomes
                    .iter()
                    .all(|o| *o == Err(TaskErrorKind::Terminated))
            );
            let first = within("discarded imap item", move || results.next());
            assert_eq!(
                first.map(|r| r.map_err(|e| e.kind())),
                Some(Err(TaskErrorKind::Terminated))
            );

            within("join after terminate", move || {
                gate.wait();
                pool.join().expect("terminated")
            });
            assert_eq!(ran.load(Ordering::SeqCst), 0, "no discarded task ran");
        },
    );
}

#[test]
fn terminate_stops_a_map_in_progress_with_an_error_and_drops_its_items() {
    within(
        "terminate_stops_a_map_in_progress_with_an_error_and_drops_its_items",
        || {
            let pool = Arc::new(ThreadPool::new(2).expect("start the pool"));
            let token = Arc::new(());
            let items: Vec<Arc<()>> = vec![token.clone(); 100_000];
            let (started, first_task) = mpsc::channel();
            let p = pool.clone();
            let mapping = std::thread::spawn(move || {
                let once = std::sync::Once::new();
                p.map(
                    move |t: Arc<()>| {
                        once.call_once(|| started.send(()).expect("the test waits"));
                        std::thread::sleep(Duration::from_micros(50));
                        t
                    },
                    items,
                    1,
                )
            });
            first_task.recv_timeout(LIMIT).expect("the map started");
            pool.terminate();
            let outcome = within("the terminated map", move || {
                mapping.join().expect("map returns")
            });
            let error = outcome.expect_err("terminated before every item ran");
            assert_eq!(error.kind(), TaskErrorKind::Terminated);
            assert!(error.index() < 100_000, "{error}");
            assert_eq!(
                Arc::strong_count(&token),
                1,
                "unclaimed items and written results were dropped"
            );
        },
    );
}

#[test]
fn initializer_runs_once_per_worker_with_its_index_before_any_task() {
    within(
        "initializer_runs_once_per_worker_with_its_index_before_any_task",
        || {
            let seen = Arc::new(Mutex::new(Vec::new()));
            let log = seen.clone();
            let pool = ThreadPool::builder()
                .workers(4)
                .initializer(move |w| log.lock().expect("not poisoned").push(w))
                .build()
                .expect("starts");
            let mut indices = seen.lock().expect("not poisoned").clone();
            indices.sort_unstable();
            assert_eq!(
                indices,
                vec![0, 1, 2, 3],
                "build waits for every initializer"
            );
            let workers = pool
                .map(|_: u8| worker_index(), vec![0; 100], 1)
                .expect("no panics");
            assert!(workers.iter().all(|w| w.is_some_and(|w| w < 4)));
            assert_eq!(worker_index(), None, "the test thread is not a worker");
        },
    );
}

#[test]
fn a_panicking_initializer_fails_the_build_with_its_message() {
    within(
        "a_panicking_initializer_fails_the_build_with_its_message",
        || {
            let built = ThreadPool::builder()
                .workers(3)
                .initializer(|w| {
                    if w == 1 {
                        panic!("cannot open the database");
                    }
                })
                .build();
            match built {
                Err(PoolError::InitializerPanicked { worker, message }) => {
                    assert_eq!(worker, 1);
                    assert_eq!(message, "cannot open the database");
                }
                other => panic!("expected InitializerPanicked, got {other:?}"),
            }
        },
    );
}

#[test]
fn zero_workers_is_a_clear_error() {
    within("zero_workers_is_a_clear_error", || {
        let error = ThreadPool::builder()
            .workers(0)
            .build()
            .expect_err("zero workers");
        assert!(matches!(error, PoolError::NoWorkers));
        assert!(error.to_string().contains("at least one worker"));
    });
}

#[test]
fn execute_runs_jobs_and_a_panicking_job_does_not_kill_its_worker() {
    within(
        "execute_runs_jobs_and_a_panicking_job_does_not_kill_its_worker",
        || {
            let pool = ThreadPool::new(1).expect("start the pool");
            pool.execute(|| panic!("job fails")).expect("running");
            let (tx, rx) = mpsc::channel();
            pool.execute(move || tx.send(worker_index()).expect("receiver waits"))
                .expect("running");
            assert_eq!(rx.recv_timeout(LIMIT), Ok(Some(0)));
        },
    );
}

#[test]
fn a_task_may_use_its_own_pool_without_deadlock_even_with_one_worker() {
    within(
        "a_task_may_use_its_own_pool_without_deadlock_even_with_one_worker",
        || {
            let pool = Arc::new(ThreadPool::new(1).expect("start the pool"));
            let inner = pool.clone();
            let handle = pool.apply_async(move || {
                let squares = inner.map(|x: u64| x * x, 0..100, 1).expect("no panics");
                let nested = inner.apply_async(|| 7).get().expect("no panic");
                let lazy: u64 = inner
                    .imap(|x: u64| x, 0..10, 1)
                    .map(|r| r.expect("ok"))
                    .sum();
                squares.iter().sum::<u64>() + nested + lazy
            });
            let total = within("nested use of the pool", move || handle.get());
            assert_eq!(total, Ok(328_350 + 7 + 45));
        },
    );
}

#[test]
fn many_threads_may_map_on_one_pool_at_once() {
    within("many_threads_may_map_on_one_pool_at_once", || {
        let pool = Arc::new(ThreadPool::new(3).expect("start the pool"));
        let callers: Vec<_> = (0..4_u64)
            .map(|c| {
                let pool = pool.clone();
                std::thread::spawn(move || {
                    for round in 0..30_u64 {
                        let items: Vec<u64> = (0..200).map(|i| i + c * round).collect();
                        let expected: Vec<u64> = items.iter().map(|x| x * 2).collect();
                        let chunksize = [1, 5, 0][(round % 3) as usize];
                        assert_eq!(pool.map(|x| x * 2, items, chunksize), Ok(expected));
                    }
                })
            })
            .collect();
        within("four callers", move || {
            for caller in callers {
                caller.join().expect("caller succeeded");
            }
        });
    });
}

#[test]
fn dropping_a_pool_finishes_its_queued_work() {
    within("dropping_a_pool_finishes_its_queued_work", || {
        let done = Arc::new(AtomicUsize::new(0));
        let counter = done.clone();
        within("drop", move || {
            let pool = ThreadPool::new(2).expect("start the pool");
            for _ in 0..100 {
                let counter = counter.clone();
                pool.execute(move || {
                    counter.fetch_add(1, Ordering::SeqCst);
                })
                .expect("running");
            }
        });
        assert_eq!(done.load(Ordering::SeqCst), 100);
    });
}

#[test]
fn errors_say_what_happened_and_what_to_do() {
    within("errors_say_what_happened_and_what_to_do", || {
        let pool = ThreadPool::new(1).expect("start the pool");
        let error = pool
            .apply(|| -> () { panic!("disk full") })
            .expect_err("panics");
        assert_eq!(error.to_string(), "task 0 panicked: disk full");
        pool.close();
        let refused = pool.map(|x: u8| x, vec![1], 1).expect_err("closed");
        assert!(
            refused.to_string().contains("submit before close()"),
            "{refused}"
        );
        assert!(
            PoolError::StillRunning
                .to_string()
                .contains("close() or terminate() first")
        );
    });
}
