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
