//! Finding a program on the search path, as a shell does: what the driver asks
//! before it promises a lesson can run (`mpirun`, say), and what lesson 08 asks
//! before it launches one.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

/// The first executable `name` on the search path `path` (the value of `PATH`).
/// On Windows the name is also tried with the extensions of `PATHEXT`
/// (`mpiexec.exe`), as the shell does.
pub fn find_in(path: &OsStr, name: &str) -> Option<PathBuf> {
    std::env::split_paths(path).find_map(|dir| executable(&dir.join(name)))
}

/// The first executable `name` on this process's `PATH`.
pub fn find(name: &str) -> Option<PathBuf> {
    find_in(&std::env::var_os("PATH")?, name)
}

#[cfg(unix)]
fn executable(file: &Path) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(file)
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .then(|| file.to_path_buf())
}

#[cfg(not(unix))]
fn executable(file: &Path) -> Option<PathBuf> {
    let extensions = std::env::var("PATHEXT").unwrap_or_else(|_| ".EXE;.CMD;.BAT".into());
    std::iter::once(file.to_path_buf())
        .chain(
            extensions
                .split(';')
                .map(|ext| file.with_extension(ext.trim_start_matches('.'))),
        )
        .find(|f| f.is_file())
}
