//! The role matrix: every route of the URL map that touches a plan, every method, asked by
//! its owner, an editor, a viewer, a removed member, a stranger and an anonymous visitor.
//! A role that may not do something gets 403 (a member) or 404 (anyone else) or the login
//! page, and the database is exactly as it was.

use reqwest::StatusCode;

use super::access::{Request, activity_routes, get, plan_routes, post, send};
use super::*;
use crate::support::{assert_is_login_redirect, spawn_app};

/// What a request needs of the one who sends it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Need {
    /// Any member (reading, or copying into one's own plans).
    Read,
    /// An editor or the owner.
    Edit,
    /// The owner.
    Manage,
    /// A member who is not the owner (leaving, their own notifications).
    Membership,
}

fn need(request: &Request) -> Need {
    let path = request.path.split('?').next().unwrap();
    let tail = path.splitn(4, '/').nth(3).unwrap_or("");
    let first = tail.split('/').next().unwrap_or("");
    if !request.post {
        return match first {
            "" | "calendar.ics" | "export.json" | "members" | "history" | "details" | "data" => {
                Need::Read
            }
            "delete" => Need::Manage,
            _ => Need::Edit,
        };
    }
    match first {
        "duplicate" => Need::Read,
        "leave" | "notifications" => Need::Membership,
        "share" | "status" | "members" | "transfer" | "invitations" => Need::Manage,
        "delete" => Need::Manage,
        _ => Need::Edit,
    }
}

/// The collaboration routes of one plan.
fn member_routes(plan: i32, editor: i32, viewer: i32, invitation: i32) -> Vec<Request> {
    let p = |rest: &str| format!("/plans/{plan}{rest}");
    vec![
        get(p("/members")),
        get(p("/history")),
        post(
            p("/members"),
            &[("email", "new.friend@example.com"), ("role", "viewer")],
        ),
        post(p(&format!("/members/{editor}/role")), &[("role", "viewer")]),
        post(p(&format!("/members/{viewer}/role")), &[("role", "editor")]),
        post(p(&format!("/members/{viewer}/remove")), &[]),
        post(p("/transfer"), &[("user_id", &editor.to_string())]),
        post(p(&format!("/invitations/{invitation}/resend")), &[]),
        post(p(&format!("/invitations/{invitation}/revoke")), &[]),
        post(p("/leave"), &[]),
        post(p("/notifications"), &[("notify", "on")]),
    ]
}

fn add_member(app: &TestApp, plan: i32, user: i32, role: &str) {
    app.exec(diesel::sql_query(format!(
        "INSERT INTO plan_members (plan_id, user_id, role) VALUES ({plan}, {user}, '{role}')"
    )));
}

#[tokio::test]
async fn every_plan_route_answers_each_role_as_it_may_and_writes_nothing_it_may_not() {
    let app = spawn_app().await;
    let owner = traveller(&app, "owner").await;
    let editor = traveller(&app, "editor").await;
    let viewer = traveller(&app, "viewer").await;
    let removed = traveller(&app, "removed").await;
    let stranger = traveller(&app, "stranger").await;
    let anonymous = app.new_browser();

    let plan = create_plan(&owner.browser, &[]).await;
    let activity = add_activity(
        &owner.browser,
        &app,
        plan,
        &[("title", "Tram 28"), ("scheduled_date", "2026-07-01")],
    )
    .await;
    insert_activity(&app, plan, "Second", Some("2026-07-01"), 1);
    owner
        .browser
        .post_form(&format!("/plans/{plan}/share"), &[])
        .await;
    add_member(&app, plan, editor.user.id.0, "editor");
    add_member(&app, plan, viewer.user.id.0, "viewer");
    add_member(&app, plan, removed.user.id.0, "viewer");
    app.exec(diesel::sql_query(format!(
        "DELETE FROM plan_members WHERE user_id = {}",
        removed.user.id.0
    )));
    let invitation: i32 = app.one(diesel::dsl::sql::<diesel::sql_types::Integer>(&format!(
        "INSERT INTO plan_invitations (plan_id, email, role, token_hash, expires_at) \
         VALUES ({plan}, 'pending@example.com', 'viewer', repeat('a', 64), now() + interval '7 days') \
         RETURNING id"
    )));
    let version = version_of(&app, "plans", plan);
    let activity_version = version_of(&app, "plan_activities", activity);

    let mut routes = plan_routes(plan, &version, activity);
    routes.extend(activity_routes(plan, activity, &activity_version));
    routes.extend(member_routes(
        plan,
        editor.user.id.0,
        viewer.user.id.0,
        invitation,
    ));

    // Nobody but the owner and editors changes anything; nobody off the plan learns of it.
    let before = app.snapshot();
    for request in &routes {
        let need = need(request);
        for (who, browser) in [
            ("removed", &removed.browser),
            ("stranger", &stranger.browser),
        ] {
            let response = send(browser, request).await;
            assert_eq!(
                response.status(),
                StatusCode::NOT_FOUND,
                "{who}: {request:?}"
            );
        }
        let response = send(&anonymous, request).await;
        assert_eq!(
            response.status(),
            StatusCode::SEE_OTHER,
            "anonymous: {request:?}"
        );
        assert_is_login_redirect(&response);
        if matches!(need, Need::Edit | Need::Manage) {
            let response = send(&viewer.browser, request).await;
            assert_eq!(
                response.status(),
                StatusCode::FORBIDDEN,
                "viewer: {request:?}"
            );
        }
        if need == Need::Manage {
            let response = send(&editor.browser, request).await;
            assert_eq!(
                response.status(),
                StatusCode::FORBIDDEN,
                "editor: {request:?}"
            );
        }
        if need == Need::Membership {
            let response = send(&owner.browser, request).await;
            assert!(
                response.status().is_client_error(),
                "the owner is no member: {request:?} {}",
                response.status()
            );
        }
        assert_eq!(app.snapshot(), before, "{request:?} changed something");
    }

    // What each role may do, it can: every page it may read opens.
    for request in routes.iter().filter(|r| !r.post) {
        let need = need(request);
        let allowed: Vec<(&str, &Browser)> = match need {
            Need::Read => vec![
                ("owner", &owner.browser),
                ("editor", &editor.browser),
                ("viewer", &viewer.browser),
            ],
            Need::Edit => vec![("owner", &owner.browser), ("editor", &editor.browser)],
            Need::Manage | Need::Membership => vec![("owner", &owner.browser)],
        };
        for (who, browser) in allowed {
            let response = send(browser, request).await;
            assert_eq!(response.status(), StatusCode::OK, "{who}: {request:?}");
        }
    }
    // An editor changes the plan and its activities.
    let mut edit = plan_form(&[("title", "Lisbon with friends")]);
    edit.push(("version", &version));
    let response = editor
        .browser
        .post_form(&format!("/plans/{plan}/edit"), &edit)
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.plan_row(plan).unwrap().title, "Lisbon with friends");
    for (path, form) in [
        (
            format!("/plans/{plan}/activities"),
            vec![("title", "Added by the editor")],
        ),
        (
            format!("/plans/{plan}/activities/{activity}/move"),
            vec![("direction", "down")],
        ),
        (
            format!("/plans/{plan}/activities/{activity}/toggle"),
            vec![],
        ),
        (
            format!("/plans/{plan}/activities/{activity}/delete"),
            vec![],
        ),
    ] {
        let response = editor.browser.post_form(&path, &form).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "editor: {path}");
    }
    assert!(app.activity_row(activity).is_none());
    // A viewer copies the plan into their own plans, and leaves.
    let response = viewer
        .browser
        .post_form(&format!("/plans/{plan}/duplicate"), &[])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.plans_of(viewer.user.id).len(), 1);
    let response = viewer
        .browser
        .post_form(&format!("/plans/{plan}/leave"), &[])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        viewer.browser.get(&format!("/plans/{plan}")).await.status(),
        StatusCode::NOT_FOUND
    );
}
