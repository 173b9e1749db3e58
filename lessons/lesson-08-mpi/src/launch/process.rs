//! Running one launch: the launcher in a process group of its own, its output
//! read as it comes, a deadline, and nothing left behind.
//!
//! Who kills whom, when something goes wrong:
//!
//! - **A rank dies** (killed, crashed, panicked): the launcher notices, stops the
//!   other ranks and exits with an error; we report it, naming the experiment.
//! - **The deadline passes, or the run is interrupted (Ctrl-C)**: we stop the
//!   launch ourselves: SIGTERM to the launcher's process group (the launcher
//!   forwards it to its ranks), then, after a grace period, SIGKILL to the group
//!   and to every rank we saw. OpenMPI puts each rank in a process group of its
//!   own, so the launcher's group alone does not reach them; the ranks are found
//!   in `/proc` as the launcher's descendants before anything is signalled.
//! - **This process dies** (SIGKILL, a crash): the kernel sends the launcher
//!   SIGTERM (`PR_SET_PDEATHSIG`, asked for between fork and exec), and each
//!   rank asks for SIGKILL when *its* parent dies (see `rank.rs`).

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::mpi::CommandLine;

/// What a finished launch printed.
#[derive(Debug)]
pub struct Finished {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

/// Why a launch did not finish by itself.
#[derive(Debug)]
pub enum Stopped {
    /// The deadline passed; what it had printed so far.
    Deadline { stderr: String },
    /// The run was interrupted (Ctrl-C).
    Interrupted,
}

/// The launchers running now (their pids, which are also their process group
/// ids), so an interrupt can stop them from another thread.
static LIVE: Mutex<Vec<u32>> = Mutex::new(Vec::new());

/// Grace between SIGTERM and SIGKILL.
const GRACE: Duration = Duration::from_millis(1500);

/// Runs `command` to the end, or until `timeout` or an interrupt, whichever
/// comes first. Never leaves the launcher or a rank running.
pub fn run(command: &CommandLine, timeout: Duration) -> std::io::Result<Result<Finished, Stopped>> {
    lab::run::on_interrupt(stop_all);
    let mut cmd = Command::new(&command.program);
    cmd.args(&command.args)
        .envs(command.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // Its own process group: a terminal's Ctrl-C reaches us, not the ranks
        // directly, and we decide how they stop; and we can signal the group.
        cmd.process_group(0);
        // SAFETY: between fork and exec only async-signal-safe calls are allowed;
        // prctl is a plain system call that touches no memory of ours.
        #[cfg(target_os = "linux")]
        unsafe {
            cmd.pre_exec(|| {
                libc::prctl(
                    libc::PR_SET_PDEATHSIG,
                    libc::SIGTERM as libc::c_ulong,
                    0,
                    0,
                    0,
                );
                Ok(())
            });
        }
    }
    if lab::run::interrupted() {
        return Ok(Err(Stopped::Interrupted));
    }
    let mut child = cmd.spawn()?;
    let pid = child.id();
    register(pid, true);
    let stdout = read_all(child.stdout.take());
    let stderr = read_all(child.stderr.take());
    let deadline = Instant::now() + timeout;
    let mut seen = BTreeSet::new();
    // Reading /proc costs a millisecond or two of a core; the ranks are being
    // timed, so look for them soon after the start and then only now and then.
    let mut next_scan = Instant::now() + Duration::from_millis(300);
    let outcome = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Ok(status),
            Ok(None) => {}
            Err(e) => break Err(e),
        }
        if lab::run::interrupted() || Instant::now() > deadline {
            stop(&mut child, &mut seen);
            let _ = child.wait();
            register(pid, false);
            if lab::run::interrupted() {
                return Ok(Err(Stopped::Interrupted));
            }
            return Ok(Err(Stopped::Deadline {
                stderr: stderr.join().unwrap_or_default(),
            }));
        }
        // The ranks, once they are up: if the launcher dies without stopping
        // them, they are still known.
        if Instant::now() > next_scan {
            seen.extend(descendants(pid));
            next_scan = Instant::now() + Duration::from_secs(2);
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    register(pid, false);
    // The launcher is gone; a rank it failed to stop is not.
    kill_all(&seen, Signal::Kill);
    let status = outcome?;
    Ok(Ok(Finished {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    }))
}

/// A thread that reads a pipe to its end (so a chatty launcher never blocks on
/// a full pipe) and returns what it read.
fn read_all(pipe: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(pipe) = pipe {
            for line in BufReader::new(pipe).lines() {
                match line {
                    Ok(line) => {
                        text.push_str(&line);
                        text.push('\n');
                    }
                    Err(_) => break,
                }
            }
        }
        text
    })
}

fn register(pid: u32, live: bool) {
    let mut list = LIVE.lock().unwrap_or_else(|e| e.into_inner());
    if live {
        list.push(pid);
    } else {
        list.retain(|&p| p != pid);
    }
}

/// Stops every launch in progress: the interrupt hook (Ctrl-C). Runs on the
/// Ctrl-C thread while the launching thread may be waiting on the child.
pub fn stop_all() {
    let pids: Vec<u32> = LIVE.lock().unwrap_or_else(|e| e.into_inner()).clone();
    for pid in pids {
        let mut seen: BTreeSet<(u32, u64)> = descendants(pid).into_iter().collect();
        signal_group(pid, Signal::Term);
        let until = Instant::now() + GRACE;
        while Instant::now() < until && alive(pid) {
            seen.extend(descendants(pid));
            std::thread::sleep(Duration::from_millis(20));
        }
        signal_group(pid, Signal::Kill);
        kill_all(&seen, Signal::Kill);
    }
}

/// Stops one launch: SIGTERM to its group, SIGKILL after the grace period.
fn stop(child: &mut Child, seen: &mut BTreeSet<(u32, u64)>) {
    let pid = child.id();
    seen.extend(descendants(pid));
    signal_group(pid, Signal::Term);
    let until = Instant::now() + GRACE;
    while Instant::now() < until {
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        seen.extend(descendants(pid));
        std::thread::sleep(Duration::from_millis(20));
    }
    signal_group(pid, Signal::Kill);
    kill_all(seen, Signal::Kill);
}

/// How a launch is asked to stop: politely first, then for good.
#[derive(Clone, Copy)]
enum Signal {
    /// SIGTERM: the launcher forwards it to its ranks and exits.
    Term,
    /// SIGKILL: no process can ignore it.
    Kill,
}

#[cfg(unix)]
impl Signal {
    fn number(self) -> libc::c_int {
        match self {
            Signal::Term => libc::SIGTERM,
            Signal::Kill => libc::SIGKILL,
        }
    }
}

#[cfg(unix)]
fn signal_group(pgid: u32, signal: Signal) {
    // SAFETY: killpg takes two integers and touches no memory; signalling a group
    // that is gone fails with ESRCH, which is what we want to ignore.
    unsafe {
        libc::killpg(pgid as libc::pid_t, signal.number());
    }
}

/// Windows has no signals or process groups to send them to: `taskkill /T`
/// ends the launcher (MS-MPI's `mpiexec`) and the tree of processes it started;
/// without `/F` it asks them to close, with `/F` it ends them.
#[cfg(not(unix))]
fn signal_group(pid: u32, signal: Signal) {
    let mut taskkill = Command::new("taskkill");
    taskkill.args(["/T", "/PID", &pid.to_string()]);
    if let Signal::Kill = signal {
        taskkill.arg("/F");
    }
    let _ = taskkill
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Signals each process of `procs` that is still the process we saw: same pid
/// *and* same start time, so a recycled pid is never hit.
fn kill_all(procs: &BTreeSet<(u32, u64)>, signal: Signal) {
    for &(pid, started) in procs {
        if start_time(pid) == Some(started) {
            #[cfg(unix)]
            // SAFETY: kill takes two integers and touches no memory.
            unsafe {
                libc::kill(pid as libc::pid_t, signal.number());
            }
            #[cfg(not(unix))]
            signal_group(pid, signal);
        }
    }
}

/// Whether `pid` is running (a zombie waiting to be reaped is not).
pub fn alive(pid: u32) -> bool {
    stat(pid).is_some_and(|s| s.state != 'Z' && s.state != 'X')
}

/// Every live descendant of `pid`, as (pid, start time), from `/proc`.
pub fn descendants(pid: u32) -> Vec<(u32, u64)> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let all: Vec<(u32, Stat)> = entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|p| Some((p, stat(p)?)))
        .collect();
    let mut found: Vec<(u32, u64)> = Vec::new();
    let mut frontier = vec![pid];
    while let Some(parent) = frontier.pop() {
        for (p, s) in &all {
            if s.ppid == parent && s.state != 'Z' && !found.iter().any(|(q, _)| q == p) {
                found.push((*p, s.started));
                frontier.push(*p);
            }
        }
    }
    found
}

fn start_time(pid: u32) -> Option<u64> {
    stat(pid).map(|s| s.started)
}

struct Stat {
    state: char,
    ppid: u32,
    started: u64,
}

/// The fields we need of `/proc/<pid>/stat`: state, parent, start time.
fn stat(pid: u32) -> Option<Stat> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may hold spaces: read after the last ')'.
    let rest = &text[text.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    Some(Stat {
        state: fields.first()?.chars().next()?,
        ppid: fields.get(1)?.parse().ok()?,
        // Field 22 of the line, the 20th after the name.
        started: fields.get(19)?.parse().ok()?,
    })
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn shell(script: &str) -> CommandLine {
        CommandLine {
            program: "/bin/sh".into(),
            args: vec!["-c".into(), script.into()],
            env: vec![("LESSON_08_TEST".into(), "yes".into())],
            why: vec![],
            shown: script.into(),
        }
    }

    #[test]
    fn output_and_status_come_back() {
        let done = run(
            &shell("echo out $LESSON_08_TEST; echo err >&2; exit 3"),
            Duration::from_secs(30),
        )
        .unwrap()
        .unwrap();
        assert_eq!(done.stdout, "out yes\n");
        assert_eq!(done.stderr, "err\n");
        assert_eq!(done.status.code(), Some(3));
    }

    #[test]
    fn the_deadline_stops_the_launch_and_every_child_of_it() {
        // A "launcher" that starts a "rank" in a process group of its own (as
        // OpenMPI does) and ignores SIGTERM, so only SIGKILL ends either.
        let script = "trap '' TERM; setsid sleep 300 & echo $! ; sleep 300";
        let started = Instant::now();
        let outcome = run(&shell(script), Duration::from_millis(500)).unwrap();
        assert!(matches!(outcome, Err(Stopped::Deadline { .. })));
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "stopping must not wait for the sleeps"
        );
        // The orphaned `sleep` is gone too: no process of ours runs `sleep 300`.
        std::thread::sleep(Duration::from_millis(200));
        let me = std::process::id();
        let left: Vec<_> = descendants(me)
            .into_iter()
            .filter(|&(p, _)| {
                std::fs::read_to_string(format!("/proc/{p}/cmdline"))
                    .is_ok_and(|c| c.contains("300"))
            })
            .collect();
        assert!(left.is_empty(), "left behind: {left:?}");
    }

    #[test]
    fn descendants_of_this_process_include_a_child_and_not_itself() {
        let mut child = Command::new("/bin/sleep").arg("5").spawn().unwrap();
        let found = descendants(std::process::id());
        assert!(found.iter().any(|&(p, _)| p == child.id()), "{found:?}");
        assert!(!found.iter().any(|&(p, _)| p == std::process::id()));
        assert!(alive(child.id()));
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(!alive(child.id()));
    }
}
