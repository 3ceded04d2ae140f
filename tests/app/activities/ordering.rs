//! Reordering within a day (up/down without JavaScript, and the drag-and-drop endpoint),
//! moving to another day, deleting, ticking off, and two moves at once: `order_index`
//! stays 0, 1, 2… on every day.

use diesel::prelude::*;
use reqwest::StatusCode;
use wayfare::db::schema::plan_activities;

use crate::plans::{assert_dense, create_plan, day_order, insert_activity, texts, traveller};
use crate::support::{Browser, TestApp, assert_is_redirect_to, date, spawn_app};

/// How many activities are ticked off, in any plan.
fn completed(app: &TestApp) -> i64 {
    app.one(
        plan_activities::table
            .filter(plan_activities::is_completed.eq(true))
            .count(),
    )
}

const D1: Option<&str> = Some("2026-07-01");
const D2: Option<&str> = Some("2026-07-02");

fn titles(app: &TestApp, plan: i32, date: Option<&str>) -> Vec<String> {
    day_order(app, plan, date)
        .into_iter()
        .map(|(t, _)| t)
        .collect()
}

/// A POST that owns its arguments, so two can run at once.
fn post(
    browser: &Browser,
    path: String,
    fields: &[(&str, &str)],
) -> impl Future<Output = reqwest::Response> + use<> {
    let browser = browser.clone();
    let fields: Vec<(String, String)> = fields
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    async move {
        let form: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        browser.post_form(&path, &form).await
    }
}

fn move_(
    browser: &Browser,
    plan: i32,
    id: i32,
    fields: &[(&str, &str)],
) -> impl Future<Output = reqwest::Response> + use<> {
    post(
        browser,
        format!("/plans/{plan}/activities/{id}/move"),
        fields,
    )
}

#[tokio::test]
async fn up_and_down_swap_neighbours_within_a_day() {
    let app = spawn_app().await;
    let t = traveller(&app, "ana").await;
    let plan = create_plan(&t.browser, &[]).await;
    let a = insert_activity(&app, plan, "A", D1, 0);
    let b = insert_activity(&app, plan, "B", D1, 1);
    let c = insert_activity(&app, plan, "C", D1, 2);
    insert_activity(&app, plan, "Other day", D2, 0);

    let response = move_(&t.browser, plan, c, &[("direction", "up")]).await;
    assert_is_redirect_to(&response, &format!("/plans/{plan}#activity-{c}"));
    assert_eq!(titles(&app, plan, D1), ["A", "C", "B"]);
    move_(&t.browser, plan, c, &[("direction", "up")]).await;
    assert_eq!(titles(&app, plan, D1), ["C", "A", "B"]);
    move_(&t.browser, plan, c, &[("direction", "up")]).await;
    assert_eq!(
        titles(&app, plan, D1),
        ["C", "A", "B"],
        "the first stays first"
    );
    move_(&t.browser, plan, b, &[("direction", "down")]).await;
    assert_eq!(
        titles(&app, plan, D1),
        ["C", "A", "B"],
        "the last stays last"
    );
    move_(&t.browser, plan, a, &[("direction", "down")]).await;
    assert_eq!(titles(&app, plan, D1), ["C", "B", "A"]);
    assert_dense(&app, plan);
    assert_eq!(
        titles(&app, plan, D2),
        ["Other day"],
        "other days untouched"
    );

    // The page lists them in that order.
    let page = t.browser.get_html(&format!("/plans/{plan}")).await;
    assert_eq!(
        texts(&page, "#day-2026-07-01 li.activity .activity-text strong"),
        ["C", "B", "A"]
    );

    // Gaps and repeats left by older data are closed by the next move.
    app.exec(
        diesel::update(
            plan_activities::table
                .filter(plan_activities::plan_id.eq(plan))
                .filter(plan_activities::scheduled_date.eq(date("2026-07-01"))),
        )
        .set(plan_activities::order_index.eq(7)),
    );
    move_(&t.browser, plan, b, &[("direction", "up")]).await;
    assert_dense(&app, plan);

    let before = app.snapshot();
    for bad in [
        vec![("direction", "sideways")],
        vec![],
        vec![("direction", "day"), ("date", "someday")],
    ] {
        let response = move_(&t.browser, plan, a, &bad).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad:?}");
    }
    assert_eq!(app.snapshot(), before);
}

#[tokio::test]
async fn moving_to_another_day_appends_there_and_closes_the_gap() {
    let app = spawn_app().await;
    let t = traveller(&app, "ana").await;
    let plan = create_plan(&t.browser, &[]).await;
    let a = insert_activity(&app, plan, "A", D1, 0);
    let b = insert_activity(&app, plan, "B", D1, 1);
    insert_activity(&app, plan, "C", D1, 2);
    insert_activity(&app, plan, "X", D2, 0);

    let response = move_(
        &t.browser,
        plan,
        b,
        &[("direction", "day"), ("date", "2026-07-02")],
    )
    .await;
    assert_is_redirect_to(&response, &format!("/plans/{plan}#activity-{b}"));
    assert_eq!(
        day_order(&app, plan, D1),
        [("A".into(), 0), ("C".into(), 1)]
    );
    assert_eq!(
        day_order(&app, plan, D2),
        [("X".into(), 0), ("B".into(), 1)]
    );

    let response = move_(&t.browser, plan, a, &[("direction", "day"), ("date", "")]).await;
    assert_is_redirect_to(&response, &format!("/plans/{plan}#activity-{a}"));
    assert_eq!(titles(&app, plan, None), ["A"]);
    assert_eq!(day_order(&app, plan, D1), [("C".into(), 0)]);
    // Moving to the day it is on changes nothing.
    let before = app.snapshot();
    move_(&t.browser, plan, a, &[("direction", "day"), ("date", "")]).await;
    assert_eq!(app.snapshot(), before);

    // Editing the date moves it too, to the end of the new day.
    let edit = format!("/plans/{plan}/activities/{a}/edit");
    let version = crate::plans::form_version(&t.browser, &edit).await;
    t.browser
        .post_form(
            &edit,
            &[
                ("title", "A"),
                ("scheduled_date", "2026-07-02"),
                ("version", &version),
            ],
        )
        .await;
    assert_eq!(titles(&app, plan, D2), ["X", "B", "A"]);

    // Deleting closes the gap.
    let response = t
        .browser
        .post_form(&format!("/plans/{plan}/activities/{b}/delete"), &[])
        .await;
    assert_is_redirect_to(&response, &format!("/plans/{plan}#day-2026-07-02"));
    assert_eq!(
        day_order(&app, plan, D2),
        [("X".into(), 0), ("A".into(), 1)]
    );
    assert_dense(&app, plan);
}

#[tokio::test]
async fn drag_and_drop_sets_a_days_order_in_one_request() {
    let app = spawn_app().await;
    let t = traveller(&app, "ana").await;
    let plan = create_plan(&t.browser, &[]).await;
    let a = insert_activity(&app, plan, "A", D1, 0);
    let b = insert_activity(&app, plan, "B", D1, 1);
    let c = insert_activity(&app, plan, "C", D1, 2);
    let x = insert_activity(&app, plan, "X", D2, 0);
    let y = insert_activity(&app, plan, "Y", D2, 1);
    let reorder = format!("/plans/{plan}/activities/reorder");
    let page = t.browser.get_html(&format!("/plans/{plan}")).await;
    assert!(page.contains(&format!("data-reorder=\"{reorder}\"")));

    let response = t
        .browser
        .post_form(
            &reorder,
            &[("date", "2026-07-01"), ("ids", &format!("{c},{a},{b}"))],
        )
        .await;
    assert_is_redirect_to(&response, &format!("/plans/{plan}#day-2026-07-01"));
    assert_eq!(titles(&app, plan, D1), ["C", "A", "B"]);

    // Dropped in from another day: it moves, and both days stay dense.
    t.browser
        .post_form(
            &reorder,
            &[
                ("date", "2026-07-01"),
                ("ids", &format!("{c}, {x} ,{a},{b}")),
            ],
        )
        .await;
    assert_eq!(
        day_order(&app, plan, D1),
        [
            ("C".into(), 0),
            ("X".into(), 1),
            ("A".into(), 2),
            ("B".into(), 3)
        ]
    );
    assert_eq!(day_order(&app, plan, D2), [("Y".into(), 0)]);
    // A partial list puts the named ones first and keeps the rest in order.
    t.browser
        .post_form(&reorder, &[("date", "2026-07-01"), ("ids", &b.to_string())])
        .await;
    assert_eq!(titles(&app, plan, D1), ["B", "C", "X", "A"]);
    // Into "no date".
    t.browser
        .post_form(&reorder, &[("date", ""), ("ids", &y.to_string())])
        .await;
    assert_eq!(titles(&app, plan, None), ["Y"]);
    assert_dense(&app, plan);

    let before = app.snapshot();
    for (ids, status) in [
        ("1,two,3", StatusCode::BAD_REQUEST),
        (&*format!("{a},{}", 987_654), StatusCode::NOT_FOUND),
    ] {
        let response = t
            .browser
            .post_form(&reorder, &[("date", "2026-07-01"), ("ids", ids)])
            .await;
        assert_eq!(response.status(), status, "{ids}");
    }
    let response = t
        .browser
        .post_form(&reorder, &[("date", "July"), ("ids", &a.to_string())])
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let too_many = (0..1001)
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let response = t
        .browser
        .post_form(&reorder, &[("date", ""), ("ids", &too_many)])
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        app.snapshot(),
        before,
        "a refused reorder changes nothing, even halfway"
    );
}

#[tokio::test]
async fn two_moves_at_once_keep_every_day_dense() {
    let app = spawn_app().await;
    let t = traveller(&app, "ana").await;
    let other_tab = app.signed_in(&t.user).await;
    let plan = create_plan(&t.browser, &[]).await;
    let days = ["2026-07-01", "2026-07-02", "2026-07-03"];
    for (d, day) in days.iter().enumerate() {
        for i in 0..4 {
            insert_activity(&app, plan, &format!("D{d}-{i}"), Some(day), i);
        }
    }
    let reorder = format!("/plans/{plan}/activities/reorder");
    for round in 0..12usize {
        // Two different activities still there.
        let ids: Vec<i32> = app.activities_of(plan).iter().map(|a| a.id.0).collect();
        let first = ids[(round * 5) % ids.len()];
        let mut second = ids[(round * 7 + 3) % ids.len()];
        if second == first {
            second = ids[(ids.iter().position(|i| *i == first).unwrap() + 1) % ids.len()];
        }
        let target = days[round % 3];
        let (one, two) = match round % 4 {
            0 => tokio::join!(
                move_(
                    &t.browser,
                    plan,
                    first,
                    &[("direction", "day"), ("date", target)]
                ),
                move_(
                    &other_tab,
                    plan,
                    second,
                    &[("direction", "day"), ("date", target)]
                ),
            ),
            1 => tokio::join!(
                move_(&t.browser, plan, first, &[("direction", "up")]),
                move_(&other_tab, plan, second, &[("direction", "down")]),
            ),
            2 => tokio::join!(
                post(
                    &t.browser,
                    reorder.clone(),
                    &[("date", target), ("ids", &format!("{second},{first}"))]
                ),
                move_(
                    &other_tab,
                    plan,
                    first,
                    &[("direction", "day"), ("date", days[(round + 2) % 3])]
                ),
            ),
            _ => tokio::join!(
                move_(&t.browser, plan, first, &[("direction", "down")]),
                post(
                    &t.browser,
                    format!("/plans/{plan}/activities/{second}/delete"),
                    &[]
                ),
            ),
        };
        assert_eq!(one.status(), StatusCode::SEE_OTHER, "round {round}");
        assert_eq!(two.status(), StatusCode::SEE_OTHER, "round {round}");
        assert_dense(&app, plan);
    }
    // Nothing was lost or doubled along the way: three rounds deleted one each.
    assert_eq!(app.activities_of(plan).len(), 9);
}

#[tokio::test]
async fn ticking_off_flips_completed_in_one_click() {
    let app = spawn_app().await;
    let t = traveller(&app, "ana").await;
    let plan = create_plan(&t.browser, &[]).await;
    let a = insert_activity(&app, plan, "A", D1, 0);
    let toggle = format!("/plans/{plan}/activities/{a}/toggle");
    let page = t.browser.get_html(&format!("/plans/{plan}")).await;
    assert!(page.contains(&format!("action=\"{toggle}\"")));
    assert!(page.contains("aria-pressed=\"false\""));

    let response = t.browser.post_form(&toggle, &[]).await;
    assert_is_redirect_to(&response, &format!("/plans/{plan}#activity-{a}"));
    assert_eq!(completed(&app), 1);
    let page = t.browser.get_html(&format!("/plans/{plan}")).await;
    assert!(page.contains("aria-pressed=\"true\""));
    assert!(page.contains("class=\"activity done\""));

    t.browser.post_form(&toggle, &[]).await;
    assert_eq!(completed(&app), 0);
    // From NULL (older rows) too.
    app.exec(
        diesel::update(plan_activities::table.find(a))
            .set(plan_activities::is_completed.eq(None::<bool>)),
    );
    t.browser.post_form(&toggle, &[]).await;
    assert_eq!(completed(&app), 1);
    assert_eq!(titles(&app, plan, D1), ["A"], "its place is kept");
}
