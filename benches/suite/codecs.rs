//! Decoding per codec, in this process through hdfscope's reader (no loader): a uint16
//! detector-like image compressed with each filter, read whole as the image view reads a
//! plane, through the parallel chunk path on all cores, on one, and through libhdf5's own
//! pipeline, beside h5py + hdf5plugin reading the same datasets. Reads only.
#![allow(
    unsafe_code,
    reason = "setting the decode-threads variable between runs"
)]

use std::time::Instant;

use hdfscope::model::{Patch, Plane};
use hdfscope::reader::H5File;

use crate::data::{self, Sizes};
use crate::peers::H5py;
use crate::report::{Figure, Row, Section};
use crate::stats::best_of;

/// A filter id and its parameters; `None` for libhdf5's gzip 1 + shuffle.
type Filter = Option<(i32, &'static [u32])>;

const CODECS: [(&str, Filter); 5] = [
    ("gzip1_shuffle", None),
    ("lz4", Some((32004, &[0]))),
    ("bitshuffle_lz4", Some((32008, &[0, 0, 2, 0, 2]))),
    ("bitshuffle_zstd", Some((32008, &[0, 0, 2, 0, 3, 1]))),
    ("zstd", Some((32015, &[1]))),
];

unsafe extern "C" {
    fn mallopt(param: std::ffi::c_int, value: std::ffi::c_int) -> std::ffi::c_int;
}

/// Gives this process the allocator settings reader processes start with (see
/// `hdfscope::loader::MMAP_THRESHOLD`), so its reads measure what a reader does.
fn as_a_reader() -> anyhow::Result<()> {
    const M_TRIM_THRESHOLD: std::ffi::c_int = -1;
    const M_MMAP_THRESHOLD: std::ffi::c_int = -3;
    let trim = std::ffi::c_int::try_from(hdfscope::loader::TRIM_THRESHOLD)?;
    let mmap = std::ffi::c_int::try_from(hdfscope::loader::MMAP_THRESHOLD)?;
    // SAFETY: mallopt takes any values; glibc's, which this Linux build links.
    let ok =
        unsafe { mallopt(M_TRIM_THRESHOLD, trim) == 1 && mallopt(M_MMAP_THRESHOLD, mmap) == 1 };
    anyhow::ensure!(ok, "mallopt refused the readers' settings");
    Ok(())
}

pub fn measure(sizes: &Sizes, h5py: Option<&H5py>, cores: usize) -> anyhow::Result<Section> {
    as_a_reader()?;
    let side = sizes.codec_image;
    let chunk = (side / 32, side / 2);
    let path = data::ensure(&format!("codecs-{side}x{side}-u16.h5"), |file| {
        // Smooth signal and noise, counts well below 2^16.
        let image = ndarray::Array2::from_shape_fn((side, side), |(i, j)| {
            let (x, y) = (i as f64 / 300.0, j as f64 / 170.0);
            let noise = ((i * 7919 + j * 104_729) % 97) as f64 / 10.0;
            (1000.0 + 400.0 * (x.sin() * y.cos()) + noise) as u16
        });
        for (name, filter) in CODECS {
            let b = file.new_dataset_builder().with_data(&image).chunk(chunk);
            match filter {
                Some((id, params)) => b.add_filter(id, params).create(name)?,
                None => b.shuffle().deflate(1).create(name)?,
            };
        }
        Ok(())
    })?;
    data::warm(&path)?;
    let mb = (side * side * 2) as f64 / 1e6;
    let mut sec = Section::new(
        "Decoding per codec (image planes)",
        format!(
            "A {side} × {side} uint16 image ({mb:.0} MB, chunks {} × {}) per codec, read whole \
             in this process as the image view reads a plane (decoded, then widened to f64), \
             best of 3, MB/s of decoded uint16. hdfscope's parallel chunk path on {cores} \
             core(s) against its own one-thread path, libhdf5's pipeline, and h5py + hdf5plugin \
             (which returns the native uint16, an eighth of the bytes).",
            chunk.0, chunk.1
        ),
    );
    let file = H5File::open(&path)?;
    for (name, _) in CODECS {
        let rate = |threads: usize| -> anyhow::Result<f64> {
            // SAFETY: the suite sets the variable only here, with no other thread reading it.
            unsafe { std::env::set_var("HDFSCOPE_DECODE_THREADS", threads.to_string()) };
            let patch = Patch::whole(side as u64, side as u64, 1);
            let seconds = best_of(3, || {
                let t = Instant::now();
                let v = file.read_plane(
                    &format!("/{name}"),
                    &Plane::last_two(2),
                    &patch,
                    1 << 30,
                    false,
                )?;
                anyhow::ensure!(v.len() == side * side, "short read of {name}");
                Ok(t.elapsed().as_secs_f64())
            })?;
            Ok(mb / seconds)
        };
        let (parallel, single, libhdf5) = (rate(cores)?, rate(1)?, rate(0)?);
        let peer = h5py
            .map(|p| p.time(&path, &format!("f['/{name}'][()]"), 3))
            .transpose()?
            .map(|t| Figure::Rate(mb / t.seconds));
        sec.rows.push(
            Row::new(format!("{name}: parallel"), Figure::Rate(parallel))
                .against("h5py + hdf5plugin", peer),
        );
        sec.rows.push(
            Row::new(format!("{name}: parallel"), Figure::Rate(parallel))
                .against("hdfscope, 1 thread", Some(Figure::Rate(single))),
        );
        sec.rows.push(
            Row::new(format!("{name}: 1 thread"), Figure::Rate(single))
                .against("libhdf5's pipeline", Some(Figure::Rate(libhdf5))),
        );
    }
    // SAFETY: as above; later sections read with the default thread count again.
    unsafe { std::env::remove_var("HDFSCOPE_DECODE_THREADS") };
    if h5py.is_none() {
        sec.notes
            .push("h5py was not found: no peer figures.".into());
    }
    Ok(sec)
}
