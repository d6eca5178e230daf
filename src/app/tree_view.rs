//! The file tree on the left: one root per open file, lazily listed groups, virtualised rows
//! (only visible rows are laid out, so 100,000-member groups scroll smoothly) and paging
//! (the next page is asked for when its placeholder row scrolls into view).
//!
//! Draws and collects user actions; must never request data except through the app.

use std::collections::HashMap;

use egui::{RichText, Role, WidgetInfo};

use super::export_flow::SaveKind;
use super::files::{self, FileState, OpenFile, Row, RowKind};
use super::glyphs::{
    ARROW, COLLAPSE, CYCLE, DATASET, DATATYPE, EXPAND, EXTERNAL, FILE, GROUP, LINK, WARNING,
};
use super::{HdfscopeApp, Selection};
use crate::loader::{FileId, Request};
use crate::model::convention::Label;
use crate::model::{Child, LinkType, ObjectKind, join_path, parent_path};

/// Requests in flight above which rows on screen stop asking for their badges' metadata.
const MAX_BADGE_BACKLOG: usize = 16;

/// What the user did in the tree this frame, applied after drawing.
#[derive(Debug)]
enum Action {
    Select(FileId, String),
    Toggle(FileId, String),
    More(FileId, String),
    Copy(String),
    Close(FileId),
    Reload(FileId),
    /// Use this 1-D dataset as the x values of the plot on screen.
    UseAsX(FileId, String),
    AddToPlot(FileId, String),
    /// Save this object (a group with everything below it) as a new HDF5 file.
    SaveCopy(FileId, String),
    /// A row on screen whose metadata (for its convention badge) is not known yet.
    WantInfo(FileId, String),
}

/// What every row needs to know besides its own data.
#[derive(Clone, Copy)]
struct RowContext<'a> {
    selection: Option<&'a Selection>,
    /// Convention labels of the objects whose metadata arrived.
    labels: &'a HashMap<Selection, Option<Label>>,
    /// The file whose data is plotted, if any.
    plotted: Option<FileId>,
}

/// Glyph, accessible kind name and detail text of a link row.
fn describe(f: &OpenFile, group: &str, child: &Child, cycle: bool) -> (&'static str, String) {
    let path = join_path(group, &child.link.name);
    let mut detail = String::new();
    match child.link.link_type {
        LinkType::Soft => {
            detail.push_str(&format!(
                "{ARROW} {}",
                child.link.target.as_deref().unwrap_or("?")
            ));
        }
        LinkType::External => detail.push_str(&format!(
            "{ARROW} {}::{}",
            child.link.file.as_deref().unwrap_or("?"),
            child.link.target.as_deref().unwrap_or("/")
        )),
        LinkType::User => detail.push_str("user-defined link (not followed)"),
        LinkType::Hard => {}
    }
    if let Some(e) = &child.entry {
        if let (Some(shape), Some(dtype)) = (&e.shape, &e.dtype) {
            if !detail.is_empty() {
                detail.push_str("  ");
            }
            detail.push_str(&format!("{}  {}", shape.text(), dtype.text()));
        }
        if cycle {
            detail.push_str(&format!(
                "  {CYCLE} cycle to {}",
                f.first_seen
                    .get(&e.id)
                    .map_or("an ancestor", String::as_str)
            ));
        } else if child.link.link_type == LinkType::Hard
            && let Some(first) = f.first_seen.get(&e.id)
            && *first != path
        {
            detail.push_str(&format!("  = alias of {first}"));
        }
    }
    let glyph = match (child.link.link_type, child.entry.as_ref().map(|e| e.kind)) {
        (_, Some(_)) if cycle => CYCLE,
        (LinkType::Hard | LinkType::Soft, Some(ObjectKind::Group)) => GROUP,
        (LinkType::Hard | LinkType::Soft, Some(ObjectKind::Dataset)) => DATASET,
        (LinkType::Hard | LinkType::Soft, Some(ObjectKind::Datatype)) => DATATYPE,
        (LinkType::External, _) => EXTERNAL,
        _ => LINK,
    };
    (glyph, detail)
}

impl HdfscopeApp {
    pub(super) fn tree_panel(&mut self, ui: &mut egui::Ui) {
        self.search_box(ui);
        if self.search.is_active() {
            self.search_results(ui);
            return;
        }
        if self.files.is_empty() {
            ui.weak("No file open.");
            return;
        }
        if self.rows_dirty {
            self.rows = files::flatten(&self.files, &self.root_ids);
            self.rows_dirty = false;
        }
        self.keyboard_navigation(ui);
        let mut actions = Vec::new();
        let row_height = ui.spacing().interact_size.y;
        let mut area = egui::ScrollArea::both().auto_shrink([false, false]);
        let visible = ui.available_height();
        let target = self
            .scroll_to_selection
            .then(|| self.selected_row())
            .flatten();
        // The selection's row may appear only once its ancestors are listed: keep trying
        // while answers are on their way.
        if target.is_some() || self.loader.pending() == 0 {
            self.scroll_to_selection = false;
        }
        if let Some(i) = target {
            // Rows outside the visible range are not laid out, so scroll by position.
            let spacing = ui.spacing().item_spacing.y;
            let y = i as f32 * (row_height + spacing);
            area = area.vertical_scroll_offset((y - visible / 2.0).max(0.0));
        }
        let rows = &self.rows;
        let files = &self.files;
        let cx = RowContext {
            selection: self.selection.as_ref(),
            labels: &self.labels,
            plotted: self.plotted_file(),
        };
        area.show_rows(ui, row_height, rows.len(), |ui, range| {
            for i in range {
                row_ui(ui, &rows[i], files, cx, &mut actions);
            }
        });
        for a in actions {
            self.apply_tree_action(ui.ctx(), a);
        }
    }

    fn selected_row(&self) -> Option<usize> {
        let sel = self.selection.as_ref()?;
        self.rows.iter().position(|r| {
            r.file == sel.file
                && match &r.kind {
                    RowKind::Root => sel.path == "/",
                    RowKind::Link { group, .. } => {
                        // Cheap filter before building the path.
                        sel.path.starts_with(&**group) && r.path(&self.files) == sel.path
                    }
                    _ => false,
                }
        })
    }

    fn apply_tree_action(&mut self, ctx: &egui::Context, action: Action) {
        match action {
            Action::Select(file, path) => {
                self.select(file, path);
                self.scroll_to_selection = false;
            }
            Action::Toggle(file, path) => {
                if let Some(f) = self.file_mut(file)
                    && !f.expanded.remove(&path)
                {
                    f.expanded.insert(path);
                }
                self.rows_dirty = true;
            }
            Action::More(file, group) => {
                if let Some((group, start)) = self.file_mut(file).and_then(|f| f.want_more(&group))
                {
                    self.loader.send(Request::List { file, group, start });
                }
            }
            Action::Copy(path) => ctx.copy_text(path),
            Action::Close(file) => self.close(file),
            Action::Reload(file) => self.reload(file),
            Action::UseAsX(file, path) => self.use_as_x(file, path),
            Action::AddToPlot(file, path) => self.add_to_plot(file, path),
            Action::SaveCopy(file, path) => {
                self.start_export(ctx, SaveKind::Copy(Selection { file, path }));
            }
            // Badges wait while the loader is busy, so a fast scroll through a huge group
            // never queues thousands of requests ahead of the user's own clicks; rows still
            // on screen ask again on a later frame.
            Action::WantInfo(file, path) => {
                if self.loader.pending() < MAX_BADGE_BACKLOG {
                    self.want_info(file, path);
                }
            }
        }
    }

    /// Up/Down move the selection, Right expands, Left collapses or goes to the parent.
    fn keyboard_navigation(&mut self, ui: &egui::Ui) {
        if ui.ctx().egui_wants_keyboard_input() || self.rows.is_empty() {
            return;
        }
        let (up, down, left, right) = ui.input(|i| {
            (
                i.key_pressed(egui::Key::ArrowUp),
                i.key_pressed(egui::Key::ArrowDown),
                i.key_pressed(egui::Key::ArrowLeft),
                i.key_pressed(egui::Key::ArrowRight),
            )
        });
        if !(up || down || left || right) {
            return;
        }
        let Some(current) = self.selected_row() else {
            if down && let Some(r) = self.rows.first() {
                let file = r.file;
                self.select(file, "/".to_owned());
            }
            return;
        };
        let row = self.rows[current].clone();
        let path = row.path(&self.files);
        let target = if up || down {
            let step: isize = if up { -1 } else { 1 };
            let mut i = current as isize + step;
            // Skip status rows (loading, more, errors).
            while let Some(r) = usize::try_from(i).ok().and_then(|i| self.rows.get(i)) {
                if matches!(r.kind, RowKind::Root | RowKind::Link { .. }) {
                    break;
                }
                i += step;
            }
            usize::try_from(i)
                .ok()
                .and_then(|i| self.rows.get(i))
                .map(|r| (r.file, r.path(&self.files)))
        } else {
            let expanded = self
                .files
                .iter()
                .find(|f| f.id == row.file)
                .is_some_and(|f| f.expanded.contains(&path));
            let expandable = match &row.kind {
                RowKind::Root => true,
                RowKind::Link { cycle, .. } => {
                    !cycle
                        && self
                            .files
                            .iter()
                            .find(|f| f.id == row.file)
                            .and_then(|f| f.child(&path))
                            .is_some_and(files::is_group)
                }
                _ => false,
            };
            if (right && expandable && !expanded) || (left && expanded) {
                self.apply_tree_action(ui.ctx(), Action::Toggle(row.file, path.clone()));
            }
            (left && !expanded && path != "/").then(|| (row.file, parent_path(&path).to_owned()))
        };
        if let Some((file, path)) = target {
            self.select(file, path);
        }
    }
}

fn expander(ui: &mut egui::Ui, open: bool, name: &str) -> egui::Response {
    let r = ui.add(
        egui::Button::new(if open { COLLAPSE } else { EXPAND })
            .frame(false)
            .small(),
    );
    let label = format!("{} {name}", if open { "collapse" } else { "expand" });
    r.widget_info(|| WidgetInfo::labeled(Role::Button, true, &label));
    r
}

fn row_ui(
    ui: &mut egui::Ui,
    row: &Row,
    files: &[OpenFile],
    cx: RowContext<'_>,
    actions: &mut Vec<Action>,
) {
    let Some(f) = files.iter().find(|f| f.id == row.file) else {
        return;
    };
    ui.horizontal(|ui| {
        ui.add_space(row.depth as f32 * 14.0);
        match &row.kind {
            RowKind::Root => root_row(ui, f, cx, actions),
            RowKind::Link {
                group,
                index,
                cycle,
            } => {
                if let Some(child) = f
                    .listings
                    .get(&**group)
                    .and_then(|l| l.children.get(*index))
                {
                    link_row(ui, f, group, child, *cycle, cx, actions);
                }
            }
            RowKind::Loading => {
                ui.spinner();
                ui.weak("Loading…");
            }
            RowKind::More { group, remaining } => {
                ui.spinner();
                ui.weak(format!("{remaining} more…"));
                // Drawn means visible: fetch the next page.
                actions.push(Action::More(f.id, group.to_string()));
            }
            RowKind::Error(e) => {
                ui.colored_label(ui.visuals().error_fg_color, format!("{WARNING} {e}"));
            }
        }
    });
}

/// The writer's-convention badge of the object at `path`, asking for its metadata when
/// `ask` and it is not known yet.
fn badge(
    ui: &mut egui::Ui,
    cx: RowContext<'_>,
    file: FileId,
    path: &str,
    ask: bool,
    actions: &mut Vec<Action>,
) {
    let key = Selection {
        file,
        path: path.to_owned(),
    };
    match cx.labels.get(&key) {
        Some(Some(label)) => {
            ui.label(
                RichText::new(&label.kind)
                    .small()
                    .color(ui.visuals().hyperlink_color),
            )
            .on_hover_text(format!("{}: {}", label.convention.name(), label.text()));
        }
        None if ask => actions.push(Action::WantInfo(file, key.path)),
        Some(None) | None => {}
    }
}

fn root_row(ui: &mut egui::Ui, f: &OpenFile, cx: RowContext<'_>, actions: &mut Vec<Action>) {
    let selection = cx.selection;
    let name = f.name();
    match &f.state {
        FileState::Opening => {
            ui.spinner();
            ui.label(&name);
        }
        FileState::Failed(e) => {
            ui.colored_label(ui.visuals().error_fg_color, format!("{WARNING} {name}"))
                .on_hover_text(e);
            ui.weak(e.as_str());
            if ui.small_button("Close").clicked() {
                actions.push(Action::Close(f.id));
            }
        }
        FileState::Ready => {
            let open = f.expanded.contains("/");
            if expander(ui, open, &name).clicked() {
                actions.push(Action::Toggle(f.id, "/".to_owned()));
            }
            let selected = selection.is_some_and(|s| s.file == f.id && s.path == "/");
            let r = ui
                .selectable_label(selected, RichText::new(format!("{FILE} {name}")).strong())
                .on_hover_text(f.path.display().to_string());
            r.widget_info(|| WidgetInfo::selected(Role::Button, true, selected, &name));
            if r.clicked() {
                actions.push(Action::Select(f.id, "/".to_owned()));
            }
            if r.double_clicked() {
                actions.push(Action::Toggle(f.id, "/".to_owned()));
            }
            badge(ui, cx, f.id, "/", true, actions);
            r.context_menu(|ui| {
                if ui.button("Copy path").clicked() {
                    actions.push(Action::Copy(f.path.display().to_string()));
                    ui.close();
                }
                if ui.button("Save a copy as HDF5…").clicked() {
                    actions.push(Action::SaveCopy(f.id, "/".to_owned()));
                    ui.close();
                }
                if ui.button("Reload").clicked() {
                    actions.push(Action::Reload(f.id));
                    ui.close();
                }
                if ui.button("Close file").clicked() {
                    actions.push(Action::Close(f.id));
                    ui.close();
                }
            });
        }
    }
}

fn link_row(
    ui: &mut egui::Ui,
    f: &OpenFile,
    group: &str,
    child: &Child,
    cycle: bool,
    cx: RowContext<'_>,
    actions: &mut Vec<Action>,
) {
    let selection = cx.selection;
    let name = &child.link.name;
    let path = join_path(group, name);
    let expandable = !cycle && files::is_group(child);
    let open = expandable && f.expanded.contains(&path);
    if expandable {
        if expander(ui, open, name).clicked() {
            actions.push(Action::Toggle(f.id, path.clone()));
        }
    } else {
        // Keep names aligned with expandable siblings.
        ui.add_space(ui.spacing().icon_width + ui.spacing().button_padding.x);
    }
    let (glyph, detail) = describe(f, group, child, cycle);
    let selected = selection.is_some_and(|s| s.file == f.id && s.path == path);
    let r = ui.selectable_label(selected, format!("{glyph} {name}"));
    r.widget_info(|| WidgetInfo::selected(Role::Button, true, selected, name));
    if r.clicked() {
        actions.push(Action::Select(f.id, path.clone()));
    }
    if r.double_clicked() && expandable {
        actions.push(Action::Toggle(f.id, path.clone()));
    }
    r.context_menu(|ui| {
        if ui.button("Copy path").clicked() {
            actions.push(Action::Copy(path.clone()));
            ui.close();
        }
        if expandable
            && ui
                .button(if open { "Collapse" } else { "Expand" })
                .clicked()
        {
            actions.push(Action::Toggle(f.id, path.clone()));
            ui.close();
        }
        let shape = child.entry.as_ref().and_then(|e| e.shape.as_ref());
        let one_d = shape.is_some_and(|s| s.dims().len() == 1);
        if one_d && cx.plotted == Some(f.id) && ui.button("Use as x of the plot").clicked() {
            actions.push(Action::UseAsX(f.id, path.clone()));
            ui.close();
        }
        // Any dataset of any open file can be drawn over the plot on screen.
        if shape.is_some() && cx.plotted.is_some() && ui.button("Add to the plot").clicked() {
            actions.push(Action::AddToPlot(f.id, path.clone()));
            ui.close();
        }
        if child.entry.is_some() && ui.button("Save a copy as HDF5…").clicked() {
            actions.push(Action::SaveCopy(f.id, path.clone()));
            ui.close();
        }
    });
    // Resolving links are asked about; broken ones have nothing to say.
    badge(ui, cx, f.id, &path, child.entry.is_some(), actions);
    // The failure goes first so a narrow panel still shows that the link is broken.
    if let Some(e) = &child.error {
        ui.colored_label(ui.visuals().error_fg_color, format!("{WARNING} {e}"))
            .on_hover_text(e);
    }
    if !detail.is_empty() {
        ui.weak(detail);
    }
}
