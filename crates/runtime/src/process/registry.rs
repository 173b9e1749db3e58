//! Named tasks and the registry a worker looks them up in.

use std::collections::HashMap;
use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::wire::{self, FrameBuilder};

/// A function a worker process can run: a name and a plain `fn(A) -> R` pointer.
///
/// This is how a process pool names work, the way pickle sends a function to a
/// `multiprocessing` worker as its module and qualified name: only the name
/// crosses the pipe, and the worker finds the same function in its own copy of
/// the program. So a task must be a function both processes have, which is why
/// the field is a `fn` pointer. A closure that captures nothing coerces to one;
/// a closure that captures variables does not, and the compiler says so — the
/// chapter's "can't pickle a lambda" mistake caught before the program runs:
///
/// ```compile_fail,E0308
/// use runtime::process::Task;
///
/// let k = 3_u64;
/// // error[E0308]: closures can only be coerced to `fn` types if they do not capture any variables
/// let times_k: Task<u64, u64> = Task::new("times_k", move |x| x * k);
/// ```
///
/// Pass `k` as part of the argument instead (`Task<(u64, u64), u64>`).
///
/// Arguments and results must be serde types; a file handle, a lock or a
/// channel cannot cross, and that too is a compile error:
///
/// ```compile_fail,E0277
/// use runtime::process::Task;
///
/// fn size(f: std::fs::File) -> u64 { f.metadata().map(|m| m.len()).unwrap_or(0) }
/// // error[E0277]: the trait bound `File: Serialize` is not satisfied
/// let t = Task::new("size", size);
/// ```
///
/// Declare tasks as `static`s next to their functions and register them in the
/// function given to [`worker_guard`](super::worker_guard):
///
/// ```
/// use runtime::process::Task;
///
/// fn square(x: u64) -> u64 { x * x }
/// // Several arguments travel as one tuple, taken apart by the pattern.
/// fn power((base, exp): (f64, i32)) -> f64 { base.powi(exp) }
///
/// pub static SQUARE: Task<u64, u64> = Task::new("docs::square", square);
/// pub static POWER: Task<(f64, i32), f64> = Task::new("docs::power", power);
/// assert_eq!(SQUARE.call(7), 49); // runs here, in this process
/// assert_eq!(POWER.name(), "docs::power");
/// ```
pub struct Task<A, R> {
    name: &'static str,
    func: fn(A) -> R,
}

impl<A, R> Task<A, R>
where
    A: Serialize + DeserializeOwned + 'static,
    R: Serialize + DeserializeOwned + 'static,
{
    /// A task called `name` that runs `func`. Names must be unique in a program;
    /// `"module::function"` keeps them so.
    pub const fn new(name: &'static str, func: fn(A) -> R) -> Self {
        Self { name, func }
    }
}

impl<A, R> Task<A, R> {
    /// The name the worker looks the task up by.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Runs the function here, in this process (the sequential baseline).
    pub fn call(&self, arg: A) -> R {
        (self.func)(arg)
    }
}

impl<A, R> Clone for Task<A, R> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<A, R> Copy for Task<A, R> {}

impl<A, R> fmt::Debug for Task<A, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Task({:?}: {} -> {})",
            self.name,
            std::any::type_name::<A>(),
            std::any::type_name::<R>()
        )
    }
}

/// How one item of a chunk failed in the worker.
pub(super) struct ItemFailure {
    pub(super) status: u8,
    pub(super) message: String,
}

/// Decodes one argument, runs the task, encodes its result into the frame.
pub(super) type RunFn = dyn Fn(&[u8], &mut FrameBuilder) -> Result<(), ItemFailure> + Send + Sync;
type Runner = Box<RunFn>;

struct Entry {
    signature: String,
    run: Runner,
}

/// The tasks a worker process can run, by name.
///
/// Filled by the function given to [`worker_guard`](super::worker_guard), which
/// runs in the parent and again in every worker, so both see the same names —
/// the analogue of a module's top-level `def`s, which a spawned Python worker
/// re-imports. Looking a task up costs one hash of its name per chunk.
#[derive(Default)]
pub struct Registry {
    tasks: HashMap<&'static str, Entry>,
}

impl Registry {
    pub(super) fn new() -> Self {
        Self::default()
    }

    /// Makes `task` callable by name in worker processes.
    ///
    /// Registering the same name twice with the same signature is harmless (two
    /// lessons may both register a shared task); the first function is kept.
    ///
    /// # Panics
    /// If the name is already registered with a different signature: two tasks
    /// share a name, and a worker could not tell them apart.
    pub fn register<A, R>(&mut self, task: &Task<A, R>) -> &mut Self
    where
        A: Serialize + DeserializeOwned + 'static,
        R: Serialize + DeserializeOwned + 'static,
    {
        let signature = format!(
            "{} -> {}",
            std::any::type_name::<A>(),
            std::any::type_name::<R>()
        );
        if let Some(existing) = self.tasks.get(task.name) {
            assert!(
                existing.signature == signature,
                "two tasks are registered as {:?}: `{}` and `{signature}`; give them different names",
                task.name,
                existing.signature
            );
            return self;
        }
        let func = task.func;
        let run: Runner = Box::new(move |arg_bytes, out| {
            use crate::trace::{State, span};
            let decoding = span(State::Overhead);
            let arg: A = wire::decode(arg_bytes).map_err(|message| ItemFailure {
                status: wire::ITEM_BAD_ARGUMENTS,
                message,
            })?;
            drop(decoding);
            let running = span(State::Task);
            let result = func(arg);
            drop(running);
            let _encoding = span(State::Overhead);
            out.value(&result).map_err(|e| ItemFailure {
                status: wire::ITEM_UNSERIALIZABLE,
                message: format!(
                    "the result (a `{}`) could not be serialized: {e}",
                    std::any::type_name::<R>()
                ),
            })
        });
        self.tasks.insert(task.name, Entry { signature, run });
        self
    }

    /// The registered names, sorted.
    pub fn names(&self) -> Vec<&'static str> {
        let mut names: Vec<_> = self.tasks.keys().copied().collect();
        names.sort_unstable();
        names
    }

    pub(super) fn runner(&self, name: &str) -> Option<(&str, &RunFn)> {
        self.tasks
            .get(name)
            .map(|e| (e.signature.as_str(), &*e.run))
    }
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.names()).finish()
    }
}
