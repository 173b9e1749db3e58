//! Measuring memory: peak resident set sizes from `/proc`, reset between the
//! modes of `shared-vs-copied`, and the memory-mapped file of its `memmap` mode.
//!
//! Linux keeps each process's peak resident set, `VmHWM` in
//! `/proc/self/status`. Writing `5` to `/proc/self/clear_refs` sets that peak
//! back to the current resident set, so each mode's peak is its own. Where
//! that file cannot be written, a thread samples `VmRSS` every millisecond
//! instead, which can miss a peak shorter than that. macOS and Windows have no
//! `/proc`: there the memory columns are not measured (zero), and the summary
//! says so (`peak_measured_by`); the times are measured as everywhere.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// The memory lines of `/proc/self/status`, in KiB (zero where missing).
#[derive(Clone, Copy, Debug, Default)]
pub struct Status {
    pub vm_rss: u64,
    pub vm_hwm: u64,
    pub rss_file: u64,
    pub rss_shmem: u64,
}

impl Status {
    pub fn read() -> Self {
        let mut s = Status::default();
        let Ok(text) = std::fs::read_to_string("/proc/self/status") else {
            return s;
        };
        for line in text.lines() {
            let mut words = line.split_whitespace();
            let (Some(key), Some(value)) = (words.next(), words.next()) else {
                continue;
            };
            let Ok(kib) = value.parse::<u64>() else {
                continue;
            };
            match key {
                "VmRSS:" => s.vm_rss = kib,
                "VmHWM:" => s.vm_hwm = kib,
                "RssFile:" => s.rss_file = kib,
                "RssShmem:" => s.rss_shmem = kib,
                _ => {}
            }
        }
        s
    }

    /// The peak, less the file-backed and shared pages mapped now: what this
    /// process held that no other process shares.
    pub fn private_peak_kib(&self) -> u64 {
        self.vm_hwm.saturating_sub(self.rss_file + self.rss_shmem)
    }
}

/// Measures how far the resident set of this process rises over a stretch of
/// code: its peak, less what it held when the measurement started (memory an
/// earlier experiment freed but the allocator kept is not this code's cost).
pub struct PeakMeter {
    start_kib: u64,
    sampler: Option<(Arc<AtomicBool>, Arc<AtomicU64>, JoinHandle<()>)>,
}

impl PeakMeter {
    /// Starts measuring: resets the kernel's peak, or starts a sampler (or
    /// nothing, on a system without `/proc`).
    pub fn start() -> Self {
        if !Self::available() {
            return PeakMeter {
                start_kib: 0,
                sampler: None,
            };
        }
        let reset = OpenOptions::new()
            .write(true)
            .open("/proc/self/clear_refs")
            .and_then(|mut f| f.write_all(b"5"));
        let start_kib = Status::read().vm_rss;
        if reset.is_ok() && Status::read().vm_hwm > 0 {
            return PeakMeter {
                start_kib,
                sampler: None,
            };
        }
        let stop = Arc::new(AtomicBool::new(false));
        let peak = Arc::new(AtomicU64::new(start_kib));
        let handle = {
            let (stop, peak) = (stop.clone(), peak.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    peak.fetch_max(Status::read().vm_rss, Ordering::Relaxed);
                    std::thread::sleep(Duration::from_millis(1));
                }
            })
        };
        PeakMeter {
            start_kib,
            sampler: Some((stop, peak, handle)),
        }
    }

    /// Whether this system tells a process its resident set (`/proc`: Linux).
    pub fn available() -> bool {
        Status::read().vm_rss > 0
    }

    /// How the peak is measured: `"VmHWM"` (exact), `"sampled"`, or not at all.
    pub fn method(&self) -> &'static str {
        if self.sampler.is_some() {
            "sampled"
        } else if Self::available() {
            "VmHWM"
        } else {
            "not measured: no /proc on this system (Linux only)"
        }
    }

    /// The resident set when the measurement started, in KiB.
    pub fn start_kib(&self) -> u64 {
        self.start_kib
    }

    /// How far the resident set rose above its starting level at its peak
    /// since `start`, in KiB.
    pub fn rise_kib(self) -> u64 {
        let start = self.start_kib;
        let peak = match self.sampler {
            None => Status::read().vm_hwm,
            Some((stop, peak, handle)) => {
                stop.store(true, Ordering::Relaxed);
                let _ = handle.join();
                peak.load(Ordering::Relaxed).max(Status::read().vm_rss)
            }
        };
        peak.saturating_sub(start)
    }
}

/// A temporary file holding an array of `f64`, mapped into this process: the
/// file joblib dumps a large NumPy array into for its workers' `np.memmap`.
/// The parent writes the values through the mapping, so the file's pages in
/// the page cache are the only copy (joblib's parent keeps its own array as
/// well), and worker processes that map the same file share those pages.
pub struct MappedArray {
    path: PathBuf,
    map: memmap2::MmapMut,
}

impl MappedArray {
    /// A file of `len` values, `values(i)` at position `i`.
    pub fn create(len: usize, values: impl Fn(u64) -> f64) -> std::io::Result<Self> {
        let path = std::env::temp_dir().join(format!(
            "parlab-lesson04-{}-{}.f64",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        ));
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)?;
        let mapped = (|| {
            file.set_len((len * 8) as u64)?;
            // SAFETY: the file was just created by this process under a unique
            // name, and nothing else writes it while it is mapped; workers only
            // map it read-only.
            let mut map = unsafe { memmap2::MmapMut::map_mut(&file)? };
            for (i, slot) in map.chunks_exact_mut(8).enumerate() {
                slot.copy_from_slice(&values(i as u64).to_le_bytes());
            }
            Ok(map)
        })();
        match mapped {
            Ok(map) => Ok(MappedArray { path, map }),
            Err(e) => {
                let _ = std::fs::remove_file(&path);
                Err(e)
            }
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn bytes(&self) -> &[u8] {
        &self.map
    }
}

impl Drop for MappedArray {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Maps the file at `path` read-only and runs `f` on its bytes (a worker's
/// side of the `memmap` mode).
pub fn with_mapped_f64<T>(path: &str, f: impl FnOnce(&[u8]) -> T) -> std::io::Result<T> {
    let file = File::open(path)?;
    // SAFETY: the parent created this file for this run and does not change it
    // while workers read it; it removes it only after every task has returned.
    let map = unsafe { memmap2::Mmap::map(&file)? };
    Ok(f(&map))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mapped_array_holds_the_values_and_is_removed_when_dropped() {
        let array = MappedArray::create(1_000, |i| i as f64 * 0.5).unwrap();
        let path = array.path().to_path_buf();
        let sum = with_mapped_f64(path.to_str().unwrap(), |bytes| {
            crate::work::part_sum_bytes(bytes, 0, 1)
        })
        .unwrap();
        assert_eq!(sum, (0..1_000).map(|i| i as f64 * 0.5).sum::<f64>());
        assert_eq!(array.bytes().len(), 8_000);
        drop(array);
        assert!(!path.exists(), "the temporary file is removed");
    }

    #[test]
    #[cfg_attr(
        not(target_os = "linux"),
        ignore = "peak memory is read from /proc, which only Linux has"
    )]
    fn the_peak_meter_sees_a_large_allocation() {
        let meter = PeakMeter::start();
        let big = vec![1_u8; 64 << 20];
        std::hint::black_box(&big);
        drop(big);
        let rise = meter.rise_kib();
        assert!(
            rise >= 60 << 10,
            "a 64 MiB vector raised the peak by {rise} KiB only"
        );
    }
}
