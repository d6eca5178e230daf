//! The suite's data, generated deterministically by the suite itself and kept under the
//! target directory between runs (a file is written once, to a temporary name renamed into
//! place, so an interrupted run never leaves half a file). Sizes come from the mode: the
//! full run's are the performance notes'; `--quick` shrinks every one. Writes only there.
#![allow(
    unsafe_code,
    reason = "libhdf5's dimension-scale calls, which hdf5-metno lacks"
)]

use std::path::{Path, PathBuf};

/// Every size the suite uses, for one mode.
#[derive(Clone, Copy, Debug)]
pub struct Sizes {
    pub waveform: usize,
    /// The plot benchmark's small control waveform.
    pub small_waveform: usize,
    /// Samples of each dataset in the layout/codec matrix.
    pub matrix: usize,
    pub frames: usize,
    pub side: usize,
    pub flat: usize,
    pub nested: (usize, usize),
    pub large_image: usize,
    pub medium_image: usize,
    pub codec_image: usize,
    /// Rounds of the plot gesture script, and frames stepped in a stack.
    pub rounds: usize,
    pub steps: usize,
}

impl Sizes {
    pub const FULL: Sizes = Sizes {
        waveform: 200_000_000,
        small_waveform: 10_000,
        matrix: 25_000_000,
        frames: 200,
        side: 1024,
        flat: 100_000,
        nested: (200, 1_000),
        large_image: 20_000,
        medium_image: 4096,
        codec_image: 4096,
        rounds: 3,
        steps: 40,
    };
    pub const QUICK: Sizes = Sizes {
        waveform: 2_000_000,
        small_waveform: 10_000,
        matrix: 500_000,
        frames: 12,
        side: 256,
        flat: 2_000,
        nested: (20, 100),
        large_image: 2048,
        medium_image: 1024,
        codec_image: 512,
        rounds: 1,
        steps: 5,
    };
}

/// Where generated data is kept between runs: under the Cargo target directory.
pub fn dir() -> anyhow::Result<PathBuf> {
    let d = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"))
        .join("bench-data");
    std::fs::create_dir_all(&d)?;
    Ok(d)
}

/// `dir()/name`, written by `write` (into a temporary name, then renamed) unless present.
pub fn ensure(
    name: &str,
    write: impl FnOnce(&hdf5::File) -> anyhow::Result<()>,
) -> anyhow::Result<PathBuf> {
    let path = dir()?.join(name);
    if !path.exists() {
        eprintln!("writing {} (once) ...", path.display());
        let tmp = path.with_extension("partial");
        let f = hdf5::File::with_options()
            .with_fapl(|p| p.libver_latest())
            .create(&tmp)?;
        write(&f)?;
        drop(f);
        std::fs::rename(tmp, &path)?;
    }
    Ok(path)
}

/// Reads a file once so every side starts from the page cache.
pub fn warm(path: &Path) -> anyhow::Result<()> {
    let mut f = std::fs::File::open(path)?;
    std::io::copy(&mut f, &mut std::io::sink())?;
    Ok(())
}

/// How a 1-D float32 dataset is stored: its chunk (samples; `None`: contiguous) and filters.
#[derive(Clone, Copy, Debug)]
pub struct Layout {
    /// The dataset's name in the matrix file.
    pub dataset: &'static str,
    /// As the report says it.
    pub name: &'static str,
    pub chunk: Option<usize>,
    pub codec: Codec,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Codec {
    None,
    Gzip {
        level: u8,
        shuffle: bool,
    },
    /// A registered filter id and its parameters (LZ4 32004, bitshuffle 32008, Zstd 32015).
    Filter(i32, &'static [u32]),
}

pub const LZ4: i32 = 32004;

/// The loader's layout and codec matrix (B5 of the performance notes).
pub const MATRIX: [Layout; 8] = [
    Layout::new("contiguous", "contiguous", None, Codec::None),
    Layout::new("chunks_1m", "chunks 1 MiB", Some(1 << 18), Codec::None),
    Layout::new("chunks_64k", "chunks 64 KiB", Some(1 << 14), Codec::None),
    Layout::new("chunks_4k", "chunks 4 KiB", Some(1 << 10), Codec::None),
    Layout::new(
        "gzip1_shuffle",
        "gzip 1 + shuffle, 1 MiB",
        Some(1 << 18),
        Codec::Gzip {
            level: 1,
            shuffle: true,
        },
    ),
    Layout::new("lz4", "LZ4, 1 MiB", Some(1 << 18), Codec::Filter(LZ4, &[0])),
    Layout::new(
        "bitshuffle_lz4",
        "bitshuffle-LZ4, 1 MiB",
        Some(1 << 18),
        Codec::Filter(32008, &[0, 0, 4, 0, 2]),
    ),
    Layout::new(
        "zstd",
        "zstd, 1 MiB",
        Some(1 << 18),
        Codec::Filter(32015, &[1]),
    ),
];

impl Layout {
    const fn new(
        dataset: &'static str,
        name: &'static str,
        chunk: Option<usize>,
        codec: Codec,
    ) -> Self {
        Layout {
            dataset,
            name,
            chunk,
            codec,
        }
    }
}

/// The waveform's samples `start..end`: two sines and noise in whole counts of a 16-bit
/// digitiser scaled to volts (as instruments write them, so codecs see realistic data), and
/// one spike at `n / 3`.
fn samples(start: usize, end: usize, n: usize) -> Vec<f32> {
    const VOLTS_PER_COUNT: f64 = 1.0 / 2000.0;
    (start..end)
        .map(|i| {
            // A hash of the index, not a running generator: any block can be made alone.
            let mut h = (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
            h ^= h >> 29;
            let t = i as f64 * 1e-6;
            let v = (t * 50.0 * std::f64::consts::TAU).sin()
                + 0.3 * (t * 1234.0 * std::f64::consts::TAU).sin()
                + ((h >> 40) as f64 / (1u64 << 24) as f64 - 0.5) * 0.01;
            if i == n / 3 {
                25.0
            } else {
                ((v / VOLTS_PER_COUNT).round() * VOLTS_PER_COUNT) as f32
            }
        })
        .collect()
}

fn float_dataset<T: hdf5::H5Type>(
    f: &hdf5::File,
    name: &str,
    n: usize,
    layout: &Layout,
) -> anyhow::Result<hdf5::Dataset> {
    let mut b = f.new_dataset::<T>().shape(n);
    if let Some(c) = layout.chunk {
        b = b.chunk(c.min(n));
    }
    b = match layout.codec {
        Codec::None => b,
        Codec::Gzip { level, shuffle } => {
            let b = if shuffle { b.shuffle() } else { b };
            b.deflate(level)
        }
        Codec::Filter(id, params) => b.add_filter(id, params),
    };
    Ok(b.create(name)?)
}

/// Writes samples of `n` into `ds` a block at a time, never all in memory.
fn fill_waveform(ds: &hdf5::Dataset, n: usize) -> anyhow::Result<()> {
    const BLOCK: usize = 1 << 22;
    for start in (0..n).step_by(BLOCK) {
        let end = (start + BLOCK).min(n);
        ds.write_slice(&samples(start, end, n), start..end)?;
    }
    Ok(())
}

unsafe extern "C" {
    fn H5DSset_scale(dsid: i64, dimname: *const std::ffi::c_char) -> i32;
    fn H5DSattach_scale(did: i64, dsid: i64, idx: u32) -> i32;
}

/// Samples per chunk of the waveform (and of its time scale).
pub const WAVE_CHUNK: usize = 65_536;

/// `/signal` (float32, shuffle + gzip 1, chunks of 65 536) with `/time` (float64 seconds)
/// attached as its dimension scale: the waveform a user plots.
pub fn waveform(n: usize) -> anyhow::Result<PathBuf> {
    ensure(&format!("waveform-{n}.h5"), |f| {
        let layout = Layout::new(
            "signal",
            "signal",
            Some(WAVE_CHUNK),
            Codec::Gzip {
                level: 1,
                shuffle: true,
            },
        );
        let signal = float_dataset::<f32>(f, "signal", n, &layout)?;
        fill_waveform(&signal, n)?;
        let time = float_dataset::<f64>(f, "time", n, &layout)?;
        for start in (0..n).step_by(1 << 22) {
            let end = (start + (1 << 22)).min(n);
            let t: Vec<f64> = (start..end).map(|i| i as f64 * 1e-6).collect();
            time.write_slice(&t, start..end)?;
        }
        let name = std::ffi::CString::new("time")?;
        // SAFETY: both ids are open datasets of this file; the name is NUL-terminated.
        let rc = hdf5::sync::sync(|| unsafe {
            H5DSset_scale(time.id(), name.as_ptr()).min(H5DSattach_scale(signal.id(), time.id(), 0))
        });
        anyhow::ensure!(rc >= 0, "attaching the time scale failed");
        Ok(())
    })
}

/// One float32 dataset of `n` samples per layout of `MATRIX`, named by `Layout::dataset`.
pub fn matrix(n: usize) -> anyhow::Result<PathBuf> {
    ensure(&format!("matrix-{n}.h5"), |f| {
        for layout in &MATRIX {
            let ds = float_dataset::<f32>(f, layout.dataset, n, layout)?;
            fill_waveform(&ds, n)?;
        }
        Ok(())
    })
}

/// A `frames` x `side` x `side` uint16 stack, one chunk per frame (as detectors write),
/// compressed with `codec`: a moving spot over a ramp.
pub fn stack(frames: usize, side: usize, codec: Codec, tag: &str) -> anyhow::Result<PathBuf> {
    ensure(&format!("stack-{tag}-{frames}x{side}x{side}.h5"), |f| {
        let b = f
            .new_dataset::<u16>()
            .shape((frames, side, side))
            .chunk((1, side, side));
        let ds = match codec {
            Codec::Gzip { level, .. } => b.deflate(level),
            Codec::Filter(id, params) => b.add_filter(id, params),
            Codec::None => b,
        }
        .create("stack")?;
        let scale = side as f64 / 1024.0;
        for k in 0..frames {
            let frame = ndarray::Array3::from_shape_fn((1, side, side), |(_, y, x)| {
                let (cx, cy) = ((200.0 + 3.0 * k as f64) * scale, 512.0 * scale);
                let r2 = (x as f64 - cx).powi(2) + (y as f64 - cy).powi(2);
                (1000.0 + 30.0 * (x as f64 / 64.0) + 40_000.0 * (-r2 / 800.0).exp()) as u16
            });
            ds.write_slice(&frame, (k..k + 1, .., ..))?;
        }
        Ok(())
    })
}

/// `/image`: `side` x `side` float32 (smooth hills and deterministic noise) in 512 x 512
/// gzip-1 chunks, written a band of rows at a time.
pub fn image(side: usize) -> anyhow::Result<PathBuf> {
    const BAND: usize = 512;
    ensure(&format!("image-{side}x{side}.h5"), |f| {
        let ds = f
            .new_dataset::<f32>()
            .shape((side, side))
            .chunk((BAND.min(side), BAND.min(side)))
            .deflate(1)
            .create("image")?;
        for r0 in (0..side).step_by(BAND) {
            let rows = BAND.min(side - r0);
            let band = ndarray::Array2::from_shape_fn((rows, side), |(j, i)| {
                let (x, y) = (i as f64 / side as f64, (r0 + j) as f64 / side as f64);
                let hills = (12.0 * x).sin() * (9.0 * y).cos() * 100.0;
                let noise = ((i * 7919 + (r0 + j) * 104_729) % 1000) as f64 / 100.0;
                (hills + noise) as f32
            });
            ds.write_slice(&band, (r0..r0 + rows, ..))?;
        }
        Ok(())
    })
}

/// `/flat` with `n` empty groups (dense link storage).
pub fn flat(n: usize) -> anyhow::Result<PathBuf> {
    ensure(&format!("tree-flat-{n}.h5"), |f| {
        let g = f.create_group("flat")?;
        for i in 0..n {
            g.create_group(&format!("g{i:06}"))?;
        }
        Ok(())
    })
}

/// `groups` groups of `each` small datasets.
pub fn nested((groups, each): (usize, usize)) -> anyhow::Result<PathBuf> {
    ensure(&format!("tree-nested-{groups}x{each}.h5"), |f| {
        for i in 0..groups {
            let g = f.create_group(&format!("run{i:03}"))?;
            for j in 0..each {
                g.new_dataset::<i32>()
                    .shape(4)
                    .create(format!("d{j:04}").as_str())?;
            }
        }
        Ok(())
    })
}
