//! A thread pool: a fixed set of worker threads, started once, that run the
//! tasks you hand them. It mirrors Python's `multiprocessing.pool.ThreadPool`,
//! which has the API of `multiprocessing.Pool` with threads in place of
//! processes.
//!
//! Why a pool: starting a thread costs 10–30 µs (a `clone(2)` and a stack
//! mapping), so a thread per tiny task spends more time starting threads than
//! working. A pool pays that once and then hands out tasks for nanoseconds
//! each. In CPython's default build a thread pool only helps code that waits
//! (I/O) or that spends its time in extensions releasing the lock (many NumPy
//! operations), because the interpreter lock lets one thread run Python at a
//! time (see [`gil`](crate::gil)); the free-threaded build (3.13t, 3.14t) has
//! no such lock, and neither has Rust, so these threads run on every core at
//! once.
//!
//! ```
//! use std::time::Duration;
//! use runtime::pool::{Callbacks, Chunksize, ThreadPool};
//!
//! let pool = ThreadPool::new(2)?;
//!
//! // map: results in input order; chunks of 100 items are the tasks.
//! let squares = pool.map(|x: u64| x * x, 0..1_000, 100).expect("no task panics");
//! assert_eq!(squares[999], 998_001);
//!
//! // starmap: each tuple's fields become the arguments.
//! let sums = pool.starmap(|a: u32, b: u32| a + b, vec![(1, 2), (3, 4)], Chunksize::Auto);
//! assert_eq!(sums, Ok(vec![3, 7]));
//!
//! // imap: a lazy iterator of results, in input order.
//! let firsts: Vec<u64> = pool.imap(|x: u64| x + 1, 0.., 1).take(3).map(Result::unwrap).collect();
//! assert_eq!(firsts, vec![1, 2, 3]);
//!
//! // apply_async: one task, a handle, and a callback that runs before `get` returns.
//! let handle = pool.apply_async_with(|| 6 * 7, Callbacks::new().callback(|r| println!("got {r}")));
//! assert_eq!(handle.get_timeout(Duration::from_secs(10)), Ok(42));
//!
//! // A task that panics is an error for that task; the pool keeps serving.
//! let failed = pool.map(|x: u32| if x == 3 { panic!("three") } else { x }, 0..5, 1);
//! let error = failed.unwrap_err();
//! assert_eq!((error.index(), error.message()), (3, "three"));
//! assert_eq!(pool.apply(|| "still here"), Ok("still here"));
//!
//! pool.close();
//! pool.join()?;
//! # Ok::<(), runtime::pool::PoolError>(())
//! ```
//!
//! # What a task costs
//!
//! Measured on the course's 2-core machine with 2 workers, mapping `|x| x + 1`
//! over 10⁶ `u64` (`cargo run --release -p runtime --example pool_overhead`:
//! medians of 21 runs, rayon's in the same run, the two taking turns):
//!
//! | call | per task | rayon, same run |
//! |---|---|---|
//! | `map`, `chunksize = 1` | 3.5–14 ns, 0.15–0.3 × rayon | `par_iter().with_max_len(1)`: 21–50 ns |
//! | `map`, `Chunksize::Auto` | 0.12–4 ns, 0.9–1.1 × rayon | `par_iter()`: 0.14–3.7 ns |
//! | `execute`, one queue entry per task | 45–400 ns | |
//! | `imap`, `chunksize = 1` | 0.5–1.4 µs | |
//! | `apply_async(..).get()`, one round trip | 0.4–7 µs | |
//! | a `map` call of two items, fixed cost | 1.2–8.5 µs | |
//!
//! The ranges are the spread between runs on a machine shared with other
//! jobs; ratios within one run are steadier. With automatic chunks a task is
//! next to free and the memory decides: the result `Vec` costs 0.12 ns per
//! item when the allocator hands back memory already mapped, and 2–4 ns when
//! every page of it must be faulted in, for rayon as for the pool. The wide
//! ranges of the single-task rows are sleep against wake: a round trip takes
//! 0.4 µs while the workers are awake and several µs when one must be woken.
//! Python's `ThreadPool` and `Pool` are measured beside these, in the same
//! run, by lesson 02 (`cargo xtask run lesson-02`).
//!
//! # How it works
//!
//! The workers share one queue (a `VecDeque` under a `Mutex`, with a `Condvar`
//! to sleep on). [`execute`](ThreadPool::execute), [`apply_async`](ThreadPool::apply_async)
//! and each chunk of [`imap`](ThreadPool::imap) put one entry in it: a boxed
//! closure, so each costs an allocation, a lock of the queue and, if a worker
//! sleeps, a wake-up system call. An idle worker watches the queue for 50 µs
//! before it sleeps, so work that arrives in a steady stream finds it awake.
//!
//! [`map`](ThreadPool::map) does not send a message per task: a message per
//! task costs more than a trivial task itself, and would put the pool several
//! times behind rayon. Instead a `map` call builds one *shared job* — the
//! items, an empty result slot per item, the function — and queues one ticket
//! to it per worker. The chunks (Python's: `chunksize` consecutive items, the
//! last one shorter) are split into one contiguous run per worker. A worker
//! claims the next chunk of its own run behind a lock nobody else normally
//! touches (two uncontended atomic operations), runs it, and writes each result
//! straight into its slot, so results come out in input order without sorting
//! or copying. A worker that runs out steals the back half of another worker's
//! run, so a slow chunk does not leave the others idle. This is how rayon runs
//! `par_iter`; moving the items in and the results out without copies takes a
//! little `unsafe` code, kept in one small module and checked with Miri.
//!
//! # Chunksize
//!
//! A chunk is the unit of work a worker takes at a time. Small chunks balance
//! uneven tasks well and cost more per item; big ones cost nothing per item but
//! can leave a worker idle while another finishes a long chunk. Python's
//! default, used by [`Chunksize::Auto`] (or `0`, or `None`), is
//! [`default_chunksize`]: `ceil(len / (4 × workers))`, about four chunks per
//! worker.
//!
//! # Why tasks must be `Send + 'static`
//!
//! The items, the function and the results cross to worker threads that
//! outlive the call that submitted them (the pool lives on after `map`
//! returns, and `apply_async` returns before its task runs), so they may not
//! borrow from the caller's stack, and they must be safe to move to another
//! thread. Python checks neither and pickles or shares whatever it gets;
//! here the compiler refuses:
//!
//! ```compile_fail
//! let pool = runtime::pool::ThreadPool::new(2).unwrap();
//! let shared = std::rc::Rc::new(5); // Rc's count is not atomic: not Send
//! pool.map(move |x: u32| x + *shared, vec![1, 2, 3], 1);
//! ```
//!
//! ```compile_fail
//! let pool = runtime::pool::ThreadPool::new(2).unwrap();
//! let offset = 10_u32;
//! let offset = &offset; // a borrow of the caller's stack: not 'static
//! pool.map(move |x: u32| x + *offset, vec![1, 2, 3], 1);
//! ```
//!
//! Move owned data in (`move` closures, `Arc` for what is shared). To borrow
//! instead, use a scoped tool that ends before the borrow does:
//! [`std::thread::scope`], [`parallel::scoped_workers`](crate::parallel::scoped_workers)
//! or rayon.
//!
//! # Panics, closing and shutting down
//!
//! A panicking task becomes a [`TaskError`] carrying its index and message (the
//! panic hook still prints it to stderr, as for any panic); the worker goes on.
//! A panicking `apply_async` callback is reported on stderr and changes
//! nothing else (the rule of every callback in the runtime: see [`Callbacks`]).
//! [`TaskError`], [`Callbacks`], [`AsyncResult`] and [`PoolError`] are the
//! runtime's shared vocabulary ([`crate::task`]): the process pool returns the
//! very same types.
//! [`close`](ThreadPool::close) stops new work and lets queued work finish;
//! [`terminate`](ThreadPool::terminate) also throws queued work away;
//! [`join`](ThreadPool::join) waits for the workers. Dropping a pool closes and
//! joins it, so no thread outlives its pool.
//!
//! The queue and this shutdown protocol are model-checked with loom
//! (`tests/loom/pool.rs`): no queued job is lost, no worker sleeps while a job
//! waits, `close` + `join` return only after every queued job ran, and
//! `terminate` drops the queued jobs and returns without waiting. Under
//! `--cfg loom` the queue's lock, condition variable and threads are loom's:
//! `RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom cargo test -p runtime --release --test loom pool`.
//!
//! | Python | here |
//! |---|---|
//! | `ThreadPool(processes, initializer, initargs)` | [`ThreadPool::new`], [`ThreadPool::builder`] ([`ThreadPoolBuilder`]) |
//! | `map(func, iterable, chunksize)` | [`ThreadPool::map`] |
//! | `starmap(func, iterable, chunksize)` | [`ThreadPool::starmap`] |
//! | `imap`, `imap_unordered` | [`ThreadPool::imap`], [`ThreadPool::imap_unordered`] |
//! | `apply_async(func, callback=, error_callback=)` | [`ThreadPool::apply_async`], [`ThreadPool::apply_async_with`] |
//! | `apply(func)` | [`ThreadPool::apply`] |
//! | `AsyncResult.get/wait/ready/successful` | [`AsyncResult`] |
//! | `close()`, `join()`, `terminate()` | the same names |
//! | `current_process()` | [`worker_index`] |
//!
//! # Where the code is
//!
//! | file | what |
//! |---|---|
//! | `thread_pool.rs` | the handle: `execute`, `close`, `terminate`, `join`, drop |
//! | `builder.rs` | starting the workers: `new`, [`ThreadPoolBuilder`] |
//! | `queue.rs` | the shared queue and the worker loop |
//! | `map.rs`, `slots.rs` | `map` and `starmap` as one shared job; its `unsafe` result slots |
//! | `imap.rs` | `imap` and `imap_unordered` |
//! | `apply.rs` | `apply_async` and `apply` |
//! | `chunksize.rs`, `star.rs` | Python's `chunksize`, and `starmap`'s argument packs |

mod apply;
mod builder;
mod chunksize;
mod imap;
mod map;
mod queue;
mod slots;
mod star;
mod thread_pool;

pub use builder::ThreadPoolBuilder;
pub use chunksize::{Chunksize, default_chunksize};
pub use imap::{Imap, WINDOW_PER_WORKER};
pub use queue::worker_index;
pub use star::StarFn;
pub use thread_pool::ThreadPool;

pub use crate::task::{AsyncResult, Callbacks, PoolError, TaskError, TaskErrorKind};
