//! Runs a CLI command (`ls`, `info`, `get`, `export`) in a confined child process of the
//! hdfscope binary, the same confinement as the viewer's reader workers: libhdf5 may crash,
//! spin or allocate without bound on a hostile file, and the command must still end within
//! its time limit with a one-line error naming the file. The child writes the command's
//! output itself; this side only waits, and says what happened when the child did not end
//! by itself. Must never run libhdf5 in the parent.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::time::{Duration, Instant};

use thiserror::Error;

use crate::loader::{describe_exit, reader_command};

/// The hidden first argument that makes the hdfscope binary the confined child of a CLI
/// command (the rest of the command line follows unchanged).
pub const CHILD_ARG: &str = "--confined-command";

/// How often the parent looks at the child.
const POLL: Duration = Duration::from_millis(10);

/// Why a confined command gave no normal answer.
#[derive(Debug, Error)]
pub enum ConfinedError {
    #[error("cannot start the reader process: {0}")]
    Spawn(std::io::Error),
    #[error("cannot wait for the reader process: {0}")]
    Wait(std::io::Error),
    #[error("{}: the reader crashed ({how}); the file is probably damaged", file.display())]
    Crashed { file: PathBuf, how: String },
    #[error(
        "{}: no answer after {} s; the reader was stopped (--timeout sets the limit)",
        file.display(),
        limit.as_secs()
    )]
    TimedOut { file: PathBuf, limit: Duration },
}

/// Runs `hdfscope CHILD_ARG args…` confined and returns its exit code; `file` names the
/// command's file in errors. `limit` (`None`: none) bounds the whole run.
pub fn run_confined(
    exe: &Path,
    args: &[OsString],
    file: &Path,
    limit: Option<Duration>,
) -> Result<u8, ConfinedError> {
    let mut child = reader_command(exe, None)
        .arg(CHILD_ARG)
        .args(args)
        .spawn()
        .map_err(ConfinedError::Spawn)?;
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(ConfinedError::Wait)? {
            break status;
        }
        if let Some(limit) = limit
            && started.elapsed() >= limit
        {
            // Killing a child that just exited is harmless; the wait reaps it either way.
            let _ = child.kill();
            let _ = child.wait();
            return Err(ConfinedError::TimedOut {
                file: file.to_owned(),
                limit,
            });
        }
        std::thread::sleep(POLL);
    };
    exit_code(status).ok_or_else(|| ConfinedError::Crashed {
        file: file.to_owned(),
        how: describe_exit(status),
    })
}

/// The code a child exited with; `None` when a signal ended it.
fn exit_code(status: ExitStatus) -> Option<u8> {
    status.code().map(|c| u8::try_from(c).unwrap_or(1))
}

/// Test hook (debug builds only): `HDFSCOPE_TEST_FAULT=abort|hang` makes the confined child
/// crash or spin the way libhdf5 does on some hostile files, so the tests can prove the
/// parent copes.
#[cfg(debug_assertions)]
pub fn test_fault() {
    match std::env::var("HDFSCOPE_TEST_FAULT").as_deref() {
        Ok("abort") => std::process::abort(),
        Ok("hang") => loop {
            std::thread::sleep(Duration::from_secs(3600));
        },
        _ => {}
    }
}
