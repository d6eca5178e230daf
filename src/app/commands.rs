//! Every user command with its menu label and keyboard shortcut: one table that drives the
//! menus, the shortcut handling and the shortcut hints, so they can never disagree.
//!
//! Must never carry out a command itself; the app does that.

use egui::{Key, KeyboardShortcut, Modifiers};

/// A command the user can give from a menu or the keyboard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    Open,
    CloseFile,
    Reload,
    Find,
    CopyPath,
    Quit,
}

impl Command {
    /// Commands with a keyboard shortcut, in the order they are checked.
    pub const ALL: [Self; 6] = [
        Self::Open,
        Self::CloseFile,
        Self::Reload,
        Self::Find,
        Self::CopyPath,
        Self::Quit,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::Open => "Open…",
            Self::CloseFile => "Close file",
            Self::Reload => "Reload",
            Self::Find => "Find…",
            Self::CopyPath => "Copy path",
            Self::Quit => "Quit",
        }
    }

    /// The shortcut. Copy arrives as `egui::Event::Copy` (egui-winit turns Ctrl+C into it),
    /// so its shortcut is only shown, never matched as a key.
    pub fn shortcut(self) -> KeyboardShortcut {
        match self {
            Self::Open => KeyboardShortcut::new(Modifiers::COMMAND, Key::O),
            Self::CloseFile => KeyboardShortcut::new(Modifiers::COMMAND, Key::W),
            Self::Reload => KeyboardShortcut::new(Modifiers::NONE, Key::F5),
            Self::Find => KeyboardShortcut::new(Modifiers::COMMAND, Key::F),
            Self::CopyPath => KeyboardShortcut::new(Modifiers::COMMAND, Key::C),
            Self::Quit => KeyboardShortcut::new(Modifiers::COMMAND, Key::Q),
        }
    }

    /// The commands whose shortcut was pressed this frame (consumed from the input), plus
    /// Copy when egui saw a copy event and no text field wants it.
    pub fn pressed(ctx: &egui::Context) -> Vec<Self> {
        let typing = ctx.egui_wants_keyboard_input();
        ctx.input_mut(|i| {
            let mut out: Vec<Self> = Self::ALL
                .into_iter()
                .filter(|c| *c != Self::CopyPath)
                .filter(|c| !(typing && *c == Self::Reload))
                .filter(|c| i.consume_shortcut(&c.shortcut()))
                .collect();
            if !typing && i.events.iter().any(|e| matches!(e, egui::Event::Copy)) {
                out.push(Self::CopyPath);
            }
            out
        })
    }

    /// A menu button for the command showing its shortcut; true when clicked.
    pub fn menu_item(self, ui: &mut egui::Ui, enabled: bool) -> bool {
        let hint = ui.ctx().format_shortcut(&self.shortcut());
        ui.add_enabled(enabled, egui::Button::new(self.label()).shortcut_text(hint))
            .clicked()
    }
}
