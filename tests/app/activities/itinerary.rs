//! The plan page's itinerary: every day from start to end with its date and weekday,
//! activities in order, and those without a date or outside the trip in their own section.

use crate::plans::{add_activity, create_plan, insert_activity, texts, traveller};
use crate::support::spawn_app;

#[tokio::test]
async fn the_itinerary_shows_every_day_with_its_weekday_and_strays_apart() {
    let app = spawn_app().await;
    let t = traveller(&app, "ana").await;
    let plan = create_plan(
        &t.browser,
        &[("start_date", "2026-07-01"), ("end_date", "2026-07-04")],
    )
    .await;
    insert_activity(&app, plan, "Second on day 1", Some("2026-07-01"), 1);
    let first = insert_activity(&app, plan, "First on day 1", Some("2026-07-01"), 0);
    insert_activity(&app, plan, "Day 3", Some("2026-07-03"), 0);
    insert_activity(&app, plan, "Last day", Some("2026-07-04"), 0);
    insert_activity(&app, plan, "No date", None, 0);
    insert_activity(&app, plan, "Before the trip", Some("2026-06-30"), 0);
    insert_activity(&app, plan, "After the trip", Some("2026-08-01"), 0);
    add_activity(
        &t.browser,
        &app,
        plan,
        &[
            ("title", "Timed"),
            ("scheduled_date", "2026-07-03"),
            ("start_time", "09:00"),
            ("end_time", "10:30"),
            ("duration_minutes", "90"),
            ("activity_type", "restaurant"),
            ("location_name", "Time Out Market"),
            ("estimated_cost", "25"),
            ("actual_cost", "23.40"),
        ],
    )
    .await;

    let page = t.browser.get_html(&format!("/plans/{plan}")).await;
    assert_eq!(
        texts(&page, "section.day h3"),
        vec![
            "Day 1 · Wednesday 1 July 2026",
            "Day 2 · Thursday 2 July 2026",
            "Day 3 · Friday 3 July 2026",
            "Day 4 · Saturday 4 July 2026",
            "Outside the trip's dates",
            "Not scheduled",
        ]
    );
    let day = |id: &str| texts(&page, &format!("#{id} li.activity .activity-text strong"));
    assert_eq!(
        day("day-2026-07-01"),
        vec!["First on day 1", "Second on day 1"]
    );
    assert!(day("day-2026-07-02").is_empty());
    assert_eq!(
        texts(&page, "#day-2026-07-02 .empty-day"),
        vec!["Free day."]
    );
    assert_eq!(day("day-2026-07-03"), vec!["Day 3", "Timed"]);
    assert_eq!(day("day-2026-07-04"), vec!["Last day"]);
    // Dated strays keep their dates in view, by date, with a warning; the undated apart.
    assert_eq!(day("outside"), vec!["Before the trip", "After the trip"]);
    let warnings = texts(&page, "#outside li.activity .warning-text");
    assert_eq!(
        warnings,
        vec![
            "Tue 30 Jun 2026: outside the trip's dates.",
            "Sat 1 Aug 2026: outside the trip's dates."
        ]
    );
    assert_eq!(day("unscheduled"), vec!["No date"]);

    // Each activity shows its time, duration, type, place and costs.
    let timed = texts(&page, "#day-2026-07-03 li.activity")
        .into_iter()
        .find(|t| t.contains("Timed"))
        .unwrap();
    for shown in [
        "09:00–10:30",
        "90 min",
        "restaurant",
        "Time Out Market",
        "Estimated €25.00",
        "Spent €23.40",
    ] {
        assert!(timed.contains(shown), "{shown} in {timed}");
    }
    // Days offer adding on that day; the move-to-day lists every day and "no date".
    assert!(page.contains(&format!(
        "href=\"/plans/{plan}/activities/new?date=2026-07-02\""
    )));
    let options = texts(
        &page,
        &format!("#activity-{first} select[name=date] option"),
    );
    assert_eq!(options.len(), 5, "{options:?}");
    assert_eq!(options[4], "No date");

    // Without trip dates, each date that has activities is a day.
    let undated = create_plan(&t.browser, &[("start_date", ""), ("end_date", "")]).await;
    insert_activity(&app, undated, "B", Some("2026-09-10"), 0);
    insert_activity(&app, undated, "A", Some("2026-09-07"), 0);
    insert_activity(&app, undated, "Loose", None, 0);
    let page = t.browser.get_html(&format!("/plans/{undated}")).await;
    assert_eq!(
        texts(&page, "section.day h3"),
        vec![
            "Day 1 · Monday 7 September 2026",
            "Day 4 · Thursday 10 September 2026",
            "Not scheduled",
        ]
    );

    // An empty plan invites the first activity.
    let empty = create_plan(&t.browser, &[("start_date", ""), ("end_date", "")]).await;
    let page = t.browser.get_html(&format!("/plans/{empty}")).await;
    assert!(page.contains("Nothing planned yet"));
}
