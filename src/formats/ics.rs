//! iCalendar (RFC 5545) for a plan: one event per scheduled activity. Timed events are
//! given in UTC, converted from the trip's time zone, so no VTIMEZONE is needed; activities
//! without a time are all-day events. UIDs are stable, so a re-import updates events.
//!
//! Date arithmetic is checked: whatever the database holds (a date in the year 262142
//! inserted by hand), the calendar is valid. An event whose dates RFC 5545 cannot write
//! (years outside 0000–9999) or chrono cannot compute is left out.

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone, Utc};
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

/// RFC 5545 writes years with four digits.
fn writable(date: NaiveDate) -> bool {
    (0..=9999).contains(&date.year())
}

/// A DATE value, when it can be written.
fn ics_date(date: NaiveDate) -> Option<String> {
    writable(date).then(|| date.format("%Y%m%d").to_string())
}

/// A local date and time of the trip's zone as a DATE-TIME value: UTC when the zone is
/// known (an ambiguous or skipped local time, at a DST change, takes the earliest valid
/// instant), floating otherwise.
fn utc(zone: Option<Tz>, date: NaiveDate, time: NaiveTime) -> Option<String> {
    // Far from chrono's limits, so no conversion below can overflow.
    if !writable(date) {
        return None;
    }
    let local = NaiveDateTime::new(date, time);
    let instant = match zone {
        Some(tz) => tz
            .from_local_datetime(&local)
            .earliest()
            .or_else(|| {
                let later = local.checked_add_signed(TimeDelta::hours(1))?;
                tz.from_local_datetime(&later).earliest()
            })
            .map(|t| t.with_timezone(&Utc).naive_utc()),
        None => Some(local),
    };
    match instant {
        Some(t) if writable(t.date()) => Some(t.format("%Y%m%dT%H%M%SZ").to_string()),
        Some(_) => None,
        None => Some(local.format("%Y%m%dT%H%M%S").to_string()),
    }
}

/// DTSTART and DTEND of an activity on `date`, or `None` when they cannot be written.
fn times(zone: Option<Tz>, date: NaiveDate, a: &PlanActivity) -> Option<[String; 2]> {
    // A stay of several nights ends on its check-out day.
    let last = date.checked_add_days(chrono::Days::new(u64::from(a.nights())))?;
    match a.start_time {
        Some(start) => {
            let begin = NaiveDateTime::new(date, start);
            let end = match a.end_time.filter(|e| *e != start) {
                Some(e) if a.nights() > 1 => NaiveDateTime::new(last, e),
                Some(e) if a.ends_next_day() => NaiveDateTime::new(date.succ_opt()?, e),
                Some(e) => NaiveDateTime::new(date, e),
                None => begin.checked_add_signed(TimeDelta::minutes(
                    a.duration_minutes.filter(|d| *d > 0).unwrap_or(60).into(),
                ))?,
            };
            Some([
                format!("DTSTART:{}", utc(zone, date, start)?),
                format!("DTEND:{}", utc(zone, end.date(), end.time())?),
            ])
        }
        None => Some([
            format!("DTSTART;VALUE=DATE:{}", ics_date(date)?),
            format!("DTEND;VALUE=DATE:{}", ics_date(last)?),
        ]),
    }
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
        let Some([start, end]) = times(zone, date, a) else {
            continue;
        };
        lines.push("BEGIN:VEVENT".into());
        lines.push(format!("UID:wayfare-activity-{}@{}", a.id, calendar.host));
        lines.push(format!("DTSTAMP:{stamp}"));
        if let Some(modified) = a.updated_at.filter(|m| writable(m.date())) {
            lines.push(format!(
                "LAST-MODIFIED:{}",
                modified.format("%Y%m%dT%H%M%SZ")
            ));
        }
        lines.push(start);
        lines.push(end);
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
    use crate::domain::ids::{ActivityId, PlanId};

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
            utc(Some(chrono_tz::Europe::Paris), date, nine).as_deref(),
            Some("20260701T070000Z")
        );
        assert_eq!(utc(None, date, nine).as_deref(), Some("20260701T090000Z"));
    }

    #[test]
    fn a_night_activity_ends_the_next_morning() {
        let date = NaiveDate::from_ymd_opt(2026, 4, 2).unwrap();
        let bus = PlanActivity {
            end_time: NaiveTime::from_hms_opt(3, 30, 0),
            duration_minutes: None,
            ..at(date, NaiveTime::from_hms_opt(23, 30, 0))
        };
        assert_eq!(
            times(None, date, &bus),
            Some([
                "DTSTART:20260402T233000Z".to_string(),
                "DTEND:20260403T033000Z".to_string()
            ])
        );
    }

    #[test]
    fn a_stay_ends_on_its_check_out_day() {
        let date = NaiveDate::from_ymd_opt(2026, 7, 1).unwrap();
        let nights = Some(serde_json::json!({"nights": 3}));
        let untimed = PlanActivity {
            metadata: nights.clone(),
            ..at(date, None)
        };
        assert_eq!(
            times(None, date, &untimed),
            Some([
                "DTSTART;VALUE=DATE:20260701".to_string(),
                "DTEND;VALUE=DATE:20260704".to_string()
            ])
        );
        let check_in = PlanActivity {
            metadata: nights,
            end_time: NaiveTime::from_hms_opt(11, 0, 0),
            ..at(date, NaiveTime::from_hms_opt(15, 0, 0))
        };
        assert_eq!(
            times(None, date, &check_in),
            Some([
                "DTSTART:20260701T150000Z".to_string(),
                "DTEND:20260704T110000Z".to_string()
            ])
        );
    }

    fn at(date: NaiveDate, time: Option<NaiveTime>) -> PlanActivity {
        PlanActivity {
            id: ActivityId(1),
            plan_id: PlanId(1),
            title: "Far".into(),
            description: None,
            activity_type: None,
            location_name: None,
            latitude: None,
            longitude: None,
            address: None,
            scheduled_date: Some(date),
            start_time: time,
            end_time: None,
            duration_minutes: Some(10_080),
            estimated_cost: None,
            actual_cost: None,
            order_index: None,
            is_completed: None,
            metadata: None,
            created_at: None,
            updated_at: Some(NaiveDateTime::MAX),
        }
    }

    #[test]
    fn dates_at_chronos_limits_leave_a_valid_calendar_without_them() {
        let late = NaiveTime::from_hms_opt(23, 30, 0);
        let activities = [
            at(NaiveDate::MAX, None),
            at(NaiveDate::MAX, late),
            at(NaiveDate::MIN, late),
            at(NaiveDate::from_ymd_opt(9999, 12, 31).unwrap(), None),
            at(NaiveDate::from_ymd_opt(9999, 12, 31).unwrap(), late),
            at(NaiveDate::from_ymd_opt(2026, 7, 1).unwrap(), late),
        ];
        let describe = |_: &PlanActivity| String::new();
        for timezone in [None, Some("Pacific/Kiritimati"), Some("Pacific/Niue")] {
            let out = render(&Calendar {
                name: "x",
                timezone,
                host: "h",
                activities: &activities,
                describe: &describe,
            });
            assert_eq!(out.matches("BEGIN:VEVENT").count(), 1, "{out}");
            assert!(out.contains("DTSTART:2026070"), "{out}");
            assert!(!out.contains('+'), "{out}");
        }
    }
}
