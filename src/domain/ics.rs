//! iCalendar (RFC 5545) for a plan: one event per scheduled activity. Timed events are
//! given in UTC, converted from the trip's time zone, so no VTIMEZONE is needed; activities
//! without a time are all-day events. UIDs are stable, so a re-import updates events.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

use crate::models::plan_activity::PlanActivity;

pub struct Calendar<'a> {
    pub name: &'a str,
    pub timezone: Option<&'a str>,
    /// Host part of the UIDs (the site's host).
    pub host: &'a str,
    pub activities: &'a [PlanActivity],
    /// Description lines of an activity (the caller decides what may be shown).
    pub describe: &'a dyn Fn(&PlanActivity) -> String,
}

/// Escapes a TEXT value.
fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line at 75 octets, never inside a UTF-8 character.
fn fold(line: &str, out: &mut String) {
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
}

fn utc(zone: Option<Tz>, date: NaiveDate, time: NaiveTime) -> String {
    let local = NaiveDateTime::new(date, time);
    let instant = match zone {
        // An ambiguous or skipped local time (DST change) takes the earliest valid instant.
        Some(tz) => tz
            .from_local_datetime(&local)
            .earliest()
            .or_else(|| {
                tz.from_local_datetime(&(local + TimeDelta::hours(1)))
                    .earliest()
            })
            .map(|t| t.with_timezone(&Utc)),
        None => Some(Utc.from_utc_datetime(&local)),
    };
    instant.map_or_else(
        || local.format("%Y%m%dT%H%M%S").to_string(),
        |t| t.format("%Y%m%dT%H%M%SZ").to_string(),
    )
}

pub fn render(calendar: &Calendar) -> String {
    let zone: Option<Tz> = calendar.timezone.and_then(|z| z.parse().ok());
    let mut lines: Vec<String> = vec![
        "BEGIN:VCALENDAR".into(),
        "VERSION:2.0".into(),
        "PRODID:-//Wayfare//Travel planner//EN".into(),
        "CALSCALE:GREGORIAN".into(),
        "METHOD:PUBLISH".into(),
        format!("X-WR-CALNAME:{}", text(calendar.name)),
    ];
    if let Some(tz) = zone {
        lines.push(format!("X-WR-TIMEZONE:{}", tz.name()));
    }
    let stamp = Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
    for a in calendar.activities {
        let Some(date) = a.scheduled_date else {
            continue;
        };
        lines.push("BEGIN:VEVENT".into());
        lines.push(format!("UID:wayfare-activity-{}@{}", a.id, calendar.host));
        lines.push(format!("DTSTAMP:{stamp}"));
        if let Some(modified) = a.updated_at {
            lines.push(format!(
                "LAST-MODIFIED:{}",
                modified.format("%Y%m%dT%H%M%SZ")
            ));
        }
        match a.start_time {
            Some(start) => {
                lines.push(format!("DTSTART:{}", utc(zone, date, start)));
                let end = a
                    .end_time
                    .filter(|e| *e > start)
                    .map(|e| NaiveDateTime::new(date, e))
                    .unwrap_or_else(|| {
                        NaiveDateTime::new(date, start)
                            + TimeDelta::minutes(
                                a.duration_minutes.filter(|d| *d > 0).unwrap_or(60).into(),
                            )
                    });
                lines.push(format!("DTEND:{}", utc(zone, end.date(), end.time())));
            }
            None => {
                lines.push(format!("DTSTART;VALUE=DATE:{}", date.format("%Y%m%d")));
                lines.push(format!(
                    "DTEND;VALUE=DATE:{}",
                    (date + TimeDelta::days(1)).format("%Y%m%d")
                ));
            }
        }
        lines.push(format!("SUMMARY:{}", text(&a.title)));
        let location = [a.location_name.as_deref(), a.address.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ");
        if !location.is_empty() {
            lines.push(format!("LOCATION:{}", text(&location)));
        }
        if let (Some(lat), Some(lng)) = (&a.latitude, &a.longitude) {
            lines.push(format!("GEO:{};{}", lat.normalized(), lng.normalized()));
        }
        let description = (calendar.describe)(a);
        if !description.is_empty() {
            lines.push(format!("DESCRIPTION:{}", text(&description)));
        }
        lines.push(format!(
            "STATUS:{}",
            if a.completed() {
                "CONFIRMED"
            } else {
                "TENTATIVE"
            }
        ));
        lines.push("TRANSP:OPAQUE".into());
        lines.push("END:VEVENT".into());
    }
    lines.push("END:VCALENDAR".into());
    let mut out = String::new();
    for line in lines {
        fold(&line, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_and_folding() {
        assert_eq!(text("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
        let mut out = String::new();
        fold(&"é".repeat(60), &mut out);
        for line in out.split("\r\n") {
            assert!(line.len() <= 75, "{}", line.len());
        }
        assert_eq!(out.replace("\r\n ", "").trim_end(), "é".repeat(60));
    }

    #[test]
    fn local_times_become_utc() {
        let date = NaiveDate::from_ymd_opt(2026, 7, 1).unwrap();
        let nine = NaiveTime::from_hms_opt(9, 0, 0).unwrap();
        assert_eq!(
            utc(Some(chrono_tz::Europe::Paris), date, nine),
            "20260701T070000Z"
        );
        assert_eq!(utc(None, date, nine), "20260701T090000Z");
    }
}
