//! The benchmarks' generated image data: a 200-frame 1024 x 1024 uint16 stack (one gzip-1
//! chunk per frame, like a detector's), written a frame at a time. Shared by the loader and image benchmarks.

use std::path::Path;

pub const FRAMES: usize = 200;
pub const SIDE: usize = 1024;

/// Writes `/stack`: frames of a moving spot over a ramp, one gzip-1 chunk per frame.
pub fn write_stack(path: &Path) -> anyhow::Result<()> {
    let tmp = path.with_extension("partial");
    let f = hdf5::File::create(&tmp)?;
    let ds = f
        .new_dataset::<u16>()
        .shape((FRAMES, SIDE, SIDE))
        .chunk((1, SIDE, SIDE))
        .deflate(1)
        .create("stack")?;
    for k in 0..FRAMES {
        let frame = ndarray::Array3::from_shape_fn((1, SIDE, SIDE), |(_, y, x)| {
            let (cx, cy) = (200.0 + 3.0 * k as f64, 512.0);
            let r2 = (x as f64 - cx).powi(2) + (y as f64 - cy).powi(2);
            (1000.0 + 30.0 * (x as f64 / 64.0) + 40_000.0 * (-r2 / 800.0).exp()) as u16
        });
        ds.write_slice(&frame, (k..k + 1, .., ..))?;
    }
    drop((ds, f));
    std::fs::rename(tmp, path)?;
    Ok(())
}
