//! The synthetic CPU-bound workload every kind of this lesson measures.
//!
//! A *unit* of work is four rounds of the SplitMix64 mixer on the unit's index:
//! a few nanoseconds of integer arithmetic that touches no memory, so the only
//! thing that limits scaling is what we make serial. The checksum (a wrapping sum
//! of every unit's result) does not depend on how the units were split between
//! workers, so it proves every run did the same work.

use runtime::parallel::{chunk, scoped_workers};
use std::ops::Range;

/// One unit of work: a value that depends on `i` and cannot be computed faster
/// than by doing the arithmetic.
#[inline]
pub fn unit(i: u64) -> u64 {
    let mut x = i;
    for _ in 0..4 {
        x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        x = z ^ (z >> 31);
    }
    x
}

/// The units `range`, done on this thread; their wrapping sum.
pub fn units(range: Range<u64>) -> u64 {
    range.map(unit).fold(0, u64::wrapping_add)
}

/// A program with a serial part and a parallel part: units `0..serial` run on
/// one thread, then units `serial..total` are split evenly across `workers`
/// threads. Returns the checksum of all `total` units.
pub fn serial_then_parallel(serial: u64, total: u64, workers: usize) -> u64 {
    // Marked for the trace: the ledger counts it as the serial part.
    let head = runtime::trace::serial(|| units(0..serial));
    let parallel = total - serial;
    let sums = scoped_workers(workers, |w| {
        let r = chunk(parallel, workers, w);
        units(serial + r.start..serial + r.end)
    });
    sums.into_iter().fold(head, u64::wrapping_add)
}

/// The number of serial units for a serial fraction `s` of `total` units.
pub fn serial_units(total: u64, s: f64) -> u64 {
    ((total as f64) * s).round() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checksum_does_not_depend_on_the_split() {
        let one = serial_then_parallel(1_000, 10_000, 1);
        for workers in [2, 3, 4, 7] {
            assert_eq!(
                serial_then_parallel(1_000, 10_000, workers),
                one,
                "workers = {workers}"
            );
        }
        assert_eq!(serial_then_parallel(0, 10_000, 3), one);
        assert_eq!(units(0..10_000), one);
    }
}
