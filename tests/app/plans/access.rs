//! Only the owner sees or changes a plan or its activities: anyone else, and a missing id,
//! get the same 404 on every route and method (POSTs with a valid CSRF token and a body
//! the owner's would succeed with), and nothing changes.

use diesel::prelude::*;
use reqwest::StatusCode;
use wayfare::db::schema::archived_plans;

use super::*;
use crate::support::spawn_app;

const MISSING: i32 = 987_654_321;

/// One request: GET or POST, its path, and its form.
#[derive(Clone, Debug)]
pub(super) struct Request {
    pub post: bool,
    pub path: String,
    pub form: Vec<(String, String)>,
}

pub(super) fn get(path: String) -> Request {
    Request {
        post: false,
        path,
        form: Vec::new(),
    }
}

pub(super) fn post(path: String, form: &[(&str, &str)]) -> Request {
    Request {
        post: true,
        path,
        form: form
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

/// Every route about one plan, with bodies that would be accepted from its owner.
pub(super) fn plan_routes(plan: i32, version: &str, activity: i32) -> Vec<Request> {
    let p = |rest: &str| format!("/plans/{plan}{rest}");
    let mut edit = plan_form(&[("title", "Taken over")]);
    edit.push(("version", version));
    vec![
        get(p("")),
        get(p("/edit")),
        get(p("/delete")),
        get(p("/details")),
        get(p("/data")),
        get(p("/calendar.ics")),
        get(p("/export.json")),
        get(p("/activities/new")),
        get(p("/activities/new?date=2026-07-01")),
        post(p("/edit"), &edit),
        post(p("/edit"), &[("title", ""), ("version", version)]),
        post(p("/status"), &[("status", "archived")]),
        post(
            p("/details"),
            &[
                ("notes", "pwned"),
                ("timezone", "Europe/Paris"),
                ("version", version),
            ],
        ),
        post(
            p("/details"),
            &[("timezone", "Mars/Olympus"), ("version", version)],
        ),
        post(
            p("/bookings/move"),
            &[("kind", "flights"), ("index", "0"), ("version", version)],
        ),
        post(
            p("/bookings/move"),
            &[("kind", "accommodation"), ("version", version)],
        ),
        post(
            p("/bookings/delete"),
            &[("kind", "flights"), ("index", "0"), ("version", version)],
        ),
        post(
            p("/data"),
            &[("plan_data", "{\"pwned\": true}"), ("version", version)],
        ),
        post(
            p("/data"),
            &[("plan_data", "not json"), ("version", version)],
        ),
        post(p("/share"), &[]),
        post(p("/share/revoke"), &[]),
        post(p("/share/visibility"), &[("visibility", "public")]),
        post(p("/share/visibility"), &[("visibility", "private")]),
        post(
            p("/share/options"),
            &[
                ("show_costs", "on"),
                ("show_bookings", "on"),
                ("version", version),
            ],
        ),
        post(p("/activities"), &[("title", "Planted")]),
        post(p("/activities"), &[("title", "")]),
        post(
            p("/activities/reorder"),
            &[("date", "2026-07-01"), ("ids", &activity.to_string())],
        ),
        post(p("/duplicate"), &[]),
        post(p("/delete"), &[]),
    ]
}

/// Every route about one activity of one plan.
pub(super) fn activity_routes(plan: i32, activity: i32, version: &str) -> Vec<Request> {
    let a = |rest: &str| format!("/plans/{plan}/activities/{activity}{rest}");
    vec![
        get(a("/edit")),
        post(
            a("/edit"),
            &[
                ("title", "Renamed"),
                ("scheduled_date", "2026-07-02"),
                ("version", version),
            ],
        ),
        post(a("/edit"), &[("title", ""), ("version", version)]),
        post(a("/move"), &[("direction", "up")]),
        post(a("/move"), &[("direction", "down")]),
        post(a("/move"), &[("direction", "day"), ("date", "2026-07-03")]),
        post(a("/move"), &[("direction", "day"), ("date", "")]),
        post(a("/toggle"), &[]),
        post(a("/delete"), &[]),
    ]
}

pub(super) async fn send(browser: &Browser, request: &Request) -> reqwest::Response {
    if request.post {
        let form: Vec<(&str, &str)> = request
            .form
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        browser.post_form(&request.path, &form).await
    } else {
        browser.get(&request.path).await
    }
}

#[tokio::test]
async fn another_user_and_a_missing_id_get_the_same_404_on_every_route_and_nothing_changes() {
    let app = spawn_app().await;
    let owner = traveller(&app, "owner").await;
    let intruder = traveller(&app, "intruder").await;
    let plan = create_listed_plan(&owner.browser, &[]).await;
    let activity = add_activity(
        &owner.browser,
        &app,
        plan,
        &[
            ("title", "Secret dinner"),
            ("scheduled_date", "2026-07-01"),
            ("estimated_cost", "80"),
        ],
    )
    .await;
    insert_activity(&app, plan, "Second", Some("2026-07-01"), 1);
    owner
        .browser
        .post_form(&format!("/plans/{plan}/share"), &[])
        .await;
    let version = form_version(&owner.browser, &format!("/plans/{plan}/edit")).await;
    let activity_version = version_of(&app, "plan_activities", activity);
    let archived: i32 = app.one(
        diesel::insert_into(archived_plans::table)
            .values((
                archived_plans::user_id.eq(owner.user.id),
                archived_plans::title.eq("Old trip"),
            ))
            .returning(archived_plans::id),
    );
    let own_plan = create_plan(&intruder.browser, &[("title", "Intruder's own")]).await;
    let own_activity = add_activity(
        &intruder.browser,
        &app,
        own_plan,
        &[("title", "Mine"), ("scheduled_date", "2026-07-01")],
    )
    .await;

    let mut pairs: Vec<(Request, Request)> = Vec::new();
    let zip = |a: Vec<Request>, b: Vec<Request>| a.into_iter().zip(b).collect::<Vec<_>>();
    // Someone else's plan and activity, against missing ones.
    pairs.extend(zip(
        plan_routes(plan, &version, activity),
        plan_routes(MISSING, &version, MISSING),
    ));
    pairs.extend(zip(
        activity_routes(plan, activity, &activity_version),
        activity_routes(MISSING, MISSING, &activity_version),
    ));
    // Their activity under the intruder's own plan, and the intruder's activity under theirs.
    pairs.extend(zip(
        activity_routes(own_plan, activity, &activity_version),
        activity_routes(own_plan, MISSING, &activity_version),
    ));
    pairs.extend(zip(
        activity_routes(plan, own_activity, &activity_version),
        activity_routes(MISSING, own_activity, &activity_version),
    ));
    pairs.push((
        post(
            format!("/plans/{own_plan}/activities/reorder"),
            &[
                ("date", "2026-07-01"),
                ("ids", &format!("{own_activity},{activity}")),
            ],
        ),
        post(
            format!("/plans/{own_plan}/activities/reorder"),
            &[
                ("date", "2026-07-01"),
                ("ids", &format!("{own_activity},{MISSING}")),
            ],
        ),
    ));
    pairs.push((
        post(format!("/plans/archive/{archived}/restore"), &[]),
        post(format!("/plans/archive/{MISSING}/restore"), &[]),
    ));

    let before = app.snapshot();
    for (theirs, missing) in &pairs {
        let response = send(&intruder.browser, theirs).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{theirs:?}");
        let body = response.text().await.unwrap();
        let response = send(&intruder.browser, missing).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{missing:?}");
        assert_eq!(
            body,
            response.text().await.unwrap(),
            "{theirs:?} tells more than a missing id"
        );
        assert!(!body.contains("Lisbon") && !body.contains("Secret dinner"));
    }
    assert_eq!(app.snapshot(), before, "an intruder changed something");

    // An id that is not a number is a 404 too, not an error page of its own.
    for path in [
        "/plans/abc",
        "/plans/1.5/edit",
        "/plans/-1",
        "/plans/99999999999",
    ] {
        assert_eq!(
            intruder.browser.get(path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }

    // The same requests work for the owner: the 404s above were about who asked.
    for request in plan_routes(plan, "", activity).iter().filter(|r| !r.post) {
        let response = owner.browser.get(&request.path).await;
        assert_eq!(response.status(), StatusCode::OK, "{request:?}");
    }
    let response = owner
        .browser
        .get(&format!("/plans/{plan}/activities/{activity}/edit"))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let accepted = [
        (
            format!("/plans/{plan}/status"),
            vec![("status", "archived".to_string())],
        ),
        (format!("/plans/{plan}/share/revoke"), vec![]),
        (
            format!("/plans/{plan}/activities/{activity}/toggle"),
            vec![],
        ),
        (
            format!("/plans/{plan}/activities/{activity}/move"),
            vec![("direction", "down".to_string())],
        ),
        (format!("/plans/archive/{archived}/restore"), vec![]),
        (
            format!("/plans/{plan}/activities/{activity}/delete"),
            vec![],
        ),
        (format!("/plans/{plan}/delete"), vec![]),
    ];
    for (path, form) in accepted {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let response = owner.browser.post_form(&path, &form).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
    }
}

#[tokio::test]
async fn anonymous_visitors_are_sent_to_log_in_from_every_plan_route() {
    let app = spawn_app().await;
    let owner = traveller(&app, "owner").await;
    let plan = create_plan(&owner.browser, &[]).await;
    let activity = insert_activity(&app, plan, "A", Some("2026-07-01"), 0);
    let anonymous = app.new_browser();
    let before = app.snapshot();
    let mut routes = plan_routes(plan, "1", activity);
    routes.extend(activity_routes(plan, activity, "1"));
    routes.push(get("/plans".into()));
    routes.push(get("/plans/new".into()));
    routes.push(get("/plans/import".into()));
    routes.push(post("/plans".into(), &plan_form(&[])));
    for request in &routes {
        let response = send(&anonymous, request).await;
        crate::support::assert_is_login_redirect(&response);
    }
    assert_eq!(app.snapshot(), before);
}
