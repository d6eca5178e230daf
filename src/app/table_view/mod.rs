//! The table view: any dataset as a grid of cells (compound fields and small array members
//! as columns), a scalar as its value, and tables that writers split over several datasets
//! (a pandas DataFrame's blocks, its column names and its index) as one table.
//!
//! Virtual in both directions: the position is a row number and a column number, never a
//! pixel offset, so a table of 10^9 rows scrolls as well as one of ten; only the cells on
//! screen are laid out and only their blocks (plus the next one) are asked of the loader.
//! Every cell is a real label or link, so screen readers and the UI tests see it. Never
//! reads a file itself.

mod source;

use std::sync::Arc;

use egui::{Align, Layout, Rect, RichText, Sense, UiBuilder, vec2};

use self::source::Source;
pub use self::source::SourceSpec;
use super::widgets::index_slider;
use crate::loader::{FileId, Loader, Outcome, ReqId, View};
use crate::model::table::pretty_json;
use crate::model::{Block, Cell, Grid, Values};

/// Column widths a fit may choose, in points.
const MIN_WIDTH: f32 = 40.0;
const MAX_WIDTH: f32 = 360.0;
/// Width of the scroll bars.
const BAR: f32 = 12.0;
/// Cells copied at once at most.
const MAX_COPY: u64 = 1 << 20;
/// Rows measured when fitting column widths.
const FIT_ROWS: u64 = 256;

/// What the view shows, from the metadata of the objects involved.
#[derive(Clone, Debug)]
pub struct TableSpec {
    pub file: FileId,
    /// The object the table is of: a dataset, or the group of a DataFrame.
    pub path: String,
    /// The datasets shown side by side (one for a plain dataset).
    pub sources: Vec<SourceSpec>,
    /// Per source, a 1-D dataset whose values name its dataset columns.
    pub names: Vec<Option<SourceSpec>>,
    /// A 1-D dataset whose values label the rows.
    pub index: Option<SourceSpec>,
    /// What could not be shown, and why (pickled columns...).
    pub notes: Vec<String>,
    /// The numbers are UTF-16 code units of text, one string per row (MATLAB's char).
    pub text: bool,
}

impl TableSpec {
    /// The table of one dataset.
    pub fn single(file: FileId, source: SourceSpec) -> Self {
        Self {
            file,
            path: source.path.clone(),
            sources: vec![source],
            names: vec![None],
            index: None,
            notes: Vec::new(),
            text: false,
        }
    }
}

/// A cell by row and display column (the display columns of every source in turn).
type Pos = (u64, u64);

pub struct TableView {
    file: FileId,
    path: String,
    sources: Vec<Source>,
    names: Vec<Option<Source>>,
    index: Option<Source>,
    notes: Vec<String>,
    text: bool,
    /// The first row and display column on screen.
    top: u64,
    left: u64,
    /// Wheel movement not yet worth a whole row.
    wheel: f32,
    /// Rows and display columns that fit on screen, from the last frame.
    page: u64,
    page_cols: u64,
    /// Width of each leaf column of each source, fitted once the first blocks are here.
    widths: Vec<Vec<f32>>,
    fitted: bool,
    /// The selected cells: from `anchor` to `cursor`, inclusive.
    anchor: Option<Pos>,
    cursor: Option<Pos>,
    jump: String,
    /// A reference cell the user clicked, for the app to select.
    follow: Option<String>,
    /// Why the last copy failed.
    message: Option<String>,
    controls: bool,
}

impl TableView {
    /// Whether the user allowed reading values kept in other files.
    pub fn reads_outside(&self) -> bool {
        self.sources.iter().any(|s| s.outside)
    }

    pub fn new(spec: TableSpec) -> Self {
        let sources: Vec<Source> = spec.sources.into_iter().map(Source::new).collect();
        let widths = (sources.iter())
            .map(|s| vec![96.0; s.leaves() as usize])
            .collect();
        Self {
            file: spec.file,
            path: spec.path,
            sources,
            names: (spec.names.into_iter())
                .map(|n| n.map(Source::new))
                .collect(),
            index: spec.index.map(Source::new),
            notes: spec.notes,
            text: spec.text,
            top: 0,
            left: 0,
            wheel: 0.0,
            page: 1,
            page_cols: 1,
            widths,
            fitted: false,
            anchor: None,
            cursor: None,
            jump: String::new(),
            follow: None,
            message: None,
            controls: true,
        }
    }

    pub fn set_controls(&mut self, on: bool) {
        self.controls = on;
    }

    pub fn data_path(&self) -> &str {
        &self.path
    }

    /// The rows and columns the user chose through a single dataset, for the app to
    /// remember.
    pub fn grid(&self) -> Option<&Grid> {
        match &self.sources[..] {
            [one] => Some(one.grid()),
            _ => None,
        }
    }

    /// Every source: shown, naming columns, labelling rows.
    fn all(&self) -> impl Iterator<Item = &Source> {
        (self.sources.iter())
            .chain(self.names.iter().flatten())
            .chain(&self.index)
    }

    fn all_mut(&mut self) -> impl Iterator<Item = &mut Source> {
        (self.sources.iter_mut())
            .chain(self.names.iter_mut().flatten())
            .chain(&mut self.index)
    }

    fn error(&self) -> Option<&str> {
        self.all().find_map(|s| s.error.as_deref())
    }

    pub fn status(&self) -> super::PlotStatus {
        match self.error() {
            Some(e) => super::PlotStatus::Failed(e.to_owned()),
            None if self.all().any(Source::loading)
                || !self.sources.iter().any(Source::has_blocks) =>
            {
                super::PlotStatus::Loading
            }
            None => super::PlotStatus::Ready,
        }
    }

    pub fn owns(&self, req: ReqId) -> bool {
        self.all().any(|s| s.owns(req))
    }

    pub fn cancel(&mut self, loader: &mut Loader) {
        for s in self.all_mut() {
            s.cancel(loader);
        }
    }

    /// The object a clicked reference cell leads to, once.
    pub fn take_follow(&mut self) -> Option<String> {
        self.follow.take()
    }

    pub fn on_cells(&mut self, req: ReqId, block: Block, values: &Arc<Values>) {
        if let Some(s) = self.all_mut().find(|s| s.owns(req)) {
            s.on_cells(req, block, values);
        }
    }

    pub fn on_data(&mut self, req: ReqId, outcome: Outcome) {
        if let Some(s) = self.all_mut().find(|s| s.owns(req)) {
            s.on_data(req, outcome);
        }
    }

    /// Rows every shown source has.
    fn rows(&self) -> u64 {
        self.sources.iter().map(Source::rows).min().unwrap_or(0)
    }

    fn display_cols(&self) -> u64 {
        self.sources.iter().map(Source::display_cols).sum()
    }

    fn is_scalar(&self) -> bool {
        matches!(&self.sources[..], [one] if one.is_scalar())
    }

    /// The source of display column `d` and the column within it.
    fn locate(&self, d: u64) -> Option<(usize, u64)> {
        let mut first = 0;
        for (i, s) in self.sources.iter().enumerate() {
            let n = s.display_cols();
            if d < first + n {
                return Some((i, d - first));
            }
            first += n;
        }
        None
    }

    fn cell(&self, (row, d): Pos) -> Option<&Cell> {
        let (s, local) = self.locate(d)?;
        self.sources[s].cell(row, local)
    }

    /// A column's header: the name its source's names dataset gives its dataset column
    /// (with the leaf's name when elements have several), else the source's own header.
    fn header(&self, d: u64) -> String {
        let Some((s, local)) = self.locate(d) else {
            return String::new();
        };
        let source = &self.sources[s];
        let leaves = source.leaves();
        let named = self.names[s]
            .as_ref()
            .and_then(|n| n.cell(local / leaves, 0))
            .map(|c| c.text.clone());
        match named {
            Some(name) if leaves > 1 => {
                let leaf = &source.columns[(local % leaves) as usize].name;
                format!("{name} {leaf}")
            }
            Some(name) => name,
            None => source.header(local),
        }
    }

    /// A row's label: its index value when the table has an index, else its number.
    fn row_label(&self, row: u64) -> String {
        self.index
            .as_ref()
            .and_then(|i| i.cell(row, 0))
            .map_or_else(|| row.to_string(), |c| c.text.clone())
    }

    fn numeric(&self, d: u64) -> bool {
        self.locate(d)
            .is_some_and(|(s, local)| self.sources[s].numeric(local))
    }

    /// Asks each source for the blocks on screen.
    fn request(&mut self, loader: &mut Loader, next_req: &mut ReqId) {
        let rows = (self.top, self.top + self.page);
        let (left, right) = (self.left, self.left + self.page_cols);
        let file = self.file;
        let mut first = 0;
        for (i, s) in self.sources.iter_mut().enumerate() {
            let n = s.display_cols();
            let (from, to) = (left.max(first), right.min(first + n.saturating_sub(1)));
            if from <= to {
                let view = View("table", i as u32);
                s.request(
                    (file, view),
                    rows,
                    (from - first, to - first),
                    loader,
                    next_req,
                );
                if let Some(names) = &mut self.names[i] {
                    let leaves = s.leaves();
                    let cols = ((from - first) / leaves, (to - first) / leaves);
                    let view = View("table names", i as u32);
                    names.request((file, view), cols, (0, 0), loader, next_req);
                }
            }
            first += n;
        }
        if let Some(index) = &mut self.index {
            index.request(
                (file, View("table index", 0)),
                rows,
                (0, 0),
                loader,
                next_req,
            );
        }
    }

    /// The selected rectangle, first and last row and display column.
    fn selected(&self) -> Option<(Pos, Pos)> {
        let (a, c) = (self.anchor?, self.cursor?);
        Some(((a.0.min(c.0), a.1.min(c.1)), (a.0.max(c.0), a.1.max(c.1))))
    }

    /// The selected cells as tab-separated text (a header line first), or why not.
    pub fn copy_text(&self) -> Option<Result<String, String>> {
        let ((r0, c0), (r1, c1)) = self.selected()?;
        let n = (r1 - r0 + 1).saturating_mul(c1 - c0 + 1);
        if n > MAX_COPY {
            return Some(Err(format!(
                "{n} cells selected; at most {MAX_COPY} can be copied"
            )));
        }
        let clean = |s: &str| s.replace(['\t', '\n', '\r'], " ");
        let mut out = String::new();
        let headers: Vec<String> = (c0..=c1).map(|d| clean(&self.header(d))).collect();
        out.push_str(&headers.join("\t"));
        for r in r0..=r1 {
            out.push('\n');
            let mut line = Vec::new();
            for d in c0..=c1 {
                let Some(cell) = self.cell((r, d)) else {
                    return Some(Err(format!(
                        "row {r} is not loaded yet; scroll through the selection first"
                    )));
                };
                line.push(clean(cell.full.as_deref().unwrap_or(&cell.text)));
            }
            out.push_str(&line.join("\t"));
        }
        Some(Ok(out))
    }

    pub fn ui(&mut self, ui: &mut egui::Ui, loader: &mut Loader, next_req: &mut ReqId) {
        if self.controls && !self.is_scalar() {
            self.toolbar(ui);
        }
        for note in &self.notes {
            ui.weak(note);
        }
        if self.text {
            self.text_ui(ui);
        }
        for s in self.all_mut() {
            let Some(e) = s.error.clone() else {
                continue;
            };
            ui.colored_label(ui.visuals().error_fg_color, e);
            let files = s.spec.outside_files.clone();
            if !files.is_empty()
                && !s.outside
                && ui.button(format!("Read values from {files}")).clicked()
            {
                s.outside = true;
                s.error = None;
            }
        }
        if self.is_scalar() {
            self.scalar(ui);
        } else {
            self.fit_widths(ui);
            self.grid_ui(ui);
        }
        self.request(loader, next_req);
    }

    /// Rows of UTF-16 code units as the text they spell, for the rows on screen.
    fn text_ui(&self, ui: &mut egui::Ui) {
        let cols = self.display_cols();
        let lines: Option<Vec<String>> = (self.top..(self.top + self.page).min(self.rows()))
            .map(|r| {
                let units: Option<Vec<u16>> = (0..cols)
                    .map(|d| self.cell((r, d))?.text.parse().ok())
                    .collect();
                units.map(|u| String::from_utf16_lossy(&u))
            })
            .collect();
        if let Some(lines) = lines {
            for line in lines {
                ui.label(RichText::new(format!("{line:?}")).monospace().strong());
            }
        }
    }

    /// A scalar's value at full width: JSON pretty-printed, compound fields one per line.
    fn scalar(&mut self, ui: &mut egui::Ui) {
        let leaves = self.sources[0].leaves();
        let texts: Vec<(String, String)> = (0..leaves)
            .filter_map(|d| {
                let cell = self.cell((0, d))?;
                let text = cell.full.clone().unwrap_or_else(|| cell.text.clone());
                Some((self.header(d), text))
            })
            .collect();
        if texts.is_empty() {
            ui.spinner();
            return;
        }
        egui::ScrollArea::both().show(ui, |ui| {
            for (name, text) in texts {
                ui.horizontal_top(|ui| {
                    if leaves > 1 {
                        ui.strong(format!("{name}:"));
                    }
                    let text = pretty_json(&text).unwrap_or(text);
                    ui.add(egui::Label::new(RichText::new(text).monospace()).selectable(true));
                });
            }
        });
    }

    /// Axis pickers and held indices (for one dataset), jump to row, copy.
    fn toolbar(&mut self, ui: &mut egui::Ui) {
        let (dims, before) = match &self.sources[..] {
            [one] => (one.spec.dims.clone(), one.grid().clone()),
            _ => (Vec::new(), Grid::scalar()),
        };
        let rank = dims.len();
        let mut grid = before.clone();
        let text = |k: usize| format!("axis {k} ({})", dims[k]);
        ui.horizontal_wrapped(|ui| {
            if rank >= 2 {
                let mut rows = grid.rows;
                egui::ComboBox::from_label("rows")
                    .selected_text(text(rows))
                    .show_ui(ui, |ui| {
                        for k in 0..rank {
                            ui.selectable_value(&mut rows, k, text(k));
                        }
                    });
                let mut cols = grid.cols;
                egui::ComboBox::from_label("columns")
                    .selected_text(cols.map_or("none".to_owned(), text))
                    .show_ui(ui, |ui| {
                        ui.selectable_value(&mut cols, None, "none");
                        for k in 0..rank {
                            ui.selectable_value(&mut cols, Some(k), text(k));
                        }
                    });
                if rows != grid.rows {
                    // Picking the column axis for rows swaps the two.
                    if Some(rows) == grid.cols {
                        grid.cols = Some(grid.rows);
                    }
                    grid.rows = rows;
                } else if cols != grid.cols {
                    if cols == Some(grid.rows) {
                        grid.rows = grid.cols.unwrap_or((rows + 1) % rank);
                    }
                    grid.cols = cols;
                }
            }
            ui.separator();
            let label = ui.label("row");
            let field = ui
                .add(
                    egui::TextEdit::singleline(&mut self.jump)
                        .desired_width(90.0)
                        .hint_text("jump to"),
                )
                .labelled_by(label.id);
            let entered = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            if (ui.button("Go").clicked() || entered)
                && let Ok(row) = self.jump.trim().replace('_', "").parse::<u64>()
            {
                self.go_to(row.min(self.rows().saturating_sub(1)));
            }
            let rows = self.rows();
            let last = (self.top + self.page).min(rows);
            ui.weak(format!(
                "rows {}–{} of {rows}",
                super::numbers::whole(self.top as f64),
                super::numbers::whole(last.saturating_sub(1) as f64)
            ));
            if ui
                .add_enabled(self.selected().is_some(), egui::Button::new("Copy"))
                .on_hover_text("Copy the selected cells as tab-separated text (Ctrl+C)")
                .clicked()
                && let Some(text) = self.copy_text()
            {
                match text {
                    Ok(t) => ui.ctx().copy_text(t),
                    Err(e) => self.message = Some(e),
                }
            }
        });
        let held: Vec<usize> = (0..rank)
            .filter(|&k| k != grid.rows && Some(k) != grid.cols)
            .collect();
        for k in held {
            ui.horizontal(|ui| index_slider(ui, k, &mut grid.at[k], dims[k]));
        }
        if let Some(m) = &self.message {
            ui.colored_label(ui.visuals().error_fg_color, m);
        }
        if grid != before {
            self.sources[0].set_grid(grid.clone());
            self.anchor = None;
            self.cursor = None;
            if (grid.rows, grid.cols) != (before.rows, before.cols) {
                self.top = 0;
                self.left = 0;
            }
        }
    }

    /// Puts `row` on screen, at the top unless it already shows, and selects it.
    fn go_to(&mut self, row: u64) {
        if row < self.top || row >= self.top + self.page {
            self.top = row;
        }
        self.anchor = Some((row, self.left));
        self.cursor = self.anchor;
    }

    /// Widths that fit the headers and the first rows' cells, once they are all here.
    fn fit_widths(&mut self, ui: &egui::Ui) {
        let here = self.sources.iter().all(Source::has_blocks)
            && self.names.iter().flatten().all(Source::has_blocks);
        if self.fitted || !here {
            return;
        }
        self.fitted = true;
        let font = egui::TextStyle::Body.resolve(ui.style());
        let measure = |t: &str| {
            ui.painter()
                .layout_no_wrap(t.to_owned(), font.clone(), egui::Color32::WHITE)
                .size()
                .x
        };
        let rows = self.rows().min(FIT_ROWS);
        let mut first = 0;
        let mut widths = Vec::with_capacity(self.sources.len());
        for source in &self.sources {
            let fitted: Vec<f32> = (0..source.leaves())
                .map(|leaf| {
                    let mut w = measure(&self.header(first + leaf)) + 16.0;
                    for r in 0..rows {
                        if let Some(cell) = source.cell(r, leaf) {
                            w = w.max(measure(&cell.text) + 12.0);
                        }
                    }
                    w.clamp(MIN_WIDTH, MAX_WIDTH)
                })
                .collect();
            widths.push(fitted);
            first += source.display_cols();
        }
        self.widths = widths;
    }

    /// Where display column `d`'s width is kept: its source and leaf.
    fn width_slot(&self, d: u64) -> Option<(usize, usize)> {
        let (s, local) = self.locate(d)?;
        Some((s, (local % self.sources[s].leaves()) as usize))
    }

    fn width(&self, d: u64) -> f32 {
        self.width_slot(d)
            .and_then(|(s, leaf)| self.widths.get(s)?.get(leaf).copied())
            .unwrap_or(96.0)
    }

    /// The grid of cells with its header, index column and scroll bars.
    fn grid_ui(&mut self, ui: &mut egui::Ui) {
        let row_h = ui.spacing().interact_size.y + 2.0;
        let avail = ui.available_rect_before_wrap();
        let total_rows = self.rows();
        let total_cols = self.display_cols();
        let font = egui::TextStyle::Body.resolve(ui.style());
        // Wide enough for the last row's number, or the labels of the rows on screen.
        let labels = (self.top..(self.top + self.page).min(total_rows)).map(|r| self.row_label(r));
        let index_w = std::iter::once(total_rows.saturating_sub(1).to_string())
            .chain(labels)
            .map(|t| {
                ui.painter()
                    .layout_no_wrap(t, font.clone(), egui::Color32::WHITE)
                    .size()
                    .x
            })
            .fold(0.0, f32::max)
            .min(MAX_WIDTH)
            + 16.0;
        let body = Rect::from_min_max(avail.min, avail.max - vec2(BAR, BAR));
        let cells = Rect::from_min_max(body.min + vec2(index_w, row_h), body.max);
        self.page = ((cells.height() / row_h).floor() as u64).max(1);
        self.top = self.top.min(total_rows.saturating_sub(self.page));
        let mut x = 0.0;
        let mut fit = 0;
        for d in self.left..total_cols {
            x += self.width(d);
            fit += 1;
            if x > cells.width() {
                break;
            }
        }
        self.page_cols = fit.max(1);
        let id = ui.scope_id().with("table");
        if ui.rect_contains_pointer(body) {
            self.scroll_input(ui, row_h);
        }
        let painter = ui.painter_at(body);
        let visuals = ui.visuals().clone();
        painter.rect_filled(
            Rect::from_min_max(body.min, egui::pos2(body.max.x, body.min.y + row_h)),
            0.0,
            visuals.faint_bg_color,
        );
        let selected = self.selected();
        // Column positions on screen.
        let mut xs = Vec::new();
        let mut x = cells.min.x;
        for d in self.left..(self.left + self.page_cols).min(total_cols) {
            let w = self.width(d);
            xs.push((d, x, w));
            x += w;
        }
        // Header.
        for &(d, x, w) in &xs {
            let rect = Rect::from_min_size(egui::pos2(x, body.min.y), vec2(w, row_h));
            let header = self.header(d);
            put(ui, rect, false, |ui| {
                ui.add(egui::Label::new(RichText::new(header).strong()).truncate());
            });
            let edge = Rect::from_center_size(rect.right_center(), vec2(6.0, row_h));
            let handle = ui
                .interact(edge, id.with(("resize", d)), Sense::click_and_drag())
                .on_hover_cursor(egui::CursorIcon::ResizeHorizontal);
            if handle.dragged()
                && let Some((s, leaf)) = self.width_slot(d)
                && let Some(w) = self.widths.get_mut(s).and_then(|w| w.get_mut(leaf))
            {
                *w = (*w + handle.drag_delta().x).clamp(MIN_WIDTH, 4.0 * MAX_WIDTH);
            }
            if handle.double_clicked() {
                self.fitted = false;
            }
            painter.vline(
                x + w,
                body.y_range(),
                visuals.widgets.noninteractive.bg_stroke,
            );
        }
        // Selecting: click, shift-click or drag over the cells (labels only sense hover, so
        // the whole cell is the target; links sit on top and keep their clicks).
        let area = ui.interact(cells, id.with("cells"), Sense::click_and_drag());
        let at = |pos: egui::Pos2| {
            let row = self.top + ((pos.y - cells.min.y) / row_h).max(0.0) as u64;
            let col = xs
                .iter()
                .find(|(_, x, w)| pos.x < x + w)
                .map(|(d, _, _)| *d)?;
            (row < total_rows).then_some((row, col))
        };
        if let Some(pos) = area.interact_pointer_pos().and_then(at) {
            let shift = ui.input(|i| i.modifiers.shift);
            if area.drag_started() || (area.clicked() && !(shift && self.anchor.is_some())) {
                self.anchor = Some(pos);
            }
            if area.dragged() || area.clicked() {
                self.cursor = Some(pos);
            }
        }
        // Rows.
        let last = (self.top + self.page).min(total_rows);
        for (i, row) in (self.top..last).enumerate() {
            let y = cells.min.y + i as f32 * row_h;
            if row % 2 == 1 {
                painter.rect_filled(
                    Rect::from_min_max(egui::pos2(body.min.x, y), egui::pos2(x, y + row_h)),
                    0.0,
                    visuals.faint_bg_color,
                );
            }
            let index = Rect::from_min_size(egui::pos2(body.min.x, y), vec2(index_w, row_h));
            let label = self.row_label(row);
            put(ui, index, true, |ui| {
                ui.add(egui::Label::new(RichText::new(label).weak()).truncate());
            });
            for &(d, x, w) in &xs {
                let rect = Rect::from_min_size(egui::pos2(x, y), vec2(w, row_h));
                let is_selected = selected.is_some_and(|((r0, c0), (r1, c1))| {
                    (r0..=r1).contains(&row) && (c0..=c1).contains(&d)
                });
                if is_selected {
                    painter.rect_filled(rect, 0.0, visuals.selection.bg_fill);
                }
                let numeric = self.numeric(d);
                let followed = match self.cell((row, d)).cloned() {
                    Some(cell) => put(ui, rect, numeric, |ui| cell_ui(ui, &cell)),
                    None => {
                        put(ui, rect, numeric, |ui| {
                            ui.weak("…");
                        });
                        None
                    }
                };
                if followed.is_some() {
                    self.follow = followed;
                }
            }
        }
        self.scroll_bars(ui, body, cells, id);
        ui.allocate_rect(avail, Sense::hover());
    }

    /// Wheel, PageUp/PageDown, Home/End over the table.
    fn scroll_input(&mut self, ui: &egui::Ui, row_h: f32) {
        let (delta, page_up, page_down, home, end) = ui.input(|i| {
            (
                i.smooth_scroll_delta,
                i.key_pressed(egui::Key::PageUp),
                i.key_pressed(egui::Key::PageDown),
                i.key_pressed(egui::Key::Home),
                i.key_pressed(egui::Key::End),
            )
        });
        self.wheel -= delta.y;
        let steps = (self.wheel / row_h).trunc();
        self.wheel -= steps * row_h;
        let mut top = self.top as i128 + steps as i128;
        if page_up {
            top -= i128::from(self.page);
        }
        if page_down {
            top += i128::from(self.page);
        }
        let max = i128::from(self.rows().saturating_sub(self.page));
        if home {
            top = 0;
        }
        if end {
            top = max;
        }
        self.top = top.clamp(0, max) as u64;
        if delta.x.abs() > 8.0 {
            let step = if delta.x < 0.0 { 1 } else { -1 };
            let max = self.display_cols().saturating_sub(1) as i64;
            self.left = (self.left as i64 + step).clamp(0, max) as u64;
        }
    }

    /// The vertical (rows) and horizontal (columns) bars: drag the thumb or click the track.
    fn scroll_bars(&mut self, ui: &mut egui::Ui, body: Rect, cells: Rect, id: egui::Id) {
        let rows = self.rows();
        let vtrack = Rect::from_min_max(
            egui::pos2(body.max.x, cells.min.y),
            egui::pos2(body.max.x + BAR, cells.max.y),
        );
        if let Some(f) = bar(
            ui,
            vtrack,
            id.with("rows bar"),
            self.top,
            self.page,
            rows,
            true,
        ) {
            self.top = f;
        }
        let cols = self.display_cols();
        let htrack = Rect::from_min_max(
            egui::pos2(cells.min.x, body.max.y),
            egui::pos2(cells.max.x, body.max.y + BAR),
        );
        if let Some(f) = bar(
            ui,
            htrack,
            id.with("cols bar"),
            self.left,
            self.page_cols,
            cols,
            false,
        ) {
            self.left = f;
        }
    }
}

/// A scroll bar over `total` items of which `shown` from `first` are on screen; the new
/// first item when the user moved it.
fn bar(
    ui: &mut egui::Ui,
    track: Rect,
    id: egui::Id,
    first: u64,
    shown: u64,
    total: u64,
    vertical: bool,
) -> Option<u64> {
    if total <= shown {
        return None;
    }
    let along = |r: Rect| if vertical { r.height() } else { r.width() };
    let len = along(track);
    let thumb = (len * shown as f32 / total as f32).max(24.0).min(len);
    let span = (total - shown) as f64;
    let frac = first as f64 / span;
    let start = frac as f32 * (len - thumb);
    let thumb_rect = if vertical {
        Rect::from_min_size(
            track.min + vec2(2.0, start),
            vec2(track.width() - 4.0, thumb),
        )
    } else {
        Rect::from_min_size(
            track.min + vec2(start, 2.0),
            vec2(thumb, track.height() - 4.0),
        )
    };
    let r = ui.interact(track, id, Sense::click_and_drag());
    let visuals = ui.visuals();
    let fill = if r.dragged() || r.hovered() {
        visuals.widgets.hovered.bg_fill
    } else {
        visuals.widgets.inactive.bg_fill
    };
    ui.painter().rect_filled(thumb_rect, 4.0, fill);
    let pos = r.interact_pointer_pos()?;
    if !(r.dragged() || r.clicked()) {
        return None;
    }
    let at = if vertical {
        pos.y - track.min.y
    } else {
        pos.x - track.min.x
    };
    let f = f64::from(((at - thumb / 2.0) / (len - thumb).max(1.0)).clamp(0.0, 1.0));
    Some((f * span).round() as u64)
}

/// Lays `add` out inside `rect`, left-aligned (right-aligned for numbers), and passes on
/// what it returns.
fn put<R>(ui: &mut egui::Ui, rect: Rect, right: bool, add: impl FnOnce(&mut egui::Ui) -> R) -> R {
    let layout = if right {
        Layout::right_to_left(Align::Center)
    } else {
        Layout::left_to_right(Align::Center)
    };
    let inner = rect.shrink2(vec2(4.0, 0.0));
    ui.scope_builder(UiBuilder::new().max_rect(inner).layout(layout), |ui| {
        ui.set_clip_rect(inner.intersect(ui.clip_rect()));
        add(ui)
    })
    .inner
}

/// One cell: a link for a reference, else its text; the whole text in its tooltip. The
/// object a clicked link leads to.
fn cell_ui(ui: &mut egui::Ui, cell: &Cell) -> Option<String> {
    let r = match &cell.link {
        Some(_) => ui.link(&cell.text),
        None => ui.add(
            egui::Label::new(&cell.text)
                .truncate()
                .show_tooltip_when_elided(cell.full.is_none())
                .selectable(false)
                .sense(Sense::hover()),
        ),
    };
    let r = match &cell.full {
        Some(full) => r.on_hover_ui(|ui| {
            ui.add(egui::Label::new(RichText::new(full).monospace()).wrap());
        }),
        None => r,
    };
    cell.link.clone().filter(|_| r.clicked())
}
