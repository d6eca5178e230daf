//! The loader benchmark (`cargo bench --bench loader`): streams a 200-million-sample waveform
//! and a pixel trace through a 200-frame stack through the real reader processes, and
//! compares with h5py reading the same data on the same machine, side by side.
//!
//! Reports time to the first drawn overview, time to the complete pyramid (one data worker
//! and several), the ratio against h5py's full read, and peak memory of the viewer side and
//! of the workers. Data is generated once, deterministically, under the target directory.
//! `HDFSCOPE_BENCH_SAMPLES` shrinks the waveform for a quick run. Prints numbers; asserts
//! nothing (targets are judged from the ratios).

#[path = "common/peers.rs"]
mod peers;
#[path = "../tests/common/procs.rs"]
mod procs;
#[path = "common/stack.rs"]
mod stack;
#[path = "common/waveform.rs"]
mod waveform;

use std::path::Path;
use std::time::{Duration, Instant};

use hdfscope::loader::{LineSource, Loader, LoaderConfig, Outcome, Request, Response, WorkerKind};
use hdfscope::model::{Component, Line};

use self::peers::{find_h5py, h5py_seconds, warm};
use self::stack::{FRAMES, SIDE, write_stack};
use self::waveform::{CHUNK, data_dir, write_waveform};

fn main() -> anyhow::Result<()> {
    let samples: usize = std::env::var("HDFSCOPE_BENCH_SAMPLES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200_000_000);
    let dir = data_dir();
    std::fs::create_dir_all(&dir)?;
    let wave = dir.join(format!("waveform-{samples}.h5"));
    let stack = dir.join("stack-200x1024x1024.h5");
    if !wave.exists() {
        eprintln!("writing {} (once) ...", wave.display());
        write_waveform(&wave, samples)?;
    }
    if !stack.exists() {
        eprintln!("writing {} (once) ...", stack.display());
        write_stack(&stack)?;
    }
    let python = find_h5py();
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    println!("hdfscope loader benchmark: {cores} cores");
    match &python {
        Some((py, version)) => println!("peer: {} ({version})", py.display()),
        None => println!("peer: h5py not found (set HDFSCOPE_BENCH_PYTHON); calibration only"),
    }

    let stored = std::fs::metadata(&wave)?.len();
    println!(
        "\nwaveform: {samples} float32 samples ({} MB), chunks of {CHUNK}, shuffle + gzip 1, \
         {} MB on disk, with a float64 time scale",
        samples * 4 / 1_000_000,
        stored / 1_000_000
    );
    let source = LineSource {
        file: 1,
        path: "/signal".into(),
        line: Line::whole_1d(),
        len: samples as u64,
        chunk: Some(CHUNK as u64),
        outside: false,
        calibration: None,
    };
    // The page cache holds the file either way after the first run; read it once so both
    // sides start warm.
    warm(&wave)?;
    let peer = python
        .as_ref()
        .map(|(py, _)| h5py_seconds(py, &wave, "f['signal'][:]"))
        .transpose()?;
    let mut best = f64::MAX;
    for workers in [1, cores.clamp(1, 4)] {
        let r = overview(&wave, &source, workers)?;
        println!(
            "  {workers} data worker(s): first drawn overview {:.3} s, sketch of the whole \
             range ({} windows spread) {:.3} s, complete pyramid {:.3} s ({:.0} MB/s of \
             samples)",
            r.first,
            r.sketch_windows,
            r.sketch,
            r.complete,
            samples as f64 * 4.0 / r.complete / 1e6
        );
        println!(
            "    peak memory: viewer side {} MB, largest worker {} MB",
            r.viewer_peak_kib / 1024,
            r.worker_peak_kib / 1024
        );
        best = best.min(r.complete);
    }
    if let Some(p) = peer {
        println!(
            "  h5py full read {p:.3} s; ratio h5py time / hdfscope complete pyramid = {:.2} \
             (above 1: hdfscope is faster)",
            p / best
        );
    }

    println!("\nstack: {FRAMES} x {SIDE} x {SIDE} uint16, one gzip-1 chunk per frame");
    let trace = LineSource {
        file: 1,
        path: "/stack".into(),
        line: Line {
            axis: 0,
            at: vec![0, 512, 512],
            component: Component::Value,
        },
        len: FRAMES as u64,
        chunk: Some(1),
        outside: false,
        calibration: None,
    };
    let t = samples_seconds(&stack, &trace)?;
    println!("  pixel trace through all frames (decodes every frame): {t:.3} s");
    if let Some((py, _)) = &python {
        let p = h5py_seconds(py, &stack, "f['stack'][:, 512, 512]")?;
        println!(
            "  h5py same trace {p:.3} s; ratio h5py / hdfscope = {:.2}",
            p / t
        );
    }
    Ok(())
}

struct OverviewRun {
    first: f64,
    sketch: f64,
    sketch_windows: u64,
    complete: f64,
    viewer_peak_kib: u64,
    worker_peak_kib: u64,
}

/// The loader and the answers drained but not looked at yet.
struct Client {
    loader: Loader,
    queue: std::collections::VecDeque<Response>,
}

impl Client {
    fn send(&mut self, r: Request) {
        self.loader.send(r);
    }
}

fn loader(workers: usize) -> anyhow::Result<Client> {
    let mut config = LoaderConfig::new(WorkerKind::Process(env!("CARGO_BIN_EXE_hdfscope").into()));
    config.data_workers = workers;
    Ok(Client {
        loader: Loader::spawn(config, Box::new(|| {}))?,
        queue: Default::default(),
    })
}

fn open(l: &mut Client, path: &Path) -> anyhow::Result<()> {
    l.send(Request::Open {
        file: 1,
        path: path.to_owned(),
    });
    let r = next(l)?;
    match r {
        Response::Opened { result: Ok(_), .. } => Ok(()),
        other => anyhow::bail!("open failed: {other:?}"),
    }
}

fn next(l: &mut Client) -> anyhow::Result<Response> {
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        if l.queue.is_empty() {
            l.queue.extend(l.loader.drain(Duration::from_millis(1)));
        }
        if let Some(r) = l.queue.pop_front() {
            return Ok(r);
        }
        anyhow::ensure!(Instant::now() < deadline, "no answer from the loader");
        std::thread::sleep(Duration::from_micros(200));
    }
}

fn overview(path: &Path, source: &LineSource, workers: usize) -> anyhow::Result<OverviewRun> {
    let mut l = loader(workers)?;
    open(&mut l, path)?;
    let t = Instant::now();
    l.send(Request::Overview {
        req: 1,
        view: "bench".into(),
        source: source.clone(),
    });
    let (mut first, mut sketch) = (None, None);
    let mut sketch_windows = 0;
    loop {
        match next(&mut l)? {
            Response::Progress {
                lod, done, total, ..
            } => {
                sketch_windows = total.min(16);
                // "Drawn" means the plot's query gives points for the whole range.
                let drawable = lod
                    .read()
                    .ok()
                    .and_then(|l| l.envelope(0.0, source.len as f64, 1920))
                    .is_some_and(|s| !s.is_empty());
                if first.is_none() && drawable {
                    first = Some(t.elapsed().as_secs_f64());
                }
                if sketch.is_none() && done >= sketch_windows && drawable {
                    sketch = Some(t.elapsed().as_secs_f64());
                }
            }
            Response::Data {
                outcome: Outcome::Overview(_),
                ..
            } => break,
            other => anyhow::bail!("overview failed: {other:?}"),
        }
    }
    let complete = t.elapsed().as_secs_f64();
    let worker_peak_kib = children_peak_kib();
    Ok(OverviewRun {
        first: first.unwrap_or(complete),
        sketch: sketch.unwrap_or(complete),
        sketch_windows,
        complete,
        viewer_peak_kib: peak_kib("self"),
        worker_peak_kib,
    })
}

fn samples_seconds(path: &Path, source: &LineSource) -> anyhow::Result<f64> {
    let mut l = loader(1)?;
    open(&mut l, path)?;
    let t = Instant::now();
    l.send(Request::Samples {
        req: 1,
        view: "bench".into(),
        source: source.clone(),
        start: 0,
        count: source.len,
    });
    match next(&mut l)? {
        Response::Data {
            outcome: Outcome::Samples { values, .. },
            ..
        } if values.len() as u64 == source.len => Ok(t.elapsed().as_secs_f64()),
        other => anyhow::bail!("samples failed: {other:?}"),
    }
}

/// The peak resident memory (VmHWM) of a process, in KiB.
fn peak_kib(pid: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// The largest peak resident memory among this process's children (the workers).
fn children_peak_kib() -> u64 {
    procs::children()
        .iter()
        .map(|pid| peak_kib(pid))
        .max()
        .unwrap_or(0)
}
