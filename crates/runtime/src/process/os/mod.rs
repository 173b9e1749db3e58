//! The operating system's side of a process pool, behind one small interface:
//! everything the rest of `process` asks of the OS goes through this file.
//!
//! | what | where |
//! |---|---|
//! | which family's way a pool starts its workers (chosen at pool start) | [`Flavor`] |
//! | start a worker with its two protocol pipes (sized) | [`spawn_worker`], from one long-lived thread |
//! | keep a task from corrupting the pipes (its stdin and stdout go elsewhere) | `take_protocol_pipes`, in the worker |
//! | die with the parent, even while a task runs | `die_with_parent`, in the worker; the job object on Windows |
//! | signals: SIGPIPE on a writer thread, Ctrl-C in a worker | `block_sigpipe_on_this_thread`, `ignore_interrupts` |
//! | kill, reap and describe a worker | [`WorkerProc`], [`describe_exit`] |
//!
//! One implementation per family, each a file with the same functions:
//!
//! | file | family | dies with its parent by | pipes |
//! |---|---|---|---|
//! | `unix.rs` | Linux | the kernel's parent-death signal (`prctl(PR_SET_PDEATHSIG)`) | grown to 1 MiB; the worker runs `/proc/self/exe` |
//! | `unix.rs` + `watch.rs` | macOS, the BSDs, other Unix; Linux with `PARLAB_PORTABLE_WORKERS=1` | a watcher thread on the request pipe's end-of-file, then `getppid` | the system's default size |
//! | `windows.rs` + `watch.rs` | Windows | a job object that kills every worker when the parent's handle to it closes; the watcher thread as well | 1 MiB |
//!
//! The portable path (the watcher, `watch.rs`) is what macOS runs. It can be
//! chosen on Linux too, so that it is tested where the course is built:
//! set [`PORTABLE_WORKERS_ENV`] (`PARLAB_PORTABLE_WORKERS=1`) before a pool starts.
//! The variable is read when a pool starts and the choice is passed to each of
//! its workers on the command line, where `ps` shows it.

use std::fs::File;
use std::io::{self, Read};
use std::process::{Child, ExitStatus};
use std::sync::{Mutex, OnceLock, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use crate::sync::Unpoison;

#[cfg(unix)]
mod unix;
#[cfg(unix)]
use unix as imp;

#[cfg(windows)]
mod windows;
#[cfg(windows)]
use windows as imp;

mod watch;

pub(super) use imp::{block_sigpipe_on_this_thread, ignore_interrupts, take_protocol_pipes};

/// The argument that marks a process as a worker:
/// `<exe> --parlab-process-worker <parent pid> <flavor>`. It shows up in `ps`,
/// like Python's `--multiprocessing-fork`.
pub(super) const WORKER_FLAG: &str = "--parlab-process-worker";

/// The environment variable that selects the portable path on Linux:
/// `PARLAB_PORTABLE_WORKERS=1`.
///
/// Set (to anything but `0` or nothing) when a pool starts, it makes the pool's
/// workers take the path macOS and the other Unix systems take: a watcher
/// thread in each worker instead of the kernel's parent-death signal, the
/// system's default pipe size, and the executable's path instead of
/// `/proc/self/exe`. It is read when a pool starts; a pool's replacement
/// workers (`maxtasksperchild`) follow the pool's choice. Windows has one path
/// and ignores it. The tests set it to run the macOS path on Linux:
///
/// ```text
/// PARLAB_PORTABLE_WORKERS=1 cargo test -p runtime --test processes
/// ```
pub const PORTABLE_WORKERS_ENV: &str = "PARLAB_PORTABLE_WORKERS";

/// Which family's way a pool starts its workers and how they die with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Flavor {
    /// Linux: the kernel kills a worker when its parent dies
    /// (`PR_SET_PDEATHSIG`); pipes of 1 MiB; the worker runs `/proc/self/exe`.
    Linux,
    /// macOS, the BSDs and other Unix systems (and Linux with
    /// [`PORTABLE_WORKERS_ENV`] set): a thread in the worker reads the request pipe
    /// and ends the process when it reaches end-of-file with the parent gone
    /// (`watch.rs`); the pipes keep the system's size.
    Portable,
    /// Windows: every worker is in a job object that kills it when the parent
    /// process ends; the same watcher thread as the portable path; 1 MiB pipes.
    Windows,
}

impl Flavor {
    /// The flavor for a pool starting now: the system's, or the portable one
    /// on Linux when [`PORTABLE_WORKERS_ENV`] says so.
    pub(super) fn for_new_pool() -> Self {
        if cfg!(windows) {
            return Flavor::Windows;
        }
        let portable =
            std::env::var_os(PORTABLE_WORKERS_ENV).is_some_and(|v| !v.is_empty() && v != "0");
        if cfg!(target_os = "linux") && !portable {
            Flavor::Linux
        } else {
            Flavor::Portable
        }
    }

    /// How the flavor is written on a worker's command line.
    pub(super) fn as_arg(self) -> &'static str {
        match self {
            Flavor::Linux => "linux",
            Flavor::Portable => "portable",
            Flavor::Windows => "windows",
        }
    }

    /// The flavor a worker's command line names. A name this build does not
    /// know (or a missing one) means the watcher, which works everywhere.
    pub(super) fn from_arg(arg: Option<&str>) -> Self {
        match arg {
            Some("linux") if cfg!(target_os = "linux") => Flavor::Linux,
            _ if cfg!(windows) => Flavor::Windows,
            _ => Flavor::Portable,
        }
    }
}

/// A worker just started: the process, the pipe its requests go down, and the
/// pipe its results come up.
pub(super) struct Spawned {
    pub(super) child: Child,
    pub(super) requests: File,
    pub(super) results: File,
}

type SpawnReply = mpsc::SyncSender<io::Result<Spawned>>;

/// Starts a worker: this same executable, with the worker flag, its parent's
/// pid and `flavor` as arguments, stdin and stdout as the two pipes, stderr
/// shared with the parent.
///
/// Every worker is started from one long-lived thread. Linux sends the
/// parent-death signal when the *thread* that started a child exits, not the
/// process, so starting workers from a short-lived thread (a test, a pool's
/// writer replacing a worker) would kill them when that thread ends. The other
/// systems do not need it, and lose nothing by it.
pub(super) fn spawn_worker(flavor: Flavor) -> io::Result<Spawned> {
    static SPAWNER: OnceLock<mpsc::Sender<(Flavor, SpawnReply)>> = OnceLock::new();
    let spawner = SPAWNER.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<(Flavor, SpawnReply)>();
        // If the thread cannot start, the send below fails and says so.
        let _ = thread::Builder::new()
            .name("process-pool-spawner".into())
            .spawn(move || {
                for (flavor, reply) in rx {
                    let _ = reply.send(imp::start_worker(WORKER_FLAG, flavor));
                }
            });
        tx
    });
    let (reply, answer) = mpsc::sync_channel(1);
    spawner
        .send((flavor, reply))
        .map_err(|_| io::Error::other("the process-pool spawner thread is not running"))?;
    answer
        .recv()
        .map_err(|_| io::Error::other("the process-pool spawner thread stopped"))?
}

/// Where a worker reads its requests: the pipe itself (Linux, where the kernel
/// watches the parent), or what the watcher thread relays from it.
pub(super) enum Requests {
    /// The request pipe, read on the worker's main thread.
    #[cfg(target_os = "linux")]
    Pipe(File),
    /// The request pipe as the watcher thread reads it (`watch.rs`).
    Watched(watch::Relay),
}

impl Read for Requests {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            #[cfg(target_os = "linux")]
            Requests::Pipe(pipe) => pipe.read(buf),
            Requests::Watched(relay) => relay.read(buf),
        }
    }
}

/// In a worker: makes sure this process ends soon after its parent does, even
/// in the middle of a task. Takes the request pipe (the watcher reads it) and
/// gives back what to read requests from; `None` if the parent is already gone.
pub(super) fn die_with_parent(parent: u32, flavor: Flavor, requests: File) -> Option<Requests> {
    #[cfg(target_os = "linux")]
    if flavor == Flavor::Linux {
        return imp::parent_death_signal(parent).then_some(Requests::Pipe(requests));
    }
    let _ = flavor;
    let parent = imp::Parent::open(parent)?;
    match watch::watch(requests, parent) {
        Ok(relay) => Some(Requests::Watched(relay)),
        Err(e) => {
            eprintln!(
                "process-pool worker {}: cannot start the thread that watches its parent: {e}",
                std::process::id()
            );
            None
        }
    }
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

    /// SIGKILL (`TerminateProcess` on Windows), unless it has been reaped
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
/// signal 9 (SIGKILL)", "ended with status 0xC0000409 (...: it aborted)".
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
