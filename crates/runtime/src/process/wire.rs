//! The bytes that cross the pipes: length-prefixed frames, values in postcard.
//!
//! Every message is one frame: a little-endian `u32` length, then that many
//! bytes, the first of which says what the frame is. Values (a task's argument,
//! its result) are encoded with postcard inside the frame, each behind its own
//! `u32` length, so a value that does not decode is an error on that one item
//! and the stream stays in step.
//!
//! ```text
//! parent -> worker
//!   INIT    kind u8 | name_len u16 | name | arg_len u32 | arg
//!   TASK    kind u8 | job u64 | name_len u16 | name | count u32 | (len u32 | arg) * count
//!             (the job's top bit, TRACED, asks the worker to trace this chunk)
//! worker -> parent
//!   READY   kind u8 | magic u32 | version u32 | pid u32 | clock_ns u64
//!   RESULTS kind u8 | job u64 | busy_ns u64 |
//!             [traced: dropped u64 | spans u32 | (state u8 | start_ns u64 | end_ns u64) * spans |
//!                      readings u32 | (at_ns u64 | core_wait_ns u64) * readings] |
//!             status u8 |
//!             status 0: count u32 | (item_status u8 | len u32 | bytes) * count
//!             else:     len u32 | message (the whole chunk failed, e.g. unknown task)
//!   INIT_FAILED kind u8 | len u32 | message
//! ```
//!
//! `clock_ns` is the worker's trace clock when it said it was ready; the parent
//! subtracts it from its own to convert the worker's spans and readings (see
//! [`crate::trace`]). The answer to a traced chunk has the TRACED bit set in
//! its job id and carries the spans; an untraced one is byte for byte what it
//! was before tracing existed.
//!
//! A task frame names its function by string, the way pickle names a function by
//! its module and qualified name: the code itself never crosses.

use std::io::{self, BufRead, Read};

use serde::Serialize;
use serde::de::DeserializeOwned;

pub(super) const MAGIC: u32 = u32::from_le_bytes(*b"PLWK");
pub(super) const VERSION: u32 = 3;

/// The top bit of a TASK frame's job id: trace this chunk.
pub(super) const TRACED: u64 = 1 << 63;

pub(super) const INIT: u8 = 1;
pub(super) const TASK: u8 = 2;
pub(super) const READY: u8 = 10;
pub(super) const RESULTS: u8 = 11;
pub(super) const INIT_FAILED: u8 = 12;

/// Chunk status in a RESULTS frame.
pub(super) const CHUNK_OK: u8 = 0;
pub(super) const CHUNK_UNKNOWN_TASK: u8 = 1;

/// Item status in a RESULTS frame.
pub(super) const ITEM_OK: u8 = 0;
pub(super) const ITEM_PANICKED: u8 = 1;
pub(super) const ITEM_BAD_ARGUMENTS: u8 = 2;
pub(super) const ITEM_UNSERIALIZABLE: u8 = 3;

/// The largest frame: lengths are `u32`.
pub(super) const MAX_FRAME: usize = u32::MAX as usize;

/// Builds one frame in a `Vec<u8>`: reserves the length, patches it at the end.
pub(super) struct FrameBuilder {
    buf: Vec<u8>,
}

impl FrameBuilder {
    pub(super) fn new(kind: u8, capacity: usize) -> Self {
        let mut buf = Vec::with_capacity(capacity.max(16));
        buf.extend_from_slice(&[0; 4]);
        buf.push(kind);
        Self { buf }
    }

    /// Starts a frame in a reused buffer (cleared first).
    pub(super) fn reuse(mut buf: Vec<u8>, kind: u8) -> Self {
        buf.clear();
        buf.extend_from_slice(&[0; 4]);
        buf.push(kind);
        Self { buf }
    }

    pub(super) fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }
    pub(super) fn u16(&mut self, v: u16) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    pub(super) fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    pub(super) fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    pub(super) fn name(&mut self, name: &str) {
        let bytes = &name.as_bytes()[..name.len().min(u16::MAX as usize)];
        self.u16(bytes.len() as u16);
        self.buf.extend_from_slice(bytes);
    }
    /// `len u32 | bytes`.
    pub(super) fn bytes(&mut self, bytes: &[u8]) {
        self.u32(bytes.len().min(u32::MAX as usize) as u32);
        self.buf.extend_from_slice(bytes);
    }

    /// `len u32 | postcard(value)`. On error the frame is left as it was.
    pub(super) fn value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), String> {
        let start = self.buf.len();
        self.buf.extend_from_slice(&[0; 4]);
        match postcard::serialize_with_flavor(value, AppendTo(&mut self.buf)) {
            Ok(()) => {
                let len = self.buf.len() - start - 4;
                if len > u32::MAX as usize {
                    self.buf.truncate(start);
                    return Err(format!(
                        "the encoded value is {len} bytes; one value may take at most 4 GiB"
                    ));
                }
                self.buf[start..start + 4].copy_from_slice(&(len as u32).to_le_bytes());
                Ok(())
            }
            Err(e) => {
                self.buf.truncate(start);
                Err(e.to_string())
            }
        }
    }

    /// Where the next byte goes (to roll back a partly written item).
    pub(super) fn mark(&self) -> usize {
        self.buf.len()
    }
    pub(super) fn rollback(&mut self, mark: usize) {
        self.buf.truncate(mark);
    }

    /// Patches the length and returns the finished frame.
    pub(super) fn finish(mut self) -> Result<Vec<u8>, String> {
        let body = self.buf.len() - 4;
        if body > MAX_FRAME {
            return Err(format!(
                "a message of {body} bytes is larger than the 4 GiB a frame may hold: use a smaller chunksize"
            ));
        }
        self.buf[..4].copy_from_slice(&(body as u32).to_le_bytes());
        Ok(self.buf)
    }
}

/// A postcard flavor that appends to a borrowed `Vec<u8>` (postcard's own
/// `to_extend` takes the vector by value and loses it on error).
struct AppendTo<'a>(&'a mut Vec<u8>);

impl postcard::ser_flavors::Flavor for AppendTo<'_> {
    type Output = ();
    #[inline]
    fn try_extend(&mut self, data: &[u8]) -> postcard::Result<()> {
        self.0.extend_from_slice(data);
        Ok(())
    }
    #[inline]
    fn try_push(&mut self, data: u8) -> postcard::Result<()> {
        self.0.push(data);
        Ok(())
    }
    #[inline]
    fn finalize(self) -> postcard::Result<()> {
        Ok(())
    }
}

/// Decodes one value that must use every byte it is given.
pub(super) fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    match postcard::take_from_bytes::<T>(bytes) {
        Ok((value, [])) => Ok(value),
        Ok((_, rest)) => Err(format!(
            "{} bytes were left over after decoding a `{}` from {} bytes",
            rest.len(),
            std::any::type_name::<T>(),
            bytes.len()
        )),
        Err(e) => Err(format!(
            "could not decode a `{}` from {} bytes: {e}",
            std::any::type_name::<T>(),
            bytes.len()
        )),
    }
}

/// The largest first message a worker may send (READY, or INIT_FAILED with its
/// message). Anything longer is not our protocol: most likely `main` printed
/// to stdout before calling the guard, and those bytes read as a length.
pub(super) const MAX_HANDSHAKE: usize = 1 << 20;

/// Reads one frame body into `buf` (cleared first). `Ok(false)` at a clean end
/// of stream (between frames); an end of stream inside a frame is an error, and
/// so is a frame longer than `max` bytes.
pub(super) fn read_frame<R: BufRead>(
    reader: &mut R,
    buf: &mut Vec<u8>,
    max: usize,
) -> io::Result<bool> {
    let mut len = [0u8; 4];
    // The first byte decides between a clean end and a truncated frame.
    let mut got = 0;
    while got < 4 {
        match reader.read(&mut len[got..]) {
            Ok(0) if got == 0 => return Ok(false),
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let bytes = len;
    let len = u32::from_le_bytes(len) as usize;
    if len > max {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "a message that claims {len} bytes, more than the {max} allowed here: this is not the pool's \
                 protocol (its first bytes read as text: {:?})",
                String::from_utf8_lossy(&bytes)
            ),
        ));
    }
    buf.clear();
    buf.reserve(len);
    // `take` + `read_to_end` reads straight into the spare capacity: no zeroing
    // of a 50 MB buffer before the bytes arrive.
    reader.take(len as u64).read_to_end(buf)?;
    if buf.len() != len {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!(
                "the stream ended {} bytes into a {len}-byte frame",
                buf.len()
            ),
        ));
    }
    Ok(true)
}

/// Whether `buffered` starts with at least one complete frame.
pub(super) fn has_complete_frame(buffered: &[u8]) -> bool {
    buffered.len() >= 4
        && buffered.len() - 4
            >= u32::from_le_bytes([buffered[0], buffered[1], buffered[2], buffered[3]]) as usize
}

/// Reads fields from a frame body, front to back.
#[derive(Clone)]
pub(super) struct Cursor<'a> {
    rest: &'a [u8],
}

impl<'a> Cursor<'a> {
    pub(super) fn new(body: &'a [u8]) -> Self {
        Self { rest: body }
    }
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if self.rest.len() < n {
            return Err(format!(
                "a frame ended early: wanted {n} more bytes, {} left",
                self.rest.len()
            ));
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }
    /// How many bytes are left to read.
    pub(super) fn remaining(&self) -> usize {
        self.rest.len()
    }
    pub(super) fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }
    pub(super) fn u16(&mut self) -> Result<u16, String> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    pub(super) fn u32(&mut self) -> Result<u32, String> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    pub(super) fn u64(&mut self) -> Result<u64, String> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }
    pub(super) fn name(&mut self) -> Result<&'a str, String> {
        let n = self.u16()? as usize;
        std::str::from_utf8(self.take(n)?).map_err(|_| "a task name is not UTF-8".to_owned())
    }
    pub(super) fn bytes(&mut self) -> Result<&'a [u8], String> {
        let n = self.u32()? as usize;
        self.take(n)
    }
    pub(super) fn text(&mut self) -> Result<String, String> {
        Ok(String::from_utf8_lossy(self.bytes()?).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_reads_back_field_by_field() {
        let mut f = FrameBuilder::new(TASK, 0);
        f.u64(7);
        f.name("square");
        f.u32(2);
        f.value(&3u64).unwrap();
        f.value(&vec![1.5f64, 2.5]).unwrap();
        let frame = f.finish().unwrap();
        assert!(has_complete_frame(&frame));
        assert!(!has_complete_frame(&frame[..frame.len() - 1]));

        let mut body = Vec::new();
        assert!(read_frame(&mut &frame[..], &mut body, MAX_FRAME).unwrap());
        let mut c = Cursor::new(&body);
        assert_eq!(c.u8().unwrap(), TASK);
        assert_eq!(c.u64().unwrap(), 7);
        assert_eq!(c.name().unwrap(), "square");
        assert_eq!(c.u32().unwrap(), 2);
        assert_eq!(decode::<u64>(c.bytes().unwrap()).unwrap(), 3);
        assert_eq!(
            decode::<Vec<f64>>(c.bytes().unwrap()).unwrap(),
            vec![1.5, 2.5]
        );
    }

    #[test]
    fn a_truncated_frame_is_an_error_and_a_clean_end_is_not() {
        let mut f = FrameBuilder::new(READY, 0);
        f.u32(MAGIC);
        let frame = f.finish().unwrap();
        let mut body = Vec::new();
        assert!(!read_frame(&mut &[][..], &mut body, MAX_FRAME).unwrap());
        assert!(read_frame(&mut &frame[..frame.len() - 1], &mut body, MAX_FRAME).is_err());
        assert!(read_frame(&mut &frame[..2], &mut body, MAX_FRAME).is_err());
        // Text where a frame should be: "hello" reads as a 1.8 GB length.
        let err = read_frame(&mut &b"hello world\n"[..], &mut body, MAX_HANDSHAKE).unwrap_err();
        assert!(err.to_string().contains("hell"), "{err}");
    }

    #[test]
    fn decoding_the_wrong_type_says_which_type_and_why() {
        let mut f = FrameBuilder::new(TASK, 0);
        f.value("abc").unwrap();
        let frame = f.finish().unwrap();
        let bytes = &frame[9..];
        let err = decode::<u64>(bytes).unwrap_err();
        assert!(err.contains("left over") && err.contains("u64"), "{err}");
        let err = decode::<Vec<f64>>(&[200]).unwrap_err();
        assert!(err.contains("Vec<f64>"), "{err}");
    }
}
