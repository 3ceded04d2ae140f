//! `/plans/{id}/calendar.ics`, parsed back: one event per scheduled activity, stable UIDs,
//! all-day events for activities without times, times converted from the trip's zone.

use std::str::FromStr;

use chrono::{NaiveDate, TimeZone, Utc};
use diesel::prelude::*;
use icalendar::{Calendar, CalendarDateTime, Component, DatePerhapsTime, EventLike};
use reqwest::StatusCode;
use wayfare::db::schema::plans;

use super::*;
use crate::support::spawn_app;

/// The raw text, checked against RFC 5545's line rules, and the parsed calendar.
pub async fn fetch_calendar(browser: &Browser, path: &str) -> (String, Calendar) {
    let response = browser.get(path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    assert_eq!(
        response.headers()["content-type"],
        "text/calendar; charset=utf-8"
    );
    let text = response.text().await.unwrap();
    assert_rfc5545_lines(&text);
    let calendar = Calendar::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    (text, calendar)
}

/// Lines end in CRLF, are at most 75 octets, and every event has what RFC 5545 requires.
pub fn assert_rfc5545_lines(text: &str) {
    assert!(text.ends_with("\r\n"));
    assert!(!text.replace("\r\n", "").contains('\n'), "bare LF");
    for line in text.split("\r\n") {
        assert!(line.len() <= 75, "a line of {} octets: {line}", line.len());
    }
    let unfolded = text.replace("\r\n ", "");
    let lines: Vec<&str> = unfolded.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.first(), Some(&"BEGIN:VCALENDAR"));
    assert_eq!(lines.last(), Some(&"END:VCALENDAR"));
    assert!(lines.contains(&"VERSION:2.0"));
    assert!(lines.iter().any(|l| l.starts_with("PRODID:")));
    let mut event: Option<Vec<&str>> = None;
    for line in lines {
        match line {
            "BEGIN:VEVENT" => event = Some(Vec::new()),
            "END:VEVENT" => {
                let props = event.take().expect("END without BEGIN");
                for required in ["UID:", "DTSTAMP:", "DTSTART"] {
                    let n = props.iter().filter(|p| p.starts_with(required)).count();
                    assert_eq!(n, 1, "{required} once per event: {props:?}");
                }
            }
            other => {
                if let Some(props) = event.as_mut() {
                    props.push(other);
                }
            }
        }
    }
}

/// UIDs name the activity and the site: `wayfare-activity-{id}@{host}`.
fn uid_of(event: &icalendar::Event, activity: i32) -> bool {
    event
        .get_uid()
        .is_some_and(|u| u == format!("wayfare-activity-{activity}@127.0.0.1"))
}

fn start(event: &icalendar::Event) -> DatePerhapsTime {
    event.get_start().expect("DTSTART")
}

fn utc(s: &str) -> DatePerhapsTime {
    DatePerhapsTime::DateTime(CalendarDateTime::Utc(Utc.from_utc_datetime(
        &chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap(),
    )))
}

#[tokio::test]
async fn the_calendar_has_an_event_per_scheduled_activity_in_the_trips_time_zone() {
    let app = spawn_app().await;
    let t = traveller(&app, "ana").await;
    let id = create_plan(
        &t.browser,
        &[
            ("title", "Paris; winter, summer"),
            ("start_date", "2026-01-10"),
            ("end_date", "2026-07-20"),
        ],
    )
    .await;
    let version = form_version(&t.browser, &format!("/plans/{id}/details")).await;
    t.browser
        .post_form(
            &format!("/plans/{id}/details"),
            &[("timezone", "Europe/Paris"), ("version", &version)],
        )
        .await;
    let long_title = "Musée d'Orsay — impressionnistes, réservation obligatoire; \
                      entrée par la porte C, ouverture à 9h30 (très long titre)";
    let summer = add_activity(
        &t.browser,
        &app,
        id,
        &[
            ("title", long_title),
            ("scheduled_date", "2026-07-01"),
            ("start_time", "09:30"),
            ("end_time", "11:00"),
            ("location_name", "Musée d'Orsay"),
            ("address", "1 Rue de la Légion d'Honneur, Paris"),
            ("latitude", "48.86"),
            ("longitude", "2.3266"),
            (
                "description",
                "Line one\nLine two, with a comma; and semicolon",
            ),
            ("confirmation_number", "MO-42"),
        ],
    )
    .await;
    let winter = add_activity(
        &t.browser,
        &app,
        id,
        &[
            ("title", "Ice rink"),
            ("scheduled_date", "2026-01-15"),
            ("start_time", "09:00"),
            ("duration_minutes", "45"),
        ],
    )
    .await;
    let all_day = add_activity(
        &t.browser,
        &app,
        id,
        &[("title", "Free day"), ("scheduled_date", "2026-07-02")],
    )
    .await;
    add_activity(&t.browser, &app, id, &[("title", "Someday")]).await;

    let path = format!("/plans/{id}/calendar.ics");
    let (text, calendar) = fetch_calendar(&t.browser, &path).await;
    assert!(text.contains("X-WR-TIMEZONE:Europe/Paris"));
    let events: Vec<&icalendar::Event> = calendar.events().collect();
    assert_eq!(
        events.len(),
        3,
        "the unscheduled activity is not in the calendar"
    );
    let by_uid = |aid: i32| {
        events
            .iter()
            .find(|e| uid_of(e, aid))
            .unwrap_or_else(|| panic!("no event for {aid}: {text}"))
    };

    // Summer: Paris is UTC+2.
    let e = by_uid(summer);
    assert_eq!(start(e), utc("2026-07-01 07:30"));
    assert_eq!(e.get_end().unwrap(), utc("2026-07-01 09:00"));
    assert_eq!(e.get_summary(), Some(long_title));
    assert_eq!(
        e.get_location(),
        Some("Musée d'Orsay, 1 Rue de la Légion d'Honneur, Paris")
    );
    assert_eq!(
        e.get_description(),
        Some("Line one\nLine two, with a comma; and semicolon\nConfirmation: MO-42"),
        "the owner's calendar has the booking"
    );
    assert!(text.contains("GEO:48.86;2.3266"));
    // Winter: UTC+1; a duration without an end time.
    let e = by_uid(winter);
    assert_eq!(start(e), utc("2026-01-15 08:00"));
    assert_eq!(e.get_end().unwrap(), utc("2026-01-15 08:45"));
    // No time: an all-day event.
    let e = by_uid(all_day);
    assert_eq!(
        start(e),
        DatePerhapsTime::Date(NaiveDate::from_ymd_opt(2026, 7, 2).unwrap())
    );
    assert_eq!(
        e.get_end().unwrap(),
        DatePerhapsTime::Date(NaiveDate::from_ymd_opt(2026, 7, 3).unwrap())
    );

    // The same UIDs on the next fetch, and after an edit: a re-import updates, not duplicates.
    let version = form_version(
        &t.browser,
        &format!("/plans/{id}/activities/{all_day}/edit"),
    )
    .await;
    t.browser
        .post_form(
            &format!("/plans/{id}/activities/{all_day}/edit"),
            &[
                ("title", "Versailles"),
                ("scheduled_date", "2026-07-03"),
                ("start_time", "08:00"),
                ("version", &version),
            ],
        )
        .await;
    let (_, again) = fetch_calendar(&t.browser, &path).await;
    let uids = |c: &Calendar| {
        let mut u: Vec<String> = c
            .events()
            .map(|e| e.get_uid().unwrap().to_string())
            .collect();
        u.sort();
        u
    };
    assert_eq!(uids(&again), uids(&calendar));
    let moved = again.events().find(|e| uid_of(e, all_day)).unwrap();
    assert_eq!(moved.get_summary(), Some("Versailles"));
    assert_eq!(start(moved), utc("2026-07-03 06:00"));
}

#[tokio::test]
async fn without_a_time_zone_times_are_taken_as_utc() {
    let app = spawn_app().await;
    let t = traveller(&app, "ana").await;
    let id = create_plan(&t.browser, &[]).await;
    add_activity(
        &t.browser,
        &app,
        id,
        &[
            ("title", "Tram"),
            ("scheduled_date", "2026-07-01"),
            ("start_time", "23:30"),
        ],
    )
    .await;
    let (text, calendar) = fetch_calendar(&t.browser, &format!("/plans/{id}/calendar.ics")).await;
    assert!(!text.contains("X-WR-TIMEZONE"));
    let event = calendar.events().next().unwrap();
    assert_eq!(start(event), utc("2026-07-01 23:30"));
    assert_eq!(
        event.get_end().unwrap(),
        utc("2026-07-02 00:30"),
        "an hour by default"
    );
}

#[tokio::test]
async fn dates_at_the_edge_of_what_the_database_holds_give_valid_calendars_and_pages() {
    let app = spawn_app().await;
    let t = traveller(&app, "ana").await;
    let id = create_plan(&t.browser, &[]).await;
    add_activity(
        &t.browser,
        &app,
        id,
        &[
            ("title", "Normal"),
            ("scheduled_date", "2026-07-02"),
            ("start_time", "10:00"),
        ],
    )
    .await;
    // Rows the forms would refuse, as an old import or a hand-made row left them; in a
    // zone fourteen hours ahead of UTC, and with a week-long duration.
    app.exec(
        diesel::update(plans::table.find(id))
            .set(plans::plan_data.eq(serde_json::json!({"timezone": "Pacific/Kiritimati"}))),
    );
    let day = |year, month, day| NaiveDate::from_ymd_opt(year, month, day).unwrap();
    let last_day = day(262142, 12, 31);
    // 4713 BC, PostgreSQL's first year, is year -4712 counted with a year 0.
    let long_ago = day(-4712, 1, 1);
    let year_9999 = day(9999, 12, 31);
    app.activity(id).title("Last day").on(last_day).insert();
    app.activity(id)
        .title("Last evening")
        .on(last_day)
        .starts("23:30")
        .duration_minutes(10080)
        .order_index(1)
        .insert();
    app.activity(id)
        .title("Long ago")
        .on(long_ago)
        .starts("00:10")
        .insert();
    app.activity(id)
        .title("New year 10000")
        .on(year_9999)
        .insert();
    app.activity(id)
        .title("Late in 9999")
        .on(year_9999)
        .starts("23:30")
        .order_index(1)
        .insert();
    let page = t.browser.get(&format!("/plans/{id}")).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("Last evening"));

    let token = crate::sharing::share(&app, &t.browser, id).await;
    let reader = app.new_browser();
    for (browser, path) in [
        (&t.browser, format!("/plans/{id}/calendar.ics")),
        (&reader, format!("/s/{token}/calendar.ics")),
    ] {
        let (text, calendar) = fetch_calendar(browser, &path).await;
        let summaries: Vec<&str> = calendar.events().filter_map(|e| e.get_summary()).collect();
        assert_eq!(
            summaries,
            ["Normal"],
            "events RFC 5545 cannot write are left out: {text}"
        );
    }
    let shared = reader.get(&format!("/s/{token}")).await;
    assert_eq!(shared.status(), StatusCode::OK);

    // Copying such a plan says what is wrong, and writes nothing.
    let before = app.snapshot();
    let response = t
        .browser
        .post_form(&format!("/plans/{id}/duplicate"), &[])
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(
        html.contains("(“Last day”): Date: Enter a date between the years 1900 and 2200."),
        "{html}"
    );
    assert_eq!(app.snapshot(), before);
    // Nor does its own export come back in.
    let file = export(&t.browser, id).await.to_string();
    let response = import_file(&t.browser, file.as_bytes()).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.snapshot(), before);
}
