//! The central plot of numeric data: one or more lines (the selected dataset, several lines
//! through N-D data, NeXus auxiliary signals, datasets the user overlays from any open
//! file), each streamed from the loader as a min/max overview and raw samples once zoomed
//! in, drawn on one linked x axis with a legend; a dimension mapper, x and value pickers,
//! plot controls, a progress bar with Cancel and errors with Retry.
//!
//! Never reads data itself and never waits on a pyramid's lock: it draws from what
//! `try_read` gives.

mod grid;
mod series;
mod stream;

use std::time::Duration;

use super::look::{Bounds, PlotLook};
use super::numbers::{num, whole};
use super::widgets::index_step;
use crate::export::svg::{Figure, Trace};
use crate::loader::{Loader, Outcome, ReqId, SharedLod};
use crate::model::{Component, Line};

use self::grid::{nice_grid, time_grid};
use self::series::{Series, State, value_text};
pub use self::series::{SeriesSpec, XAxis};

/// Requests slower than this show a progress bar.
const SHOW_PROGRESS_AFTER: Duration = Duration::from_millis(100);
/// The most lines drawn from one N-D dataset at once.
pub const MAX_LINES: u64 = 16;
/// The choice of every number of each element in the values picker.
const ALL_VALUES: &str = "all of them";
/// Up to this many lines, each line's statistics are listed and the legend is shown;
/// beyond, the list is folded and the readout names the line under the cursor.
const FEW_LINES: usize = 8;

/// The titles of the plot and the choices its pickers offer.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Axes {
    pub y_title: String,
    /// The x values to choose from: the file's axes for this dimension (path, name), and
    /// the user's own pick when it is another dataset.
    pub x_options: Vec<(String, String)>,
    /// What could not be added to the plot, and why.
    pub notes: Vec<String>,
}

/// What the user picked for the x values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum XChoice {
    /// The sample index.
    Index,
    /// A 1-D dataset of the same length, by path.
    Path(String),
}

/// How the user chose to cut lines out of a dataset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineChoice {
    pub line: Line,
    /// Draw a line for each index of this axis (from `line.at[axis]`, at most
    /// [`MAX_LINES`]) rather than one.
    pub across: Option<usize>,
    /// Draw a line for every number of each element (all compound fields, all complex
    /// parts) rather than `line.component` alone.
    pub all_values: bool,
}

/// A change the user asked for that needs the view rebuilt.
pub enum Pick {
    Line(LineChoice),
    X(XChoice),
    /// Take the overlay with this number off the plot.
    RemoveOverlay(usize),
}

/// What the view needs to know about the selected dataset besides its lines.
pub struct DataShape {
    /// The dataset's shape: a dimension mapper picks the line through N-D data.
    pub dims: Vec<u64>,
    /// The numbers each element offers (compound fields, complex parts), for a picker.
    pub components: Vec<Component>,
}

/// One line to draw and where it comes from.
pub struct Plotted {
    pub spec: SeriesSpec,
    /// The number of the overlay it is, when the user added it (it can be removed).
    pub overlay: Option<usize>,
}

pub struct LineView {
    /// The first is the selection's line; all share the plot's x axis.
    series: Vec<Series>,
    shape: DataShape,
    choice: LineChoice,
    y_title: String,
    x_options: Vec<(String, String)>,
    /// What could not be added to the plot, and why.
    left_out: Vec<String>,
    log_x: bool,
    log_y: bool,
    /// Return to the whole line on the next frame.
    reset: bool,
    /// Whether to show the mapper, the x picker and the controls.
    controls: bool,
    /// What the last frame drew, for the SVG export.
    figure: Option<Figure>,
    /// Visible ranges to show on the next frame (a figure drawn as the screen showed it).
    bounds: Option<Bounds>,
}

impl LineView {
    /// Starts loading every line (the first is the selection's, cut from its dataset as
    /// `choice` says) and their x axes.
    pub fn new(
        lines: Vec<Plotted>,
        shape: DataShape,
        choice: LineChoice,
        axes: Axes,
        loader: &mut Loader,
        next_req: &mut ReqId,
    ) -> Self {
        let mut series = Vec::with_capacity(lines.len());
        for (k, p) in lines.into_iter().enumerate() {
            let mut s = Series::new(p.spec, k as u32, color(k));
            s.overlay = p.overlay;
            s.load(loader, next_req);
            series.push(s);
        }
        Self {
            series,
            shape,
            choice,
            y_title: axes.y_title,
            x_options: axes.x_options,
            left_out: axes.notes,
            log_x: false,
            log_y: false,
            reset: false,
            controls: true,
            figure: None,
            bounds: None,
        }
    }

    /// Whether the user allowed reading the plotted line's values kept in other files.
    pub fn reads_outside(&self) -> bool {
        self.series.first().is_some_and(|s| s.data.source.outside)
    }

    /// How the plot looks now: log axes and the visible ranges.
    pub fn look(&self) -> Option<PlotLook> {
        let f = self.figure.as_ref()?;
        Some(PlotLook {
            log_x: f.log_x,
            log_y: f.log_y,
            bounds: Some(Bounds {
                x: f.x_range,
                y: f.y_range,
            }),
        })
    }

    /// Looks as `look` says from the next frame on.
    pub fn set_look(&mut self, look: &PlotLook) {
        self.log_x = look.log_x;
        self.log_y = look.log_y;
        self.bounds = look.bounds;
    }

    /// What the plot drew on the last frame (titles, visible ranges, lines as drawn).
    pub fn figure(&self) -> Option<&Figure> {
        self.figure.as_ref()
    }

    /// The path of the dataset the plot is of.
    pub fn data_path(&self) -> Option<&str> {
        self.series.first().map(|s| s.data.source.path.as_str())
    }

    /// Where loading stands (a render waits for `Ready`).
    pub fn status(&self) -> super::PlotStatus {
        let Some(first) = self.series.first() else {
            return super::PlotStatus::None;
        };
        match &first.state {
            State::Failed(e) => super::PlotStatus::Failed(e.clone()),
            State::Cancelled => super::PlotStatus::Failed("loading was cancelled".to_owned()),
            _ if self.series.iter().all(Series::settled) => super::PlotStatus::Ready,
            _ => super::PlotStatus::Loading,
        }
    }

    /// Shows or hides the mapper, the x picker and the plot controls (hidden in a rendered
    /// image).
    pub fn set_controls(&mut self, on: bool) {
        self.controls = on;
    }

    /// Stops whatever this view is loading (it is being closed or replaced).
    pub fn cancel(&mut self, loader: &mut Loader) {
        for s in &mut self.series {
            s.cancel(loader);
        }
    }

    /// Whether `req` is one of this view's requests.
    pub fn owns(&self, req: ReqId) -> bool {
        self.series.iter().any(|s| s.owns(req))
    }

    pub fn on_progress(&mut self, req: ReqId, lod: SharedLod, done: u64, total: u64) {
        for s in &mut self.series {
            s.on_progress(req, &lod, done, total);
        }
    }

    pub fn on_data(&mut self, req: ReqId, outcome: Outcome) {
        if let Some(s) = self.series.iter_mut().find(|s| s.owns(req)) {
            s.on_data(req, outcome);
        }
    }

    /// Draws the view; returns what the user picked that needs the view rebuilt.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        loader: &mut Loader,
        next_req: &mut ReqId,
    ) -> Option<Pick> {
        let mut picked = None;
        if self.controls {
            picked = (self.mapper(ui).map(Pick::Line)).or_else(|| self.x_picker(ui).map(Pick::X));
        }
        if let Some(p) = self.status_rows(ui, loader, next_req) {
            picked = Some(p);
        }
        let Some(first) = self.series.first() else {
            return picked;
        };
        // After a failure there is nothing trustworthy to draw, and fetching more would
        // only fail again until the user retries.
        if !first.drawable() {
            return picked;
        }
        if self
            .series
            .iter()
            .any(|s| s.x.is_some() && s.x_map().is_none())
        {
            // The x axes decide the plot's units: wait for them (they stream like the data).
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
        let first = self.series.first()?;
        let current = first.x.as_ref().map(|x| x.axis.source.path.as_str());
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
    fn component_picker(&self, ui: &mut egui::Ui) -> Option<LineChoice> {
        if self.shape.components.len() < 2 {
            return None;
        }
        let line = &self.choice.line;
        let all = self.choice.all_values;
        let mut picked = None;
        let selected = if all {
            ALL_VALUES
        } else {
            line.component.name()
        };
        egui::ComboBox::from_label("values")
            .selected_text(selected)
            .show_ui(ui, |ui| {
                for c in &self.shape.components {
                    let on = !all && *c == line.component;
                    if ui.selectable_label(on, c.name()).clicked() && !on {
                        picked = Some(LineChoice {
                            all_values: false,
                            ..self.with_line(Line {
                                component: c.clone(),
                                ..line.clone()
                            })
                        });
                    }
                }
                if ui.selectable_label(all, ALL_VALUES).clicked() && !all {
                    picked = Some(LineChoice {
                        line: line.clone(),
                        across: None,
                        all_values: true,
                    });
                }
            });
        picked
    }

    /// The current choice with another line (several lines across the x axis make no
    /// sense, so that falls back to one).
    fn with_line(&self, line: Line) -> LineChoice {
        let across = self.choice.across.filter(|k| *k != line.axis);
        LineChoice {
            line,
            across,
            all_values: self.choice.all_values,
        }
    }

    /// For N-D data: which axis runs along x, whether one line or a line per index of
    /// another axis, and the index of every other axis; and which number of each element.
    fn mapper(&self, ui: &mut egui::Ui) -> Option<LineChoice> {
        let rank = self.shape.dims.len();
        if rank < 2 && self.shape.components.len() < 2 {
            // Nothing to choose: no empty row either.
            return None;
        }
        let line = &self.choice.line;
        let mut picked = None;
        ui.horizontal_wrapped(|ui| {
            picked = self.component_picker(ui);
            if rank < 2 {
                return;
            }
            let axis_text = |k: usize| format!("along axis {k} ({})", self.shape.dims[k]);
            egui::ComboBox::from_label("x")
                .selected_text(axis_text(line.axis))
                .show_ui(ui, |ui| {
                    for k in 0..rank {
                        if ui.selectable_label(k == line.axis, axis_text(k)).clicked()
                            && k != line.axis
                        {
                            picked = Some(self.with_line(Line {
                                axis: k,
                                ..line.clone()
                            }));
                        }
                    }
                });
            if let Some(across) = self.lines_picker(ui) {
                // Lines across another axis, or one line per value: not both at once.
                picked = Some(LineChoice {
                    line: line.clone(),
                    across,
                    all_values: self.choice.all_values && across.is_none(),
                });
            }
            for k in (0..rank).filter(|k| *k != line.axis) {
                if let Some(at) = self.index_stepper(ui, k) {
                    let mut next = line.clone();
                    next.at[k] = at;
                    picked = Some(self.with_line(next));
                }
            }
        });
        picked
    }

    /// One line, or a line for each index of another axis (2-D data as several lines).
    fn lines_picker(&self, ui: &mut egui::Ui) -> Option<Option<usize>> {
        let axis = self.choice.line.axis;
        let text = |across: Option<usize>| match across {
            None => "one line".to_owned(),
            Some(k) => format!("a line per index of axis {k}"),
        };
        let mut picked = None;
        egui::ComboBox::from_label("lines")
            .selected_text(text(self.choice.across))
            .show_ui(ui, |ui| {
                let options = (0..self.shape.dims.len()).filter(|k| *k != axis);
                for across in std::iter::once(None).chain(options.map(Some)) {
                    let on = across == self.choice.across;
                    if ui.selectable_label(on, text(across)).clicked() && !on {
                        picked = Some(across);
                    }
                }
            });
        picked
    }

    /// The index of axis `k` (the first of the lines drawn, when there is a line per
    /// index): -, a number field, +.
    fn index_stepper(&self, ui: &mut egui::Ui, k: usize) -> Option<u64> {
        let n = self.shape.dims[k];
        let last = n.saturating_sub(1);
        let old = self.choice.line.at[k];
        let mut at = old;
        let name = ui.label(format!("axis {k}:"));
        if index_step(ui, k, "-", "previous", at > 0) {
            at -= 1;
        }
        ui.add(egui::DragValue::new(&mut at).range(0..=last))
            .labelled_by(name.id);
        if index_step(ui, k, "+", "next", at < last) {
            at += 1;
        }
        if self.choice.across == Some(k) {
            let end = (old + MAX_LINES).min(n);
            ui.label(format!("to {} of {n}", end.saturating_sub(1)));
        } else {
            ui.label(format!("of {n}"));
        }
        (at != old).then_some(at)
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
                }
            }
        });
    }

    fn plot(&mut self, ui: &mut egui::Ui, loader: &mut Loader, next_req: &mut ReqId) {
        if self.controls {
            self.plot_controls(ui);
        }
        let Some(first) = self.series.first() else {
            return;
        };
        let log = (self.log_x, self.log_y);
        let (log_x, log_y) = log;
        let columns = (ui.available_width() * ui.pixels_per_point()).max(1.0) as usize;
        // One x axis for every line: the first axis with values, else the sample index.
        let x_axis = (self.series.iter()).find_map(|s| s.x.as_ref().map(|x| x.axis.clone()));
        let x_title =
            (x_axis.as_ref()).map_or_else(|| "sample index".to_owned(), |x| x.title.clone());
        let x_title_text = x_title.clone();
        let id = (
            "line",
            first.data.source.path.clone(),
            first.data.source.file,
        );
        let several = self.series.len() > 1;
        // Each line's values as text, by legend name (the readout knows only the name).
        let texts: Vec<(String, Option<String>, bool)> = (self.series.iter())
            .map(|s| (s.name.clone(), s.units.clone(), s.integer))
            .collect();
        let readout_axis = x_axis.clone();
        let tick_axis = x_axis.clone();
        // The readout: the nearest drawn point (a sample, or a bucket's extreme, which is a
        // sample too) in the axes' units, named when there are several lines.
        let readout = move |pos: &egui_plot::HoverPosition<'_>| match pos {
            egui_plot::HoverPosition::NearDataPoint {
                plot_name,
                position,
                ..
            } => {
                let (x, y) = (from_log(position.x, log_x), from_log(position.y, log_y));
                let y_text = match texts.iter().find(|(n, ..)| n == plot_name) {
                    Some((_, units, integer)) => value_text(y, units.as_deref(), *integer),
                    None => num(y),
                };
                let head = if several {
                    format!("{plot_name}\n")
                } else {
                    String::new()
                };
                Some(format!(
                    "{head}x {}\ny {y_text}",
                    (readout_axis.as_ref()).map_or_else(|| whole(x), |a| a.text(x, 0.0)),
                ))
            }
            egui_plot::HoverPosition::Elsewhere { .. } => None,
        };
        let time = x_axis.as_ref().and_then(|x| x.time).filter(|_| !log_x);
        let mut plot = egui_plot::Plot::new(id)
            .x_axis_label(x_title)
            .y_axis_label(self.y_title.clone())
            .label_formatter(readout)
            .x_axis_formatter(move |mark, range| {
                let v = from_log(mark.value, log_x);
                match &x_axis {
                    Some(x) if x.time.is_some() => {
                        let span = from_log(*range.end(), log_x) - from_log(*range.start(), log_x);
                        x.text(v, span)
                    }
                    Some(_) => num(v),
                    // Sample indices in full.
                    None => whole(v),
                }
            })
            .y_axis_formatter(move |mark, _| num(from_log(mark.value, log_y)))
            .x_grid_spacer(move |input| match time {
                Some(t) => time_grid(t, input),
                None => nice_grid(input),
            })
            .y_grid_spacer(nice_grid);
        for s in &self.series {
            let (a, b) = s.x_extent();
            plot = plot.include_x(to_log(a, log_x)).include_x(to_log(b, log_x));
        }
        if let Some((lo, hi)) = self.flat_y().filter(|_| !log_y) {
            // Values all alike at a magnitude where f64 cannot tell them apart (large 64-bit
            // integers): give the plot a height it can draw.
            let pad = (hi.abs() * 1e-9).max(0.5);
            plot = plot.include_y(lo - pad).include_y(hi + pad);
        }
        if several && self.series.len() <= FEW_LINES {
            plot = plot.legend(
                egui_plot::Legend::default()
                    .follow_insertion_order(true)
                    .color_conflict_handling(egui_plot::ColorConflictHandling::PickLast),
            );
        }
        let mut wanted_raw = Vec::new();
        let mut figure = Figure {
            x_title: x_title_text,
            y_title: self.y_title.clone(),
            log_x,
            log_y,
            ..Figure::default()
        };
        plot.show(ui, |p| {
            if std::mem::take(&mut self.reset) {
                p.set_auto_bounds(true);
            }
            if let Some(b) = self.bounds.take() {
                p.set_plot_bounds(b.plot());
            }
            keyboard(p);
            let b = p.plot_bounds();
            figure.x_range = (b.min()[0], b.max()[0]);
            figure.y_range = (b.min()[1], b.max()[1]);
            // Dates as on screen, not seconds since an epoch.
            if let (Some(units), Some(axis)) = (time, &tick_axis) {
                let (lo, hi) = figure.x_range;
                let ticks = grid::time_ticks(units, lo, hi);
                figure.x_ticks = Some(
                    ticks
                        .into_iter()
                        .map(|v| (v, axis.text(v, hi - lo)))
                        .collect(),
                );
            }
            let (bx0, bx1) = (from_log(b.min()[0], log_x), from_log(b.max()[0], log_x));
            for (k, s) in self.series.iter_mut().enumerate() {
                if !s.drawable() {
                    continue;
                }
                let (i0, i1) = s.index_range(bx0, bx1);
                let (segments, raw, fetch) = s.segments(i0, i1, columns);
                if let Some(f) = fetch.filter(|_| s.state != State::Cancelled) {
                    wanted_raw.push((k, f));
                }
                // The samples one pixel column covers: how precise x and errors need be.
                let span = (i1 - i0) / columns as f64;
                draw(p, s, &segments, raw, columns, span, log, &mut figure.traces);
            }
        });
        self.figure = Some(figure);
        for (k, (start, count)) in wanted_raw {
            if let Some(s) = self.series.get_mut(k) {
                s.request_raw(start, count, loader, next_req);
            }
        }
    }

    /// The range of every line's values when it is too narrow for its magnitude to draw.
    fn flat_y(&self) -> Option<(f64, f64)> {
        let (lo, hi) = (self.series.iter())
            .filter_map(Series::y_extent)
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), (lo, hi)| {
                (a.min(lo), b.max(hi))
            });
        (lo.is_finite() && hi.is_finite() && hi - lo <= lo.abs().max(hi.abs()) * 1e-12)
            .then_some((lo, hi))
    }

    /// The progress bar and Cancel, each line's statistics or error with Retry (folded
    /// away when there are many), where x comes from, and notes.
    fn status_rows(
        &mut self,
        ui: &mut egui::Ui,
        loader: &mut Loader,
        next_req: &mut ReqId,
    ) -> Option<Pick> {
        self.progress_row(ui, loader);
        let n = self.series.len();
        let picked = if n > FEW_LINES {
            let failed = (self.series.iter())
                .filter(|s| matches!(s.state, State::Failed(_)))
                .count();
            let title = match failed {
                0 => format!("{n} lines"),
                f => format!("{n} lines ({f} failed)"),
            };
            egui::CollapsingHeader::new(title)
                .show(ui, |ui| self.series_rows(ui, loader, next_req))
                .body_returned
                .flatten()
        } else {
            self.series_rows(ui, loader, next_req)
        };
        if self.series.iter().any(|s| s.state == State::Cancelled) {
            ui.horizontal(|ui| {
                ui.weak("Loading cancelled.");
                if ui.button("Retry").clicked() {
                    for s in self
                        .series
                        .iter_mut()
                        .filter(|s| s.state == State::Cancelled)
                    {
                        s.load(loader, next_req);
                    }
                }
            });
        }
        for n in self.notes() {
            ui.weak(n);
        }
        picked
    }

    /// A row per line: its colour, name and statistics (a removable overlay has a button
    /// to take it off), or its error with Retry. A lone line needs no name.
    fn series_rows(
        &mut self,
        ui: &mut egui::Ui,
        loader: &mut Loader,
        next_req: &mut ReqId,
    ) -> Option<Pick> {
        let several = self.series.len() > 1;
        let mut picked = None;
        for (k, s) in self.series.iter_mut().enumerate() {
            let overlay = s.overlay;
            ui.push_id(k, |ui| match &s.state {
                State::Failed(e) => {
                    let text = egui::RichText::new(e.clone()).color(ui.visuals().error_fg_color);
                    ui.add(egui::Label::new(text).wrap());
                    ui.horizontal(|ui| failed_actions(ui, s, loader, next_req));
                }
                State::Ready => match s.stats_text() {
                    Some(text) if several => {
                        ui.horizontal(|ui| {
                            ui.colored_label(s.color, "⏺");
                            ui.label(format!("{}: {text}", s.name));
                            if let Some(n) = overlay
                                && (ui.small_button("✖"))
                                    .on_hover_text("Take off the plot")
                                    .clicked()
                            {
                                picked = Some(Pick::RemoveOverlay(n));
                            }
                        });
                    }
                    Some(text) => {
                        ui.label(text);
                    }
                    None => {}
                },
                State::Loading | State::Cancelled => {}
            });
        }
        picked
    }

    /// Where each line's x values and uncertainties come from, axes not used and why, lines
    /// drawn against another x than the first, and what could not be plotted; each once.
    fn notes(&self) -> Vec<String> {
        let x_title = |s: &Series| s.x.as_ref().map(|x| x.axis.title.clone());
        let first_x = self.series.first().and_then(x_title);
        let mut notes: Vec<String> = Vec::new();
        for (k, s) in self.series.iter().enumerate() {
            let against = (k > 0 && x_title(s) != first_x).then(|| {
                let title = x_title(s).unwrap_or_else(|| "the sample index".to_owned());
                format!("{} is drawn against {title}", s.name)
            });
            for n in [s.x_text(), s.errors_text(), s.x_note.clone(), against] {
                if let Some(n) = n.filter(|n| !notes.contains(n)) {
                    notes.push(n);
                }
            }
        }
        notes.extend(self.left_out.iter().cloned());
        notes
    }

    /// While anything loads for longer than a moment: one bar over every line, and Cancel.
    fn progress_row(&mut self, ui: &mut egui::Ui, loader: &mut Loader) {
        let loading = || self.series.iter().filter(|s| s.state == State::Loading);
        let Some(started) = loading().map(|s| s.started).min() else {
            return;
        };
        if started.elapsed() < SHOW_PROGRESS_AFTER {
            ui.ctx().request_repaint_after(SHOW_PROGRESS_AFTER);
            return;
        }
        let (done, total) = loading()
            .map(|s| s.data.progress)
            .fold((0, 0), |(d, t), (d1, t1)| (d + d1, t + t1));
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
                for s in self.series.iter_mut().filter(|s| s.state == State::Loading) {
                    s.cancel(loader);
                    s.state = State::Cancelled;
                }
            }
        });
    }
}

/// Retry, and the permission to read other files when the values live there.
fn failed_actions(ui: &mut egui::Ui, s: &mut Series, loader: &mut Loader, next_req: &mut ReqId) {
    if ui.button("Retry").clicked() {
        s.retry(false, loader, next_req);
    }
    if !s.data.source.outside
        && !s.outside_files.is_empty()
        && ui
            .button("Read the other files")
            .on_hover_text(format!("Allow reading {}", s.outside_files))
            .clicked()
    {
        s.retry(true, loader, next_req);
    }
}

/// Draws one line: its error bounds, markers on sparse raw samples, and the line (steps for
/// discrete states), all in its colour and under its legend entry.
#[allow(clippy::too_many_arguments)]
fn draw(
    p: &mut egui_plot::PlotUi<'_>,
    s: &Series,
    segments: &crate::loader::lod::Segments,
    raw: bool,
    columns: usize,
    span: f64,
    (log_x, log_y): (bool, bool),
    traces: &mut Vec<Trace>,
) {
    let rgb = [s.color.r(), s.color.g(), s.color.b()];
    let mut trace = |runs: Vec<Vec<[f64; 2]>>, faint: bool| {
        traces.push(Trace {
            name: s.name.clone(),
            rgb,
            runs,
            faint,
        });
    };
    let name = match s.state {
        State::Loading => format!("{} (loading)", s.name),
        _ => s.name.clone(),
    };
    let place = |x: f64, y: f64| [to_log(x, log_x), to_log(y, log_y)];
    let faded = s.color.gamma_multiply(0.45);
    // Sparse raw samples get markers, so single samples can be told apart.
    let markers = raw && segments.iter().map(Vec::len).sum::<usize>() <= columns / 6;
    // Discrete states hold until the next sample: steps, for raw samples.
    let stepped = raw && s.steps;
    for seg in segments {
        let xs = s.x_values(seg, span);
        let points = || xs.iter().zip(seg).map(|(&x, &[_, y])| (x, y));
        if let Some(errors) = s.errors_along(seg, span) {
            for sign in [1.0, -1.0] {
                let bound = points()
                    .zip(&errors)
                    .map(|((x, y), e)| place(x, y + sign * e));
                let runs = finite_runs(bound);
                for run in &runs {
                    p.line(egui_plot::Line::new(name.clone(), run.clone()).color(faded));
                }
                trace(runs, true);
            }
        }
        if markers {
            // On the samples themselves, not on the corners of steps.
            for run in finite_runs(points().map(|(x, y)| place(x, y))) {
                let dots = egui_plot::Points::new(name.clone(), run);
                p.points(dots.radius(2.5).color(s.color));
            }
        }
        let line: Vec<[f64; 2]> = match seg.last() {
            Some(last) if stepped => steps(points(), s.x_of(last[0] + 1.0)),
            _ => points().map(|(x, y)| [x, y]).collect(),
        };
        let runs = finite_runs(line.into_iter().map(|[x, y]| place(x, y)));
        for run in &runs {
            let line = egui_plot::Line::new(name.clone(), run.clone()).color(s.color);
            // egui_plot merges points sharing an x into a filled band: right for a
            // min/max envelope, wrong for the vertical edges of steps.
            p.line(line.allow_hover(true).allow_band(!stepped));
        }
        trace(runs, false);
    }
}

/// The colour of the `k`th line (Tableau 10, which reads well on light and dark).
fn color(k: usize) -> egui::Color32 {
    let c = colorous::TABLEAU10[k % colorous::TABLEAU10.len()];
    egui::Color32::from_rgb(c.r, c.g, c.b)
}

/// Points as steps: each value held until the next point's x, the last until `end`.
fn steps(points: impl Iterator<Item = (f64, f64)>, end: f64) -> Vec<[f64; 2]> {
    let points: Vec<(f64, f64)> = points.collect();
    let mut out = Vec::with_capacity(points.len() * 2);
    for (k, &(x, y)) in points.iter().enumerate() {
        out.push([x, y]);
        let next = points.get(k + 1).map_or(end, |n| n.0);
        out.push([next, y]);
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
    fn states_hold_until_the_next_sample() {
        let s = steps([(0.0, 1.0), (1.0, 3.0), (4.0, 2.0)].into_iter(), 5.0);
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
