//! The benchmarks' generated waveform: deterministic float32 samples (two sines, noise, one
//! spike) with a float64 time dimension scale, written in blocks so no benchmark ever holds
//! it in memory. Shared by the loader and plot benchmarks.
#![allow(unsafe_code)]

use std::path::{Path, PathBuf};

/// Samples per chunk.
pub const CHUNK: usize = 65_536;

unsafe extern "C" {
    fn H5DSset_scale(dsid: i64, dimname: *const std::ffi::c_char) -> i32;
    fn H5DSattach_scale(did: i64, dsid: i64, idx: u32) -> i32;
}

/// Where generated data is kept between runs: under the Cargo target directory.
pub fn data_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"))
        .join("bench-data")
}

/// Writes `/signal` (float32: two sines and deterministic noise, one spike) and `/time`
/// (float64 seconds, attached as its dimension scale) in blocks, never all in memory.
pub fn write_waveform(path: &Path, n: usize) -> anyhow::Result<()> {
    let tmp = path.with_extension("partial");
    let f = hdf5::File::create(&tmp)?;
    let signal = f
        .new_dataset::<f32>()
        .shape(n)
        .chunk(CHUNK.min(n))
        .shuffle()
        .deflate(1)
        .create("signal")?;
    let time = f
        .new_dataset::<f64>()
        .shape(n)
        .chunk(CHUNK.min(n))
        .shuffle()
        .deflate(1)
        .create("time")?;
    let block = CHUNK * 64;
    let mut noise = 0x2545_f491_4f6c_dd1du64;
    for start in (0..n).step_by(block) {
        let end = (start + block).min(n);
        let s: Vec<f32> = (start..end)
            .map(|i| {
                noise ^= noise << 13;
                noise ^= noise >> 7;
                noise ^= noise << 17;
                let t = i as f64 * 1e-6;
                let v = (t * 50.0 * std::f64::consts::TAU).sin()
                    + 0.3 * (t * 1234.0 * std::f64::consts::TAU).sin()
                    + ((noise >> 40) as f64 / (1u64 << 24) as f64 - 0.5) * 0.1;
                if i == n / 3 { 25.0 } else { v as f32 }
            })
            .collect();
        signal.write_slice(&s, start..end)?;
        let t: Vec<f64> = (start..end).map(|i| i as f64 * 1e-6).collect();
        time.write_slice(&t, start..end)?;
    }
    let name = std::ffi::CString::new("time")?;
    // SAFETY: both ids are open datasets of this file; the name is NUL-terminated.
    let rc = hdf5::sync::sync(|| unsafe {
        H5DSset_scale(time.id(), name.as_ptr()).min(H5DSattach_scale(signal.id(), time.id(), 0))
    });
    anyhow::ensure!(rc >= 0, "attaching the time scale failed");
    drop((signal, time, f));
    std::fs::rename(tmp, path)?;
    Ok(())
}
