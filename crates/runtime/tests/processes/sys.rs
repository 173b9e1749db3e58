//! What the process tests ask the operating system about processes, once for
//! every module: this process's children (zombies included), its threads, a
//! worker's peak memory, killing a process outright, and watching processes
//! end.
//!
//! | | Linux | macOS, other Unix | Windows |
//! |---|---|---|---|
//! | children | `/proc/<pid>/stat` | `ps -A -o pid=,ppid=,stat=` | a Toolhelp snapshot |
//! | threads of this process | `/proc/self/task` | `proc_pidinfo` (macOS) | a Toolhelp snapshot |
//! | peak memory | `VmHWM` in `/proc/<pid>/status` | not measured | `PeakWorkingSetSize` |
//! | kill | `SIGKILL` | `SIGKILL` | `TerminateProcess` (exit code 1, as Task Manager) |
//!
//! Where a system cannot answer, the function says so with `None`, and the
//! test says what it did not check instead of passing without looking.

use std::thread;
use std::time::{Duration, Instant};

/// Processes whose parent is this process, with a state letter: `Z` for a
/// zombie (ended, not yet reaped), `R` for anything else. Windows has no
/// zombies: a process that ended is gone from the list.
pub fn children() -> Vec<(u32, char)> {
    imp::children()
}

/// Waits (at most 5 s) until no child of this process is left, zombies
/// included; fails the test with `context` otherwise.
pub fn assert_no_children(context: &str) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let left = children();
        if left.is_empty() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{context}: child processes left behind: {left:?}"
        );
        thread::sleep(Duration::from_millis(20));
    }
}

/// The threads of this process, where the system can count them.
pub fn threads_in_this_process() -> Option<usize> {
    imp::threads_in_this_process()
}

/// The peak resident memory of process `pid` in kB, where the system says.
pub fn peak_kb(pid: u32) -> Option<u64> {
    imp::peak_kb(pid)
}

/// Kills process `pid` outright, as `kill -9` or Task Manager does.
pub fn kill9(pid: u32) {
    imp::kill9(pid);
}

/// Waits (bounded) until `done` holds, and says whether it did.
pub fn eventually(mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !done() {
        if Instant::now() > deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(5));
    }
    true
}

/// Processes watched from before their parent is killed until they end.
pub struct Orphans(imp::Watch);

impl Orphans {
    /// Starts watching `pids`: the workers of a helper process that is about to
    /// be killed. Call [`Orphans::prepare`] before the helper starts.
    pub fn watch(pids: &[u32]) -> Self {
        Orphans(imp::Watch::new(pids))
    }

    /// Done before the helper starts: on Linux this process becomes a
    /// subreaper, so orphaned workers are handed to it and can be reaped and
    /// told apart from running ones exactly.
    pub fn prepare() {
        imp::prepare_for_orphans();
    }

    /// Waits until every watched process has ended, up to `limit`; returns
    /// how long that took, or which are still running.
    pub fn gone_within(&self, limit: Duration) -> Result<Duration, String> {
        let started = Instant::now();
        loop {
            let running = self.0.running();
            if running.is_empty() {
                return Ok(started.elapsed());
            }
            if started.elapsed() > limit {
                return Err(format!("still running {limit:?} later: {running:?}"));
            }
            thread::sleep(Duration::from_millis(1));
        }
    }
}

#[cfg(unix)]
mod imp {
    /// Processes whose parent is us, with their state letter.
    #[cfg(target_os = "linux")]
    pub fn children() -> Vec<(u32, char)> {
        let me = std::process::id();
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return Vec::new();
        };
        entries
            .flatten()
            .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
            .filter_map(|pid| {
                let (ppid, state) = stat(pid)?;
                (ppid == me).then_some((pid, state))
            })
            .collect()
    }

    /// Processes whose parent is us, from `ps` (macOS and the BSDs have no
    /// `/proc`), leaving out the `ps` itself.
    #[cfg(not(target_os = "linux"))]
    pub fn children() -> Vec<(u32, char)> {
        let me = std::process::id();
        let ps = std::process::Command::new("ps")
            .args(["-A", "-o", "pid=,ppid=,stat="])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("run ps to list this test's child processes");
        let ps_pid = ps.id();
        let out = ps.wait_with_output().expect("read what ps printed");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|line| {
                let mut fields = line.split_whitespace();
                let pid: u32 = fields.next()?.parse().ok()?;
                let ppid: u32 = fields.next()?.parse().ok()?;
                let state = fields.next()?.chars().next()?;
                (ppid == me && pid != ps_pid).then_some((pid, state))
            })
            .collect()
    }

    /// (parent pid, state) of a process, from /proc/<pid>/stat; None if it is gone.
    #[cfg(target_os = "linux")]
    fn stat(pid: u32) -> Option<(u32, char)> {
        let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // The command name is in parentheses and may hold spaces: parse after it.
        let rest = &text[text.rfind(')')? + 2..];
        let mut fields = rest.split_whitespace();
        let state = fields.next()?.chars().next()?;
        let ppid = fields.next()?.parse().ok()?;
        Some((ppid, state))
    }

    #[cfg(target_os = "linux")]
    pub fn threads_in_this_process() -> Option<usize> {
        Some(std::fs::read_dir("/proc/self/task").ok()?.count())
    }

    #[cfg(target_os = "macos")]
    pub fn threads_in_this_process() -> Option<usize> {
        // SAFETY: proc_taskinfo is plain data; zeroes are a valid value.
        let mut info: libc::proc_taskinfo = unsafe { std::mem::zeroed() };
        let size = std::mem::size_of::<libc::proc_taskinfo>() as libc::c_int;
        // SAFETY: the buffer is `info`, of the size given.
        let got = unsafe {
            libc::proc_pidinfo(
                std::process::id() as libc::c_int,
                libc::PROC_PIDTASKINFO,
                0,
                (&raw mut info).cast(),
                size,
            )
        };
        (got == size).then_some(info.pti_threadnum as usize)
    }

    #[cfg(not(any(target_os = "linux", target_os = "macos")))]
    pub fn threads_in_this_process() -> Option<usize> {
        None
    }

    #[cfg(target_os = "linux")]
    pub fn peak_kb(pid: u32) -> Option<u64> {
        let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        text.lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    }

    #[cfg(not(target_os = "linux"))]
    pub fn peak_kb(_pid: u32) -> Option<u64> {
        None
    }

    pub fn kill9(pid: u32) {
        // SAFETY: sending a signal touches no memory of ours.
        let rc = unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
        assert_eq!(rc, 0, "kill -9 {pid} failed");
    }

    pub fn prepare_for_orphans() {
        // SAFETY: a prctl flag on this process; no memory is involved.
        #[cfg(target_os = "linux")]
        unsafe {
            libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
        }
    }

    pub struct Watch(Vec<u32>);

    impl Watch {
        pub fn new(pids: &[u32]) -> Self {
            Watch(pids.to_vec())
        }

        /// The watched processes not yet gone. On Linux an orphan comes to us
        /// (the subreaper) and counts as gone once reaped here, so that no
        /// zombie is left behind.
        pub fn running(&self) -> Vec<u32> {
            self.0
                .iter()
                .copied()
                .filter(|&pid| {
                    // SAFETY: waitpid on a specific pid; the status pointer may be null.
                    let reaped = unsafe {
                        libc::waitpid(pid as libc::pid_t, std::ptr::null_mut(), libc::WNOHANG)
                    };
                    reaped != pid as libc::pid_t && alive(pid)
                })
                .collect()
        }
    }

    /// Whether `pid` still has an entry: running, or a zombie waiting for us
    /// to reap it (the next `waitpid` above does).
    #[cfg(target_os = "linux")]
    fn alive(pid: u32) -> bool {
        stat(pid).is_some()
    }

    /// Whether `pid` is a running process. An orphan goes to launchd, which
    /// reaps it at once.
    #[cfg(not(target_os = "linux"))]
    fn alive(pid: u32) -> bool {
        // SAFETY: signal 0 only checks that the process exists.
        unsafe { libc::kill(pid as libc::pid_t, 0) == 0 }
    }
}

#[cfg(windows)]
mod imp {
    use std::os::windows::io::{AsRawHandle, FromRawHandle, OwnedHandle, RawHandle};

    use windows_sys::Win32::Foundation::{HANDLE, INVALID_HANDLE_VALUE, WAIT_TIMEOUT};
    use windows_sys::Win32::System::Diagnostics::ToolHelp::{
        CreateToolhelp32Snapshot, PROCESSENTRY32W, Process32FirstW, Process32NextW,
        TH32CS_SNAPPROCESS, TH32CS_SNAPTHREAD, THREADENTRY32, Thread32First, Thread32Next,
    };
    use windows_sys::Win32::System::ProcessStatus::{
        K32GetProcessMemoryInfo, PROCESS_MEMORY_COUNTERS,
    };
    use windows_sys::Win32::System::Threading::{
        OpenProcess, PROCESS_QUERY_LIMITED_INFORMATION, PROCESS_SYNCHRONIZE, PROCESS_TERMINATE,
        TerminateProcess, WaitForSingleObject,
    };

    fn snapshot(what: u32) -> Option<OwnedHandle> {
        // SAFETY: a snapshot of the whole system; plain values in.
        let raw = unsafe { CreateToolhelp32Snapshot(what, 0) };
        if raw.is_null() || raw == INVALID_HANDLE_VALUE {
            return None;
        }
        // SAFETY: a fresh handle nothing else owns.
        Some(unsafe { OwnedHandle::from_raw_handle(raw as RawHandle) })
    }

    pub fn children() -> Vec<(u32, char)> {
        let me = std::process::id();
        let Some(snap) = snapshot(TH32CS_SNAPPROCESS) else {
            panic!("cannot list processes (CreateToolhelp32Snapshot failed)");
        };
        let mut found = Vec::new();
        let mut entry = PROCESSENTRY32W {
            dwSize: size_of::<PROCESSENTRY32W>() as u32,
            ..Default::default()
        };
        let h = snap.as_raw_handle() as HANDLE;
        // SAFETY: `entry` is sized as the API requires and outlives the calls.
        let mut more = unsafe { Process32FirstW(h, &mut entry) } != 0;
        while more {
            if entry.th32ParentProcessID == me
                && open(entry.th32ProcessID, 0).is_some_and(|p| running(&p))
            {
                found.push((entry.th32ProcessID, 'R'));
            }
            // SAFETY: as above.
            more = unsafe { Process32NextW(h, &mut entry) } != 0;
        }
        found
    }

    pub fn threads_in_this_process() -> Option<usize> {
        let me = std::process::id();
        let snap = snapshot(TH32CS_SNAPTHREAD)?;
        let mut entry = THREADENTRY32 {
            dwSize: size_of::<THREADENTRY32>() as u32,
            ..Default::default()
        };
        let h = snap.as_raw_handle() as HANDLE;
        let mut count = 0;
        // SAFETY: `entry` is sized as the API requires and outlives the calls.
        let mut more = unsafe { Thread32First(h, &mut entry) } != 0;
        while more {
            if entry.th32OwnerProcessID == me {
                count += 1;
            }
            // SAFETY: as above.
            more = unsafe { Thread32Next(h, &mut entry) } != 0;
        }
        Some(count)
    }

    pub fn peak_kb(pid: u32) -> Option<u64> {
        let process = open(pid, 0)?;
        let mut counters = PROCESS_MEMORY_COUNTERS {
            cb: size_of::<PROCESS_MEMORY_COUNTERS>() as u32,
            ..Default::default()
        };
        // SAFETY: `counters` is sized as the API requires.
        let ok = unsafe {
            K32GetProcessMemoryInfo(
                process.as_raw_handle() as HANDLE,
                &mut counters,
                counters.cb,
            )
        };
        (ok != 0).then_some(counters.PeakWorkingSetSize as u64 / 1024)
    }

    /// A handle to process `pid` with `extra` rights beyond waiting and
    /// querying; None if it is gone.
    fn open(pid: u32, extra: u32) -> Option<OwnedHandle> {
        // SAFETY: plain values in; a null handle is a failure.
        let raw = unsafe {
            OpenProcess(
                PROCESS_SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION | extra,
                0,
                pid,
            )
        };
        // SAFETY: a fresh handle nothing else owns.
        (!raw.is_null()).then(|| unsafe { OwnedHandle::from_raw_handle(raw as RawHandle) })
    }

    fn running(process: &OwnedHandle) -> bool {
        // SAFETY: a zero-timeout wait on a handle we own.
        unsafe { WaitForSingleObject(process.as_raw_handle() as HANDLE, 0) == WAIT_TIMEOUT }
    }

    pub fn kill9(pid: u32) {
        let process = open(pid, PROCESS_TERMINATE).unwrap_or_else(|| panic!("no process {pid}"));
        // SAFETY: terminating a process we hold a handle to.
        let ok = unsafe { TerminateProcess(process.as_raw_handle() as HANDLE, 1) };
        assert_ne!(ok, 0, "TerminateProcess({pid}) failed");
    }

    pub fn prepare_for_orphans() {}

    /// Handles opened before the parent is killed, so that a reused pid
    /// cannot pass for a worker.
    pub struct Watch(Vec<(u32, OwnedHandle)>);

    impl Watch {
        pub fn new(pids: &[u32]) -> Self {
            Watch(
                pids.iter()
                    .filter_map(|&pid| Some((pid, open(pid, 0)?)))
                    .collect(),
            )
        }

        pub fn running(&self) -> Vec<u32> {
            self.0
                .iter()
                .filter(|(_, h)| running(h))
                .map(|(pid, _)| *pid)
                .collect()
        }
    }
}
