//! The dashboard, and a benchmark of the admin pages with 100,000 users.

use diesel::dsl::min;
use diesel::prelude::*;
use diesel::sql_query;
use wayfare::db::schema::{plans, users};

use super::*;

// ---------------------------------------------------------------- dashboard

#[tokio::test]
async fn the_dashboard_counts_users_plans_sessions_and_limits_and_charts_the_last_30_days() {
    let w = world().await;
    let bob = w.app.user("bob").insert();
    let days_ago = |days| chrono::Utc::now().naive_utc() - chrono::Duration::days(days);
    w.app.exec(diesel::update(users::table.find(bob.id)).set((
        users::is_active.eq(false),
        users::is_verified.eq(false),
        users::date_joined.eq(days_ago(10)),
    )));
    w.app.exec(
        diesel::update(users::table.find(w.staff.id)).set(users::date_joined.eq(days_ago(60))),
    );
    create_plan(&w.app, bob.id, "Draft", "draft", false, None);
    create_plan(&w.app, bob.id, "Old", "archived", false, None);
    create_counter(&w.app, "login_ip", "10.0.0.1", 7);
    let page = w.admin.get_html("/admin").await;
    let figures: Vec<String> = {
        let doc = scraper::Html::parse_document(&page);
        let selector = scraper::Selector::parse("article.stat p.stat-figure").unwrap();
        doc.select(&selector).map(|e| e.text().collect()).collect()
    };
    // Users; plans; live sessions (Alice's and the staff member's); actions counted today.
    assert_eq!(figures, ["3", "3", "2", "9"]);
    for text in [
        "2 active</a>",
        "2 verified</a>",
        "1 staff</a>",
        "1 new in 7 days",
        "2 new in 30 days",
        "1 draft</a>",
        "1 published</a>",
        "1 archived</a>",
        "1 public</a>",
        "1 with a share link",
        "1 activity<",
        "2 counters",
        "Sign-ups per day",
        "New plans per day",
        "primary",
    ] {
        assert!(page.contains(text), "{text}\n{page}");
    }
    // Two charts of 30 bars each, drawn with SVG attributes only.
    assert_eq!(page.matches("class=\"daily-bar\"").count(), 60);
    assert!(!page.contains("style="));
    assert!(!page.contains("<script>"));
    let today = chrono::Utc::now()
        .date_naive()
        .format("%a %-d %b")
        .to_string();
    assert!(page.contains(&format!("{today}: 1 sign-up<")), "Alice");
    let ten_days_ago = (chrono::Utc::now().date_naive() - chrono::Days::new(10))
        .format("%a %-d %b")
        .to_string();
    assert!(page.contains(&format!("{ten_days_ago}: 1 sign-up<")), "Bob");
    assert!(page.contains(&format!("{today}: 3 new plans<")));
}

// ---------------------------------------------------------------- benchmark

/// Not a test: `cargo test --test app admin::bench -- --ignored --nocapture` times the
/// admin pages with 100,000 users (and a plan, an activity and a session each).
#[tokio::test]
#[ignore = "a benchmark; run it by hand"]
async fn bench_admin_pages_with_100k_users() {
    let w = world().await;
    let started = std::time::Instant::now();
    // 100,000 rows a table, each table in one statement: SQL seeds them in seconds.
    w.app.exec(sql_query(
        "INSERT INTO users (email, username, password_hash, first_name, is_verified, google_id, \
                            date_joined, last_login) \
         SELECT 'bench' || g || '@example.com', 'bench' || g, '!', 'Bench' || g, g % 2 = 0, \
                CASE WHEN g % 10 = 0 THEN 'g' || g END, \
                (now() AT TIME ZONE 'UTC') - (g % 60) * interval '1 day', \
                CASE WHEN g % 3 = 0 THEN (now() AT TIME ZONE 'UTC') - g * interval '1 second' END \
           FROM generate_series(1, 100000) g",
    ));
    w.app.exec(sql_query(
        "INSERT INTO plans (user_id, title, destination, status, is_public, created_at) \
         SELECT id, 'Trip ' || id, 'Porto', 'published', id % 2 = 0, \
                (now() AT TIME ZONE 'UTC') - (id % 60) * interval '1 day' \
           FROM users WHERE username LIKE 'bench%'",
    ));
    w.app.exec(sql_query(
        "INSERT INTO plan_activities (plan_id, title) SELECT id, 'Walk' FROM plans",
    ));
    w.app.exec(sql_query(
        "INSERT INTO user_sessions (user_id, session_key, expires_at, user_agent) \
         SELECT id, md5('b' || id), (now() AT TIME ZONE 'UTC') + interval '1 day', 'curl/8' \
           FROM users WHERE username LIKE 'bench%'",
    ));
    w.app.exec(sql_query("INSERT INTO rate_limits (identifier, identifier_type, request_count, reset_date) \
         SELECT '10.3.' || g, 'login_ip', g % 50, (now() AT TIME ZONE 'UTC')::date FROM generate_series(1, 20000) g"));
    w.app.exec(sql_query("ANALYZE"));
    println!("seeded in {:?}", started.elapsed());
    // A new browser: the first one's idle keep-alive connection was closed meanwhile.
    let admin = w.app.signed_in(&w.staff).await;
    let user: i32 = w
        .app
        .one::<Option<i32>, _>(
            users::table
                .filter(users::username.like("bench%"))
                .select(min(users::id)),
        )
        .unwrap();
    let plan: i32 = w
        .app
        .one::<Option<i32>, _>(
            plans::table
                .filter(plans::user_id.eq(user))
                .select(min(plans::id)),
        )
        .unwrap();
    for page in [
        "/admin".to_string(),
        "/admin/users".into(),
        "/admin/users?sort=email&after=bench5%40example.com".into(),
        "/admin/users?sort=last_login".into(),
        "/admin/users?q=bench4242".into(),
        "/admin/users?provider=google&verified=yes".into(),
        format!("/admin/users/{user}"),
        format!("/admin/users/{user}/delete"),
        "/admin/plans".into(),
        "/admin/plans?owner=bench77".into(),
        "/admin/plans?q=trip+99".into(),
        format!("/admin/plans/{plan}"),
        "/admin/sessions".into(),
        "/admin/rate-limits".into(),
    ] {
        let mut times = Vec::new();
        for _ in 0..5 {
            let t = std::time::Instant::now();
            assert_eq!(admin.get(&page).await.status(), StatusCode::OK);
            times.push(t.elapsed());
        }
        times.sort();
        println!(
            "{page:<55} median {:>8.1?}  max {:>8.1?}",
            times[2], times[4]
        );
    }
}
