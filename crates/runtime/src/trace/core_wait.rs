//! How long a thread waited for a core: readings of the kernel's count, taken
//! where the thread's spans start and end (see the module docs, "Waiting for a
//! core").
//!
//! A reading is one system call (`pread` of `/proc/thread-self/schedstat`,
//! about 1 µs on the course's VM), so a thread takes one at most every
//! [`SAMPLE_EVERY_NS`]: a thread of tiny tasks pays it once per half
//! millisecond, not once per task, and its first span after each
//! [`take`](super::take) always gets one. Readings at span boundaries
//! (rather than at tasks' alone) keep a wait between two readings to few
//! states: a lock handoff's wait for a core falls in the lock wait, not in the
//! task around it. Linux only; elsewhere nothing is
//! read and [`measures_core_wait`] is false.

/// The least time between two readings on one thread.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
pub(super) const SAMPLE_EVERY_NS: u64 = 500_000;

/// Whether this system measures how long threads wait for a core: Linux,
/// where a thread can read its own `/proc/thread-self/schedstat`. Elsewhere
/// tracks carry no readings ([`Track::core_wait`](super::Track::core_wait) is
/// empty).
pub fn measures_core_wait() -> bool {
    #[cfg(target_os = "linux")]
    {
        static READABLE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        *READABLE.get_or_init(|| linux::read_once().is_some())
    }
    #[cfg(not(target_os = "linux"))]
    {
        false
    }
}

/// Takes a reading for this thread at `now_ns`, unless it took one less than
/// [`SAMPLE_EVERY_NS`] ago (since the last `take`).
#[inline]
pub(super) fn sample(now_ns: u64) {
    #[cfg(target_os = "linux")]
    linux::sample(now_ns);
    #[cfg(not(target_os = "linux"))]
    let _ = now_ns;
}

#[cfg(target_os = "linux")]
mod linux {
    use super::super::{CoreWaitSample, buffer};
    use super::SAMPLE_EVERY_NS;
    use std::cell::RefCell;
    use std::fs::File;
    use std::os::unix::fs::FileExt;

    /// This thread's schedstat file (opened on its first reading) and when it
    /// last read it.
    #[derive(Default)]
    struct Sampler {
        opened: bool,
        file: Option<File>,
        /// The [`buffer::takes`] count and the time of the last reading.
        last: Option<(u64, u64)>,
    }

    thread_local! {
        static SAMPLER: RefCell<Sampler> = RefCell::new(Sampler::default());
    }

    pub(super) fn sample(now_ns: u64) {
        // A thread being torn down has lost its thread-locals: no reading.
        let _ = SAMPLER.try_with(|sampler| {
            let Ok(mut s) = sampler.try_borrow_mut() else {
                return;
            };
            let takes = buffer::takes();
            if let Some((t, at)) = s.last
                && t == takes
                && now_ns.saturating_sub(at) < SAMPLE_EVERY_NS
            {
                return;
            }
            if !s.opened {
                s.opened = true;
                s.file = File::open("/proc/thread-self/schedstat").ok();
            }
            let Some(waited_ns) = s.file.as_ref().and_then(run_delay) else {
                return;
            };
            s.last = Some((takes, now_ns));
            buffer::push_core_wait(CoreWaitSample {
                at_ns: now_ns,
                waited_ns,
            });
        });
    }

    /// One reading on this thread, to see whether readings work here.
    pub(super) fn read_once() -> Option<u64> {
        File::open("/proc/thread-self/schedstat")
            .ok()
            .as_ref()
            .and_then(run_delay)
    }

    /// The second of schedstat's three numbers: "time spent waiting on a
    /// runqueue", in ns (the first is the time on a CPU, the third the number
    /// of timeslices run).
    fn run_delay(file: &File) -> Option<u64> {
        let mut buf = [0u8; 96];
        let n = file.read_at(&mut buf, 0).ok()?;
        let text = std::str::from_utf8(&buf[..n]).ok()?;
        text.split_ascii_whitespace().nth(1)?.parse().ok()
    }
}
