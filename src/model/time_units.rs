//! CF time coordinates: units such as `"seconds since 2000-01-01 00:00:00"` turn numbers
//! into dates.
//!
//! The reference date is read leniently, as CF allows (`1970-1-1`, `2000-01-01T12:00:00Z`,
//! fractional seconds); calendars other than the standard (Gregorian) one are not
//! supported, so units naming another `calendar` are the caller's to refuse. Pure.

use time::{Date, Duration, Month, PrimitiveDateTime, Time};

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
        let offset = Duration::checked_seconds_f64(value * self.seconds)?;
        let t = self.epoch.checked_add(offset)?;
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
}
