//! The decode benchmark (`cargo bench --bench filters`): reads a 4096 x 4096 uint16 image
//! (32 MiB, 512 KiB chunks) compressed with each filter, through hdfscope's parallel chunk
//! path on all cores and on one, through libhdf5's own pipeline (one thread, as h5py reads),
//! and with h5py + hdf5plugin side by side when the venv has them.
//!
//! Prints decoded MB/s and ratios (parallel / libhdf5, parallel / h5py); asserts nothing.
//! Data is generated once, deterministically, under the target directory. The path is chosen
//! per run with `HDFSCOPE_DECODE_THREADS` (0 = libhdf5 only), read by the reader each read.
#![allow(
    unsafe_code,
    reason = "setting the decode-threads variable between runs"
)]

#[path = "common/peers.rs"]
mod peers;
#[path = "common/waveform.rs"]
#[allow(dead_code, reason = "only the benchmark data directory is shared")]
mod waveform;

use std::path::Path;
use std::time::Instant;

use hdfscope::model::{Patch, Plane};
use hdfscope::reader::{H5File, prepare_library};

use self::peers::{find_h5py, h5py_seconds, warm};
use self::waveform::data_dir;

const SIDE: usize = 4096;
const CHUNK: (usize, usize) = (128, 2048);

/// A filter id and its parameters; `None` for libhdf5's gzip 1 + shuffle.
type Filter = Option<(i32, &'static [u32])>;

/// The datasets, by name.
const CODECS: [(&str, Filter); 5] = [
    ("gzip1_shuffle", None),
    ("lz4", Some((32004, &[0]))),
    ("bitshuffle_lz4", Some((32008, &[0, 0, 2, 0, 2]))),
    ("bitshuffle_zstd", Some((32008, &[0, 0, 2, 0, 3, 1]))),
    ("zstd", Some((32015, &[1]))),
];

fn write(path: &Path) -> anyhow::Result<()> {
    // A detector-like image: smooth signal, Poisson-ish noise, counts well below 2^16.
    let data = ndarray::Array2::from_shape_fn((SIDE, SIDE), |(i, j)| {
        let (x, y) = (i as f64 / 300.0, j as f64 / 170.0);
        let noise = ((i * 7919 + j * 104_729) % 97) as f64 / 10.0;
        (1000.0 + 400.0 * (x.sin() * y.cos()) + noise) as u16
    });
    let tmp = path.with_extension("partial");
    {
        let file = hdf5::File::create(&tmp)?;
        for (name, filter) in CODECS {
            let builder = file.new_dataset_builder().with_data(&data).chunk(CHUNK);
            match filter {
                Some((id, params)) => builder.add_filter(id, params).create(name)?,
                None => builder.shuffle().deflate(1).create(name)?,
            };
        }
    }
    std::fs::rename(tmp, path)?;
    Ok(())
}

fn read_seconds(file: &H5File, name: &str, threads: usize) -> anyhow::Result<f64> {
    // SAFETY: the benchmark is single-threaded when it sets the variable.
    unsafe { std::env::set_var("HDFSCOPE_DECODE_THREADS", threads.to_string()) };
    let patch = Patch::whole(SIDE as u64, SIDE as u64, 1);
    let mut best = f64::MAX;
    for _ in 0..3 {
        let t = Instant::now();
        let v = file.read_plane(
            &format!("/{name}"),
            &Plane::last_two(2),
            &patch,
            1 << 30,
            false,
        )?;
        best = best.min(t.elapsed().as_secs_f64());
        anyhow::ensure!(v.len() == SIDE * SIDE, "short read of {name}");
    }
    Ok(best)
}

fn main() -> anyhow::Result<()> {
    prepare_library()?;
    let dir = data_dir();
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("codecs-4096x4096-u16.h5");
    if !path.exists() {
        eprintln!("writing {} (once) ...", path.display());
        write(&path)?;
    }
    warm(&path)?;
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let python = find_h5py();
    println!("hdfscope decode benchmark: {cores} cores, 32 MiB uint16 per codec, MB/s decoded");
    println!("(read into f64 for the viewer; h5py reads the native uint16, a smaller output)");
    if python.is_none() {
        println!("h5py: not found (no peer column; ratios against libhdf5 only)");
    }
    println!(
        "| codec | parallel ({cores}) | 1 thread | libhdf5 | parallel/libhdf5 | h5py+hdf5plugin | parallel/h5py |"
    );
    println!("|---|---|---|---|---|---|---|");
    let file = H5File::open(&path)?;
    let mb = (SIDE * SIDE * 2) as f64 / 1e6;
    for (name, _) in CODECS {
        let parallel = read_seconds(&file, name, cores)?;
        let single = read_seconds(&file, name, 1)?;
        let libhdf5 = read_seconds(&file, name, 0)?;
        let peer = match &python {
            Some((py, _)) => h5py_seconds(py, &path, &format!("f['/{name}'][()]")).ok(),
            None => None,
        };
        let (peer_rate, vs_peer) = peer.map_or(("—".to_owned(), "—".to_owned()), |p| {
            (format!("{:.0}", mb / p), format!("{:.2}", p / parallel))
        });
        println!(
            "| {name} | {:.0} | {:.0} | {:.0} | {:.2} | {peer_rate} | {vs_peer} |",
            mb / parallel,
            mb / single,
            mb / libhdf5,
            libhdf5 / parallel
        );
    }
    Ok(())
}
