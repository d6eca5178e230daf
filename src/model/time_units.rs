//! CF time coordinates: units such as `"seconds since 2000-01-01 00:00:00"` turn numbers
//! into dates.
//!
//! The reference date is read leniently, as CF allows (`1970-1-1`, `2000-01-01T12:00:00Z`,
//! fractional seconds); calendars other than the standard (Gregorian) one are not
//! supported, so units naming another `calendar` are the caller's to refuse. Pure.

use time::{Date, Duration, Month, OffsetDateTime, PrimitiveDateTime, Time};

/// A time unit with its reference date.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TimeUnits {
    /// Seconds per unit.
    seconds: f64,
    epoch: PrimitiveDateTime,
}

impl TimeUnits {
    /// Parses CF time units; `None` for anything else.
    pub fn parse(units: &str) -> Option<Self> {
        let (unit, since) = units.trim().split_once(" since ")?;
        let seconds = match unit.trim().to_ascii_lowercase().as_str() {
            "seconds" | "second" | "secs" | "sec" | "s" => 1.0,
            "minutes" | "minute" | "mins" | "min" => 60.0,
            "hours" | "hour" | "hrs" | "hr" | "h" => 3600.0,
            "days" | "day" | "d" => 86_400.0,
            "milliseconds" | "millisecond" | "msecs" | "ms" => 1e-3,
            "microseconds" | "microsecond" | "us" => 1e-6,
            "nanoseconds" | "nanosecond" | "ns" => 1e-9,
            _ => return None,
        };
        Some(Self {
            seconds,
            epoch: parse_date(since.trim())?,
        })
    }

    /// The date and time of `value` (in these units), to the precision that `span` (the
    /// visible range, in the same units) calls for: days for long spans, then minutes,
    /// seconds or milliseconds.
    pub fn format(&self, value: f64, span: f64) -> Option<String> {
        let t = self.date_of(value)?;
        let span_s = (span * self.seconds).abs();
        let date = format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day());
        Some(if span_s >= 10.0 * 86_400.0 {
            date
        } else if span_s >= 600.0 {
            format!("{date} {:02}:{:02}", t.hour(), t.minute())
        } else if span_s >= 10.0 {
            format!("{date} {:02}:{:02}:{:02}", t.hour(), t.minute(), t.second())
        } else {
            format!(
                "{date} {:02}:{:02}:{:02}.{:03}",
                t.hour(),
                t.minute(),
                t.second(),
                t.millisecond()
            )
        })
    }
}

/// A step between grid marks on a time axis: a fixed number of seconds, or whole calendar
/// months (whose length varies).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum CalendarStep {
    Seconds(f64),
    Months(u32),
}

impl CalendarStep {
    /// The steps that read well on a clock or a calendar, shortest first (below a second,
    /// 1-2-5 steps are the caller's).
    const STEPS: [Self; 31] = {
        use CalendarStep::{Months, Seconds};
        [
            Seconds(1.0),
            Seconds(2.0),
            Seconds(5.0),
            Seconds(10.0),
            Seconds(15.0),
            Seconds(30.0),
            Seconds(60.0),
            Seconds(120.0),
            Seconds(300.0),
            Seconds(600.0),
            Seconds(900.0),
            Seconds(1800.0),
            Seconds(3600.0),
            Seconds(7200.0),
            Seconds(10_800.0),
            Seconds(21_600.0),
            Seconds(43_200.0),
            Seconds(86_400.0),
            Seconds(172_800.0),
            Months(1),
            Months(2),
            Months(3),
            Months(6),
            Months(12),
            Months(24),
            Months(60),
            Months(120),
            Months(240),
            Months(600),
            Months(1200),
            Months(12_000),
        ]
    };

    /// About how many seconds the step is.
    pub fn seconds(self) -> f64 {
        match self {
            Self::Seconds(s) => s,
            Self::Months(m) => f64::from(m) * 30.436_875 * 86_400.0,
        }
    }

    /// The shortest calendar step of at least `seconds` (`None` below a second, or beyond
    /// a thousand years).
    pub fn at_least(seconds: f64) -> Option<Self> {
        if seconds.is_nan() || seconds <= 1.0 {
            return None;
        }
        Self::STEPS
            .into_iter()
            .find(|s| s.seconds() >= seconds * (1.0 - 1e-9))
    }
}

/// The most grid marks listed for one step.
const MAX_MARKS: usize = 10_000;

impl TimeUnits {
    /// The values (in these units) of the calendar marks of `step` between `lo` and `hi`:
    /// whole minutes, midnights, first days of months, new years; empty when there would
    /// be too many.
    pub fn marks(&self, lo: f64, hi: f64, step: CalendarStep) -> Vec<f64> {
        let (Some(a), Some(b)) = (self.date_of(lo), self.date_of(hi)) else {
            return Vec::new();
        };
        let unix = PrimitiveDateTime::new(OffsetDateTime::UNIX_EPOCH.date(), Time::MIDNIGHT);
        let value_of = |t: PrimitiveDateTime| (t - self.epoch).as_seconds_f64() / self.seconds;
        match step {
            CalendarStep::Seconds(s) => {
                // Multiples of the step since 1970, so marks fall on round times of day.
                let (a, b) = ((a - unix).as_seconds_f64(), (b - unix).as_seconds_f64());
                let (first, last) = ((a / s).ceil(), (b / s).floor());
                if !(last - first).is_finite() || last - first >= MAX_MARKS as f64 {
                    return Vec::new();
                }
                let offset = (self.epoch - unix).as_seconds_f64();
                (0..=(last - first) as usize)
                    .map(|k| ((first + k as f64) * s - offset) / self.seconds)
                    .collect()
            }
            CalendarStep::Months(m) => {
                let month_index = |t: PrimitiveDateTime| {
                    i64::from(t.year()) * 12 + i64::from(u8::from(t.month())) - 1
                };
                let m = i64::from(m.max(1));
                let (first, last) = (month_index(a), month_index(b));
                if (last - first) / m > MAX_MARKS as i64 {
                    return Vec::new();
                }
                let start = first.div_euclid(m) * m;
                (0..)
                    .map(|k| start + k * m)
                    .take_while(|i| *i <= last)
                    .filter_map(|i| {
                        let month =
                            Month::try_from(u8::try_from(i.rem_euclid(12) + 1).ok()?).ok()?;
                        let date = Date::from_calendar_date(
                            i32::try_from(i.div_euclid(12)).ok()?,
                            month,
                            1,
                        )
                        .ok()?;
                        Some(value_of(PrimitiveDateTime::new(date, Time::MIDNIGHT)))
                    })
                    .filter(|v| *v >= lo && *v <= hi)
                    .collect()
            }
        }
    }

    /// How many seconds one unit is.
    pub fn seconds_per_unit(&self) -> f64 {
        self.seconds
    }

    /// The date and time of `value` (in these units).
    fn date_of(&self, value: f64) -> Option<PrimitiveDateTime> {
        let offset = Duration::checked_seconds_f64(value * self.seconds)?;
        self.epoch.checked_add(offset)
    }
}

/// `YYYY-M-D[( |T)h:m[:s[.f]]][Z| UTC| +00:00]`.
fn parse_date(s: &str) -> Option<PrimitiveDateTime> {
    let s = s.trim_end_matches('Z').trim_end_matches(" UTC").trim();
    let (day, clock) = match s.split_once(['T', ' ']) {
        Some((d, c)) => (d, c.trim()),
        None => (s, ""),
    };
    let mut ymd = day.split('-').map(|p| p.trim().parse::<i32>().ok());
    let (y, m, d) = (ymd.next()??, ymd.next()??, ymd.next()??);
    let date = Date::from_calendar_date(
        y,
        Month::try_from(u8::try_from(m).ok()?).ok()?,
        u8::try_from(d).ok()?,
    )
    .ok()?;
    // A trailing zone offset of zero ("+00:00", "+0") is the only one accepted.
    let clock = clock.split(['+']).next().unwrap_or("").trim();
    let mut hms = clock.split(':').filter(|p| !p.is_empty());
    let h: u8 = hms.next().map_or(Some(0), |p| p.parse().ok())?;
    let min: u8 = hms.next().map_or(Some(0), |p| p.parse().ok())?;
    let sec: f64 = hms.next().map_or(Some(0.0), |p| p.parse().ok())?;
    let nanos = ((sec.fract()) * 1e9).round() as u32;
    let time = Time::from_hms_nano(h, min, sec.trunc() as u8, nanos).ok()?;
    Some(PrimitiveDateTime::new(date, time))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cf_units_become_dates() {
        let t = TimeUnits::parse("seconds since 2000-01-01 00:00:00").unwrap();
        assert_eq!(
            t.format(86_400.0 * 31.0 + 3600.0, 1e9).unwrap(),
            "2000-02-01"
        );
        assert_eq!(t.format(3723.5, 1000.0).unwrap(), "2000-01-01 01:02");
        assert_eq!(t.format(3723.25, 60.0).unwrap(), "2000-01-01 01:02:03");
        assert_eq!(t.format(3723.25, 1.0).unwrap(), "2000-01-01 01:02:03.250");
        let days = TimeUnits::parse("days since 1970-1-1").unwrap();
        assert_eq!(days.format(19_000.0, 365.0).unwrap(), "2022-01-08");
        let iso = TimeUnits::parse("hours since 1900-01-01T06:30:00Z").unwrap();
        assert_eq!(iso.format(-6.5, 1.0).unwrap(), "1900-01-01 00:00");
        assert!(TimeUnits::parse("m").is_none());
        assert!(TimeUnits::parse("fortnights since 2000-01-01").is_none());
        assert!(TimeUnits::parse("seconds since yesterday").is_none());
    }

    #[test]
    fn grid_marks_fall_on_calendar_boundaries() {
        // Seconds since 2000-01-01 00:00:30: marks on whole minutes, not 60 s after the epoch.
        let t = TimeUnits::parse("seconds since 2000-01-01 00:00:30").unwrap();
        let marks = t.marks(0.0, 200.0, CalendarStep::Seconds(60.0));
        assert_eq!(marks, [30.0, 90.0, 150.0]);
        assert_eq!(t.format(marks[0], 100.0).unwrap(), "2000-01-01 00:01:00");
        // Days since 1970 over two years, every three months: quarter starts.
        let d = TimeUnits::parse("days since 1970-01-01").unwrap();
        let quarters = d.marks(10_957.0, 11_700.0, CalendarStep::Months(3));
        let text: Vec<String> = quarters
            .iter()
            .map(|v| d.format(*v, 700.0).unwrap())
            .collect();
        assert_eq!(text[..3], ["2000-01-01", "2000-04-01", "2000-07-01"]);
        assert_eq!(quarters.len(), 9);
        // Steps: the shortest that reads well and is long enough.
        assert_eq!(
            CalendarStep::at_least(40.0),
            Some(CalendarStep::Seconds(60.0))
        );
        assert_eq!(
            CalendarStep::at_least(4.0 * 86_400.0),
            Some(CalendarStep::Months(1))
        );
        assert_eq!(CalendarStep::at_least(0.5), None);
        // Too many marks: none rather than millions.
        assert!(t.marks(0.0, 1e9, CalendarStep::Seconds(1.0)).is_empty());
    }
}
