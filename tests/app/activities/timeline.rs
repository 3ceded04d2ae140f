//! A day as real trips run: timed activities in time order whatever order they were added
//! in, overlaps flagged on both cards, a night bus that ends the next morning, and a
//! booking's details on its own card with links that call, mail and open.

use crate::plans::{add_activity, create_plan, texts, traveller};
use crate::support::spawn_app;

#[tokio::test]
async fn a_day_reads_in_time_order_with_overlaps_and_nights_shown() {
    let app = spawn_app().await;
    let t = traveller(&app, "kyoto").await;
    let plan = create_plan(
        &t.browser,
        &[("start_date", "2026-04-01"), ("end_date", "2026-04-06")],
    )
    .await;
    let add = |title: &'static str, start: &'static str, end: &'static str| {
        let (browser, app) = (&t.browser, &app);
        async move {
            let mut fields = vec![("title", title), ("scheduled_date", "2026-04-02")];
            if !start.is_empty() {
                fields.push(("start_time", start));
            }
            if !end.is_empty() {
                fields.push(("end_time", end));
            }
            add_activity(browser, app, plan, &fields).await
        }
    };
    add("Fushimi Inari", "16:00", "18:00").await;
    add("Pack the bags", "", "").await;
    add("Temple lunch", "13:00", "14:00").await;
    let bus = add("Night bus to Tokyo", "23:30", "03:30").await;
    // Added last, but at breakfast time: it comes first among the timed ones.
    let breakfast = add("Breakfast", "08:00", "09:00").await;
    add("Tea ceremony", "13:30", "15:00").await;

    let page = t.browser.get_html(&format!("/plans/{plan}")).await;
    assert_eq!(
        texts(&page, "#day-2026-04-02 li.activity .activity-text strong"),
        vec![
            "Breakfast",
            "Pack the bags",
            "Temple lunch",
            "Tea ceremony",
            "Fushimi Inari",
            "Night bus to Tokyo",
        ],
        "timed in time order; the untimed one keeps its place"
    );
    let card = |id: i32| {
        texts(&page, &format!("#activity-{id}"))
            .pop()
            .unwrap_or_default()
    };
    assert!(
        card(bus).contains("23:30–03:30 (next day)"),
        "{}",
        card(bus)
    );
    assert_eq!(
        texts(&page, "#day-2026-04-02 .overlap"),
        vec!["Overlaps with Tea ceremony.", "Overlaps with Temple lunch."]
    );
    // The database holds the times as typed.
    let row = app.activity_row(bus).unwrap();
    assert_eq!(
        (row.start_time, row.end_time),
        (
            chrono::NaiveTime::from_hms_opt(23, 30, 0),
            chrono::NaiveTime::from_hms_opt(3, 30, 0)
        )
    );
    // Timed activities follow the clock: no up and down buttons that would not move them.
    let buttons = texts(
        &page,
        &format!("#activity-{breakfast} button[name=direction]"),
    );
    assert_eq!(buttons, vec!["Move Breakfast"]);
}

#[tokio::test]
async fn a_booking_shows_on_its_card_with_working_links() {
    let app = spawn_app().await;
    let t = traveller(&app, "porto").await;
    let plan = create_plan(&t.browser, &[("start_date", "2026-05-01")]).await;
    let hotel = add_activity(
        &t.browser,
        &app,
        plan,
        &[
            ("title", "Hotel Infante Sagres"),
            ("activity_type", "accommodation"),
            ("scheduled_date", "2026-05-01"),
            ("confirmation_number", "HX-4471<b>"),
            ("provider", "Booking.com"),
            ("cancellation_policy", "Free until 28 April"),
            ("phone", "+351 22 339 8500"),
            ("website", "https://example.org/hotel?a=1&b=2"),
            ("email", "desk@example.org"),
        ],
    )
    .await;
    let page = t.browser.get_html(&format!("/plans/{plan}")).await;
    let card = texts(&page, &format!("#activity-{hotel} .booking")).join(" ");
    for shown in [
        "Confirmation HX-4471<b>",
        "booked with Booking.com",
        "cancellation: Free until 28 April",
    ] {
        assert!(card.contains(shown), "{shown} in {card}");
    }
    assert!(!page.contains("HX-4471<b>"), "escaped");
    let doc = scraper::Html::parse_document(&page);
    let links = scraper::Selector::parse(&format!("#activity-{hotel} .contact a")).unwrap();
    let hrefs: Vec<&str> = doc
        .select(&links)
        .filter_map(|a| a.value().attr("href"))
        .collect();
    assert_eq!(
        hrefs,
        vec![
            "tel:+351223398500",
            "mailto:desk@example.org",
            "https://example.org/hotel?a=1&b=2"
        ]
    );
    // The copy button waits for the script (and a clipboard) to show itself.
    let copy = texts(&page, &format!("#activity-{hotel} button.copy[hidden]"));
    assert_eq!(
        copy,
        vec!["Copy confirmation number of Hotel Infante Sagres"]
    );
    assert!(!page.contains("data-copy=\"HX-4471<b>"));
}
