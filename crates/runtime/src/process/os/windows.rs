//! Windows: the worker's command line, its pipes, the job object that ends
//! every worker with the parent, the parent's handle for the watcher
//! (`watch.rs`), Ctrl-C, and how a worker ended. Everything here is reached
//! through `os/mod.rs`.
//!
//! Windows has no `fork` and no signals. A worker is started with
//! `CreateProcessW` (through `std::process::Command`), which is what Python's
//! spawn start method does there too; it costs more than on Linux (a new
//! process, the loader, every DLL mapped again), so a pool is worth starting once.
//!
//! - **Dying with the parent.** The first worker creates a job object with
//!   `JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE`, and every worker is put in it. The
//!   parent holds the only handle to the job and never closes it; when the
//!   parent ends, however it ends (Task Manager, a crash, Ctrl-C), Windows
//!   closes that handle and kills every process in the job, including anything
//!   a task started. A worker also runs the portable watcher, which covers
//!   the moment between its start and its assignment to the job.
//! - **The pipes.** Anonymous pipes of 1 MiB (`CreatePipe`; `std`'s own are
//!   4 KiB), the worker's ends as its standard input and output. The worker
//!   takes them for itself and points its standard handles elsewhere (input
//!   at `NUL`, output at standard error), so that a task's `println!` and any
//!   program a task starts cannot write into the protocol.
//! - **Ctrl-C** goes to every process on the console. A worker is started in a
//!   new process group, which Windows starts with Ctrl-C ignored, and ignores
//!   it again itself: what Ctrl-C does is the parent's decision.
//!
//! Handles are `std`'s `OwnedHandle`s wherever a handle is owned, so each is
//! closed exactly once; the `unsafe` blocks are the system calls themselves.

use std::fs::File;
use std::io;
use std::os::windows::io::{
    AsRawHandle, BorrowedHandle, FromRawHandle, IntoRawHandle, OwnedHandle, RawHandle,
};
use std::os::windows::process::CommandExt;
use std::process::{Command, ExitStatus, Stdio};
use std::ptr;
use std::sync::OnceLock;

use windows_sys::Win32::Foundation::{CloseHandle, FILETIME, HANDLE, WAIT_TIMEOUT};
use windows_sys::Win32::System::Console::{
    GetStdHandle, STD_ERROR_HANDLE, STD_INPUT_HANDLE, STD_OUTPUT_HANDLE, SetConsoleCtrlHandler,
    SetStdHandle,
};
use windows_sys::Win32::System::JobObjects::{
    AssignProcessToJobObject, CreateJobObjectW, JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE,
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION, JobObjectExtendedLimitInformation,
    SetInformationJobObject,
};
use windows_sys::Win32::System::Pipes::CreatePipe;
use windows_sys::Win32::System::Threading::{
    CREATE_NEW_PROCESS_GROUP, GetCurrentProcess, GetProcessTimes, OpenProcess,
    PROCESS_QUERY_LIMITED_INFORMATION, PROCESS_SYNCHRONIZE, TerminateProcess, WaitForSingleObject,
};

use super::{Flavor, Spawned};

/// Pipe buffer size asked of the system (a hint: Windows sizes the pipe's
/// quota from it). `std`'s pipes ask for 4 KiB, which means a wake-up of the
/// reader every 4 KiB of a large argument.
const PIPE_BYTES: u32 = 1 << 20;

/// Starts this same executable as a worker: `flag`, the parent's pid and the
/// flavor as arguments, stdin and stdout as the two protocol pipes, stderr
/// shared with the parent; then puts it in the pool's job object.
pub(super) fn start_worker(flag: &str, flavor: Flavor) -> io::Result<Spawned> {
    let job = job()?;
    let (worker_reads, requests) = pipe()?;
    let (results, worker_writes) = pipe()?;
    let mut child = {
        // `std` makes inheritable copies of the worker's ends for the child; the
        // command holds ours, and drops them at the end of this block, so that
        // the worker's death closes the pipes for good.
        let mut command = Command::new(std::env::current_exe()?);
        command
            .arg(flag)
            .arg(std::process::id().to_string())
            .arg(flavor.as_arg())
            .stdin(Stdio::from(worker_reads))
            .stdout(Stdio::from(worker_writes))
            .stderr(Stdio::inherit())
            .creation_flags(CREATE_NEW_PROCESS_GROUP);
        command.spawn()?
    };
    // SAFETY: both handles are valid for the call: the job's lives as long as
    // this process, the child's as long as `child`.
    let assigned = unsafe { AssignProcessToJobObject(job, child.as_raw_handle() as HANDLE) };
    if assigned == 0 {
        let error = io::Error::last_os_error();
        let _ = child.kill();
        let _ = child.wait();
        return Err(io::Error::other(format!(
            "could not put the worker in the pool's job object (which ends it with this \
             process): {error}"
        )));
    }
    Ok(Spawned {
        child,
        requests: File::from(requests),
        results: File::from(results),
    })
}

/// The job object of this process's workers, created on first use. Its
/// handle is never closed: when this process ends, Windows closes it, and
/// `KILL_ON_JOB_CLOSE` kills every process still in the job.
fn job() -> io::Result<HANDLE> {
    static JOB: OnceLock<Result<OwnedHandle, String>> = OnceLock::new();
    let job = JOB.get_or_init(|| {
        // SAFETY: no security attributes and no name: both pointers may be null.
        let raw = unsafe { CreateJobObjectW(ptr::null(), ptr::null()) };
        if raw.is_null() {
            return Err(format!(
                "could not create a job object for the workers: {}",
                io::Error::last_os_error()
            ));
        }
        // SAFETY: `raw` is a fresh handle that nothing else owns.
        let owned = unsafe { OwnedHandle::from_raw_handle(raw as RawHandle) };
        let mut limits = JOBOBJECT_EXTENDED_LIMIT_INFORMATION::default();
        limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
        // SAFETY: the pointer and size describe `limits`, which outlives the call.
        let ok = unsafe {
            SetInformationJobObject(
                raw,
                JobObjectExtendedLimitInformation,
                (&raw const limits).cast(),
                size_of::<JOBOBJECT_EXTENDED_LIMIT_INFORMATION>() as u32,
            )
        };
        if ok == 0 {
            return Err(format!(
                "could not make the job object kill the workers with this process: {}",
                io::Error::last_os_error()
            ));
        }
        Ok(owned)
    });
    match job {
        Ok(handle) => Ok(handle.as_raw_handle() as HANDLE),
        Err(why) => Err(io::Error::other(why.clone())),
    }
}

/// An anonymous pipe of [`PIPE_BYTES`]: (read end, write end), neither
/// inheritable, so no other child of this process holds an end.
fn pipe() -> io::Result<(OwnedHandle, OwnedHandle)> {
    let mut read: HANDLE = ptr::null_mut();
    let mut write: HANDLE = ptr::null_mut();
    // SAFETY: both out-pointers point at locals; no security attributes means
    // the handles are not inheritable.
    let ok = unsafe { CreatePipe(&mut read, &mut write, ptr::null(), PIPE_BYTES) };
    if ok == 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: CreatePipe succeeded: two fresh handles that nothing else owns.
    unsafe {
        Ok((
            OwnedHandle::from_raw_handle(read as RawHandle),
            OwnedHandle::from_raw_handle(write as RawHandle),
        ))
    }
}

/// In a worker: keeps stdin and stdout for the protocol on new handles that
/// no child inherits, then points the standard input at `NUL` and the standard
/// output at the standard error, and closes the original handles, so that a
/// task that reads stdin, prints, or starts a program cannot touch the
/// stream. (`std`'s `print!` looks the handle up on every write, so it
/// follows. C code writing through the C runtime's own descriptor 1 is not
/// redirected; a Rust task does not do that.) Returns (requests, results).
pub(crate) fn take_protocol_pipes(_flavor: Flavor) -> io::Result<(File, File)> {
    let original_in = std_handle(STD_INPUT_HANDLE)?;
    let original_out = std_handle(STD_OUTPUT_HANDLE)?;
    let err = std_handle(STD_ERROR_HANDLE)?;
    // `try_clone_to_owned` is `DuplicateHandle` with inheritance off.
    // SAFETY: this process's standard input, open until closed below.
    let requests = unsafe { BorrowedHandle::borrow_raw(original_in) }.try_clone_to_owned()?;
    // SAFETY: this process's standard output, open until closed below.
    let results = unsafe { BorrowedHandle::borrow_raw(original_out) }.try_clone_to_owned()?;
    // The NUL handle stays open for the life of the process, as a standard
    // handle does.
    let null = File::open("NUL")?.into_raw_handle() as HANDLE;
    // SAFETY: SetStdHandle stores handle values that stay open (`null` is
    // never closed; `err` is the standard error); CloseHandle closes the two
    // originals, of which the copies above are independent.
    unsafe {
        if SetStdHandle(STD_INPUT_HANDLE, null) == 0 || SetStdHandle(STD_OUTPUT_HANDLE, err) == 0 {
            return Err(io::Error::last_os_error());
        }
        CloseHandle(original_in as HANDLE);
        CloseHandle(original_out as HANDLE);
    }
    Ok((File::from(requests), File::from(results)))
}

/// A standard handle of this process, or an error if it has none.
fn std_handle(which: u32) -> io::Result<RawHandle> {
    // SAFETY: GetStdHandle only reads the process's handle table.
    let handle = unsafe { GetStdHandle(which) };
    if handle.is_null() || handle as isize == -1 {
        return Err(io::Error::other(
            "the worker has no standard input or output: was it started by a process pool?",
        ));
    }
    Ok(handle as RawHandle)
}

/// The parent as a worker watches it: a handle to the parent process, which
/// is signalled when the parent ends.
pub(crate) struct Parent(OwnedHandle);

impl Parent {
    /// Opens the parent by its pid; `None` if it has ended already (or if
    /// the pid now names a process younger than this one: the parent's pid,
    /// reused).
    pub(crate) fn open(pid: u32) -> Option<Self> {
        // SAFETY: OpenProcess takes plain values; a null result is a failure.
        let raw = unsafe {
            OpenProcess(
                PROCESS_SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION,
                0,
                pid,
            )
        };
        if raw.is_null() {
            return None;
        }
        // SAFETY: a fresh handle that nothing else owns.
        let parent = Parent(unsafe { OwnedHandle::from_raw_handle(raw as RawHandle) });
        // SAFETY: the pseudo-handle of the current process needs no closing.
        let me = unsafe { GetCurrentProcess() };
        let older = match (
            created_at(parent.0.as_raw_handle() as HANDLE),
            created_at(me),
        ) {
            (Some(theirs), Some(mine)) => theirs <= mine,
            _ => true,
        };
        (older && parent.alive()).then_some(parent)
    }

    /// Whether the parent is still running.
    pub(crate) fn alive(&self) -> bool {
        // SAFETY: a wait of zero milliseconds on a process handle we own.
        unsafe { WaitForSingleObject(self.0.as_raw_handle() as HANDLE, 0) == WAIT_TIMEOUT }
    }
}

/// When a process was created, in 100 ns units since 1601.
fn created_at(process: HANDLE) -> Option<u64> {
    let mut times = [FILETIME::default(); 4];
    let [created, exited, kernel, user] = &mut times;
    // SAFETY: four out-pointers to locals; the handle may query information.
    let ok = unsafe { GetProcessTimes(process, created, exited, kernel, user) };
    (ok != 0).then(|| (u64::from(created.dwHighDateTime) << 32) | u64::from(created.dwLowDateTime))
}

/// Ends this process at once, from any thread, without running any cleanup
/// that could wait on a lock a task holds.
pub(crate) fn exit_now(code: i32) -> ! {
    // SAFETY: terminating the current process (its pseudo-handle) is always allowed.
    unsafe {
        TerminateProcess(GetCurrentProcess(), code as u32);
    }
    // TerminateProcess on the current process does not return; should it, do
    // the next best thing.
    std::process::exit(code)
}

/// Windows has no SIGPIPE: a write to a pipe whose reader has gone fails with
/// an error (`ERROR_NO_DATA`), which breaks the pool as on Unix.
pub(crate) fn block_sigpipe_on_this_thread() {}

/// In a worker: Ctrl-C is the parent's business. Windows sends it to every
/// process on the console, workers included; a worker that died of it would
/// race the parent's own shutdown and report a broken pool. (Its process
/// group already starts with Ctrl-C ignored; this says so again for a worker
/// started some other way.)
pub(crate) fn ignore_interrupts() {
    // SAFETY: a null handler with TRUE sets the "ignore Ctrl-C" flag of this
    // process; no memory of ours is involved.
    unsafe {
        SetConsoleCtrlHandler(None, 1);
    }
}

/// How a worker ended, if the system ended it: an `NTSTATUS` exit code, e.g.
/// `"ended with status 0xC0000005 (STATUS_ACCESS_VIOLATION: it crashed)"`.
/// `TerminateProcess` (what `kill` does, and Task Manager) leaves code 1,
/// which says "exited with code 1".
pub(super) fn killed_by(status: &ExitStatus) -> Option<String> {
    let code = status.code()? as u32;
    if code < 0xC000_0000 {
        return None;
    }
    let name = match code {
        0xC000_0005 => " (STATUS_ACCESS_VIOLATION: it crashed)",
        0xC000_00FD => " (STATUS_STACK_OVERFLOW)",
        0xC000_0409 => " (STATUS_STACK_BUFFER_OVERRUN: it aborted, e.g. std::process::abort)",
        0xC000_0374 => " (STATUS_HEAP_CORRUPTION)",
        0xC000_013A => " (STATUS_CONTROL_C_EXIT: Ctrl-C)",
        0xC000_001D => " (STATUS_ILLEGAL_INSTRUCTION)",
        0xC000_0094 => " (STATUS_INTEGER_DIVIDE_BY_ZERO)",
        _ => "",
    };
    Some(format!("ended with status {code:#010X}{name}"))
}
