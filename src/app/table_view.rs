//! The table view: any dataset as a grid of cells (compound fields and small array members
//! as columns), a scalar as its value.
//!
//! Virtual in both directions: the position is a row number and a column number, never a
//! pixel offset, so a table of 10^9 rows scrolls as well as one of ten; only the cells on
//! screen are laid out and only their blocks (plus the next one) are asked of the loader.
//! Every cell is a real label or link, so screen readers and the UI tests see it. Never
//! reads a file itself.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use egui::{Align, Layout, Rect, RichText, Sense, UiBuilder, vec2};

use super::widgets::index_slider;
use crate::loader::{FileId, Loader, Outcome, ReqId, Request, TableSource, View};
use crate::model::table::{BLOCK_COLS, BLOCK_ROWS, columns, pick, pretty_json};
use crate::model::{Block, Cell, Column, DType, Grid, Values};

/// Blocks kept in memory; the farthest from the screen go first.
const MAX_BLOCKS: usize = 48;
/// Column widths a fit may choose, in points.
const MIN_WIDTH: f32 = 40.0;
const MAX_WIDTH: f32 = 360.0;
/// Width of the scroll bars.
const BAR: f32 = 12.0;
/// Cells copied at once at most.
const MAX_COPY: u64 = 1 << 20;

/// What the view shows, from the dataset's metadata.
#[derive(Clone, Debug)]
pub struct TableSpec {
    pub file: FileId,
    pub path: String,
    pub dims: Vec<u64>,
    pub dtype: DType,
    /// Other files the values are kept in, when any (reading them needs consent).
    pub outside_files: String,
    /// The rows and columns shown (the user's last choice, else the default).
    pub grid: Grid,
}

/// One block of cells: rows x dataset columns x leaf columns, row-major.
struct Loaded {
    cols: usize,
    cells: Vec<Cell>,
}

/// A cell by row and display column (dataset column x leaf column).
type Pos = (u64, u64);

/// A block by its index in the fixed block grid: (row block, column block).
type BlockKey = (u64, u64);

/// The request in flight: its id, the grid it reads and the blocks it brings.
struct Pending {
    req: ReqId,
    grid: Grid,
    blocks: HashSet<BlockKey>,
}

pub struct TableView {
    spec: TableSpec,
    grid: Grid,
    columns: Vec<Column>,
    blocks: HashMap<BlockKey, Loaded>,
    pending: Option<Pending>,
    error: Option<String>,
    /// The first row and display column on screen.
    top: u64,
    left: u64,
    /// Wheel movement not yet worth a whole row.
    wheel: f32,
    /// Rows and display columns that fit on screen, from the last frame.
    page: u64,
    page_cols: u64,
    /// Width of each leaf column, fitted once the first block is here.
    widths: Vec<f32>,
    fitted: bool,
    /// The selected cells: from `anchor` to `cursor`, inclusive.
    anchor: Option<Pos>,
    cursor: Option<Pos>,
    jump: String,
    /// A reference cell the user clicked, for the app to select.
    follow: Option<String>,
    controls: bool,
    outside: bool,
}

impl TableView {
    pub fn new(spec: TableSpec) -> Self {
        let columns = columns(&spec.dtype);
        let widths = vec![96.0; columns.len()];
        Self {
            grid: spec.grid.clone(),
            spec,
            columns,
            blocks: HashMap::new(),
            pending: None,
            error: None,
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
            controls: true,
            outside: false,
        }
    }

    pub fn set_controls(&mut self, on: bool) {
        self.controls = on;
    }

    pub fn data_path(&self) -> &str {
        &self.spec.path
    }

    /// The rows and columns the user chose, for the app to remember.
    pub fn grid(&self) -> &Grid {
        &self.grid
    }

    pub fn status(&self) -> super::PlotStatus {
        match &self.error {
            Some(e) => super::PlotStatus::Failed(e.clone()),
            None if self.pending.is_some() || self.blocks.is_empty() => super::PlotStatus::Loading,
            None => super::PlotStatus::Ready,
        }
    }

    pub fn owns(&self, req: ReqId) -> bool {
        self.pending.as_ref().is_some_and(|p| p.req == req)
    }

    pub fn cancel(&mut self, loader: &mut Loader) {
        if let Some(p) = self.pending.take() {
            loader.send(Request::Cancel { req: p.req });
        }
    }

    /// The object a clicked reference cell leads to, once.
    pub fn take_follow(&mut self) -> Option<String> {
        self.follow.take()
    }

    pub fn on_cells(&mut self, req: ReqId, block: Block, values: &Arc<Values>) {
        if !self
            .pending
            .as_ref()
            .is_some_and(|p| p.req == req && p.grid == self.grid)
        {
            return;
        }
        let cols = block.cols as usize;
        let mut cells = Vec::with_capacity(values.len() * self.columns.len());
        for v in values.iter() {
            for c in &self.columns {
                cells.push(pick(v, &c.path).map_or_else(
                    || Cell {
                        text: "?".to_owned(),
                        ..Cell::default()
                    },
                    |v| Cell::of(v, &c.dtype),
                ));
            }
        }
        let key = (block.row / BLOCK_ROWS, block.col / BLOCK_COLS);
        self.blocks.insert(key, Loaded { cols, cells });
        self.evict();
    }

    pub fn on_data(&mut self, req: ReqId, outcome: Outcome) {
        if !self.owns(req) {
            return;
        }
        self.pending = None;
        if let Outcome::Failed(e) = outcome {
            self.error = Some(e);
        }
    }

    fn rows(&self) -> u64 {
        self.grid.size(&self.spec.dims).0
    }

    fn leaves(&self) -> u64 {
        self.columns.len().max(1) as u64
    }

    /// Display columns: every leaf column of every dataset column.
    fn display_cols(&self) -> u64 {
        self.grid.size(&self.spec.dims).1 * self.leaves()
    }

    fn is_scalar(&self) -> bool {
        self.spec.dims.is_empty()
    }

    fn cell(&self, (row, d): Pos) -> Option<&Cell> {
        let (dc, leaf) = (d / self.leaves(), d % self.leaves());
        let block = self.blocks.get(&(row / BLOCK_ROWS, dc / BLOCK_COLS))?;
        let (r, c) = ((row % BLOCK_ROWS) as usize, (dc % BLOCK_COLS) as usize);
        block
            .cells
            .get((r * block.cols + c) * self.columns.len() + leaf as usize)
    }

    /// The header of a display column: the leaf's name, after the dataset column's index
    /// when the grid has columns.
    fn header(&self, d: u64) -> String {
        let leaf = &self.columns[(d % self.leaves()) as usize].name;
        match (self.grid.cols, leaf.is_empty()) {
            (None, true) => "value".to_owned(),
            (None, false) => leaf.clone(),
            (Some(_), true) => (d / self.leaves()).to_string(),
            (Some(_), false) => format!("{} {leaf}", d / self.leaves()),
        }
    }

    /// The blocks the screen shows, and the next rows' block.
    fn wanted(&self) -> Vec<BlockKey> {
        let last_row = (self.top + self.page).min(self.rows().saturating_sub(1));
        let rows = self.top / BLOCK_ROWS..=(last_row / BLOCK_ROWS + 1);
        let leaves = self.leaves();
        let last_col = (self.left + self.page_cols).min(self.display_cols().saturating_sub(1));
        let cols = (self.left / leaves / BLOCK_COLS)..=(last_col / leaves / BLOCK_COLS);
        rows.flat_map(|r| cols.clone().map(move |c| (r, c)))
            .filter(|&(r, c)| self.grid.block(&self.spec.dims, r, c).is_some())
            .collect()
    }

    fn request(&mut self, loader: &mut Loader, next_req: &mut ReqId) {
        if self.error.is_some() {
            return;
        }
        let missing: Vec<BlockKey> = (self.wanted().into_iter())
            .filter(|k| !self.blocks.contains_key(k))
            .collect();
        let covered = self
            .pending
            .as_ref()
            .is_some_and(|p| p.grid == self.grid && missing.iter().all(|k| p.blocks.contains(k)));
        if missing.is_empty() || covered {
            return;
        }
        let blocks: Vec<Block> = (missing.iter())
            .filter_map(|&(r, c)| self.grid.block(&self.spec.dims, r, c))
            .collect();
        *next_req += 1;
        loader.send(Request::Cells {
            req: *next_req,
            view: View("table", 0),
            source: TableSource {
                file: self.spec.file,
                path: self.spec.path.clone(),
                grid: self.grid.clone(),
                dims: self.spec.dims.clone(),
                outside: self.outside,
            },
            blocks,
        });
        self.pending = Some(Pending {
            req: *next_req,
            grid: self.grid.clone(),
            blocks: missing.into_iter().collect(),
        });
    }

    /// Drops the blocks farthest from the screen beyond [`MAX_BLOCKS`].
    fn evict(&mut self) {
        if self.blocks.len() <= MAX_BLOCKS {
            return;
        }
        let here = (
            self.top / BLOCK_ROWS,
            self.left / self.leaves() / BLOCK_COLS,
        );
        let mut keys: Vec<BlockKey> = self.blocks.keys().copied().collect();
        keys.sort_by_key(|&(r, c)| std::cmp::Reverse(r.abs_diff(here.0) + c.abs_diff(here.1)));
        for k in keys.into_iter().take(self.blocks.len() - MAX_BLOCKS) {
            self.blocks.remove(&k);
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
        if self.is_scalar() {
            self.scalar(ui);
        } else {
            self.fit_widths(ui);
            self.grid_ui(ui);
        }
        self.request(loader, next_req);
    }

    /// A scalar's value at full width: JSON pretty-printed, compound fields one per line.
    fn scalar(&mut self, ui: &mut egui::Ui) {
        let texts: Vec<(String, String)> = (0..self.leaves())
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
                    if self.columns.len() > 1 {
                        ui.strong(format!("{name}:"));
                    }
                    let text = pretty_json(&text).unwrap_or(text);
                    ui.add(egui::Label::new(RichText::new(text).monospace()).selectable(true));
                });
            }
        });
    }

    /// Axis pickers, held indices, jump to row, copy.
    fn toolbar(&mut self, ui: &mut egui::Ui) {
        let rank = self.spec.dims.len();
        let before = self.grid.clone();
        let dims = self.spec.dims.clone();
        let text = |k: usize| format!("axis {k} ({})", dims[k]);
        ui.horizontal_wrapped(|ui| {
            if rank >= 2 {
                let mut rows = self.grid.rows;
                egui::ComboBox::from_label("rows")
                    .selected_text(text(rows))
                    .show_ui(ui, |ui| {
                        for k in 0..rank {
                            ui.selectable_value(&mut rows, k, text(k));
                        }
                    });
                let mut cols = self.grid.cols;
                egui::ComboBox::from_label("columns")
                    .selected_text(cols.map_or("none".to_owned(), text))
                    .show_ui(ui, |ui| {
                        ui.selectable_value(&mut cols, None, "none");
                        for k in 0..rank {
                            ui.selectable_value(&mut cols, Some(k), text(k));
                        }
                    });
                if rows != self.grid.rows {
                    // Picking the column axis for rows swaps the two.
                    if Some(rows) == self.grid.cols {
                        self.grid.cols = Some(self.grid.rows);
                    }
                    self.grid.rows = rows;
                } else if cols != self.grid.cols {
                    if cols == Some(self.grid.rows) {
                        self.grid.rows = self.grid.cols.unwrap_or((rows + 1) % rank);
                    }
                    self.grid.cols = cols;
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
                    Err(e) => self.error = Some(e),
                }
            }
        });
        let held: Vec<usize> = (0..rank)
            .filter(|&k| k != self.grid.rows && Some(k) != self.grid.cols)
            .collect();
        for k in held {
            ui.horizontal(|ui| index_slider(ui, k, &mut self.grid.at[k], self.spec.dims[k]));
        }
        if self.grid != before {
            self.blocks.clear();
            self.error = None;
            self.anchor = None;
            self.cursor = None;
            if (self.grid.rows, self.grid.cols) != (before.rows, before.cols) {
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

    /// Widths that fit the header and the first block's cells, once.
    fn fit_widths(&mut self, ui: &egui::Ui) {
        if self.fitted || self.blocks.is_empty() {
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
        let rows = self.rows().min(BLOCK_ROWS);
        let leaves = self.leaves();
        for leaf in 0..leaves {
            let mut w = measure(&self.header(leaf)) + 16.0;
            for r in 0..rows {
                if let Some(cell) = self.cell((r, leaf)) {
                    w = w.max(measure(&cell.text) + 12.0);
                }
            }
            self.widths[leaf as usize] = w.clamp(MIN_WIDTH, MAX_WIDTH);
        }
    }

    fn width(&self, d: u64) -> f32 {
        self.widths
            .get((d % self.leaves()) as usize)
            .copied()
            .unwrap_or(96.0)
    }

    /// The grid of cells with its header, index column and scroll bars.
    fn grid_ui(&mut self, ui: &mut egui::Ui) {
        let row_h = ui.spacing().interact_size.y + 2.0;
        let avail = ui.available_rect_before_wrap();
        let total_rows = self.rows();
        let total_cols = self.display_cols();
        let font = egui::TextStyle::Body.resolve(ui.style());
        let index_w = ui
            .painter()
            .layout_no_wrap(
                total_rows.saturating_sub(1).to_string(),
                font,
                egui::Color32::WHITE,
            )
            .size()
            .x
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
            let leaf = (d % self.leaves()) as usize;
            if handle.dragged() {
                self.widths[leaf] =
                    (self.widths[leaf] + handle.drag_delta().x).clamp(MIN_WIDTH, 4.0 * MAX_WIDTH);
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
            put(ui, index, true, |ui| {
                ui.label(RichText::new(row.to_string()).weak());
            });
            for &(d, x, w) in &xs {
                let rect = Rect::from_min_size(egui::pos2(x, y), vec2(w, row_h));
                let is_selected = selected.is_some_and(|((r0, c0), (r1, c1))| {
                    (r0..=r1).contains(&row) && (c0..=c1).contains(&d)
                });
                if is_selected {
                    painter.rect_filled(rect, 0.0, visuals.selection.bg_fill);
                }
                let numeric = self.columns[(d % self.leaves()) as usize].numeric();
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
