//! The inspector: everything the reader knows about the selected object, and all its
//! attributes with decoded values. References are links that select their target.
//!
//! Value texts are built once when the info arrives, never per frame. Must never request
//! data except through the app.

use egui::{Grid, RichText, Role, WidgetInfo};

use super::glyphs::ARROW;
use super::{HdfscopeApp, InfoState};
use crate::model::convention;
use crate::model::table::pretty_json;
use crate::model::{
    AttrValue, Attribute, ByteOrder, DType, DatasetInfo, Layout, LinkType, ObjectInfo, Shape,
    StrPad, Value, values_text,
};

/// Characters of a value shown inline; longer values get a "Show all" button.
const PREVIEW_CHARS: usize = 160;

/// One attribute, ready to draw.
#[derive(Debug)]
pub struct AttrRow {
    pub name: String,
    pub dtype: String,
    pub shape: String,
    /// The whole value as text.
    pub full: String,
    /// The value cut to [`PREVIEW_CHARS`], with an ellipsis when cut.
    pub preview: String,
    /// Targets of the references in the value, in this file.
    pub references: Vec<String>,
    pub error: bool,
    /// A writer's bookkeeping (netCDF's `_Netcdf4Dimid`...), hidden unless asked for.
    pub internal: bool,
}

impl AttrRow {
    fn new(a: &Attribute) -> Self {
        let (text, error) = match &a.value {
            AttrValue::Loaded(v) => (values_text(v), false),
            AttrValue::Skipped(why) => (format!("({why})"), false),
            AttrValue::Failed(why) => (format!("cannot read: {why}"), true),
        };
        let references = match &a.value {
            AttrValue::Loaded(v) => {
                let mut out = Vec::new();
                for x in v {
                    reference_targets(x, &mut out);
                }
                out
            }
            _ => Vec::new(),
        };
        // Metadata stored as a JSON string (Keras' model_config...) reads best indented;
        // the preview keeps it on one line.
        let json = match &a.value {
            AttrValue::Loaded(v) if v.len() == 1 => v
                .iter()
                .next()
                .and_then(Value::as_str)
                .and_then(|s| Some((s, pretty_json(s)?))),
            _ => None,
        };
        let (preview, full) = match json {
            Some((raw, pretty)) => (self::preview(raw), pretty),
            None => (self::preview(&text), text),
        };
        Self {
            name: a.name.clone(),
            dtype: a.dtype.text(),
            shape: a.shape.text(),
            preview,
            full,
            references,
            error,
            internal: convention::is_internal_attr(&a.name),
        }
    }
}

/// References shown as links per attribute at most.
const MAX_LINKS: usize = 32;

/// Collects the in-file paths that references inside `v` point at (also inside lists and
/// compounds, e.g. DIMENSION_LIST's vlen of references).
fn reference_targets(v: &Value, out: &mut Vec<String>) {
    if out.len() >= MAX_LINKS {
        return;
    }
    match v {
        Value::Ref(Some(t)) if t.file.is_none() => out.extend(t.path.clone()),
        Value::List(items) => items.iter().for_each(|x| reference_targets(x, out)),
        Value::Compound(fields) => fields.iter().for_each(|(_, x)| reference_targets(x, out)),
        _ => {}
    }
}

fn preview(full: &str) -> String {
    let one_line = full.replace('\n', " ");
    match one_line.char_indices().nth(PREVIEW_CHARS) {
        Some((i, _)) => format!("{}…", &one_line[..i]),
        None => one_line,
    }
}

/// An object's info with its attribute texts prepared.
#[derive(Debug)]
pub struct InfoView {
    pub info: ObjectInfo,
    pub attrs: Vec<AttrRow>,
}

impl InfoView {
    pub fn new(info: ObjectInfo) -> Self {
        let attrs = info.attrs.iter().map(AttrRow::new).collect();
        Self { info, attrs }
    }
}

/// What the user asked for in the inspector.
enum Action {
    Select(String),
    Copy(String),
    ShowWhole(String, String),
}

fn max_shape_text(shape: &Shape) -> Option<String> {
    match shape {
        Shape::Simple { max, .. } => Some(
            max.iter()
                .map(|m| m.map_or_else(|| "unlimited".to_owned(), |m| m.to_string()))
                .collect::<Vec<_>>()
                .join(" x "),
        ),
        _ => None,
    }
}

fn type_details(d: &DType) -> Vec<(String, String)> {
    let mut out = Vec::new();
    match d {
        DType::Integer { order, .. }
        | DType::Float { order, .. }
        | DType::Complex { order, .. }
        | DType::Bitfield { order, .. }
        | DType::Time { order, .. } => {
            let order = match order {
                ByteOrder::Le => "little-endian",
                ByteOrder::Be => "big-endian",
                ByteOrder::Vax => "VAX",
                ByteOrder::None => "none",
            };
            out.push(("Byte order".into(), order.into()));
        }
        DType::String {
            size,
            charset,
            padding,
        } => {
            out.push((
                "Length".into(),
                size.map_or_else(|| "variable".to_owned(), |s| format!("{s} bytes")),
            ));
            out.push(("Charset".into(), format!("{charset:?}")));
            let pad = match padding {
                StrPad::Nullterm => "null-terminated",
                StrPad::Nullpad => "null-padded",
                StrPad::Spacepad => "space-padded",
            };
            out.push(("Padding".into(), pad.into()));
        }
        DType::Compound { fields, .. } => {
            for f in fields {
                out.push((
                    format!("  .{}", f.name),
                    format!("{} @ {}", f.dtype.text(), f.offset),
                ));
            }
        }
        DType::Enum { members, base, .. } => {
            out.push(("Base".into(), base.text()));
            for m in members.iter().take(256) {
                out.push((format!("  {}", m.name), m.value.to_string()));
            }
        }
        DType::Array { base, .. } | DType::VarLen { base } => {
            out.push(("Element".into(), base.text()));
        }
        DType::Opaque { tag, .. } => out.push(("Tag".into(), tag.clone())),
        DType::Reference { .. } | DType::Unsupported { .. } => {}
    }
    out
}

fn dataset_rows(ds: &DatasetInfo) -> Vec<(String, String)> {
    let mut rows = vec![
        ("Shape".to_owned(), ds.shape.text()),
        ("Type".to_owned(), ds.dtype.text()),
    ];
    if let Some(m) = max_shape_text(&ds.shape) {
        rows.insert(1, ("Max shape".to_owned(), m));
    }
    rows.extend(type_details(&ds.dtype));
    rows.push(("Layout".to_owned(), ds.layout.text()));
    if let Layout::Chunked { chunks } = &ds.layout {
        let c: Vec<String> = chunks.iter().map(u64::to_string).collect();
        rows.push(("Chunk shape".to_owned(), c.join(" x ")));
    }
    for f in &ds.filters {
        rows.push(("Filter".to_owned(), f.text()));
    }
    rows.push(("Storage".to_owned(), bytes_text(ds.storage_bytes)));
    if let Some(r) = ds.compression_ratio() {
        rows.push(("Compression ratio".to_owned(), format!("{r:.2}")));
    }
    if let Some(fill) = &ds.fill_value {
        rows.push(("Fill value".to_owned(), fill.to_string()));
    }
    if let Layout::Virtual { sources } = &ds.layout {
        for s in sources {
            let state = if s.found { "" } else { "  — MISSING" };
            rows.push((
                "Source".to_owned(),
                format!("{}::{}{state}", s.file, s.dataset),
            ));
        }
    }
    rows
}

fn bytes_text(n: u64) -> String {
    const UNITS: [&str; 5] = ["bytes", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} bytes")
    } else {
        format!("{v:.1} {} ({n} bytes)", UNITS[unit])
    }
}

fn key_values(ui: &mut egui::Ui, id: &str, rows: &[(String, String)]) {
    Grid::new(id).num_columns(2).striped(true).show(ui, |ui| {
        for (k, v) in rows {
            ui.label(RichText::new(k).strong());
            ui.add(egui::Label::new(v).wrap());
            ui.end_row();
        }
    });
}

fn object_section(ui: &mut egui::Ui, info: &ObjectInfo, actions: &mut Vec<Action>) {
    let mut rows = vec![
        ("Path".to_owned(), info.path.clone()),
        ("Kind".to_owned(), format!("{:?}", info.kind).to_lowercase()),
    ];
    if let Some(l) = &info.link
        && l.link.link_type != LinkType::Hard
    {
        let state = if l.resolves {
            ""
        } else {
            " (does not resolve)"
        };
        rows.push((
            "Link".to_owned(),
            format!("{:?} {ARROW} {}{state}", l.link.link_type, l.target_text()),
        ));
    }
    if let Some(n) = info.child_count {
        rows.push(("Members".to_owned(), n.to_string()));
    }
    if let Some(t) = &info.datatype {
        rows.push(("Defines".to_owned(), t.text()));
        rows.extend(type_details(t));
    }
    if info.is_scale {
        rows.push(("Dimension scale".to_owned(), "yes".to_owned()));
    }
    key_values(ui, "object", &rows);
    if ui.small_button("Copy path").clicked() {
        actions.push(Action::Copy(info.path.clone()));
    }
}

fn dims_section(ui: &mut egui::Ui, info: &ObjectInfo, actions: &mut Vec<Action>) {
    if info
        .dims
        .iter()
        .all(|d| d.label.is_none() && d.scales.is_empty())
    {
        return;
    }
    egui::CollapsingHeader::new("Dimension scales")
        .default_open(true)
        .show(ui, |ui| {
            Grid::new("dims")
                .num_columns(3)
                .striped(true)
                .show(ui, |ui| {
                    for (axis, d) in info.dims.iter().enumerate() {
                        ui.label(format!("axis {axis}"));
                        ui.label(d.label.as_deref().unwrap_or(""));
                        ui.horizontal_wrapped(|ui| {
                            for s in &d.scales {
                                let text = match &s.name {
                                    Some(n) if n != &s.path => format!("{} ({n})", s.path),
                                    _ => s.path.clone(),
                                };
                                if ui.link(text).clicked() {
                                    actions.push(Action::Select(s.path.clone()));
                                }
                            }
                        });
                        ui.end_row();
                    }
                });
        });
}

/// Attributes as blocks (name and type on one line, the value at full width below, then
/// reference links one per line) rather than a grid: a grid's value column can end up a few
/// characters wide, wrapping values and links into slivers.
fn attributes_section(
    ui: &mut egui::Ui,
    attrs: &[AttrRow],
    show_internal: &mut bool,
    actions: &mut Vec<Action>,
) {
    let internal = attrs.iter().filter(|a| a.internal).count();
    egui::CollapsingHeader::new(format!("Attributes ({})", attrs.len()))
        .default_open(true)
        .show(ui, |ui| {
            if attrs.is_empty() {
                ui.weak("none");
                return;
            }
            if internal > 0 {
                ui.checkbox(
                    show_internal,
                    format!("show the writer's bookkeeping ({internal})"),
                );
            }
            let shown = attrs.iter().filter(|a| *show_internal || !a.internal);
            for (i, a) in shown.enumerate() {
                if i > 0 {
                    ui.separator();
                }
                attribute_block(ui, a, actions);
            }
        });
}

fn attribute_block(ui: &mut egui::Ui, a: &AttrRow, actions: &mut Vec<Action>) {
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new(&a.name).strong());
        ui.weak(format!("{} · {}", a.dtype, a.shape));
        if a.full.chars().count() > PREVIEW_CHARS && ui.small_button("Show all").clicked() {
            actions.push(Action::ShowWhole(a.name.clone(), a.full.clone()));
        }
    });
    let text = if a.error {
        RichText::new(&a.preview).color(ui.visuals().error_fg_color)
    } else {
        RichText::new(&a.preview)
    };
    let r = ui.add(egui::Label::new(text).wrap().sense(egui::Sense::click()));
    r.widget_info(|| WidgetInfo::labeled(Role::Label, true, format!("{} = {}", a.name, a.preview)));
    r.context_menu(|ui| {
        if ui.button("Copy value").clicked() {
            actions.push(Action::Copy(a.full.clone()));
            ui.close();
        }
    });
    for target in &a.references {
        if ui.link(format!("{ARROW} {target}")).clicked() {
            actions.push(Action::Select(target.clone()));
        }
    }
}

impl HdfscopeApp {
    pub(super) fn inspector_panel(&mut self, ui: &mut egui::Ui) {
        let Some(sel) = self.selection.clone() else {
            ui.weak("Nothing selected.");
            return;
        };
        let mut actions = Vec::new();
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show(ui, |ui| match self.infos.get(&sel) {
                Some(InfoState::Ready(view)) => {
                    object_section(ui, &view.info, &mut actions);
                    if let Some(Some(label)) = self.labels.get(&sel) {
                        key_values(
                            ui,
                            "convention",
                            &[(label.convention.name().to_owned(), label.text())],
                        );
                    }
                    if let Some(ds) = &view.info.dataset {
                        ui.separator();
                        key_values(ui, "dataset", &dataset_rows(ds));
                    }
                    dims_section(ui, &view.info, &mut actions);
                    ui.separator();
                    attributes_section(
                        ui,
                        &view.attrs,
                        &mut self.show_internal_attrs,
                        &mut actions,
                    );
                }
                Some(InfoState::Loading) | None => {
                    ui.spinner();
                }
                Some(InfoState::Failed(e)) => {
                    ui.colored_label(ui.visuals().error_fg_color, e);
                }
            });
        for a in actions {
            match a {
                Action::Select(path) => self.select(sel.file, path),
                Action::Copy(text) => ui.ctx().copy_text(text),
                Action::ShowWhole(name, text) => {
                    self.shown_value = Some((format!("{} @{name}", sel.path), text));
                }
            }
        }
    }

    /// The window showing one long value whole.
    pub(super) fn value_window(&mut self, ctx: &egui::Context) {
        let Some((title, text)) = &self.shown_value else {
            return;
        };
        let mut open = true;
        let mut copy = false;
        egui::Window::new(title.as_str())
            .open(&mut open)
            .default_size([520.0, 360.0])
            .show(ctx, |ui| {
                if ui.button("Copy").clicked() {
                    copy = true;
                }
                egui::ScrollArea::both().show(ui, |ui| {
                    let mut shown = text.as_str();
                    ui.add(
                        egui::TextEdit::multiline(&mut shown)
                            .code_editor()
                            .desired_width(f32::INFINITY),
                    );
                });
            });
        if copy {
            ctx.copy_text(text.clone());
        }
        if !open {
            self.shown_value = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previews_cut_long_values_on_a_char_boundary() {
        let long = "é".repeat(400);
        let p = preview(&long);
        assert_eq!(p.chars().count(), PREVIEW_CHARS + 1);
        assert!(p.ends_with('…'));
        assert_eq!(preview("a\nb"), "a b");
    }

    #[test]
    fn byte_sizes_read_naturally() {
        assert_eq!(bytes_text(512), "512 bytes");
        assert_eq!(bytes_text(1536), "1.5 KiB (1536 bytes)");
    }
}
