//! The files of an experiment: `<experiment>.json` (the results contract),
//! `.csv`, and one `.svg` per plot, each written atomically.
//!
//! Atomic means a temporary file in the same folder, flushed to disk, then
//! renamed over the target: a reader (a grader's script, the next run, a student
//! opening the file) sees the old file or the new one, never half of one, even
//! when the run is stopped by Ctrl-C. The cost is one `fsync` per file, a few
//! milliseconds on a disk, paid once per experiment and never inside a timing.

use super::csv::csv;
use super::model::{Fields, Report, Row};
use crate::measure::Machine;
use crate::noise::{Load, Warning};
use anyhow::Context as _;
use serde::Serialize;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// The results file of one experiment: the results contract of DESIGN.md. The
/// field names are what graders and scripts read; they keep their meaning.
#[derive(Debug, Serialize)]
pub struct ResultsFile<'a> {
    /// The lesson id, e.g. `lesson-05`.
    pub lesson: &'a str,
    /// The experiment's name in its config (it names the files).
    pub experiment: &'a str,
    /// The experiment kind it ran.
    pub kind: &'a str,
    /// The config file, as the user named it.
    pub config_file: &'a str,
    /// Whether `--quick` overrides were used.
    pub quick: bool,
    /// What it ran on.
    pub machine: &'a Machine,
    /// The rows of the report.
    pub rows: &'a [Row],
    /// The report's experiment-wide values.
    pub summary: &'a Fields,
    /// Metrics and summary values that vary from run to run.
    pub measured: Vec<String>,
    /// How busy the machine was around the experiment (see [`crate::noise`]).
    pub load: &'a Load,
    /// What makes its timings worth less, and what to do: rows whose repeats
    /// spread widely, a busy machine. Empty when nothing was seen.
    pub warnings: &'a [Warning],
}

/// Writes the files of one experiment into `dir` — `<name>.json` from `file`,
/// `<name>.csv` and each plot's SVG from `report` — and returns their paths.
pub fn write_results(
    dir: &Path,
    name: &str,
    file: &ResultsFile<'_>,
    report: &Report,
) -> anyhow::Result<Vec<PathBuf>> {
    let mut json = serde_json::to_string_pretty(file)?;
    json.push('\n');
    let mut outputs = vec![
        (dir.join(format!("{name}.json")), json.into_bytes()),
        (dir.join(format!("{name}.csv")), csv(report).into_bytes()),
    ];
    for plot in &report.plots {
        let stem = match &plot.suffix {
            Some(s) => format!("{name}-{s}"),
            None => name.to_string(),
        };
        let svg = plot
            .to_svg()
            .with_context(|| format!("drawing {stem}.svg"))?;
        outputs.push((dir.join(format!("{stem}.svg")), svg.into_bytes()));
    }
    for (path, bytes) in &outputs {
        write_atomic(path, bytes).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(outputs.into_iter().map(|(p, _)| p).collect())
}

/// Held while a results file is being written: see [`stop_writes`].
static WRITES: Mutex<()> = Mutex::new(());

/// Waits for a results file being written to be renamed into place, then keeps any
/// other from starting while the guard lives. A Ctrl-C handler holds it while the
/// process exits, so an interrupted run leaves whole files and no temporary ones.
pub fn stop_writes() -> MutexGuard<'static, ()> {
    WRITES.lock().unwrap_or_else(|e| e.into_inner())
}

/// Writes `contents` to `path` atomically: into a temporary file in the same
/// folder, then renamed over `path`. A reader (or a run stopped half-way) sees the
/// old file or the new one, never half of one.
pub fn write_atomic(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let _writing = WRITES.lock().unwrap_or_else(|e| e.into_inner());
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("results");
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(contents)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_writes_leave_no_temporary_file() {
        let dir = std::env::temp_dir().join(format!("lab-atomic-{}", std::process::id()));
        let path = dir.join("x.json");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
