//! `what-can-cross`: what a process pool refuses, and what each refusal says.
//!
//! Only names and bytes cross to a worker process. A task is a registered name
//! (the worker finds the function in its own copy of the program, as pickle
//! sends a function by its module and name), and arguments and results must
//! serialize. Each row tries one thing on a real pool and prints the error it
//! gets; after every refusal the same pool still answers (`pool_ok_after`).
//!
//! Three mistakes never reach run time: Rust refuses them when it compiles.
//! Their rows quote the compiler's message, captured with rustc 1.95 from the
//! programs below, which this crate's doc tests keep failing to compile.
//!
//! A closure that captures a variable cannot be a task (Python's
//! `multiprocessing`: `PicklingError: Can't pickle <function <lambda>>`),
//! because only a plain function has a name both processes know:
//!
//! ```compile_fail,E0308
//! use runtime::process::Task;
//!
//! let k = 3_u64;
//! let times_k: Task<u64, u64> = Task::new("times_k", move |x| x * k);
//! ```
//!
//! A task whose argument cannot be serialized (an open file; Python: `TypeError:
//! cannot pickle '_io.TextIOWrapper' object`):
//!
//! ```compile_fail,E0277
//! use runtime::process::Task;
//!
//! fn size(f: std::fs::File) -> u64 {
//!     f.metadata().map(|m| m.len()).unwrap_or(0)
//! }
//! let t = Task::new("size", size);
//! ```
//!
//! And data that is not `Send` handed to a thread pool (an `Rc`, whose count is
//! not atomic): Python would share it and hope; Rust refuses.
//!
//! ```compile_fail,E0277
//! use std::rc::Rc;
//! use runtime::pool::ThreadPool;
//!
//! let pool = ThreadPool::new(2).unwrap();
//! let shared = Rc::new(5);
//! let _ = pool.map(move |x: u32| x + *shared, vec![1, 2, 3], 1);
//! ```
//!
//! The runtime's own `compile_fail` examples show the same: see the docs of
//! `runtime::process::Task`, `runtime::process` ("Only names cross") and
//! `runtime::pool` ("Why tasks must be `Send + 'static`").

use lab::{Ctx, Report, Typed, Workers};
use runtime::process::{ProcessPool, TaskError};

use crate::work::{
    MAKE_UNPICKLABLE, NEVER_REGISTERED, SQUARE, SQUARE_OF_A_STRING, TAKE_UNPICKLABLE, Unpicklable,
};

lab::params! {
    /// Things sent to a process pool that it refuses.
    pub struct Params {
        /// Worker processes in the pool that gets the attempts.
        pub workers: Workers = Workers::Count(1),
    }
}

pub fn kind() -> Box<dyn lab::Kind> {
    lab::with_row_params(
        lab::kind::<Params>(
            "what-can-cross",
            "What a process pool refuses (an unregistered task, a closure, data that cannot be serialized) and the message each gets.",
            run,
        ),
        &["what"],
    )
}

/// The mistakes the compiler catches: (what, error code, message, where the
/// runtime shows it as a `compile_fail` example). The messages are rustc
/// 1.95's, from the programs in the module docs.
pub const COMPILE_TIME: [(&str, &str, &str, &str); 3] = [
    (
        "a closure that captures a variable, as a task",
        "E0308",
        "mismatched types: expected fn pointer `fn(u64) -> u64`, found closure; note: closures can only be coerced to `fn` types if they do not capture any variables (`k` captured here)",
        "runtime::process::Task",
    ),
    (
        "an open File as a task's argument",
        "E0277",
        "the trait bound `File: serde::Serialize` is not satisfied",
        "runtime::process::Task",
    ),
    (
        "an Rc moved into a thread-pool task",
        "E0277",
        "`Rc<u32>` cannot be sent between threads safely",
        "runtime::pool",
    ),
];

fn run(ctx: &Ctx, points: &[Typed<Params>]) -> anyhow::Result<Report> {
    let mut report = Report::new();
    for point in points {
        let workers = point.params.workers.get();
        ctx.status("starting a process pool");
        let pool = ProcessPool::new(workers)?;
        let attempts: [(&str, Result<String, TaskError>); 5] = [
            (
                "a registered task: square(7)",
                pool.apply(&SQUARE, 7).map(|r| r.to_string()),
            ),
            (
                "a task the workers never registered",
                pool.apply(&NEVER_REGISTERED, 7).map(|r| r.to_string()),
            ),
            (
                "a String to a task that takes a u64",
                pool.apply(&SQUARE_OF_A_STRING, "seven".into())
                    .map(|r| r.to_string()),
            ),
            (
                "an argument that refuses to serialize",
                pool.apply(&TAKE_UNPICKLABLE, Unpicklable)
                    .map(|r| r.to_string()),
            ),
            (
                "a result that refuses to serialize",
                pool.apply(&MAKE_UNPICKLABLE, 7).map(|r| format!("{r:?}")),
            ),
        ];
        for (what, outcome) in attempts {
            let still_serves = pool.apply(&SQUARE, 3) == Ok(9);
            let (error, message) = match outcome {
                Ok(value) => ("none".to_string(), format!("ok: {value}")),
                Err(e) => (format!("{:?}", e.kind()), steady(e.message())),
            };
            report.push(
                point
                    .row()
                    .param("what", what)
                    .metric("caught", "at run time")
                    .metric("error", error)
                    .metric("pool_ok_after", if still_serves { "yes" } else { "no" })
                    .metric("message", message),
            );
        }
        for (what, code, message, see) in COMPILE_TIME {
            report.push(
                point
                    .row()
                    .param("what", what)
                    .metric("caught", "at compile time")
                    .metric("error", code)
                    .metric("pool_ok_after", "-")
                    .metric(
                        "message",
                        format!("{message} (see the compile_fail example in {see})"),
                    ),
            );
        }
    }
    report.note("a worker's pid and its list of registered tasks are trimmed from the messages, so the table is the same on every run");
    report.note("a task crosses as its name: the worker must have registered it (in the function given to worker_guard), with the same types");
    report.note("a closure, an open file or an Rc never compiles: the chapter's pickling mistakes, caught before the program runs");
    Ok(report)
}

/// The message with what changes from run to run taken out: the worker's pid
/// becomes `<pid>`, and the list of every registered task (which grows with
/// the course) becomes `[…]`.
fn steady(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find("worker ") {
        let (before, after) = rest.split_at(at + "worker ".len());
        out.push_str(before);
        let digits = after.len() - after.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits > 0 {
            out.push_str("<pid>");
        }
        rest = &after[digits..];
    }
    out.push_str(rest);
    if let Some(at) = out.find("registered: [") {
        out.truncate(at + "registered: [".len());
        out.push_str("…]");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::steady;

    #[test]
    fn messages_lose_the_pid_and_the_task_list_only() {
        assert_eq!(
            steady("no task named \"x\" in worker 20943: register it; registered: [\"a\", \"b\"]"),
            "no task named \"x\" in worker <pid>: register it; registered: […]"
        );
        assert_eq!(steady("a worker_guard call"), "a worker_guard call");
    }
}
