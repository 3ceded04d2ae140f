//! The budget as the plan page shows it: exact decimal sums for the plan, per day and per
//! type, remaining, and what is over budget marked.

use crate::plans::{add_activity, create_plan, texts, traveller};
use crate::support::spawn_app;

/// (label, value) of the budget figures at the top of the plan page.
fn figures(html: &str) -> Vec<(String, String)> {
    let doc = scraper::Html::parse_document(html);
    let cell = scraper::Selector::parse(".budget-figures > div").unwrap();
    let label = scraper::Selector::parse("span").unwrap();
    let value = scraper::Selector::parse("strong").unwrap();
    doc.select(&cell)
        .map(|c| {
            (
                c.select(&label).next().unwrap().text().collect(),
                c.select(&value).next().unwrap().text().collect(),
            )
        })
        .collect()
}

/// Labels of the chart rows marked over budget (or over estimate).
fn marked_over(html: &str) -> Vec<String> {
    texts(html, "text.chart-label.over")
}

/// Estimated and spent values per chart row: (label, estimated, spent).
fn chart_rows(html: &str) -> Vec<(String, String, String)> {
    let labels = texts(html, "text.chart-label");
    let values = texts(html, "text.chart-value");
    labels
        .into_iter()
        .zip(values.chunks(2).map(|p| (p[0].clone(), p[1].clone())))
        .map(|(l, (e, a))| (l, e, a))
        .collect()
}

#[tokio::test]
async fn budget_sums_are_exact_per_plan_day_and_type_and_overspending_stands_out() {
    let app = spawn_app().await;
    let t = traveller(&app, "ana").await;
    // Two days, 10.00: 5.00 a day.
    let plan = create_plan(
        &t.browser,
        &[
            ("budget", "10"),
            ("start_date", "2026-07-01"),
            ("end_date", "2026-07-02"),
            ("currency", "EUR"),
        ],
    )
    .await;
    let add = |title: &'static str,
               date: &'static str,
               kind: &'static str,
               est: &'static str,
               act: &'static str| {
        let browser = t.browser.clone();
        let app = &app;
        async move {
            add_activity(
                &browser,
                app,
                plan,
                &[
                    ("title", title),
                    ("scheduled_date", date),
                    ("activity_type", kind),
                    ("estimated_cost", est),
                    ("actual_cost", act),
                ],
            )
            .await
        }
    };
    add("Coffee", "2026-07-01", "restaurant", "0.10", "0.20").await;
    add("Tart", "2026-07-01", "restaurant", "0.20", "0.10").await;
    add("Castle", "2026-07-02", "attraction", "4.00", "6.00").await;
    add("Unpriced", "2026-07-02", "activity", "", "").await;

    let page = t.browser.get_html(&format!("/plans/{plan}")).await;
    assert_eq!(
        figures(&page),
        [
            ("Budget".into(), "€10.00".into()),
            ("Estimated".into(), "€4.30".into()),
            ("Spent".into(), "€6.30".into()),
            ("Remaining".into(), "€3.70".into()),
        ]
    );
    assert!(page.contains("Budget <small class=\"muted\">EUR</small>"));
    let rows = chart_rows(&page);
    assert!(
        rows.contains(&("Day 1 (Wed 1 Jul)".into(), "€0.30".into(), "€0.30".into())),
        "{rows:?}"
    );
    assert!(
        rows.contains(&("Day 2 (Thu 2 Jul)".into(), "€4.00".into(), "€6.00".into())),
        "{rows:?}"
    );
    assert!(
        rows.contains(&("restaurant".into(), "€0.30".into(), "€0.30".into())),
        "0.10 + 0.20 is 0.30: {rows:?}"
    );
    assert!(rows.contains(&("attraction".into(), "€4.00".into(), "€6.00".into())));
    assert!(rows.contains(&("activity".into(), "€0.00".into(), "€0.00".into())));
    // Day 2 spent 6.00 of its 5.00; the attractions cost more than estimated.
    assert_eq!(marked_over(&page), ["Day 2 (Thu 2 Jul)", "attraction"]);
    assert!(
        !page.contains("<strong class=\"over\">"),
        "the plan as a whole is within budget"
    );

    // Over the whole budget: the remaining amount is negative and marked.
    add("Dinner", "2026-07-01", "restaurant", "9.99", "5.00").await;
    let page = t.browser.get_html(&format!("/plans/{plan}")).await;
    assert_eq!(
        figures(&page),
        [
            ("Budget".into(), "€10.00".into()),
            ("Estimated".into(), "€14.29".into()),
            ("Spent".into(), "€11.30".into()),
            ("Remaining".into(), "€1.30 over".into()),
        ]
    );
    let over = texts(&page, ".budget-figures strong.over");
    assert_eq!(over, ["€14.29", "€1.30 over"]);
    assert_eq!(
        marked_over(&page),
        ["Day 1 (Wed 1 Jul)", "Day 2 (Thu 2 Jul)", "attraction"]
    );

    // Unscheduled costs count in the totals and per type, not per day.
    add_activity(
        &t.browser,
        &app,
        plan,
        &[("title", "Souvenir"), ("actual_cost", "0.01")],
    )
    .await;
    let page = t.browser.get_html(&format!("/plans/{plan}")).await;
    assert_eq!(figures(&page)[2].1, "€11.31");
    let rows = chart_rows(&page);
    assert!(
        rows.contains(&("other".into(), "€0.00".into(), "€0.01".into())),
        "{rows:?}"
    );

    // Without a budget there is nothing to be over, and no remaining amount.
    let free = create_plan(&t.browser, &[("budget", "")]).await;
    add_activity(
        &t.browser,
        &app,
        free,
        &[
            ("title", "X"),
            ("scheduled_date", "2026-07-01"),
            ("actual_cost", "1000"),
        ],
    )
    .await;
    let page = t.browser.get_html(&format!("/plans/{free}")).await;
    assert_eq!(figures(&page)[0].1, "—");
    assert_eq!(figures(&page)[3].1, "—");
    assert_eq!(
        marked_over(&page),
        ["other"],
        "only over its (missing) estimate"
    );
}

#[tokio::test]
async fn a_stay_shows_on_each_night_its_cost_spread_and_an_over_day_says_why() {
    let app = spawn_app().await;
    let t = traveller(&app, "ana").await;
    // Four days, €600: €150 a day.
    let plan = create_plan(
        &t.browser,
        &[
            ("budget", "600"),
            ("start_date", "2026-07-01"),
            ("end_date", "2026-07-04"),
            ("currency", "EUR"),
        ],
    )
    .await;
    let form = |nights: &'static str, date: &'static str| {
        vec![
            ("title", "Hotel Granvia"),
            ("activity_type", "accommodation"),
            ("scheduled_date", date),
            ("estimated_cost", "900"),
            ("nights", nights),
        ]
    };
    // Nights that are not whole, out of range, or without a first night are refused.
    for (nights, date, message) in [
        ("0", "2026-07-01", "Enter whole nights from 1 to 90."),
        ("2.5", "2026-07-01", "Enter whole nights from 1 to 90."),
        ("91", "2026-07-01", "Enter whole nights from 1 to 90."),
        ("3", "", "Give the date of the first night too."),
    ] {
        let before = app.snapshot();
        let response = t
            .browser
            .post_form(&format!("/plans/{plan}/activities"), &form(nights, date))
            .await;
        assert_eq!(response.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
        let html = response.text().await.unwrap();
        assert_eq!(
            texts(&html, "#nights-error"),
            [message],
            "{nights} {date:?}"
        );
        assert_eq!(app.snapshot(), before, "nothing written");
    }
    let hotel = add_activity(&t.browser, &app, plan, &form("3", "2026-07-01")).await;
    assert_eq!(
        app.activity_row(hotel).unwrap().metadata,
        Some(serde_json::json!({"nights": 3}))
    );
    add_activity(
        &t.browser,
        &app,
        plan,
        &[
            ("title", "Kaiseki dinner"),
            ("scheduled_date", "2026-07-02"),
            ("estimated_cost", "80"),
        ],
    )
    .await;

    let page = t.browser.get_html(&format!("/plans/{plan}")).await;
    let card = texts(&page, &format!("#activity-{hotel} .activity-text > .muted"));
    assert!(
        card[0].contains("3 nights, check-out Sat 4 Jul"),
        "{card:?}"
    );
    // On its second and third nights, with a link to its card; not on the fourth day.
    for (day, night) in [
        ("2026-07-02", "Night 2 of 3 at Hotel Granvia"),
        ("2026-07-03", "Night 3 of 3 at Hotel Granvia"),
    ] {
        assert_eq!(
            texts(&page, &format!("#day-{day} .stay-nights li")),
            [night]
        );
    }
    assert!(texts(&page, "#day-2026-07-04 .stay-nights li").is_empty());
    assert!(page.contains(&format!("href=\"#activity-{hotel}\">Hotel Granvia</a>")));
    // €300 a night, not €900 on its first day; the total counts it once.
    let rows = chart_rows(&page);
    let per_day: Vec<&str> = rows.iter().take(4).map(|r| r.1.as_str()).collect();
    assert_eq!(per_day, ["€300.00", "€380.00", "€300.00", "€0.00"]);
    assert_eq!(figures(&page)[1].1, "€980.00");
    // Each day over its share says why, beside the day and in the budget.
    let why = "Estimated €380.00, over the day's share of the budget (€150.00): \
               Hotel Granvia (night 2 of 3) €300.00, Kaiseki dinner €80.00.";
    assert_eq!(
        texts(&page, "#day-2026-07-02 .over-reason"),
        [format!("Over budget: {why}")]
    );
    assert!(texts(&page, "#day-2026-07-04 .over-reason").is_empty());
    let listed = texts(&page, ".over-days li");
    assert_eq!(listed.len(), 3, "{listed:?}");
    assert_eq!(listed[1], format!("Day 2 (Thu 2 Jul): {why}"));

    // Friends with the link see the nights too, linked by stop number.
    let token = crate::sharing::share(&app, &t.browser, plan).await;
    let shared = app.new_browser().get_html(&format!("/s/{token}")).await;
    assert_eq!(
        texts(&shared, "#day-2026-07-03 .stay-nights li"),
        ["Night 3 of 3 at Hotel Granvia"]
    );
    assert!(
        shared.contains("href=\"#stop-1\">Hotel Granvia</a>"),
        "the hotel is stop 1"
    );
}
