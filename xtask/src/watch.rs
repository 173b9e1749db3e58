//! `cargo xtask watch [lesson]`: the edit–save–see loop, as rustlings' `watch`.
//!
//! Finds the first exercise that does not pass yet (the *current* one), then
//! checks it again each time its file is saved; when it passes, moves on to the
//! next one that does not. `q` + Enter, Ctrl-C or the end of input leaves.
//!
//! File events come from the OS through the `notify` crate (inotify on Linux,
//! FSEvents on macOS, ReadDirectoryChangesW on Windows), not from polling. An
//! editor's save is often several events (write, then rename, then a metadata
//! change): a [`Debounce`] waits until the file has been quiet for a moment and
//! checks once.
//!
//! The terminal is never put in raw mode (input is read a line at a time), so
//! there is nothing to restore on the way out; every build and test this
//! command starts is waited for before it returns, so none outlives it (Ctrl-C
//! reaches them too: they share the terminal's process group).

use crate::check::{self, Status};
use crate::coursework::Exercise;
use anyhow::Context;
use notify::Watcher;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long a file must stay quiet after a save before it is checked.
pub const QUIET: Duration = Duration::from_millis(200);

/// Collapses a burst of file events into one check: each event restarts the
/// quiet period, and the check is due once the period has passed with none.
#[derive(Debug, Clone)]
pub struct Debounce {
    quiet: Duration,
    last: Option<Instant>,
}

impl Debounce {
    /// A debounce that waits `quiet` after the last event.
    pub fn new(quiet: Duration) -> Self {
        Debounce { quiet, last: None }
    }

    /// Records an event seen at `at`.
    pub fn saw(&mut self, at: Instant) {
        self.last = Some(at);
    }

    /// How long until the pending check is due (zero when it is), or `None`
    /// when no event is pending.
    pub fn left(&self, now: Instant) -> Option<Duration> {
        self.last
            .map(|last| (last + self.quiet).saturating_duration_since(now))
    }

    /// True, once, when a check is due at `now`; the pending event is then
    /// consumed.
    pub fn take_due(&mut self, now: Instant) -> bool {
        if self.left(now) == Some(Duration::ZERO) {
            self.last = None;
            true
        } else {
            false
        }
    }
}

/// The current exercise: the first, from `from` on, that has not passed.
/// `passed(i)` checks exercise `i` (and is called in order, stopping at the
/// first that does not pass); `None` when every one passes.
pub fn current(
    from: usize,
    count: usize,
    mut passed: impl FnMut(usize) -> anyhow::Result<bool>,
) -> anyhow::Result<Option<usize>> {
    for i in from..count {
        if !passed(i)? {
            return Ok(Some(i));
        }
    }
    Ok(None)
}

/// What the watch loop reacts to.
enum Event {
    /// A file in a watched folder changed.
    Changed(PathBuf),
    /// `q`, Ctrl-C or the end of input.
    Quit,
}

pub fn watch(target: Option<&str>) -> anyhow::Result<ExitCode> {
    let exercises = check::select(target)?;
    if exercises.is_empty() {
        say!("no exercises to watch");
        return Ok(ExitCode::SUCCESS);
    }
    let (tx, rx) = mpsc::channel::<Event>();

    // Ctrl-C and `q`: both become Quit, read between checks.
    let quit = tx.clone();
    ctrlc::set_handler(move || {
        let _ = quit.send(Event::Quit);
    })
    .context("installing the Ctrl-C handler")?;
    let input = tx.clone();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            match line {
                Ok(l) if matches!(l.trim(), "q" | "quit") => break,
                Ok(_) => continue,
                Err(_) => break,
            }
        }
        // `q`, or the end of input: nobody is left to type `q`.
        let _ = input.send(Event::Quit);
    });

    // One watcher over each lesson's exercises/ folder (not recursive: checks/
    // are not the student's to edit). Editors that save by renaming a new file
    // over the old one are seen too, as the folder's events.
    let changed = tx;
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event
            && !event.kind.is_access()
        {
            for path in event.paths {
                let _ = changed.send(Event::Changed(path));
            }
        }
    })
    .context("starting the file watcher")?;
    let mut folders: Vec<PathBuf> = exercises
        .iter()
        .filter_map(|e| e.file().parent().map(Path::to_path_buf))
        .collect();
    folders.dedup();
    for folder in &folders {
        watcher
            .watch(folder, notify::RecursiveMode::NonRecursive)
            .with_context(|| format!("watching {}", crate::shown(folder)))?;
    }

    say!("watch: finding the first exercise that does not pass yet…");
    let mut at = match next_unfinished(&exercises, 0)? {
        Some(i) => i,
        None => return all_done(&exercises),
    };
    announce(&exercises[at]);

    let mut debounce = Debounce::new(QUIET);
    loop {
        let wait = debounce
            .left(Instant::now())
            .unwrap_or(Duration::from_secs(3600));
        match rx.recv_timeout(wait) {
            Ok(Event::Quit) | Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Ok(Event::Changed(path)) => {
                if is_file_of(&path, &exercises[at]) {
                    debounce.saw(Instant::now());
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
        if !debounce.take_due(Instant::now()) {
            continue;
        }
        let e = &exercises[at];
        say!("\nchecking {}…", e.name);
        let status = check::check_one(e)?;
        check::print_status(e, &status);
        if status != Status::Pass {
            say!("  save {} again to re-check.", crate::shown(&e.file()));
            continue;
        }
        match next_unfinished(&exercises, at + 1)? {
            Some(i) => {
                at = i;
                say!("\n{} passes: on to the next one.", e.name);
                let done: Vec<&Exercise> = exercises[..at].iter().collect();
                for line in check::progress(&exercises, &done) {
                    say!("  {line}");
                }
                announce(&exercises[at]);
            }
            None => return all_done(&exercises),
        }
    }
    drop(watcher);
    say!("\nwatch: stopped. `cargo xtask check` shows where you are.");
    Ok(ExitCode::SUCCESS)
}

/// The first exercise from `from` on that does not pass, checking each in turn.
fn next_unfinished(exercises: &[Exercise], from: usize) -> anyhow::Result<Option<usize>> {
    current(from, exercises.len(), |i| {
        let status = check::check_one(&exercises[i])?;
        if status == Status::Pass {
            check::print_status(&exercises[i], &status);
        }
        Ok(status == Status::Pass)
    })
}

/// Prints the current exercise and what to do.
fn announce(e: &Exercise) {
    say!("\nCurrent: {} ({}) — {}", e.name, e.lesson, e.task);
    say!("  edit   {}", crate::shown(&e.file()));
    say!(
        "  watching it: every save checks it again.   hint: cargo xtask hint {}   quit: q + Enter",
        e.name
    );
}

fn all_done(exercises: &[Exercise]) -> anyhow::Result<ExitCode> {
    let done: Vec<&Exercise> = exercises.iter().collect();
    say!("\nAll {} exercises pass.", exercises.len());
    for line in check::progress(exercises, &done) {
        say!("  {line}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Whether an event's path is the exercise's file (compared by name: the OS
/// may report the folder's path resolved differently).
fn is_file_of(path: &Path, e: &Exercise) -> bool {
    path.file_name() == e.file().file_name()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_of_events_is_checked_once_after_the_quiet_period() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut d = Debounce::new(ms(200));
        assert_eq!(d.left(t0), None, "nothing pending before any event");
        assert!(!d.take_due(t0 + ms(1000)));
        // An editor's save: three events 10 ms apart.
        d.saw(t0);
        d.saw(t0 + ms(10));
        d.saw(t0 + ms(20));
        assert_eq!(d.left(t0 + ms(20)), Some(ms(200)));
        assert!(!d.take_due(t0 + ms(150)), "not yet quiet long enough");
        assert!(d.take_due(t0 + ms(220)), "due 200 ms after the last event");
        assert!(!d.take_due(t0 + ms(300)), "and only once");
        assert_eq!(d.left(t0 + ms(300)), None);
    }

    #[test]
    fn the_current_exercise_is_the_first_that_does_not_pass() {
        let passes = [true, false, true, false];
        let mut asked = Vec::new();
        let at = current(0, 4, |i| {
            asked.push(i);
            Ok(passes[i])
        })
        .unwrap();
        assert_eq!(at, Some(1));
        assert_eq!(asked, [0, 1], "checks stop at the first that does not pass");
        // After exercise 1 passes, the search goes on from 2.
        assert_eq!(current(2, 4, |i| Ok(passes[i])).unwrap(), Some(3));
        assert_eq!(current(0, 4, |_| Ok(true)).unwrap(), None, "all pass");
        assert_eq!(current(4, 4, |_| Ok(false)).unwrap(), None);
    }
}
