//! The image benchmark (`cargo bench --bench image`): stepping through the 200-frame
//! 1024 x 1024 stack in the real viewer against h5py reading one frame, and the time to
//! first display of a 20000 x 20000 float32 image against h5py reading the same overview
//! (every 32nd element) and the whole image, side by side on the same machine.
//!
//! Also the frame after a colormap change on a 4096 x 4096 image.
//!
//! Drives `HdfscopeApp` headless through egui_kittest with real reader processes; a step is
//! from the click on "next" until the new frame is coloured and on screen (UI passes
//! included, GPU upload excluded). Data is generated once under the target directory;
//! `HDFSCOPE_BENCH_IMAGE_SIDE` shrinks the large image. Prints numbers; asserts nothing.

#[path = "common/peers.rs"]
mod peers;
#[path = "common/stack.rs"]
mod stack;
// Shared with the other benches; this one needs only `data_dir` from it.
#[allow(dead_code)]
#[path = "common/waveform.rs"]
mod waveform;

use std::path::Path;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use hdfscope::app::{HdfscopeApp, OpenRequest, PlotStatus};
use hdfscope::loader::{LoaderConfig, WorkerKind};

use self::peers::{find_h5py, h5py_seconds, warm};
use self::stack::{FRAMES, SIDE, write_stack};
use self::waveform::data_dir;

/// Frames stepped through per run.
const STEPS: usize = 40;
/// A user stepping by hand: the time between two clicks.
const PACE: Duration = Duration::from_millis(60);

fn main() -> anyhow::Result<()> {
    let dir = data_dir();
    std::fs::create_dir_all(&dir)?;
    let stack = dir.join(format!("stack-{FRAMES}x{SIDE}x{SIDE}.h5"));
    if !stack.exists() {
        eprintln!("writing {} (once) ...", stack.display());
        write_stack(&stack)?;
    }
    let side: usize = std::env::var("HDFSCOPE_BENCH_IMAGE_SIDE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000);
    let large = dir.join(format!("image-{side}x{side}.h5"));
    if !large.exists() {
        eprintln!("writing {} (once) ...", large.display());
        write_large_image(&large, side)?;
    }
    let python = find_h5py();
    match &python {
        Some((_, v)) => println!("peer: {v}"),
        None => println!("peer: h5py not found (set HDFSCOPE_BENCH_PYTHON); hdfscope only"),
    }

    warm(&stack)?;
    println!("\nstack: {FRAMES} x {SIDE} x {SIDE} uint16, one gzip-1 chunk per frame");
    let frame = match &python {
        Some((py, _)) => {
            let expr = format!("[f['stack'][k] for k in range(100, {})]", 100 + STEPS);
            Some(h5py_seconds(py, &stack, &expr)? / STEPS as f64 * 1e3)
        }
        None => None,
    };
    if let Some(f) = frame {
        println!("  h5py one frame f['stack'][k]: {f:.2} ms");
    }
    for (name, pace) in [("stepping by hand", Some(PACE)), ("holding next", None)] {
        let ms = frame_steps(&stack, pace)?;
        let (med, p90) = (pct(&ms, 0.5), pct(&ms, 0.9));
        print!("  {name}: new frame on screen in median {med:.1} ms, p90 {p90:.1} ms");
        match frame {
            Some(f) => println!(" (ratio to h5py's frame read: {:.2})", med / f),
            None => println!(),
        }
    }

    let medium = dir.join("image-4096x4096.h5");
    if !medium.exists() {
        eprintln!("writing {} (once) ...", medium.display());
        write_large_image(&medium, 4096)?;
    }
    let ms = restyle_frames(&medium)?;
    println!(
        "\nimage: 4096 x 4096 float32; a colormap change (invert), coloured and on screen: \
         median {:.1} ms, max {:.1} ms",
        pct(&ms, 0.5),
        pct(&ms, 1.0)
    );

    warm(&large)?;
    let mb = (side * side * 4) as f64 / 1e6;
    println!("\nimage: {side} x {side} float32 ({mb:.0} MB), 512 x 512 gzip-1 chunks");
    let first = first_display(&large)?;
    println!("  hdfscope first display (whole image, every 32nd element): {first:.2} s");
    if let Some((py, _)) = &python {
        let step = side.div_ceil(1024).next_power_of_two();
        let same = h5py_seconds(py, &large, &format!("f['image'][::{step}, ::{step}]"))?;
        let whole = h5py_seconds(py, &large, "f['image'][:]")?;
        println!(
            "  h5py same overview [::{step}, ::{step}] {same:.2} s (ratio {:.2}); \
             h5py whole image {whole:.2} s (ratio {:.2})",
            first / same,
            first / whole
        );
    }
    Ok(())
}

fn viewer(target: String) -> Harness<'static, HdfscopeApp> {
    let workers = WorkerKind::Process(env!("CARGO_BIN_EXE_hdfscope").into());
    Harness::builder()
        .with_size([1600.0, 1000.0])
        .build_eframe(move |cc| {
            let open = vec![OpenRequest::from_arg(target.into())];
            HdfscopeApp::new(cc, open, LoaderConfig::new(workers)).expect("the loader starts")
        })
}

/// Steps the viewer until the image on screen is the one chosen, or `limit` passes.
fn until_shown(h: &mut Harness<'_, HdfscopeApp>, limit: Duration) -> anyhow::Result<()> {
    let deadline = Instant::now() + limit;
    loop {
        h.step();
        match h.state().plot_status() {
            PlotStatus::Ready => return Ok(()),
            PlotStatus::Failed(e) => anyhow::bail!(e),
            _ => {}
        }
        anyhow::ensure!(Instant::now() < deadline, "the image did not show");
        std::thread::sleep(Duration::from_micros(500));
    }
}

/// Milliseconds from each click on "next" until the new frame is on screen; with `pace`,
/// the viewer runs idle that long between clicks (as for a user stepping by hand).
fn frame_steps(stack: &Path, pace: Option<Duration>) -> anyhow::Result<Vec<f64>> {
    let mut h = viewer(format!("{}::/stack", stack.display()));
    until_shown(&mut h, Duration::from_secs(60))?;
    // Start mid-stack, away from the cached first frames.
    let mut times = Vec::with_capacity(STEPS);
    for _ in 0..STEPS {
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
        until_shown(&mut h, Duration::from_secs(30))?;
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    Ok(times)
}

/// Milliseconds of the frame after each click on "invert" (every tile on screen coloured
/// again), with the image fitted to the window.
fn restyle_frames(image: &Path) -> anyhow::Result<Vec<f64>> {
    let mut h = viewer(format!("{}::/image", image.display()));
    until_shown(&mut h, Duration::from_secs(120))?;
    for _ in 0..5 {
        h.step();
    }
    let mut times = Vec::new();
    for _ in 0..10 {
        h.get_by_label("invert").click();
        let t = Instant::now();
        h.step();
        times.push(t.elapsed().as_secs_f64() * 1e3);
        h.step();
    }
    Ok(times)
}

/// Seconds from starting the viewer on the image until it is on screen.
fn first_display(image: &Path) -> anyhow::Result<f64> {
    let t = Instant::now();
    let mut h = viewer(format!("{}::/image", image.display()));
    until_shown(&mut h, Duration::from_secs(600))?;
    Ok(t.elapsed().as_secs_f64())
}

/// The `q` quantile of `v` (0.5 = median).
fn pct(v: &[f64], q: f64) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s[((s.len() - 1) as f64 * q).round() as usize]
}

/// Writes `/image`: `side` x `side` float32 (smooth hills and deterministic noise) in
/// 512 x 512 gzip-1 chunks, a band of rows at a time.
pub fn write_large_image(path: &Path, side: usize) -> anyhow::Result<()> {
    const BAND: usize = 512;
    let tmp = path.with_extension("partial");
    let f = hdf5::File::create(&tmp)?;
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
    drop((ds, f));
    std::fs::rename(tmp, path)?;
    Ok(())
}
