//! `delayed`: a function call written down now and run later, on a worker.
//!
//! joblib's `delayed(f)(x)` does not call `f`: it returns the triple
//! `(f, (x,), {})`, and `Parallel` runs such triples on its workers. Here the
//! same thing is a [`Delayed`]: a function and its argument, moved to a worker
//! and called there. Building one costs nothing beyond moving the argument (and
//! cloning the function, which for a plain `fn` or a [`Task`] is copying a
//! pointer or nothing at all).

use std::fmt;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::error::Error;
use crate::process::{ProcessPool, Task};
use crate::task::TaskError;

/// Something [`Parallel`](super::Parallel) can call with an `A` on a worker: a
/// function, a closure, or a registered process [`Task`].
///
/// Every `Fn(A) -> R` that is `Send + Sync + 'static` is one, so plain
/// functions and closures that own what they capture (`move |x| ...` with an
/// `Arc` inside) just work on the rayon and thread-pool backends. Only a
/// [`Task`] can also run on the process backend: a worker process finds it by
/// name in its own copy of the program, as pickle finds a function by its
/// module and name. A closure sent to the process backend is refused with
/// [`Error::NotATask`](super::Error::NotATask), the Rust side of
/// `multiprocessing`'s `Can't pickle <lambda>` (joblib's loky sends lambdas
/// with cloudpickle; we cannot send compiled code).
///
/// Several arguments travel as one tuple: `delayed(|(a, b): (u64, u64)| a + b)((1, 2))`.
pub trait Function<A>: Send + Sync + 'static {
    /// What a call returns.
    type Output: Send + 'static;

    /// Calls the function here, on the current thread.
    fn call(&self, arg: A) -> Self::Output;

    /// The name a worker process knows this function by, if it is a [`Task`].
    #[doc(hidden)]
    fn task_name(&self) -> Option<&'static str> {
        None
    }

    /// How to run a batch of calls on a process pool, if this is a [`Task`].
    #[doc(hidden)]
    fn process_runner(&self) -> Option<ProcessRunner<A, Self::Output>> {
        None
    }
}

impl<A, R, F> Function<A> for F
where
    F: Fn(A) -> R + Send + Sync + 'static,
    R: Send + 'static,
{
    type Output = R;

    fn call(&self, arg: A) -> R {
        self(arg)
    }
}

impl<A, R> Function<A> for Task<A, R>
where
    A: Serialize + DeserializeOwned + Send + 'static,
    R: Serialize + DeserializeOwned + Send + 'static,
{
    type Output = R;

    fn call(&self, arg: A) -> R {
        Task::call(self, arg)
    }

    fn task_name(&self) -> Option<&'static str> {
        Some(self.name())
    }

    fn process_runner(&self) -> Option<ProcessRunner<A, R>> {
        let task = *self;
        Some(ProcessRunner {
            name: task.name(),
            map: Arc::new(move |pool, args, chunksize| pool.map(&task, args, Some(chunksize))),
        })
    }
}

impl<A, R> Function<A> for &'static Task<A, R>
where
    A: Serialize + DeserializeOwned + Send + 'static,
    R: Serialize + DeserializeOwned + Send + 'static,
{
    type Output = R;

    fn call(&self, arg: A) -> R {
        Task::call(self, arg)
    }

    fn task_name(&self) -> Option<&'static str> {
        Some(self.name())
    }

    fn process_runner(&self) -> Option<ProcessRunner<A, R>> {
        (**self).process_runner()
    }
}

/// Runs a batch of arguments through one task on a process pool: the task's
/// serde bounds, captured where they are known, so the rest of `Parallel` can
/// stay generic.
#[doc(hidden)]
pub struct ProcessRunner<A, R> {
    pub(crate) name: &'static str,
    #[allow(clippy::type_complexity)]
    pub(crate) map:
        Arc<dyn Fn(&ProcessPool, Vec<A>, usize) -> Result<Vec<R>, TaskError> + Send + Sync>,
}

impl<A, R> fmt::Debug for ProcessRunner<A, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessRunner")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl<A, R> Clone for ProcessRunner<A, R> {
    fn clone(&self) -> Self {
        Self {
            name: self.name,
            map: self.map.clone(),
        }
    }
}

/// One call waiting to run: a function and its argument. Mirrors the
/// `(function, args, kwargs)` triple that joblib's `delayed(f)(x)` returns.
///
/// Make one with [`delayed`]; [`Parallel::run`](super::Parallel::run) runs many.
pub struct Delayed<F, A> {
    function: F,
    arg: A,
}

impl<F, A> Delayed<F, A> {
    /// The call `function(arg)`, not made yet.
    pub fn new(function: F, arg: A) -> Self {
        Self { function, arg }
    }

    /// The argument the call will get.
    pub fn arg(&self) -> &A {
        &self.arg
    }

    /// Makes the call here, on the current thread.
    pub fn call(self) -> F::Output
    where
        F: Function<A>,
    {
        self.function.call(self.arg)
    }

    pub(crate) fn function(&self) -> &F {
        &self.function
    }

    pub(crate) fn into_arg(self) -> A {
        self.arg
    }
}

impl<F, A: fmt::Debug> fmt::Debug for Delayed<F, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Delayed")
            .field("function", &std::any::type_name::<F>())
            .field("arg", &self.arg)
            .finish()
    }
}

/// joblib's `delayed`: `delayed(f)` is a function that, given an argument,
/// returns the call `f(arg)` without making it.
///
/// It reads the way joblib does, and it slots into `Iterator::map`:
///
/// ```
/// use runtime::parallel::{Parallel, delayed};
///
/// fn square(x: u64) -> u64 {
///     x * x
/// }
/// // joblib: Parallel(n_jobs=2)(delayed(square)(x) for x in range(10))
/// let parallel = Parallel::new().n_jobs(2);
/// let a = parallel.run((0..10).map(|x| delayed(square)(x))).unwrap();
/// let b = parallel.run((0..10).map(delayed(square))).unwrap();
/// assert_eq!(a, b);
/// assert_eq!(a[9], 81);
/// ```
///
/// Each call clones `f`: free for a `fn` item or a [`Task`], one atomic
/// increment for a closure that holds an `Arc`.
pub fn delayed<F, A>(f: F) -> impl Fn(A) -> Delayed<F, A> + Clone
where
    F: Function<A> + Clone,
{
    move |arg| Delayed::new(f.clone(), arg)
}

/// The process runner of the first item's task, or why there is none.
pub(crate) fn process_runner<F: Function<A>, A>(
    items: &[Delayed<F, A>],
) -> Result<ProcessRunner<A, F::Output>, Error> {
    match items.first() {
        Some(first) => first.function().process_runner().ok_or(Error::NotATask {
            function: std::any::type_name::<F>(),
        }),
        None => Err(Error::Backend("no task to run".into())),
    }
}

/// The arguments of a batch for the process pool; every item must name `task`.
/// `first` is the batch's position in the input.
pub(crate) fn task_args<F: Function<A>, A>(
    items: Vec<Delayed<F, A>>,
    task: &'static str,
    first: usize,
) -> Result<Vec<A>, Error> {
    let mut args = Vec::with_capacity(items.len());
    for (k, item) in items.into_iter().enumerate() {
        match item.function().task_name() {
            Some(name) if name == task => args.push(item.into_arg()),
            Some(other) => {
                return Err(Error::MixedTasks {
                    first: task,
                    other,
                    index: first + k,
                });
            }
            None => {
                return Err(Error::NotATask {
                    function: std::any::type_name::<F>(),
                });
            }
        }
    }
    Ok(args)
}
