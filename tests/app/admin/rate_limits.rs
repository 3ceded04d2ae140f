//! Today's rate-limit counters, in the table or in Redis, and their reset.

use diesel::prelude::*;
use wayfare::db::schema::rate_limits;
use wayfare::models::rate_limit::RateLimit;

use super::*;
use crate::support::{assert_is_redirect_to, spawn_app_with, today, unique};

// ---------------------------------------------------------------- rate limits

#[tokio::test]
async fn rate_limits_list_todays_counters_highest_first_and_a_reset_lets_actions_through() {
    let w = world().await;
    let a = create_counter(&w.app, "login_ip", "10.0.0.1", 7);
    let b = create_counter(&w.app, "signup_ip", "10.0.0.2", 40);
    w.app
        .counter("login_ip", "10.0.0.9")
        .count(999)
        .days_ago(1)
        .insert();
    let page = w.admin.get_html("/admin/rate-limits").await;
    let identifiers = select_all(&page, "input[name=identifier]", "value");
    assert_eq!(
        identifiers,
        vec![
            "10.0.0.2".to_string(),
            "10.0.0.1".into(),
            w.alice.id.to_string()
        ],
        "today's only, highest first"
    );
    assert!(
        page.contains("blocked"),
        "40 sign-ups from one address is past the limit of 20"
    );
    assert_eq!(
        w.app.one::<i64, _>(
            rate_limits::table
                .filter(rate_limits::request_count.eq(0))
                .filter(rate_limits::reset_date.eq(today()))
                .count()
        ),
        1,
        "the logins' refunded address counter is there, at zero, and not listed (a successful login leaves no pair counter)"
    );
    let _ = (a, b);

    // Alice has used up her mails: the reset link is refused until her counter is reset.
    let alice = w.alice.id.to_string();
    w.app.exec(
        diesel::update(rate_limits::table.filter(rate_limits::identifier.eq(&alice)))
            .set(rate_limits::request_count.eq(5)),
    );
    let blocked = w
        .app
        .new_browser()
        .post_form("/password-reset", &[("email", &w.alice.email)])
        .await;
    assert_eq!(blocked.status(), StatusCode::OK);
    assert!(w.app.mails_to(&w.alice.email).is_empty());

    let others: i64 = w.app.one(rate_limits::table.count());
    let response = w
        .admin
        .post_form(
            "/admin/rate-limits/reset",
            &[
                ("kind", "mail_account"),
                ("identifier", &w.alice.id.to_string()),
            ],
        )
        .await;
    assert_is_redirect_to(&response, "/admin/rate-limits");
    let page = follow(&w.admin, response).await;
    assert!(page.contains(&format!(
        "The mail_account counter of {} is reset",
        w.alice.id
    )));
    assert_eq!(w.app.one::<i64, _>(rate_limits::table.count()), others - 1);
    assert_eq!(
        w.app.one::<i64, _>(
            rate_limits::table
                .filter(rate_limits::identifier.eq(&alice))
                .count()
        ),
        0
    );
    w.app
        .new_browser()
        .post_form("/password-reset", &[("email", &w.alice.email)])
        .await;
    assert_eq!(
        w.app.mails_to(&w.alice.email).len(),
        1,
        "mails go out again"
    );

    // Resetting what is not there changes nothing.
    let before = w.app.snapshot();
    let page = follow(
        &w.admin,
        w.admin
            .post_form(
                "/admin/rate-limits/reset",
                &[("kind", "login_ip"), ("identifier", "10.9.9.9")],
            )
            .await,
    )
    .await;
    assert!(page.contains("was already at zero"));
    assert_eq!(w.app.snapshot(), before);
}

#[tokio::test]
async fn rate_limits_page_pages_through_many_counters() {
    let w = world().await;
    for g in 1..=140 {
        w.app
            .counter("login_ip", &format!("10.1.{g}"))
            .count(g % 17)
            .insert();
    }
    let mut listed = Vec::new();
    let mut link = Some("/admin/rate-limits".to_string());
    while let Some(path) = link {
        let html = w.admin.get_html(&path).await;
        listed.extend(select_all(&html, "input[name=identifier]", "value"));
        link = next_page(&html);
    }
    // Today's counters above zero, highest first, then newest first.
    let mut counters: Vec<_> = w
        .app
        .all::<RateLimit, _>(rate_limits::table.select(RateLimit::as_select()))
        .into_iter()
        .filter(|c| c.reset_date == Some(today()) && c.request_count.is_some_and(|n| n > 0))
        .collect();
    counters.sort_by_key(|c| std::cmp::Reverse((c.request_count.unwrap_or(0), c.id)));
    let expected: Vec<String> = counters.into_iter().map(|c| c.identifier).collect();
    assert_eq!(listed, expected);
}

const REDIS_URL: &str = "redis://127.0.0.1:6379";

#[tokio::test]
async fn rate_limits_kept_in_redis_are_listed_and_reset_there() {
    let app = spawn_app_with(|env| {
        env.insert("REDIS_URL".into(), REDIS_URL.into());
    })
    .await;
    // Redis is shared by every test: give this test's accounts ids no other test uses, so
    // their login counters are their own.
    // A sequence is no row of the app's: SQL says it.
    app.exec(
        diesel::sql_query("SELECT setval('users_id_seq', $1, false)")
            .bind::<diesel::sql_types::BigInt, _>(unique_id_start()),
    );
    let w = world_with(app).await;
    let identifier = unique("admin-test-");
    let key = format!(
        "wayfare:rl:{}:login_ip:{identifier}",
        chrono::Utc::now().date_naive()
    );
    let mut redis = redis::Client::open(REDIS_URL)
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .expect("Redis runs at redis://127.0.0.1:6379");
    let _: () = redis::cmd("SET")
        .arg(&key)
        .arg(1_000_000_000)
        .arg("EX")
        .arg(600)
        .query_async(&mut redis)
        .await
        .unwrap();

    let page = w.admin.get_html("/admin/rate-limits").await;
    assert!(page.contains("kept in Redis"));
    let identifiers = select_all(&page, "input[name=identifier]", "value");
    assert_eq!(
        identifiers.first(),
        Some(&identifier),
        "the highest comes first"
    );
    assert!(page.contains("1000000000"));
    assert!(w.admin.get_html("/admin").await.contains("(in Redis)"));

    let response = w
        .admin
        .post_form(
            "/admin/rate-limits/reset",
            &[("kind", "login_ip"), ("identifier", &identifier)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let exists: bool = redis::cmd("EXISTS")
        .arg(&key)
        .query_async(&mut redis)
        .await
        .unwrap();
    assert!(!exists, "the key is gone");
}
