//! The real viewer, headless: `HdfscopeApp` in an egui_kittest harness with real reader
//! processes, opened on one `FILE::/path` target as a user's command line would. A frame is
//! the UI pass plus tessellation (the CPU's work per frame; GPU upload excluded).

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use hdfscope::app::{HdfscopeApp, OpenRequest, PlotStatus};
use hdfscope::loader::{LoaderConfig, WorkerKind};

pub type Viewer = Harness<'static, HdfscopeApp>;

/// The viewer at `size` (points, one pixel per point) showing `target`.
pub fn open(target: String, size: [f32; 2]) -> Viewer {
    let workers = WorkerKind::Process(env!("CARGO_BIN_EXE_hdfscope").into());
    Harness::builder().with_size(size).build_eframe(move |cc| {
        let open = vec![OpenRequest::from_arg(target.into())];
        // The suite cannot go on without its viewer; the harness's builder takes no Result.
        HdfscopeApp::new(cc, open, LoaderConfig::new(workers)).expect("the loader starts")
    })
}

/// Milliseconds of one frame: the UI pass and tessellating what it drew.
pub fn frame_ms(h: &mut Viewer) -> f64 {
    let t = Instant::now();
    h.step();
    let out = h.output();
    let _ = h.ctx.tessellate(out.shapes.clone(), out.pixels_per_point);
    t.elapsed().as_secs_f64() * 1e3
}

/// Steps until the loader has nothing in flight, within `limit`.
pub fn until_idle(h: &mut Viewer, limit: Duration) -> anyhow::Result<()> {
    let deadline = Instant::now() + limit;
    while !h.state().is_idle() {
        anyhow::ensure!(
            Instant::now() < deadline,
            "the viewer was still reading after {limit:?}"
        );
        h.step();
        std::thread::sleep(Duration::from_millis(2));
    }
    Ok(())
}

/// Steps until the chosen view is drawn, within `limit`.
pub fn until_shown(h: &mut Viewer, limit: Duration) -> anyhow::Result<()> {
    let deadline = Instant::now() + limit;
    loop {
        h.step();
        match h.state().plot_status() {
            PlotStatus::Ready => return Ok(()),
            PlotStatus::Failed(e) => anyhow::bail!(e),
            _ => {}
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "the view did not show within {limit:?}"
        );
        std::thread::sleep(Duration::from_micros(500));
    }
}
