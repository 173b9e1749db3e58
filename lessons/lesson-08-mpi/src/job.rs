//! What the driver asks of the ranks, and how rank 0 answers.
//!
//! The driver passes one [`Job`] to every rank as a single command-line argument
//! (JSON); rank 0 prints its result as one line, `parlab-result: <JSON>`, and
//! the others print nothing. Each kind defines its own job and result types.

use serde::{Deserialize, Serialize};

/// The mark before rank 0's result line on stdout.
pub const RESULT_MARK: &str = "parlab-result: ";

/// One launch's work, for every rank.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Job {
    PiRanks(crate::pi_ranks::RankJob),
    PingPong(crate::ping_pong::RankJob),
    Collectives(crate::collectives::RankJob),
    WeakScaling(crate::weak_scaling::RankJob),
}

/// Untimed runs, then timed runs: the run's `[run]` settings, carried to the ranks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Repeats {
    pub warmup: u32,
    pub repeats: u32,
}

impl From<lab::Repeats> for Repeats {
    fn from(r: lab::Repeats) -> Repeats {
        Repeats {
            warmup: r.warmup,
            repeats: r.repeats.max(1),
        }
    }
}

/// The wall times of a set of timed runs, in seconds, as a [`lab::Timing`].
pub fn timing(seconds: &[f64]) -> anyhow::Result<lab::Timing> {
    anyhow::ensure!(!seconds.is_empty(), "the ranks reported no timed run");
    let durations: Vec<std::time::Duration> = seconds
        .iter()
        .map(|&s| std::time::Duration::from_secs_f64(s.max(0.0)))
        .collect();
    Ok(lab::Timing::from_durations(&durations))
}

/// The median of `values` (at least one).
pub fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// The part `rank` of `parts` gets of `0..total`: contiguous blocks whose sizes
/// differ by at most one, the first `total % parts` one longer.
pub fn block(total: u64, parts: u64, rank: u64) -> std::ops::Range<u64> {
    let base = total / parts;
    let extra = total % parts;
    let start = rank * base + rank.min(extra);
    start..start + base + u64::from(rank < extra)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_cover_every_index_once_in_order() {
        for total in [0, 1, 7, 64, 1000] {
            for parts in 1..=9 {
                let mut next = 0;
                for rank in 0..parts {
                    let b = block(total, parts, rank);
                    assert_eq!(b.start, next, "total {total}, parts {parts}, rank {rank}");
                    assert!(b.end - b.start <= total / parts + 1);
                    next = b.end;
                }
                assert_eq!(next, total);
            }
        }
    }

    #[test]
    fn jobs_cross_as_tagged_json() {
        let job = Job::PiRanks(crate::pi_ranks::RankJob {
            samples: 10,
            chunks: 2,
            seed: 1,
            sampler: Default::default(),
            repeats: Repeats {
                warmup: 0,
                repeats: 1,
            },
        });
        let text = serde_json::to_string(&job).unwrap();
        assert!(text.starts_with(r#"{"kind":"pi-ranks""#), "{text}");
        let back: Job = serde_json::from_str(&text).unwrap();
        assert!(matches!(back, Job::PiRanks(j) if j.samples == 10));
    }

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
    }
}
