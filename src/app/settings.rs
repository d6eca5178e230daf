//! What the app remembers between runs: recent files, the theme, the data cache's size and
//! how figures are saved.
//! Window geometry, panel
//! sizes and zoom are kept by eframe and egui themselves.
//!
//! Plain serde data; must never touch the file system directly (eframe's storage does).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// How many recent files are kept.
pub const MAX_RECENT: usize = 10;

/// The key under which settings live in eframe's storage.
pub const STORAGE_KEY: &str = "hdfscope-settings";

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Theme {
    #[default]
    System,
    Light,
    Dark,
}

impl Theme {
    pub fn preference(self) -> egui::ThemePreference {
        match self {
            Self::System => egui::ThemePreference::System,
            Self::Light => egui::ThemePreference::Light,
            Self::Dark => egui::ThemePreference::Dark,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Most recent first, no duplicates.
    pub recent: Vec<PathBuf>,
    pub theme: Theme,
    /// The bound of the loader's decoded-data cache, in MiB.
    pub cache_mib: u64,
    /// Saved figures' width and height in pixels.
    pub figure_size: (u32, u32),
    /// Pixels per point of saved figures: 2 draws text and lines twice as large.
    pub figure_scale: f32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            recent: Vec::new(),
            theme: Theme::default(),
            cache_mib: crate::loader::LoaderConfig::DEFAULT_CACHE_BYTES >> 20,
            figure_size: (1600, 900),
            figure_scale: 1.0,
        }
    }
}

impl Settings {
    /// Puts `path` at the front of the recent list.
    pub fn remember(&mut self, path: PathBuf) {
        self.recent.retain(|p| *p != path);
        self.recent.insert(0, path);
        self.recent.truncate(MAX_RECENT);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recent_files_are_unique_newest_first_and_bounded() {
        let mut s = Settings::default();
        for i in 0..12 {
            s.remember(PathBuf::from(format!("/f{i}.h5")));
        }
        s.remember(PathBuf::from("/f5.h5"));
        assert_eq!(s.recent.len(), MAX_RECENT);
        assert_eq!(s.recent[0], PathBuf::from("/f5.h5"));
        assert_eq!(s.recent[1], PathBuf::from("/f11.h5"));
        assert_eq!(s.recent.iter().filter(|p| p.ends_with("f5.h5")).count(), 1);
    }
}
