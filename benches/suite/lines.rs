//! Lines through the loader (B1, B5, B8 of the performance notes): the min/max pyramid of a
//! waveform streamed by the reader processes, timed to the first drawable overview and to
//! the complete pyramid, with both sides' peak memory; the same for every layout and codec
//! of the matrix, against h5py's full read and the calibrated single-core decode rate; and
//! a pixel trace through a stack. Reads only; asserts nothing but that answers are whole.

use std::path::Path;
use std::time::Instant;

use hdfscope::loader::{LineSource, Outcome, Request, Response};
use hdfscope::model::{Component, Line};

use crate::calibrate::Calibration;
use crate::client::{Client, peak_mb, readers_peak_mb, reset_peak};
use crate::data::{self, Codec, MATRIX, Sizes, WAVE_CHUNK};
use crate::peers::H5py;
use crate::report::{Figure, Row, Section};

/// One overview through the loader.
struct Run {
    /// Until the plot can draw the whole range (provisional).
    first: f64,
    complete: f64,
    /// What the viewer side's peak added to its resident size, and the largest reader's peak.
    viewer_mb: f64,
    readers_mb: f64,
}

fn source(path: &str, len: usize, chunk: Option<usize>) -> LineSource {
    LineSource {
        file: 1,
        path: path.into(),
        line: Line::whole_1d(),
        len: len as u64,
        chunk: chunk.map(|c| c as u64),
        outside: false,
        calibration: None,
    }
}

fn overview(file: &Path, source: &LineSource, workers: usize) -> anyhow::Result<Run> {
    let base = reset_peak();
    let mut l = Client::spawn(workers)?;
    l.open(1, file)?;
    let t = Instant::now();
    l.send(Request::Overview {
        req: 1,
        view: "bench".into(),
        source: source.clone(),
    });
    let mut first = None;
    loop {
        match l.next()? {
            Response::Progress { lod, .. } => {
                // "Drawn" means the plot's query gives points for the whole range.
                let drawable = lod
                    .read()
                    .ok()
                    .and_then(|l| l.envelope(0.0, source.len as f64, 1920))
                    .is_some_and(|s| !s.is_empty());
                if first.is_none() && drawable {
                    first = Some(t.elapsed().as_secs_f64());
                }
            }
            Response::Data {
                outcome: Outcome::Overview(_),
                ..
            } => break,
            other => anyhow::bail!("overview of {} failed: {other:?}", source.path),
        }
    }
    let complete = t.elapsed().as_secs_f64();
    Ok(Run {
        first: first.unwrap_or(complete),
        complete,
        viewer_mb: peak_mb("self") - base,
        readers_mb: readers_peak_mb(),
    })
}

/// B1 and B8: the waveform plotted, and memory against its size.
pub fn waveform(
    sizes: &Sizes,
    cal: &Calibration,
    h5py: Option<&H5py>,
    cores: usize,
) -> anyhow::Result<Section> {
    let n = sizes.waveform;
    let path = data::waveform(n)?;
    let mb = n as f64 * 4.0 / 1e6;
    let mut sec = Section::new(
        "Waveform: first plot and complete pyramid (B1)",
        format!(
            "{n} float32 samples ({mb:.0} MB), chunks of {WAVE_CHUNK} samples, shuffle + gzip 1 \
             ({:.0} MB on disk), with a float64 time dimension scale. Through the loader and its \
             reader processes (started each time, included), warm page cache. The calibration is \
             the data's own chunks inflated on one core, times the data workers.",
            std::fs::metadata(&path)?.len() as f64 / 1e6
        ),
    );
    data::warm(&path)?;
    let peer = h5py
        .map(|p| p.time(&path, "f['signal'][:]", 2))
        .transpose()?;
    let src = source("/signal", n, Some(WAVE_CHUNK));
    for workers in [1, cores.clamp(1, 4)] {
        let r = overview(&path, &src, workers)?;
        // A viewer built on h5py has to read the whole line before it can draw it.
        sec.rows.push(
            Row::new(
                format!("first drawn overview, {workers} data worker(s)"),
                Figure::Time(r.first),
            )
            .against(
                "h5py `f['signal'][:]`",
                peer.as_ref().map(|p| Figure::Time(p.seconds)),
            )
            .target("≤ 300 ms", r.first <= 0.3),
        );
        sec.rows.push(
            Row::new(
                format!("complete pyramid, {workers} data worker(s)"),
                Figure::Time(r.complete),
            )
            .against(
                "h5py `f['signal'][:]`",
                peer.as_ref().map(|p| Figure::Time(p.seconds)),
            )
            .target(
                "no slower than h5py's full read",
                peer.as_ref().is_none_or(|p| r.complete <= p.seconds),
            ),
        );
        let rate = mb / r.complete;
        sec.rows.push(
            Row::new(
                format!("pyramid rate, {workers} data worker(s)"),
                Figure::Rate(rate),
            )
            .against(
                format!("{workers} × 1-core inflate (calibration)"),
                cal.inflate.map(|r| Figure::Rate(r * workers as f64)),
            )
            .target(
                "≥ 0.85 of the calibration",
                cal.inflate
                    .is_none_or(|c| rate >= 0.85 * c * workers as f64),
            ),
        );
        if workers == 1 || cores == 1 {
            // Memory is the same story with either count; one row pair is enough.
            sec.rows.push(
                Row::new(
                    "memory growth at peak, viewer side",
                    Figure::Memory(r.viewer_mb),
                )
                .against(
                    "h5py full read (growth at peak)",
                    peer.as_ref().map(|p| Figure::Memory(p.grew_mb)),
                ),
            );
            sec.rows.push(Row::new(
                "peak memory, largest reader process",
                Figure::Memory(r.readers_mb),
            ));
        }
        if cores == 1 {
            break;
        }
    }
    if h5py.is_none() {
        sec.notes
            .push("h5py was not found: no peer figures (calibration only).".into());
    }
    Ok(sec)
}

/// The pyramid's size against its line's: 16 bytes per 256 float32 samples at the base,
/// twice that with every level above it.
const PYRAMID_SHARE: f64 = 2.0 * 16.0 / (256.0 * 4.0);

/// B8: memory against dataset size, the waveform at a tenth and at full size.
pub fn memory(sizes: &Sizes, h5py: Option<&H5py>) -> anyhow::Result<Section> {
    let mut sec = Section::new(
        "Memory against dataset size (B8)",
        "Memory while the complete pyramid of the waveform is built, for a tenth of it and all \
         of it: what the viewer side's peak added to its resident size (this process, peak reset \
         first) plus the largest reader process's peak; for h5py, what a full read added to the \
         interpreter's (the whole dataset).",
    );
    for n in [sizes.waveform / 10, sizes.waveform] {
        let path = data::waveform(n)?;
        data::warm(&path)?;
        let mb = n as f64 * 4.0 / 1e6;
        let r = overview(&path, &source("/signal", n, Some(WAVE_CHUNK)), 1)?;
        let peer = h5py
            .map(|p| p.time(&path, "f['signal'][:]", 1))
            .transpose()?;
        let total = r.viewer_mb + r.readers_mb;
        sec.rows.push(
            Row::new(
                format!("{mb:.0} MB waveform: viewer growth + reader peak"),
                Figure::Memory(total),
            )
            .against(
                "h5py full read (growth at peak)",
                peer.map(|p| Figure::Memory(p.grew_mb)),
            )
            .target(
                "≤ pyramid + 256 MB cache + 100 MB",
                total <= PYRAMID_SHARE * mb + 356.0,
            ),
        );
    }
    Ok(sec)
}

/// B5: every layout and codec of the matrix through the loader's pyramid builder.
pub fn matrix(
    sizes: &Sizes,
    cal: &Calibration,
    h5py: Option<&H5py>,
    cores: usize,
) -> anyhow::Result<Section> {
    let n = sizes.matrix;
    let path = data::matrix(n)?;
    data::warm(&path)?;
    let mb = n as f64 * 4.0 / 1e6;
    let workers = cores.clamp(1, 4);
    let mut sec = Section::new(
        "Loader throughput per layout and codec (B5)",
        format!(
            "{n} float32 samples ({mb:.0} MB) per dataset, one file, warm page cache. hdfscope: \
             the complete min/max pyramid through the loader with {workers} data workers (reader \
             processes started each time, included); h5py: `ds[:]` into memory. Each row's \
             second line compares with the machine: page-cache memcpy for uncompressed data, \
             the single-core decode rate of the same chunk bytes times {workers} for inflate \
             and LZ4."
        ),
    );
    for layout in &MATRIX {
        let name = layout.dataset;
        let r = overview(
            &path,
            &source(&format!("/{name}"), n, layout.chunk),
            workers,
        )?;
        let rate = mb / r.complete;
        let peer = h5py
            .map(|p| p.time(&path, &format!("f['{name}'][:]"), 2))
            .transpose()?;
        sec.rows.push(
            Row::new(format!("{}: pyramid", layout.name), Figure::Rate(rate))
                .against("h5py `ds[:]`", peer.map(|p| Figure::Rate(mb / p.seconds))),
        );
        let anchor = match layout.codec {
            Codec::None => cal.memcpy.map(|m| ("page-cache memcpy", Figure::Rate(m))),
            Codec::Gzip { .. } => cal
                .inflate
                .map(|r| ("1-core inflate × workers", Figure::Rate(r * workers as f64))),
            Codec::Filter(data::LZ4, _) => cal
                .lz4
                .map(|r| ("1-core LZ4 × workers", Figure::Rate(r * workers as f64))),
            Codec::Filter(..) => None,
        };
        if let Some((what, figure)) = anchor {
            sec.rows.push(
                Row::new(
                    format!("{}: against the machine", layout.name),
                    Figure::Rate(rate),
                )
                .against(what, Some(figure)),
            );
        }
    }
    if h5py.is_none() {
        sec.notes
            .push("h5py was not found: no peer figures.".into());
    }
    Ok(sec)
}

/// A pixel trace through every frame of a stack (each frame decoded), against h5py's.
pub fn trace(path: &Path, frames: usize, side: usize, h5py: Option<&H5py>) -> anyhow::Result<Row> {
    let src = LineSource {
        file: 1,
        path: "/stack".into(),
        line: Line {
            axis: 0,
            at: vec![0, side as u64 / 2, side as u64 / 2],
            component: Component::Value,
        },
        len: frames as u64,
        chunk: Some(1),
        outside: false,
        calibration: None,
    };
    let mut l = Client::spawn(1)?;
    l.open(1, path)?;
    let t = Instant::now();
    l.send(Request::Samples {
        req: 1,
        view: "bench".into(),
        source: src.clone(),
        start: 0,
        count: src.len,
    });
    let ours = match l.next()? {
        Response::Data {
            outcome: Outcome::Samples { values, .. },
            ..
        } if values.len() == frames => t.elapsed().as_secs_f64(),
        other => anyhow::bail!("the trace failed: {other:?}"),
    };
    let mid = side / 2;
    let peer = h5py
        .map(|p| p.time(path, &format!("f['stack'][:, {mid}, {mid}]"), 2))
        .transpose()?;
    Ok(Row::new(
        "pixel trace through all frames (decodes every frame)",
        Figure::Time(ours),
    )
    .against(
        "h5py `stack[:, y, x]`",
        peer.map(|p| Figure::Time(p.seconds)),
    ))
}
