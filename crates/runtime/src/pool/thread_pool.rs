//! [`ThreadPool`]: the handle to the workers, and the calls that steer them
//! (`execute`, `close`, `terminate`, `join`). The calls that run work are in
//! `map.rs`, `imap.rs` and `apply.rs`; starting a pool is in `builder.rs`.

use std::fmt;
use std::sync::Arc;

use super::queue::{Closure, Shared};
use crate::sync::{JoinHandle, Mutex, MutexGuard, Unpoison};
use crate::task::PoolError;

/// A pool of worker threads that run tasks: mirrors
/// `multiprocessing.pool.ThreadPool`. See the [module docs](super).
pub struct ThreadPool {
    pub(super) shared: Arc<Shared>,
    pub(super) threads: Mutex<Vec<JoinHandle<()>>>,
}

impl ThreadPool {
    /// The number of worker threads.
    pub fn workers(&self) -> usize {
        self.shared.workers
    }

    /// Queues `job` to run on a worker: the low-level primitive under every
    /// other method, for code that builds its own handles (futures, parallel
    /// loops). Costs one allocation (the box), one lock of the queue, and a
    /// wake-up system call only when a worker is asleep.
    ///
    /// A panic in `job` is caught (the panic hook prints it as usual) and the
    /// worker goes on. A job thrown away by [`terminate`](Self::terminate) is
    /// dropped without running: give it a value with a `Drop` impl if you need
    /// to hear about that. Fails with [`PoolError::Closed`] after `close` or
    /// `terminate` (the job is dropped).
    pub fn execute(&self, job: impl FnOnce() + Send + 'static) -> Result<(), PoolError> {
        self.shared.submit(Box::new(Closure(job)))
    }

    /// Stops accepting work; queued work still runs, then the workers exit.
    /// Python's `Pool.close()`. Calling it again does nothing.
    pub fn close(&self) {
        self.shared.close();
    }

    /// Stops accepting work and throws away every queued task: their
    /// [`AsyncResult`](super::AsyncResult)s, `imap` items and `map` calls fail
    /// with [`TaskErrorKind::Terminated`](super::TaskErrorKind::Terminated),
    /// and `apply_async` error callbacks run. Tasks already running finish (a
    /// thread cannot be killed safely; for work that must be stoppable, use a
    /// process pool). Returns without waiting; [`join`](Self::join) waits.
    /// Python's `Pool.terminate()`.
    pub fn terminate(&self) {
        self.shared.terminate();
    }

    /// Waits for every worker thread to exit. Python's `Pool.join()`: call
    /// [`close`](Self::close) or [`terminate`](Self::terminate) first, or this
    /// returns [`PoolError::StillRunning`] instead of waiting forever. A second
    /// call returns at once.
    pub fn join(&self) -> Result<(), PoolError> {
        if self.shared.is_running() {
            return Err(PoolError::StillRunning);
        }
        if self.shared.is_current_worker() {
            return Err(PoolError::JoinFromWorker);
        }
        let threads = std::mem::take(&mut *self.lock_threads());
        for thread in threads {
            // Workers catch every task's panic, so they only end by returning.
            let _ = thread.join();
        }
        Ok(())
    }

    pub(super) fn lock_threads(&self) -> MutexGuard<'_, Vec<JoinHandle<()>>> {
        self.threads.lock().unpoisoned()
    }
}

impl Drop for ThreadPool {
    /// Closes the pool, lets queued work finish, and joins every worker, so a
    /// dropped pool leaves no thread behind. (Python's `with Pool() as p:`
    /// calls `terminate()` on exit instead; call [`terminate`](Self::terminate)
    /// before dropping to get that.) Dropped on one of its own workers, it
    /// closes and lets the workers exit by themselves.
    fn drop(&mut self) {
        self.shared.close();
        if self.shared.is_current_worker() {
            return;
        }
        let _ = self.join();
    }
}

impl fmt::Debug for ThreadPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.shared.lock();
        f.debug_struct("ThreadPool")
            .field("workers", &self.shared.workers)
            .field("phase", &state.phase)
            .field("queued", &state.queue.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    //! Small and quick, so they also run under Miri, which checks the unsafe
    //! slots and the claim protocol for data races and leaks:
    //! `cargo +nightly miri test -p runtime --lib pool`.

    use std::sync::mpsc;
    use std::time::Duration;

    use super::super::imap::Imap;
    use super::*;
    use crate::task::{AsyncResult, TaskError, TaskErrorKind};

    fn pool(workers: usize) -> ThreadPool {
        ThreadPool::new(workers).expect("start the pool")
    }

    /// Runs `f` on a helper thread and fails if it has not finished in time.
    fn within(f: impl FnOnce() + Send + 'static) {
        let (done, finished) = mpsc::channel();
        std::thread::spawn(move || {
            f();
            let _ = done.send(());
        });
        match finished.recv_timeout(Duration::from_secs(120)) {
            Ok(()) => {}
            Err(mpsc::RecvTimeoutError::Timeout) => panic!("still waiting after 120 s"),
            Err(mpsc::RecvTimeoutError::Disconnected) => panic!("the test body panicked"),
        }
    }

    #[test]
    fn handles_can_move_between_threads() {
        fn send_and_sync<T: Send + Sync>() {}
        fn send<T: Send>() {}
        send_and_sync::<ThreadPool>();
        send::<AsyncResult<String>>();
        send::<Imap<'static, String>>();
        send::<TaskError>();
    }

    #[test]
    fn map_takes_every_item_once_and_writes_every_result_once() {
        within(map_takes_every_item_once_and_writes_every_result_once_body);
    }

    fn map_takes_every_item_once_and_writes_every_result_once_body() {
        let pool = pool(2);
        let words: Vec<String> = (0..24).map(|i| format!("w{i}")).collect();
        let expected: Vec<usize> = words.iter().map(String::len).collect();
        for chunksize in [1, 2, 5, 0] {
            let got = pool.map(|w: String| w.len(), words.clone(), chunksize);
            assert_eq!(got.as_ref(), Ok(&expected), "chunksize {chunksize}");
        }
    }

    #[test]
    fn a_failed_map_drops_what_it_took_and_wrote() {
        within(a_failed_map_drops_what_it_took_and_wrote_body);
    }

    fn a_failed_map_drops_what_it_took_and_wrote_body() {
        let pool = pool(2);
        let token = Arc::new(());
        let items: Vec<(usize, Arc<()>)> = (0..16).map(|i| (i, token.clone())).collect();
        let got = pool.map(
            |(i, t): (usize, Arc<()>)| {
                assert_ne!(i, 9, "nine fails");
                t
            },
            items,
            3,
        );
        assert_eq!(got.map(|v| v.len()).map_err(|e| e.index()), Err(9));
        assert_eq!(Arc::strong_count(&token), 1);
    }

    #[test]
    fn a_terminated_map_drops_the_items_nobody_claimed() {
        within(a_terminated_map_drops_the_items_nobody_claimed_body);
    }

    fn a_terminated_map_drops_the_items_nobody_claimed_body() {
        let pool = pool(1);
        let token = Arc::new(());
        pool.terminate();
        let got = pool.map(|t: Arc<()>| t, vec![token.clone(); 8], 1);
        assert_eq!(got.map_err(|e| e.kind()), Err(TaskErrorKind::PoolClosed));
        assert_eq!(Arc::strong_count(&token), 1);
    }

    #[test]
    fn imap_and_apply_async_deliver_in_order() {
        within(imap_and_apply_async_deliver_in_order_body);
    }

    fn imap_and_apply_async_deliver_in_order_body() {
        let pool = pool(2);
        let got: Vec<_> = pool.imap(|x: u32| x * 2, 0..10, 3).collect();
        assert_eq!(got, (0..10).map(|x| Ok(x * 2)).collect::<Vec<_>>());
        assert_eq!(pool.apply_async(|| 5).get(), Ok(5));
    }
}
