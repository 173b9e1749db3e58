//! `cargo xtask python-setup [--python python3.13]`: a virtual environment for
//! the lessons' Python rows — `.venv` in the workspace root (git-ignored), with
//! the packages of `requirements.txt` (numpy, joblib) installed by pip.
//!
//! `cargo xtask run` then finds it by itself: a config's `python = "python3"`
//! is looked up in `.venv` first, as if the venv were activated (see
//! `lab::python`). Running it again reuses the venv and brings the packages up
//! to date; `--python python3.13t` remakes it with that interpreter. Without
//! it, the Python rows use `python3` from `PATH` and skip what its packages lack.

use std::path::Path;
use std::process::{Command, ExitCode};

pub fn python_setup(base: Option<&str>) -> anyhow::Result<ExitCode> {
    let root = crate::workspace_root();
    let venv = lab::python::venv_dir();
    let venv_python = lab::python::venv_python();
    let requirements = root.join("requirements.txt");

    // Naming an interpreter remakes the venv with it; otherwise a working one is kept.
    let reuse = base.is_none()
        && venv_python.is_file()
        && Command::new(&venv_python)
            .args(["-c", "import sys"])
            .status()
            .is_ok_and(|s| s.success());
    if reuse {
        say!("using the existing {}", crate::shown(&venv));
    } else {
        // A bare name must not find the (broken or missing) venv itself: PATH only.
        let base = base.unwrap_or(lab::python::DEFAULT_INTERPRETER);
        say!("making {} with {base} -m venv …", crate::shown(&venv));
        let made = Command::new(base)
            .args(["-m", "venv", "--clear"])
            .arg(&venv)
            .status();
        match made {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                eprintln!(
                    "error: `{base}` not found; install Python 3.8 or later (Debian/Ubuntu: apt install python3 python3-venv), or name one: cargo xtask python-setup --python /path/to/python3"
                );
                return Ok(ExitCode::from(crate::EXIT_FAILED));
            }
            Err(e) => anyhow::bail!("running {base}: {e}"),
            Ok(status) if !status.success() => {
                let _ = std::fs::remove_dir_all(&venv);
                eprintln!(
                    "error: `{base} -m venv` failed (above). On Debian and Ubuntu the venv module needs its own package: apt install python3-venv"
                );
                return Ok(ExitCode::from(crate::EXIT_FAILED));
            }
            Ok(_) => {}
        }
    }

    say!(
        "installing {} into it with pip …",
        crate::shown(&requirements)
    );
    if !pip_install(&venv_python, &requirements)? {
        eprintln!(
            "error: pip could not install the packages (above); the Python rows that need them will be skipped"
        );
        return Ok(ExitCode::from(crate::EXIT_FAILED));
    }

    let command = venv_python.display().to_string();
    // What the lessons' scripts import, from the registry: requirements.txt
    // must provide each of them.
    let modules = crate::lessons::python_modules();
    match lab::python::probe_uncached(&command, &modules) {
        Ok(found) => {
            let versions: Vec<String> = found
                .modules
                .iter()
                .map(|(name, version)| format!("{name} {version}"))
                .collect();
            say!(
                "\nready: {} (Python {}) with {}",
                crate::shown(&venv_python),
                found.label(),
                versions.join(", ")
            );
            say!(
                "`cargo xtask run <lesson>` uses it for python = \"python3\"; another interpreter: python = \"...\" in a config's [run]"
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(why) => {
            eprintln!("error: the venv was made but does not work: {why}");
            Ok(ExitCode::from(crate::EXIT_FAILED))
        }
    }
}

fn pip_install(python: &Path, requirements: &Path) -> anyhow::Result<bool> {
    let status = Command::new(python)
        .args([
            "-m",
            "pip",
            "install",
            "--upgrade",
            "--disable-pip-version-check",
            "-r",
        ])
        .arg(requirements)
        .status()?;
    Ok(status.success())
}
