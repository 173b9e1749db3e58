//! Running one interpreter process: no stdin, stdout and stderr collected, a
//! process group of its own so that a timeout or Ctrl-C ends it together with
//! everything it started (a `multiprocessing` pool's workers, its resource
//! tracker). Costs one thread per pipe while it runs, and a 5 ms poll.

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How a process ended, and what it printed.
#[derive(Debug)]
pub struct Output {
    /// Whether it exited with status 0.
    pub success: bool,
    /// `exit status 1`, `killed by signal 9`, ...
    pub status: String,
    /// Everything it wrote to stdout.
    pub stdout: Vec<u8>,
    /// Everything it wrote to stderr.
    pub stderr: Vec<u8>,
}

/// Process groups of scripts now running, so [`stop_running`] can end them.
static RUNNING: Mutex<Vec<u32>> = Mutex::new(Vec::new());

/// Set by [`stop_running`]: no script runs on after it.
static STOPPED: AtomicBool = AtomicBool::new(false);

/// Kills every script now running, with the processes it started, and stops
/// any that a kind still starts. Called when the run is interrupted (Ctrl-C,
/// `lab::run::interrupt`): the scripts run in process groups of their own, so
/// the terminal's Ctrl-C does not reach them by itself.
pub fn stop_running() {
    STOPPED.store(true, Ordering::SeqCst);
    let groups: Vec<u32> = RUNNING.lock().unwrap_or_else(|e| e.into_inner()).clone();
    for group in groups {
        kill_group(group);
    }
}

/// Runs `program args...` with no stdin, collecting stdout and stderr, killing
/// it and everything it started after `timeout`. `what` names it in errors. An
/// interpreter that cannot start is an error holding the `std::io::Error`.
pub fn run_process(
    program: &str,
    args: &[&str],
    timeout: Duration,
    what: &str,
) -> anyhow::Result<Output> {
    let mut command = Command::new(program);
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Keep lessons/*/python/ free of __pycache__ folders.
        .env("PYTHONDONTWRITEBYTECODE", "1")
        // Tracebacks and messages in UTF-8, whatever the locale.
        .env("PYTHONIOENCODING", "utf-8");
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // A process group of its own: on a timeout the whole group is killed,
        // pool workers included.
        command.process_group(0);
    }
    let mut child = command.spawn().map_err(anyhow::Error::from)?;
    let pid = child.id();
    RUNNING.lock().unwrap_or_else(|e| e.into_inner()).push(pid);
    let reader = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            bytes
        })
    };
    let stdout = reader(Box::new(child.stdout.take().expect("piped")));
    let stderr = reader(Box::new(child.stderr.take().expect("piped")));

    let started = Instant::now();
    let mut stopped: Option<String> = None;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) => {}
            Err(e) => {
                stopped = Some(format!("waiting for it failed: {e}"));
                break None;
            }
        }
        if started.elapsed() >= timeout {
            stopped = Some(format!(
                "it did not finish within {} s, so it was stopped with every process it started (raise `python_timeout_s` in [run] if it needs longer)",
                timeout.as_secs_f64()
            ));
            break None;
        }
        if STOPPED.load(Ordering::SeqCst) {
            stopped = Some("the run was interrupted".into());
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    // Whatever it left behind (pool workers, a resource tracker) goes with it.
    kill_group(pid);
    let status = match status {
        Some(status) => status,
        None => {
            let _ = child.kill();
            child.wait()?
        }
    };
    RUNNING
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .retain(|&g| g != pid);
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    if let Some(why) = stopped {
        anyhow::bail!("{what}: {why}");
    }
    Ok(Output {
        success: status.success(),
        status: describe(status),
        stdout,
        stderr,
    })
}

fn describe(status: std::process::ExitStatus) -> String {
    if let Some(code) = status.code() {
        return format!("exit status {code}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return format!("killed by signal {signal}");
        }
    }
    status.to_string()
}

/// Sends SIGKILL to process group `group`. `kill` is a program here because
/// this crate has no unsafe code (libc's `kill` is an unsafe call); when it is
/// missing, the caller's `Child::kill` still ends the script itself.
fn kill_group(group: u32) {
    #[cfg(unix)]
    {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{group}")])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
    #[cfg(not(unix))]
    let _ = group;
}

/// The last `n` non-empty lines of `bytes`, as text.
pub fn last_lines(bytes: &[u8], n: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let tail = &lines[lines.len().saturating_sub(n)..];
    if tail.is_empty() {
        "(it printed nothing on stderr)".into()
    } else {
        tail.join("\n")
    }
}
