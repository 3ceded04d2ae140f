//! A page runs the same number of SQL statements whatever the number of activities or
//! plans (no query per row).

use diesel::sql_query;
use diesel::sql_types::Integer;
use reqwest::StatusCode;

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

fn add_activities(app: &TestApp, plan: i32, n: i32) {
    app.exec(sql_query("INSERT INTO plan_activities (plan_id, title, activity_type, scheduled_date, start_time, \
           estimated_cost, actual_cost, latitude, longitude, order_index, metadata) \
         SELECT $1, 'Stop ' || g, (ARRAY['attraction','restaurant','transport'])[g % 3 + 1], \
                date '2026-07-01' + (g % 5), time '08:00' + g * interval '5 minutes', g * 1.10, g * 0.95, \
                38.7 + g * 0.001, -9.1 - g * 0.001, g, \
                jsonb_build_object('tags', jsonb_build_array('t' || g), \
                  'booking_info', jsonb_build_object('confirmation_number', 'C' || g)) \
           FROM generate_series(1, $2) g")
.bind::<Integer, _>(plan)
.bind::<Integer, _>(n));
}

fn add_plans(app: &TestApp, user: &TestUser, n: i32) {
    app.exec(
        sql_query(
            "INSERT INTO plans (user_id, title, destination, start_date, end_date, budget) \
         SELECT $1, 'Trip ' || g, 'Place ' || g, date '2026-07-01', date '2026-07-05', 100 \
           FROM generate_series(1, $2) g",
        )
        .bind::<Integer, _>(user.id)
        .bind::<Integer, _>(n),
    );
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
    app.exec(
        sql_query(
            "UPDATE plans SET is_public = true, status = 'published', \
           share_token = md5(random()::text) || md5(random()::text) \
         WHERE user_id = $1 AND id <> $2",
        )
        .bind::<Integer, _>(t.user.id)
        .bind::<Integer, _>(plan),
    );
    assert_eq!(
        app.count(
            sql_query("SELECT count(*) FROM plan_activities WHERE plan_id = $1")
                .bind::<Integer, _>(plan)
        ),
        50
    );
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
