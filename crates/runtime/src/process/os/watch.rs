//! The portable way for a worker to die with its parent: a watcher thread that
//! owns the request pipe.
//!
//! Linux can ask the kernel to kill a worker when its parent dies; macOS and
//! the other Unix systems cannot (macOS has kqueue's process-exit event, but
//! nothing Linux could run to test it). What every system does give is the
//! pipe: when the parent process ends, however it ends, the kernel closes its
//! end of the request pipe and a read of the other end returns end-of-file.
//! A worker busy in a task is not reading, though, so here a thread reads for
//! it: the watcher reads the request pipe as bytes arrive and relays them to
//! the worker's main thread through a channel ([`Relay`] is what the main
//! thread reads instead of the pipe). At end-of-file it asks whether the parent
//! is still there ([`Parent::alive`](super::imp::Parent::alive): `getppid` on
//! Unix, the parent's process handle on Windows):
//!
//! - the parent is gone: the worker exits at once, task or no task (`_exit`,
//!   `TerminateProcess` on itself: no destructor runs, nobody is left to want
//!   a result);
//! - the parent is alive: it closed the pipe on purpose (`close`, or
//!   `maxtasksperchild` retiring this worker), so the main thread finishes the
//!   tasks it has and exits. The watcher keeps asking meanwhile, at most
//!   every 50 ms, in case the parent dies before that. This also covers the
//!   instant between a dying parent's pipe closing and its children being
//!   handed to a new parent, when `getppid` still names the old one.
//!
//! What it costs: one thread per worker, and every request byte is copied
//! once more (pipe -> chunk -> the main thread's buffer) with a channel hop per
//! read. The channel is unbounded so that the watcher never stops reading
//! (a watcher blocked on a full channel could not see end-of-file); the parent's
//! scheduler bounds what it writes ahead of a worker (64 MiB, or one larger
//! task), and that bounds the channel too.

use std::fs::File;
use std::io::{self, Read};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use super::imp::{self, Parent};

/// Bytes read from the pipe at a time, as much as the worker's buffered reader
/// takes at once.
const CHUNK: usize = 256 << 10;
/// The longest pause between two looks at the parent once the pipe is closed.
const MAX_POLL: Duration = Duration::from_millis(50);

/// A piece of the request stream: a buffer of [`CHUNK`] bytes, `len` of them read.
struct Chunk {
    buf: Vec<u8>,
    len: usize,
}

/// The request stream as the worker's main thread reads it: the bytes the
/// watcher thread read from the pipe, in order, then end-of-file once the
/// parent has closed the pipe (on purpose: had it died, this process would be
/// gone).
pub(in super::super) struct Relay {
    chunks: mpsc::Receiver<Chunk>,
    /// Read chunks go back to the watcher, so that buffers are not allocated
    /// (and zeroed) for every read.
    spare: mpsc::Sender<Chunk>,
    current: Option<Chunk>,
    pos: usize,
}

impl Read for Relay {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        loop {
            if let Some(chunk) = &self.current {
                if self.pos < chunk.len {
                    let n = out.len().min(chunk.len - self.pos);
                    out[..n].copy_from_slice(&chunk.buf[self.pos..self.pos + n]);
                    self.pos += n;
                    return Ok(n);
                }
                if let Some(done) = self.current.take() {
                    let _ = self.spare.send(done);
                }
            }
            match self.chunks.recv() {
                Ok(chunk) => {
                    self.current = Some(chunk);
                    self.pos = 0;
                }
                Err(_) => return Ok(0), // the watcher saw end-of-file
            }
        }
    }
}

/// Starts the watcher thread on `requests`; the worker reads the returned
/// [`Relay`] instead of the pipe.
pub(super) fn watch(mut requests: File, parent: Parent) -> io::Result<Relay> {
    let (chunk_tx, chunks) = mpsc::channel::<Chunk>();
    let (spare, spares) = mpsc::channel::<Chunk>();
    thread::Builder::new()
        .name("process-pool-parent-watch".into())
        .spawn(move || {
            loop {
                let mut chunk = spares.try_recv().unwrap_or_else(|_| Chunk {
                    buf: vec![0; CHUNK],
                    len: 0,
                });
                chunk.len = match requests.read(&mut chunk.buf) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(_) => break, // a broken pipe is an end too
                };
                if chunk_tx.send(chunk).is_err() {
                    return; // the main thread is done with requests
                }
            }
            if !parent.alive() {
                imp::exit_now(0); // nobody is left to want our results
            }
            // Closed on purpose: the main thread drains what it has, then exits
            // the process (which ends this thread). Until then, watch the parent.
            drop(chunk_tx);
            let mut pause = Duration::from_millis(1);
            loop {
                thread::sleep(pause);
                if !parent.alive() {
                    imp::exit_now(0);
                }
                pause = (pause * 2).min(MAX_POLL);
            }
        })?;
    Ok(Relay {
        chunks,
        spare,
        current: None,
        pos: 0,
    })
}
