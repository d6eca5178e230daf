//! The peers run side by side with hdfscope on the same files in the same run: h5py (with
//! hdf5plugin when present) in a Python the suite finds, or installs into the build's venv when
//! allowed, and Debian's h5ls. A missing peer is said so, never faked. Runs peers; never
//! writes outside the venv it was allowed to create.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// A Python that imports h5py, and the versions it reports.
pub struct H5py {
    python: PathBuf,
    pub version: String,
}

/// The build's venv (it holds cmake already, see `.ci/run`).
fn venv() -> Option<PathBuf> {
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/hdfscope-venv"))
}

/// `HDFSCOPE_BENCH_PYTHON`, the venv's Python, or `python3`, whichever imports h5py first.
/// With `install`, a venv without h5py gets `pip install h5py hdf5plugin` first.
pub fn find_h5py(install: bool) -> Option<H5py> {
    let venv_python = venv().map(|v| v.join("bin/python"));
    if install && let Some(venv) = venv() {
        let python = venv.join("bin/python");
        if !python.exists() {
            let _ = Command::new("python3")
                .arg("-m")
                .arg("venv")
                .arg(&venv)
                .status();
        }
        if version(&python).is_none() {
            eprintln!("installing h5py and hdf5plugin into {} ...", venv.display());
            let _ = Command::new(&python)
                .args(["-m", "pip", "install", "--quiet", "h5py", "hdf5plugin"])
                .status();
        }
    }
    let candidates = std::env::var_os("HDFSCOPE_BENCH_PYTHON")
        .map(PathBuf::from)
        .into_iter()
        .chain(venv_python)
        .chain([PathBuf::from("python3")]);
    for python in candidates {
        if let Some(version) = version(&python) {
            return Some(H5py { python, version });
        }
    }
    None
}

fn version(python: &Path) -> Option<String> {
    let out = Command::new(python)
        .args([
            "-c",
            "import h5py\ntry:\n    import hdf5plugin; p = f', hdf5plugin {hdf5plugin.version}'\n\
             except ImportError:\n    p = ''\n\
             print(f'h5py {h5py.__version__} (HDF5 {h5py.version.hdf5_version}{p})')",
        ])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// What one timed h5py expression cost.
pub struct Timed {
    /// The best of the runs, in seconds.
    pub seconds: f64,
    /// What the runs added to the interpreter's resident memory at its peak, in MB (the
    /// interpreter, h5py and the open file excluded).
    pub grew_mb: f64,
}

impl H5py {
    /// Times `expr` with the file open as `f` (its path in `sys.argv[1]`), best of `runs`,
    /// inside a running interpreter: the figure excludes starting Python.
    pub fn time(&self, file: &Path, expr: &str, runs: usize) -> anyhow::Result<Timed> {
        let script = format!(
            "import h5py, time, sys\ntry:\n    import hdf5plugin\nexcept ImportError:\n    pass\n\
             def mem(field):\n    for l in open('/proc/self/status'):\n        \
             if l.startswith(field + ':'):\n            return int(l.split()[1])\n\
             f = h5py.File(sys.argv[1], 'r')\nopen('/proc/self/clear_refs', 'w').write('5')\n\
             base = mem('VmRSS')\nbest = 1e9\n\
             for _ in range({runs}):\n    t = time.perf_counter()\n    a = {expr}\n    \
             best = min(best, time.perf_counter() - t)\n    del a\n\
             print(best, mem('VmHWM') - base)"
        );
        let out = Command::new(&self.python)
            .arg("-c")
            .arg(script)
            .arg(file)
            .output()?;
        anyhow::ensure!(
            out.status.success(),
            "h5py failed on `{expr}`: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        let mut words = text.split_whitespace();
        let seconds = words.next().unwrap_or_default().parse()?;
        let kib: f64 = words.next().unwrap_or_default().parse()?;
        Ok(Timed {
            seconds,
            grew_mb: kib * 1024.0 / 1e6,
        })
    }
}

/// Debian's h5ls (hdf5-tools), when installed.
pub fn h5ls() -> Option<String> {
    let out = Command::new("h5ls").arg("--version").output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// Wall-clock seconds of `h5ls ARGS` (output discarded), its start included.
pub fn h5ls_seconds(args: &[&str]) -> anyhow::Result<f64> {
    let started = Instant::now();
    let status = Command::new("h5ls")
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()?;
    anyhow::ensure!(status.success(), "h5ls {args:?} failed");
    Ok(started.elapsed().as_secs_f64())
}
