//! The users and plans lists (search, filters, sorts, keyset pages) and the number of
//! statements each admin page runs.

use std::collections::BTreeMap;

use diesel::prelude::*;
use diesel::sql_query;
use diesel::sql_types::Integer;
use wayfare::db::schema::{plans, users};
use wayfare::models::plan::Plan;
use wayfare::models::user::User;

use super::*;

// ---------------------------------------------------------------- lists

/// Which rows a list with some search and filters shows.
type Keep<Row> = Box<dyn Fn(&Row) -> bool>;

#[tokio::test]
async fn the_users_list_searches_filters_sorts_and_pages_through_everyone_once() {
    let w = world().await;
    w.app.exec(sql_query("INSERT INTO users (email, username, password_hash, first_name, last_name, is_active, \
         is_verified, is_staff, google_id, facebook_id, date_joined, last_login) \
         SELECT 'user' || g || '@example.com', 'user' || lpad(g::text, 3, '0'), '!', \
                'First' || g, CASE WHEN g % 10 = 0 THEN 'Zed' END, g % 7 <> 0, g % 2 = 0, g % 25 = 0, \
                CASE WHEN g % 3 = 0 THEN 'g' || g END, CASE WHEN g % 5 = 0 THEN 'f' || g END, \
                (now() AT TIME ZONE 'UTC') - g * interval '1 hour', \
                CASE WHEN g % 4 = 0 THEN (now() AT TIME ZONE 'UTC') - (g % 8) * interval '1 minute' END \
           FROM generate_series(1, 130) g"));
    // The admin list's search: address, username or full name.
    fn matches(term: &'static str) -> Keep<User> {
        Box::new(move |u: &User| {
            let name = [u.first_name.as_deref(), u.last_name.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            contains_any(&[Some(&u.email), Some(&u.username), Some(&name)], term)
        })
    }
    for sort in ["newest", "oldest", "email", "username", "last_login"] {
        let listed = all_pages(
            &w.admin,
            &format!("/admin/users?sort={sort}"),
            "/admin/users/",
        )
        .await;
        let by = users::table.select(users::id).into_boxed();
        let expected: Vec<i32> = w.app.all(match sort {
            "newest" => by.order(users::id.desc()),
            "oldest" => by.order(users::id.asc()),
            "email" => by.order(users::email.asc()),
            "username" => by.order(users::username.asc()),
            _ => by.order((users::last_login.desc().nulls_last(), users::id.desc())),
        });
        assert_eq!(listed, expected, "sort {sort}");
    }
    let filters: [(&str, Keep<User>); 14] = [
        ("active=no", Box::new(|u| u.is_active == Some(false))),
        ("active=yes", Box::new(|u| u.is_active != Some(false))),
        ("verified=yes", Box::new(|u| u.is_verified == Some(true))),
        ("verified=no", Box::new(|u| u.is_verified != Some(true))),
        ("staff=yes", Box::new(|u| u.is_staff == Some(true))),
        ("provider=google", Box::new(|u| u.google_id.is_some())),
        ("provider=facebook", Box::new(|u| u.facebook_id.is_some())),
        ("q=FIRST12", matches("first12")),
        ("q=first10+zed", matches("first10 zed")),
        ("q=USER00", matches("user00")),
        ("q=alice%40example", matches("alice@example")),
        ("q=%25", Box::new(|_| false)),
        ("q=_", Box::new(|_| false)),
        (
            "staff=no&verified=yes&provider=google&sort=username",
            Box::new(|u| {
                u.is_staff != Some(true) && u.is_verified == Some(true) && u.google_id.is_some()
            }),
        ),
    ];
    let everyone: Vec<User> = w.app.all(users::table.select(User::as_select()));
    for (query, keep) in filters {
        let listed: BTreeSet<i32> =
            all_pages(&w.admin, &format!("/admin/users?{query}"), "/admin/users/")
                .await
                .into_iter()
                .collect();
        let expected: BTreeSet<i32> = everyone
            .iter()
            .filter(|u| keep(u))
            .map(|u| u.id.0)
            .collect();
        assert_eq!(listed, expected, "{query}");
    }
    let page = w.admin.get_html("/admin/users?q=nobody-at-all").await;
    assert!(page.contains("No users match"));
    // A forged cursor is ignored, not an error.
    assert_eq!(
        w.admin
            .get("/admin/users?sort=last_login&after=x.y")
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_plans_list_shows_every_plan_with_search_filters_and_pages() {
    let w = world().await;
    let bob = w.app.user("bob").insert();
    w.app.exec(
        sql_query(
            "INSERT INTO plans (user_id, title, destination, status, is_public) \
         SELECT CASE WHEN g % 2 = 0 THEN $1 ELSE $2 END, 'Trip ' || g, \
                CASE WHEN g % 3 = 0 THEN 'Porto' ELSE 'Faro' END, \
                (ARRAY['draft', 'published', 'archived'])[g % 3 + 1], g % 4 = 0 \
           FROM generate_series(1, 120) g",
        )
        .bind::<Integer, _>(w.alice.id)
        .bind::<Integer, _>(bob.id),
    );
    let everything = all_pages(&w.admin, "/admin/plans", "/admin/plans/").await;
    assert_eq!(
        everything,
        w.app
            .all::<i32, _>(plans::table.order(plans::id.desc()).select(plans::id))
    );
    let alice_by_id = format!("owner={}", w.alice.id);
    fn matches(term: &'static str) -> Keep<Plan> {
        Box::new(move |p: &Plan| contains_any(&[Some(&p.title), p.destination.as_deref()], term))
    }
    let (alice, bob) = (w.alice.id, bob.id);
    let filters: [(&str, Keep<Plan>); 10] = [
        (
            "status=archived",
            Box::new(|p| p.status.map(|s| s.as_str()) == Some("archived")),
        ),
        ("public=yes", Box::new(|p| p.is_public == Some(true))),
        ("public=no", Box::new(|p| p.is_public != Some(true))),
        ("q=porto", matches("porto")),
        ("q=trip+1", matches("trip 1")),
        ("owner=bob", Box::new(move |p| p.user_id == bob)),
        (
            "owner=BOB%40example.com",
            Box::new(move |p| p.user_id == bob),
        ),
        (&alice_by_id, Box::new(move |p| p.user_id == alice)),
        ("owner=nobody", Box::new(|_| false)),
        (
            "status=draft&public=yes&owner=alice",
            Box::new(move |p| {
                p.status.map(|s| s.as_str()) == Some("draft")
                    && p.is_public == Some(true)
                    && p.user_id == alice
            }),
        ),
    ];
    let every_plan: Vec<Plan> = w.app.all(plans::table.select(Plan::as_select()));
    for (query, keep) in filters {
        let listed: BTreeSet<i32> =
            all_pages(&w.admin, &format!("/admin/plans?{query}"), "/admin/plans/")
                .await
                .into_iter()
                .collect();
        let expected: BTreeSet<i32> = every_plan
            .iter()
            .filter(|p| keep(p))
            .map(|p| p.id.0)
            .collect();
        assert_eq!(listed, expected, "{query}");
    }
    let page = w.admin.get_html("/admin/plans?owner=alice").await;
    assert!(page.contains(&format!("href=\"/admin/users/{}\">alice</a>", w.alice.id)));
}

// ---------------------------------------------------------------- statements per page

/// Statements the server runs for one page view.
async fn statements(app: &TestApp, browser: &Browser, path: &str) -> u64 {
    let before = app.queries.get();
    let response = browser.get(path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.text().await.unwrap();
    app.queries.get() - before
}

#[tokio::test]
async fn admin_pages_run_the_same_number_of_statements_whatever_the_data() {
    let w = world().await;
    let (u, p) = (w.alice.id, w.plan);
    let pages = [
        "/admin".to_string(),
        "/admin/users".into(),
        "/admin/users?q=user&verified=yes&sort=last_login".into(),
        format!("/admin/users/{u}"),
        format!("/admin/users/{u}/delete"),
        "/admin/plans".into(),
        "/admin/plans?status=published&owner=alice".into(),
        format!("/admin/plans/{p}"),
        "/admin/sessions".into(),
        "/admin/rate-limits".into(),
    ];
    let mut small = BTreeMap::new();
    for page in &pages {
        small.insert(page.clone(), statements(&w.app, &w.admin, page).await);
    }

    // Many more of everything, more than a page of each list, and more for Alice.
    w.app.exec(sql_query(
        "INSERT INTO users (email, username, password_hash, first_name, is_verified, last_login) \
         SELECT 'user' || g || '@example.com', 'user' || g, '!', 'U' || g, true, \
                (now() AT TIME ZONE 'UTC') - g * interval '1 minute' \
           FROM generate_series(1, 120) g",
    ));
    w.app.exec(
        sql_query(
            "INSERT INTO plans (user_id, title, status, is_public) \
         SELECT CASE WHEN u.id % 2 = 0 THEN $1 ELSE u.id END, 'Trip ' || u.id || '-' || g, \
                'published', true \
           FROM users u, generate_series(1, 2) g",
        )
        .bind::<Integer, _>(u),
    );
    w.app.exec(sql_query(
        "INSERT INTO plan_activities (plan_id, title) \
         SELECT p.id, 'Activity ' || g FROM plans p, generate_series(1, 3) g",
    ));
    w.app.exec(
        sql_query(
            "INSERT INTO user_sessions (user_id, session_key, expires_at, ip_address, user_agent) \
         SELECT CASE WHEN id % 3 = 0 THEN $1 ELSE id END, md5('s' || id), \
                (now() AT TIME ZONE 'UTC') + interval '1 day', '10.0.0.1', 'curl/8' \
           FROM users WHERE username LIKE 'user%'",
        )
        .bind::<Integer, _>(u),
    );
    w.app.exec(sql_query("INSERT INTO rate_limits (identifier, identifier_type, request_count, reset_date) \
         SELECT '10.2.' || g, 'login_ip', g, (now() AT TIME ZONE 'UTC')::date FROM generate_series(1, 120) g"));
    assert!(
        w.app.count(
            sql_query("SELECT count(*) FROM plans WHERE user_id = $1").bind::<Integer, _>(u)
        ) > 50
    );
    assert!(
        w.app.count(
            sql_query("SELECT count(*) FROM user_sessions WHERE user_id = $1")
                .bind::<Integer, _>(u)
        ) > 30
    );

    for page in &pages {
        let many = statements(&w.app, &w.admin, page).await;
        assert_eq!(
            many, small[page],
            "{page}: {} statements, then {many}",
            small[page]
        );
        assert!(many <= 8, "{page} runs {many} statements");
    }
}
