//! Reference solution of `split_and_sum` (lesson-05).

/// One unit of work (given): a few nanoseconds of integer arithmetic.
pub fn unit(i: u64) -> u64 {
    let mut z = i.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The range of units that worker `w` of `workers` does, out of `0..n`.
pub fn share(n: u64, workers: u64, w: u64) -> std::ops::Range<u64> {
    // u128 so that w · n cannot overflow.
    let at = |k: u64| (u128::from(k) * u128::from(n) / u128::from(workers)) as u64;
    at(w)..at(w + 1)
}

/// The wrapping sum of `unit(i)` for `i` in `0..n`, computed by `workers` scoped threads.
pub fn parallel_sum(n: u64, workers: u64) -> u64 {
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                scope.spawn(move || share(n, workers, w).map(unit).fold(0u64, u64::wrapping_add))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a worker panicked"))
            .fold(0, u64::wrapping_add)
    })
}
