//! The desktop app: window layout, opening files, and the glue between the loader and the
//! views. The only layer that touches egui.
//!
//! Every file access goes through the [`Loader`]; the UI thread only sends requests and
//! drains answers under a time budget, so it never blocks. Must never call the reader.

mod commands;
mod dialog;
mod export_flow;
mod files;
mod glyphs;
mod image_view;
mod inspector;
mod line_view;
mod look;
#[cfg(target_os = "macos")]
mod macos_open;
mod numbers;
mod open_queue;
mod plot_source;
mod render;
mod search;
mod settings;
pub mod single_instance;
mod table_view;
mod tree_view;
pub mod views;
mod widgets;

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

pub use commands::Command;
pub use files::{FileState, OpenFile};
pub use open_queue::OpenQueue;
pub use render::{RenderError, RenderOptions, render};
pub use settings::{Settings, Theme};

use self::dialog::{DialogResult, Mode, OpenDialog};
use self::image_view::{AxisSpec, ImageKind, ImageSpec, ImageView, PaletteSpec};
use self::inspector::InfoView;
use self::line_view::{
    Axes, DataShape, LineChoice, LineView, MAX_LINES, Pick, Plotted, SeriesSpec, XAxis, XChoice,
};
use self::plot_source::{Lookup, PlotSpec, Resolve, XSpec};
use self::search::Search;
use self::table_view::{SourceSpec, TableSpec, TableView};
use self::views::ViewKind;
use crate::loader::{FileId, LineSource, Loader, LoaderConfig, ReqId, Request, Response};
use crate::model::convention::{self, Label};
use crate::model::{
    AttrValue, AxisSlice, Calibration, Component, DType, Grid, Layout, Line, ObjectId, ObjectInfo,
    ObjectKind, Plane, Shape, TimeUnits, Value, join_path, parent_path,
};

/// The id under which the window and its saved state are known to the desktop.
pub const APP_ID: &str = "io.github.hdfscope.Hdfscope";

/// Time the UI spends per frame taking loader answers.
const DRAIN_BUDGET: Duration = Duration::from_millis(4);
/// Height of the status bar, in points.
const STATUS_HEIGHT: f32 = 26.0;
/// How often open files are checked for changes on disk.
const STAT_EVERY: Duration = Duration::from_secs(2);

/// Something to open: a file and optionally an object in it to select.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenRequest {
    pub path: PathBuf,
    pub select: Option<String>,
}

impl OpenRequest {
    /// Parses a command-line argument `FILE` or `FILE::/path`.
    pub fn from_arg(arg: PathBuf) -> Self {
        match arg.to_str().filter(|s| s.contains("::")) {
            Some(s) => {
                let (path, select) = crate::model::split_target(s);
                Self {
                    path,
                    select: Some(select),
                }
            }
            None => Self {
                path: arg,
                select: None,
            },
        }
    }
}

/// The selected object.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Selection {
    pub file: FileId,
    pub path: String,
}

/// A message for the user in the status area.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub text: String,
    pub error: bool,
}

/// Where the plot of the selection stands.
#[derive(Clone, Debug, PartialEq)]
pub enum PlotStatus {
    /// The selection has no plot (yet).
    None,
    Loading,
    Ready,
    Failed(String),
}

/// Where an object's info stands.
#[derive(Debug)]
pub enum InfoState {
    Loading,
    Ready(Box<InfoView>),
    Failed(String),
}

/// The application.
pub struct HdfscopeApp {
    loader: Loader,
    files: Vec<OpenFile>,
    root_ids: HashMap<FileId, ObjectId>,
    next_id: FileId,
    selection: Option<Selection>,
    /// Objects to select once their file is open, by file.
    select_on_open: HashMap<FileId, String>,
    infos: HashMap<Selection, InfoState>,
    settings: Settings,
    search: Search,
    dialog: OpenDialog,
    notices: Vec<Notice>,
    /// Scroll the tree to the selection on the next frame.
    scroll_to_selection: bool,
    /// A long attribute value shown whole in a window: (title, text).
    shown_value: Option<(String, String)>,
    /// The Save dialog of File ▸ Export data, the export in flight, and the path the UI
    /// tests save to instead of asking.
    save_dialog: OpenDialog,
    save_kind: export_flow::SaveKind,
    exporting: Option<export_flow::Exporting>,
    figure: Option<export_flow::Drawing>,
    export_path_override: Option<PathBuf>,
    /// The hdfscope binary (reader workers, figure drawing), when the app runs it.
    exe: Option<PathBuf>,
    /// The window title last sent: the file in view, so the desktop's window list names it.
    title: String,
    last_stat: Instant,
    rows: Vec<files::Row>,
    rows_dirty: bool,
    /// The data view and the selection it shows (a NeXus group or file shows the plot of
    /// the data it names).
    view: Option<(Selection, DataView)>,
    /// The view the user chose for each dataset.
    view_choices: HashMap<Selection, ViewKind>,
    /// The plane the user last looked at through each dataset shown as an image.
    image_choices: HashMap<Selection, Plane>,
    /// The rows and columns the user last looked at through each dataset shown as a table.
    table_choices: HashMap<Selection, Grid>,
    /// What each object whose metadata arrived is in its writer's convention (`None`: no
    /// convention recognised), for the tree's badges and the inspector.
    labels: HashMap<Selection, Option<Label>>,
    /// The inspector lists writers' bookkeeping attributes too.
    show_internal_attrs: bool,
    /// How images look (colormap, contrast, ...), carried from one image to the next.
    image_style: image_view::Style,
    /// The last data request id handed out.
    next_req: ReqId,
    /// The lines the user chose through each N-D dataset (axis, fixed indices, and
    /// whether one line or one per index of another axis).
    line_choices: HashMap<Selection, LineChoice>,
    /// The objects the user added to each dataset's plot, from any open file.
    overlays: HashMap<Selection, Vec<Selection>>,
    /// The x values the user chose for each dataset's plot.
    x_choices: HashMap<Selection, XChoice>,
    /// Only the plot, no panels or controls (headless rendering).
    plot_only: bool,
    /// Axes every plot or image view is drawn with (`hdfscope render --look`).
    fixed_look: Option<look::PlotLook>,
    /// The cut through the data `hdfscope render --slice` asked for: indices hold axes,
    /// ranges are the axes shown.
    render_slice: Option<Vec<AxisSlice>>,
    /// Why the render slice does not fit the data.
    slice_error: Option<String>,
    /// The view `hdfscope render --view` asked for.
    forced_view: Option<ViewKind>,
    /// Files asked for from outside while the window runs (other launches, Finder).
    outside: OpenQueue,
}

impl HdfscopeApp {
    /// Creates the app, restoring settings from eframe's storage, and opens `open`; file
    /// access goes through a loader with `config`'s workers.
    pub fn new(
        cc: &eframe::CreationContext<'_>,
        open: Vec<OpenRequest>,
        mut config: LoaderConfig,
    ) -> std::io::Result<Self> {
        let settings: Settings = cc
            .storage
            .and_then(|s| eframe::get_value(s, settings::STORAGE_KEY))
            .unwrap_or_default();
        cc.egui_ctx.set_theme(settings.theme.preference());
        config.cache_bytes = settings.cache_mib << 20;
        let ctx = cc.egui_ctx.clone();
        let mut app = Self::with(
            settings,
            open,
            config,
            Box::new(move || ctx.request_repaint()),
        )?;
        app.take_requests_from(OpenQueue::default(), &cc.egui_ctx);
        Ok(app)
    }

    /// Makes `queue` the one that other launches (and Finder) fill, waking `ctx` on a push.
    fn take_requests_from(&mut self, queue: OpenQueue, ctx: &egui::Context) {
        let ctx = ctx.clone();
        queue.set_waker(move || ctx.request_repaint());
        self.outside = queue;
    }

    /// An app with no window that shows only the plot of what `open` selects (for
    /// `hdfscope render`); it is driven by polling, so it needs no wake-ups.
    pub fn headless(open: Vec<OpenRequest>, config: LoaderConfig) -> std::io::Result<Self> {
        let mut app = Self::with(Settings::default(), open, config, Box::new(|| {}))?;
        app.plot_only = true;
        Ok(app)
    }

    /// Shows the selection in `view` (when it offers it), cut as `slice` says (for
    /// `hdfscope render`).
    pub fn cut(&mut self, slice: Option<Vec<AxisSlice>>, view: Option<ViewKind>) {
        self.render_slice = slice;
        self.forced_view = view;
    }

    /// Draws the view as `look` says (for `hdfscope render`, as the viewer's screen did).
    pub(crate) fn set_look(&mut self, look: look::Look) {
        if let Some(style) = look.image {
            self.image_style = style;
        }
        self.fixed_look = look.plot;
    }

    /// How the view on screen looks, for `set_look` in another process.
    fn look(&self) -> look::Look {
        match self.view.as_ref().map(|(_, v)| v) {
            Some(DataView::Image(v)) => look::Look {
                image: Some(v.style().clone()),
                plot: v.look(),
            },
            Some(DataView::Line(v)) => look::Look {
                image: None,
                plot: v.look(),
            },
            _ => look::Look::default(),
        }
    }

    fn with(
        settings: Settings,
        open: Vec<OpenRequest>,
        config: LoaderConfig,
        waker: crate::loader::Waker,
    ) -> std::io::Result<Self> {
        let exe = match &config.workers {
            crate::loader::WorkerKind::Process(exe) => Some(exe.clone()),
            crate::loader::WorkerKind::InProcess => None,
        };
        let loader = Loader::spawn(config, waker)?;
        let mut app = Self {
            loader,
            files: Vec::new(),
            root_ids: HashMap::new(),
            next_id: 1,
            selection: None,
            select_on_open: HashMap::new(),
            infos: HashMap::new(),
            settings,
            search: Search::default(),
            dialog: OpenDialog::default(),
            notices: Vec::new(),
            scroll_to_selection: false,
            shown_value: None,
            save_dialog: OpenDialog::default(),
            save_kind: export_flow::SaveKind::default(),
            exporting: None,
            figure: None,
            export_path_override: None,
            exe,
            title: String::new(),
            last_stat: Instant::now(),
            rows: Vec::new(),
            rows_dirty: true,
            view: None,
            view_choices: HashMap::new(),
            image_choices: HashMap::new(),
            table_choices: HashMap::new(),
            labels: HashMap::new(),
            show_internal_attrs: false,
            image_style: image_view::Style::default(),
            next_req: 0,
            line_choices: HashMap::new(),
            x_choices: HashMap::new(),
            overlays: HashMap::new(),
            plot_only: false,
            fixed_look: None,
            render_slice: None,
            slice_error: None,
            forced_view: None,
            outside: OpenQueue::default(),
        };
        for r in open {
            app.open(r);
        }
        Ok(app)
    }

    /// True when no loader request is outstanding and no search index is being built
    /// (tests wait for this).
    pub fn is_idle(&self) -> bool {
        self.loader.pending() == 0 && self.search.status(&self.files).is_none()
    }

    /// Where the plot of the selection stands.
    pub fn plot_status(&self) -> PlotStatus {
        if let Some(e) = &self.slice_error {
            return PlotStatus::Failed(e.clone());
        }
        match &self.view {
            Some((_, DataView::Line(v))) => v.status(),
            Some((_, DataView::Image(v))) => v.status(),
            Some((_, DataView::Table(v))) => v.status(),
            None => PlotStatus::None,
        }
    }

    /// Whether the selection's metadata has arrived, so a missing plot means there is none.
    pub fn plot_settled(&self) -> bool {
        self.selection.as_ref().is_some_and(|s| {
            matches!(
                self.infos.get(s),
                Some(InfoState::Ready(_) | InfoState::Failed(_))
            )
        })
    }

    pub fn files(&self) -> &[OpenFile] {
        &self.files
    }

    pub fn selection(&self) -> Option<&Selection> {
        self.selection.as_ref()
    }

    pub fn notices(&self) -> &[Notice] {
        &self.notices
    }

    /// Where other launches put the files they ask this window to open.
    pub fn outside(&self) -> &OpenQueue {
        &self.outside
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Opens a file (or selects the object in it when it is already open).
    pub fn open(&mut self, req: OpenRequest) {
        if let Some(f) = self.files.iter().find(|f| f.path == req.path) {
            let file = f.id;
            if let Some(path) = req.select {
                self.select(file, path);
            }
            return;
        }
        let id = self.next_id;
        self.next_id += 1;
        self.files.push(OpenFile::new(id, req.path.clone()));
        if let Some(path) = req.select {
            self.select_on_open.insert(id, path);
        }
        self.loader.send(Request::Open {
            file: id,
            path: req.path,
        });
        self.rows_dirty = true;
    }

    fn close(&mut self, file: FileId) {
        let overlaid = (self.plotted().and_then(|p| self.overlays.get(&p)))
            .is_some_and(|o| o.iter().any(|s| s.file == file));
        if overlaid || self.view.as_ref().is_some_and(|(s, _)| s.file == file) {
            // The loader cancels the file's reads itself on close; the plot is rebuilt
            // without the file's lines.
            self.drop_data_view();
        }
        // Choices about the file's objects name an opening that is gone.
        self.overlays.retain(|k, _| k.file != file);
        for list in self.overlays.values_mut() {
            list.retain(|o| o.file != file);
        }
        self.line_choices.retain(|k, _| k.file != file);
        self.x_choices.retain(|k, _| k.file != file);
        self.view_choices.retain(|k, _| k.file != file);
        self.image_choices.retain(|k, _| k.file != file);
        self.table_choices.retain(|k, _| k.file != file);
        self.labels.retain(|k, _| k.file != file);
        self.files.retain(|f| f.id != file);
        self.loader.send(Request::Close { file });
        self.infos.retain(|k, _| k.file != file);
        self.root_ids.remove(&file);
        if self.selection.as_ref().is_some_and(|s| s.file == file) {
            self.selection = None;
        }
        self.search.forget(file);
        self.rows_dirty = true;
    }

    /// Reopens a file under a new id, keeping what was expanded and selected.
    fn reload(&mut self, file: FileId) {
        let Some(position) = self.files.iter().position(|f| f.id == file) else {
            return;
        };
        let expanded = self.files[position].expanded.clone();
        let request = OpenRequest {
            path: self.files[position].path.clone(),
            select: self
                .selection
                .as_ref()
                .filter(|s| s.file == file)
                .map(|s| s.path.clone()),
        };
        self.close(file);
        self.open(request);
        // `open` appended the new file; put it back where it was, as it was expanded.
        if let Some(mut new) = self.files.pop() {
            new.expanded = expanded;
            self.files.insert(position.min(self.files.len()), new);
        }
    }

    /// Selects an object, asking for its info and revealing it in the tree.
    pub fn select(&mut self, file: FileId, path: String) {
        let sel = Selection { file, path };
        if let Some(f) = self.files.iter_mut().find(|f| f.id == file) {
            f.reveal(&sel.path, false);
        }
        if !self.infos.contains_key(&sel) {
            self.infos.insert(sel.clone(), InfoState::Loading);
            self.loader.send(Request::Info {
                file,
                path: sel.path.clone(),
            });
        }
        self.selection = Some(sel);
        self.scroll_to_selection = true;
        self.rows_dirty = true;
    }

    fn notify(&mut self, text: String, error: bool) {
        self.notices.push(Notice { text, error });
        // Keep the last few; the newest is what the status bar shows.
        if self.notices.len() > 50 {
            self.notices.remove(0);
        }
    }

    fn selected_file(&self) -> Option<FileId> {
        self.selection
            .as_ref()
            .map(|s| s.file)
            .or_else(|| self.files.last().map(|f| f.id))
    }

    /// Names the file in view in the window title ("demo.h5 — hdfscope").
    fn sync_title(&mut self, ctx: &egui::Context) {
        let file = self
            .selected_file()
            .and_then(|id| self.files.iter().find(|f| f.id == id));
        let title = match file.and_then(|f| f.path.file_name()) {
            Some(name) => format!("{} — hdfscope", name.to_string_lossy()),
            None => "hdfscope".to_owned(),
        };
        if title != self.title {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.title = title;
        }
    }

    fn file_mut(&mut self, id: FileId) -> Option<&mut OpenFile> {
        self.files.iter_mut().find(|f| f.id == id)
    }

    /// Applies loader answers; answers for closed or reloaded files are dropped.
    fn apply(&mut self, response: Response) {
        let file = match response {
            Response::Progress {
                req,
                lod,
                done,
                total,
            } => {
                if let Some((_, DataView::Line(v))) = &mut self.view {
                    v.on_progress(req, lod, done, total);
                }
                return;
            }
            Response::Tile { req, tile, image } => {
                if let Some((_, DataView::Image(v))) = &mut self.view {
                    v.on_tile(req, tile, image);
                }
                return;
            }
            Response::Cells { req, block, values } => {
                if let Some((_, DataView::Table(v))) = &mut self.view {
                    v.on_cells(req, block, &values);
                }
                return;
            }
            Response::Exported { req, done, total } => {
                self.on_export_progress(req, done, total);
                return;
            }
            Response::Data { req, outcome } => {
                if self.on_export_done(req, &outcome) {
                    return;
                }
                match &mut self.view {
                    Some((_, DataView::Line(v))) if v.owns(req) => v.on_data(req, outcome),
                    Some((_, DataView::Image(v))) if v.owns(req) => v.on_data(req, outcome),
                    Some((_, DataView::Table(v))) if v.owns(req) => v.on_data(req, outcome),
                    _ => {}
                }
                return;
            }
            ref r => r.file(),
        };
        let Some(file) = file.filter(|f| self.files.iter().any(|o| o.id == *f)) else {
            return;
        };
        self.rows_dirty = true;
        match response {
            Response::Opened { result, .. } => self.on_opened(file, result),
            Response::Listed {
                group,
                start,
                result,
                ..
            } => {
                if let Some(f) = self.file_mut(file) {
                    f.add_page(&group, start, result);
                }
            }
            Response::Info { path, result, .. } => {
                let state = match result {
                    Ok(info) => InfoState::Ready(Box::new(InfoView::new(*info))),
                    Err(e) => InfoState::Failed(e),
                };
                let key = Selection { file, path };
                self.infos.insert(key.clone(), state);
                // A label may say something about the parent (a DataFrame's size is its
                // children's), so the parent's is worked out again too.
                let parent = Selection {
                    file,
                    path: parent_path(&key.path).to_owned(),
                };
                self.relabel(parent);
                self.relabel(key);
            }
            Response::Stat { stamp, .. } => {
                if let Some(f) = self.file_mut(file)
                    && f.stamp.is_some()
                    && stamp != f.stamp
                {
                    f.changed = true;
                    f.gone = stamp.is_none();
                }
            }
            Response::Progress { .. }
            | Response::Tile { .. }
            | Response::Cells { .. }
            | Response::Exported { .. }
            | Response::Data { .. } => {}
            Response::Indexed { entries, done, .. } => {
                if let Some(f) = self.file_mut(file) {
                    let index = f.index.get_or_insert_with(Default::default);
                    index.entries.extend(entries);
                    index.done = done;
                }
            }
        }
    }

    fn on_opened(&mut self, file: FileId, result: Result<crate::loader::Opened, String>) {
        let Some(f) = self.file_mut(file) else {
            return;
        };
        match result {
            Ok(opened) => {
                f.state = FileState::Ready;
                f.stamp = Some(opened.stamp);
                let path = f.path.clone();
                self.root_ids.insert(file, opened.root);
                self.settings.remember(path);
                // A file opened without a path shows its root, unless that would take the
                // place of an object chosen in another file (`FILE::/path` beside `FILE`) or
                // of the root of a file asked for later (ids grow with each request), so the
                // last file asked for is in view whichever finishes opening first.
                match self.select_on_open.remove(&file) {
                    Some(target) => self.select(file, target),
                    None if self
                        .selection
                        .as_ref()
                        .is_none_or(|s| s.path == "/" && s.file < file) =>
                    {
                        self.select(file, "/".to_owned());
                    }
                    None => {}
                }
            }
            Err(e) => {
                f.state = FileState::Failed(e.clone());
                self.select_on_open.remove(&file);
                self.notify(e, true);
            }
        }
    }

    /// Sends the listing requests the tree needs now.
    fn request_listings(&mut self) {
        let mut wanted = Vec::new();
        for f in &mut self.files {
            for (group, start) in f.wanted_listings() {
                wanted.push((f.id, group, start));
            }
        }
        for (file, group, start) in wanted {
            self.loader.send(Request::List { file, group, start });
        }
    }

    fn run_command(&mut self, ctx: &egui::Context, command: Command) {
        match command {
            Command::Open => self.start_dialog(ctx),
            Command::CloseFile => {
                if let Some(f) = self.selected_file() {
                    self.close(f);
                }
            }
            Command::Reload => {
                if let Some(f) = self.selected_file() {
                    self.reload(f);
                }
            }
            Command::Find => self.search.focus(),
            Command::CopyPath => {
                // Selected table cells, when there are any, else the selected object's path.
                let cells = match &self.view {
                    Some((_, DataView::Table(v))) => v.copy_text(),
                    _ => None,
                };
                match cells {
                    Some(Ok(text)) => ctx.copy_text(text),
                    Some(Err(e)) => self.notify(e, true),
                    None => {
                        if let Some(s) = &self.selection {
                            ctx.copy_text(s.path.clone());
                        }
                    }
                }
            }
            Command::Quit => ctx.send_viewport_cmd(egui::ViewportCommand::Close),
        }
    }

    fn start_dialog(&mut self, ctx: &egui::Context) {
        let ctx = ctx.clone();
        if let Err(e) = self.dialog.start(Mode::Open, move || ctx.request_repaint()) {
            self.notify(format!("cannot show the Open dialog: {e}"), true);
        }
    }

    /// Takes files dropped on the window; shows an overlay while files hover over it.
    fn handle_drops(&mut self, ui: &mut egui::Ui) {
        let (hovered, dropped) = ui.input_mut(|i| {
            let hovered: Vec<PathBuf> = i
                .raw
                .hovered_files
                .iter()
                .filter_map(|h| h.path.clone())
                .collect();
            let dropped: Vec<PathBuf> = std::mem::take(&mut i.raw.dropped_files)
                .iter()
                .map(|f| f.path().to_owned())
                .collect();
            (hovered, dropped)
        });
        for path in dropped {
            self.open(OpenRequest { path, select: None });
        }
        if !hovered.is_empty() {
            drop_overlay(ui.ctx(), &hovered);
        }
    }

    /// Opens what other launches (or Finder) asked for, and brings the window forward.
    fn take_outside_opens(&mut self, ctx: &egui::Context) {
        if let Some(mut requests) = self.outside.take() {
            // A double-click means "show me this file": the last one asked for comes to the
            // front even when something else is in view.
            if let Some(last) = requests.last_mut() {
                last.select.get_or_insert_with(|| "/".to_owned());
            }
            for r in requests {
                self.open(r);
            }
            ctx.send_viewport_cmd(egui::ViewportCommand::Focus);
        }
    }

    fn poll_dialog(&mut self) {
        match self.dialog.poll() {
            Some(DialogResult::Picked(paths)) => {
                for path in paths {
                    self.open(OpenRequest { path, select: None });
                }
            }
            Some(DialogResult::Unavailable) => self.notify(
                "No file dialog is available here (it needs an XDG desktop portal or zenity). \
                 Drag files into the window or pass them on the command line."
                    .to_owned(),
                true,
            ),
            Some(DialogResult::Cancelled) | None => {}
        }
    }

    fn check_files_on_disk(&mut self, ctx: &egui::Context) {
        if self.last_stat.elapsed() >= STAT_EVERY {
            self.last_stat = Instant::now();
            let ready: Vec<FileId> = self
                .files
                .iter()
                .filter(|f| f.state == FileState::Ready && !f.changed)
                .map(|f| f.id)
                .collect();
            for file in ready {
                self.loader.send(Request::Stat { file });
            }
        }
        ctx.request_repaint_after(STAT_EVERY);
    }

    fn menu_bar(&mut self, ui: &mut egui::Ui) {
        let has_file = self.selected_file().is_some();
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("File", |ui| {
                if Command::Open.menu_item(ui, true) {
                    self.start_dialog(ui.ctx());
                }
                if ui
                    .add_enabled(
                        self.export_target().is_some(),
                        egui::Button::new("Export data…"),
                    )
                    .clicked()
                {
                    self.start_export(ui.ctx(), export_flow::SaveKind::Data);
                    ui.close();
                }
                let enabled = self.export_target().is_some();
                let saved = ui
                    .add_enabled_ui(enabled, |ui| self.figure_menu_button(ui, true))
                    .inner;
                if saved {
                    self.start_export(ui.ctx(), export_flow::SaveKind::Figure);
                    ui.close();
                }
                let selected = self.selection.clone();
                if ui
                    .add_enabled(
                        selected.is_some(),
                        egui::Button::new("Save a copy as HDF5…"),
                    )
                    .on_hover_text(
                        "A new HDF5 file with the selected object (a group with everything \
                         below it), its attributes and dimension scales",
                    )
                    .clicked()
                    && let Some(sel) = selected
                {
                    self.start_export(ui.ctx(), export_flow::SaveKind::Copy(sel));
                    ui.close();
                }
                ui.menu_button("Open Recent", |ui| {
                    let mut chosen = None;
                    for p in &self.settings.recent {
                        if ui.button(p.display().to_string()).clicked() {
                            chosen = Some(p.clone());
                        }
                    }
                    if self.settings.recent.is_empty() {
                        ui.weak("No recent files");
                    }
                    ui.separator();
                    if ui
                        .add_enabled(!self.settings.recent.is_empty(), egui::Button::new("Clear"))
                        .clicked()
                    {
                        self.settings.recent.clear();
                    }
                    if let Some(path) = chosen {
                        self.open(OpenRequest { path, select: None });
                    }
                });
                if Command::Reload.menu_item(ui, has_file) {
                    self.run_command(ui.ctx(), Command::Reload);
                }
                if Command::CloseFile.menu_item(ui, has_file) {
                    self.run_command(ui.ctx(), Command::CloseFile);
                }
                ui.separator();
                if Command::Quit.menu_item(ui, true) {
                    self.run_command(ui.ctx(), Command::Quit);
                }
            });
            ui.menu_button("Edit", |ui| {
                if Command::CopyPath.menu_item(ui, self.selection.is_some()) {
                    self.run_command(ui.ctx(), Command::CopyPath);
                }
                if Command::Find.menu_item(ui, has_file) {
                    self.run_command(ui.ctx(), Command::Find);
                }
            });
            ui.menu_button("View", |ui| {
                ui.label("Theme");
                for (theme, label) in [
                    (Theme::System, "Follow the system"),
                    (Theme::Light, "Light"),
                    (Theme::Dark, "Dark"),
                ] {
                    if ui.radio(self.settings.theme == theme, label).clicked() {
                        self.settings.theme = theme;
                        ui.ctx().set_theme(theme.preference());
                    }
                }
                ui.separator();
                ui.horizontal(|ui| {
                    ui.label("Data cache");
                    let r = ui.add(
                        egui::DragValue::new(&mut self.settings.cache_mib)
                            .range(16..=65_536)
                            .suffix(" MiB"),
                    );
                    if r.changed() {
                        self.loader.send(Request::SetCacheLimit {
                            bytes: self.settings.cache_mib << 20,
                        });
                    }
                });
            });
        });
    }

    fn status_bar(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            let pending = self.loader.pending();
            if pending > 0 {
                ui.spinner();
                ui.label(format!("Loading ({pending} pending)"));
            } else {
                ui.weak("Ready");
            }
            if let Some(status) = self.search.status(&self.files) {
                ui.separator();
                ui.weak(status);
            }
            self.export_status(ui);
            if let Some(n) = self.notices.last() {
                ui.separator();
                let text = egui::RichText::new(&n.text);
                let text = if n.error {
                    text.color(ui.visuals().error_fg_color)
                } else {
                    text
                };
                ui.label(text);
                if ui.small_button("Dismiss").clicked() {
                    self.notices.clear();
                }
            }
        });
    }

    /// A banner for files that changed on disk, offering a reload.
    fn changed_banner(&mut self, ui: &mut egui::Ui) {
        let changed: Vec<(FileId, String)> = self
            .files
            .iter()
            .filter(|f| f.changed)
            .map(|f| {
                let what = if f.gone {
                    format!(
                        "{} was deleted or moved on disk; what is shown was read before.",
                        f.name()
                    )
                } else {
                    format!("{} changed on disk.", f.name())
                };
                (f.id, what)
            })
            .collect();
        for (id, what) in changed {
            ui.horizontal(|ui| {
                ui.colored_label(ui.visuals().warn_fg_color, what);
                if ui.button("Reload").clicked() {
                    self.reload(id);
                }
                if ui.button("Ignore").clicked()
                    && let Some(f) = self.file_mut(id)
                {
                    f.changed = false;
                    f.stamp = None;
                }
            });
        }
    }

    /// Keeps the data view on the selection: what to plot is resolved by the file's
    /// conventions (`plot_source`), asking for the metadata it needs; the old view's reads
    /// are cancelled when the selection moves on.
    fn sync_data_view(&mut self) {
        let Some(sel) = self.selection.clone() else {
            self.drop_data_view();
            return;
        };
        if self.view.as_ref().is_some_and(|(s, _)| *s == sel) {
            return;
        }
        self.drop_data_view();
        let file = sel.file;
        match self.frame_spec(&sel) {
            Some(Some(spec)) => {
                let mut view = TableView::new(spec);
                view.set_controls(!self.plot_only);
                self.view = Some((sel, DataView::Table(Box::new(view))));
                return;
            }
            Some(None) => return,
            None => {}
        }
        let spec = match self.resolve_plot(&sel) {
            Resolve::Plot(spec) => spec,
            Resolve::Need(_) | Resolve::Nothing => return,
        };
        let key = Selection {
            file,
            path: spec.data.clone(),
        };
        let kind = self.view_kind(&key);
        if let Some(forced) = self.forced_view
            && kind.is_some()
            && kind != Some(forced)
        {
            self.slice_error = Some(format!(
                "{}: cannot be shown as {}",
                key.path,
                forced.name().to_lowercase()
            ));
            return;
        }
        if kind == Some(ViewKind::Table) {
            if let Some(spec) = self.table_spec(&key) {
                let mut view = TableView::new(spec);
                view.set_controls(!self.plot_only);
                self.view = Some((sel, DataView::Table(Box::new(view))));
            }
            return;
        }
        if kind == Some(ViewKind::Image) {
            if let Some(image) = self.image_spec(&key, &spec) {
                let mut view = ImageView::new(
                    image,
                    self.image_style.clone(),
                    &mut self.loader,
                    &mut self.next_req,
                );
                view.set_controls(!self.plot_only);
                self.view = Some((sel, DataView::Image(Box::new(view))));
            }
            return;
        }
        if let Some(slice) = self.render_slice.clone()
            && let Some(InfoState::Ready(v)) = self.infos.get(&key)
            && let Some(ds) = v.info.dataset.as_ref()
        {
            let component = ds.dtype.components().first().cloned().unwrap_or_default();
            match sliced_line(&slice, ds.shape.dims(), component) {
                Ok(line) => {
                    let choice = LineChoice {
                        line,
                        across: None,
                        all_values: false,
                    };
                    self.line_choices.insert(key.clone(), choice);
                }
                Err(e) => {
                    self.slice_error = Some(format!("{}: {e}", key.path));
                    return;
                }
            }
        }
        let choice = self.line_choices.get(&key).cloned();
        let data = match self.dataset_lines(file, &spec, choice.as_ref()) {
            Lines::Ready(d) => d,
            Lines::Wait | Lines::Unusable(_) => return,
        };
        let mut notes = Vec::new();
        let mut plotted: Vec<Plotted> = (data.specs.into_iter())
            .map(|spec| Plotted {
                spec,
                overlay: None,
            })
            .collect();
        // NeXus auxiliary signals: the same line through each, against the same axes.
        let one_line = LineChoice {
            across: None,
            all_values: false,
            ..data.choice.clone()
        };
        for aux in &spec.auxiliary {
            let aux_spec = PlotSpec {
                data: aux.clone(),
                axes: spec.axes.clone(),
                errors: None,
                auxiliary: Vec::new(),
            };
            match self.dataset_lines(file, &aux_spec, Some(&one_line)) {
                Lines::Wait => return,
                Lines::Unusable(why) => notes.push(format!("{aux} not plotted: {why}")),
                Lines::Ready(d) => {
                    plotted.extend(d.specs.into_iter().take(1).map(|spec| Plotted {
                        spec,
                        overlay: None,
                    }))
                }
            }
        }
        let overlays = self.overlays.get(&key).cloned().unwrap_or_default();
        for (n, o) in overlays.iter().enumerate() {
            let specs = match self.resolve_plot(o) {
                Resolve::Need(_) => return,
                Resolve::Nothing => Err("it is not numeric data".to_owned()),
                Resolve::Plot(ospec) => {
                    let chosen = self.line_choices.get(&Selection {
                        file: o.file,
                        path: ospec.data.clone(),
                    });
                    match self.dataset_lines(o.file, &ospec, chosen.cloned().as_ref()) {
                        Lines::Wait => return,
                        Lines::Unusable(why) => Err(why),
                        Lines::Ready(d) => Ok(d.specs),
                    }
                }
            };
            let prefix = match self.files.iter().find(|f| f.id == o.file) {
                Some(f) if o.file != file => format!("{}::", f.name()),
                _ => String::new(),
            };
            match specs {
                Ok(specs) => plotted.extend(specs.into_iter().map(|mut spec| {
                    spec.name = format!("{prefix}{}", spec.name);
                    Plotted {
                        spec,
                        overlay: Some(n),
                    }
                })),
                Err(why) => notes.push(format!("{prefix}{} not plotted: {why}", o.path)),
            }
        }
        let axes = Axes {
            y_title: data.y_title,
            x_options: data.x_options,
            notes,
        };
        let mut view = LineView::new(
            plotted,
            data.shape,
            data.choice,
            axes,
            &mut self.loader,
            &mut self.next_req,
        );
        view.set_controls(!self.plot_only);
        self.view = Some((sel, DataView::Line(Box::new(view))));
    }

    /// What the object `sel` plots, asking for the metadata that takes.
    fn resolve_plot(&mut self, sel: &Selection) -> Resolve {
        let resolved = plot_source::resolve(&sel.path, |path| {
            let key = Selection {
                file: sel.file,
                path: path.to_owned(),
            };
            match self.infos.get(&key) {
                Some(InfoState::Ready(v)) => Lookup::Ready(&v.info),
                Some(InfoState::Failed(_)) => Lookup::Failed,
                Some(InfoState::Loading) | None => Lookup::Pending,
            }
        });
        if let Resolve::Need(path) = &resolved {
            self.want_info(sel.file, path.clone());
        }
        resolved
    }

    /// The lines of the dataset `spec` names, cut as `choice` says (the last axis along x,
    /// by default), each with its x axis (the user's choice, else the file's first for that
    /// dimension) and uncertainties; asks for metadata still missing.
    fn dataset_lines(
        &mut self,
        file: FileId,
        spec: &PlotSpec,
        choice: Option<&LineChoice>,
    ) -> Lines {
        let key = Selection {
            file,
            path: spec.data.clone(),
        };
        let info = match self.infos.get(&key) {
            Some(InfoState::Ready(v)) => &v.info,
            Some(InfoState::Failed(e)) => return Lines::Unusable(e.clone()),
            Some(InfoState::Loading) | None => {
                self.want_info(file, key.path);
                return Lines::Wait;
            }
        };
        let Some(ds) = info.dataset.as_ref() else {
            return Lines::Unusable("it is not a dataset".to_owned());
        };
        let Some(source) = line_source(file, info, choice.map(|c| &c.line)) else {
            return Lines::Unusable("it holds no numbers to plot".to_owned());
        };
        let dims = ds.shape.dims().to_vec();
        let shape = DataShape {
            dims: dims.clone(),
            components: ds.dtype.components(),
        };
        let steps = matches!(ds.dtype, DType::Enum { .. });
        let outside_files = ds.layout.outside_text();
        let base = source.path.rsplit('/').next().unwrap_or(&source.path);
        let name = info.attr_text("long_name").unwrap_or(base);
        let all_values = choice.is_some_and(|c| c.all_values) && shape.components.len() > 1;
        let y_title = match &source.line.component {
            _ if all_values => info.axis_title(name),
            Component::Value => info.axis_title(name),
            // A field or a part of a complex is named after it; units hold except for phase.
            Component::Phase => format!("{name} phase (rad)"),
            c => info.axis_title(&format!("{name} {}", c.name())),
        };
        let units_of = |c: &Component| match c {
            Component::Phase => Some("rad".to_owned()),
            _ => info.units().map(str::to_owned),
        };
        // Unpacked CF values are not whole numbers any more.
        let unpacked =
            (source.calibration.as_ref()).is_some_and(|c| c.scale != 1.0 || c.offset != 0.0);
        let integer_of = |c: &Component| ds.dtype.is_integer(c) && !unpacked;
        let mut candidates = spec.axes.get(source.line.axis).cloned().unwrap_or_default();
        let x_spec = match self.x_choices.get(&key) {
            Some(XChoice::Index) => None,
            Some(XChoice::Path(p)) => {
                let chosen = candidates.iter().find(|c| c.path == *p).cloned();
                let chosen = chosen.unwrap_or_else(|| XSpec {
                    path: p.clone(),
                    name: p.rsplit('/').next().unwrap_or(p).to_owned(),
                });
                if !candidates.contains(&chosen) {
                    candidates.push(chosen.clone());
                }
                Some(chosen)
            }
            None => candidates.first().cloned(),
        };
        if let Some(x) = &x_spec {
            let xkey = Selection {
                file,
                path: x.path.clone(),
            };
            if matches!(self.infos.get(&xkey), None | Some(InfoState::Loading)) {
                self.want_info(file, xkey.path);
                return Lines::Wait;
            }
        }
        let (x, x_note) = match &x_spec {
            Some(x) => self.x_axis(&source, x),
            None => (None, None),
        };
        let errors = (spec.errors.as_ref()).and_then(|path| self.errors_line(&source, path));
        let choice = LineChoice {
            line: source.line.clone(),
            across: (choice.and_then(|c| c.across))
                .filter(|k| *k != source.line.axis && !all_values),
            all_values,
        };
        let one = SeriesSpec {
            name: line_name(&source.path, &source.line),
            units: units_of(&source.line.component),
            integer: integer_of(&source.line.component),
            steps,
            outside_files,
            x,
            x_note,
            errors,
            source,
        };
        // Several lines: the same cut at each index of the `across` axis, or through every
        // number of each element (the uncertainties are of the value, so they go).
        let specs = match choice.across.filter(|k| *k < dims.len()) {
            None if all_values => (shape.components.iter())
                .map(|c| {
                    let mut s = one.clone();
                    s.source.line.component = c.clone();
                    s.name = line_name(&s.source.path, &s.source.line);
                    s.units = units_of(c);
                    s.integer = integer_of(c);
                    s.errors = None;
                    s
                })
                .collect(),
            None => vec![one],
            Some(k) => {
                let first = one.source.line.at[k];
                (first..(first + MAX_LINES).min(dims[k]))
                    .map(|i| {
                        let mut s = one.clone();
                        s.source.line.at[k] = i;
                        if let Some(e) = &mut s.errors {
                            e.line.at[k] = i;
                        }
                        s.name = line_name(&s.source.path, &s.source.line);
                        s
                    })
                    .collect()
            }
        };
        Lines::Ready(DatasetLines {
            specs,
            shape,
            choice,
            y_title,
            x_options: candidates.into_iter().map(|c| (c.path, c.name)).collect(),
        })
    }

    /// Applies a choice made in the data view for the dataset `key`; the view is rebuilt
    /// on the next frame.
    fn pick(&mut self, key: Selection, pick: Pick) {
        match pick {
            Pick::Line(line) => {
                self.line_choices.insert(key, line);
            }
            Pick::X(x) => {
                self.x_choices.insert(key, x);
            }
            Pick::RemoveOverlay(n) => {
                if let Some(list) = self.overlays.get_mut(&key)
                    && n < list.len()
                {
                    list.remove(n);
                }
            }
        }
        self.drop_data_view();
    }

    /// The dataset the plot on screen is of, if any.
    fn plotted(&self) -> Option<Selection> {
        let (sel, DataView::Line(view)) = self.view.as_ref()? else {
            return None;
        };
        Some(Selection {
            file: sel.file,
            path: view.data_path()?.to_owned(),
        })
    }

    /// "Use as x" from the tree: `path` becomes the x of the plot shown for `file`.
    fn use_as_x(&mut self, file: FileId, path: String) {
        if let Some(data) = self.plotted().filter(|d| d.file == file) {
            self.pick(data, Pick::X(XChoice::Path(path)));
        }
    }

    /// "Add to the plot" from the tree: the object at `path` in `file` (any open file) is
    /// drawn over the plot on screen, until taken off again.
    fn add_to_plot(&mut self, file: FileId, path: String) {
        let Some(data) = self.plotted() else {
            return;
        };
        let add = Selection { file, path };
        let list = self.overlays.entry(data.clone()).or_default();
        if add != data && !list.contains(&add) {
            list.push(add);
            self.drop_data_view();
        }
    }

    /// The file of the plot on screen, if any (the tree offers "Use as x" for it).
    fn plotted_file(&self) -> Option<FileId> {
        self.plotted().map(|p| p.file)
    }

    fn drop_data_view(&mut self) {
        match self.view.take() {
            Some((_, DataView::Line(mut old))) => old.cancel(&mut self.loader),
            Some((sel, DataView::Image(mut old))) => {
                old.cancel(&mut self.loader);
                let key = Selection {
                    file: sel.file,
                    path: old.data_path().to_owned(),
                };
                self.image_choices.insert(key, old.plane().clone());
                self.image_style = old.style().clone();
            }
            Some((sel, DataView::Table(mut old))) => {
                old.cancel(&mut self.loader);
                let key = Selection {
                    file: sel.file,
                    path: old.data_path().to_owned(),
                };
                if let Some(grid) = old.grid() {
                    self.table_choices.insert(key, grid.clone());
                }
            }
            None => {}
        }
    }

    /// Works out the convention label of `key` from the metadata known now.
    fn relabel(&mut self, key: Selection) {
        let Some(InfoState::Ready(v)) = self.infos.get(&key) else {
            return;
        };
        let infos = &self.infos;
        let lookup = |path: &str| match infos.get(&Selection {
            file: key.file,
            path: path.to_owned(),
        }) {
            Some(InfoState::Ready(v)) => Some(&v.info),
            _ => None,
        };
        let label = convention::recognise(&v.info, &lookup);
        self.labels.insert(key, label);
    }

    /// A pandas DataFrame or Series (fixed format) as one table: its blocks side by side,
    /// named by their items, its index as row labels. `None` for anything else;
    /// `Some(None)` while the metadata of its parts is on its way.
    fn frame_spec(&mut self, sel: &Selection) -> Option<Option<TableSpec>> {
        let label = self.labels.get(sel).cloned().flatten()?;
        let Some(InfoState::Ready(v)) = self.infos.get(sel) else {
            return None;
        };
        let info = &v.info;
        let (index, parts): (&str, Vec<(String, Option<String>)>) =
            match (label.convention, info.attr_text("pandas_type")) {
                (convention::Convention::Pandas, Some("frame")) => {
                    let blocks = info.attr_numbers("nblocks").first().copied().unwrap_or(0.0);
                    let parts = (0..blocks as u64)
                        .map(|n| (format!("block{n}_values"), Some(format!("block{n}_items"))))
                        .collect();
                    ("axis1", parts)
                }
                (convention::Convention::Pandas, Some("series")) => {
                    ("index", vec![("values".to_owned(), None)])
                }
                _ => return None,
            };
        let child = |name: &str| Selection {
            file: sel.file,
            path: join_path(&sel.path, name),
        };
        // axis0 (the column names) is not read, but its size completes the frame's label.
        let names = [index.to_owned(), "axis0".to_owned()].into_iter().chain(
            parts
                .iter()
                .flat_map(|(v, i)| std::iter::once(v.clone()).chain(i.clone())),
        );
        let mut waiting = false;
        for name in names.collect::<Vec<_>>() {
            let key = child(&name);
            if !matches!(
                self.infos.get(&key),
                Some(InfoState::Ready(_) | InfoState::Failed(_))
            ) {
                self.want_info(key.file, key.path);
                waiting = true;
            }
        }
        if waiting {
            return Some(None);
        }
        let source = |name: &str, two_d: bool| -> Option<SourceSpec> {
            let key = child(name);
            let Some(InfoState::Ready(v)) = self.infos.get(&key) else {
                return None;
            };
            let ds = v.info.dataset.as_ref()?;
            let dims = ds.shape.dims().to_vec();
            // pandas marks datetime columns: int64 counts of the unit in brackets.
            let time = (v.info.attr_text("value_type"))
                .and_then(|t| t.strip_prefix("datetime64["))
                .and_then(|u| {
                    TimeUnits::parse(&format!("{} since 1970-01-01", u.trim_end_matches(']')))
                });
            (dims.len() == if two_d { 2 } else { 1 }).then(|| SourceSpec {
                path: key.path,
                grid: Grid::default_for(dims.len()),
                dims,
                dtype: ds.dtype.clone(),
                outside_files: ds.layout.outside_text(),
                time,
            })
        };
        let index = source(index, false);
        let rows = index.as_ref().and_then(|i| i.dims.first().copied());
        let mut spec = TableSpec {
            file: sel.file,
            path: sel.path.clone(),
            sources: Vec::new(),
            names: Vec::new(),
            index,
            notes: Vec::new(),
            text: false,
        };
        for (values, items) in parts {
            let one_d = items.is_none();
            match source(&values, !one_d) {
                Some(s) if rows.is_none_or(|r| s.dims.first() == Some(&r)) => {
                    spec.sources.push(s);
                    spec.names.push(items.and_then(|i| source(&i, false)));
                }
                _ => spec.notes.push(format!(
                    "{values} is not shown: its values are not a column block of the frame \
                     (pandas stores object columns as pickled Python objects)"
                )),
            }
        }
        (!spec.sources.is_empty()).then_some(Some(spec))
    }

    /// What the table view of the dataset `key` shows; `None` until its metadata is here.
    fn table_spec(&self, key: &Selection) -> Option<TableSpec> {
        let Some(InfoState::Ready(v)) = self.infos.get(key) else {
            return None;
        };
        let ds = v.info.dataset.as_ref()?;
        let dims = ds.shape.dims().to_vec();
        let matlab = self
            .labels
            .get(key)
            .cloned()
            .flatten()
            .filter(|l| l.convention == convention::Convention::Matlab);
        let default = match (&matlab, dims.len()) {
            // MATLAB stores arrays column-major: its rows are HDF5's last axis.
            (Some(_), 2) => Grid {
                rows: 1,
                cols: Some(0),
                at: vec![0; 2],
            },
            (_, rank) => Grid::default_for(rank),
        };
        let grid = (self.table_choices.get(key).cloned())
            .filter(|g| g.at.len() == dims.len())
            .unwrap_or(default);
        let mut spec = TableSpec::single(
            key.file,
            SourceSpec {
                path: key.path.clone(),
                dims,
                dtype: ds.dtype.clone(),
                outside_files: ds.layout.outside_text(),
                grid,
                time: None,
            },
        );
        spec.text = matlab.is_some_and(|l| l.kind == "char");
        Some(spec)
    }

    /// Asks for an object's metadata unless it is known or on its way.
    fn want_info(&mut self, file: FileId, path: String) {
        let key = Selection { file, path };
        if !self.infos.contains_key(&key) {
            self.loader.send(Request::Info {
                file,
                path: key.path.clone(),
            });
            self.infos.insert(key, InfoState::Loading);
        }
    }

    /// The same line through the uncertainties dataset at `path`, when it has the data's
    /// length (its metadata already answered).
    fn errors_line(&self, data: &LineSource, path: &str) -> Option<LineSource> {
        let key = Selection {
            file: data.file,
            path: path.to_owned(),
        };
        let Some(InfoState::Ready(v)) = self.infos.get(&key) else {
            return None;
        };
        let line = Line {
            component: Component::Value,
            ..data.line.clone()
        };
        line_source(data.file, &v.info, Some(&line)).filter(|e| e.line == line && e.len == data.len)
    }

    /// The x axis of a line from the dataset `x` names (its metadata already answered), or
    /// why it cannot serve.
    fn x_axis(&self, data: &LineSource, x: &XSpec) -> (Option<XAxis>, Option<String>) {
        match self.axis_values(data.file, x, data.len) {
            Ok(axis) => (Some(axis), None),
            Err(why) => (None, Some(format!("x axis {}: not used: {why}", x.path))),
        }
    }

    /// The coordinates of a dimension of `len` elements from the dataset `x` names (its
    /// metadata already answered), or why it cannot serve.
    fn axis_values(&self, file: FileId, x: &XSpec, len: u64) -> Result<XAxis, String> {
        let key = Selection {
            file,
            path: x.path.clone(),
        };
        let info = match self.infos.get(&key) {
            Some(InfoState::Ready(v)) => &v.info,
            Some(InfoState::Failed(e)) => return Err(e.clone()),
            Some(InfoState::Loading) | None => return Err("not read".to_owned()),
        };
        let Some(source) = line_source(file, info, None).filter(|s| s.line.at.len() == 1) else {
            return Err("it is not a 1-D numeric dataset".to_owned());
        };
        if source.len != len {
            return Err(format!("it has {} values for {len} samples", source.len));
        }
        // An axis named after its dataset (NeXus `axes`) reads better by its long name; a
        // scale's own NAME or a dimension label is kept.
        let base = x.path.rsplit('/').next().unwrap_or(&x.path);
        let name = match info.attr_text("long_name") {
            Some(long) if x.name == base => long,
            _ => &x.name,
        };
        let title = info.axis_title(name);
        let units = info.units().map(str::to_owned);
        let time = units.as_deref().and_then(TimeUnits::parse);
        Ok(XAxis {
            source,
            title,
            units,
            time,
        })
    }

    /// The view a dataset opens in: the user's choice when offered, else the best fit.
    fn view_kind(&self, key: &Selection) -> Option<ViewKind> {
        let Some(InfoState::Ready(v)) = self.infos.get(key) else {
            return None;
        };
        let offered = views::offered(&v.info);
        (self.forced_view.as_ref().filter(|k| offered.contains(k)))
            .or(self.view_choices.get(key).filter(|k| offered.contains(k)))
            .or(offered.first())
            .copied()
    }

    /// What the image view of the dataset `key` shows (as `spec` resolved it), asking for
    /// the metadata still missing (palette, coordinates); `None` until it has arrived.
    fn image_spec(&mut self, key: &Selection, spec: &PlotSpec) -> Option<ImageSpec> {
        let Some(InfoState::Ready(v)) = self.infos.get(key) else {
            return None;
        };
        let info = &v.info;
        let ds = info.dataset.as_ref()?;
        let Shape::Simple { dims, .. } = &ds.shape else {
            return None;
        };
        let dims = dims.clone();
        let rank = dims.len();
        let image_class = info.attr_text("CLASS") == Some("IMAGE");
        let subclass = info.attr_text("IMAGE_SUBCLASS");
        let palette = palette_path(info);
        let truecolor = image_class && subclass == Some("IMAGE_TRUECOLOR") && rank == 3;
        let kind = if truecolor || (!image_class && views::rgb_layout(info, &dims)) {
            ImageKind::Channels
        } else if subclass == Some("IMAGE_INDEXED") || palette.is_some() {
            ImageKind::Indexed { palette: None }
        } else {
            ImageKind::Values
        };
        let default_plane = match kind {
            ImageKind::Channels if info.attr_text("INTERLACE_MODE") == Some("INTERLACE_PLANE") => {
                Plane {
                    rows: 1,
                    cols: 2,
                    channels: Some(0),
                    ..Plane::last_two(3)
                }
            }
            ImageKind::Channels => Plane {
                rows: 0,
                cols: 1,
                channels: Some(2),
                ..Plane::last_two(3)
            },
            _ => Plane::last_two(rank),
        };
        let components = ds.dtype.components();
        let plane = (self.image_choices.get(key).cloned())
            .filter(|p| {
                p.at.len() == rank
                    && p.hyperslab(&dims, &crate::model::Patch::whole(1, 1, 1))
                        .is_ok()
                    && components.contains(&p.component)
            })
            .unwrap_or(Plane {
                component: components.first()?.clone(),
                ..default_plane
            });
        let plane = match &self.render_slice {
            Some(slice) => match sliced_plane(slice, &dims, &plane) {
                Ok(p) => p,
                Err(e) => {
                    self.slice_error = Some(format!("{}: {e}", key.path));
                    return None;
                }
            },
            None => plane,
        };
        let channel_range = match (&kind, &ds.dtype) {
            (
                ImageKind::Channels,
                DType::Integer {
                    size,
                    signed: false,
                    ..
                },
            ) if *size <= 8 => Some((0.0, (2f64).powi(8 * *size as i32) - 1.0)),
            _ => None,
        };
        let base = key.path.rsplit('/').next().unwrap_or(&key.path);
        let name = info.attr_text("long_name").unwrap_or(base);
        let mut image = ImageSpec {
            file: key.file,
            path: key.path.clone(),
            components,
            kind,
            title: info.axis_title(name),
            units: info.units().map(str::to_owned),
            channel_range,
            calibration: Calibration::from_attrs(info),
            outside_files: ds.layout.outside_text(),
            axes: Vec::new(),
            plane,
            dims,
        };
        // Everything the image needs besides the data: ask for all of it at once. An object
        // that has arrived gives its dims (empty when it is no dataset).
        let mut waiting = false;
        let mut want = |app: &mut Self, path: &str| -> Option<Vec<u64>> {
            let k = Selection {
                file: key.file,
                path: path.to_owned(),
            };
            match app.infos.get(&k) {
                Some(InfoState::Ready(v)) => Some(
                    (v.info.dataset.as_ref())
                        .map(|d| d.shape.dims().to_vec())
                        .unwrap_or_default(),
                ),
                Some(InfoState::Failed(_)) => None,
                Some(InfoState::Loading) | None => {
                    app.want_info(k.file, k.path);
                    waiting = true;
                    None
                }
            }
        };
        if let Some(path) = palette
            && let Some(pd) = want(self, &path)
            && pd.len() == 2
        {
            image.kind = ImageKind::Indexed {
                palette: Some(PaletteSpec {
                    path,
                    colors: pd[0],
                    columns: pd[1],
                }),
            };
        }
        for (dim, candidates) in spec.axes.iter().enumerate().take(rank) {
            let axis = candidates.first().and_then(|x| {
                want(self, &x.path)?;
                let a = self.axis_values(key.file, x, image.dims[dim]).ok()?;
                Some(AxisSpec {
                    source: a.source,
                    title: a.title,
                })
            });
            image.axes.push(axis);
        }
        image.axes.resize(rank, None);
        (!waiting).then_some(image)
    }

    /// "Plot" and "Image" when a dataset offers both; the one clicked, for the dataset.
    fn view_tabs(&self, ui: &mut egui::Ui, sel: &Selection) -> Option<(Selection, ViewKind)> {
        if self.plot_only {
            return None;
        }
        let (_, view) = self.view.as_ref().filter(|(s, _)| s == sel)?;
        let (current, path) = match view {
            DataView::Line(v) => (ViewKind::Plot, v.data_path()?),
            DataView::Image(v) => (ViewKind::Image, v.data_path()),
            DataView::Table(v) => (ViewKind::Table, v.data_path()),
        };
        let key = Selection {
            file: sel.file,
            path: path.to_owned(),
        };
        let Some(InfoState::Ready(v)) = self.infos.get(&key) else {
            return None;
        };
        let offered = views::offered(&v.info);
        if offered.len() < 2 {
            return None;
        }
        let mut picked = None;
        for kind in offered {
            if ui.selectable_label(kind == current, kind.name()).clicked() && kind != current {
                picked = Some((key.clone(), kind));
            }
        }
        picked
    }

    fn central(&mut self, ui: &mut egui::Ui) {
        let Some(sel) = self.selection.clone() else {
            ui.centered_and_justified(|ui| {
                ui.weak("Open a file (Ctrl+O) or drop one here.");
            });
            return;
        };
        let file_name = self
            .files
            .iter()
            .find(|f| f.id == sel.file)
            .map(OpenFile::name)
            .unwrap_or_default();
        ui.heading(format!("{file_name} :: {}", sel.path));
        let mut rechosen = None;
        let mut rechosen_view = None;
        let mut follow = None;
        let mut export_clicked = None;
        match self.infos.get(&sel) {
            Some(InfoState::Ready(view)) => {
                let info = &view.info;
                match (&info.kind, &info.dataset) {
                    (ObjectKind::Dataset, Some(ds)) => {
                        ui.label(format!("{} of {}", ds.shape.text(), ds.dtype.text()));
                        missing_sources_warning(ui, ds);
                    }
                    (ObjectKind::Group, _) => {
                        let n = info.child_count.unwrap_or(0);
                        let label = self.labels.get(&sel).cloned().flatten();
                        match &label {
                            Some(l) => ui.label(format!(
                                "{} with {n} member{}",
                                l.full_text(),
                                if n == 1 { "" } else { "s" }
                            )),
                            None => ui.label(match n {
                                1 => "Group with 1 member".to_owned(),
                                n => format!("Group with {n} members"),
                            }),
                        };
                        // The values a writer keeps in the container's attributes (deepdish's
                        // scalars), in order, as the object's own content.
                        let values = label
                            .map(|l| convention::attribute_values(info, &l))
                            .unwrap_or_default();
                        if !values.is_empty() {
                            egui::Grid::new("container values")
                                .num_columns(2)
                                .striped(true)
                                .show(ui, |ui| {
                                    for (name, value) in values {
                                        ui.strong(name);
                                        ui.label(value);
                                        ui.end_row();
                                    }
                                });
                        }
                    }
                    (kind, _) => {
                        ui.label(format!("{kind:?}"));
                    }
                }
                // The view tabs, then what can be done with the view: one row.
                ui.horizontal(|ui| {
                    if let Some(kind) = self.view_tabs(ui, &sel) {
                        rechosen_view = Some(kind);
                    }
                    if !self.plot_only && self.view.as_ref().is_some_and(|(s, _)| *s == sel) {
                        ui.separator();
                        export_clicked = self.export_buttons(ui);
                    }
                });
                match &mut self.view {
                    Some((s, DataView::Line(v))) if *s == sel => {
                        let data = v.data_path().unwrap_or_default().to_owned();
                        if data != sel.path {
                            ui.weak(format!("Plot of {data}"));
                        }
                        if let Some(pick) = v.ui(ui, &mut self.loader, &mut self.next_req) {
                            let key = Selection {
                                file: sel.file,
                                path: data,
                            };
                            rechosen = Some((key, pick));
                        }
                    }
                    Some((s, DataView::Image(v))) if *s == sel => {
                        if v.data_path() != sel.path {
                            ui.weak(format!("Image of {}", v.data_path()));
                        }
                        v.ui(ui, &mut self.loader, &mut self.next_req);
                    }
                    Some((s, DataView::Table(v))) if *s == sel => {
                        if v.data_path() != sel.path {
                            ui.weak(format!("Table of {}", v.data_path()));
                        }
                        v.ui(ui, &mut self.loader, &mut self.next_req);
                        follow = v.take_follow();
                    }
                    _ => {}
                }
            }
            Some(InfoState::Loading) | None => {
                ui.spinner();
            }
            Some(InfoState::Failed(e)) => {
                ui.colored_label(ui.visuals().error_fg_color, e);
            }
        }
        if let Some((key, pick)) = rechosen {
            self.pick(key, pick);
        }
        if let Some(path) = follow {
            self.select(sel.file, path);
        }
        if let Some(kind) = export_clicked {
            self.start_export(ui.ctx(), kind);
        }
        if let Some((key, kind)) = rechosen_view {
            self.view_choices.insert(key, kind);
            self.drop_data_view();
        }
    }
}

/// The view in the middle of the window.
enum DataView {
    Line(Box<LineView>),
    Image(Box<ImageView>),
    Table(Box<TableView>),
}

impl DataView {
    /// Whether the user allowed this view to read values kept in other files (an export of
    /// what it shows may then read them too).
    fn reads_outside(&self) -> bool {
        match self {
            Self::Line(v) => v.reads_outside(),
            Self::Image(v) => v.reads_outside(),
            Self::Table(v) => v.reads_outside(),
        }
    }
}

/// What a dataset offers a plot, or why not.
enum Lines {
    /// Its metadata (or its x axis's) is on its way.
    Wait,
    Unusable(String),
    Ready(DatasetLines),
}

/// The lines cut from one dataset and what the plot shows about it.
struct DatasetLines {
    specs: Vec<SeriesSpec>,
    shape: DataShape,
    /// The choice the lines follow (the user's, where it still fits the data).
    choice: LineChoice,
    y_title: String,
    x_options: Vec<(String, String)>,
}

/// A line's name in a legend: the dataset's path, with the indices it is cut at for N-D
/// data (`:` along x) and the component when it is not the value.
fn line_name(path: &str, line: &Line) -> String {
    let mut name = path.to_owned();
    if line.at.len() > 1 {
        let at: Vec<String> = (line.at.iter().enumerate())
            .map(|(k, i)| {
                if k == line.axis {
                    ":".to_owned()
                } else {
                    i.to_string()
                }
            })
            .collect();
        name += &format!("[{}]", at.join(", "));
    }
    if line.component != Component::Value {
        name += &format!(" {}", line.component.name());
    }
    name
}

/// The line to plot through an integer or float dataset: `chosen` when it fits the
/// dataset's shape, else along the last axis at index 0 of the others.
fn line_source(file: FileId, info: &ObjectInfo, chosen: Option<&Line>) -> Option<LineSource> {
    let ds = info.dataset.as_ref()?;
    let components = ds.dtype.components();
    let Shape::Simple { dims, .. } = &ds.shape else {
        return None;
    };
    let rank = dims.len();
    let line = chosen
        .filter(|l| {
            l.axis < rank
                && l.at.len() == rank
                && l.at.iter().zip(dims).all(|(i, d)| i < d || *d == 0)
                && components.contains(&l.component)
        })
        .cloned()
        .or_else(|| {
            Some(Line {
                axis: rank.checked_sub(1)?,
                at: vec![0; rank],
                component: components.first()?.clone(),
            })
        })?;
    let chunk = match &ds.layout {
        Layout::Chunked { chunks } => chunks.get(line.axis).copied(),
        _ => None,
    };
    Some(LineSource {
        file,
        path: info.path.clone(),
        len: dims[line.axis],
        line,
        chunk,
        outside: false,
        calibration: Calibration::from_attrs(info),
    })
}

/// The indices a slice holds axes at, and the axes it leaves whole (in order).
fn slice_axes(slice: &[AxisSlice], dims: &[u64]) -> Result<(Vec<u64>, Vec<usize>), String> {
    let slab = crate::model::resolve(slice, dims).map_err(|e| e.to_string())?;
    let kept = (0..dims.len()).filter(|&k| slab.keep[k]).collect();
    Ok((slab.start, kept))
}

/// The line a slice with one range (`5, :`) names.
fn sliced_line(slice: &[AxisSlice], dims: &[u64], component: Component) -> Result<Line, String> {
    let (at, kept) = slice_axes(slice, dims)?;
    match kept[..] {
        [axis] => Ok(Line {
            axis,
            at,
            component,
        }),
        _ => Err(format!(
            "a plot needs a slice with one range (`:`) and indices elsewhere; it has {}",
            kept.len()
        )),
    }
}

/// The image plane a slice with two ranges (rows, then columns; a third for colour
/// channels when the image has them) names.
fn sliced_plane(slice: &[AxisSlice], dims: &[u64], default: &Plane) -> Result<Plane, String> {
    let (at, mut kept) = slice_axes(slice, dims)?;
    let channels = default.channels.filter(|c| kept.contains(c));
    kept.retain(|k| Some(*k) != channels);
    match kept[..] {
        [rows, cols] => Ok(Plane {
            rows,
            cols,
            at,
            channels,
            component: default.component.clone(),
        }),
        _ => Err(format!(
            "an image needs a slice with two ranges (`:`), rows then columns; it has {}",
            kept.len()
        )),
    }
}

/// The palette an HDF5 IMAGE names in its `PALETTE` attribute (an object reference).
fn palette_path(info: &ObjectInfo) -> Option<String> {
    let attr = info.attrs.iter().find(|a| a.name == "PALETTE")?;
    let AttrValue::Loaded(values) = &attr.value else {
        return None;
    };
    values.iter().find_map(|v| match v {
        Value::Ref(Some(t)) if t.file.is_none() => t.path.clone(),
        _ => None,
    })
}

/// The full-window "drop to open" overlay: the window dimmed, the hovered paths on top.
fn drop_overlay(ctx: &egui::Context, hovered: &[PathBuf]) {
    let rect = ctx.content_rect();
    ctx.layer_painter(egui::LayerId::new(
        egui::Order::Foreground,
        egui::Id::unique("drop-dim"),
    ))
    .rect_filled(rect, 0.0, egui::Color32::from_black_alpha(180));
    egui::Area::new(egui::Id::unique("drop-overlay"))
        .order(egui::Order::Tooltip)
        .anchor(egui::Align2::CENTER_CENTER, egui::Vec2::ZERO)
        .interactable(false)
        .show(ctx, |ui| {
            ui.vertical_centered(|ui| {
                ui.heading(egui::RichText::new("Drop to open").color(egui::Color32::WHITE));
                for p in hovered.iter().take(10) {
                    ui.label(
                        egui::RichText::new(p.display().to_string()).color(egui::Color32::WHITE),
                    );
                }
            });
        });
}

impl eframe::App for HdfscopeApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, settings::STORAGE_KEY, &self.settings);
    }
}

impl HdfscopeApp {
    /// One frame of the whole app.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        for r in self.loader.drain(DRAIN_BUDGET) {
            self.apply(r);
        }
        if self.loader.pending() > 0 {
            // Answers wake us; this is a fallback in case a wake-up is missed.
            ctx.request_repaint_after(Duration::from_millis(100));
        }
        self.take_outside_opens(&ctx);
        self.poll_dialog();
        self.poll_save_dialog(&ctx);
        self.check_files_on_disk(&ctx);
        for c in Command::pressed(&ctx) {
            self.run_command(&ctx, c);
        }
        self.request_listings();
        self.sync_data_view();
        self.sync_title(&ctx);
        // On every frame: the view may be rebuilt as its axes are described.
        if let Some(look) = self.fixed_look {
            match self.view.as_mut().map(|(_, v)| v) {
                Some(DataView::Line(v)) => v.set_look(&look),
                Some(DataView::Image(v)) => v.set_look(&look),
                _ => {}
            }
        }
        if self.plot_only {
            egui::CentralPanel::default().show(ui, |ui| self.central(ui));
            return;
        }

        egui::Panel::top("menu").show(ui, |ui| self.menu_bar(ui));
        // A fixed height: the spinner coming and going must not shift every panel above it
        // (a click aimed at a row would land on its neighbour).
        egui::Panel::bottom("status")
            .exact_size(STATUS_HEIGHT)
            .show(ui, |ui| self.status_bar(ui));
        egui::Panel::left("tree")
            .resizable(true)
            .default_size(320.0)
            .min_size(160.0)
            .show(ui, |ui| self.tree_panel(ui));
        egui::Panel::right("inspector")
            .resizable(true)
            .default_size(380.0)
            .min_size(200.0)
            .show(ui, |ui| self.inspector_panel(ui));
        egui::CentralPanel::default().show(ui, |ui| {
            self.changed_banner(ui);
            self.central(ui);
        });
        self.value_window(&ctx);
        self.handle_drops(ui);
    }
}

/// Says, in every view of a virtual dataset with missing source files, that libhdf5 shows
/// its fill value where they map: otherwise those values pass for data.
fn missing_sources_warning(ui: &mut egui::Ui, ds: &crate::model::DatasetInfo) {
    let missing = ds.layout.missing_sources();
    if missing.is_empty() {
        return;
    }
    let fill = ds.fill_value.as_ref().map_or_else(
        || "the fill value".to_owned(),
        |v| format!("the fill value {v}"),
    );
    ui.colored_label(
        ui.visuals().warn_fg_color,
        format!(
            "Missing source files: {}. Values mapped to them read as {fill}, not data.",
            missing.join(", ")
        ),
    );
}

/// The window's icon (X11 and Windows title bars; Wayland takes it from the desktop entry
/// named by [`APP_ID`]).
fn window_icon() -> egui::IconData {
    const PNG: &[u8] = include_bytes!("../../assets/io.github.hdfscope.Hdfscope-256.png");
    // The PNG is ours and checked by a test; a blank icon is a safe fallback all the same.
    eframe::icon_data::from_png_bytes(PNG).unwrap_or_default()
}

/// Starts the desktop app on `open` (blocking until the window closes); later launches
/// reach it through `listening`.
pub fn run(
    open: Vec<OpenRequest>,
    listening: Option<single_instance::Listening>,
) -> eframe::Result {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_app_id(APP_ID)
            .with_title("hdfscope")
            .with_inner_size([1280.0, 800.0])
            .with_min_inner_size([480.0, 320.0])
            .with_drag_and_drop(true)
            .with_icon(window_icon()),
        ..Default::default()
    };
    // Filled by other launches and by Finder, which may ask before the app exists.
    let outside = OpenQueue::default();
    #[cfg(target_os = "macos")]
    macos_open::install(outside.clone());
    if let Some(listening) = listening {
        // A thread that cannot start means the system is out of resources: say so and stop.
        single_instance::serve(listening, outside.clone())
            .map_err(|e| eframe::Error::AppCreation(Box::new(e)))?;
    }
    eframe::run_native(
        "hdfscope",
        options,
        Box::new(|cc| {
            let config = LoaderConfig::current_exe()?;
            let mut app = HdfscopeApp::new(cc, open, config)?;
            app.take_requests_from(outside, &cc.egui_ctx);
            Ok(Box::new(app))
        }),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_window_icon_is_the_packaged_png() {
        let icon = super::window_icon();
        assert_eq!((icon.width, icon.height), (256, 256));
        assert_eq!(icon.rgba.len(), 256 * 256 * 4);
    }
}
