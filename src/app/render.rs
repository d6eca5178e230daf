//! `hdfscope render`: draws the plot the viewer shows for an object into a PNG, with no
//! window: the app runs headless (plot only), waits for its data through the same loader
//! and reader processes, and one pass is rendered offscreen by wgpu (through egui_kittest's
//! renderer), at a size in pixels and a scale (pixels per point), looking as the viewer's
//! screen did when it asks (`--look`). Writes only the output file, through a temporary
//! file renamed into place.

use std::path::Path;
use std::time::{Duration, Instant};

use thiserror::Error;

use super::look::Look;
use super::views::ViewKind;
use super::{HdfscopeApp, OpenRequest, PlotStatus};
use crate::loader::LoaderConfig;
use crate::model::parse_slice;

/// Why a render failed.
#[derive(Debug, Error)]
pub enum RenderError {
    #[error("size {0:?} is not WIDTHxHEIGHT (e.g. 1600x900)")]
    Size(String),
    #[error("scale {0} is not between 0.5 and 4")]
    Scale(f32),
    #[error("--look: {0}")]
    Look(String),
    #[error("cannot start the reader: {0}")]
    Loader(#[from] std::io::Error),
    #[error("{0}")]
    Plot(String),
    #[error("--slice: {0}")]
    Slice(String),
    #[error("--view {0:?}: use plot or image")]
    View(String),
    #[error("{path}: nothing to plot (not a numeric dataset or a NeXus plot)")]
    NothingToPlot { path: String },
    #[error("the plot was not complete after {} s (--timeout sets the limit)", .0.as_secs())]
    Timeout(Duration),
    #[error("cannot draw offscreen (no usable GPU or software renderer): {0}")]
    Draw(String),
    #[error("cannot write {path}: {reason}")]
    Write { path: String, reason: String },
}

/// What to draw and how large.
pub struct RenderOptions<'a> {
    /// "1600x900".
    pub size: &'a str,
    /// A numpy-like cut (`5, :, :`): indices hold axes, ranges are the axes shown.
    pub slice: Option<&'a str>,
    /// "plot" or "image", when not the view the data opens in.
    pub view: Option<&'a str>,
    /// Pixels per point: text and lines this many pixels per point of the screen.
    pub scale: f32,
    /// How the viewer drew it (JSON of [`Look`]).
    pub look: Option<&'a str>,
    /// How long the data may take to arrive; `None` for no limit.
    pub timeout: Option<Duration>,
}

/// Renders the view of `target` into the PNG `out`.
pub fn render(
    target: OpenRequest,
    out: &Path,
    options: &RenderOptions<'_>,
) -> Result<(), RenderError> {
    let size = options.size;
    let (w, h) = size
        .split_once(['x', 'X'])
        .and_then(|(w, h)| Some((w.trim().parse::<u32>().ok()?, h.trim().parse::<u32>().ok()?)))
        .filter(|&(w, h)| (16..=16_384).contains(&w) && (16..=16_384).contains(&h))
        .ok_or_else(|| RenderError::Size(size.to_owned()))?;
    let slice = options
        .slice
        .map(parse_slice)
        .transpose()
        .map_err(|e| RenderError::Slice(e.to_string()))?;
    let view = match options.view {
        None => None,
        Some(v) if v.eq_ignore_ascii_case("plot") => Some(ViewKind::Plot),
        Some(v) if v.eq_ignore_ascii_case("image") => Some(ViewKind::Image),
        Some(v) if v.eq_ignore_ascii_case("table") => Some(ViewKind::Table),
        Some(v) => return Err(RenderError::View(v.to_owned())),
    };
    let scale = options.scale;
    if !(0.5..=4.0).contains(&scale) {
        return Err(RenderError::Scale(scale));
    }
    let look = options
        .look
        .map(serde_json::from_str::<Look>)
        .transpose()
        .map_err(|e| RenderError::Look(e.to_string()))?;
    let path = target.select.clone().unwrap_or_else(|| "/".to_owned());
    let mut app = HdfscopeApp::headless(vec![target], LoaderConfig::current_exe()?)?;
    app.cut(slice, view);
    if let Some(look) = look {
        app.set_look(look);
    }
    let mut harness = egui_kittest::Harness::builder()
        .with_size([w as f32 / scale, h as f32 / scale])
        .with_pixels_per_point(scale)
        .wgpu()
        .build_ui_state(|ui, app: &mut HdfscopeApp| app.show(ui), app);
    let deadline = options.timeout.map(|t| (Instant::now() + t, t));
    // Twice: the first drawing fixes the plot's bounds, which decide what detail is read
    // (the tiles of an image, the raw samples of a line).
    for _ in 0..2 {
        loop {
            harness.step();
            match harness.state().plot_status() {
                PlotStatus::Ready if harness.state().is_idle() => break,
                PlotStatus::Failed(e) => return Err(RenderError::Plot(e)),
                PlotStatus::None if harness.state().is_idle() && harness.state().plot_settled() => {
                    return Err(RenderError::NothingToPlot { path });
                }
                _ => {}
            }
            if let Some((at, limit)) = deadline
                && Instant::now() > at
            {
                return Err(RenderError::Timeout(limit));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        for _ in 0..3 {
            harness.step();
        }
    }
    let image = harness.render().map_err(RenderError::Draw)?;
    let write = |reason: String| RenderError::Write {
        path: out.display().to_string(),
        reason,
    };
    let dir = out
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .suffix(".partial")
        .tempfile_in(dir)
        .map_err(|e| write(e.to_string()))?;
    image
        .write_to(&mut tmp, image::ImageFormat::Png)
        .map_err(|e| write(e.to_string()))?;
    tmp.as_file().sync_all().map_err(|e| write(e.to_string()))?;
    tmp.persist(out).map_err(|e| write(e.to_string()))?;
    Ok(())
}
