//! The parallel runtime that the parlab lessons teach.
//!
//! Each module is one idea of the course, small enough to read in one sitting:
//! what it is, the Python name it mirrors, and what it costs. The lessons under
//! `lessons/` run experiments on these modules; `cargo xtask bench` measures their
//! overheads against rayon and `std::thread::scope`.
//!
//! | module | what it holds | mirrors |
//! |---|---|---|
//! | [`parallel`] | scoped workers that split a fixed amount of work | `multiprocessing.Pool.map` over chunks, Numba `prange` |

pub mod gil;
pub mod parallel;
pub mod pool;
pub mod process;
pub mod rng;
