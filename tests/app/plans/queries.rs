//! A page runs the same number of SQL statements whatever the number of activities or
//! plans (no query per row).

use diesel::prelude::*;
use rand::RngCore;
use reqwest::StatusCode;
use serde_json::json;
use wayfare::db::schema::plans;
use wayfare::domain::PlanStatus;
use wayfare::domain::ids::PlanId;

use super::*;
use crate::support::spawn_app;

/// Statements the server ran for one GET (after one warm-up request).
async fn statements(app: &TestApp, browser: &Browser, path: &str) -> u64 {
    assert_eq!(browser.get(path).await.status(), StatusCode::OK, "{path}");
    let before = app.queries.get();
    let response = browser.get(path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.bytes().await.unwrap();
    app.queries.get() - before
}

/// `n` activities with every kind of column filled, spread over five days.
fn add_activities(app: &TestApp, plan: i32, n: i32) {
    for g in 1..=n {
        let minutes = 8 * 60 + g * 5;
        app.activity(plan)
            .title(&format!("Stop {g}"))
            .kind(["attraction", "restaurant", "transport"][(g % 3) as usize])
            .date(&format!("2026-07-{:02}", 1 + g % 5))
            .starts(&format!("{:02}:{:02}", minutes / 60 % 24, minutes % 60))
            .cost(&format!("{:.2}", f64::from(g) * 1.10))
            .actual_cost(&format!("{:.2}", f64::from(g) * 0.95))
            .at(
                &format!("{:.3}", 38.7 + f64::from(g) * 0.001),
                &format!("{:.3}", -9.1 - f64::from(g) * 0.001),
            )
            .order_index(g)
            .metadata(json!({
                "tags": [format!("t{g}")],
                "booking_info": {"confirmation_number": format!("C{g}")},
            }))
            .insert();
    }
}

fn add_plans(app: &TestApp, user: &TestUser, n: i32) {
    for g in 1..=n {
        app.plan(user)
            .title(&format!("Trip {g}"))
            .destination(&format!("Place {g}"))
            .dates("2026-07-01", "2026-07-05")
            .budget("100", "USD")
            .insert();
    }
}

#[tokio::test]
async fn the_plan_page_the_list_and_the_share_page_run_a_constant_number_of_statements() {
    let app = spawn_app().await;
    let t = traveller(&app, "ana").await;
    let plan = create_listed_plan(&t.browser, &[]).await;
    let version = version_of(&app, "plans", plan);
    t.browser
        .post_form(
            &format!("/plans/{plan}/share/options"),
            &[
                ("show_costs", "on"),
                ("show_bookings", "on"),
                ("version", &version),
            ],
        )
        .await;
    let token = app.plan_row(plan).and_then(|p| p.share_token).unwrap();
    add_activities(&app, plan, 1);
    add_plans(&app, &t.user, 1);
    let anonymous = app.new_browser();
    let paths = [
        format!("/plans/{plan}"),
        "/plans".to_string(),
        format!("/plans/{plan}/calendar.ics"),
        format!("/plans/{plan}/export.json"),
        format!("/plans/{plan}/edit"),
        format!("/plans/{plan}/details"),
    ];
    let shared = [
        format!("/s/{token}"),
        format!("/s/{token}/calendar.ics"),
        "/explore".into(),
        format!("/explore/{plan}"),
        format!("/explore/{plan}/calendar.ics"),
    ];

    let mut few = Vec::new();
    for path in &paths {
        few.push(statements(&app, &t.browser, path).await);
    }
    for path in &shared {
        few.push(statements(&app, &anonymous, path).await);
        few.push(statements(&app, &t.browser, path).await);
    }

    add_activities(&app, plan, 49);
    add_plans(&app, &t.user, 49);
    for other in app.plans_of(t.user.id) {
        if other.id == PlanId(plan) {
            continue;
        }
        let mut token = [0u8; 32];
        rand::rng().fill_bytes(&mut token);
        app.exec(diesel::update(plans::table.find(other.id)).set((
            plans::is_public.eq(true),
            plans::status.eq(PlanStatus::Published),
            plans::share_token.eq(hex::encode(token)),
        )));
    }
    assert_eq!(app.activities_of(plan).len(), 50);
    let mut many = Vec::new();
    for path in &paths {
        many.push(statements(&app, &t.browser, path).await);
    }
    for path in &shared {
        many.push(statements(&app, &anonymous, path).await);
        many.push(statements(&app, &t.browser, path).await);
    }
    assert_eq!(
        many, few,
        "statements per page with 1 and with 50 rows: {paths:?} {shared:?}"
    );
    assert!(few.iter().all(|n| *n > 0 && *n < 15), "{few:?}");
    let page = t.browser.get_html(&format!("/plans/{plan}")).await;
    assert_eq!(texts(&page, "li.activity").len(), 50);
}
