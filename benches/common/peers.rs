//! The benchmarks' peer: h5py, found on the machine and timed on the same files, and the
//! page-cache warm-up both sides get first.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Reads a file once so both sides start from the page cache.
pub fn warm(path: &Path) -> std::io::Result<()> {
    let mut f = std::fs::File::open(path)?;
    std::io::copy(&mut f, &mut std::io::sink()).map(drop)
}

/// A Python with h5py: `HDFSCOPE_BENCH_PYTHON`, `python3`, or the build venv's.
pub fn find_h5py() -> Option<(PathBuf, String)> {
    let mut candidates: Vec<PathBuf> = std::env::var_os("HDFSCOPE_BENCH_PYTHON")
        .map(PathBuf::from)
        .into_iter()
        .collect();
    candidates.push("python3".into());
    if let Some(home) = std::env::var_os("HOME") {
        candidates.push(PathBuf::from(home).join(".cache/hdfscope-venv/bin/python"));
    }
    candidates.into_iter().find_map(|py| {
        let out = Command::new(&py)
            .args([
                "-c",
                "import h5py; print(f'h5py {h5py.__version__}, HDF5 {h5py.version.hdf5_version}')",
            ])
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| (py, String::from_utf8_lossy(&out.stdout).trim().to_owned()))
    })
}

/// Seconds h5py takes to evaluate `expr` on the open file `f` (best of two).
pub fn h5py_seconds(py: &Path, file: &Path, expr: &str) -> anyhow::Result<f64> {
    let script = format!(
        "import h5py, time, sys\ntry:\n    import hdf5plugin\nexcept ImportError:\n    pass\nf = h5py.File(sys.argv[1], 'r')\nbest = 1e9\n\
         for _ in range(2):\n    t = time.perf_counter()\n    a = {expr}\n    \
         best = min(best, time.perf_counter() - t)\nprint(best)"
    );
    let out = Command::new(py).arg("-c").arg(script).arg(file).output()?;
    anyhow::ensure!(
        out.status.success(),
        "h5py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8_lossy(&out.stdout).trim().parse()?)
}
