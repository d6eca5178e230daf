//! Where grid lines and tick labels go: 1-2-5 steps for numbers, calendar steps (whole
//! minutes, midnights, month starts, new years) for time axes. Pure.

use crate::app::numbers::nice_at_least;
use crate::model::{CalendarStep, TimeUnits};

/// Grid lines at 1-2-5 steps (egui_plot's default is powers of ten, which leaves a short
/// axis with a single labelled tick): three sizes, each a multiple of the one below, so
/// every mark is listed once with the largest step it belongs to.
pub fn nice_grid(input: egui_plot::GridInput) -> Vec<egui_plot::GridMark> {
    let base = input.base_step_size;
    if !(base.is_finite() && base > 0.0) {
        return Vec::new();
    }
    let s1 = nice_at_least(base);
    let s2 = nice_at_least(s1 * 4.0);
    let s3 = nice_at_least(s2 * 4.0);
    let (lo, hi) = input.bounds;
    let mut marks = Vec::new();
    for (step, coarser) in [(s3, None), (s2, Some(s3)), (s1, Some(s2))] {
        let (first, last) = ((lo / step).ceil(), (hi / step).floor());
        if !(first.is_finite() && last.is_finite()) || last - first > 10_000.0 {
            continue;
        }
        let mut k = first;
        while k <= last {
            let value = k * step;
            if !coarser.is_some_and(|c| is_multiple(value, c)) {
                marks.push(egui_plot::GridMark {
                    value,
                    step_size: step,
                });
            }
            k += 1.0;
        }
    }
    marks
}

/// Grid lines of a time axis in `units`: at calendar steps when the smallest step is a
/// second or more, else at 1-2-5 steps of seconds.
pub fn time_grid(units: TimeUnits, input: egui_plot::GridInput) -> Vec<egui_plot::GridMark> {
    let per_unit = units.seconds_per_unit();
    let base_s = input.base_step_size * per_unit;
    let Some(s1) = CalendarStep::at_least(base_s) else {
        return nice_grid(input);
    };
    let s2 = CalendarStep::at_least(s1.seconds() * 4.0);
    let s3 = s2.and_then(|s| CalendarStep::at_least(s.seconds() * 4.0));
    let (lo, hi) = input.bounds;
    let mut marks: Vec<egui_plot::GridMark> = Vec::new();
    // Coarsest first, so a mark on a coarser step keeps that step's (larger) size.
    for step in [s3, s2, Some(s1)].into_iter().flatten() {
        let step_size = step.seconds() / per_unit;
        for value in units.marks(lo, hi, step) {
            let taken = marks
                .iter()
                .any(|m| (m.value - value).abs() <= step_size * 1e-6);
            if !taken {
                marks.push(egui_plot::GridMark { value, step_size });
            }
        }
    }
    marks
}

/// About six ticks of a time axis in `units` between `lo` and `hi` (values in `units`),
/// at one calendar step (a figure's labelled ticks; the screen's grid has finer lines).
pub fn time_ticks(units: TimeUnits, lo: f64, hi: f64) -> Vec<f64> {
    let seconds = (hi - lo).abs() * units.seconds_per_unit();
    match CalendarStep::at_least(seconds / 6.0) {
        Some(step) => units.marks(lo.min(hi), lo.max(hi), step),
        None => Vec::new(),
    }
}

/// Whether `value` is a whole multiple of `step` (within rounding).
fn is_multiple(value: f64, step: f64) -> bool {
    let q = value / step;
    (q - q.round()).abs() < 1e-6
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_figures_time_ticks_fall_on_calendar_steps() {
        let units = TimeUnits::parse("days since 2024-01-01").unwrap();
        // Ten days from 2024-01-01 12:00: midnights, every second day (the screen's steps).
        let ticks = time_ticks(units, 0.5, 10.5);
        assert_eq!(ticks, [1.0, 3.0, 5.0, 7.0, 9.0]);
        let text: Vec<String> = ticks
            .iter()
            .filter_map(|&v| units.format(v, 10.0))
            .collect();
        assert_eq!(text[0], "2024-01-02");
    }

    #[test]
    fn grid_steps_go_one_two_five() {
        assert_eq!(nice_at_least(0.3), 0.5);
        assert_eq!(nice_at_least(1.0), 1.0);
        assert_eq!(nice_at_least(13.0), 20.0);
        let marks = nice_grid(egui_plot::GridInput {
            bounds: (11.0, 146.0),
            base_step_size: 1.5,
        });
        // Steps 2, 10, 50: 50 and 100 carry the largest step, 20, 30 ... the middle one.
        let step_of = |v: f64| marks.iter().find(|m| m.value == v).map(|m| m.step_size);
        assert_eq!(step_of(100.0), Some(50.0));
        assert_eq!(step_of(20.0), Some(10.0));
        assert_eq!(step_of(12.0), Some(2.0));
        assert_eq!(
            marks.iter().filter(|m| m.value == 50.0).count(),
            1,
            "listed once"
        );
    }

    #[test]
    fn time_axes_are_ruled_at_calendar_steps() {
        // Hours since noon on 2001-03-04, two days shown, at least 1.5 h apart: steps of
        // 2 h, 12 h and 2 days (even days since 1970, like 2001-03-05).
        let units = TimeUnits::parse("hours since 2001-03-04 12:00").unwrap();
        let marks = time_grid(
            units,
            egui_plot::GridInput {
                bounds: (0.0, 48.0),
                base_step_size: 1.5,
            },
        );
        let step_of = |v: f64| {
            marks
                .iter()
                .find(|m| (m.value - v).abs() < 1e-9)
                .map(|m| m.step_size)
        };
        // Midnight of the 5th is 12 hours in.
        assert_eq!(units.format(12.0, 48.0).unwrap(), "2001-03-05 00:00");
        assert_eq!(step_of(12.0), Some(48.0));
        assert_eq!(step_of(24.0), Some(12.0));
        assert_eq!(step_of(14.0), Some(2.0));
        assert_eq!(step_of(13.0), None, "below the smallest step");
        // Under a second per step: 1-2-5 steps of seconds.
        let secs = TimeUnits::parse("seconds since 2000-01-01").unwrap();
        let fine = time_grid(
            secs,
            egui_plot::GridInput {
                bounds: (0.0, 1.0),
                base_step_size: 0.03,
            },
        );
        assert!(fine.iter().any(|m| (m.value - 0.05).abs() < 1e-12));
    }
}
