//! Linux and the other Unix systems (macOS, the BSDs): the worker's command
//! line and environment, its pipes, the parent-death signal (Linux) or the
//! parent's pid for the watcher (`watch.rs`, every other Unix), and the signals
//! a worker and the pool's threads must not die of. Everything here is reached
//! through `os/mod.rs`; [`Flavor`] says which of the two Unix paths a pool takes.

use std::ffi::OsString;
use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::process::{Command, ExitStatus, Stdio};

use super::{Flavor, Spawned};

/// Pipe buffer size asked of the kernel (Linux's default is 64 KiB; 1 MiB is the
/// unprivileged maximum in `/proc/sys/fs/pipe-max-size`). A bigger pipe means
/// fewer sleeps and wake-ups per megabyte moved.
const PIPE_BYTES: i32 = 1 << 20;

/// Starts this same executable as a worker: `flag`, the parent's pid and the
/// flavor as arguments, stdin and stdout as the two protocol pipes (on Linux
/// grown to [`PIPE_BYTES`]), stderr shared with the parent.
pub(super) fn start_worker(flag: &str, flavor: Flavor) -> io::Result<Spawned> {
    let exe = std::env::current_exe()?;
    // `/proc/self/exe` runs the very file this process runs, even if cargo has
    // rebuilt the binary on disk since it started. Elsewhere (and on the
    // portable path) the worker runs the file at the executable's path.
    let program: OsString = if flavor == Flavor::Linux {
        "/proc/self/exe".into()
    } else {
        exe.clone().into_os_string()
    };
    let mut command = Command::new(program);
    {
        use std::os::unix::process::CommandExt;
        command.arg0(&exe);
    }
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // A worker decodes each large argument into fresh memory, and beyond
        // 32 MB glibc maps that memory anew for every task: on a small VM each
        // 4 KiB page fault costs microseconds, 12,000 of them for 50 MB. So a
        // worker's malloc never returns memory to the kernel (no mmap for large
        // blocks, no trimming) and asks for transparent huge pages: the second
        // 50 MB argument lands in memory the first one already faulted in.
        // Only the worker's own allocator is affected; the price is that a
        // worker keeps its peak heap (`maxtasksperchild` recycles it).
        const WORKER_MALLOC: &str = "glibc.malloc.hugetlb=1:glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=1099511627776";
        let tunables = match std::env::var("GLIBC_TUNABLES") {
            Ok(t) if !t.is_empty() => format!("{t}:{WORKER_MALLOC}"),
            _ => WORKER_MALLOC.to_owned(),
        };
        command.env("GLIBC_TUNABLES", tunables);
    }
    let mut child = command
        .arg(flag)
        .arg(std::process::id().to_string())
        .arg(flavor.as_arg())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()?;
    let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
        let _ = child.kill();
        let _ = child.wait();
        return Err(io::Error::other("the worker's pipes were not created"));
    };
    let (requests, results) = (
        File::from(OwnedFd::from(stdin)),
        File::from(OwnedFd::from(stdout)),
    );
    if flavor == Flavor::Linux {
        grow_pipe(&requests);
        grow_pipe(&results);
    }
    Ok(Spawned {
        child,
        requests,
        results,
    })
}

/// Best effort: a pipe that stays at 64 KiB still works, only slower.
fn grow_pipe(fd: &impl AsRawFd) {
    #[cfg(target_os = "linux")]
    // SAFETY: F_SETPIPE_SZ on a pipe descriptor we own reads no memory of ours;
    // on failure it returns -1 and changes nothing.
    unsafe {
        libc::fcntl(fd.as_raw_fd(), libc::F_SETPIPE_SZ, PIPE_BYTES);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (fd, PIPE_BYTES);
}

/// In a worker: keeps stdin and stdout for the protocol on new descriptors, then
/// points fd 0 at `/dev/null` and fd 1 at stderr, so a task that reads stdin or
/// prints cannot corrupt the stream. Returns (requests, results).
pub(crate) fn take_protocol_pipes(flavor: Flavor) -> io::Result<(File, File)> {
    use std::os::fd::AsFd;
    // `try_clone_to_owned` is `F_DUPFD_CLOEXEC`: the copies are not inherited by
    // programs a task might start, so only this process holds the pipes.
    let requests = io::stdin().as_fd().try_clone_to_owned()?;
    let results = io::stdout().as_fd().try_clone_to_owned()?;
    let null = std::fs::File::open("/dev/null")?;
    // SAFETY: dup2 only replaces descriptors 0 and 1 with copies of descriptors
    // that are open for the duration of the calls; no memory is touched.
    let ok = unsafe { libc::dup2(null.as_raw_fd(), 0) >= 0 && libc::dup2(2, 1) >= 0 };
    if !ok {
        return Err(io::Error::last_os_error());
    }
    if flavor == Flavor::Linux {
        grow_pipe(&requests);
        grow_pipe(&results);
    }
    Ok((requests.into(), results.into()))
}

/// In a worker on Linux: asks the kernel to SIGKILL this process when its
/// parent dies, then checks the parent is still the one that started it (it
/// may have died before the request). Returns false if the parent is already gone.
#[cfg(target_os = "linux")]
pub(crate) fn parent_death_signal(parent: u32) -> bool {
    // SAFETY: PR_SET_PDEATHSIG takes a signal number and touches no memory.
    unsafe {
        libc::prctl(
            libc::PR_SET_PDEATHSIG,
            libc::SIGKILL as libc::c_ulong,
            0,
            0,
            0,
        );
    }
    Parent(parent).alive()
}

/// The parent as a worker on the portable path watches it: by its pid.
pub(crate) struct Parent(u32);

impl Parent {
    /// The parent that started this worker, if it is still this process's
    /// parent; `None` if it has died already.
    pub(crate) fn open(pid: u32) -> Option<Self> {
        let parent = Parent(pid);
        parent.alive().then_some(parent)
    }

    /// Whether the parent is still alive. A process whose parent dies is
    /// handed to another (init, or a subreaper), so its parent pid changes.
    pub(crate) fn alive(&self) -> bool {
        // SAFETY: getppid has no preconditions.
        let ppid = unsafe { libc::getppid() };
        ppid as u32 == self.0
    }
}

/// Ends this process at once, from any thread: no destructor, no `atexit`
/// handler, no flush that could wait on a lock a task holds.
pub(crate) fn exit_now(code: i32) -> ! {
    // SAFETY: _exit has no preconditions and does not return.
    unsafe { libc::_exit(code) }
}

/// On a pool's writer thread: a write to a worker that has died must fail with
/// `EPIPE`, not kill the whole program with SIGPIPE. Rust programs ignore
/// SIGPIPE by default, but a program may restore the default action (to end
/// quietly on `| head`), so the writer threads block it for themselves.
pub(crate) fn block_sigpipe_on_this_thread() {
    // SAFETY: the set is a local, initialized by sigemptyset before use;
    // pthread_sigmask only changes this thread's signal mask.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGPIPE);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
    }
}

/// In a worker: Ctrl-C is the parent's business. The terminal sends SIGINT to
/// the whole process group, workers included; a worker that died of it would
/// race the parent's own shutdown and report a broken pool. Ignoring it leaves
/// the decision to the parent, whose death (or `terminate`) ends the workers.
pub(crate) fn ignore_interrupts() {
    // SAFETY: setting SIGINT's disposition to "ignore" touches no memory.
    unsafe {
        libc::signal(libc::SIGINT, libc::SIG_IGN);
    }
}

/// How a worker ended, if a signal ended it: `"was killed by signal 9 (SIGKILL)"`.
pub(super) fn killed_by(status: &ExitStatus) -> Option<String> {
    use std::os::unix::process::ExitStatusExt;
    let signal = status.signal()?;
    let name = match signal {
        libc::SIGKILL => " (SIGKILL)",
        libc::SIGABRT => " (SIGABRT: it aborted)",
        libc::SIGSEGV => " (SIGSEGV)",
        libc::SIGTERM => " (SIGTERM)",
        libc::SIGINT => " (SIGINT)",
        libc::SIGBUS => " (SIGBUS)",
        _ => "",
    };
    Some(format!("was killed by signal {signal}{name}"))
}
