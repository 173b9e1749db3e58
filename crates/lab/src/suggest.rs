//! "Did you mean": the nearest valid name to a mistyped one.
//!
//! Config errors suggest the key, kind or lesson a student most likely meant
//! (`wrk_units` → `work_units`). Nearness is the Levenshtein edit distance: the
//! fewest single-character insertions, deletions and substitutions that turn one
//! name into the other. It costs O(len(a) · len(b)) per candidate — nothing for
//! names this short — and a name further off than a typo gets no suggestion, so
//! a stranger (`colour` among `workers`, `work_units`) is not dressed up as one.

/// The candidate closest to `wrong` by edit distance, if it is close enough to
/// be a typo of it (at most 2 edits, or a third of the candidate's length).
pub fn did_you_mean<'a>(
    wrong: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (levenshtein(wrong, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_catch_typos_but_not_strangers() {
        let keys = ["work_units", "serial_fraction", "workers"];
        assert_eq!(did_you_mean("wrk_units", keys), Some("work_units"));
        assert_eq!(did_you_mean("worker", keys), Some("workers"));
        assert_eq!(did_you_mean("colour", keys), None);
    }
}
