//! Shared helpers for the integration tests: run the real binary with a time limit, find the
//! shared corpus (or say clearly that it is absent), parse JSON output.
#![allow(
    dead_code,
    reason = "each test binary uses a different subset of these helpers"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What one run of the binary produced.
pub struct Run {
    /// `None` when the process was killed by a signal (a crash) or timed out.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub timed_out: bool,
}

/// Runs `hdfscope ARGS`, killing it after `limit`.
pub fn run_with_limit(args: &[&str], limit: Duration) -> Run {
    run_with_env(args, &[], limit)
}

/// Runs `hdfscope ARGS` with `env` added to the environment, killing it after `limit`.
pub fn run_with_env(args: &[&str], env: &[(&str, &str)], limit: Duration) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hdfscope"))
        .args(args)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the hdfscope binary starts");
    // Drain both pipes while waiting, or a large output fills the pipe and stalls the child.
    let mut out_pipe = child.stdout.take().expect("stdout is piped");
    let mut err_pipe = child.stderr.take().expect("stderr is piped");
    let out_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        std::io::Read::read_to_end(&mut out_pipe, &mut s).ok();
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        std::io::Read::read_to_end(&mut err_pipe, &mut s).ok();
        s
    });
    let start = Instant::now();
    let mut timed_out = false;
    loop {
        if child.try_wait().expect("waiting on hdfscope").is_some() {
            break;
        }
        if start.elapsed() > limit {
            child.kill().ok();
            timed_out = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let status = child.wait().expect("waiting on hdfscope");
    let stdout = out_reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    Run {
        code: if timed_out { None } else { status.code() },
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
        timed_out,
    }
}

/// Runs `hdfscope ARGS` with a generous limit.
pub fn run(args: &[&str]) -> Run {
    run_with_limit(args, Duration::from_secs(120))
}

/// Runs a command that must succeed and print JSON; returns the parsed document.
pub fn json(args: &[&str]) -> serde_json::Value {
    let r = run(args);
    assert_eq!(r.code, Some(0), "hdfscope {args:?} failed: {}", r.stderr);
    serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("hdfscope {args:?} printed invalid JSON ({e}): {}", r.stdout))
}

/// The shared real-world corpus beside the checkout, or `None` (with a message) if absent.
pub fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if dir.join("MANIFEST_public.tsv").is_file() {
        Some(dir)
    } else {
        eprintln!("SKIPPED: ../shared/corpus is absent; corpus tests need it beside the checkout");
        None
    }
}

/// The bundled demo file.
pub fn demo() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/demo.h5")
        .to_string_lossy()
        .into_owned()
}

/// Runs `script` on `file` with the project's Python venv (`~/.cache/hdfscope-venv`) and
/// returns what it printed; `None`, saying so, when the venv or `module` is missing.
pub fn python_check(module: &str, script: &str, file: &Path) -> Option<String> {
    let python = std::env::var_os("HOME")
        .map(|h| Path::new(&h).join(".cache/hdfscope-venv/bin/python"))
        .filter(|p| p.exists());
    let Some(python) = python else {
        eprintln!(
            "SKIPPED: no Python venv with {module} to check {}",
            file.display()
        );
        return None;
    };
    let out = std::process::Command::new(python)
        .args(["-c", script, file.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if stderr.contains("No module named") {
        eprintln!("SKIPPED: {module} is not installed in the venv");
        return None;
    }
    assert!(out.status.success(), "{stderr}");
    Some(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}
