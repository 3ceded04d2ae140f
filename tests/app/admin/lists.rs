//! The users and plans lists (search, filters, sorts, keyset pages) and the number of
//! statements each admin page runs.

use std::collections::BTreeMap;

use chrono::Duration;
use diesel::prelude::*;
use wayfare::db::schema::{plan_activities, plans, user_sessions, users};
use wayfare::domain::PlanStatus;
use wayfare::domain::ids::UserId;
use wayfare::models::plan::Plan;
use wayfare::models::user::User;

use super::*;

// ---------------------------------------------------------------- lists

/// Which rows a list with some search and filters shows.
type Keep<Row> = Box<dyn Fn(&Row) -> bool>;

#[tokio::test]
async fn the_users_list_searches_filters_sorts_and_pages_through_everyone_once() {
    let w = world().await;
    let now = chrono::Utc::now().naive_utc();
    let accounts: Vec<_> = (1..=130i64)
        .map(|g| {
            (
                users::email.eq(format!("user{g}@example.com")),
                users::username.eq(format!("user{g:03}")),
                users::password_hash.eq("!"),
                users::first_name.eq(format!("First{g}")),
                users::last_name.eq((g % 10 == 0).then_some("Zed")),
                users::is_active.eq(g % 7 != 0),
                users::is_verified.eq(g % 2 == 0),
                users::is_staff.eq(g % 25 == 0),
                users::google_id.eq((g % 3 == 0).then(|| format!("g{g}"))),
                users::facebook_id.eq((g % 5 == 0).then(|| format!("f{g}"))),
                users::date_joined.eq(now - Duration::hours(g)),
                users::last_login.eq((g % 4 == 0).then(|| now - Duration::minutes(g % 8))),
            )
        })
        .collect();
    w.app
        .exec(diesel::insert_into(users::table).values(accounts));
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
    let trips: Vec<_> = (1..=120)
        .map(|g| {
            (
                plans::user_id.eq(if g % 2 == 0 { w.alice.id } else { bob.id }),
                plans::title.eq(format!("Trip {g}")),
                plans::destination.eq(if g % 3 == 0 { "Porto" } else { "Faro" }),
                plans::status.eq(PlanStatus::ALL[g % 3]),
                plans::is_public.eq(g % 4 == 0),
            )
        })
        .collect();
    w.app.exec(diesel::insert_into(plans::table).values(trips));
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
    let now = chrono::Utc::now().naive_utc();
    let accounts: Vec<_> = (1..=120i64)
        .map(|g| {
            (
                users::email.eq(format!("user{g}@example.com")),
                users::username.eq(format!("user{g}")),
                users::password_hash.eq("!"),
                users::first_name.eq(format!("U{g}")),
                users::is_verified.eq(true),
                users::last_login.eq(now - Duration::minutes(g)),
            )
        })
        .collect();
    w.app
        .exec(diesel::insert_into(users::table).values(accounts));
    let everyone: Vec<(i32, String)> = w.app.all(users::table.select((users::id, users::username)));
    let trips: Vec<_> = everyone
        .iter()
        .flat_map(|(id, _)| {
            (1..=2).map(move |g| {
                (
                    plans::user_id.eq(if id % 2 == 0 { u } else { UserId(*id) }),
                    plans::title.eq(format!("Trip {id}-{g}")),
                    plans::status.eq(PlanStatus::Published),
                    plans::is_public.eq(true),
                )
            })
        })
        .collect();
    w.app.exec(diesel::insert_into(plans::table).values(trips));
    let every_plan: Vec<i32> = w.app.all(plans::table.select(plans::id));
    let activities: Vec<_> = every_plan
        .iter()
        .flat_map(|plan| {
            (1..=3).map(move |g| {
                (
                    plan_activities::plan_id.eq(*plan),
                    plan_activities::title.eq(format!("Activity {g}")),
                )
            })
        })
        .collect();
    w.app
        .exec(diesel::insert_into(plan_activities::table).values(activities));
    let address: ipnetwork::IpNetwork = "10.0.0.1".parse().unwrap();
    let sessions: Vec<_> = everyone
        .iter()
        .filter(|(_, username)| username.starts_with("user"))
        .map(|(id, _)| {
            (
                user_sessions::user_id.eq(if id % 3 == 0 { u } else { UserId(*id) }),
                user_sessions::session_key.eq(crate::support::sha256_hex(&format!("s{id}"))),
                user_sessions::expires_at.eq(now + Duration::days(1)),
                user_sessions::ip_address.eq(address),
                user_sessions::user_agent.eq("curl/8"),
            )
        })
        .collect();
    w.app
        .exec(diesel::insert_into(user_sessions::table).values(sessions));
    for g in 1..=120 {
        w.app
            .counter("login_ip", &format!("10.2.{g}"))
            .count(g)
            .insert();
    }
    assert!(w.app.plans_of(u).len() > 50);
    assert!(
        w.app.one::<i64, _>(
            user_sessions::table
                .filter(user_sessions::user_id.eq(u))
                .count()
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
