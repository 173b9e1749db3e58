//! Loom models of the thread pool's queue and shutdown protocol.
//!
//! These run the real [`ThreadPool`]: under `--cfg loom` its queue lock, the
//! condition variable its idle workers sleep on, the queue-length counter they
//! watch, the worker threads and their start-up reports are loom's (the `sync`
//! shim in `pool.rs`), so loom runs each model under every interleaving of the
//! workers and the test's threads, up to the preemption bound. It fails on a
//! deadlock — every thread blocked, which is how a lost wake-up shows: a worker
//! asleep while a job waits in the queue, and the test waiting for that job —
//! on a failed assertion, and on a `loom::sync::Arc` still alive when an
//! execution ends (a job neither run nor dropped).
//!
//! What is modelled: `execute` (the queue entry under every other call),
//! the worker loop (take, watch, sleep, wake), `close`, `terminate`, `join`
//! and drop. The idle worker's 50 µs watch of the queue length becomes a
//! single look (loom has no clock); since the worker checks the queue again
//! under the lock afterwards, how long it watched changes no outcome checked
//! here. Not modelled: `map`'s shared job (its latch and chunk claims keep
//! std's locks, and its unsafe result slots are checked with Miri:
//! `cargo +nightly miri test -p runtime --lib pool`), and `apply_async`'s
//! result slot; both reach the queue through the same `submit` these models
//! check.
//!
//! The models were checked against broken pools (each change made by hand,
//! then undone): a `submit` that never wakes a sleeper, or reads the sleeper
//! count under a separate lock, deadlocks `a_queued_job_wakes_a_sleeping_worker`;
//! `close` without its `notify_all` deadlocks five models; workers that exit on
//! `close` before draining the queue fail the two `close` models; a
//! `terminate` that leaves the queue in place fails the `terminate` model.
//!
//! Run with:
//! `RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom cargo test -p runtime --release --test loom pool`

use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use loom::sync::{Arc, Condvar, Mutex, Notify};
use loom::thread;
use runtime::pool::{PoolError, ThreadPool};

/// Runs `f` under loom with at most 3 preemptions per execution.
fn model<F: Fn() + Sync + Send + 'static>(f: F) {
    model_bounded(3, f);
}

/// Runs `f` under loom with at most `preemptions` preemptions per execution
/// (`LOOM_MAX_PREEMPTIONS` overrides it). Lost wake-ups and races with
/// shutdown need one or two forced switches; the bound keeps every schedule
/// with up to that many, and keeps the run in seconds: unbounded, the
/// two-worker models run for hours (at 3, the four-thread model below alone
/// takes six minutes; at 2, seven seconds).
fn model_bounded<F: Fn() + Sync + Send + 'static>(preemptions: usize, f: F) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = builder.preemption_bound.or(Some(preemptions));
    builder.check(f);
}

/// Counts what became of the jobs given to the pool: each must end up run
/// exactly once, or dropped unrun exactly once.
#[derive(Default)]
struct Ledger {
    ran: AtomicUsize,
    dropped_unrun: AtomicUsize,
}

impl Ledger {
    fn ran(&self) -> usize {
        self.ran.load(SeqCst)
    }
    fn dropped_unrun(&self) -> usize {
        self.dropped_unrun.load(SeqCst)
    }
}

/// A job's ticket: running it records a run; dropping it without running it
/// (a job thrown away by `terminate`, or refused after `close`) records that.
struct Job {
    ledger: Arc<Ledger>,
    ran: bool,
}

impl Job {
    fn new(ledger: &Arc<Ledger>) -> Self {
        Self {
            ledger: ledger.clone(),
            ran: false,
        }
    }

    fn run(mut self) {
        self.ran = true;
        self.ledger.ran.fetch_add(1, SeqCst);
    }
}

impl Drop for Job {
    fn drop(&mut self) {
        if !self.ran {
            self.ledger.dropped_unrun.fetch_add(1, SeqCst);
        }
    }
}

/// A flag one thread raises and another waits for, with a loom condition
/// variable: the test's own way to wait for a job, so that if the pool never
/// runs it, every thread ends up blocked and loom reports the deadlock.
#[derive(Default)]
struct Signal {
    raised: Mutex<bool>,
    changed: Condvar,
}

impl Signal {
    fn raise(&self) {
        *self.raised.lock().unwrap() = true;
        self.changed.notify_all();
    }

    fn wait(&self) {
        let mut raised = self.raised.lock().unwrap();
        while !*raised {
            raised = self.changed.wait(raised).unwrap();
        }
    }
}

/// A worker that has gone to sleep on an empty queue is woken by the next job,
/// whatever point of going to sleep it had reached when the job came: the test
/// waits for the job without closing the pool (closing would wake everyone and
/// hide a lost wake-up), so a lost one is a deadlock.
#[test]
fn a_queued_job_wakes_a_sleeping_worker() {
    model(|| {
        let pool = ThreadPool::new(1).expect("start the pool");
        let done = Arc::new(Signal::default());
        let signal = done.clone();
        pool.execute(move || signal.raise()).expect("running pool");
        done.wait();
    });
}

/// The same with two workers and two jobs submitted from two threads at once:
/// `submit` wakes a worker only when one sleeps (`sleepers > 0`), so the
/// count of sleepers must be right under every interleaving of two submits
/// with two workers going to sleep and waking.
#[test]
fn two_submitters_and_two_workers_lose_no_wake_up() {
    // Four threads: a bound of 3 takes minutes here, see `model_bounded`.
    model_bounded(2, || {
        let pool = Arc::new(ThreadPool::new(2).expect("start the pool"));
        let ledger = Arc::new(Ledger::default());
        let all_ran = Arc::new(Notify::new());
        let submit = |pool: &ThreadPool, ledger: &Arc<Ledger>, all_ran: &Arc<Notify>| {
            let (job, ledger, all_ran) = (Job::new(ledger), ledger.clone(), all_ran.clone());
            pool.execute(move || {
                job.run();
                if ledger.ran() == 2 {
                    all_ran.notify();
                }
            })
            .expect("running pool");
        };
        let other = {
            let (pool, ledger, all_ran) = (pool.clone(), ledger.clone(), all_ran.clone());
            thread::spawn(move || submit(&pool, &ledger, &all_ran))
        };
        submit(&pool, &ledger, &all_ran);
        while ledger.ran() < 2 {
            all_ran.wait();
        }
        other.join().expect("submitter");
        assert_eq!(ledger.dropped_unrun(), 0);
    });
}

/// `close` then `join` returns only once every job queued before the close
/// has run: no queued job is lost, and the workers drain the queue before
/// they exit.
#[test]
fn close_and_join_return_after_every_queued_job_ran() {
    model(|| {
        let pool = ThreadPool::new(2).expect("start the pool");
        let ledger = Arc::new(Ledger::default());
        for _ in 0..2 {
            let job = Job::new(&ledger);
            pool.execute(move || job.run()).expect("running pool");
        }
        pool.close();
        pool.join().expect("closed first");
        assert_eq!((ledger.ran(), ledger.dropped_unrun()), (2, 0));
    });
}

/// A job submitted while another thread closes the pool is either accepted and
/// run before `join` returns, or refused with `PoolError::Closed` and dropped
/// unrun: never accepted and then lost, never run after `join`.
#[test]
fn a_job_racing_close_runs_or_is_refused_never_lost() {
    model(|| {
        let pool = Arc::new(ThreadPool::new(1).expect("start the pool"));
        let ledger = Arc::new(Ledger::default());
        let submitter = {
            let (pool, ledger) = (pool.clone(), ledger.clone());
            thread::spawn(move || {
                let job = Job::new(&ledger);
                pool.execute(move || job.run())
            })
        };
        pool.close();
        pool.join().expect("closed first");
        let (ran_by_join, dropped_by_join) = (ledger.ran(), ledger.dropped_unrun());
        let accepted = submitter.join().expect("submitter");
        match accepted {
            Ok(()) => assert_eq!((ran_by_join, dropped_by_join), (1, 0)),
            Err(PoolError::Closed) => {
                assert_eq!(ran_by_join, 0, "a refused job never runs");
                assert_eq!((ledger.ran(), ledger.dropped_unrun()), (0, 1));
            }
            Err(other) => panic!("unexpected error {other:?}"),
        }
    });
}

/// `terminate` throws queued jobs away (dropped, never run) and returns without
/// waiting for the job that is running: here the running job cannot finish
/// until `terminate` has returned, so waiting for it would deadlock. `join`
/// then returns once the running job ends.
#[test]
fn terminate_drops_queued_jobs_and_returns_without_waiting() {
    model(|| {
        let pool = ThreadPool::new(1).expect("start the pool");
        let ledger = Arc::new(Ledger::default());
        let gate = Arc::new(AtomicBool::new(false));
        let opened = Arc::new(Notify::new());
        let first_ran = Arc::new(AtomicBool::new(false));
        {
            let job = Job::new(&ledger);
            let (gate, opened, first_ran) = (gate.clone(), opened.clone(), first_ran.clone());
            pool.execute(move || {
                first_ran.store(true, SeqCst);
                job.run();
                while !gate.load(SeqCst) {
                    opened.wait();
                }
            })
            .expect("running pool");
        }
        let second = Job::new(&ledger);
        pool.execute(move || second.run()).expect("running pool");
        pool.terminate();
        gate.store(true, SeqCst);
        opened.notify();
        pool.join().expect("terminated first");
        // The one worker is inside the first job, or has not reached it, until
        // after `terminate`: the second job is always thrown away.
        let first = usize::from(first_ran.load(SeqCst));
        assert_eq!(ledger.ran(), first, "only the first job can have run");
        assert_eq!(ledger.dropped_unrun(), 2 - first, "the rest were dropped");
        assert!(
            matches!(pool.execute(|| ()), Err(PoolError::Closed)),
            "a terminated pool refuses work"
        );
    });
}

/// A job submitted while another thread terminates the pool is run or dropped,
/// exactly once either way, and `terminate` + `join` return.
#[test]
fn a_job_racing_terminate_is_run_or_dropped_exactly_once() {
    model(|| {
        let pool = Arc::new(ThreadPool::new(1).expect("start the pool"));
        let ledger = Arc::new(Ledger::default());
        let submitter = {
            let (pool, ledger) = (pool.clone(), ledger.clone());
            thread::spawn(move || {
                let job = Job::new(&ledger);
                let _ = pool.execute(move || job.run());
            })
        };
        pool.terminate();
        pool.join().expect("terminated first");
        submitter.join().expect("submitter");
        assert_eq!(ledger.ran() + ledger.dropped_unrun(), 1);
    });
}

/// Dropping a pool whose workers are anywhere in starting, watching or going
/// to sleep closes it, wakes them, and joins them: no deadlock, no thread left
/// (loom fails an execution that ends with a thread still running).
#[test]
fn dropping_an_idle_pool_wakes_and_joins_every_worker() {
    model(|| {
        let pool = ThreadPool::new(2).expect("start the pool");
        assert!(matches!(pool.join(), Err(PoolError::StillRunning)));
        drop(pool);
    });
}
