//! Find (Ctrl+F): a query box over the tree, matched against every path of every open file.
//!
//! The paths come from the loader's background index, streamed in as it walks; matching
//! runs on what has arrived so far, each entry once per query.
//! Must never walk a file itself.

use std::collections::{HashMap, HashSet};

use egui::{Key, Role, WidgetInfo};

use super::HdfscopeApp;
use super::files::{FileState, OpenFile};
use crate::loader::{FileId, Request};

/// Results shown at most; the count says how many matched.
const MAX_SHOWN: usize = 5_000;

/// The matches of one query, extended as index entries stream in.
struct Matches {
    query: String,
    /// Entries of each file already matched against `query`.
    scanned: HashMap<FileId, usize>,
    /// (file, index into its index entries).
    found: Vec<(FileId, usize)>,
}

#[derive(Default)]
pub struct Search {
    query: String,
    focus: bool,
    requested: HashSet<FileId>,
    cache: Option<Matches>,
}

impl Search {
    pub fn focus(&mut self) {
        self.focus = true;
    }

    pub fn is_active(&self) -> bool {
        !self.query.trim().is_empty()
    }

    pub fn forget(&mut self, file: FileId) {
        self.requested.remove(&file);
        self.cache = None;
    }

    /// Index progress for the status bar, while any requested index is being built.
    pub fn status(&self, files: &[OpenFile]) -> Option<String> {
        let building: Vec<String> = files
            .iter()
            .filter(|f| self.requested.contains(&f.id))
            .filter(|f| !f.index.as_ref().is_some_and(|i| i.done))
            .map(|f| {
                let n = f.index.as_ref().map_or(0, |i| i.entries.len());
                format!("indexing {} ({n} paths)", f.name())
            })
            .collect();
        (!building.is_empty()).then(|| building.join(", "))
    }

    /// Matches of the current query; only entries that arrived since the last call are
    /// scanned, so a large index streaming in costs each entry once.
    fn matches(&mut self, files: &[OpenFile]) -> &[(FileId, usize)] {
        let query = self.query.trim().to_lowercase();
        if self.cache.as_ref().is_none_or(|m| m.query != query) {
            self.cache = None;
        }
        let m = self.cache.get_or_insert_with(|| Matches {
            query,
            scanned: HashMap::new(),
            found: Vec::new(),
        });
        for f in files {
            let Some(index) = &f.index else { continue };
            let from = m.scanned.get(&f.id).copied().unwrap_or(0);
            for (i, e) in index.entries.iter().enumerate().skip(from) {
                if e.path.to_lowercase().contains(&m.query) {
                    m.found.push((f.id, i));
                }
            }
            m.scanned.insert(f.id, index.entries.len());
        }
        &m.found
    }
}

impl HdfscopeApp {
    pub(super) fn search_box(&mut self, ui: &mut egui::Ui) {
        let edit = egui::TextEdit::singleline(&mut self.search.query)
            .hint_text("Find a path (Ctrl+F)")
            .desired_width(f32::INFINITY);
        let r = ui.add(edit);
        r.widget_info(|| WidgetInfo::labeled(Role::TextInput, true, "Find"));
        if std::mem::take(&mut self.search.focus) {
            r.request_focus();
        }
        if r.has_focus() && ui.input(|i| i.key_pressed(Key::Escape)) {
            self.search.query.clear();
        }
        if self.search.is_active() {
            for f in &self.files {
                if f.state == FileState::Ready && self.search.requested.insert(f.id) {
                    self.loader.send(Request::Index { file: f.id });
                }
            }
        }
        ui.separator();
    }

    pub(super) fn search_results(&mut self, ui: &mut egui::Ui) {
        let files = &self.files;
        let matches = self.search.matches(files);
        ui.weak(format!(
            "{} match{}",
            matches.len(),
            if matches.len() == 1 { "" } else { "es" }
        ));
        let mut chosen = None;
        let several_files = files.len() > 1;
        let row_height = ui.spacing().interact_size.y;
        let shown = matches.len().min(MAX_SHOWN);
        egui::ScrollArea::both()
            .auto_shrink([false, false])
            .show_rows(ui, row_height, shown, |ui, range| {
                for &(file, i) in &matches[range] {
                    let Some(f) = files.iter().find(|f| f.id == file) else {
                        continue;
                    };
                    let Some(e) = f.index.as_ref().and_then(|x| x.entries.get(i)) else {
                        continue;
                    };
                    let text = if several_files {
                        format!("{}::{}", f.name(), e.path)
                    } else {
                        e.path.clone()
                    };
                    if ui.selectable_label(false, text).clicked() {
                        chosen = Some((file, e.path.clone()));
                    }
                }
            });
        if ui.input(|i| i.key_pressed(Key::Enter))
            && chosen.is_none()
            && let Some(&(file, i)) = matches.first()
        {
            chosen = files
                .iter()
                .find(|f| f.id == file)
                .and_then(|f| f.index.as_ref()?.entries.get(i))
                .map(|e| (file, e.path.clone()));
        }
        if let Some((file, path)) = chosen {
            self.search.query.clear();
            self.select(file, path);
        }
    }
}
