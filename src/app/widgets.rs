//! Small widgets more than one view uses. Pure UI: never talks to the loader.

/// A button that steps the index of axis `k` ("previous" or "next" in `what`), labelled for
/// the accessibility tree (and the UI tests) as "{what} index of axis {k}".
pub fn index_step(ui: &mut egui::Ui, k: usize, text: &str, what: &str, enabled: bool) -> bool {
    let r = ui.add_enabled(enabled, egui::Button::new(text));
    let label = format!("{what} index of axis {k}");
    r.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, enabled, &label));
    r.clicked()
}
