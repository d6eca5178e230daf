//! The central view of a 1-D numeric dataset: its min/max overview streamed from the
//! loader, raw samples once zoomed in closer than the pyramid, a progress bar with Cancel
//! while it loads, and an inline error with Retry when it fails.
//!
//! The x axis is the sample index (physical axes are the plot issue's). Never reads data
//! itself and never waits on the pyramid's lock: it draws from what `try_read` gives.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::numbers::{num, si};
use crate::loader::lod::{AxisMap, Segments, decimate};
use crate::loader::{LineSource, Loader, Outcome, ReqId, Request, SharedLod, Stats};
use crate::model::{Component, Line, TimeUnits};

/// Requests slower than this show a progress bar.
const SHOW_PROGRESS_AFTER: Duration = Duration::from_millis(100);
/// The colour of the plotted line and its markers (one series for now).
const LINE_COLOR: egui::Color32 = egui::Color32::from_rgb(0x3d, 0x8e, 0xe0);
/// Views whose data requests replace each other.
const OVERVIEW_VIEW: &str = "line";
const RAW_VIEW: &str = "line-raw";
const X_VIEW: &str = "line-x";
const X_RAW_VIEW: &str = "line-x-raw";
const ERR_VIEW: &str = "line-err";
const ERR_RAW_VIEW: &str = "line-err-raw";
/// The colour of the error bounds: the line's, lighter.
const ERROR_COLOR: egui::Color32 = egui::Color32::from_rgba_premultiplied(0x1f, 0x47, 0x70, 0x80);

/// The titles of a line's plot and where its x values come from.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Axes {
    pub y_title: String,
    pub y_units: Option<String>,
    /// The x values: a dimension scale or coordinate line as long as the data.
    pub x: Option<XAxis>,
    /// Why an x axis the file names is not used (shown to the user).
    pub x_note: Option<String>,
    /// The x values to choose from: the file's axes for this dimension (path, name), and
    /// the user's own pick when it is another dataset.
    pub x_options: Vec<(String, String)>,
    /// The data's uncertainties, the same line through another dataset (NeXus `errors`).
    pub errors: Option<LineSource>,
}

/// The uncertainties of the plotted line, loaded like the data.
struct Errors {
    source: LineSource,
    req: Option<ReqId>,
    lod: Option<SharedLod>,
    raw: Option<Raw>,
    raw_req: Option<(ReqId, u64, u64)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct XAxis {
    pub source: LineSource,
    pub title: String,
    pub units: Option<String>,
    /// CF time units ("seconds since ..."): values are shown as dates.
    pub time: Option<TimeUnits>,
}

impl XAxis {
    /// An x value as text: a date for time axes (as precise as `span` calls for), else a
    /// number with the axis's units.
    fn text(&self, v: f64, span: f64) -> String {
        self.time
            .and_then(|t| t.format(v, span))
            .unwrap_or_else(|| si(v, self.units.as_deref()))
    }
}

/// What the user picked for the x values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum XChoice {
    /// The sample index.
    Index,
    /// A 1-D dataset of the same length, by path.
    Path(String),
}

/// A change the user asked for that needs the view rebuilt.
pub enum Pick {
    Line(Line),
    X(XChoice),
}

/// What the view needs to know about the dataset besides the line it shows.
pub struct DataShape {
    /// The dataset's shape: a dimension mapper picks the line through N-D data.
    pub dims: Vec<u64>,
    /// The numbers each element offers (compound fields, complex parts), for a picker.
    pub components: Vec<Component>,
    /// Discrete states (enums, bools): drawn as steps, each value holding until the next.
    pub steps: bool,
}

/// An x axis being loaded or in use.
struct XState {
    axis: XAxis,
    req: Option<ReqId>,
    map: Option<AxisMap>,
    raw: Option<Raw>,
    raw_req: Option<(ReqId, u64, u64)>,
}

#[derive(Debug, PartialEq)]
enum State {
    Loading,
    Ready,
    Failed(String),
    Cancelled,
}

/// Raw samples `start..start+values.len()`.
struct Raw {
    start: u64,
    values: Arc<[f64]>,
}

impl Raw {
    /// The sample at index `i`, when `i` is a whole index these samples cover.
    fn at(&self, i: f64) -> Option<f64> {
        if i.fract() != 0.0 || i < self.start as f64 {
            return None;
        }
        self.values.get((i - self.start as f64) as usize).copied()
    }
}

/// What was drawn last, so a frame with the same bounds reuses its points.
struct Drawn {
    key: (u64, u64, usize, u64),
    segments: Segments,
    /// Whether the points are raw samples (not a pyramid's extremes).
    raw: bool,
}

pub struct LineView {
    source: LineSource,
    /// The dataset's shape: a dimension mapper picks the line through N-D data.
    shape: Vec<u64>,
    /// The numbers each element offers (compound fields, complex parts), for a picker.
    components: Vec<Component>,
    steps: bool,
    /// The other files the values are kept in ("" when none); read only when allowed.
    outside_files: String,
    state: State,
    /// The overview request in flight.
    req: Option<ReqId>,
    started: Instant,
    lod: Option<SharedLod>,
    progress: (u64, u64),
    raw: Option<Raw>,
    /// The raw request in flight and the range it covers.
    raw_req: Option<(ReqId, u64, u64)>,
    drawn: Option<Drawn>,
    y_title: String,
    y_units: Option<String>,
    x: Option<XState>,
    /// Why the file's x axis is not used.
    x_note: Option<String>,
    log_x: bool,
    log_y: bool,
    /// Return to the whole line on the next frame.
    reset: bool,
    x_options: Vec<(String, String)>,
    /// Whether to show the mapper, the x picker and the controls.
    controls: bool,
    errors: Option<Errors>,
}

impl LineView {
    /// Starts loading the overview of `source` (whose values may live in `outside_files`)
    /// and of its x axis.
    pub fn new(
        source: LineSource,
        data: DataShape,
        outside_files: String,
        axes: Axes,
        loader: &mut Loader,
        next_req: &mut ReqId,
    ) -> Self {
        let mut v = Self {
            source,
            shape: data.dims,
            components: data.components,
            steps: data.steps,
            outside_files,
            state: State::Loading,
            req: None,
            started: Instant::now(),
            lod: None,
            progress: (0, 0),
            raw: None,
            raw_req: None,
            drawn: None,
            y_title: axes.y_title,
            y_units: axes.y_units,
            x: axes.x.map(|axis| XState {
                axis,
                req: None,
                map: None,
                raw: None,
                raw_req: None,
            }),
            x_note: axes.x_note,
            log_x: false,
            log_y: false,
            reset: false,
            x_options: axes.x_options,
            controls: true,
            errors: axes.errors.map(|source| Errors {
                source,
                req: None,
                lod: None,
                raw: None,
                raw_req: None,
            }),
        };
        v.load(loader, next_req);
        v
    }

    pub fn source(&self) -> &LineSource {
        &self.source
    }

    /// Where loading stands (a render waits for `Ready`).
    pub fn status(&self) -> super::PlotStatus {
        match &self.state {
            State::Loading => super::PlotStatus::Loading,
            State::Ready if self.x.as_ref().is_some_and(|x| x.map.is_none()) => {
                super::PlotStatus::Loading
            }
            State::Ready => super::PlotStatus::Ready,
            State::Failed(e) => super::PlotStatus::Failed(e.clone()),
            State::Cancelled => super::PlotStatus::Failed("loading was cancelled".to_owned()),
        }
    }

    /// Shows or hides the mapper, the x picker and the plot controls (hidden in a rendered
    /// image).
    pub fn set_controls(&mut self, on: bool) {
        self.controls = on;
    }

    fn load(&mut self, loader: &mut Loader, next_req: &mut ReqId) {
        let req = take(next_req);
        self.req = Some(req);
        self.state = State::Loading;
        self.started = Instant::now();
        self.drawn = None;
        loader.send(Request::Overview {
            req,
            view: OVERVIEW_VIEW,
            source: self.source.clone(),
        });
        // The errors and the x axis stream beside the data, each as its own view.
        let errors = self
            .errors
            .as_mut()
            .map(|e| (ERR_VIEW, &e.source, &mut e.req));
        let x = (self.x.as_mut())
            .filter(|x| x.map.is_none())
            .map(|x| (X_VIEW, &x.axis.source, &mut x.req));
        for (view, source, slot) in [errors, x].into_iter().flatten() {
            let req = take(next_req);
            *slot = Some(req);
            loader.send(Request::Overview {
                req,
                view,
                source: source.clone(),
            });
        }
    }

    /// Stops whatever this view is loading (it is being closed or replaced).
    pub fn cancel(&mut self, loader: &mut Loader) {
        for req in self.requests() {
            loader.send(Request::Cancel { req });
        }
        self.req = None;
        self.raw_req = None;
        for (req, raw) in self.parts_mut() {
            *req = None;
            *raw = None;
        }
    }

    /// Every request this view has in flight: the data's, the x axis's, the errors'.
    fn requests(&self) -> Vec<ReqId> {
        let x = self.x.as_ref().map(|x| (x.req, x.raw_req));
        let e = self.errors.as_ref().map(|e| (e.req, e.raw_req));
        [Some((self.req, self.raw_req)), x, e]
            .into_iter()
            .flatten()
            .flat_map(|(req, raw)| [req, raw.map(|r| r.0)])
            .flatten()
            .collect()
    }

    /// The request slots of the x axis and the errors.
    #[allow(clippy::type_complexity)]
    fn parts_mut(&mut self) -> Vec<(&mut Option<ReqId>, &mut Option<(ReqId, u64, u64)>)> {
        let x = self.x.as_mut().map(|x| (&mut x.req, &mut x.raw_req));
        let e = self.errors.as_mut().map(|e| (&mut e.req, &mut e.raw_req));
        [x, e].into_iter().flatten().collect()
    }

    /// Whether `req` is one of this view's requests.
    pub fn owns(&self, req: ReqId) -> bool {
        self.requests().contains(&req)
    }

    pub fn on_progress(&mut self, req: ReqId, lod: SharedLod, done: u64, total: u64) {
        if self.req == Some(req) {
            self.lod = Some(lod);
            self.progress = (done, total);
            self.drawn = None;
        }
    }

    pub fn on_data(&mut self, req: ReqId, outcome: Outcome) {
        if let Some(e) = self.errors.as_mut() {
            if e.req == Some(req) {
                e.req = None;
                if let Outcome::Overview(lod) = outcome {
                    e.lod = Some(lod);
                    self.drawn = None;
                }
                return;
            }
            if e.raw_req.is_some_and(|r| r.0 == req) {
                e.raw_req = None;
                if let Outcome::Samples { start, values } = outcome {
                    e.raw = Some(Raw { start, values });
                    self.drawn = None;
                }
                return;
            }
        }
        if let Some(x) = self.x.as_mut()
            && (x.req == Some(req) || x.raw_req.is_some_and(|r| r.0 == req))
        {
            return self.on_x_data(req, outcome);
        }
        if self.raw_req.is_some_and(|r| r.0 == req) {
            self.raw_req = None;
            match outcome {
                Outcome::Samples { start, values } => {
                    self.raw = Some(Raw { start, values });
                    self.drawn = None;
                }
                Outcome::Failed(e) => self.state = State::Failed(e),
                _ => {}
            }
            return;
        }
        if self.req != Some(req) {
            return;
        }
        self.req = None;
        self.state = match outcome {
            Outcome::Overview(lod) => {
                self.lod = Some(lod);
                self.drawn = None;
                State::Ready
            }
            Outcome::Failed(e) => State::Failed(e),
            Outcome::Cancelled => State::Cancelled,
            Outcome::Samples { .. } | Outcome::Environment(_) | Outcome::Done => State::Ready,
        };
    }

    /// An answer about the x axis: its pyramid becomes the index-to-value map, or the axis
    /// is dropped with a note saying why; raw values give exact x when zoomed in.
    fn on_x_data(&mut self, req: ReqId, outcome: Outcome) {
        let Some(x) = self.x.as_mut() else { return };
        if x.raw_req.is_some_and(|r| r.0 == req) {
            x.raw_req = None;
            if let Outcome::Samples { start, values } = outcome {
                x.raw = Some(Raw { start, values });
                self.drawn = None;
            }
            return;
        }
        x.req = None;
        let path = x.axis.source.path.clone();
        let map = match outcome {
            Outcome::Overview(lod) => match lod.read() {
                Ok(l) => AxisMap::new(&l).map_err(|e| e.to_string()),
                Err(_) => Err("it could not be read".to_owned()),
            },
            Outcome::Failed(e) => Err(e),
            Outcome::Cancelled => return,
            Outcome::Samples { .. } | Outcome::Environment(_) | Outcome::Done => return,
        };
        match map {
            Ok(m) => {
                x.map = Some(m);
                self.drawn = None;
            }
            Err(e) => {
                self.x_note = Some(format!("x axis {path} not used: {e}"));
                self.x = None;
            }
        }
    }

    /// The lines y + e and y - e along the drawn points, in plot coordinates; none without
    /// errors.
    fn error_bounds(
        &self,
        segments: &Segments,
        span: f64,
        (log_x, log_y): (bool, bool),
    ) -> Segments {
        let Some(e) = &self.errors else {
            return Vec::new();
        };
        // One look at the pyramid per frame, not one per point.
        let lod = e.lod.as_ref().and_then(|l| l.try_read().ok());
        // The uncertainty at sample index `i`: exact from raw values when they cover it,
        // else the largest over the `span` samples around it.
        let error_at = |i: f64| {
            e.raw.as_ref().and_then(|r| r.at(i)).or_else(|| {
                lod.as_ref()
                    .and_then(|l| l.max_over(i - span, i + span.max(1.0)))
            })
        };
        let mut out = Vec::new();
        for sign in [1.0, -1.0] {
            for s in segments {
                let pts = s.iter().filter_map(|&[i, y]| {
                    let e = error_at(i)?;
                    Some([to_log(self.x_of(i), log_x), to_log(y + sign * e, log_y)])
                });
                out.extend(finite_runs(pts));
            }
        }
        out
    }

    /// The x axis in use, once its values are known.
    fn x_map(&self) -> Option<&AxisMap> {
        self.x.as_ref().and_then(|x| x.map.as_ref())
    }

    /// The x value of a (fractional) sample index: exact from raw x values when the index
    /// is a sample they cover, else from the axis map; the index itself without an axis.
    fn x_of(&self, i: f64) -> f64 {
        let Some(x) = &self.x else { return i };
        x.raw
            .as_ref()
            .and_then(|r| r.at(i))
            .or_else(|| x.map.as_ref().map(|m| m.value(i)))
            .unwrap_or(i)
    }

    /// Draws the view; returns a new line when the user picks another one through N-D data.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        loader: &mut Loader,
        next_req: &mut ReqId,
    ) -> Option<Pick> {
        let picked = if self.controls {
            self.mapper(ui)
                .map(Pick::Line)
                .or_else(|| self.x_picker(ui).map(Pick::X))
        } else {
            None
        };
        self.status_row(ui, loader, next_req);
        // After a failure there is nothing trustworthy to draw, and fetching more would
        // only fail again until the user retries.
        if self.lod.is_none() || matches!(self.state, State::Failed(_)) {
            return picked;
        }
        if self.x.is_some() && self.x_map().is_none() {
            // The x axis decides the plot's units: wait for it (it streams like the data).
            ui.spinner();
            return picked;
        }
        self.plot(ui, loader, next_req);
        picked
    }

    /// Which values run along x: the sample index or one of the axes the file names (or the
    /// dataset the user chose with "Use as x").
    fn x_picker(&self, ui: &mut egui::Ui) -> Option<XChoice> {
        if self.x_options.is_empty() {
            return None;
        }
        let current = self.x.as_ref().map(|x| x.axis.source.path.as_str());
        let mut picked = None;
        let label = |path: Option<&str>| match path {
            None => "sample index".to_owned(),
            Some(p) => self
                .x_options
                .iter()
                .find(|(op, _)| op == p)
                .map_or_else(|| p.to_owned(), |(op, name)| format!("{name} ({op})")),
        };
        egui::ComboBox::from_label("x values")
            .selected_text(label(current))
            .show_ui(ui, |ui| {
                if ui
                    .selectable_label(current.is_none(), label(None))
                    .clicked()
                {
                    picked = Some(XChoice::Index);
                }
                for (path, _) in &self.x_options {
                    let on = current == Some(path.as_str());
                    if ui.selectable_label(on, label(Some(path))).clicked() && !on {
                        picked = Some(XChoice::Path(path.clone()));
                    }
                }
            });
        picked.filter(|p| match p {
            XChoice::Index => current.is_some(),
            XChoice::Path(path) => current != Some(path.as_str()),
        })
    }

    /// Which number of each element (compound field, complex part) when there is a choice.
    fn component_picker(&self, ui: &mut egui::Ui) -> Option<Line> {
        if self.components.len() < 2 {
            return None;
        }
        let line = &self.source.line;
        let mut picked = None;
        egui::ComboBox::from_label("values")
            .selected_text(line.component.name())
            .show_ui(ui, |ui| {
                for c in &self.components {
                    let on = *c == line.component;
                    if ui.selectable_label(on, c.name()).clicked() && !on {
                        picked = Some(Line {
                            component: c.clone(),
                            ..line.clone()
                        });
                    }
                }
            });
        picked
    }

    /// For N-D data: which axis runs along x, and the index of every other axis; and which
    /// number of each element.
    fn mapper(&self, ui: &mut egui::Ui) -> Option<Line> {
        let rank = self.shape.len();
        if rank < 2 && self.components.len() < 2 {
            // Nothing to choose: no empty row either.
            return None;
        }
        let line = &self.source.line;
        let mut picked = None;
        ui.horizontal_wrapped(|ui| {
            picked = self.component_picker(ui);
            if rank < 2 {
                return;
            }
            let axis_text = |k: usize| format!("along axis {k} ({})", self.shape[k]);
            egui::ComboBox::from_label("x")
                .selected_text(axis_text(line.axis))
                .show_ui(ui, |ui| {
                    for k in 0..rank {
                        if ui.selectable_label(k == line.axis, axis_text(k)).clicked()
                            && k != line.axis
                        {
                            picked = Some(Line {
                                axis: k,
                                ..line.clone()
                            });
                        }
                    }
                });
            for k in (0..rank).filter(|k| *k != line.axis) {
                let last = self.shape[k].saturating_sub(1);
                let mut at = line.at[k];
                let name = ui.label(format!("axis {k}:"));
                let step = |ui: &mut egui::Ui, text: &str, what: &str, enabled: bool| {
                    let r = ui.add_enabled(enabled, egui::Button::new(text));
                    let label = format!("{what} index of axis {k}");
                    r.widget_info(|| {
                        egui::WidgetInfo::labeled(egui::Role::Button, enabled, &label)
                    });
                    r.clicked()
                };
                if step(ui, "-", "previous", at > 0) {
                    at -= 1;
                }
                ui.add(egui::DragValue::new(&mut at).range(0..=last))
                    .labelled_by(name.id);
                if step(ui, "+", "next", at < last) {
                    at += 1;
                }
                ui.label(format!("of {}", self.shape[k]));
                if at != line.at[k] {
                    let mut next = line.clone();
                    next.at[k] = at;
                    picked = Some(next);
                }
            }
        });
        picked
    }

    /// Reset and per-axis log scale (the keys: 0 resets, + and - zoom, arrows pan).
    fn plot_controls(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            if ui.button("Reset view").clicked() {
                self.reset = true;
            }
            for (on, name) in [(&mut self.log_x, "log x"), (&mut self.log_y, "log y")] {
                if ui.checkbox(on, name).changed() {
                    self.reset = true;
                    self.drawn = None;
                }
            }
        });
    }

    fn plot(&mut self, ui: &mut egui::Ui, loader: &mut Loader, next_req: &mut ReqId) {
        if self.controls {
            self.plot_controls(ui);
        }
        let (log_x, log_y) = (self.log_x, self.log_y);
        let fetch = self.state != State::Cancelled;
        let columns = (ui.available_width() * ui.pixels_per_point()).max(1.0) as usize;
        let len = self.source.len as f64;
        let mut wanted_raw = None;
        let name = if self.state == State::Loading {
            format!("{} (loading)", self.source.path)
        } else {
            self.source.path.clone()
        };
        let x_title = self
            .x
            .as_ref()
            .map_or_else(|| "sample index".to_owned(), |x| x.axis.title.clone());
        let (first, last) = (self.x_of(0.0), self.x_of((len - 1.0).max(0.0)));
        let (first, last) = (to_log(first, log_x), to_log(last, log_x));
        let x_axis = self.x.as_ref().map(|x| x.axis.clone());
        let tick_axis = x_axis.clone();
        let y_units = self.y_units.clone();
        // The readout: the nearest drawn point (a sample, or a bucket's extreme, which is a
        // sample too) in the axes' units.
        let readout = move |pos: &egui_plot::HoverPosition<'_>| match pos {
            egui_plot::HoverPosition::NearDataPoint { position, .. } => {
                let (x, y) = (from_log(position.x, log_x), from_log(position.y, log_y));
                Some(format!(
                    "x {}\ny {}",
                    x_axis.as_ref().map_or_else(|| num(x), |a| a.text(x, 0.0)),
                    si(y, y_units.as_deref())
                ))
            }
            egui_plot::HoverPosition::Elsewhere { .. } => None,
        };
        egui_plot::Plot::new(("line", self.source.path.clone(), self.source.file))
            .include_x(first)
            .include_x(last)
            .x_axis_label(x_title)
            .y_axis_label(self.y_title.clone())
            .label_formatter(readout)
            .x_axis_formatter(move |mark, range| {
                let v = from_log(mark.value, log_x);
                match &tick_axis {
                    Some(x) if x.time.is_some() => {
                        let span = from_log(*range.end(), log_x) - from_log(*range.start(), log_x);
                        x.text(v, span)
                    }
                    _ => num(v),
                }
            })
            .y_axis_formatter(move |mark, _| num(from_log(mark.value, log_y)))
            .x_grid_spacer(nice_grid)
            .y_grid_spacer(nice_grid)
            .show(ui, |p| {
                if std::mem::take(&mut self.reset) {
                    p.set_auto_bounds(true);
                }
                keyboard(p);
                let b = p.plot_bounds();
                let (bx0, bx1) = (from_log(b.min()[0], log_x), from_log(b.max()[0], log_x));
                // The visible x range as sample indices (an axis may run either way).
                let (i0, i1) = match self.x_map() {
                    Some(m) => {
                        let (a, b) = (m.index(bx0), m.index(bx1));
                        (a.min(b), a.max(b) + 1.0)
                    }
                    None => (bx0, bx1),
                };
                let (segments, raw, fetch) = self.segments(i0.max(0.0), i1.min(len), columns);
                wanted_raw = fetch;
                // Sparse raw samples get markers, so single samples can be told apart.
                let markers = raw && segments.iter().map(Vec::len).sum::<usize>() <= columns / 6;
                // Discrete states hold until the next sample: steps, for raw samples.
                let stepped = |s: &Vec<[f64; 2]>| match raw && self.steps {
                    true => steps(s),
                    false => s.clone(),
                };
                let runs = segments.iter().flat_map(|s| {
                    let pts = stepped(s)
                        .into_iter()
                        .map(|[i, y]| [to_log(self.x_of(i), log_x), to_log(y, log_y)]);
                    finite_runs(pts)
                });
                // Error bounds: y plus and minus the uncertainty at each point (over the
                // samples one pixel column covers, when drawn from pyramids).
                let span = (i1 - i0) / columns as f64;
                for pts in self.error_bounds(&segments, span, (log_x, log_y)) {
                    p.line(egui_plot::Line::new("errors", pts).color(ERROR_COLOR));
                }
                if markers {
                    // On the samples themselves, not on the corners of steps.
                    let samples = segments
                        .iter()
                        .flatten()
                        .map(|&[i, y]| [to_log(self.x_of(i), log_x), to_log(y, log_y)]);
                    for pts in finite_runs(samples) {
                        let dots = egui_plot::Points::new(name.clone(), pts);
                        p.points(dots.radius(2.5).color(LINE_COLOR));
                    }
                }
                for pts in runs.collect::<Vec<_>>() {
                    let line = egui_plot::Line::new(name.clone(), pts).color(LINE_COLOR);
                    // egui_plot merges points sharing an x into a filled band: right for a
                    // min/max envelope, wrong for the vertical edges of steps.
                    p.line(line.allow_hover(true).allow_band(!(raw && self.steps)));
                }
            });
        if let Some((start, count)) = wanted_raw.filter(|_| fetch) {
            self.request_raw(start, count, loader, next_req);
        }
    }

    /// The progress bar and Cancel, the error and Retry, or the statistics line.
    fn status_row(&mut self, ui: &mut egui::Ui, loader: &mut Loader, next_req: &mut ReqId) {
        match &self.state {
            State::Loading => {
                if self.started.elapsed() < SHOW_PROGRESS_AFTER {
                    ui.ctx().request_repaint_after(SHOW_PROGRESS_AFTER);
                    return;
                }
                let (done, total) = self.progress;
                let f = if total == 0 {
                    0.0
                } else {
                    done as f32 / total as f32
                };
                ui.horizontal(|ui| {
                    ui.add(
                        egui::ProgressBar::new(f)
                            .desired_width(240.0)
                            .show_percentage()
                            .animate(true),
                    );
                    if ui.button("Cancel").clicked() {
                        self.cancel(loader);
                        self.state = State::Cancelled;
                    }
                });
            }
            State::Failed(e) => {
                let text = egui::RichText::new(e.clone()).color(ui.visuals().error_fg_color);
                ui.add(egui::Label::new(text).wrap());
                ui.horizontal(|ui| self.failed_actions(ui, loader, next_req));
            }
            State::Cancelled => {
                ui.horizontal(|ui| {
                    ui.weak("Loading cancelled.");
                    if ui.button("Retry").clicked() {
                        self.load(loader, next_req);
                    }
                });
            }
            State::Ready => {
                if let Some(text) = self.stats_text() {
                    ui.label(text);
                }
            }
        }
        if let Some(x) = &self.x
            && let Some(m) = &x.map
        {
            let last = (self.source.len as f64 - 1.0).max(0.0);
            let (a, b) = (m.value(0.0), m.value(last));
            let (a, b) = match x.axis.time {
                Some(_) => (x.axis.text(a, b - a), x.axis.text(b, b - a)),
                None => (num(a), num(b)),
            };
            ui.weak(format!(
                "x: {} from {a} to {b} ({})",
                x.axis.title, x.axis.source.path
            ));
        }
        if let Some(e) = &self.errors {
            ui.weak(format!("± errors from {}", e.source.path));
        }
        if let Some(note) = &self.x_note {
            ui.weak(note);
        }
    }

    /// Retry, and the permission to read other files when the values live there.
    fn failed_actions(&mut self, ui: &mut egui::Ui, loader: &mut Loader, next_req: &mut ReqId) {
        if ui.button("Retry").clicked() {
            self.raw = None;
            self.load(loader, next_req);
        }
        if !self.source.outside
            && !self.outside_files.is_empty()
            && ui
                .button("Read the other files")
                .on_hover_text(format!("Allow reading {}", self.outside_files))
                .clicked()
        {
            self.source.outside = true;
            self.raw = None;
            self.load(loader, next_req);
        }
    }

    fn stats_text(&self) -> Option<String> {
        let lod = self.lod.as_ref()?.try_read().ok()?;
        let s: &Stats = lod.stats();
        let mut text = format!("{} samples", s.count + s.nan);
        if let Some(mean) = s.mean() {
            text += &format!(
                " · min {} · max {} · mean {}",
                num(s.min),
                num(s.max),
                num(mean)
            );
        }
        if s.nan > 0 {
            // With CF masks, NaN stands for samples the file marks as missing too.
            let what = match &self.source.calibration {
                Some(c) if c.masks() => "missing",
                _ => "NaN",
            };
            text += &format!(" · {} {what}", s.nan);
        }
        Some(text)
    }

    /// The points for samples `x0..x1` on `columns` columns, whether they are raw samples,
    /// and the raw samples to fetch when the pyramid is too coarse and none cover the range.
    fn segments(
        &mut self,
        x0: f64,
        x1: f64,
        columns: usize,
    ) -> (Segments, bool, Option<(u64, u64)>) {
        let merged = self.progress.0;
        let key = (x0.to_bits(), x1.to_bits(), columns, merged);
        let mut raw_needed = None;
        if self.drawn.as_ref().is_none_or(|d| d.key != key) {
            let from_lod = self
                .lod
                .as_ref()
                .and_then(|l| l.try_read().ok().map(|l| l.envelope(x0, x1, columns)));
            let segments = match from_lod {
                Some(Some(s)) => Some((s, false)),
                // Closer than the pyramid: raw samples, when they cover the range.
                Some(None) => match &self.raw {
                    Some(r)
                        if r.start as f64 <= x0.floor()
                            && (r.start + r.values.len() as u64) as f64
                                >= x1.ceil().min(self.source.len as f64) =>
                    {
                        Some((decimate(r.start, &r.values, x0, x1, columns), true))
                    }
                    _ => {
                        let start = x0.floor() as u64;
                        let end = (x1.ceil() as u64 + 1).min(self.source.len);
                        raw_needed = Some((start, end.saturating_sub(start)));
                        None
                    }
                },
                // The pyramid is being written: keep the last points this frame.
                None => None,
            };
            if let Some((segments, raw)) = segments {
                self.drawn = Some(Drawn { key, segments, raw });
            }
        }
        match &self.drawn {
            Some(d) => (d.segments.clone(), d.raw, raw_needed),
            None => (Vec::new(), false, raw_needed),
        }
    }

    fn request_raw(&mut self, start: u64, count: u64, loader: &mut Loader, next_req: &mut ReqId) {
        if self
            .raw_req
            .is_some_and(|(_, s, c)| s <= start && s + c >= start + count)
        {
            return;
        }
        // The same samples of the data, its errors and its x axis.
        let data = Some((RAW_VIEW, &self.source, &mut self.raw_req));
        let errors = (self.errors.as_mut()).map(|e| (ERR_RAW_VIEW, &e.source, &mut e.raw_req));
        let x = (self.x.as_mut()).map(|x| (X_RAW_VIEW, &x.axis.source, &mut x.raw_req));
        for (view, source, slot) in [data, errors, x].into_iter().flatten() {
            let req = take(next_req);
            *slot = Some((req, start, count));
            loader.send(Request::Samples {
                req,
                view,
                source: source.clone(),
                start,
                count,
            });
        }
    }
}

fn take(next: &mut ReqId) -> ReqId {
    *next += 1;
    *next
}

/// Grid lines at 1-2-5 steps (egui_plot's default is powers of ten, which leaves a short
/// axis with a single labelled tick): three sizes, each a multiple of the one below, so
/// every mark is listed once with the largest step it belongs to.
fn nice_grid(input: egui_plot::GridInput) -> Vec<egui_plot::GridMark> {
    let base = input.base_step_size;
    if !(base.is_finite() && base > 0.0) {
        return Vec::new();
    }
    let s1 = nice_at_least(base);
    let s2 = nice_at_least(s1 * 4.0);
    let s3 = nice_at_least(s2 * 4.0);
    let (lo, hi) = input.bounds;
    let mut marks = Vec::new();
    for (step, coarser) in [(s3, None), (s2, Some(s3)), (s1, Some(s2))] {
        let (first, last) = ((lo / step).ceil(), (hi / step).floor());
        if !(first.is_finite() && last.is_finite()) || last - first > 10_000.0 {
            continue;
        }
        let mut k = first;
        while k <= last {
            let value = k * step;
            let taken = coarser.is_some_and(|c: f64| {
                let q = value / c;
                (q - q.round()).abs() < 1e-6
            });
            if !taken {
                marks.push(egui_plot::GridMark {
                    value,
                    step_size: step,
                });
            }
            k += 1.0;
        }
    }
    marks
}

/// The smallest of 1, 2, 5 times a power of ten that is at least `x`.
fn nice_at_least(x: f64) -> f64 {
    let e = 10f64.powf(x.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * e)
        .find(|v| *v >= x * (1.0 - 1e-9))
        .unwrap_or(10.0 * e)
}

/// Samples at integer indices as steps: each value held until the next sample's index.
fn steps(points: &[[f64; 2]]) -> Vec<[f64; 2]> {
    let mut out = Vec::with_capacity(points.len() * 2);
    for (k, p) in points.iter().enumerate() {
        out.push(*p);
        let next = points.get(k + 1).map_or(p[0] + 1.0, |n| n[0]);
        out.push([next, p[1]]);
    }
    out
}

/// A value on a log axis (log10; NaN where the log is undefined), or itself.
fn to_log(v: f64, log: bool) -> f64 {
    match log {
        true if v > 0.0 => v.log10(),
        true => f64::NAN,
        false => v,
    }
}

/// The inverse of [`to_log`].
fn from_log(v: f64, log: bool) -> f64 {
    if log { 10f64.powf(v) } else { v }
}

/// Splits points into runs without NaN (a log axis drops zero and negative values).
fn finite_runs(points: impl Iterator<Item = [f64; 2]>) -> Vec<Vec<[f64; 2]>> {
    let mut runs = vec![Vec::new()];
    for p in points {
        if p[0].is_finite() && p[1].is_finite() {
            if let Some(r) = runs.last_mut() {
                r.push(p);
            }
        } else if runs.last().is_some_and(|r| !r.is_empty()) {
            runs.push(Vec::new());
        }
    }
    runs.retain(|r| !r.is_empty());
    runs
}

/// Keyboard zoom and pan while the pointer is over the plot: + and - zoom, arrows pan by a
/// tenth of the view, 0 returns to the whole line.
fn keyboard(p: &mut egui_plot::PlotUi<'_>) {
    if !p.response().hovered() {
        return;
    }
    let (zoom_in, zoom_out, left, right, reset) = p.ctx().input(|i| {
        (
            i.key_pressed(egui::Key::Plus) || i.key_pressed(egui::Key::Equals),
            i.key_pressed(egui::Key::Minus),
            i.key_pressed(egui::Key::ArrowLeft),
            i.key_pressed(egui::Key::ArrowRight),
            i.key_pressed(egui::Key::Num0),
        )
    });
    let b = p.plot_bounds();
    let center = egui_plot::PlotPoint::new(
        (b.min()[0] + b.max()[0]) / 2.0,
        (b.min()[1] + b.max()[1]) / 2.0,
    );
    if zoom_in {
        p.zoom_bounds(egui::vec2(1.25, 1.0), center);
    }
    if zoom_out {
        p.zoom_bounds(egui::vec2(0.8, 1.0), center);
    }
    // In plot units: a tenth of what is visible.
    let step = ((b.max()[0] - b.min()[0]) / 10.0) as f32;
    if left {
        p.translate_bounds(egui::vec2(-step, 0.0));
    }
    if right {
        p.translate_bounds(egui::vec2(step, 0.0));
    }
    if reset {
        p.set_auto_bounds(true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_steps_go_one_two_five() {
        assert_eq!(nice_at_least(0.3), 0.5);
        assert_eq!(nice_at_least(1.0), 1.0);
        assert_eq!(nice_at_least(13.0), 20.0);
        let marks = nice_grid(egui_plot::GridInput {
            bounds: (11.0, 146.0),
            base_step_size: 1.5,
        });
        // Steps 2, 10, 50: 50 and 100 carry the largest step, 20, 30 ... the middle one.
        let step_of = |v: f64| marks.iter().find(|m| m.value == v).map(|m| m.step_size);
        assert_eq!(step_of(100.0), Some(50.0));
        assert_eq!(step_of(20.0), Some(10.0));
        assert_eq!(step_of(12.0), Some(2.0));
        assert_eq!(
            marks.iter().filter(|m| m.value == 50.0).count(),
            1,
            "listed once"
        );
    }

    #[test]
    fn states_hold_until_the_next_sample() {
        let s = steps(&[[0.0, 1.0], [1.0, 3.0], [4.0, 2.0]]);
        assert_eq!(
            s,
            [
                [0.0, 1.0],
                [1.0, 1.0],
                [1.0, 3.0],
                [4.0, 3.0],
                [4.0, 2.0],
                [5.0, 2.0]
            ]
        );
    }

    #[test]
    fn log_axes_drop_what_has_no_log() {
        let pts = [[1.0, 10.0], [2.0, -1.0], [3.0, 100.0]]
            .map(|[x, y]| [to_log(x, false), to_log(y, true)]);
        assert_eq!(
            finite_runs(pts.into_iter()),
            vec![vec![[1.0, 1.0]], vec![[3.0, 2.0]]]
        );
        assert_eq!(from_log(2.0, true), 100.0);
    }
}
