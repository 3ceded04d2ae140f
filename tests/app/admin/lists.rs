//! The users and plans lists (search, filters, sorts, keyset pages) and the number of
//! statements each admin page runs.

use std::collections::BTreeMap;

use super::*;

// ---------------------------------------------------------------- lists

#[tokio::test]
async fn the_users_list_searches_filters_sorts_and_pages_through_everyone_once() {
    let w = world().await;
    w.app.exec(
        "INSERT INTO users (email, username, password_hash, first_name, last_name, is_active, \
         is_verified, is_staff, google_id, facebook_id, date_joined, last_login) \
         SELECT 'user' || g || '@example.com', 'user' || lpad(g::text, 3, '0'), '!', \
                'First' || g, CASE WHEN g % 10 = 0 THEN 'Zed' END, g % 7 <> 0, g % 2 = 0, g % 25 = 0, \
                CASE WHEN g % 3 = 0 THEN 'g' || g END, CASE WHEN g % 5 = 0 THEN 'f' || g END, \
                (now() AT TIME ZONE 'UTC') - g * interval '1 hour', \
                CASE WHEN g % 4 = 0 THEN (now() AT TIME ZONE 'UTC') - (g % 8) * interval '1 minute' END \
           FROM generate_series(1, 130) g",
    );
    let matches = |term: &str| {
        format!(
            "(email ILIKE '%{term}%' OR username ILIKE '%{term}%' \
             OR concat_ws(' ', first_name, last_name) ILIKE '%{term}%')"
        )
    };
    let sorts = [
        ("newest", "id DESC"),
        ("oldest", "id ASC"),
        ("email", "email ASC"),
        ("username", "username ASC"),
        ("last_login", "last_login DESC NULLS LAST, id DESC"),
    ];
    for (sort, order) in sorts {
        let listed = all_pages(
            &w.admin,
            &format!("/admin/users?sort={sort}"),
            "/admin/users/",
        )
        .await;
        let expected = ids_from(
            &w.app,
            &format!("SELECT string_agg(id::text, ',' ORDER BY {order}) FROM users"),
        );
        assert_eq!(listed, expected, "sort {sort}");
    }
    let filters = [
        ("active=no", "is_active = false"),
        ("active=yes", "is_active IS DISTINCT FROM false"),
        ("verified=yes", "is_verified"),
        ("verified=no", "is_verified IS DISTINCT FROM true"),
        ("staff=yes", "is_staff"),
        ("provider=google", "google_id IS NOT NULL"),
        ("provider=facebook", "facebook_id IS NOT NULL"),
        ("q=FIRST12", &*matches("first12")),
        ("q=first10+zed", &*matches("first10 zed")),
        ("q=USER00", &*matches("user00")),
        ("q=alice%40example", &*matches("alice@example")),
        ("q=%25", "false"),
        ("q=_", "false"),
        (
            "staff=no&verified=yes&provider=google&sort=username",
            "is_staff IS DISTINCT FROM true AND is_verified AND google_id IS NOT NULL",
        ),
    ];
    for (query, condition) in filters {
        let listed: BTreeSet<i32> =
            all_pages(&w.admin, &format!("/admin/users?{query}"), "/admin/users/")
                .await
                .into_iter()
                .collect();
        let expected: BTreeSet<i32> = ids_from(
            &w.app,
            &format!("SELECT string_agg(id::text, ',') FROM users WHERE {condition}"),
        )
        .into_iter()
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
    let bob = w.app.create_user("bob");
    w.app.exec(&format!(
        "INSERT INTO plans (user_id, title, destination, status, is_public) \
         SELECT CASE WHEN g % 2 = 0 THEN {} ELSE {} END, 'Trip ' || g, \
                CASE WHEN g % 3 = 0 THEN 'Porto' ELSE 'Faro' END, \
                (ARRAY['draft', 'published', 'archived'])[g % 3 + 1], g % 4 = 0 \
           FROM generate_series(1, 120) g",
        w.alice.id, bob.id
    ));
    let everything = all_pages(&w.admin, "/admin/plans", "/admin/plans/").await;
    assert_eq!(
        everything,
        ids_from(
            &w.app,
            "SELECT string_agg(id::text, ',' ORDER BY id DESC) FROM plans"
        )
    );
    let alice_by_id = format!("owner={}", w.alice.id);
    let matches = |term: &str| format!("(title ILIKE '%{term}%' OR destination ILIKE '%{term}%')");
    let filters = [
        ("status=archived", "status = 'archived'".to_string()),
        ("public=yes", "is_public".into()),
        ("public=no", "is_public IS DISTINCT FROM true".into()),
        ("q=porto", matches("porto")),
        ("q=trip+1", matches("trip 1")),
        ("owner=bob", format!("user_id = {}", bob.id)),
        ("owner=BOB%40example.com", format!("user_id = {}", bob.id)),
        (&alice_by_id, format!("user_id = {}", w.alice.id)),
        ("owner=nobody", "false".into()),
        (
            "status=draft&public=yes&owner=alice",
            format!(
                "status = 'draft' AND is_public AND user_id = {}",
                w.alice.id
            ),
        ),
    ];
    for (query, condition) in filters {
        let listed: BTreeSet<i32> =
            all_pages(&w.admin, &format!("/admin/plans?{query}"), "/admin/plans/")
                .await
                .into_iter()
                .collect();
        let expected: BTreeSet<i32> = ids_from(
            &w.app,
            &format!("SELECT string_agg(id::text, ',') FROM plans WHERE {condition}"),
        )
        .into_iter()
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
    w.app.exec(
        "INSERT INTO users (email, username, password_hash, first_name, is_verified, last_login) \
         SELECT 'user' || g || '@example.com', 'user' || g, '!', 'U' || g, true, \
                (now() AT TIME ZONE 'UTC') - g * interval '1 minute' \
           FROM generate_series(1, 120) g",
    );
    w.app.exec(&format!(
        "INSERT INTO plans (user_id, title, status, is_public) \
         SELECT CASE WHEN u.id % 2 = 0 THEN {u} ELSE u.id END, 'Trip ' || u.id || '-' || g, \
                'published', true \
           FROM users u, generate_series(1, 2) g"
    ));
    w.app.exec(
        "INSERT INTO plan_activities (plan_id, title) \
         SELECT p.id, 'Activity ' || g FROM plans p, generate_series(1, 3) g",
    );
    w.app.exec(&format!(
        "INSERT INTO user_sessions (user_id, session_key, expires_at, ip_address, user_agent) \
         SELECT CASE WHEN id % 3 = 0 THEN {u} ELSE id END, md5('s' || id), \
                (now() AT TIME ZONE 'UTC') + interval '1 day', '10.0.0.1', 'curl/8' \
           FROM users WHERE username LIKE 'user%'"
    ));
    w.app.exec(&format!(
        "INSERT INTO rate_limits (identifier, identifier_type, request_count, reset_date) \
         SELECT '10.2.' || g, 'login_ip', g, {TODAY} FROM generate_series(1, 120) g"
    ));
    assert!(w.app.count(&format!("plans WHERE user_id = {u}")) > 50);
    assert!(w.app.count(&format!("user_sessions WHERE user_id = {u}")) > 30);

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
