//! `chunksize`: how many items go to a worker as one task, for both pools.

/// How many items go into one task: Python's `chunksize` argument.
///
/// Converts from a `usize` (`0` means [`Chunksize::Auto`]) and from an
/// `Option<usize>` (`None` means `Auto`, as Python's `chunksize=None`), so every
/// one of `pool.map(f, items, 1)`, `pool.map(f, items, None)` and
/// `pool.map(f, items, Chunksize::Auto)` reads as it would in Python.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Chunksize {
    /// Python's heuristic: about four chunks per worker, see [`default_chunksize`].
    #[default]
    Auto,
    /// Exactly this many items per chunk (the last chunk may be shorter);
    /// `Fixed(0)` behaves as `Auto`.
    Fixed(usize),
}

impl Chunksize {
    /// The number of items per chunk for `len` items on `workers` workers.
    pub fn resolve(self, len: usize, workers: usize) -> usize {
        match self {
            Chunksize::Fixed(n) if n > 0 => n,
            _ => default_chunksize(len, workers),
        }
    }
}

impl From<usize> for Chunksize {
    fn from(n: usize) -> Self {
        if n == 0 {
            Chunksize::Auto
        } else {
            Chunksize::Fixed(n)
        }
    }
}

impl From<Option<usize>> for Chunksize {
    fn from(n: Option<usize>) -> Self {
        n.map_or(Chunksize::Auto, Chunksize::from)
    }
}

/// Python's default chunksize for `Pool.map`: `ceil(len / (4 * workers))`, so
/// each worker gets about four chunks: few enough that the per-chunk cost
/// vanishes, enough that a worker finishing early can take another. Never
/// less than 1.
///
/// ```
/// assert_eq!(runtime::pool::default_chunksize(1_000_000, 2), 125_000);
/// assert_eq!(runtime::pool::default_chunksize(10, 4), 1);
/// ```
pub fn default_chunksize(len: usize, workers: usize) -> usize {
    len.div_ceil(4 * workers.max(1)).max(1)
}

impl Chunksize {
    /// The chunksize of a lazy call (`imap`, `imap_unordered`) over an input
    /// whose `size_hint` is given: as given, else Python's `map` default when
    /// the input knows its exact length, else 1 (Python's `imap` default).
    pub(crate) fn resolve_lazy(self, size_hint: (usize, Option<usize>), workers: usize) -> usize {
        match (self, size_hint) {
            (Chunksize::Fixed(n), _) if n > 0 => n,
            (_, (low, Some(high))) if low == high => default_chunksize(low, workers),
            _ => 1,
        }
    }
}
