//! Exercise `row_reduction` (lesson-04).
//!
//! Numba's `prange` in Rust: a reduction over every row of a matrix, first as a
//! plain loop, then with rayon's `par_chunks`, which splits the rows between
//! threads and keeps the results in row order. Each row is still reduced by one
//! thread, left to right, so the two must agree to the last bit.
//!
//! Check your work: `cargo xtask check lesson-04`. Stuck? `cargo xtask hint row_reduction`.

#[allow(unused_imports)]
use rayon::prelude::*;

/// The Euclidean norm of a row (given): `sqrt(Σ x²)`.
pub fn norm(row: &[f64]) -> f64 {
    row.iter().map(|x| x * x).sum::<f64>().sqrt()
}

/// `f` applied to each row of the row-major matrix `data` (`cols` values per
/// row), on this thread, in row order. `data.len()` is a multiple of `cols`.
pub fn map_rows_sequential(data: &[f64], cols: usize, f: impl Fn(&[f64]) -> f64) -> Vec<f64> {
    let _ = (data, cols, f);
    todo!("reduce each row with f, in order")
}

/// The same as [`map_rows_sequential`], with the rows shared out between
/// rayon's threads (`par_chunks_exact`). The results stay in row order.
pub fn map_rows_parallel(
    data: &[f64],
    cols: usize,
    f: impl Fn(&[f64]) -> f64 + Sync + Send,
) -> Vec<f64> {
    let _ = (data, cols, f);
    todo!("the same with data.par_chunks_exact(cols)")
}
