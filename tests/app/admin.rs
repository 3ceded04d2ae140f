//! Staff-only administration: who gets in (and who loses access at once), what each
//! action changes and what it leaves alone, the rules protecting staff accounts, CSRF,
//! escaping, pagination, the audit log, and a constant number of statements per page.

use std::collections::BTreeSet;

use reqwest::StatusCode;
use reqwest::header::LOCATION;

use crate::support::{Browser, TABLES, TestApp, TestUser, spawn_app};
use wayfare::domain::ids::{ActivityId, PlanId, UserId};

mod access;
mod audit;
mod dashboard;
mod lists;
mod moderation;
mod plan_team;
mod rate_limits;
mod users;

// ---------------------------------------------------------------- fixtures

fn make_staff(app: &TestApp, username: &str) -> TestUser {
    app.user(username).staff().insert()
}

/// A plan straight in the database (as a superuser, past row-level security).
fn create_plan(
    app: &TestApp,
    owner: UserId,
    title: &str,
    status: &str,
    public: bool,
    token: Option<&str>,
) -> PlanId {
    let plan = app
        .plan_of(owner)
        .title(title)
        .destination("Lisbon")
        .description("Old town and the coast")
        .status(status)
        .dates("2026-07-01", "2026-07-03");
    let plan = if public { plan.public() } else { plan };
    match token {
        Some(token) => plan.share_token(token),
        None => plan,
    }
    .insert()
    .id
}

fn create_activity(app: &TestApp, plan: PlanId, title: &str) -> ActivityId {
    app.activity(plan)
        .title(title)
        .location("Belém")
        .date("2026-07-02")
        .cost("12.50")
        .insert()
        .id
}

fn create_counter(app: &TestApp, kind: &str, identifier: &str, count: i32) -> i32 {
    app.counter(kind, identifier).count(count).insert().id
}

/// One row as JSON, to compare before and after an action (`null` when it is gone).
fn row(app: &TestApp, table: &str, id: impl Into<i32>) -> serde_json::Value {
    let id = id.into();
    app.rows_of(table)
        .into_iter()
        .find(|row| row["id"] == id)
        .unwrap_or_default()
}

/// The fields of two JSON rows that differ.
fn changed(before: &serde_json::Value, after: &serde_json::Value) -> BTreeSet<String> {
    let (before, after) = (before.as_object().unwrap(), after.as_object().unwrap());
    before
        .keys()
        .filter(|k| before.get(*k) != after.get(*k))
        .cloned()
        .collect()
}

/// Every row of every table except those `except` picks out (table, column, value): what
/// must stay as it was while an action changes the rows it names.
fn snapshot_except(app: &TestApp, except: &[(&str, &str, i32)]) -> String {
    TABLES
        .iter()
        .map(|table| {
            let rows: Vec<serde_json::Value> = app
                .rows_of(table)
                .into_iter()
                .filter(|row| {
                    !except
                        .iter()
                        .any(|(t, column, value)| t == table && row[*column] == *value)
                })
                .collect();
            format!("{table}: {}\n", serde_json::Value::Array(rows))
        })
        .collect()
}

fn fields(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|n| n.to_string()).collect()
}

fn location(response: &reqwest::Response) -> String {
    response.headers()[LOCATION].to_str().unwrap().to_string()
}

/// Follows a 303 and returns the page it leads to (with the flash the action left).
async fn follow(browser: &Browser, response: reqwest::Response) -> String {
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let page = browser.get(&location(&response)).await;
    assert_eq!(page.status(), StatusCode::OK);
    page.text().await.unwrap()
}

fn select_all(html: &str, selector: &str, attr: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse(selector).unwrap();
    doc.select(&selector)
        .filter_map(|e| e.value().attr(attr).map(str::to_string))
        .collect()
}

/// The rows of an admin list, as the ids their first links point to.
fn listed_ids(html: &str, prefix: &str) -> Vec<i32> {
    select_all(html, "table.admin-table tbody tr td:first-child a", "href")
        .iter()
        .filter_map(|href| href.strip_prefix(prefix)?.parse().ok())
        .collect()
}

fn next_page(html: &str) -> Option<String> {
    select_all(html, "nav.pager a[role=button]", "href")
        .into_iter()
        .next()
}

/// Every page of a list, following the "Next page" links.
async fn all_pages(browser: &Browser, first: &str, prefix: &str) -> Vec<i32> {
    let mut ids = Vec::new();
    let mut link = Some(first.to_string());
    let mut pages = 0;
    while let Some(path) = link {
        let response = browser.get(&path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let html = response.text().await.unwrap();
        let page = listed_ids(&html, prefix);
        assert!(page.len() <= 50, "a page has at most 50 rows");
        ids.extend(page);
        link = next_page(&html);
        pages += 1;
        assert!(pages < 100, "pagination does not end");
    }
    ids
}

/// A comma-separated list of ids from SQL, as numbers.
/// `term` in any of `fields`, ignoring case (as ILIKE '%term%' finds it).
fn contains_any(fields: &[Option<&str>], term: &str) -> bool {
    let term = term.to_lowercase();
    fields
        .iter()
        .flatten()
        .any(|field| field.to_lowercase().contains(&term))
}

/// Everything the staff pages are about: a staff member signed in, a traveller (Alice)
/// with a shared public plan, an activity, a session and a rate-limit counter.
struct World {
    app: TestApp,
    staff: TestUser,
    admin: Browser,
    alice: TestUser,
    alice_browser: Browser,
    plan: PlanId,
    session: i32,
}

async fn world() -> World {
    world_with(spawn_app().await).await
}

async fn world_with(app: TestApp) -> World {
    let staff = make_staff(&app, "stella");
    let alice = app.user("alice").insert();
    let plan = create_plan(
        &app,
        alice.id,
        "Lisbon in July",
        "published",
        true,
        Some("tok-alice-lisbon-0123456789"),
    );
    create_activity(&app, plan, "Tram 28");
    create_counter(&app, "mail_account", &alice.id.to_string(), 2);
    let alice_browser = app.signed_in(&alice).await;
    let session = app.sessions_of(alice.id)[0].id;
    let admin = app.signed_in(&staff).await;
    World {
        app,
        staff,
        admin,
        alice,
        alice_browser,
        plan,
        session,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Method {
    Get,
    Post,
}

/// A method, a path, and the fields its form sends.
type Route = (Method, String, Vec<(&'static str, String)>);

/// Every admin route and method, with real ids.
fn admin_routes(w: &World) -> Vec<Route> {
    let (u, p, s) = (w.alice.id, w.plan, w.session);
    let none = Vec::new;
    let mut routes = vec![
        (Method::Get, "/admin".to_string(), none()),
        (Method::Get, "/admin/users".into(), none()),
        (
            Method::Get,
            "/admin/users?q=ali&staff=no&sort=email".into(),
            none(),
        ),
        (Method::Get, format!("/admin/users/{u}"), none()),
        (Method::Get, format!("/admin/users/{u}/delete"), none()),
        (Method::Get, "/admin/plans".into(), none()),
        (Method::Get, format!("/admin/plans/{p}"), none()),
        (Method::Get, "/admin/sessions".into(), none()),
        (Method::Get, "/admin/rate-limits".into(), none()),
    ];
    for action in [
        "deactivate",
        "activate",
        "verify",
        "grant-staff",
        "revoke-staff",
        "send-reset",
        "sessions/revoke",
        "delete",
    ] {
        routes.push((Method::Post, format!("/admin/users/{u}/{action}"), none()));
    }
    for action in ["unpublish", "archive", "revoke-share"] {
        routes.push((Method::Post, format!("/admin/plans/{p}/{action}"), none()));
    }
    routes.push((Method::Post, format!("/admin/sessions/{s}/revoke"), none()));
    routes.push((
        Method::Post,
        "/admin/rate-limits/reset".into(),
        vec![
            ("kind", "mail_account".to_string()),
            ("identifier", u.to_string()),
        ],
    ));
    routes
}

async fn send(
    browser: &Browser,
    method: Method,
    path: &str,
    form: &[(&'static str, String)],
) -> reqwest::Response {
    match method {
        Method::Get => browser.get(path).await,
        Method::Post => {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            browser.post_form(path, &form).await
        }
    }
}

/// The other method of a route answers 405, whoever asks, and changes nothing.
async fn wrong_method(browser: &Browser, method: Method, path: &str) -> StatusCode {
    match method {
        Method::Get => browser.post_form(path, &[]).await.status(),
        Method::Post => browser.get(path).await.status(),
    }
}

/// A first user id far from every other test's.
fn unique_id_start() -> i64 {
    1_000_000 + i64::from(rand::random::<u32>() % 1_000_000_000)
}
