//! Every route of the URL map, with every method, as an attacker meets it: anonymous, as
//! another user, as a signed-in user who is not staff. No unsafe request without a valid
//! CSRF token changes anything; nobody reads or changes another user's data; no input in
//! the path or the body makes the server fail (5xx).
//!
//! The routes are read from `src/routes/mod.rs` and `src/routes/admin/mod.rs`, so a route
//! added there is walked here too (or the walk stops and asks how to fill its placeholders).

use diesel::prelude::*;
use reqwest::{Method, StatusCode};
use wayfare::db::schema::{archived_plan_activities, archived_plans, plan_activities, plans};
use wayfare::models::archive::ArchivedPlan;
use wayfare::models::user_session::UserSession;

use crate::support::{Browser, TestApp, TestUser, assert_security_headers, spawn_app, unique};
use wayfare::domain::ids::PlanId;

const ROUTE_SOURCES: [&str; 2] = [
    include_str!("../../src/routes/mod.rs"),
    include_str!("../../src/routes/admin/mod.rs"),
];

const METHODS: [Method; 5] = [
    Method::GET,
    Method::POST,
    Method::PUT,
    Method::PATCH,
    Method::DELETE,
];
const UNSAFE: [Method; 4] = [Method::POST, Method::PUT, Method::PATCH, Method::DELETE];

/// Every path template registered with `resource("…")`, in the order of the sources.
pub fn route_templates() -> Vec<String> {
    let mut routes = Vec::new();
    for source in ROUTE_SOURCES {
        let mut rest = source;
        while let Some(at) = rest.find("resource(\"") {
            rest = &rest[at + "resource(\"".len()..];
            let end = rest.find('"').unwrap();
            routes.push(rest[..end].to_string());
            rest = &rest[end..];
        }
    }
    assert!(routes.len() > 60, "the URL map was not found: {routes:?}");
    routes
}

/// The ids that fill a template's placeholders.
#[derive(Clone)]
pub struct Ids {
    pub plan: String,
    pub activity: String,
    pub user: String,
    pub session: String,
    pub archived: String,
    /// A delete of the victim's that "Undo" could put back.
    pub deleted: String,
    pub share_token: String,
    /// A pending invitation to the victim's plan.
    pub invitation: String,
    pub mail_token: String,
    pub provider: String,
    pub asset: String,
}

impl Ids {
    /// The same value in every placeholder: for malformed input.
    pub fn all(value: &str) -> Ids {
        Ids {
            plan: value.into(),
            activity: value.into(),
            user: value.into(),
            session: value.into(),
            archived: value.into(),
            deleted: value.into(),
            share_token: value.into(),
            invitation: value.into(),
            mail_token: value.into(),
            provider: value.into(),
            asset: value.into(),
        }
    }
}

/// A concrete path for a template; fails on a placeholder it does not know.
pub fn instantiate(template: &str, ids: &Ids) -> String {
    let id = if template.starts_with("/admin/users/") {
        &ids.user
    } else if template.contains("/sessions/{id}") {
        &ids.session
    } else if template.starts_with("/plans/archive/") {
        &ids.archived
    } else if template.starts_with("/undo/") {
        &ids.deleted
    } else {
        &ids.plan
    };
    let token = if template.starts_with("/s/") {
        &ids.share_token
    } else {
        &ids.mail_token
    };
    let path = template
        .replace("{id}", id)
        .replace("{aid}", &ids.activity)
        .replace("{user_id}", &ids.user)
        .replace("{invitation_id}", &ids.invitation)
        .replace("{token}", token)
        .replace("{provider}", &ids.provider)
        .replace("{path:.*}", &ids.asset);
    assert!(
        !path.contains('{'),
        "{template}: teach tests/app/security.rs this placeholder"
    );
    path
}

/// A victim with a private plan (shared by link), activities, an archived plan and an open
/// session; another user (mallory) with a plan of his own; a staff member.
pub struct World {
    pub victim: TestUser,
    pub victim_browser: Browser,
    pub mallory_browser: Browser,
    pub mallory_plan: PlanId,
    pub staff_browser: Browser,
    pub ids: Ids,
    /// What only the victim (and staff) may see.
    pub secrets: Vec<String>,
}

impl World {
    pub async fn build(app: &TestApp) -> World {
        let victim = app.user(&unique("victim")).insert();
        let title = unique("Victim-secret-plan-");
        let plan = app.plan(&victim).title(&title).lisbon_trip().insert().id;
        let activity_title = unique("Victim-secret-activity-");
        let activity = app
            .activity(plan)
            .title(&activity_title)
            .date("2026-07-01")
            .cost("55")
            .next_in_order()
            .insert()
            .id;
        app.activity(plan)
            .title("Second stop")
            .date("2026-07-02")
            .cost("5")
            .next_in_order()
            .insert();
        let share_token = unique("victimsharetoken_");
        app.exec(diesel::update(plans::table.find(plan)).set(plans::share_token.eq(&share_token)));
        let archived_title = unique("Victim-secret-archived-");
        let old = app
            .plan(&victim)
            .title(&archived_title)
            .lisbon_trip()
            .insert()
            .id;
        app.activity(old)
            .title("Archived stop")
            .date("2026-07-01")
            .cost("1")
            .next_in_order()
            .insert();
        // Moved, every column as it is, as `wayfare archive` moves a plan.
        app.exec(
            diesel::insert_into(archived_plans::table)
                .values(plans::table.filter(plans::id.eq(old))),
        );
        app.exec(
            diesel::insert_into(archived_plan_activities::table)
                .values(plan_activities::table.filter(plan_activities::plan_id.eq(old))),
        );
        app.exec(diesel::delete(plans::table.find(old)));
        let invitation: i32 = app.one(diesel::dsl::sql::<diesel::sql_types::Integer>(&format!(
            "INSERT INTO plan_invitations (plan_id, email, role, token_hash, expires_at) \
             VALUES ({plan}, 'victims.friend@example.com', 'editor', repeat('b', 64), \
             now() + interval '7 days') RETURNING id"
        )));
        let victim_browser = app.signed_in(&victim).await;
        // An activity the victim has just deleted, which only the victim may undo.
        let deleted_title = unique("Victim-secret-deleted-");
        let gone = app
            .activity(plan)
            .title(&deleted_title)
            .date("2026-07-03")
            .next_in_order()
            .insert()
            .id;
        let response = victim_browser
            .post_form(&format!("/plans/{plan}/activities/{gone}/delete"), &[])
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let deleted = app.rows_of("deleted_items")[0]["id"].to_string();
        let session = app.session_row_of(&victim_browser).unwrap().id;

        let mallory = app.user(&unique("mallory")).insert();
        let mallory_plan = app
            .plan(&mallory)
            .title("Mallory's own trip")
            .lisbon_trip()
            .insert()
            .id;
        app.activity(mallory_plan)
            .title("Mallory's stop")
            .date("2026-07-01")
            .cost("1")
            .next_in_order()
            .insert();
        let mallory_browser = app.signed_in(&mallory).await;

        let staff = app.user(&unique("staff")).staff().insert();
        let staff_browser = app.signed_in(&staff).await;

        World {
            secrets: vec![
                title,
                activity_title,
                archived_title,
                deleted_title,
                victim.email.clone(),
                share_token.clone(),
            ],
            ids: Ids {
                plan: plan.to_string(),
                activity: activity.to_string(),
                user: victim.id.to_string(),
                session: session.to_string(),
                archived: old.to_string(),
                deleted,
                share_token,
                invitation: invitation.to_string(),
                mail_token: "AAAA.BBBB.CCCC".into(),
                provider: "google".into(),
                asset: "css/app.css".into(),
            },
            victim,
            victim_browser,
            mallory_browser,
            mallory_plan,
            staff_browser,
        }
    }

    /// Every row that belongs to the victim, every column, as text.
    pub fn victim_rows(&self, app: &TestApp) -> String {
        use wayfare::db::schema::user_sessions as s;
        let v = self.victim.id;
        let plans = app.plans_of(v);
        let activities: Vec<_> = plans.iter().map(|p| app.activities_of(p.id)).collect();
        let archived: Vec<ArchivedPlan> = app.all(
            archived_plans::table
                .filter(archived_plans::user_id.eq(v))
                .order(archived_plans::id)
                .select(ArchivedPlan::as_select()),
        );
        // Archived activities have no model: their rows as the snapshots dump them.
        let archived_activities: Vec<_> = app
            .rows_of("archived_plan_activities")
            .into_iter()
            .filter(|a| archived.iter().any(|p| a["plan_id"] == p.id.0))
            .collect();
        let deleted: Vec<_> = app
            .rows_of("deleted_items")
            .into_iter()
            .filter(|d| d["user_id"] == v.0)
            .collect();
        let sessions: Vec<UserSession> = app.all(
            s::table
                .filter(s::user_id.eq(v))
                .order(s::id)
                .select(UserSession::as_select()),
        );
        format!(
            "{:?}",
            (
                app.user_row(v),
                plans,
                activities,
                archived,
                archived_activities,
                deleted,
                sessions
            )
        )
    }
}

/// A token this browser's forms carry.
async fn token_of(browser: &Browser) -> String {
    browser.csrf_token().await.expect("a CSRF token")
}

/// Sends `method path` with a url-encoded body and extra headers; returns the status, the
/// Location header and the body (lossy text).
pub async fn send(
    browser: &Browser,
    method: Method,
    path: &str,
    body: &[(&str, &str)],
    headers: &[(&str, &str)],
) -> (StatusCode, String, String) {
    let mut request = browser.client.request(method.clone(), browser.url(path));
    if method != Method::GET {
        request = request.form(body);
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request
        .send()
        .await
        .unwrap_or_else(|e| panic!("{method} {path}: no answer: {e}"));
    let status = response.status();
    assert_security_headers(response.headers());
    let location = response
        .headers()
        .get("location")
        .map(|v| String::from_utf8_lossy(v.as_bytes()).to_string())
        .unwrap_or_default();
    let bytes = response.bytes().await.unwrap_or_default();
    (
        status,
        location,
        String::from_utf8_lossy(&bytes).to_string(),
    )
}

/// A form with a field for every form of the site, aimed at the victim's rows.
fn attack_body(token: &str, world: &World, version: &str) -> Vec<(&'static str, String)> {
    vec![
        ("csrf_token", token.to_string()),
        ("title", "pwned".into()),
        ("description", "pwned".into()),
        ("destination", "pwned".into()),
        ("start_date", "2026-07-01".into()),
        ("end_date", "2026-07-09".into()),
        ("budget", "1".into()),
        ("currency", "EUR".into()),
        ("status", "archived".into()),
        ("visibility", "public".into()),
        ("version", version.into()),
        ("plan_data", r#"{"notes":"pwned"}"#.into()),
        ("direction", "day".into()),
        ("date", "2026-07-02".into()),
        ("ids", world.ids.activity.clone()),
        ("show_costs", "on".into()),
        ("show_bookings", "on".into()),
        ("display_name", "pwned".into()),
        ("kind", "flights".into()),
        ("provider", "pwned".into()),
        ("index", "0".into()),
        ("password", "wrong password 123".into()),
        ("confirmation", "DELETE".into()),
        ("next", "/admin".into()),
        ("q", world.victim.username.clone()),
    ]
}

fn pairs<'a>(body: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    body.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// The routes in walking order: logging out last, so a walker stays who it is.
fn walk_order() -> Vec<String> {
    let mut routes = route_templates();
    routes.sort_by_key(|r| r == "/logout");
    routes
}

#[test]
fn the_walk_knows_every_route_of_the_url_map() {
    let routes = route_templates();
    for expected in [
        "/",
        "/signup",
        "/plans/{id}/activities/{aid}/move",
        "/s/{token}/copy",
        "/admin/users/{id}/deactivate",
        "/admin/rate-limits/reset",
        "/account/delete",
    ] {
        assert!(routes.iter().any(|r| r == expected), "{expected} missing");
    }
    let ids = Ids::all("1");
    for route in &routes {
        instantiate(route, &ids);
    }
}

#[tokio::test]
async fn no_unsafe_request_without_a_valid_csrf_token_changes_anything() {
    let app = spawn_app().await;
    let world = World::build(&app).await;
    let anonymous = app.new_browser();
    anonymous.get("/login").await; // it has a CSRF cookie of its own, like any visitor
    let actors = [
        ("anonymous", &anonymous),
        ("another user", &world.mallory_browser),
        ("the owner", &world.victim_browser),
        ("staff", &world.staff_browser),
    ];
    // A valid token, but of another browser (the attacker's own).
    let foreign_token = token_of(&world.mallory_browser).await;
    let victim_token = token_of(&world.victim_browser).await;
    let before = app.snapshot();
    let evil = "https://evil.example";
    let mut requests = 0;
    for (who, browser) in actors {
        let own_token = token_of(browser).await;
        let origin = browser.address.clone();
        for template in walk_order() {
            let path = instantiate(&template, &world.ids);
            let body = attack_body("", &world, "0");
            let mut tries: Vec<Try> = Vec::new();
            for method in UNSAFE {
                // No token at all, with and without a same-site Origin.
                tries.push((method.clone(), body.clone(), vec![]));
                tries.push((
                    method.clone(),
                    body.clone(),
                    vec![("Origin", origin.clone())],
                ));
            }
            let with = |token: &str| {
                let mut b = body.clone();
                b[0].1 = token.to_string();
                b
            };
            // A made-up token; another browser's token; a token from the victim's page
            // replayed by someone else.
            tries.push((
                Method::POST,
                with("forged"),
                vec![("Origin", origin.clone())],
            ));
            if who != "another user" {
                tries.push((
                    Method::POST,
                    with(&foreign_token),
                    vec![("Origin", origin.clone())],
                ));
            }
            if who != "the owner" {
                tries.push((
                    Method::POST,
                    with(&victim_token),
                    vec![("Origin", origin.clone())],
                ));
            }
            // The right token, from another site (login CSRF and the like).
            tries.push((
                Method::POST,
                with(&own_token),
                vec![("Origin", evil.into())],
            ));
            tries.push((
                Method::POST,
                with(&own_token),
                vec![("Referer", format!("{evil}/page"))],
            ));
            // The right token in the header only, from another site.
            tries.push((
                Method::POST,
                body.clone(),
                vec![("X-CSRF-Token", own_token.clone()), ("Origin", evil.into())],
            ));
            for (method, body, headers) in tries {
                let headers: Vec<(&str, &str)> =
                    headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
                let (status, _, _) =
                    send(browser, method.clone(), &path, &pairs(&body), &headers).await;
                assert_eq!(
                    status,
                    StatusCode::FORBIDDEN,
                    "{who}: {method} {path} {headers:?} was not refused"
                );
                requests += 1;
            }
        }
    }
    assert_eq!(
        app.snapshot(),
        before,
        "a request without a valid token wrote"
    );
    assert!(
        world.victim_browser.signed_in_email().await.is_some(),
        "the victim was signed out"
    );
    eprintln!("CSRF walk: {requests} requests, all 403, nothing written");
}

/// One forged request: method, form and headers.
type Try<'a> = (Method, Vec<(&'a str, String)>, Vec<(&'a str, String)>);

/// Whether a response to someone else may show the victim's secrets: only the share page
/// (and its calendar), by its token.
fn may_show_victim_data(path: &str, world: &World) -> bool {
    path.starts_with(&format!("/s/{}", world.ids.share_token))
}

async fn walk_as_intruder(app: &TestApp, world: &World, who: &str, browser: &Browser) -> usize {
    let token = token_of(browser).await;
    let plan = app
        .plan_row(world.ids.plan.parse::<i32>().unwrap())
        .unwrap();
    let version = plan
        .updated_at
        .unwrap()
        .and_utc()
        .timestamp_micros()
        .to_string();
    let body = attack_body(&token, world, &version);
    let origin = browser.address.clone();
    let headers = [("Origin", origin.as_str())];
    // The victim's ids everywhere; then the intruder's own plan with the victim's activity.
    let own_plan = Ids {
        plan: world.mallory_plan.to_string(),
        ..world.ids.clone()
    };
    let mut requests = 0;
    let mut statuses = std::collections::BTreeMap::new();
    for template in walk_order() {
        let mut paths = vec![instantiate(&template, &world.ids)];
        if template.contains("/activities") {
            paths.push(instantiate(&template, &own_plan));
        }
        for path in paths {
            for method in METHODS {
                let (status, location, text) =
                    send(browser, method.clone(), &path, &pairs(&body), &headers).await;
                requests += 1;
                *statuses.entry(status.as_u16()).or_insert(0) += 1;
                assert!(
                    !status.is_server_error(),
                    "{who}: {method} {path} answered {status}:\n{text}"
                );
                if !may_show_victim_data(&path, world) {
                    for secret in &world.secrets {
                        assert!(
                            !text.contains(secret.as_str()) && !location.contains(secret.as_str()),
                            "{who}: {method} {path} ({status}) shows the victim's {secret}"
                        );
                    }
                }
                if template.starts_with("/admin") {
                    assert!(
                        matches!(status.as_u16(), 303 | 404 | 405),
                        "{who}: {method} {path} answered {status}"
                    );
                    if status == StatusCode::SEE_OTHER {
                        assert!(location.starts_with("/login"), "{who}: {path} → {location}");
                    }
                }
            }
        }
    }
    // The walk reached the handlers: not everything was stopped at the door.
    assert_eq!(statuses.get(&403), None, "{who}: {statuses:?}");
    eprintln!("{who}: {statuses:?}");
    requests
}

#[tokio::test]
async fn nobody_reads_or_changes_another_users_data_on_any_route() {
    let app = spawn_app().await;
    let world = World::build(&app).await;
    // The victim's own pages do show the secrets (so the check below can fail).
    let own = world
        .victim_browser
        .get_html(&format!("/plans/{}", world.ids.plan))
        .await;
    assert!(world.secrets[..2].iter().all(|s| own.contains(s.as_str())));
    assert!(own.contains(&world.ids.share_token));

    let victim_before = world.victim_rows(&app);
    let anonymous = app.new_browser();
    let mut requests = walk_as_intruder(&app, &world, "anonymous", &anonymous).await;
    requests += walk_as_intruder(&app, &world, "another user", &world.mallory_browser).await;
    assert_eq!(
        world.victim_rows(&app),
        victim_before,
        "someone else changed the victim's rows"
    );
    // A signed-in user who is not staff, on the staff pages: the victim herself.
    let victim_admin_before = app.snapshot();
    let token = token_of(&world.victim_browser).await;
    let origin = world.victim_browser.address.clone();
    for template in route_templates().iter().filter(|r| r.starts_with("/admin")) {
        let path = instantiate(template, &world.ids);
        for method in METHODS {
            let (status, _, _) = send(
                &world.victim_browser,
                method.clone(),
                &path,
                &[("csrf_token", &token)],
                &[("Origin", &origin)],
            )
            .await;
            requests += 1;
            assert!(
                matches!(status.as_u16(), 404 | 405),
                "not staff: {method} {path} answered {status}"
            );
        }
    }
    assert_eq!(
        app.snapshot(),
        victim_admin_before,
        "a staff action ran for a non-staff user"
    );

    // What the share link does show, it shows by its token only.
    let shared = anonymous
        .get_html(&format!("/s/{}", world.ids.share_token))
        .await;
    assert!(shared.contains(&world.secrets[0]));
    assert!(
        !shared.contains(&world.victim.email),
        "the share page names no e-mail"
    );
    eprintln!("intruder walk: {requests} requests, no leak, no 5xx");
}

/// Values that no placeholder expects.
const MALFORMED: [&str; 14] = [
    "0",
    "-1",
    "2147483648",
    "99999999999999999999999999",
    "1.5",
    "abc",
    "%00",
    "%FF%FE",
    "1%27%20OR%20%271%27=%271",
    "..%2F..%2FCargo.toml",
    "%2e%2e",
    "%E2%80%AE",
    "0000-00-00",
    "x",
];

#[tokio::test]
async fn no_malformed_path_or_body_makes_any_route_fail() {
    let app = spawn_app().await;
    let world = World::build(&app).await;
    let long = "9".repeat(10_000);
    let mut values: Vec<String> = MALFORMED.iter().map(|v| v.to_string()).collect();
    values.push(long.clone());
    let anonymous = app.new_browser();
    anonymous.get("/login").await;
    let mut requests = 0;
    for (who, browser) in [
        ("anonymous", &anonymous),
        ("a signed-in user", &world.mallory_browser),
    ] {
        let token = token_of(browser).await;
        let origin = browser.address.clone();
        let garbage: Vec<(&str, &str)> = vec![
            ("csrf_token", &token),
            ("title", &long),
            ("version", "99999999999999999999999"),
            ("start_date", "0000-00-00"),
            ("budget", "1e400"),
            ("ids", "1,2,x"),
            ("plan_data", "{\"a\":"),
            ("date", "2026-02-30"),
            ("direction", "sideways"),
            ("login", "\0"),
        ];
        for template in route_templates()
            .into_iter()
            .filter(|r| r.contains('{') && r != "/logout")
        {
            for value in &values {
                let path = instantiate(&template, &Ids::all(value));
                for method in [Method::GET, Method::POST] {
                    let (status, _, text) = send(
                        browser,
                        method.clone(),
                        &path,
                        &garbage,
                        &[("Origin", &origin)],
                    )
                    .await;
                    requests += 1;
                    assert!(
                        !status.is_server_error(),
                        "{who}: {method} {path} answered {status}:\n{text}"
                    );
                    assert!(
                        !text.contains("[package]"),
                        "{path} served a file outside static/"
                    );
                }
            }
            for method in [Method::PUT, Method::PATCH, Method::DELETE] {
                let path = instantiate(&template, &Ids::all("1"));
                let (status, _, _) = send(
                    browser,
                    method.clone(),
                    &path,
                    &garbage,
                    &[("Origin", &origin)],
                )
                .await;
                requests += 1;
                assert!(
                    !status.is_server_error(),
                    "{who}: {method} {path}: {status}"
                );
            }
        }
    }
    // Every page again with hostile query strings (searches, filters, cursors, next), also
    // as staff, whose lists search everything.
    let queries = [
        "q=%00&status=%00&after=%00&next=%00",
        "q=%FF%FE&after=1.2.3&month=99999999999&length=x&date=0000-00-00",
        "after=99999999999999999999.1&sort=%27&staff=maybe&active=%00",
        "q=%25%27%22%5C&after=-1.-1&kind=%00&provider=%00&next=//evil.example",
    ];
    let long_query = format!("q={long}");
    let mut failures = Vec::new();
    for (who, browser) in [
        ("anonymous", &anonymous),
        ("a signed-in user", &world.mallory_browser),
        ("staff", &world.staff_browser),
    ] {
        for template in route_templates().into_iter().filter(|r| r != "/logout") {
            let path = instantiate(&template, &world.ids);
            for query in queries.iter().copied().chain([long_query.as_str()]) {
                let (status, _, text) =
                    send(browser, Method::GET, &format!("{path}?{query}"), &[], &[]).await;
                requests += 1;
                if status.is_server_error() {
                    failures.push(format!(
                        "{who}: GET {path}?{} answered {status}",
                        query.chars().take(80).collect::<String>()
                    ));
                }
                drop(text);
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The victim's data came through all of it.
    assert!(world.victim_rows(&app).contains(&world.secrets[0]));
    eprintln!("malformed paths: {requests} requests, no 5xx");
}
