//! The worker side: the guard `main` calls first, and the loop a worker runs.

use std::cell::RefCell;
use std::io::{BufReader, BufWriter, Write};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use super::os;
use super::registry::{ItemFailure, Registry};
use super::wire::{self, Cursor, FrameBuilder};
use crate::unwind::panic_message;

static GUARD_CALLED: AtomicBool = AtomicBool::new(false);

pub(super) fn guard_called() -> bool {
    GUARD_CALLED.load(Ordering::Acquire)
}

/// The `if __name__ == "__main__":` guard: call it first thing in `main`.
///
/// A [`ProcessPool`](super::ProcessPool) starts its workers by running this same
/// program again with a marker argument, the way Python's spawn start method
/// starts a fresh interpreter that re-imports the main module (as
/// `__mp_main__`, so the guarded code does not run there). In such a
/// process `worker_guard` never returns: it registers the tasks, serves them
/// until the parent closes the pipe (or dies), and exits. In the parent it
/// registers the tasks (so a name clash panics early, in the parent) and
/// returns at once.
///
/// `register` must register every task the program sends to workers, and must
/// do the same thing in every process: it runs before the program has looked
/// at its own arguments. Anything `main` does before the guard also runs once
/// in every worker, which is why the guard comes first — exactly the reason
/// Python code puts `Pool(...)` under `if __name__ == "__main__":`.
///
/// ```no_run
/// use runtime::process::{ProcessPool, Task};
///
/// fn square(x: u64) -> u64 { x * x }
/// static SQUARE: Task<u64, u64> = Task::new("example::square", square);
///
/// fn main() {
///     runtime::process::worker_guard(|tasks| {
///         tasks.register(&SQUARE);
///     });
///     // Only the parent gets here.
///     let pool = ProcessPool::new(2).expect("start workers");
///     assert_eq!(pool.map(&SQUARE, 0..4_u64, None).unwrap(), [0, 1, 4, 9]);
/// }
/// ```
///
/// Integration tests need their own `main` for this, so a test file that uses a
/// process pool is a `harness = false` target (see `crates/runtime/tests/processes/main.rs`).
pub fn worker_guard(register: impl FnOnce(&mut Registry)) {
    let mut registry = Registry::new();
    register(&mut registry);
    let mut args = std::env::args_os().skip(1);
    if args.next().is_some_and(|a| a == os::WORKER_FLAG) {
        let parent = args
            .next()
            .and_then(|p| p.to_str().and_then(|p| p.parse::<u32>().ok()))
            .unwrap_or(0);
        let flavor = os::Flavor::from_arg(args.next().as_deref().and_then(|f| f.to_str()));
        let code = serve(&registry, parent, flavor);
        // `exit` skips destructors: flush what tasks printed (it goes to stderr).
        let _ = std::io::Write::flush(&mut std::io::stdout());
        std::process::exit(code);
    }
    GUARD_CALLED.store(true, Ordering::Release);
}

thread_local! {
    /// Where the last panic was raised, recorded by the worker's panic hook.
    static PANIC_AT: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The worker loop. Returns the exit code.
fn serve(registry: &Registry, parent: u32, flavor: os::Flavor) -> i32 {
    let (requests, results) = match os::take_protocol_pipes(flavor) {
        Ok(pipes) => pipes,
        Err(e) => {
            eprintln!(
                "process-pool worker {}: cannot set up its pipes: {e}",
                std::process::id()
            );
            return 2;
        }
    };
    os::ignore_interrupts();
    let Some(requests) = os::die_with_parent(parent, flavor, requests) else {
        return 0; // the parent is already gone: nobody wants our results
    };
    // A panicking task is reported to the parent, not printed here.
    panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()));
        PANIC_AT.with(|p| *p.borrow_mut() = at);
    }));

    let mut input = BufReader::with_capacity(256 << 10, requests);
    let mut output = BufWriter::with_capacity(256 << 10, results);
    let pid = std::process::id();
    let mut frame = Vec::new();

    // The parent's first message is INIT (with or without an initializer); the
    // answer is READY once the initializer has run, so a pool is only handed
    // out when every worker is up and initialized.
    match wire::read_frame(&mut input, &mut frame, wire::MAX_FRAME) {
        Ok(true) => {}
        Ok(false) | Err(_) => return 0,
    }
    let mut body = Cursor::new(&frame);
    let init = match body.u8() {
        Ok(wire::INIT) => run_initializer(registry, &mut body),
        Ok(kind) => Err(format!(
            "protocol error: the first message has kind {kind}, not INIT"
        )),
        Err(e) => Err(format!("protocol error: {e}")),
    };
    let failed = init.is_err();
    let hello = match init {
        Ok(()) => {
            let mut f = FrameBuilder::new(wire::READY, 16);
            f.u32(wire::MAGIC);
            f.u32(wire::VERSION);
            f.u32(pid);
            f.u64(crate::trace::now_ns());
            f
        }
        Err(message) => {
            let mut f = FrameBuilder::new(wire::INIT_FAILED, message.len() + 8);
            f.bytes(message.as_bytes());
            f
        }
    };
    let hello = hello.finish().unwrap_or_default();
    if output
        .write_all(&hello)
        .and_then(|()| output.flush())
        .is_err()
        || failed
    {
        return 3;
    }

    let mut reply = Vec::new();
    loop {
        // Flush only when no complete request is waiting: results of a batch of
        // requests leave in one write.
        let waiting = wire::has_complete_frame(input.buffer());
        let flushing = crate::trace::span(crate::trace::State::Overhead);
        if !waiting && output.flush().is_err() {
            return 0;
        }
        drop(flushing);
        // Traced (while the last chunk was): reading the next request is
        // moving bytes, and so is waiting for it — mid-stream, the parent is
        // encoding and sending it (Pool's task-queue cost). The wait after a
        // run's last chunk is sent with the next traced chunk, after that run
        // was collected, so it shows as idle there.
        let reading = crate::trace::span(crate::trace::State::Overhead);
        match wire::read_frame(&mut input, &mut frame, wire::MAX_FRAME) {
            Ok(true) => {}
            Ok(false) => break, // the parent closed the pipe: we are done
            Err(_) => return 1, // the parent died in the middle of a message
        }
        drop(reading);
        let mut body = Cursor::new(&frame);
        let outcome = match body.u8() {
            Ok(wire::TASK) => run_chunk(registry, &mut body, std::mem::take(&mut reply)),
            Ok(kind) => Err(format!("unknown message kind {kind}")),
            Err(e) => Err(e),
        };
        match outcome {
            Ok(bytes) => {
                let _writing = crate::trace::span(crate::trace::State::Overhead);
                if output.write_all(&bytes).is_err() {
                    return 0;
                }
                reply = bytes;
            }
            Err(protocol) => {
                eprintln!("process-pool worker {pid}: protocol error: {protocol}");
                return 4;
            }
        }
    }
    let _ = output.flush();
    0
}

/// Runs every item of a TASK frame and builds the RESULTS frame.
fn run_chunk(
    registry: &Registry,
    body: &mut Cursor<'_>,
    reuse: Vec<u8>,
) -> Result<Vec<u8>, String> {
    let start = Instant::now();
    let job = body.u64()?;
    // The parent asks, chunk by chunk, whether to trace.
    let traced = job & wire::TRACED != 0;
    let job = job & !wire::TRACED;
    if traced {
        crate::trace::enable();
    } else {
        crate::trace::disable();
    }
    let name = body.name()?;
    let count = body.u32()?;
    let mut out = FrameBuilder::reuse(reuse, wire::RESULTS);
    // A traced chunk's answer carries the bit back, and its spans.
    out.u64(if traced { job | wire::TRACED } else { job });
    let busy_at = out.mark();
    out.u64(0); // busy time, patched below
    let spans_at = out.mark();
    if traced {
        out.u64(0); // dropped spans, patched below
        out.u32(0); // span count: spans are spliced in below
    }
    match registry.runner(name) {
        None => {
            out.u8(wire::CHUNK_UNKNOWN_TASK);
            let mut known = registry.names();
            known.truncate(20);
            let message = format!(
                "no task named {name:?} in worker {}: register it in the function passed to \
                 runtime::process::worker_guard (a worker runs main only up to the guard, so a task \
                 registered after it, or only in the parent, does not exist there); registered: {known:?}",
                std::process::id()
            );
            out.bytes(message.as_bytes());
        }
        Some((signature, run)) => {
            out.u8(wire::CHUNK_OK);
            out.u32(count);
            for _ in 0..count {
                let arg = body.bytes()?;
                let mark = out.mark();
                out.u8(wire::ITEM_OK);
                let outcome = panic::catch_unwind(AssertUnwindSafe(|| run(arg, &mut out)));
                let failure = match outcome {
                    Ok(Ok(())) => continue,
                    Ok(Err(mut failure)) => {
                        if failure.status == wire::ITEM_BAD_ARGUMENTS {
                            failure.message =
                                format!("task {name:?} takes `{signature}`; {}", failure.message);
                        }
                        failure
                    }
                    Err(payload) => {
                        let at = PANIC_AT.with(|p| p.borrow_mut().take());
                        let mut message = panic_message(&*payload);
                        if let Some(at) = at {
                            message = format!("{message} (at {at})");
                        }
                        ItemFailure {
                            status: wire::ITEM_PANICKED,
                            message,
                        }
                    }
                };
                out.rollback(mark);
                out.u8(failure.status);
                out.bytes(failure.message.as_bytes());
            }
        }
    }
    let mut frame = out.finish()?;
    let busy = start.elapsed().as_nanos().min(u64::MAX as u128) as u64;
    // The frame's first 4 bytes are its length; `busy_at` counted them.
    frame[busy_at..busy_at + 8].copy_from_slice(&busy.to_le_bytes());
    if traced {
        splice_spans(&mut frame, spans_at)?;
    }
    Ok(frame)
}

/// Puts this thread's spans (the chunk's decode, task and encode spans) and
/// core-wait readings into the RESULTS frame at `at`, and fixes the frame's
/// length.
fn splice_spans(frame: &mut Vec<u8>, at: usize) -> Result<(), String> {
    let (spans, dropped, core_wait) = crate::trace::drain_this_thread();
    let mut block = Vec::with_capacity(16 + spans.len() * 17 + core_wait.len() * 16);
    block.extend_from_slice(&dropped.to_le_bytes());
    block.extend_from_slice(&u32::try_from(spans.len()).unwrap_or(u32::MAX).to_le_bytes());
    for span in spans.iter().take(u32::MAX as usize) {
        block.push(span.state.code());
        block.extend_from_slice(&span.start_ns.to_le_bytes());
        block.extend_from_slice(&span.end_ns.to_le_bytes());
    }
    // Then the worker's core-wait readings (see crate::trace).
    block.extend_from_slice(
        &u32::try_from(core_wait.len())
            .unwrap_or(u32::MAX)
            .to_le_bytes(),
    );
    for sample in core_wait.iter().take(u32::MAX as usize) {
        block.extend_from_slice(&sample.at_ns.to_le_bytes());
        block.extend_from_slice(&sample.waited_ns.to_le_bytes());
    }
    frame.splice(at..at + 12, block);
    let len = u32::try_from(frame.len() - 4)
        .map_err(|_| "a traced RESULTS frame over 4 GiB".to_string())?;
    frame[..4].copy_from_slice(&len.to_le_bytes());
    Ok(())
}

fn run_initializer(registry: &Registry, body: &mut Cursor<'_>) -> Result<(), String> {
    let name = body.name()?;
    let arg = body.bytes()?;
    if name.is_empty() {
        return Ok(()); // no initializer
    }
    let Some((_, run)) = registry.runner(name) else {
        return Err(format!(
            "the initializer {name:?} is not registered in the worker: register it in the function \
             passed to runtime::process::worker_guard"
        ));
    };
    let mut sink = FrameBuilder::new(0, 16);
    match panic::catch_unwind(AssertUnwindSafe(|| run(arg, &mut sink))) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(failure)) => Err(format!(
            "the initializer {name:?} failed: {}",
            failure.message
        )),
        Err(payload) => {
            let at = PANIC_AT
                .with(|p| p.borrow_mut().take())
                .map(|a| format!(" (at {a})"));
            Err(format!(
                "the initializer {name:?} panicked: {}{}",
                panic_message(&*payload),
                at.unwrap_or_default()
            ))
        }
    }
}
