//! The central image of 2-D and N-D numeric data: a plane through the dataset (a dimension
//! mapper picks the two axes shown, the others are sliders with step and play), read from
//! the loader as tiles of a level of detail that matches the screen (a whole-plane
//! overview first, full resolution where zoomed in), coloured with a colormap, scale and
//! contrast (with a colorbar and a histogram), RGB(A) channels or a palette; physical
//! axes from dimension scales, NeXus axes or CF coordinates; a readout of the value under
//! the cursor.
//!
//! Never reads data itself and never holds a whole dataset: only tiles, bounded in bytes.

mod axes;
mod colormap;
mod store;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use egui::Color32;

use self::axes::PixelAxis;
use self::colormap::{Coloring, MISSING};
pub use self::colormap::{Colormap, Scale};
use self::store::TileStore;
use super::glyphs::{PAUSE, PLAY};
use super::look::{Bounds, PlotLook};
use super::numbers::{nice_at_least, num, short};
use super::widgets::index_slider;
use crate::export::svg::{Colorbar, Figure, Raster};
use crate::loader::tiles::{ImageStats, TILE, Tile, TileImage};
use crate::loader::{LineSource, Loader, Outcome, PlaneSource, ReqId, Request, View};
use crate::model::{Calibration, Component, Plane};

/// How often play steps to the next frame at most.
const PLAY_EVERY: Duration = Duration::from_millis(80);
/// The colorbar's width.
const COLORBAR: f32 = 70.0;

/// How the numbers of a dataset make an image.
#[derive(Clone, Debug, PartialEq)]
pub enum ImageKind {
    /// One number per pixel, through a colormap.
    Values,
    /// Colour channels along the plane's `channels` axis (RGB or RGBA).
    Channels,
    /// Palette indices; the palette, when the image names one.
    Indexed { palette: Option<PaletteSpec> },
}

/// A palette dataset: one row per colour, red, green and blue (and maybe more) columns.
#[derive(Clone, Debug, PartialEq)]
pub struct PaletteSpec {
    pub path: String,
    pub colors: u64,
    pub columns: u64,
}

/// A physical axis for one dimension: a 1-D dataset of coordinates.
#[derive(Clone, Debug, PartialEq)]
pub struct AxisSpec {
    pub source: LineSource,
    pub title: String,
}

/// What the view shows, from the dataset's metadata.
#[derive(Clone, Debug)]
pub struct ImageSpec {
    pub file: crate::loader::FileId,
    pub path: String,
    pub dims: Vec<u64>,
    pub components: Vec<Component>,
    pub kind: ImageKind,
    /// The values' name and units, for the colorbar.
    pub title: String,
    pub units: Option<String>,
    /// The default limits of colour channels (an unsigned integer type's range).
    pub channel_range: Option<(f64, f64)>,
    pub calibration: Option<Calibration>,
    /// Other files the values are kept in, when any (reading them needs consent).
    pub outside_files: String,
    /// The coordinates of each dimension, when the file has them.
    pub axes: Vec<Option<AxisSpec>>,
    pub plane: Plane,
}

/// Where the colour limits come from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Contrast {
    #[default]
    MinMax,
    /// The 1st to the 99th percentile.
    Percentiles,
    /// The mean plus or minus three standard deviations.
    Sigma,
    Manual,
}

impl Contrast {
    pub const ALL: [Self; 4] = [Self::MinMax, Self::Percentiles, Self::Sigma, Self::Manual];

    pub fn name(self) -> &'static str {
        match self {
            Self::MinMax => "min to max",
            Self::Percentiles => "1% to 99%",
            Self::Sigma => "mean ± 3σ",
            Self::Manual => "manual",
        }
    }

    /// The limits for numbers with statistics `s` (`manual` for manual ones).
    fn limits(self, s: &ImageStats, manual: (f64, f64)) -> Option<(f64, f64)> {
        if s.count == 0 {
            return None;
        }
        Some(match self {
            Self::MinMax => (s.min, s.max),
            Self::Percentiles => (s.quantile(0.01)?, s.quantile(0.99)?),
            Self::Sigma => (
                (s.mean - 3.0 * s.std).max(s.min),
                (s.mean + 3.0 * s.std).min(s.max),
            ),
            Self::Manual => manual,
        })
    }
}

/// How images look; kept by the app from one image to the next.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Style {
    pub colormap: Colormap,
    pub invert: bool,
    pub scale: Scale,
    pub contrast: Contrast,
    pub manual: (f64, f64),
    pub flip_x: bool,
    pub flip_y: bool,
    pub keep_aspect: bool,
}

impl Default for Style {
    fn default() -> Self {
        Self {
            colormap: Colormap::default(),
            invert: false,
            scale: Scale::default(),
            contrast: Contrast::default(),
            manual: (0.0, 1.0),
            flip_x: false,
            flip_y: false,
            keep_aspect: true,
        }
    }
}

/// A tile to draw and the plot rectangle it covers: x of its first and last column edge,
/// y of its first and last row edge.
struct Placed {
    tile: Tile,
    image: Arc<TileImage>,
    xs: (f64, f64),
    ys: (f64, f64),
}

/// Ticks of a colour bar: the height on the bar (0 to 1) and the label.
type Ticks = Vec<(f64, String)>;

/// A tiles request in flight.
struct Pending {
    req: ReqId,
    plane: Plane,
    tiles: HashSet<Tile>,
}

/// The coordinates of one dimension: asked for, arrived, or unusable (with why).
enum Coords {
    Loading(ReqId),
    Ready(PixelAxis),
    Unusable(String),
}

pub struct ImageView {
    spec: ImageSpec,
    /// The plane the user chose.
    plane: Plane,
    /// The plane on screen: the chosen one once its overview has arrived.
    shown: Option<Plane>,
    store: TileStore,
    main: Option<Pending>,
    prefetch: Option<Pending>,
    palette: Option<Result<Vec<Color32>, ReqId>>,
    coords: HashMap<usize, Coords>,
    style: Style,
    /// Bumped whenever colours change, so textures are painted again.
    generation: u64,
    /// The colouring textures were painted with.
    coloring: Option<Coloring>,
    error: Option<String>,
    /// The plot's bounds and size in physical pixels on the last frame, to pick tiles.
    last_view: Option<(egui_plot::PlotBounds, egui::Vec2)>,
    reset: bool,
    playing: Option<Instant>,
    readout: Option<String>,
    /// Whether to show the mapper and controls.
    controls: bool,
    /// The user allowed reading values kept in other files.
    outside: bool,
    /// Visible ranges to show on the next frame (a figure drawn as the screen showed it).
    bounds: Option<Bounds>,
}

impl ImageView {
    pub fn new(spec: ImageSpec, style: Style, loader: &mut Loader, next_req: &mut ReqId) -> Self {
        let plane = spec.plane.clone();
        let mut view = Self {
            spec,
            plane: normal(&plane),
            shown: None,
            store: TileStore::default(),
            main: None,
            prefetch: None,
            palette: None,
            coords: HashMap::new(),
            style,
            generation: 0,
            coloring: None,
            error: None,
            last_view: None,
            reset: true,
            playing: None,
            readout: None,
            controls: true,
            outside: false,
            bounds: None,
        };
        view.load_extras(loader, next_req);
        view.request(loader, next_req);
        view
    }

    pub fn set_controls(&mut self, on: bool) {
        self.controls = on;
    }

    pub fn data_path(&self) -> &str {
        &self.spec.path
    }

    /// The plane the user chose, for the app to remember.
    pub fn plane(&self) -> &Plane {
        &self.plane
    }

    pub fn style(&self) -> &Style {
        &self.style
    }

    /// Whether the user allowed reading values kept in other files.
    pub fn reads_outside(&self) -> bool {
        self.outside
    }

    /// The visible ranges (images have no log axes; their style is the app's).
    pub fn look(&self) -> Option<PlotLook> {
        let (b, _) = self.last_view?;
        Some(PlotLook {
            bounds: Some(Bounds {
                x: (b.min()[0], b.max()[0]),
                y: (b.min()[1], b.max()[1]),
            }),
            ..PlotLook::default()
        })
    }

    /// Shows the ranges of `look` from the next frame on.
    pub fn set_look(&mut self, look: &PlotLook) {
        self.bounds = look.bounds;
    }

    pub fn status(&self) -> super::PlotStatus {
        if let Some(e) = &self.error {
            return super::PlotStatus::Failed(e.clone());
        }
        let extras = self
            .coords
            .values()
            .all(|c| !matches!(c, Coords::Loading(_)))
            && !matches!(self.palette, Some(Err(_)));
        if self.shown.as_ref() == Some(&self.plane) && self.main.is_none() && extras {
            super::PlotStatus::Ready
        } else {
            super::PlotStatus::Loading
        }
    }

    pub fn owns(&self, req: ReqId) -> bool {
        self.main.as_ref().is_some_and(|p| p.req == req)
            || self.prefetch.as_ref().is_some_and(|p| p.req == req)
            || matches!(self.palette, Some(Err(r)) if r == req)
            || self
                .coords
                .values()
                .any(|c| matches!(c, Coords::Loading(r) if *r == req))
    }

    pub fn cancel(&mut self, loader: &mut Loader) {
        let reqs = (self.main.take().into_iter())
            .chain(self.prefetch.take())
            .map(|p| p.req);
        for req in reqs {
            loader.send(Request::Cancel { req });
        }
    }

    /// The palette of an indexed image and the coordinates of the dimensions shown.
    fn load_extras(&mut self, loader: &mut Loader, next_req: &mut ReqId) {
        if let ImageKind::Indexed {
            palette: Some(palette),
        } = &self.spec.kind
            && self.palette.is_none()
        {
            *next_req += 1;
            let source = PlaneSource {
                file: self.spec.file,
                path: palette.path.clone(),
                plane: Plane::last_two(2),
                height: palette.colors,
                width: palette.columns,
                outside: false,
                calibration: None,
            };
            loader.send(Request::Tiles {
                req: *next_req,
                view: View("image", 2),
                source,
                tiles: vec![Tile {
                    step: 1,
                    row: 0,
                    col: 0,
                }],
                prefetch: false,
            });
            self.palette = Some(Err(*next_req));
        }
        for dim in [self.plane.rows, self.plane.cols] {
            let Some(Some(axis)) = self.spec.axes.get(dim) else {
                continue;
            };
            if self.coords.contains_key(&dim) {
                continue;
            }
            *next_req += 1;
            loader.send(Request::Samples {
                req: *next_req,
                view: View("image-axis", dim as u32),
                source: axis.source.clone(),
                start: 0,
                count: axis.source.len,
            });
            self.coords.insert(dim, Coords::Loading(*next_req));
        }
    }

    pub fn on_tile(&mut self, req: ReqId, tile: Tile, image: Arc<TileImage>) {
        if let Some(Err(r)) = self.palette
            && r == req
        {
            self.palette = Some(Ok(palette_colors(&image)));
            self.generation += 1;
            return;
        }
        let plane = [&self.main, &self.prefetch]
            .into_iter()
            .flatten()
            .find(|p| p.req == req)
            .map(|p| p.plane.clone());
        if let Some(plane) = plane {
            self.store.insert(plane, tile, image);
        }
    }

    pub fn on_data(&mut self, req: ReqId, outcome: Outcome) {
        if self.main.as_ref().is_some_and(|p| p.req == req) {
            self.main = None;
            if let Outcome::Failed(e) = outcome {
                self.error = Some(e);
            }
        } else if self.prefetch.as_ref().is_some_and(|p| p.req == req) {
            self.prefetch = None;
        } else if matches!(self.palette, Some(Err(r)) if r == req) {
            // A palette that cannot be read leaves the indices in gray.
            self.palette = Some(Ok(Vec::new()));
        } else if let Some((&dim, _)) =
            (self.coords.iter()).find(|(_, c)| matches!(c, Coords::Loading(r) if *r == req))
        {
            let coords = match outcome {
                Outcome::Samples { values, .. } => match PixelAxis::from_values(values) {
                    Ok(axis) => Coords::Ready(axis),
                    Err(why) => Coords::Unusable(why.to_owned()),
                },
                Outcome::Failed(e) => Coords::Unusable(e),
                _ => Coords::Unusable("not read".to_owned()),
            };
            self.coords.insert(dim, coords);
            self.reset = true;
        }
    }

    fn height(&self) -> u64 {
        self.spec.dims[self.plane.rows]
    }

    fn width(&self) -> u64 {
        self.spec.dims[self.plane.cols]
    }

    fn source(&self, plane: &Plane) -> PlaneSource {
        PlaneSource {
            file: self.spec.file,
            path: self.spec.path.clone(),
            plane: plane.clone(),
            height: self.spec.dims[plane.rows],
            width: self.spec.dims[plane.cols],
            outside: self.outside,
            calibration: self.spec.calibration.clone(),
        }
    }

    /// The tiles the screen needs: the overview of the chosen plane, and the tiles of the
    /// level that gives about one element per screen pixel over the visible part.
    fn wanted(&self) -> Vec<Tile> {
        let (h, w) = (self.height(), self.width());
        let top = Tile::overview_step(h, w);
        let mut tiles = vec![Tile {
            step: top,
            row: 0,
            col: 0,
        }];
        let Some((bounds, size)) = &self.last_view else {
            return tiles;
        };
        let (xa, ya) = (self.axis(self.plane.cols), self.axis(self.plane.rows));
        let xs = sorted(xa.index_of(bounds.min()[0]), xa.index_of(bounds.max()[0]));
        let ys = sorted(ya.index_of(bounds.min()[1]), ya.index_of(bounds.max()[1]));
        let per_pixel = ((xs.1 - xs.0) / f64::from(size.x.max(1.0)))
            .max((ys.1 - ys.0) / f64::from(size.y.max(1.0)));
        let step = pow2_at_most(per_pixel).min(top);
        if step < top {
            tiles.extend(Tile::covering(step, ys, xs, h, w));
        }
        tiles
    }

    /// Sends the reads the screen needs that are neither kept nor on their way, and
    /// prefetches the neighbouring frames once the chosen one is on screen.
    fn request(&mut self, loader: &mut Loader, next_req: &mut ReqId) {
        let missing: Vec<Tile> = (self.wanted().into_iter())
            .filter(|t| !self.store.contains(&self.plane, t))
            .collect();
        let covered = self
            .main
            .as_ref()
            .is_some_and(|p| p.plane == self.plane && missing.iter().all(|t| p.tiles.contains(t)));
        if !missing.is_empty() && !covered && self.error.is_none() {
            *next_req += 1;
            loader.send(Request::Tiles {
                req: *next_req,
                view: View("image", 0),
                source: self.source(&self.plane),
                tiles: missing.clone(),
                prefetch: false,
            });
            self.main = Some(Pending {
                req: *next_req,
                plane: self.plane.clone(),
                tiles: missing.into_iter().collect(),
            });
        }
        if self.main.is_none() && self.prefetch.is_none() {
            self.prefetch_neighbours(loader, next_req);
        }
    }

    /// The overviews of the previous and next frames along the frame axis.
    fn prefetch_neighbours(&mut self, loader: &mut Loader, next_req: &mut ReqId) {
        let Some(axis) = self.frame_axis() else {
            return;
        };
        let (h, w) = (self.height(), self.width());
        let overview = Tile {
            step: Tile::overview_step(h, w),
            row: 0,
            col: 0,
        };
        let at = self.plane.at[axis];
        let next = (at + 1 < self.spec.dims[axis]).then_some(at + 1);
        let previous = at.checked_sub(1);
        // One neighbour per request (a request is one plane); the next frame first.
        for k in next.into_iter().chain(previous) {
            let mut plane = self.plane.clone();
            plane.at[axis] = k;
            if self.store.contains(&plane, &overview) {
                continue;
            }
            *next_req += 1;
            loader.send(Request::Tiles {
                req: *next_req,
                view: View("image", 1),
                source: self.source(&plane),
                tiles: vec![overview],
                prefetch: true,
            });
            self.prefetch = Some(Pending {
                req: *next_req,
                plane,
                tiles: HashSet::from([overview]),
            });
            return;
        }
    }

    /// The axis frames step along: the first axis that is not shown and has several
    /// indices.
    fn frame_axis(&self) -> Option<usize> {
        (0..self.spec.dims.len()).find(|&k| !self.is_shown_axis(k) && self.spec.dims[k] > 1)
    }

    fn is_shown_axis(&self, k: usize) -> bool {
        k == self.plane.rows || k == self.plane.cols || Some(k) == self.plane.channels
    }

    fn axis(&self, dim: usize) -> PixelAxis {
        match self.coords.get(&dim) {
            Some(Coords::Ready(a)) => a.clone(),
            _ => PixelAxis::Index,
        }
    }

    fn axis_title(&self, dim: usize) -> String {
        match (self.coords.get(&dim), self.spec.axes.get(dim)) {
            (Some(Coords::Ready(_)), Some(Some(a))) => a.title.clone(),
            (Some(Coords::Unusable(why)), Some(Some(a))) => {
                format!("axis {dim} (index; {} not used: {why})", a.source.path)
            }
            _ => format!("axis {dim} (index)"),
        }
    }

    /// The statistics of the plane on screen (from its overview: every element at most
    /// `step` apart).
    fn stats(&self) -> Option<(Arc<TileImage>, u64)> {
        let shown = self.shown.as_ref()?;
        let step = Tile::overview_step(self.height(), self.width());
        let overview = Tile {
            step,
            row: 0,
            col: 0,
        };
        self.store
            .image(shown, &overview)
            .cloned()
            .map(|i| (i, step))
    }

    fn limits(&self) -> Option<(f64, f64)> {
        let (image, _) = self.stats()?;
        if self.spec.kind == ImageKind::Channels && self.style.contrast == Contrast::MinMax {
            return self
                .spec
                .channel_range
                .or(Some((image.stats.min, image.stats.max)));
        }
        self.style.contrast.limits(&image.stats, self.style.manual)
    }

    fn coloring(&self) -> Option<Coloring> {
        let limits = self.limits()?;
        Some(match (&self.spec.kind, &self.palette) {
            (ImageKind::Channels, _) => Coloring::Channels { limits },
            (ImageKind::Indexed { .. }, Some(Ok(p))) if !p.is_empty() => {
                Coloring::Palette(p.clone())
            }
            _ => Coloring::Map {
                table: self.style.colormap.table(self.style.invert),
                scale: self.style.scale,
                limits,
            },
        })
    }

    /// Draws the view; returns nothing the app must act on (choices stay in the view).
    pub fn ui(&mut self, ui: &mut egui::Ui, loader: &mut Loader, next_req: &mut ReqId) {
        // The chosen plane goes on screen once its overview is here.
        let top = Tile {
            step: Tile::overview_step(self.height(), self.width()),
            row: 0,
            col: 0,
        };
        if self.shown.as_ref() != Some(&self.plane) && self.store.contains(&self.plane, &top) {
            self.shown = Some(self.plane.clone());
        }
        if self.controls {
            self.mapper(ui);
            self.style_controls(ui);
        } else if (0..self.spec.dims.len()).any(|k| !self.is_shown_axis(k)) {
            ui.weak(format!("[{}]", cut_text(&self.plane)));
        }
        if let Some(e) = &self.error {
            ui.colored_label(ui.visuals().error_fg_color, e);
            let files = &self.spec.outside_files;
            if !files.is_empty()
                && !self.outside
                && ui.button(format!("Read values from {files}")).clicked()
            {
                self.outside = true;
                self.error = None;
            }
        }
        let coloring = self.coloring();
        if coloring != self.coloring {
            self.coloring = coloring;
            self.generation += 1;
        }
        let bottom = if self.controls { 110.0 } else { 0.0 };
        let size = ui.available_size() - egui::vec2(COLORBAR + 8.0, bottom);
        ui.horizontal(|ui| {
            self.plot(ui, size.max(egui::vec2(64.0, 64.0)));
            self.colorbar(ui, size.y.max(64.0));
        });
        if self.controls {
            self.readout_and_stats(ui);
        }
        self.play(ui.ctx());
        self.load_extras(loader, next_req);
        self.request(loader, next_req);
    }

    fn plot(&mut self, ui: &mut egui::Ui, size: egui::Vec2) {
        let (xa, ya) = (self.axis(self.plane.cols), self.axis(self.plane.rows));
        // Pixel rows go down the screen, as in every image viewer, unless the rows have
        // coordinates, which grow upwards like any y axis.
        let rows_down = matches!(ya, PixelAxis::Index | PixelAxis::Table(_));
        let mut plot = egui_plot::Plot::new(("image", &self.spec.path))
            .width(size.x)
            .height(size.y)
            .show_grid(false)
            .invert_y(rows_down != self.style.flip_y)
            .invert_x(self.style.flip_x)
            .x_axis_label(self.axis_title(self.plane.cols))
            .y_axis_label(self.axis_title(self.plane.rows))
            .allow_double_click_reset(true);
        if self.style.keep_aspect {
            plot = plot.data_aspect(1.0);
        }
        let (xl, yl) = (xa.clone(), ya.clone());
        plot = plot
            .x_axis_formatter(move |m, _| num(xl.label_of(m.value).unwrap_or(m.value)))
            .y_axis_formatter(move |m, _| num(yl.label_of(m.value).unwrap_or(m.value)));
        if std::mem::take(&mut self.reset) {
            plot = plot.reset();
        }
        let mut items = Vec::new();
        if let (Some(shown), Some(coloring)) = (self.shown.clone(), &self.coloring) {
            let generation = self.generation;
            let visible = self.last_view.map(|(b, _)| b);
            for p in self.placed_tiles(&shown, visible, &xa, &ya) {
                let Some(texture) =
                    self.store
                        .texture(ui.ctx(), &shown, &p.tile, generation, |i| coloring.paint(i))
                else {
                    continue;
                };
                items.push((texture, p.xs, p.ys));
            }
        }
        let name = self.spec.path.clone();
        let bounds = self.bounds.take();
        let response = plot.show(ui, |pui| {
            if let Some(b) = bounds {
                pui.set_plot_bounds(b.plot());
            }
            for (n, (texture, (x0, x1), (y0, y1))) in items.into_iter().enumerate() {
                // Texture row 0 is the tile's first row: at y0 (top of the texture) when
                // rows grow down the screen.
                let center = egui_plot::PlotPoint::new((x0 + x1) / 2.0, (y0 + y1) / 2.0);
                let size = egui::vec2((x1 - x0).abs() as f32, (y1 - y0).abs() as f32);
                let screen_top_is_y0 = pui.screen_from_plot(egui_plot::PlotPoint::new(x0, y0)).y
                    <= pui.screen_from_plot(egui_plot::PlotPoint::new(x0, y1)).y;
                let screen_left_is_x0 = pui.screen_from_plot(egui_plot::PlotPoint::new(x0, y0)).x
                    <= pui.screen_from_plot(egui_plot::PlotPoint::new(x1, y0)).x;
                let (u0, u1) = if screen_left_is_x0 {
                    (0.0, 1.0)
                } else {
                    (1.0, 0.0)
                };
                let (v0, v1) = if screen_top_is_y0 {
                    (0.0, 1.0)
                } else {
                    (1.0, 0.0)
                };
                let uv = egui::Rect::from_min_max(egui::pos2(u0, v0), egui::pos2(u1, v1));
                pui.add(
                    egui_plot::PlotImage::new(format!("{name} {n}"), texture, center, size)
                        .uv(uv)
                        .allow_hover(false),
                );
            }
            pui.pointer_coordinate()
        });
        let label = format!("image of {}", self.spec.path);
        response
            .response
            .widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, &label));
        let pixels = response.response.rect.size() * ui.ctx().pixels_per_point();
        self.last_view = Some((*response.transform.bounds(), pixels));
        let (h, w) = (self.height(), self.width());
        self.readout = response.inner.and_then(|p| {
            let col = xa.index_of(p.x).floor();
            let row = ya.index_of(p.y).floor();
            (col >= 0.0 && row >= 0.0 && (col as u64) < w && (row as u64) < h)
                .then(|| self.value_text(row as u64, col as u64, &xa, &ya))
                .flatten()
        });
    }

    /// The tiles of `plane` to draw, coarsest first, each with the plot rectangle it
    /// covers; finer tiles outside `visible` are left out.
    fn placed_tiles(
        &self,
        plane: &Plane,
        visible: Option<egui_plot::PlotBounds>,
        xa: &PixelAxis,
        ya: &PixelAxis,
    ) -> Vec<Placed> {
        let (h, w) = (self.height(), self.width());
        let mut placed = Vec::new();
        for (tile, image) in self.store.of_plane(plane) {
            let Some(patch) = tile.patch(h, w) else {
                continue;
            };
            let rows = (
                patch.row as f64,
                (patch.row + image.rows as u64 * patch.step).min(h) as f64,
            );
            let cols = (
                patch.col as f64,
                (patch.col + image.cols as u64 * patch.step).min(w) as f64,
            );
            let xs = (xa.plot_of(cols.0), xa.plot_of(cols.1));
            let ys = (ya.plot_of(rows.0), ya.plot_of(rows.1));
            if let Some(b) = visible
                && tile.step < Tile::overview_step(h, w)
                && !overlaps(b, xs, ys)
            {
                continue;
            }
            placed.push(Placed {
                tile,
                image,
                xs,
                ys,
            });
        }
        placed
    }

    /// The colour bar's colours (bottom to top) and ticks (height on the bar from 0 to 1,
    /// label): the colormap between the limits, or a palette from its first colour to its
    /// last; colour channels have no colours, only their limits.
    fn bar(&self) -> Option<(&[Color32], Ticks)> {
        let (lo, hi) = self.limits()?;
        let (colors, scale, range) = match &self.coloring {
            Some(Coloring::Map { table, .. }) => (&table[..], self.style.scale, (lo, hi)),
            Some(Coloring::Palette(p)) => {
                let last = p.len().saturating_sub(1) as f64;
                (&p[..], Scale::Linear, (0.0, last))
            }
            _ => (&[][..], Scale::Linear, (lo, hi)),
        };
        let values = if colors.is_empty() {
            vec![range.0, range.1]
        } else {
            colorbar_ticks(scale, range)
        };
        let ticks = (values.into_iter())
            .filter_map(|v| Some((scale.position(v, range)?, short(v))))
            .collect();
        Some((colors, ticks))
    }

    /// What the view drew on the last frame, for an SVG: the visible region, the axis
    /// titles, the tiles on screen in their colours, the colour bar.
    pub fn figure(&self) -> Option<Figure> {
        let (bounds, _) = self.last_view?;
        let shown = self.shown.as_ref()?;
        let coloring = self.coloring.as_ref()?;
        let (xa, ya) = (self.axis(self.plane.cols), self.axis(self.plane.rows));
        let rows_down = matches!(ya, PixelAxis::Index | PixelAxis::Table(_));
        let rasters = (self.placed_tiles(shown, Some(bounds), &xa, &ya).into_iter())
            .map(|p| {
                let painted = coloring.paint(&p.image);
                let [width, height] = painted.size;
                Raster {
                    x: p.xs,
                    y: p.ys,
                    width: width as u32,
                    height: height as u32,
                    rgba: painted.pixels.iter().flat_map(|c| c.to_array()).collect(),
                }
            })
            .collect();
        let colorbar = self.bar().map(|(colors, ticks)| Colorbar {
            colors: colors.iter().map(|c| [c.r(), c.g(), c.b()]).collect(),
            ticks,
            title: self.spec.units.clone().unwrap_or_default(),
        });
        Some(Figure {
            x_title: self.axis_title(self.plane.cols),
            y_title: self.axis_title(self.plane.rows),
            x_range: (bounds.min()[0], bounds.max()[0]),
            y_range: (bounds.min()[1], bounds.max()[1]),
            invert_x: self.style.flip_x,
            invert_y: rows_down != self.style.flip_y,
            equal_aspect: self.style.keep_aspect,
            rasters,
            colorbar,
            ..Figure::default()
        })
    }

    /// "[3, 10, 30] = 1234 counts, y = 2.5 mm, x = -4 mm" for the element under the
    /// cursor (the nearest one read, when only a coarse level is here).
    fn value_text(&self, row: u64, col: u64, xa: &PixelAxis, ya: &PixelAxis) -> Option<String> {
        let shown = self.shown.as_ref()?;
        let (tile, i, j) = self.store.finest_at(shown, row, col)?;
        let image = self.store.image(shown, &tile)?;
        let pixel = image.pixel(i, j)?;
        let (row, col) = (
            tile.row * TILE * tile.step + i as u64 * tile.step,
            tile.col * TILE * tile.step + j as u64 * tile.step,
        );
        let mut index: Vec<String> = shown.at.iter().map(u64::to_string).collect();
        index[shown.rows] = row.to_string();
        index[shown.cols] = col.to_string();
        if let Some(c) = shown.channels {
            index[c] = ":".to_owned();
        }
        let value = match pixel {
            [v] if v.is_nan() => "NaN (missing)".to_owned(),
            [v] => format!(
                "{}{}",
                num(*v),
                self.spec
                    .units
                    .as_deref()
                    .map(|u| format!(" {u}"))
                    .unwrap_or_default()
            ),
            many => format!(
                "({})",
                many.iter().map(|v| num(*v)).collect::<Vec<_>>().join(", ")
            ),
        };
        let color = self.coloring.as_ref().map(|c| c.color_of(pixel));
        let value = match color {
            Some(c) => format!("{value}, shown #{:02x}{:02x}{:02x}", c.r(), c.g(), c.b()),
            None => value,
        };
        let mut text = format!("[{}] = {value}", index.join(", "));
        for (axis, dim, i) in [(ya, shown.rows, row), (xa, shown.cols, col)] {
            if let (Some(c), Some(Some(spec))) = (axis.coordinate(i), self.spec.axes.get(dim)) {
                text.push_str(&format!(", {} = {}", spec.title, num(c)));
            }
        }
        if tile.step > 1 {
            text.push_str(&format!(" (sampled every {}th element)", tile.step));
        }
        Some(text)
    }

    fn colorbar(&mut self, ui: &mut egui::Ui, height: f32) {
        let (rect, _) = ui.allocate_exact_size(egui::vec2(COLORBAR, height), egui::Sense::hover());
        let Some((lo, hi)) = self.limits() else {
            return;
        };
        let painter = ui.painter_at(rect);
        let bar = egui::Rect::from_min_size(
            rect.min + egui::vec2(4.0, 8.0),
            egui::vec2(16.0, (height - 16.0).max(8.0)),
        );
        let text = ui.visuals().text_color();
        let font = egui::FontId::proportional(11.0);
        let Some((colors, ticks)) = self.bar() else {
            return;
        };
        let n = colors.len();
        for (i, c) in colors.iter().enumerate() {
            let t0 = i as f32 / n as f32;
            let t1 = (i + 1) as f32 / n as f32;
            let r = egui::Rect::from_min_max(
                egui::pos2(bar.left(), bar.bottom() - t1 * bar.height()),
                egui::pos2(bar.right(), bar.bottom() - t0 * bar.height()),
            );
            painter.rect_filled(r, 0.0, *c);
        }
        for (t, label) in ticks {
            let y = bar.bottom() - t as f32 * bar.height();
            painter.line_segment(
                [egui::pos2(bar.right(), y), egui::pos2(bar.right() + 4.0, y)],
                egui::Stroke::new(1.0, text),
            );
            painter.text(
                egui::pos2(bar.right() + 6.0, y),
                egui::Align2::LEFT_CENTER,
                label,
                font.clone(),
                text,
            );
        }
        // The accessibility tree (and the tests) read the limits from here.
        let label = format!("colour limits {} to {}", num(lo), num(hi));
        ui.interact(
            rect,
            ui.make_persistent_id("colorbar"),
            egui::Sense::hover(),
        )
        .widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, &label));
    }

    fn readout_and_stats(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            match &self.readout {
                Some(r) => ui.label(r),
                None => ui.weak("Hover the image to read values."),
            };
        });
        let Some((overview, step)) = self.stats() else {
            if self.main.is_some() {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label("Reading…");
                });
            }
            return;
        };
        let s = &overview.stats;
        ui.horizontal(|ui| {
            self.histogram(ui, s);
            ui.vertical(|ui| {
                let mut text = format!(
                    "{}: min {}  max {}  mean {}  σ {}",
                    self.spec.title,
                    num(s.min),
                    num(s.max),
                    num(s.mean),
                    num(s.std)
                );
                if s.nan > 0 {
                    text.push_str(&format!("  {} NaN or missing", s.nan));
                }
                if step > 1 {
                    text.push_str(&format!(" (of every {step}th element)"));
                }
                ui.label(text);
                if self.shown.as_ref() != Some(&self.plane) || self.main.is_some() {
                    ui.horizontal(|ui| {
                        ui.spinner();
                        ui.weak("Reading…");
                    });
                }
                if s.nan > 0 {
                    ui.horizontal(|ui| {
                        let (r, _) =
                            ui.allocate_exact_size(egui::vec2(12.0, 12.0), egui::Sense::hover());
                        ui.painter().rect_filled(r, 0.0, MISSING);
                        ui.weak("NaN or missing");
                    });
                }
            });
        });
    }

    /// The histogram of the plane's numbers with the colour limits; dragging in it moves
    /// the nearer limit (manual contrast).
    fn histogram(&mut self, ui: &mut egui::Ui, s: &ImageStats) {
        let (rect, response) =
            ui.allocate_exact_size(egui::vec2(256.0, 60.0), egui::Sense::click_and_drag());
        let painter = ui.painter_at(rect);
        painter.rect_filled(rect, 2.0, ui.visuals().extreme_bg_color);
        let bins = 128;
        let per = s.histogram.len().div_ceil(bins).max(1);
        let counts: Vec<u64> = s.histogram.chunks(per).map(|c| c.iter().sum()).collect();
        let top = counts.iter().copied().max().unwrap_or(1).max(1) as f32;
        let w = rect.width() / counts.len().max(1) as f32;
        for (i, &c) in counts.iter().enumerate() {
            // Counts on a log scale, so sparse tails show.
            let hgt = ((c as f32).ln_1p() / top.ln_1p()) * rect.height();
            let x = rect.left() + i as f32 * w;
            painter.rect_filled(
                egui::Rect::from_min_max(
                    egui::pos2(x, rect.bottom() - hgt),
                    egui::pos2(x + w, rect.bottom()),
                ),
                0.0,
                ui.visuals().widgets.inactive.fg_stroke.color,
            );
        }
        let span = s.max - s.min;
        let x_of = |v: f64| {
            let t = if span > 0.0 { (v - s.min) / span } else { 0.5 };
            rect.left() + t.clamp(0.0, 1.0) as f32 * rect.width()
        };
        if let Some((lo, hi)) = self.limits() {
            for v in [lo, hi] {
                painter.vline(
                    x_of(v),
                    rect.y_range(),
                    egui::Stroke::new(2.0, Color32::RED),
                );
            }
            if let Some(p) = response.interact_pointer_pos()
                && (response.dragged() || response.clicked())
            {
                let v = s.min + f64::from((p.x - rect.left()) / rect.width()) * span;
                let manual = if (v - lo).abs() <= (v - hi).abs() {
                    (v, hi)
                } else {
                    (lo, v)
                };
                self.style.manual = manual;
                self.style.contrast = Contrast::Manual;
            }
        }
        response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, "histogram"));
    }

    /// Axes shown, swap, channels, and a slider with step and play for every other axis.
    fn mapper(&mut self, ui: &mut egui::Ui) {
        let rank = self.spec.dims.len();
        let before = self.plane.clone();
        ui.horizontal_wrapped(|ui| {
            if self.spec.components.len() > 1 {
                egui::ComboBox::from_label("values")
                    .selected_text(self.plane.component.name())
                    .show_ui(ui, |ui| {
                        for c in &self.spec.components {
                            ui.selectable_value(&mut self.plane.component, c.clone(), c.name());
                        }
                    });
            }
            if rank > 2 {
                let dims = &self.spec.dims;
                let text = |k: usize| format!("axis {k} ({})", dims[k]);
                let channels = self.plane.channels;
                for (label, which) in [("rows", 0), ("columns", 1)] {
                    let current = if which == 0 {
                        self.plane.rows
                    } else {
                        self.plane.cols
                    };
                    let other = if which == 0 {
                        self.plane.cols
                    } else {
                        self.plane.rows
                    };
                    let mut pick = current;
                    egui::ComboBox::from_label(label)
                        .selected_text(text(current))
                        .show_ui(ui, |ui| {
                            for k in (0..rank).filter(|k| Some(*k) != channels) {
                                ui.selectable_value(&mut pick, k, text(k));
                            }
                        });
                    if pick != current {
                        // Picking the other shown axis swaps the two.
                        if pick == other {
                            std::mem::swap(&mut self.plane.rows, &mut self.plane.cols);
                        } else if which == 0 {
                            self.plane.rows = pick;
                        } else {
                            self.plane.cols = pick;
                        }
                    }
                }
            }
            if rank >= 2
                && ui
                    .button("swap")
                    .on_hover_text("Swap rows and columns")
                    .clicked()
            {
                std::mem::swap(&mut self.plane.rows, &mut self.plane.cols);
            }
            if self.spec.kind == ImageKind::Channels || self.plane.channels.is_some() {
                let mut rgb = self.plane.channels.is_some();
                if ui.checkbox(&mut rgb, "colour channels").changed() {
                    self.plane.channels = if rgb { self.spec.plane.channels } else { None };
                }
            }
        });
        let frames: Vec<usize> = (0..rank).filter(|&k| !self.is_shown_axis(k)).collect();
        for k in frames {
            ui.horizontal(|ui| self.frame_slider(ui, k));
        }
        if self.plane != before {
            self.plane = normal(&self.plane);
            if (self.plane.rows, self.plane.cols) != (before.rows, before.cols) {
                self.reset = true;
                self.last_view = None;
            }
            self.error = None;
        }
    }

    /// The index of a frame axis: a slider, -, +, and play for the frame axis.
    fn frame_slider(&mut self, ui: &mut egui::Ui, k: usize) {
        index_slider(ui, k, &mut self.plane.at[k], self.spec.dims[k]);
        if Some(k) == self.frame_axis() {
            let playing = self.playing.is_some();
            if ui
                .selectable_label(
                    playing,
                    if playing {
                        format!("{PAUSE} pause")
                    } else {
                        format!("{PLAY} play")
                    },
                )
                .clicked()
            {
                self.playing = if playing { None } else { Some(Instant::now()) };
            }
        }
    }

    /// Steps to the next frame while playing, once the current one is on screen.
    fn play(&mut self, ctx: &egui::Context) {
        let (Some(since), Some(axis)) = (self.playing, self.frame_axis()) else {
            return;
        };
        if self.shown.as_ref() == Some(&self.plane) && since.elapsed() >= PLAY_EVERY {
            let n = self.spec.dims[axis];
            self.plane.at[axis] = (self.plane.at[axis] + 1) % n.max(1);
            self.playing = Some(Instant::now());
        }
        ctx.request_repaint_after(PLAY_EVERY);
    }

    /// Colormap, invert, scale, contrast with limits, and the view's orientation.
    fn style_controls(&mut self, ui: &mut egui::Ui) {
        let before = self.style.clone();
        ui.horizontal_wrapped(|ui| {
            let mapped = self.spec.kind == ImageKind::Values
                || matches!(self.palette, Some(Ok(ref p)) if p.is_empty());
            if mapped {
                egui::ComboBox::from_label("colormap")
                    .selected_text(self.style.colormap.name())
                    .show_ui(ui, |ui| {
                        for c in Colormap::ALL {
                            ui.selectable_value(&mut self.style.colormap, c, c.name());
                        }
                    });
                ui.checkbox(&mut self.style.invert, "invert");
                egui::ComboBox::from_label("scale")
                    .selected_text(self.style.scale.name())
                    .show_ui(ui, |ui| {
                        for s in Scale::ALL {
                            ui.selectable_value(&mut self.style.scale, s, s.name());
                        }
                    });
            }
            egui::ComboBox::from_label("contrast")
                .selected_text(self.style.contrast.name())
                .show_ui(ui, |ui| {
                    for c in Contrast::ALL {
                        ui.selectable_value(&mut self.style.contrast, c, c.name());
                    }
                });
            if let Some((lo, hi)) = self.limits() {
                let (mut l, mut h) = (lo, hi);
                let span = (hi - lo).abs();
                let speed = if span > 0.0 {
                    span / 200.0
                } else {
                    hi.abs().max(1.0) / 200.0
                };
                fn field(v: &mut f64, speed: f64) -> egui::DragValue<'_> {
                    egui::DragValue::new(v).speed(speed).max_decimals(6)
                }
                let a = ui.label("from");
                let lr = ui.add(field(&mut l, speed)).labelled_by(a.id);
                let b = ui.label("to");
                let hr = ui.add(field(&mut h, speed)).labelled_by(b.id);
                if (lr.changed() || hr.changed()) && (l, h) != (lo, hi) {
                    self.style.manual = (l, h);
                    self.style.contrast = Contrast::Manual;
                }
            }
            ui.separator();
            ui.checkbox(&mut self.style.flip_x, "flip x");
            ui.checkbox(&mut self.style.flip_y, "flip y");
            ui.checkbox(&mut self.style.keep_aspect, "keep aspect");
            if ui.button("Reset view").clicked() {
                self.reset = true;
            }
        });
        if self.style.keep_aspect != before.keep_aspect {
            self.reset = true;
        }
    }
}

/// The plane with the entries of `at` that it does not hold fixed set to 0, so equal
/// planes compare equal.
fn normal(plane: &Plane) -> Plane {
    let mut p = plane.clone();
    for k in [Some(p.rows), Some(p.cols), p.channels]
        .into_iter()
        .flatten()
    {
        if let Some(a) = p.at.get_mut(k) {
            *a = 0;
        }
    }
    p
}

/// Values for the colorbar's ticks: 1-2-5 steps (decades on a log scale), at least the
/// two limits when no step fits.
fn colorbar_ticks(scale: Scale, (lo, hi): (f64, f64)) -> Vec<f64> {
    let (lo, hi) = sorted(lo, hi);
    if scale == Scale::Log && lo > 0.0 {
        let decades: Vec<f64> = ((lo.log10().ceil() as i32)..=(hi.log10().floor() as i32))
            .map(|e| 10f64.powi(e))
            .collect();
        if decades.len() >= 2 {
            return decades;
        }
    }
    let step = nice_at_least((hi - lo) / 5.0);
    if !(step.is_finite() && step > 0.0) {
        return vec![lo, hi];
    }
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    (first..=last).map(|k| k as f64 * step).collect()
}

/// The plane as a numpy-like cut: `5, :, :`.
fn cut_text(plane: &Plane) -> String {
    let shown = |k: usize| k == plane.rows || k == plane.cols || Some(k) == plane.channels;
    (plane.at.iter().enumerate())
        .map(|(k, i)| {
            if shown(k) {
                ":".to_owned()
            } else {
                i.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn sorted(a: f64, b: f64) -> (f64, f64) {
    if a <= b { (a, b) } else { (b, a) }
}

/// The largest power of two at most `x` (1 for anything below 2).
fn pow2_at_most(x: f64) -> u64 {
    if x.is_nan() || x < 2.0 {
        return 1;
    }
    let x = x.min(2f64.powi(62)) as u64;
    1 << (63 - x.leading_zeros())
}

fn overlaps(b: egui_plot::PlotBounds, xs: (f64, f64), ys: (f64, f64)) -> bool {
    let (x0, x1) = sorted(xs.0, xs.1);
    let (y0, y1) = sorted(ys.0, ys.1);
    x1 >= b.min()[0] && x0 <= b.max()[0] && y1 >= b.min()[1] && y0 <= b.max()[1]
}

/// A palette dataset's colours: one row per colour, red, green and blue in 0..=255.
fn palette_colors(image: &TileImage) -> Vec<Color32> {
    let byte = |v: f64| v.clamp(0.0, 255.0).round() as u8;
    (0..image.rows)
        .filter_map(|r| {
            let row = (0..image.cols.min(3))
                .map(|c| image.pixel(r, c).map(|p| p[0]))
                .collect::<Option<Vec<f64>>>()?;
            match row[..] {
                [red, green, blue] => Some(Color32::from_rgb(byte(red), byte(green), byte(blue))),
                _ => None,
            }
        })
        .collect()
}
