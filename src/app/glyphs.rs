//! The symbols the UI draws, in one place. Each must exist in egui's bundled fonts
//! (Ubuntu-Light, NotoEmoji, emoji-icon-font): the UI tests fail on a missing glyph, and users
//! would see boxes. Must never hold text that comes from a file.

pub const FILE: &str = "🗄";
pub const GROUP: &str = "🗀";
pub const DATASET: &str = "▣";
pub const DATATYPE: &str = "T";
pub const EXTERNAL: &str = "⤴";
pub const LINK: &str = "🔗";
pub const CYCLE: &str = "↻";
pub const WARNING: &str = "⚠";
pub const ARROW: &str = "➡";
pub const EXPAND: &str = "⏵";
pub const COLLAPSE: &str = "⏷";
pub const PLAY: &str = "▶";
pub const PAUSE: &str = "⏸";
