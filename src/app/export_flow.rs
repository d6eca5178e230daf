//! File ▸ Export data: what the view on screen shows (the dataset and the cut through it),
//! a Save dialog on its own thread, then the loader's export with progress and Cancel in
//! the status bar and a notice when it is done.
//!
//! Never writes a file itself (the loader does, through a temporary file) and never blocks
//! the UI.

use std::path::PathBuf;

use std::io::Write as _;

use crossbeam_channel::{Receiver, TryRecvError, bounded};

use super::dialog::{DialogResult, Mode};
use super::{DataView, HdfscopeApp, InfoState, Selection};
use crate::export::{Destination, ExportError, Format, RowCoordinates, svg};
use crate::loader::{ExportSpec, Outcome, ReqId, Request, SubsetSpec};
use crate::model::{AxisSlice, Hyperslab, resolve};

/// What the Save dialog on screen is for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) enum SaveKind {
    #[default]
    Data,
    Figure,
    /// A new HDF5 file holding a copy of this object (a group with everything below it).
    Copy(Selection),
}

/// A figure being drawn (a PNG by `hdfscope render` in a child process, an SVG on a thread).
pub(super) struct Drawing {
    dest: PathBuf,
    done: Receiver<Result<(), String>>,
}

/// Common figure sizes, in pixels.
const FIGURE_PRESETS: [(u32, u32); 4] = [(1600, 900), (1920, 1080), (3840, 2160), (1200, 1200)];

/// An export in flight.
pub(super) struct Exporting {
    pub req: ReqId,
    pub dest: PathBuf,
    pub done: u64,
    pub total: u64,
}

impl HdfscopeApp {
    /// The dataset the view on screen shows and the cut through it: a table's rows and
    /// columns at the other axes' indices, an image's plane, a plot's line (the whole of
    /// 1-D data).
    pub(super) fn export_target(&self) -> Option<(Selection, Vec<AxisSlice>)> {
        let (sel, view) = self.view.as_ref()?;
        let (path, cut): (&str, Option<Vec<AxisSlice>>) = match view {
            DataView::Table(v) => {
                let g = v.grid()?;
                let cut = (0..g.at.len())
                    .map(|a| {
                        if a == g.rows || Some(a) == g.cols {
                            AxisSlice::FULL
                        } else {
                            AxisSlice::Index(g.at[a] as i64)
                        }
                    })
                    .collect();
                (v.data_path(), Some(cut))
            }
            DataView::Image(v) => {
                let p = v.plane();
                let cut = (0..p.at.len())
                    .map(|a| {
                        if a == p.rows || a == p.cols || Some(a) == p.channels {
                            AxisSlice::FULL
                        } else {
                            AxisSlice::Index(p.at[a] as i64)
                        }
                    })
                    .collect();
                (v.data_path(), Some(cut))
            }
            DataView::Line(v) => {
                let path = v.data_path()?;
                let key = Selection {
                    file: sel.file,
                    path: path.to_owned(),
                };
                let cut = self.line_choices.get(&key).map(|c| {
                    (0..c.line.at.len())
                        .map(|a| {
                            if a == c.line.axis {
                                AxisSlice::FULL
                            } else {
                                AxisSlice::Index(c.line.at[a] as i64)
                            }
                        })
                        .collect()
                });
                (path, cut)
            }
        };
        Some((
            Selection {
                file: sel.file,
                path: path.to_owned(),
            },
            cut.unwrap_or_default(),
        ))
    }

    /// Export…, Export figure… and Copy as code for the view on screen; the export asked
    /// for.
    pub(super) fn export_buttons(&mut self, ui: &mut egui::Ui) -> Option<SaveKind> {
        let mut asked = None;
        if ui
            .add_enabled(self.export_target().is_some(), egui::Button::new("Export…"))
            .on_hover_text("Save the data this view shows as CSV or NPY (or the dataset as HDF5)")
            .clicked()
        {
            asked = Some(SaveKind::Data);
        }
        if self.figure_menu_button(ui, false) {
            asked = Some(SaveKind::Figure);
        }
        ui.menu_button("Copy as code", |ui| {
            for (lang, name) in [(Lang::Python, "Python (h5py)"), (Lang::Rust, "Rust (hdf5)")] {
                if ui.button(name).clicked() {
                    if let Some(code) = self.code_snippet(lang) {
                        ui.ctx().copy_text(code);
                    }
                    ui.close();
                }
            }
        });
        asked
    }

    /// "Export figure…", a menu that stays open while its size and scale are set (in the
    /// File menu when `in_menu`); true when its Save figure… was clicked.
    pub(super) fn figure_menu_button(&mut self, ui: &mut egui::Ui, in_menu: bool) -> bool {
        let config = egui::containers::menu::MenuConfig::new()
            .close_behavior(egui::PopupCloseBehavior::CloseOnClickOutside);
        let mut save = false;
        let content = |ui: &mut egui::Ui| {
            if self.figure_menu(ui) {
                save = true;
                ui.close();
            }
        };
        if in_menu {
            egui::containers::menu::SubMenuButton::new("Export figure")
                .config(config)
                .ui(ui, content);
        } else {
            egui::containers::menu::MenuButton::new("Export figure…")
                .config(config)
                .ui(ui, content);
        }
        save
    }

    /// The size and scale of saved figures, and the button that saves one (true when
    /// clicked).
    fn figure_menu(&mut self, ui: &mut egui::Ui) -> bool {
        let (w, h) = &mut self.settings.figure_size;
        ui.horizontal(|ui| {
            ui.label("Size");
            ui.add(egui::DragValue::new(w).range(16..=16_384).suffix(" px"));
            ui.label("×");
            ui.add(egui::DragValue::new(h).range(16..=16_384).suffix(" px"));
        });
        ui.horizontal(|ui| {
            for (pw, ph) in FIGURE_PRESETS {
                if ui.small_button(format!("{pw}×{ph}")).clicked() {
                    (*w, *h) = (pw, ph);
                }
            }
        });
        ui.horizontal(|ui| {
            ui.label("Scale")
                .on_hover_text("Pixels per point: 2× draws text and lines twice as large");
            for s in [1.0, 1.5, 2.0, 3.0] {
                ui.selectable_value(&mut self.settings.figure_scale, s, format!("{s}×"));
            }
        });
        ui.button("Save figure…")
            .on_hover_text("As PNG, or SVG (vectors; an image's pixels embedded)")
            .clicked()
    }

    /// "Export data…", "Export figure…" or "Save a copy as HDF5…": the Save dialog, or the
    /// path a test fixed.
    pub(super) fn start_export(&mut self, ctx: &egui::Context, kind: SaveKind) {
        let name = match &kind {
            SaveKind::Copy(sel) => match sel.path.rsplit('/').next() {
                Some(leaf) if !leaf.is_empty() => leaf.to_owned(),
                _ => self
                    .files
                    .iter()
                    .find(|f| f.id == sel.file)
                    .and_then(|f| f.path.file_stem())
                    .map_or_else(|| "data".to_owned(), |s| s.to_string_lossy().into_owned()),
            },
            SaveKind::Data | SaveKind::Figure => {
                let Some((target, _)) = self.export_target() else {
                    return;
                };
                target.path.rsplit('/').next().unwrap_or("data").to_owned()
            }
        };
        if let Some(dest) = self.export_path_override.clone() {
            self.begin(kind, dest, ctx);
            return;
        }
        let mode = match kind {
            SaveKind::Data => Mode::SaveData {
                name: format!("{name}.csv"),
            },
            SaveKind::Figure => Mode::SaveFigure {
                name: format!("{name}.png"),
            },
            SaveKind::Copy(_) => Mode::SaveCopy {
                name: format!("{name}-copy.h5"),
            },
        };
        self.save_kind = kind;
        let ctx = ctx.clone();
        if let Err(e) = self.save_dialog.start(mode, move || ctx.request_repaint()) {
            self.notify(format!("cannot show the Save dialog: {e}"), true);
        }
    }

    pub(super) fn poll_save_dialog(&mut self, ctx: &egui::Context) {
        self.poll_figure(ctx);
        match self.save_dialog.poll() {
            Some(DialogResult::Picked(paths)) => {
                if let Some(dest) = paths.into_iter().next() {
                    self.begin(self.save_kind.clone(), dest, ctx);
                }
            }
            Some(DialogResult::Unavailable) => self.notify(
                "No file dialog is available here (it needs an XDG desktop portal or zenity); \
                 `hdfscope export` saves data from the command line."
                    .to_owned(),
                true,
            ),
            Some(DialogResult::Cancelled) | None => {}
        }
    }

    fn begin(&mut self, kind: SaveKind, dest: PathBuf, ctx: &egui::Context) {
        match kind {
            SaveKind::Data => self.begin_export(dest),
            SaveKind::Figure => self.begin_figure(dest, ctx),
            SaveKind::Copy(sel) => self.begin_copy(sel, dest),
        }
    }

    /// Draws what the view shows into `dest`: an SVG of the plot as drawn on screen,
    /// written on a thread; a PNG by `hdfscope render` in a child process (the same
    /// offscreen drawing as the command line), waited for on a thread.
    fn begin_figure(&mut self, dest: PathBuf, ctx: &egui::Context) {
        let svg = dest
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("svg"));
        if svg {
            return self.begin_svg(dest, ctx);
        }
        let Some((target, cut)) = self.export_target() else {
            return;
        };
        let Some(exe) = self.exe.clone() else {
            self.notify(
                "figures are drawn by the hdfscope binary, which this session does not run"
                    .to_owned(),
                true,
            );
            return;
        };
        let Some(file) = self.files.iter().find(|f| f.id == target.file) else {
            return;
        };
        let view = match self.view.as_ref().map(|(_, v)| v) {
            Some(DataView::Image(_)) => "image",
            Some(DataView::Table(_)) => "table",
            _ => "plot",
        };
        let mut args = vec![
            "render".to_owned(),
            format!("{}::{}", file.path.display(), target.path),
            "--out".to_owned(),
            dest.display().to_string(),
            "--size".to_owned(),
            format!(
                "{}x{}",
                self.settings.figure_size.0, self.settings.figure_size.1
            ),
            "--scale".to_owned(),
            self.settings.figure_scale.to_string(),
            "--view".to_owned(),
            view.to_owned(),
        ];
        // Drawn as the screen shows it: colours, limits, log axes, the region zoomed to.
        if let Ok(look) = serde_json::to_string(&self.look()) {
            args.extend(["--look".to_owned(), look]);
        }
        if !cut.is_empty() {
            let parts: Vec<String> = cut.iter().map(python_slice).collect();
            args.extend(["--slice".to_owned(), parts.join(",")]);
        }
        let (tx, rx) = bounded(1);
        let wake = ctx.clone();
        let spawned = std::thread::Builder::new()
            .name("hdfscope-figure".to_owned())
            .spawn(move || {
                let result = match std::process::Command::new(exe).args(&args).output() {
                    Ok(out) if out.status.success() => Ok(()),
                    Ok(out) => Err(String::from_utf8_lossy(&out.stderr)
                        .lines()
                        .next()
                        .unwrap_or("hdfscope render failed")
                        .to_owned()),
                    Err(e) => Err(format!("cannot start hdfscope render: {e}")),
                };
                // The app may have quit meanwhile; nothing to tell then.
                let _ = tx.send(result);
                wake.request_repaint();
            });
        match spawned {
            Ok(_) => self.figure = Some(Drawing { dest, done: rx }),
            Err(e) => self.notify(format!("cannot draw the figure: {e}"), true),
        }
    }

    /// The plot or image on screen as SVG, written through a temporary file on a thread.
    fn begin_svg(&mut self, dest: PathBuf, ctx: &egui::Context) {
        let figure = match self.view.as_ref().map(|(_, v)| v) {
            Some(DataView::Line(v)) => v.figure().cloned(),
            Some(DataView::Image(v)) => v.figure(),
            _ => None,
        };
        let Some(figure) = figure else {
            self.notify(
                "SVG is for plots and images (once drawn); save tables as PNG".to_owned(),
                true,
            );
            return;
        };
        let scale = f64::from(self.settings.figure_scale);
        let (w, h) = self.settings.figure_size;
        let size = (
            (f64::from(w) / scale).round() as u32,
            (f64::from(h) / scale).round() as u32,
        );
        let (tx, rx) = bounded(1);
        let wake = ctx.clone();
        let target = dest.clone();
        let spawned = std::thread::Builder::new()
            .name("hdfscope-svg".to_owned())
            .spawn(move || {
                let text = svg::svg(&figure, size.0, size.1);
                let result = Destination::create(&target)
                    .and_then(|mut d| {
                        d.write_all(text.as_bytes())
                            .map_err(|source| ExportError::Io {
                                path: target.clone(),
                                source,
                            })?;
                        d.finish()
                    })
                    .map_err(|e| e.to_string());
                let _ = tx.send(result);
                wake.request_repaint();
            });
        match spawned {
            Ok(_) => self.figure = Some(Drawing { dest, done: rx }),
            Err(e) => self.notify(format!("cannot write the SVG: {e}"), true),
        }
    }

    fn poll_figure(&mut self, ctx: &egui::Context) {
        let Some(f) = &self.figure else {
            return;
        };
        let result = match f.done.try_recv() {
            Ok(r) => r,
            Err(TryRecvError::Empty) => {
                ctx.request_repaint_after(std::time::Duration::from_millis(100));
                return;
            }
            Err(TryRecvError::Disconnected) => Err("the figure was not drawn".to_owned()),
        };
        let dest = f.dest.display().to_string();
        self.figure = None;
        match result {
            Ok(()) => self.notify(format!("Saved {dest}"), false),
            Err(e) => self.notify(format!("Export failed: {e}"), true),
        }
    }

    /// Asks the loader to copy the object `sel` into a new HDF5 file at `dest`.
    fn begin_copy(&mut self, sel: Selection, dest: PathBuf) {
        let subset = SubsetSpec {
            file: sel.file,
            paths: vec![sel.path],
            dest: dest.clone(),
        };
        let req = self.next_export_req();
        self.loader.send(Request::Subset { req, subset });
        self.exporting = Some(Exporting {
            req,
            dest,
            done: 0,
            total: 0,
        });
    }

    /// A request id for a new export, which replaces any export still running.
    fn next_export_req(&mut self) -> ReqId {
        if let Some(old) = self.exporting.take() {
            self.loader.send(Request::Cancel { req: old.req });
        }
        self.next_req += 1;
        self.next_req
    }

    /// Asks the loader to save what the view shows to `dest`: its values as CSV or NPY,
    /// or, for an HDF5 name, a copy of the whole dataset.
    fn begin_export(&mut self, dest: PathBuf) {
        let Some((target, cut)) = self.export_target() else {
            return;
        };
        if Format::of(&dest).is_ok_and(|f| f == Format::Hdf5) {
            return self.begin_copy(target, dest);
        }
        let Some(InfoState::Ready(v)) = self.infos.get(&target) else {
            return;
        };
        let Some(ds) = v.info.dataset.as_ref() else {
            return;
        };
        let dims = ds.shape.dims();
        let sel = if dims.is_empty() {
            Hyperslab::all(&[])
        } else {
            match resolve(&cut, dims) {
                Ok(sel) => sel,
                Err(e) => {
                    self.notify(format!("{}: cannot export: {e}", target.path), true);
                    return;
                }
            }
        };
        // The first kept axis's dimension scale as a first column, when its metadata (read
        // for the view's axes) is here.
        let rows = sel.keep.iter().position(|k| *k).and_then(|axis| {
            let scale = v.info.dims.get(axis)?.scales.first()?;
            let key = Selection {
                file: target.file,
                path: scale.path.clone(),
            };
            let Some(InfoState::Ready(s)) = self.infos.get(&key) else {
                return None;
            };
            RowCoordinates::of(scale, &s.info, *dims.get(axis)?)
        });
        let export = ExportSpec {
            file: target.file,
            path: target.path.clone(),
            dtype: ds.dtype.clone(),
            sel,
            dest: dest.clone(),
            header: true,
            rows,
            outside: self.view.as_ref().is_some_and(|(_, v)| v.reads_outside()),
        };
        let req = self.next_export_req();
        self.loader.send(Request::Export { req, export });
        self.exporting = Some(Exporting {
            req,
            dest,
            done: 0,
            total: 0,
        });
    }

    /// Takes an export's progress; false when `req` is not the export's.
    pub(super) fn on_export_progress(&mut self, req: ReqId, done: u64, total: u64) -> bool {
        match &mut self.exporting {
            Some(x) if x.req == req => {
                x.done = done;
                x.total = total;
                true
            }
            _ => false,
        }
    }

    /// Takes an export's final answer; false when `req` is not the export's.
    pub(super) fn on_export_done(&mut self, req: ReqId, outcome: &Outcome) -> bool {
        let Some(x) = self.exporting.take_if(|x| x.req == req) else {
            return false;
        };
        match outcome {
            Outcome::Done => self.notify(format!("Saved {}", x.dest.display()), false),
            Outcome::Copied(report) => {
                let mut text = format!(
                    "Saved {} (copied {}",
                    x.dest.display(),
                    report.copied.join(", ")
                );
                if report.attached > 0 {
                    text.push_str(&format!("; {} dimension scales attached", report.attached));
                }
                text.push(')');
                for note in &report.notes {
                    text.push_str(&format!("\n{note}"));
                }
                self.notify(text, false);
            }
            Outcome::Failed(e) => self.notify(format!("Export failed: {e}"), true),
            Outcome::Cancelled => self.notify("Export cancelled".to_owned(), false),
            _ => {}
        }
        true
    }

    /// The export's progress and its Cancel button, for the status bar.
    pub(super) fn export_status(&mut self, ui: &mut egui::Ui) {
        let Some(x) = &self.exporting else {
            return;
        };
        let name = x
            .dest
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        // A copy reports no progress until it is done.
        let fraction = if x.total > 0 {
            x.done as f32 / x.total as f32
        } else {
            0.0
        };
        ui.separator();
        ui.add(
            egui::ProgressBar::new(fraction)
                .desired_width(120.0)
                .animate(x.total == 0)
                .text(format!("Saving {name}")),
        );
        if ui.small_button("Cancel").clicked() {
            let req = x.req;
            self.loader.send(Request::Cancel { req });
        }
    }

    /// A snippet that reads what the view shows: Python with h5py, or Rust with the `hdf5`
    /// crate.
    pub(super) fn code_snippet(&self, lang: Lang) -> Option<String> {
        let (target, cut) = self.export_target()?;
        let file = self.files.iter().find(|f| f.id == target.file)?;
        let file_path = file.path.display().to_string();
        Some(match lang {
            Lang::Python => {
                let index = if cut.is_empty() {
                    "[()]".to_owned()
                } else {
                    let parts: Vec<String> = cut.iter().map(python_slice).collect();
                    format!("[{}]", parts.join(", "))
                };
                fill(
                    PYTHON_SNIPPET,
                    &[
                        ("{file}", &format!("{file_path:?}")),
                        ("{path}", &format!("{:?}", target.path)),
                        ("{index}", &index),
                    ],
                )
            }
            Lang::Rust => {
                let ty = match self.infos.get(&target) {
                    Some(InfoState::Ready(v)) => v
                        .info
                        .dataset
                        .as_ref()
                        .map_or("f64", |d| rust_type(&d.dtype)),
                    _ => "f64",
                };
                let read = if cut.is_empty() {
                    "read_dyn()".to_owned()
                } else {
                    let parts: Vec<String> = cut.iter().map(rust_slice).collect();
                    format!("read_slice(ndarray::s![{}])", parts.join(", "))
                };
                fill(
                    RUST_SNIPPET,
                    &[
                        ("{file}", &format!("{file_path:?}")),
                        ("{path}", &format!("{:?}", target.path)),
                        ("{type}", ty),
                        ("{read}", &read),
                    ],
                )
            }
        })
    }

    /// Saves exports to `dest` without asking (the UI tests' stand-in for the dialog).
    pub fn export_to(&mut self, dest: PathBuf) {
        self.export_path_override = Some(dest);
    }
}

/// The snippets' templates (kept as files: they are another language's code).
const PYTHON_SNIPPET: &str = include_str!("../../assets/snippets/h5py.py");
const RUST_SNIPPET: &str = include_str!("../../assets/snippets/rust-hdf5.rs");

/// `template` with each placeholder replaced, in one pass (a value that contains another
/// placeholder's text is left alone).
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        match values.iter().find(|(k, _)| tail.starts_with(k)) {
            Some((k, v)) => {
                out.push_str(v);
                rest = &tail[k.len()..];
            }
            None => {
                out.push('{');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The language of a "Copy as code" snippet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Lang {
    Python,
    Rust,
}

fn python_slice(a: &AxisSlice) -> String {
    match a {
        AxisSlice::Index(i) => i.to_string(),
        AxisSlice::Range { start, stop, step } => {
            let part = |v: &Option<i64>| v.map_or(String::new(), |x| x.to_string());
            match step {
                Some(s) if *s != 1 => format!("{}:{}:{s}", part(start), part(stop)),
                _ => format!("{}:{}", part(start), part(stop)),
            }
        }
    }
}

fn rust_slice(a: &AxisSlice) -> String {
    match a {
        AxisSlice::Index(i) => i.to_string(),
        AxisSlice::Range { start, stop, step } => {
            let range = format!(
                "{}..{}",
                start.map_or(String::new(), |x| x.to_string()),
                stop.map_or(String::new(), |x| x.to_string())
            );
            match step {
                Some(s) if *s != 1 => format!("{range};{s}"),
                _ => range,
            }
        }
    }
}

/// The Rust type the `hdf5` crate reads `dtype` into (plain numbers; anything else needs a
/// type of the user's, so the snippet says `f64` and compiles only for numbers).
fn rust_type(dtype: &crate::model::DType) -> &'static str {
    use crate::model::DType;
    match dtype {
        DType::Integer {
            size: 1,
            signed: true,
            ..
        } => "i8",
        DType::Integer {
            size: 2,
            signed: true,
            ..
        } => "i16",
        DType::Integer {
            size: 4,
            signed: true,
            ..
        } => "i32",
        DType::Integer {
            size: 8,
            signed: true,
            ..
        } => "i64",
        DType::Integer {
            size: 1,
            signed: false,
            ..
        } => "u8",
        DType::Integer {
            size: 2,
            signed: false,
            ..
        } => "u16",
        DType::Integer {
            size: 4,
            signed: false,
            ..
        } => "u32",
        DType::Integer {
            size: 8,
            signed: false,
            ..
        } => "u64",
        DType::Float { size: 4, .. } => "f32",
        _ => "f64",
    }
}
