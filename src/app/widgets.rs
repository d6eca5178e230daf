//! Small widgets more than one view uses. Pure UI: never talks to the loader.

/// A button that steps the index of axis `k` ("previous" or "next" in `what`), labelled for
/// the accessibility tree (and the UI tests) as "{what} index of axis {k}".
pub fn index_step(ui: &mut egui::Ui, k: usize, text: &str, what: &str, enabled: bool) -> bool {
    let r = ui.add_enabled(enabled, egui::Button::new(text));
    let label = format!("{what} index of axis {k}");
    r.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, enabled, &label));
    r.clicked()
}

/// The index `at` of axis `k` (of `n`): a slider between "-" and "+" step buttons.
pub fn index_slider(ui: &mut egui::Ui, k: usize, at: &mut u64, n: u64) {
    let last = n.saturating_sub(1);
    let name = ui.label(format!("axis {k}:"));
    if index_step(ui, k, "-", "previous", *at > 0) {
        *at -= 1;
    }
    ui.add(egui::Slider::new(at, 0..=last).clamping(egui::SliderClamping::Always))
        .labelled_by(name.id);
    if index_step(ui, k, "+", "next", *at < last) {
        *at += 1;
    }
    ui.label(format!("of {n}"));
}
