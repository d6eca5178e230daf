//! The plot benchmark (`cargo bench --bench plot`): frame time of the real viewer while
//! zooming and panning across the 200-million-sample waveform, against the same gestures on
//! a 10,000-sample waveform, side by side. Target: the big one within 1.5x of the small one.
//!
//! Drives `HdfscopeApp` headless through egui_kittest with real reader processes; a frame
//! is the UI pass plus tessellation (what the CPU does per frame; GPU upload excluded).
//! `HDFSCOPE_BENCH_SAMPLES` shrinks the big waveform. Prints numbers; asserts nothing.

#[path = "common/waveform.rs"]
mod waveform;

use std::path::Path;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use hdfscope::app::{HdfscopeApp, OpenRequest};
use hdfscope::loader::{LoaderConfig, WorkerKind};

use self::waveform::{data_dir, write_waveform};

/// Window size, in points (ppp 1).
const SIZE: [f32; 2] = [1600.0, 900.0];
/// Rounds of the gesture script per waveform.
const ROUNDS: usize = 3;
/// A point inside the plot.
const PLOT: egui::Pos2 = egui::pos2(700.0, 450.0);

fn main() -> anyhow::Result<()> {
    let big: usize = std::env::var("HDFSCOPE_BENCH_SAMPLES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200_000_000);
    let dir = data_dir();
    std::fs::create_dir_all(&dir)?;
    let paths: Vec<(usize, std::path::PathBuf)> = [10_000, big]
        .into_iter()
        .map(|n| (n, dir.join(format!("waveform-{n}.h5"))))
        .collect();
    for (n, path) in &paths {
        if !path.exists() {
            eprintln!("writing {} (once) ...", path.display());
            write_waveform(path, *n)?;
        }
    }
    // The two side by side in alternating rounds, pooled: a noisy neighbour on the machine
    // then hits both alike instead of one run.
    let mut rows: Vec<(usize, (Vec<f64>, usize))> =
        paths.iter().map(|(n, _)| (*n, (Vec::new(), 0))).collect();
    for _ in 0..ROUNDS {
        for ((_, path), (_, (times, reading))) in paths.iter().zip(&mut rows) {
            let (t, r) = frames(path)?;
            times.extend(t);
            *reading += r;
        }
    }
    let frames_run = rows[0].1.0.len();
    println!(
        "plot frame time (UI pass + tessellation), {frames_run} gesture frames \
         ({ROUNDS} alternating rounds of {})",
        frames_run / ROUNDS
    );
    for (n, (times, reading)) in &rows {
        println!(
            "  {n:>11} samples: median {:.2} ms, p99 {:.2} ms, max {:.2} ms \
             ({reading} frames with reads in flight)",
            pct(times, 0.5),
            pct(times, 0.99),
            pct(times, 1.0)
        );
    }
    let (small, large) = (&rows[0].1.0, &rows[1].1.0);
    println!(
        "  ratio {}/{} samples: median {:.2}x, p99 {:.2}x (target: within 1.5x)",
        rows[1].0,
        rows[0].0,
        pct(large, 0.5) / pct(small, 0.5),
        pct(large, 0.99) / pct(small, 0.99)
    );
    Ok(())
}

/// Frame times (ms) for a fixed gesture script on the waveform in `path`, and how many
/// frames had reads in flight (proof that the gestures reached the data).
fn frames(path: &Path) -> anyhow::Result<(Vec<f64>, usize)> {
    let target = format!("{}::/signal", path.display());
    let workers = WorkerKind::Process(env!("CARGO_BIN_EXE_hdfscope").into());
    let mut h = Harness::builder().with_size(SIZE).build_eframe(move |cc| {
        let open = vec![OpenRequest::from_arg(target.into())];
        HdfscopeApp::new(cc, open, LoaderConfig::new(workers)).expect("the loader starts")
    });
    // Until the overview is complete (and the window has settled).
    let deadline = Instant::now() + Duration::from_secs(600);
    while !h.state().is_idle() {
        anyhow::ensure!(Instant::now() < deadline, "the overview did not finish");
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    h.event(egui::Event::PointerMoved(PLOT));
    for _ in 0..10 {
        h.step();
    }
    // Zoom in far (past the pyramid into raw samples), pan both ways, zoom back out.
    let zoom = |f: f32| egui::Event::Zoom(f);
    let pan = |dx: f32| egui::Event::MouseWheel {
        unit: egui::MouseWheelUnit::Point,
        delta: egui::vec2(dx, 0.0),
        phase: egui::TouchPhase::Move,
        source: egui::MouseWheelSource::Wheel,
        modifiers: egui::Modifiers::NONE,
    };
    let script: Vec<egui::Event> = std::iter::repeat_n(zoom(1.15), 120)
        .chain(std::iter::repeat_n(pan(40.0), 60))
        .chain(std::iter::repeat_n(pan(-40.0), 60))
        .chain(std::iter::repeat_n(zoom(1.0 / 1.15), 120))
        .chain(std::iter::repeat_n(pan(200.0), 40))
        .collect();
    let mut times = Vec::with_capacity(script.len());
    let mut reading = 0;
    for e in script {
        h.event(e);
        let t = Instant::now();
        h.step();
        let out = h.output();
        let _ = h.ctx.tessellate(out.shapes.clone(), out.pixels_per_point);
        times.push(t.elapsed().as_secs_f64() * 1e3);
        reading += usize::from(!h.state().is_idle());
        // Give the loader a moment, as a user's next frame would.
        std::thread::sleep(Duration::from_millis(2));
    }
    Ok((times, reading))
}

/// The `q` quantile of `v` (0.5 = median, 1 = max).
fn pct(v: &[f64], q: f64) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s[((s.len() - 1) as f64 * q).round() as usize]
}
