//! The confinement of a process that runs libhdf5 on a user's file (a reader worker or a
//! CLI command): how it is started (no `HDF5_*` variables, plugin loading off, a memory
//! limit) and what it does first (apply the limit, prepare the library, die with its
//! parent). libhdf5 may crash, spin or allocate without bound on a hostile file; confined
//! so, only this process suffers. Must never loosen these for convenience: every process
//! that opens a user's file with libhdf5 goes through here.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// The environment variable carrying the process's address-space limit in bytes.
pub const MEMORY_ENV: &str = "HDFSCOPE_WORKER_MEMORY";

/// A command for `exe` (the hdfscope binary) to run confined: every `HDF5_*` variable
/// removed (they load plugins or VOL connectors, change drivers, or redirect external
/// links, external storage and VDS sources; reliability notes §3.9), plugin preloading
/// disabled, external raw-data files looked for beside the file, and the memory limit
/// passed on. The caller adds the arguments.
pub fn reader_command(exe: &Path, memory_limit: Option<u64>) -> Command {
    let mut cmd = Command::new(exe);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("HDF5_") {
            cmd.env_remove(key);
        }
    }
    cmd.env("HDF5_PLUGIN_PRELOAD", "::");
    // Relative names of external raw-data files resolve beside the HDF5 file, not in the
    // directory hdfscope was started from (whether they are read at all is the user's call).
    cmd.env("HDF5_EXTFILE_PREFIX", "${ORIGIN}");
    if let Some(limit) = memory_limit {
        cmd.env(MEMORY_ENV, limit.to_string());
    }
    let (key, value) = malloc_tunables();
    cmd.env(key, value);
    cmd
}

/// glibc hands freed blocks over 128 KiB back to the kernel at once, so every window a
/// reader decoded page-faulted its fresh buffers in again: over half the time of an LZ4
/// read (docs/performance.md). Readers keep freed memory up to these sizes for the next
/// window instead (blocks below `MMAP_THRESHOLD` come from the heap, which is trimmed only
/// past `TRIM_THRESHOLD` free); their memory limit still bounds them.
pub const MMAP_THRESHOLD: usize = 32 << 20;
pub const TRIM_THRESHOLD: usize = 64 << 20;

/// The environment variable that sets those for a process's glibc, and its value.
fn malloc_tunables() -> (&'static str, String) {
    (
        "GLIBC_TUNABLES",
        format!(
            "glibc.malloc.mmap_threshold={MMAP_THRESHOLD}:glibc.malloc.trim_threshold={TRIM_THRESHOLD}"
        ),
    )
}

/// Confines the running process: the memory limit, no core dumps, libhdf5 prepared
/// (plugins off, errors quiet, filters registered), and an end when the parent is gone.
pub fn confine() -> Result<(), String> {
    limit_memory().map_err(|e| format!("cannot set the memory limit: {e}"))?;
    no_core_dumps().map_err(|e| format!("cannot turn core dumps off: {e}"))?;
    crate::reader::prepare_library().map_err(|e| e.to_string())?;
    exit_with_parent().map_err(|e| format!("cannot watch the parent process: {e}"))
}

/// Ends this process when the viewer that started it is gone, even while a job is stuck
/// inside libhdf5 (then nobody reads the pipes any more).
#[cfg(unix)]
fn exit_with_parent() -> std::io::Result<()> {
    let parent = std::os::unix::process::parent_id();
    std::thread::Builder::new()
        .name("parent-watch".to_owned())
        .spawn(move || {
            loop {
                std::thread::sleep(Duration::from_millis(250));
                if std::os::unix::process::parent_id() != parent {
                    std::process::exit(1);
                }
            }
        })
        .map(drop)
}

#[cfg(not(unix))]
fn exit_with_parent() -> std::io::Result<()> {
    // Windows: a job object with kill-on-close would do this; not done yet.
    Ok(())
}

/// Caps the worker's address space, so a decompression bomb or a hostile size ends this
/// process instead of exhausting the machine. The default is a quarter of the RAM, at most
/// 4 GiB; the parent may set another in [`MEMORY_ENV`].
#[cfg(unix)]
fn limit_memory() -> std::io::Result<()> {
    let limit = std::env::var(MEMORY_ENV)
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or_else(default_memory_limit);
    rlimit::setrlimit(rlimit::Resource::AS, limit, limit)
}

/// A reader that crashes on a hostile file leaves no core file behind (they can be large,
/// and hold the file's data).
#[cfg(unix)]
fn no_core_dumps() -> std::io::Result<()> {
    rlimit::setrlimit(rlimit::Resource::CORE, 0, 0)
}

#[cfg(not(unix))]
fn no_core_dumps() -> std::io::Result<()> {
    Ok(())
}

#[cfg(not(unix))]
fn limit_memory() -> std::io::Result<()> {
    // Windows needs a job object; not done yet (see docs/ARCHITECTURE.md).
    Ok(())
}

#[cfg(unix)]
fn default_memory_limit() -> u64 {
    const CEILING: u64 = 4 << 30;
    total_memory().map_or(CEILING, |t| (t / 4).min(CEILING))
}

/// The machine's RAM in bytes, where Linux says it (`/proc/meminfo`).
pub fn total_memory() -> Option<u64> {
    std::fs::read_to_string("/proc/meminfo")
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kib| kib * 1024)
}

/// How a confined process ended, in words.
pub fn describe_exit(status: std::process::ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt as _;
        if let Some(sig) = status.signal() {
            let name = match sig {
                6 => " (abort)",
                9 => " (killed)",
                11 => " (segmentation fault)",
                7 => " (bus error)",
                _ => "",
            };
            return format!("ended by signal {sig}{name}");
        }
    }
    match status.code() {
        Some(c) => format!("exited with code {c}"),
        None => "ended".to_owned(),
    }
}
