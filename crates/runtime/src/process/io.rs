//! The I/O loops: one writer and one reader thread per worker process, and
//! what happens when a worker leaves.
//!
//! Chunks wait in the pool's one queue. A worker's writer thread takes as many
//! as the scheduler admits (`scheduler.rs`) and writes them in one go; its
//! reader thread reads the results, completes them and frees the budget
//! again. A worker answers in the order it was asked, so the reader matches
//! each result to the oldest chunk in flight on that worker. When the pipe
//! closes, the reader reaps the worker and, unless the pool let it go, breaks
//! the pool.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::process::ExitStatus;
use std::sync::{Arc, Condvar};
use std::thread;
use std::time::Duration;

use super::job::{ChunkReply, InFlight};
use super::os::{self, WorkerProc, describe_exit};
use super::scheduler::Load;
use super::shared::{Shared, Slot, Status, enter_pool_thread};
use super::stats::Counters;
use super::wire::{self, Cursor};
use crate::sync::Unpoison;
use crate::task::{PoolError, TaskError};

/// How long a reader waits for a worker whose pipe closed to finish exiting
/// before it kills it.
const EXIT_GRACE: Duration = Duration::from_millis(500);

/// Starts one worker process with its writer and reader threads.
pub(super) fn spawn_worker(shared: &Arc<Shared>) -> Result<(), PoolError> {
    let os::Spawned {
        child,
        requests,
        results,
    } = os::spawn_worker(shared.flavor).map_err(PoolError::Spawn)?;
    let proc = Arc::new(WorkerProc::new(child));
    let wake = Arc::new(Condvar::new());
    let serial = {
        let mut st = shared.lock();
        if let Some(refused) = Shared::refusal(&st.status, true) {
            drop(st);
            proc.kill();
            proc.reap(Duration::ZERO);
            return Err(PoolError::Broken(refused.message().to_owned()));
        }
        let serial = st.next_serial;
        st.next_serial += 1;
        st.workers.insert(
            serial,
            Slot {
                proc: proc.clone(),
                in_flight: VecDeque::new(),
                load: Load::default(),
                assigned: 0,
                retiring: false,
                writer_waiting: false,
                wake: wake.clone(),
            },
        );
        serial
    };
    Counters::add(&shared.counters.workers_started, 1);
    let pid = proc.pid;
    let started = {
        let shared_w = shared.clone();
        let writer = thread::Builder::new()
            .name(format!("process-pool-writer-{pid}"))
            .spawn(move || {
                enter_pool_thread();
                writer_loop(&shared_w, serial, requests, &wake);
            });
        let shared_r = shared.clone();
        let proc_r = proc.clone();
        let reader = thread::Builder::new()
            .name(format!("process-pool-reader-{pid}"))
            .spawn(move || {
                enter_pool_thread();
                reader_loop(&shared_r, serial, &proc_r, results);
            });
        (writer, reader)
    };
    let mut st = shared.lock();
    st.threads.retain(|t| !t.is_finished());
    match started {
        (Ok(w), Ok(r)) => {
            st.threads.push(w);
            st.threads.push(r);
            Ok(())
        }
        (w, r) => {
            let error = w
                .err()
                .or(r.err())
                .unwrap_or_else(|| std::io::Error::other("thread spawn failed"));
            // Without both threads nobody would reap this worker: do it here.
            // Threads that did start see the broken pool (or the missing slot) and end.
            st.workers.remove(&serial);
            shared.break_pool(
                st,
                format!("could not start a thread for worker pid {pid}: {error}"),
            );
            proc.kill();
            proc.reap(Duration::ZERO);
            Err(PoolError::Spawn(error))
        }
    }
}

fn writer_loop(shared: &Arc<Shared>, serial: u64, pipe: File, wake: &Condvar) {
    os::block_sigpipe_on_this_thread();
    let mut pipe = BufWriter::with_capacity(256 << 10, pipe);
    Counters::add(&shared.counters.bytes_sent, shared.init_frame.len());
    if pipe
        .write_all(&shared.init_frame)
        .and_then(|()| pipe.flush())
        .is_err()
    {
        return; // the worker is gone; its reader reports it
    }
    let mut frames: Vec<Vec<u8>> = Vec::new();
    let mut nudge: Vec<Arc<Condvar>> = Vec::new();
    loop {
        let mut retire = false;
        {
            let mut st = shared.lock();
            loop {
                if matches!(st.status, Status::Broken(_) | Status::Terminated) {
                    return;
                }
                let drained =
                    matches!(st.status, Status::Closed) && st.queue.is_empty() && st.feeders == 0;
                let least_other = st.least_other_ns(serial);
                let next_cost = st
                    .queue
                    .front()
                    .map(|job| st.costs.expected_ns(job.name, job.items));
                let Some(slot) = st.workers.get_mut(&serial) else {
                    return;
                };
                if slot.retiring {
                    return;
                }
                if next_cost.is_some_and(|cost| slot.load.admits(cost, least_other)) {
                    break;
                }
                if drained {
                    return; // closing the pipe lets the worker finish and exit
                }
                slot.writer_waiting = true;
                st = wake.wait(st).unpoisoned();
                if let Some(slot) = st.workers.get_mut(&serial) {
                    slot.writer_waiting = false;
                }
            }
            let st = &mut *st;
            let least_other = st.least_other_ns(serial);
            let Some(slot) = st.workers.get_mut(&serial) else {
                return;
            };
            while let Some(front) = st.queue.front() {
                let cost = st.costs.expected_ns(front.name, front.items);
                if !slot.load.admits(cost, least_other) {
                    break;
                }
                let Some(job) = st.queue.pop_front() else {
                    break;
                };
                if let Some(t) = &job.ticket
                    && !t.start()
                {
                    continue; // cancelled while queued
                }
                slot.load.add(job.frame.len(), cost);
                let (in_flight, frame) = InFlight::new(job, cost);
                slot.in_flight.push_back(in_flight);
                frames.push(frame);
                slot.assigned += 1;
                if shared
                    .maxtasksperchild
                    .is_some_and(|max| slot.assigned >= max)
                {
                    slot.retiring = true;
                    retire = true;
                    break;
                }
            }
            if !st.queue.is_empty() {
                // This worker's share grew with its load: others may take more now.
                for (s, other) in st.workers.iter_mut() {
                    if *s != serial && other.writer_waiting && !other.retiring {
                        other.writer_waiting = false;
                        nudge.push(other.wake.clone());
                    }
                }
            }
            if retire {
                let more_work =
                    !st.queue.is_empty() || st.feeders > 0 || matches!(st.status, Status::Running);
                if more_work {
                    st.spawning += 1;
                } else {
                    retire = false; // nothing left to do: no replacement needed
                    if let Some(slot) = st.workers.get_mut(&serial) {
                        slot.retiring = true;
                    }
                }
            }
        }
        for cv in nudge.drain(..) {
            cv.notify_one();
        }
        // Counted before they are written: a worker can answer, and the caller
        // read `stats()`, before this thread gets back from the write.
        let sent: usize = frames.iter().map(Vec::len).sum();
        Counters::add(&shared.counters.bytes_sent, sent);
        Counters::add(&shared.counters.messages_sent, frames.len());
        // Moving the bytes to the worker.
        let moving = crate::trace::span(crate::trace::State::Overhead);
        for frame in frames.drain(..) {
            if pipe.write_all(&frame).is_err() {
                return; // the worker died; its reader breaks the pool
            }
            shared.recycle(frame);
        }
        if pipe.flush().is_err() {
            return;
        }
        drop(moving);
        let slot_retiring = shared
            .lock()
            .workers
            .get(&serial)
            .is_none_or(|s| s.retiring);
        if retire || slot_retiring {
            // Closing the pipe tells the worker to exit once its tasks are done
            // (maxtasksperchild); a fresh worker takes its place.
            drop(pipe);
            if retire {
                let spawned = spawn_worker(shared);
                let mut st = shared.lock();
                st.spawning -= 1;
                shared.notify_events(&st);
                if let Err(e) = spawned {
                    shared.break_pool(st, format!("could not start a replacement worker: {e}"));
                }
            }
            return;
        }
    }
}

fn reader_loop(shared: &Arc<Shared>, serial: u64, proc: &Arc<WorkerProc>, pipe: File) {
    let mut input = BufReader::with_capacity(256 << 10, pipe);
    let mut frame = Vec::new();
    let mut ready = false;
    let mut init_failed = false;
    // The worker's trace clock minus ours, from its READY message.
    let mut clock_offset: i128 = 0;
    let ended: Result<(), String> = loop {
        let max = if ready {
            wire::MAX_FRAME
        } else {
            wire::MAX_HANDSHAKE
        };
        match wire::read_frame(&mut input, &mut frame, max) {
            Ok(true) => {}
            Ok(false) => break Ok(()),
            Err(e) if !ready => {
                break Err(format!(
                    "{e}; does main print to stdout before calling runtime::process::worker_guard(...)?"
                ));
            }
            Err(e) => break Err(format!("reading its results failed: {e}")),
        }
        Counters::add(&shared.counters.bytes_received, frame.len() + 4);
        Counters::add(&shared.counters.messages_received, 1);
        let mut body = Cursor::new(&frame);
        let outcome = match body.u8() {
            Ok(wire::RESULTS) if ready => on_results(shared, serial, proc.pid, clock_offset, body),
            Ok(wire::READY) if !ready => {
                let hello = (|| Ok::<_, String>((body.u32()?, body.u32()?)))();
                match hello {
                    Ok((wire::MAGIC, wire::VERSION)) => {
                        ready = true;
                        let theirs = body.u32().and_then(|_pid| body.u64()).unwrap_or(0);
                        clock_offset = i128::from(theirs) - i128::from(crate::trace::now_ns());
                        let mut st = shared.lock();
                        st.ready += 1;
                        shared.notify_events(&st);
                        Ok(())
                    }
                    _ => Err("its handshake has the wrong magic number or version".to_owned()),
                }
            }
            Ok(wire::INIT_FAILED) => {
                init_failed = true;
                Err(body.text().unwrap_or_else(|e| e))
            }
            Ok(kind) => Err(format!(
                "it sent a message of unknown kind {kind} (is runtime::process::worker_guard(...) the first call in main, \
                 and does nothing print to stdout before it?)"
            )),
            Err(e) => Err(e),
        };
        if let Err(e) = outcome {
            break Err(e);
        }
    };
    // A worker that broke the protocol may be running anything: kill it now.
    // One whose pipe closed, or whose initializer failed, is exiting by itself.
    let grace = if ended.is_ok() || init_failed {
        EXIT_GRACE
    } else {
        Duration::ZERO
    };
    let status = proc.reap(grace);
    on_worker_exit(shared, serial, proc.pid, status, ended, ready);
}

fn on_results(
    shared: &Shared,
    serial: u64,
    pid: u32,
    clock_offset: i128,
    mut body: Cursor<'_>,
) -> Result<(), String> {
    let id = body.u64()?;
    let traced = id & wire::TRACED != 0;
    let id = id & !wire::TRACED;
    let busy_ns = body.u64()?;
    if traced {
        // The spans ride along with the results, but tracing must not change
        // what a run measures: they are taken off the bytes received, so
        // `bytes_received` (lesson 02's bytes_per_task) is the same traced or not.
        let before = body.remaining();
        read_spans(&mut body, pid, clock_offset)?;
        let spans = (before - body.remaining()) as u64;
        shared
            .counters
            .bytes_received
            .fetch_sub(spans, std::sync::atomic::Ordering::Relaxed);
    }
    // Decoding the results is the parent's share of unpickling.
    let _decoding = crate::trace::span(crate::trace::State::Overhead);
    let chunk_status = body.u8()?;
    let mut wake = None;
    let inflight = {
        let mut st = shared.lock();
        let st = &mut *st;
        if matches!(st.status, Status::Broken(_) | Status::Terminated) {
            return Ok(()); // its task was already failed; drop the late result
        }
        let queued = !st.queue.is_empty();
        // After close(), a writer waiting for room must learn there is no more work.
        let drained = matches!(st.status, Status::Closed) && !queued && st.feeders == 0;
        let Some(slot) = st.workers.get_mut(&serial) else {
            return Ok(());
        };
        let Some(inflight) = slot.in_flight.pop_front() else {
            return Err(format!("it answered task {id}, which it was never sent"));
        };
        if inflight.id != id {
            return Err(format!(
                "it answered task {id} when task {} was due",
                inflight.id
            ));
        }
        slot.load.remove(inflight.bytes, inflight.expected_ns);
        if slot.writer_waiting && (drained || queued && slot.load.wants_more()) {
            slot.writer_waiting = false;
            wake = Some(slot.wake.clone());
        }
        if chunk_status == wire::CHUNK_OK {
            st.costs.learn(inflight.name, inflight.items, busy_ns);
        }
        inflight
    };
    if let Some(cv) = wake {
        cv.notify_one();
    }
    let reply = ChunkReply::read(body, chunk_status, inflight.items, pid)?;
    Counters::add(&shared.counters.tasks, inflight.items as usize);
    inflight.complete(reply);
    Ok(())
}

/// Reads the spans and core-wait readings a worker sent with a chunk's
/// results and files them on its track, converted to this process's clock.
fn read_spans(body: &mut Cursor<'_>, pid: u32, clock_offset: i128) -> Result<(), String> {
    let dropped = body.u64()?;
    let count = body.u32()?;
    let ours = |t: u64| u64::try_from((i128::from(t) - clock_offset).max(0)).unwrap_or(u64::MAX);
    let mut spans = Vec::with_capacity(count.min(1 << 16) as usize);
    for _ in 0..count {
        let code = body.u8()?;
        let (start, end) = (body.u64()?, body.u64()?);
        let state = crate::trace::State::from_code(code)
            .ok_or_else(|| format!("a span of unknown state {code}"))?;
        spans.push(crate::trace::Span {
            state,
            start_ns: ours(start),
            end_ns: ours(end),
        });
    }
    let readings = body.u32()?;
    let mut core_wait = Vec::with_capacity(readings.min(1 << 16) as usize);
    for _ in 0..readings {
        let (at, waited) = (body.u64()?, body.u64()?);
        core_wait.push(crate::trace::CoreWaitSample {
            at_ns: ours(at),
            waited_ns: waited,
        });
    }
    if spans.is_empty() && dropped == 0 && core_wait.is_empty() {
        return Ok(());
    }
    crate::trace::record_process(pid, (spans, dropped, core_wait));
    Ok(())
}

fn on_worker_exit(
    shared: &Shared,
    serial: u64,
    pid: u32,
    status: Option<ExitStatus>,
    ended: Result<(), String>,
    ready: bool,
) {
    let mut st = shared.lock();
    let Some(slot) = st.workers.remove(&serial) else {
        return;
    };
    // Its writer may be waiting for work: it must see the slot is gone and end.
    slot.wake.notify_one();
    shared.notify_events(&st);
    let exited_cleanly = ended.is_ok() && status.is_some_and(|s| s.success());
    let expected = slot.retiring || matches!(st.status, Status::Closed);
    match &st.status {
        Status::Broken(_) | Status::Terminated => {
            drop(st);
            let error = TaskError::terminated(0);
            for lost in slot.in_flight {
                lost.fail(&error);
            }
        }
        Status::Running | Status::Closed
            if exited_cleanly && expected && slot.in_flight.is_empty() => {}
        Status::Running | Status::Closed => {
            let how = describe_exit(status);
            let running = slot
                .in_flight
                .iter()
                .map(|f| f.items as usize)
                .sum::<usize>();
            let mut reason = match ended {
                Err(why) if !ready => format!("worker pid {pid} failed to start: {why}"),
                Err(why) => format!("worker pid {pid} broke the protocol: {why}; it {how}"),
                Ok(()) => format!(
                    "worker pid {pid} {how} while {running} task(s) were in flight on it; \
                     every pending task fails and the pool takes no more work (create a new pool)"
                ),
            };
            if !ready && !reason.contains(&how) {
                reason.push_str(&format!(" (it {how})"));
            }
            // Its own lost tasks go first, with the same reason as the rest.
            let error = TaskError::broken(&reason);
            let lost = slot.in_flight;
            shared.break_pool(st, reason);
            for inflight in lost {
                inflight.fail(&error);
            }
        }
    }
}
