//! Images and stacks (B9, B10 of the performance notes) in the real viewer, headless:
//! stepping through a frame-chunked stack (gzip and bitshuffle-LZ4) against h5py reading one
//! frame, a pixel trace through the stack, the frame after a colormap change, and the first
//! display of a large image against h5py reading the same overview and the whole image.
//! Reads only.

use std::path::Path;
use std::time::{Duration, Instant};

use egui_kittest::kittest::Queryable as _;

use crate::data::{self, Codec, Sizes};
use crate::lines;
use crate::peers::H5py;
use crate::report::{Figure, Row, Section};
use crate::stats::quantile;
use crate::viewer::{self, Viewer};

/// A user stepping by hand: the time between two clicks.
const PACE: Duration = Duration::from_millis(60);
const SIZE: [f32; 2] = [1600.0, 1000.0];

pub fn stacks(sizes: &Sizes, h5py: Option<&H5py>) -> anyhow::Result<Section> {
    let (frames, side) = (sizes.frames, sizes.side);
    let mut sec = Section::new(
        "Stack stepping (B9)",
        format!(
            "{frames} × {side} × {side} uint16, one chunk per frame. A step is from the click on \
             \"next\" until the new frame is coloured and on screen (UI passes included, GPU \
             upload excluded), median of {} steps from the first frame; h5py reads \
             `stack[k]` into memory, the same frames.",
            sizes.steps
        ),
    );
    let variants = [
        (
            "gzip 1",
            Codec::Gzip {
                level: 1,
                shuffle: false,
            },
            "gzip",
        ),
        (
            "bitshuffle-LZ4",
            Codec::Filter(32008, &[0, 0, 2, 0, 2]),
            "bslz4",
        ),
    ];
    for (name, codec, tag) in variants {
        let path = data::stack(frames, side, codec, tag)?;
        data::warm(&path)?;
        // The viewer opens at frame 0 and steps to frames 1..=steps.
        let peer = h5py
            .map(|p| {
                let expr = format!("[f['stack'][k] for k in range(1, {})]", sizes.steps + 1);
                p.time(&path, &expr, 2)
            })
            .transpose()?
            .map(|t| Figure::Time(t.seconds / sizes.steps as f64));
        for (how, pace) in [
            ("stepping by hand (a click every 60 ms)", Some(PACE)),
            ("holding \"next\"", None),
        ] {
            let ms = frame_steps(&path, sizes.steps, pace)?;
            let med = quantile(&ms, 0.5);
            sec.rows.push(
                Row::new(format!("{name}: {how}"), Figure::Time(med / 1e3))
                    .against("h5py one frame `stack[k]`", peer)
                    .target("≤ 33 ms (30 frames/s)", med <= 33.0),
            );
        }
        if tag == "gzip" {
            sec.rows.push(lines::trace(&path, frames, side, h5py)?);
        }
    }
    if h5py.is_none() {
        sec.notes
            .push("h5py was not found: no peer figures.".into());
    }
    Ok(sec)
}

pub fn large(sizes: &Sizes, h5py: Option<&H5py>) -> anyhow::Result<Section> {
    let side = sizes.large_image;
    let mut sec = Section::new(
        "Images: colormap change and a large image (B10)",
        format!(
            "A {m} × {m} float32 image fitted to the window: the frame after a click on \
             \"invert\", every tile on screen coloured again (median of 10). A {side} × {side} \
             float32 image ({:.0} MB, 512 × 512 gzip-1 chunks): from starting the viewer until \
             the whole image is on screen at the screen's level of detail, against h5py reading \
             the same strided overview and the whole image.",
            (side * side * 4) as f64 / 1e6,
            m = sizes.medium_image
        ),
    );
    let medium = data::image(sizes.medium_image)?;
    let ms = restyle_frames(&medium)?;
    let med = quantile(&ms, 0.5);
    sec.rows.push(
        Row::new("colormap change, the next frame", Figure::Time(med / 1e3))
            .target("≤ 16 ms", med <= 16.0),
    );
    let large = data::image(side)?;
    data::warm(&large)?;
    let base = crate::client::reset_peak();
    let t = Instant::now();
    let mut h = viewer::open(format!("{}::/image", large.display()), SIZE);
    viewer::until_shown(&mut h, Duration::from_secs(600))?;
    let first = t.elapsed().as_secs_f64();
    // Before the viewer (and its readers) go: what showing the image cost in memory.
    let memory = crate::client::peak_mb("self") - base + crate::client::readers_peak_mb();
    drop(h);
    let step = side.div_ceil(1024).next_power_of_two();
    let same = h5py
        .map(|p| p.time(&large, &format!("f['image'][::{step}, ::{step}]"), 1))
        .transpose()?;
    let whole = h5py
        .map(|p| p.time(&large, "f['image'][:]", 1))
        .transpose()?;
    sec.rows.push(
        Row::new("large image, first display", Figure::Time(first)).against(
            format!("h5py same overview `[::{step}, ::{step}]`"),
            same.map(|p| Figure::Time(p.seconds)),
        ),
    );
    sec.rows.push(
        Row::new("large image, first display", Figure::Time(first)).against(
            "h5py whole image `[:]`",
            whole.as_ref().map(|p| Figure::Time(p.seconds)),
        ),
    );
    sec.rows.push(
        Row::new(
            "large image, viewer growth + largest reader peak",
            Figure::Memory(memory),
        )
        .against(
            "h5py whole image (growth at peak)",
            whole.map(|p| Figure::Memory(p.grew_mb)),
        ),
    );
    Ok(sec)
}

/// Milliseconds from each click on "next" until the new frame is on screen; with `pace`,
/// the viewer runs idle that long between clicks (as for a user stepping by hand).
fn frame_steps(stack: &Path, steps: usize, pace: Option<Duration>) -> anyhow::Result<Vec<f64>> {
    let mut h = viewer::open(format!("{}::/stack", stack.display()), SIZE);
    viewer::until_shown(&mut h, Duration::from_secs(60))?;
    let mut times = Vec::with_capacity(steps);
    for _ in 0..steps {
        if let Some(p) = pace {
            let idle = Instant::now() + p;
            while Instant::now() < idle {
                h.step();
                std::thread::sleep(Duration::from_millis(5));
            }
        }
        h.get_by_label("next index of axis 0").click();
        let t = Instant::now();
        h.step();
        viewer::until_shown(&mut h, Duration::from_secs(30))?;
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    Ok(times)
}

/// Milliseconds of the frame after each click on "invert", the image fitted to the window.
fn restyle_frames(image: &Path) -> anyhow::Result<Vec<f64>> {
    let mut h: Viewer = viewer::open(format!("{}::/image", image.display()), SIZE);
    viewer::until_shown(&mut h, Duration::from_secs(120))?;
    for _ in 0..5 {
        h.step();
    }
    let mut times = Vec::new();
    for _ in 0..10 {
        h.get_by_label("invert").click();
        times.push(viewer::frame_ms(&mut h));
        h.step();
    }
    Ok(times)
}
