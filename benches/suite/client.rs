//! The viewer's side of the loader, as the suite drives it: real reader processes (this
//! build's `hdfscope --reader-worker`), requests sent and answers drained as the UI does, and
//! the peak memory of both sides read from `/proc`. Measures nothing itself.

use std::collections::VecDeque;
use std::path::Path;
use std::time::{Duration, Instant};

use hdfscope::loader::{Loader, LoaderConfig, Request, Response, WorkerKind};

#[path = "../../tests/common/procs.rs"]
mod procs;

/// A loader and the answers drained but not looked at yet.
pub struct Client {
    loader: Loader,
    queue: VecDeque<Response>,
}

impl Client {
    /// A loader with `data_workers` data readers (at least one).
    pub fn spawn(data_workers: usize) -> anyhow::Result<Client> {
        let mut config =
            LoaderConfig::new(WorkerKind::Process(env!("CARGO_BIN_EXE_hdfscope").into()));
        config.data_workers = data_workers.max(1);
        Ok(Client {
            loader: Loader::spawn(config, Box::new(|| {}))?,
            queue: VecDeque::new(),
        })
    }

    pub fn send(&mut self, r: Request) {
        self.loader.send(r);
    }

    /// The next answer, waiting up to ten minutes.
    pub fn next(&mut self) -> anyhow::Result<Response> {
        let deadline = Instant::now() + Duration::from_secs(600);
        loop {
            if self.queue.is_empty() {
                self.queue
                    .extend(self.loader.drain(Duration::from_millis(1)));
            }
            if let Some(r) = self.queue.pop_front() {
                return Ok(r);
            }
            anyhow::ensure!(Instant::now() < deadline, "no answer from the loader");
            std::thread::sleep(Duration::from_micros(100));
        }
    }

    /// The next answer `want` accepts; the others are dropped.
    pub fn wait(&mut self, want: impl Fn(&Response) -> bool) -> anyhow::Result<Response> {
        loop {
            let r = self.next()?;
            if want(&r) {
                return Ok(r);
            }
        }
    }

    /// Opens `path` as `file`.
    pub fn open(&mut self, file: u64, path: &Path) -> anyhow::Result<()> {
        self.send(Request::Open {
            file,
            path: path.to_owned(),
        });
        match self.wait(|r| matches!(r, Response::Opened { file: f, .. } if *f == file))? {
            Response::Opened { result: Err(e), .. } => anyhow::bail!("open failed: {e}"),
            _ => Ok(()),
        }
    }
}

/// A memory figure (`VmHWM`, `VmRSS`, ...) of a process (`"self"` or a pid), in MB.
fn status_mb(pid: &str, field: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib * 1024.0 / 1e6)
}

/// The peak resident memory of a process (`"self"` or a pid), in MB.
pub fn peak_mb(pid: &str) -> f64 {
    status_mb(pid, "VmHWM")
}

/// Starts this process's peak memory afresh and returns its resident size now (MB), so a
/// section's figure is what it added: `peak_mb("self")` minus this.
pub fn reset_peak() -> f64 {
    // Linux: writing 5 to clear_refs resets VmHWM to the current resident size.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    status_mb("self", "VmRSS")
}

/// The largest peak resident memory among this process's children (the readers), in MB.
pub fn readers_peak_mb() -> f64 {
    procs::children()
        .iter()
        .map(|pid| peak_mb(pid))
        .fold(0.0, f64::max)
}
