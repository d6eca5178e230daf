//! Find (Ctrl+F): a query box over the tree, matched against every path of every open file.
//!
//! The paths come from the loader's background index, streamed in as it walks; matching
//! runs on what has arrived so far and is cached until the query or the index changes.
//! Must never walk a file itself.

use std::collections::HashSet;

use egui::{Key, Role, WidgetInfo};

use super::HdfscopeApp;
use super::files::{FileState, OpenFile};
use crate::loader::{FileId, Request};

/// Results shown at most; the count says how many matched.
const MAX_SHOWN: usize = 5_000;

/// The matches of one query over the entries indexed so far.
struct Matches {
    query: String,
    entries_seen: usize,
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

    fn matches(&mut self, files: &[OpenFile]) -> &[(FileId, usize)] {
        let seen: usize = files
            .iter()
            .map(|f| f.index.as_ref().map_or(0, |i| i.entries.len()))
            .sum();
        let query = self.query.trim().to_lowercase();
        let fresh = self
            .cache
            .as_ref()
            .is_some_and(|m| m.query == query && m.entries_seen == seen);
        if !fresh {
            let mut found = Vec::new();
            for f in files {
                let Some(index) = &f.index else { continue };
                for (i, e) in index.entries.iter().enumerate() {
                    if e.path.to_lowercase().contains(&query) {
                        found.push((f.id, i));
                    }
                }
            }
            self.cache = Some(Matches {
                query,
                entries_seen: seen,
                found,
            });
        }
        self.cache.as_ref().map_or(&[], |m| m.found.as_slice())
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
        let matches = self.search.matches(&self.files).to_vec();
        ui.weak(format!(
            "{} match{}",
            matches.len(),
            if matches.len() == 1 { "" } else { "es" }
        ));
        let mut chosen = None;
        let several_files = self.files.len() > 1;
        let row_height = ui.spacing().interact_size.y;
        let shown = matches.len().min(MAX_SHOWN);
        egui::ScrollArea::both()
            .auto_shrink([false, false])
            .show_rows(ui, row_height, shown, |ui, range| {
                for &(file, i) in &matches[range] {
                    let Some(f) = self.files.iter().find(|f| f.id == file) else {
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
            chosen = self
                .files
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
