//! The operating system's side of a process pool, behind one small interface:
//! everything the rest of `process` asks of the OS goes through this file.
//!
//! | what | where |
//! |---|---|
//! | start a worker with its two protocol pipes | [`spawn_worker`], from one long-lived thread |
//! | keep a task from corrupting the pipes (its stdin and stdout go elsewhere) | `take_protocol_pipes`, in the worker |
//! | die with the parent | `die_with_parent`, in the worker |
//! | pipe sizing | inside `spawn_worker` and `take_protocol_pipes` |
//! | signals: SIGPIPE on a writer thread, Ctrl-C in a worker | `block_sigpipe_on_this_thread`, `ignore_interrupts` |
//! | kill, reap and describe a worker | [`WorkerProc`], [`describe_exit`] |
//!
//! The Unix implementation is `unix.rs` (Linux adds the parent-death signal,
//! the pipe size and the worker's malloc settings). Another platform gets a
//! file of its own with the same functions, chosen by `cfg` below.

use std::io;
use std::process::{Child, ExitStatus};
use std::sync::{Mutex, OnceLock, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use crate::sync::Unpoison;

#[cfg(unix)]
mod unix;
#[cfg(unix)]
use unix as imp;

pub(super) use imp::{
    block_sigpipe_on_this_thread, die_with_parent, ignore_interrupts, take_protocol_pipes,
};

/// The argument that marks a process as a worker: `<exe> --parlab-process-worker <parent pid>`.
/// It shows up in `ps`, like Python's `--multiprocessing-fork`.
pub(super) const WORKER_FLAG: &str = "--parlab-process-worker";

type SpawnReply = mpsc::SyncSender<io::Result<Child>>;

/// Starts a worker: this same executable, with the worker flag, stdin and stdout
/// as the two pipes, stderr shared with the parent.
///
/// Every worker is started from one long-lived thread. Linux sends the
/// parent-death signal when the *thread* that started a child exits, not the
/// process, so starting workers from a short-lived thread (a test, a pool's
/// writer replacing a worker) would kill them when that thread ends.
pub(super) fn spawn_worker() -> io::Result<Child> {
    static SPAWNER: OnceLock<mpsc::Sender<SpawnReply>> = OnceLock::new();
    let spawner = SPAWNER.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<SpawnReply>();
        // If the thread cannot start, the send below fails and says so.
        let _ = thread::Builder::new()
            .name("process-pool-spawner".into())
            .spawn(move || {
                for reply in rx {
                    let _ = reply.send(imp::start_worker(WORKER_FLAG));
                }
            });
        tx
    });
    let (reply, answer) = mpsc::sync_channel(1);
    spawner
        .send(reply)
        .map_err(|_| io::Error::other("the process-pool spawner thread is not running"))?;
    answer
        .recv()
        .map_err(|_| io::Error::other("the process-pool spawner thread stopped"))?
}

/// A worker process as the parent holds it.
pub(super) struct WorkerProc {
    pub(super) pid: u32,
    child: Mutex<Option<Child>>,
}

impl WorkerProc {
    pub(super) fn new(child: Child) -> Self {
        Self {
            pid: child.id(),
            child: Mutex::new(Some(child)),
        }
    }

    /// SIGKILL (or the platform's equivalent), unless it has been reaped
    /// already (so the pid cannot be reused).
    pub(super) fn kill(&self) {
        if let Some(child) = self.child.lock().unpoisoned().as_mut() {
            let _ = child.kill();
        }
    }

    /// Waits for the process to end (killing it after `grace`) and reaps it.
    pub(super) fn reap(&self, grace: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + grace;
        let mut pause = Duration::from_micros(50);
        loop {
            let mut slot = self.child.lock().unpoisoned();
            let child = slot.as_mut()?;
            match child.try_wait() {
                Ok(Some(status)) => {
                    *slot = None;
                    return Some(status);
                }
                Ok(None) if Instant::now() < deadline => {}
                _ => {
                    let _ = child.kill();
                    let status = child.wait().ok();
                    *slot = None;
                    return status;
                }
            }
            drop(slot);
            thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(5));
        }
    }
}

/// How a worker ended, for a person: "exited with code 3", "was killed by
/// signal 9 (SIGKILL)".
pub(super) fn describe_exit(status: Option<ExitStatus>) -> String {
    let Some(status) = status else {
        return "ended (its exit status is unknown)".to_owned();
    };
    if let Some(killed) = imp::killed_by(&status) {
        return killed;
    }
    match status.code() {
        Some(code) => format!("exited with code {code}"),
        None => format!("ended ({status})"),
    }
}
