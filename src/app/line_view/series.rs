//! One line of a plot: the data, the x values it is drawn against and its uncertainties,
//! each streamed from the loader, and how far loading has come. Turns the visible x range
//! into points to draw (pyramid envelope or raw samples) and asks for raw samples when the
//! pyramid is too coarse. Never draws and never waits.

use std::time::Instant;

use super::stream::{Answer, Stream};
use crate::app::numbers::{num, si, whole};
use crate::loader::lod::{AxisMap, Segments, decimate};
use crate::loader::{LineSource, Loader, Outcome, ReqId, SharedLod, Stats, View};
use crate::model::TimeUnits;

/// The values along x of one line, and how to show them.
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
    pub fn text(&self, v: f64, span: f64) -> String {
        self.time
            .and_then(|t| t.format(v, span))
            .unwrap_or_else(|| si(v, self.units.as_deref()))
    }
}

/// Everything the app knows about a line to plot.
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesSpec {
    pub source: LineSource,
    /// Its name in the legend.
    pub name: String,
    /// The units of its values.
    pub units: Option<String>,
    /// Whole numbers (integer types): shown in full, never rounded or in SI prefixes.
    pub integer: bool,
    /// Discrete states (enums, bools): drawn as steps, each value holding until the next.
    pub steps: bool,
    /// The other files the values are kept in ("" when none); read only when allowed.
    pub outside_files: String,
    /// The x values: a dimension scale or coordinate line as long as the data.
    pub x: Option<XAxis>,
    /// Why an x axis the file names is not used (shown to the user).
    pub x_note: Option<String>,
    /// The data's uncertainties, the same line through another dataset (NeXus `errors`).
    pub errors: Option<LineSource>,
}

#[derive(Debug, PartialEq)]
pub(super) enum State {
    Loading,
    Ready,
    Failed(String),
    Cancelled,
}

/// An x axis being loaded or in use.
pub(super) struct XState {
    pub axis: XAxis,
    stream: Stream,
    /// Index ↔ value, from the axis's pyramid.
    pub map: Option<AxisMap>,
}

/// What was drawn last, so a frame with the same bounds reuses its points.
struct Drawn {
    key: (u64, u64, usize, u64),
    segments: Segments,
    /// Whether the points are raw samples (not a pyramid's extremes).
    raw: bool,
}

pub(super) struct Series {
    pub name: String,
    /// The number of the overlay it is, when the user added it (it can be taken off).
    pub overlay: Option<usize>,
    pub units: Option<String>,
    pub integer: bool,
    pub color: egui::Color32,
    pub steps: bool,
    pub outside_files: String,
    pub data: Stream,
    pub x: Option<XState>,
    /// Why the file's x axis is not used.
    pub x_note: Option<String>,
    errors: Option<Stream>,
    pub state: State,
    pub started: Instant,
    drawn: Option<Drawn>,
}

impl Series {
    /// A line of the plot; `slot` tells its loader views apart from the other lines'.
    pub fn new(spec: SeriesSpec, slot: u32, color: egui::Color32) -> Self {
        let views = |overview, raw| (View(overview, slot), View(raw, slot));
        Self {
            name: spec.name,
            overlay: None,
            units: spec.units,
            integer: spec.integer,
            color,
            steps: spec.steps,
            outside_files: spec.outside_files,
            data: Stream::new(spec.source, views("line", "line-raw")),
            x: spec.x.map(|axis| XState {
                stream: Stream::new(axis.source.clone(), views("line-x", "line-x-raw")),
                axis,
                map: None,
            }),
            x_note: spec.x_note,
            errors: (spec.errors).map(|e| Stream::new(e, views("line-err", "line-err-raw"))),
            state: State::Loading,
            started: Instant::now(),
            drawn: None,
        }
    }

    /// Asks for the data's pyramid, and for the errors' and the x axis's beside it.
    pub fn load(&mut self, loader: &mut Loader, next_req: &mut ReqId) {
        self.state = State::Loading;
        self.started = Instant::now();
        self.drawn = None;
        self.data.load(loader, next_req);
        if let Some(e) = &mut self.errors {
            e.load(loader, next_req);
        }
        if let Some(x) = self.x.as_mut().filter(|x| x.map.is_none()) {
            x.stream.load(loader, next_req);
        }
    }

    /// Loads again after a failure, reading other files when `outside` allows it.
    pub fn retry(&mut self, outside: bool, loader: &mut Loader, next_req: &mut ReqId) {
        self.data.source.outside |= outside;
        self.data.raw = None;
        self.load(loader, next_req);
    }

    fn streams_mut(&mut self) -> impl Iterator<Item = &mut Stream> {
        let x = self.x.as_mut().map(|x| &mut x.stream);
        std::iter::once(&mut self.data)
            .chain(x)
            .chain(&mut self.errors)
    }

    fn streams(&self) -> impl Iterator<Item = &Stream> {
        let x = self.x.as_ref().map(|x| &x.stream);
        std::iter::once(&self.data).chain(x).chain(&self.errors)
    }

    /// Stops whatever this line is loading.
    pub fn cancel(&mut self, loader: &mut Loader) {
        for s in self.streams_mut() {
            s.cancel(loader);
        }
    }

    /// Whether `req` is one of this line's requests.
    pub fn owns(&self, req: ReqId) -> bool {
        self.streams().any(|s| s.owns(req))
    }

    /// Whether the plot can be drawn as it will stay: loaded, and the x values known.
    pub fn settled(&self) -> bool {
        self.state != State::Loading && self.x.as_ref().is_none_or(|x| x.map.is_some())
    }

    pub fn on_progress(&mut self, req: ReqId, lod: &SharedLod, done: u64, total: u64) {
        if self.data.on_progress(req, lod, done, total) {
            self.drawn = None;
        }
    }

    pub fn on_data(&mut self, req: ReqId, outcome: Outcome) {
        if let Some(x) = self.x.as_mut().filter(|x| x.stream.owns(req)) {
            if let Some(answer) = x.stream.on_data(req, outcome) {
                self.on_x(answer);
            }
            return;
        }
        if let Some(e) = self.errors.as_mut().filter(|e| e.owns(req)) {
            // Uncertainties that fail to load are simply not drawn.
            if let Some(Answer::Raw | Answer::Overview(Outcome::Overview(_))) =
                e.on_data(req, outcome)
            {
                self.drawn = None;
            }
            return;
        }
        let Some(answer) = self.data.on_data(req, outcome) else {
            return;
        };
        self.drawn = None;
        match answer {
            Answer::Raw => {}
            Answer::RawFailed(e) => self.state = State::Failed(e),
            Answer::Overview(outcome) => {
                self.state = match outcome {
                    Outcome::Failed(e) => State::Failed(e),
                    Outcome::Cancelled => State::Cancelled,
                    Outcome::Overview(_)
                    | Outcome::Samples { .. }
                    | Outcome::Environment(_)
                    | Outcome::Copied(_)
                    | Outcome::Done => State::Ready,
                }
            }
        }
    }

    /// An answer about the x axis: its pyramid becomes the index-to-value map, or the axis
    /// is dropped with a note saying why; raw values give exact x when zoomed in.
    fn on_x(&mut self, answer: Answer) {
        let Some(x) = self.x.as_mut() else { return };
        let map = match answer {
            Answer::Raw => {
                self.drawn = None;
                return;
            }
            Answer::RawFailed(_) => return,
            Answer::Overview(Outcome::Overview(lod)) => match lod.read() {
                Ok(l) => AxisMap::new(&l).map_err(|e| e.to_string()),
                Err(_) => Err("it could not be read".to_owned()),
            },
            Answer::Overview(Outcome::Failed(e)) => Err(e),
            Answer::Overview(_) => return,
        };
        match map {
            Ok(m) => {
                x.map = Some(m);
                self.drawn = None;
            }
            Err(e) => {
                self.x_note = Some(format!("x axis {} not used: {e}", x.axis.source.path));
                self.x = None;
            }
        }
    }

    /// The x axis in use, once its values are known.
    pub fn x_map(&self) -> Option<&AxisMap> {
        self.x.as_ref().and_then(|x| x.map.as_ref())
    }

    /// The x value of a (fractional) sample index: exact from raw x values when the index
    /// is a sample they cover, else from the axis map; the index itself without an axis.
    pub fn x_of(&self, i: f64) -> f64 {
        let Some(x) = &self.x else { return i };
        (x.stream.raw_at(i))
            .or_else(|| x.map.as_ref().map(|m| m.value(i)))
            .unwrap_or(i)
    }

    /// The visible x range `x0..x1` (in x values) as sample indices (an axis may run either
    /// way).
    pub fn index_range(&self, x0: f64, x1: f64) -> (f64, f64) {
        match self.x_map() {
            Some(m) => {
                let (a, b) = (m.index(x0), m.index(x1));
                (a.min(b), a.max(b) + 1.0)
            }
            None => (x0, x1),
        }
    }

    /// The x values of the first and the last sample.
    pub fn x_extent(&self) -> (f64, f64) {
        let last = (self.data.source.len as f64 - 1.0).max(0.0);
        (self.x_of(0.0), self.x_of(last))
    }

    /// The uncertainty at each of `points` (sample index, y): exact from raw values where
    /// they cover it, else the largest over the `span` samples around it; NaN where not
    /// known yet. `None` without errors.
    pub fn errors_along(&self, points: &[[f64; 2]], span: f64) -> Option<Vec<f64>> {
        let e = self.errors.as_ref()?;
        // One look at the pyramid per call, not one per point.
        let lod = e.lod.as_ref().and_then(|l| l.try_read().ok());
        let at = |i: f64| {
            e.raw_at(i)
                .or_else(|| (lod.as_ref()).and_then(|l| l.max_over(i - span, i + span.max(1.0))))
                .unwrap_or(f64::NAN)
        };
        Some(points.iter().map(|&[i, _]| at(i)).collect())
    }

    /// The x values of `points` (sample index, y): as [`Self::x_of`], to within `detail`
    /// samples (what a pixel column covers), searched in one sweep since the points ascend.
    pub fn x_values(&self, points: &[[f64; 2]], detail: f64) -> Vec<f64> {
        let indices = points.iter().map(|p| p[0]);
        let Some(x) = &self.x else {
            return indices.collect();
        };
        let mapped = match &x.map {
            Some(m) => m.values(indices, detail),
            None => indices.collect(),
        };
        (points.iter().zip(mapped))
            .map(|(p, m)| x.stream.raw_at(p[0]).unwrap_or(m))
            .collect()
    }

    /// The points for samples `x0..x1` on `columns` columns, whether they are raw samples,
    /// and the raw samples to fetch when the pyramid is too coarse and none cover the range.
    pub fn segments(
        &mut self,
        x0: f64,
        x1: f64,
        columns: usize,
    ) -> (Segments, bool, Option<(u64, u64)>) {
        let len = self.data.source.len;
        let (x0, x1) = (x0.max(0.0), x1.min(len as f64));
        let key = (x0.to_bits(), x1.to_bits(), columns, self.data.progress.0);
        let mut raw_needed = None;
        if self.drawn.as_ref().is_none_or(|d| d.key != key) {
            let from_lod = (self.data.lod.as_ref())
                .and_then(|l| l.try_read().ok().map(|l| l.envelope(x0, x1, columns)));
            let segments = match from_lod {
                Some(Some(s)) => Some((s, false)),
                // Closer than the pyramid: raw samples, when they cover the range.
                Some(None) => match &self.data.raw {
                    Some(r) if r.covers(x0, x1, len) => {
                        Some((decimate(r.start, &r.values, x0, x1, columns), true))
                    }
                    _ => {
                        let start = x0.floor() as u64;
                        let end = (x1.ceil() as u64 + 1).min(len);
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

    /// Asks for the same raw samples of the data, its errors and its x axis.
    pub fn request_raw(&mut self, start: u64, count: u64, loader: &mut Loader, next: &mut ReqId) {
        for s in self.streams_mut() {
            s.want_raw(start, count, loader, next);
        }
    }

    /// Whether the data has a pyramid to draw from.
    pub fn drawable(&self) -> bool {
        self.data.lod.is_some() && !matches!(self.state, State::Failed(_))
    }

    /// The smallest and largest value, once known.
    pub fn y_extent(&self) -> Option<(f64, f64)> {
        let lod = self.data.lod.as_ref()?.try_read().ok()?;
        let s = lod.stats();
        (s.count > 0).then_some((s.min, s.max))
    }

    /// Sample count, extremes, mean and missing values, once known.
    pub fn stats_text(&self) -> Option<String> {
        let lod = self.data.lod.as_ref()?.try_read().ok()?;
        let s: &Stats = lod.stats();
        let read = s.count + s.nan;
        let mut text = if lod.is_complete() && read < lod.len() {
            // An overview of a line too long to read whole: an even spread of it.
            format!(
                "{read} of {} samples, spread over the line (zoom in to read every sample)",
                lod.len()
            )
        } else {
            format!("{read} samples")
        };
        if let Some(mean) = s.mean() {
            text += &format!(
                " · min {} · max {} · mean {}",
                self.stat_text(s.min),
                self.stat_text(s.max),
                num(mean)
            );
        }
        if s.nan > 0 {
            // With CF masks, NaN stands for samples the file marks as missing too.
            let what = match &self.data.source.calibration {
                Some(c) if c.masks() => "missing",
                _ => "NaN",
            };
            text += &format!(" · {} {what}", s.nan);
        }
        Some(text)
    }

    /// A statistic as text: whole numbers in full.
    fn stat_text(&self, v: f64) -> String {
        if self.integer { whole(v) } else { num(v) }
    }

    /// Where the x values come from and their range.
    pub fn x_text(&self) -> Option<String> {
        let x = self.x.as_ref()?;
        x.map.as_ref()?;
        let (a, b) = self.x_extent();
        let (a, b) = match x.axis.time {
            Some(_) => (x.axis.text(a, b - a), x.axis.text(b, b - a)),
            None => (num(a), num(b)),
        };
        Some(format!(
            "x: {} from {a} to {b} ({})",
            x.axis.title, x.axis.source.path
        ))
    }

    /// Where the uncertainties come from.
    pub fn errors_text(&self) -> Option<String> {
        (self.errors.as_ref()).map(|e| format!("± errors from {}", e.source.path))
    }
}

/// A value of a line as text: whole numbers (integer data) in full, with their units;
/// others with an SI prefix where the units take one.
pub(super) fn value_text(v: f64, units: Option<&str>, integer: bool) -> String {
    match (integer, units) {
        (true, Some(u)) => format!("{} {u}", whole(v)),
        (true, None) => whole(v),
        (false, u) => si(v, u),
    }
}
