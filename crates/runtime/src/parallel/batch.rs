//! Batch size: how many calls go to a worker as one unit, fixed or adapted as
//! joblib adapts it.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// How many tasks [`Parallel`](super::Parallel) hands a worker at a time:
/// joblib's `batch_size`.
///
/// Each batch costs one dispatch (a queue entry, a wake-up, a message to a
/// process), so tiny tasks want big batches; a big batch can leave a worker
/// busy at the end while the others idle, so slow tasks want small ones.
/// `Auto` finds the size by measuring, as joblib does.
///
/// Converts from a `usize` (`0` means `Auto`, as `Chunksize` in
/// [`pool`](crate::pool) does) and parses from `"auto"` or a number.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum BatchSize {
    /// Start at one task per batch and adapt to the measured duration of
    /// batches (see [`AutoBatch`]). joblib's default.
    #[default]
    Auto,
    /// Exactly this many tasks per batch (the last batch may be shorter).
    Fixed(usize),
}

impl From<usize> for BatchSize {
    fn from(n: usize) -> Self {
        if n == 0 {
            BatchSize::Auto
        } else {
            BatchSize::Fixed(n)
        }
    }
}

impl FromStr for BatchSize {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim() {
            "auto" => Ok(BatchSize::Auto),
            n => match n.parse::<usize>() {
                Ok(n) if n > 0 => Ok(BatchSize::Fixed(n)),
                _ => Err(format!(
                    "batch size must be \"auto\" or a whole number ≥ 1, found \"{s}\""
                )),
            },
        }
    }
}

impl fmt::Display for BatchSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BatchSize::Auto => f.write_str("auto"),
            BatchSize::Fixed(n) => write!(f, "{n}"),
        }
    }
}

/// What the last [`Parallel::run`](super::Parallel::run) (or the running
/// [`run_unordered`](super::Parallel::run_unordered)) did: for seeing what
/// `BatchSize::Auto` chose.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunStats {
    /// Workers (threads or processes) used.
    pub workers: usize,
    /// Tasks dispatched.
    pub tasks: usize,
    /// Batches dispatched (for a fixed size run by a backend's own map: the
    /// number of batches asked for, `tasks / batch_size` rounded up).
    pub batches: usize,
    /// The size of the last batch dispatched.
    pub last_batch_size: usize,
    /// The largest batch dispatched.
    pub largest_batch: usize,
}

/// joblib's automatic batching (`AutoBatchingMixin`), ported.
///
/// The dispatcher asks [`size`](Self::size) before it cuts each batch and
/// reports every finished batch to [`completed`](Self::completed) with the
/// time from dispatch to completion. The rule:
///
/// - While batches of the current size take less than
///   [`MIN_IDEAL_BATCH_DURATION`](Self::MIN_IDEAL_BATCH_DURATION), the size
///   grows toward twice the size that would take that long, but at most
///   doubles per step, so a mis-measured batch cannot make a huge one.
/// - When they take more than
///   [`MAX_IDEAL_BATCH_DURATION`](Self::MAX_IDEAL_BATCH_DURATION), it shrinks
///   at once to twice the size that would take the minimum.
/// - Durations are smoothed (an exponential average, weight 0.2 for the new
///   one) and only batches of the current size count; the average restarts
///   whenever the size changes.
///
/// joblib aims at 0.2–2 s per batch (`MIN_IDEAL_BATCH_DURATION`,
/// `MAX_IDEAL_BATCH_DURATION`), long enough to hide a dispatch to a Python
/// worker process (lesson 04's Python rows measure one). Ours costs
/// microseconds (a queue entry and a wake-up; a pipe round trip for a process),
/// so the targets here are a hundred times smaller: big enough to hide the
/// dispatch, small enough that the last batches do not leave a worker idle for
/// long.
#[derive(Clone, Debug)]
pub struct AutoBatch {
    size: usize,
    smoothed: Option<Duration>,
}

impl AutoBatch {
    /// Below this, a batch is too short to hide the cost of dispatching it.
    pub const MIN_IDEAL_BATCH_DURATION: Duration = Duration::from_millis(2);
    /// Above this, a batch risks keeping one worker busy while others idle.
    pub const MAX_IDEAL_BATCH_DURATION: Duration = Duration::from_millis(20);

    /// Starts at one task per batch, as joblib does.
    pub fn new() -> Self {
        Self {
            size: 1,
            smoothed: None,
        }
    }

    /// The batch size to use for the next batch.
    pub fn size(&mut self) -> usize {
        let old = self.size;
        let Some(duration) = self.smoothed else {
            return old;
        };
        let min = Self::MIN_IDEAL_BATCH_DURATION.as_secs_f64();
        let d = duration.as_secs_f64().max(1e-9);
        let new = if duration < Self::MIN_IDEAL_BATCH_DURATION {
            // Too short to hide the dispatch: grow, at most doubling.
            let ideal = (old as f64 * min / d) as usize * 2;
            ideal.min(2 * old).max(1)
        } else if duration > Self::MAX_IDEAL_BATCH_DURATION && old >= 2 {
            // Too long: a worker may be left alone with it at the end.
            let ideal = (old as f64 * min / d) as usize;
            (2 * ideal).max(1)
        } else {
            old
        };
        if new != old {
            self.size = new;
            self.smoothed = None;
        }
        new
    }

    /// Records that a batch of `size` tasks took `duration` from dispatch to
    /// completion. Batches of another size than the current one are ignored.
    pub fn completed(&mut self, size: usize, duration: Duration) {
        if size != self.size {
            return;
        }
        self.smoothed = Some(match self.smoothed {
            None => duration,
            Some(old) => old.mul_f64(0.8) + duration.mul_f64(0.2),
        });
    }
}

impl Default for AutoBatch {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_size_parses_auto_and_positive_numbers_only() {
        assert_eq!("auto".parse(), Ok(BatchSize::Auto));
        assert_eq!("64".parse(), Ok(BatchSize::Fixed(64)));
        assert!("0".parse::<BatchSize>().is_err());
        assert!("lots".parse::<BatchSize>().is_err());
        assert_eq!(BatchSize::from(0), BatchSize::Auto);
        assert_eq!(BatchSize::from(8).to_string(), "8");
    }

    #[test]
    fn auto_grows_at_most_twofold_while_batches_are_short() {
        let mut auto = AutoBatch::new();
        assert_eq!(auto.size(), 1, "no measurement yet: one task per batch");
        let mut sizes = vec![];
        for _ in 0..12 {
            let size = auto.size();
            sizes.push(size);
            // Each task takes 1 µs: batches are far too short.
            auto.completed(size, Duration::from_micros(size as u64));
        }
        assert_eq!(&sizes[..6], &[1, 2, 4, 8, 16, 32]);
        // 2 ms / 1 µs = 2000 tasks; twice that is where it settles.
        let last = auto.size();
        assert!((2000..=4096).contains(&last), "settled at {last}");
    }

    #[test]
    fn auto_shrinks_at_once_when_batches_are_too_long() {
        let mut auto = AutoBatch::new();
        for _ in 0..10 {
            let size = auto.size();
            auto.completed(size, Duration::from_micros(size as u64));
        }
        let big = auto.size();
        // The tasks become 1000 times slower.
        auto.completed(big, Duration::from_millis(big as u64));
        let small = auto.size();
        assert!(small < big / 100, "{big} -> {small}");
        assert!(small >= 1);
    }

    #[test]
    fn batches_of_an_old_size_do_not_count() {
        let mut auto = AutoBatch::new();
        auto.completed(1, Duration::from_micros(1));
        assert_eq!(auto.size(), 2);
        // A batch of size 1 still in flight finishes very slowly: ignored.
        auto.completed(1, Duration::from_secs(1));
        assert_eq!(auto.size(), 2);
    }
}
