//! Who gets into the admin pages and who loses access at once; CSRF on every admin form;
//! user-controlled text escaped on every admin page.

use diesel::prelude::*;
use wayfare::db::schema::{plan_activities, plans, users};

use super::*;
use crate::support::{PASSWORD, assert_is_login_redirect};

// ---------------------------------------------------------------- access

#[derive(Debug, Clone, Copy)]
enum Expect {
    Login,
    NotFound,
}

async fn assert_no_access(w: &World, who: &str, browser: &Browser, expect: Expect) {
    // A first request lets the session store settle (a demoted member's expiry slides to
    // the normal lifetimes once); from then on nothing may change.
    browser.get("/account").await;
    let before = w.app.snapshot();
    let mails = w.app.mails().len();
    let routes = admin_routes(w);
    let both_methods = |path: &str| routes.iter().filter(|(_, p, _)| p == path).count() > 1;
    for (method, path, form) in admin_routes(w) {
        let response = send(browser, method, &path, &form).await;
        match expect {
            Expect::Login => {
                assert_is_login_redirect(&response);
                if method == Method::Get {
                    let next = url::form_urlencoded::Serializer::new(String::new())
                        .append_pair("next", &path)
                        .finish();
                    assert_eq!(
                        location(&response),
                        format!("/login?{next}"),
                        "{who} {path}"
                    );
                }
            }
            Expect::NotFound => {
                assert_eq!(
                    response.status(),
                    StatusCode::NOT_FOUND,
                    "{who} {method:?} {path}"
                );
                let html = response.text().await.unwrap();
                assert!(
                    html.contains("Page not found"),
                    "{who} {path}: the ordinary 404"
                );
                assert!(!html.contains("alice@example.com"), "{who} {path}");
            }
        }
        if !path.contains('?') && !both_methods(&path) {
            assert_eq!(
                wrong_method(browser, method, &path).await,
                StatusCode::METHOD_NOT_ALLOWED,
                "{who} {path}"
            );
        }
    }
    assert_eq!(w.app.snapshot(), before, "{who} changed something");
    assert_eq!(w.app.mails().len(), mails, "{who} sent a mail");
}

#[tokio::test]
async fn only_signed_in_active_staff_get_in_and_losing_staff_rights_or_activity_locks_out_at_once()
{
    let w = world().await;

    assert_no_access(&w, "anonymous", &w.app.new_browser(), Expect::Login).await;
    assert_no_access(&w, "a traveller", &w.alice_browser, Expect::NotFound).await;

    // Staff deactivated in the database: their session still exists but leads nowhere.
    let gone = make_staff(&w.app, "gone");
    let gone_browser = w.app.signed_in(&gone).await;
    assert_eq!(gone_browser.get("/admin").await.status(), StatusCode::OK);
    w.app
        .exec(diesel::update(users::table.find(gone.id)).set(users::is_active.eq(false)));
    assert_no_access(&w, "deactivated staff", &gone_browser, Expect::Login).await;

    // Staff demoted while signed in: the same session is still a traveller's, with no way in.
    let demoted = make_staff(&w.app, "demoted");
    let demoted_browser = w.app.signed_in(&demoted).await;
    assert_eq!(demoted_browser.get("/admin").await.status(), StatusCode::OK);
    assert!(
        demoted_browser
            .get_html("/plans")
            .await
            .contains("href=\"/admin\"")
    );
    w.app
        .exec(diesel::update(users::table.find(demoted.id)).set(users::is_staff.eq(false)));
    assert_eq!(demoted_browser.get("/plans").await.status(), StatusCode::OK);
    assert!(
        !demoted_browser
            .get_html("/plans")
            .await
            .contains("href=\"/admin\""),
        "the Admin link goes with the rights"
    );
    assert_no_access(&w, "demoted staff", &demoted_browser, Expect::NotFound).await;

    // Staff: every page answers, and the Admin link is in the navigation.
    assert!(w.admin.get_html("/plans").await.contains("href=\"/admin\""));
    for (method, path, _) in admin_routes(&w) {
        if method == Method::Get {
            let response = w.admin.get(&path).await;
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            crate::support::assert_security_headers(response.headers());
        }
    }
    // Unknown ids are the same 404 as anywhere else.
    for path in [
        "/admin/users/999999",
        "/admin/plans/999999",
        "/admin/users/x",
    ] {
        assert_eq!(
            w.admin.get(path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    for path in [
        "/admin/users/999999/deactivate",
        "/admin/plans/999999/archive",
        "/admin/sessions/999999/revoke",
        "/admin/users/999999/sessions/revoke",
    ] {
        let before = w.app.snapshot();
        assert_eq!(
            w.admin.post_form(path, &[]).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
        assert_eq!(w.app.snapshot(), before);
    }
}

#[tokio::test]
async fn staff_sessions_use_the_shorter_staff_lifetimes() {
    let w = world().await;
    let staff_row = w.app.session_row_of(&w.admin).unwrap();
    let alice_row = w.app.session_row_of(&w.alice_browser).unwrap();
    let staff_idle = staff_row.expires_at - staff_row.created_at.unwrap();
    let alice_idle = alice_row.expires_at - alice_row.created_at.unwrap();
    assert_eq!(staff_idle, chrono::TimeDelta::hours(1));
    assert!(alice_idle > staff_idle);
}

// ---------------------------------------------------------------- CSRF

#[tokio::test]
async fn every_admin_form_carries_a_csrf_token_and_no_action_runs_without_one() {
    let w = world().await;
    // The forms staff actually use: every one posts to a known route with a token.
    let posts: BTreeSet<String> = admin_routes(&w)
        .into_iter()
        .filter(|(m, _, _)| *m == Method::Post)
        .map(|(_, p, _)| p)
        .collect();
    let mut seen = BTreeSet::new();
    w.app
        .exec(diesel::update(users::table.find(w.alice.id)).set(users::is_verified.eq(false)));
    for page in [
        "/admin".to_string(),
        "/admin/users".into(),
        format!("/admin/users/{}", w.alice.id),
        format!("/admin/users/{}/delete", w.alice.id),
        "/admin/plans".into(),
        format!("/admin/plans/{}", w.plan),
        "/admin/sessions".into(),
        "/admin/rate-limits".into(),
    ] {
        let html = w.admin.get_html(&page).await;
        let doc = scraper::Html::parse_document(&html);
        let forms = scraper::Selector::parse("form[method=post]").unwrap();
        let token = scraper::Selector::parse("input[type=hidden][name=csrf_token]").unwrap();
        for form in doc.select(&forms) {
            let action = form.value().attr("action").unwrap().to_string();
            let value = form
                .select(&token)
                .next()
                .and_then(|t| t.value().attr("value"))
                .unwrap_or_default();
            assert!(
                value.len() > 40,
                "{page}: the form to {action} has no token"
            );
            seen.insert(action);
        }
    }
    let admin_forms: BTreeSet<String> = seen
        .into_iter()
        .filter(|a| a.starts_with("/admin"))
        .collect();
    let expected: BTreeSet<String> = posts
        .iter()
        .filter(|p| !p.ends_with("/activate") && !p.ends_with("/revoke-staff"))
        .cloned()
        .chain([format!(
            "/admin/sessions/{}/revoke",
            w.app.session_row_of(&w.admin).unwrap().id
        )])
        .collect();
    assert!(
        expected.is_subset(&admin_forms),
        "missing forms: {:?}",
        expected.difference(&admin_forms).collect::<Vec<_>>()
    );

    // No token, a wrong token, or another site's origin: 403 and nothing changes.
    let token = w.admin.csrf_token().await.unwrap();
    let before = w.app.snapshot();
    for (method, path, form) in admin_routes(&w) {
        if method != Method::Post {
            continue;
        }
        let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let mut wrong = fields.clone();
        wrong.push(("csrf_token", "bm90LWEtdG9rZW4"));
        let mut good = fields.clone();
        good.push(("csrf_token", &token));
        let origin = w.admin.address.as_str();
        for (label, body, headers) in [
            ("no token", fields.clone(), vec![("Origin", origin)]),
            ("wrong token", wrong, vec![("Origin", origin)]),
            (
                "foreign origin",
                good.clone(),
                vec![("Origin", "https://evil.example")],
            ),
            (
                "foreign referer",
                good,
                vec![("Referer", "https://evil.example/page")],
            ),
        ] {
            let response = w.admin.post_raw(&path, &body, &headers).await;
            assert_eq!(response.status(), StatusCode::FORBIDDEN, "{label}: {path}");
        }
    }
    assert_eq!(w.app.snapshot(), before);
    assert!(w.app.mails().is_empty());
}

// ---------------------------------------------------------------- escaping

#[tokio::test]
async fn user_controlled_text_is_escaped_on_every_admin_page() {
    let w = world().await;
    w.app
        .exec(diesel::update(users::table.find(w.alice.id)).set((
            users::first_name.eq("<script>alert(1)</script>"),
            users::last_name.eq("\"><svg onload=alert(2)>"),
            users::google_id.eq("<i>g</i>"),
        )));
    w.app.exec(diesel::update(plans::table.find(w.plan)).set((
        plans::title.eq("<script>alert(3)</script>"),
        plans::destination.eq("<img src=x onerror=alert(4)>"),
        plans::description.eq("<b>bold</b>"),
    )));
    w.app.exec(
        diesel::update(plan_activities::table.filter(plan_activities::plan_id.eq(w.plan))).set((
            plan_activities::title.eq("<script>alert(5)</script>"),
            plan_activities::location_name.eq("\"><b>bold</b>"),
        )),
    );
    create_counter(&w.app, "login_ip", "<script>alert(7)</script>", 3);
    let evil_agent = Browser::new(&w.app.address, "<script>alert(6)</script>");
    evil_agent.login_ok("alice", PASSWORD).await;

    let pages = [
        "/admin".to_string(),
        "/admin/users".into(),
        format!("/admin/users?q={}", "%3Cscript%3E"),
        format!("/admin/users/{}", w.alice.id),
        format!("/admin/users/{}/delete", w.alice.id),
        "/admin/plans".into(),
        "/admin/plans?q=%3Cscript%3E&owner=%22%3E%3Cb%3E".into(),
        format!("/admin/plans/{}", w.plan),
        "/admin/sessions".into(),
        "/admin/sessions?user=%22%3E%3Cb%3Ex".into(),
        "/admin/rate-limits".into(),
    ];
    for page in pages {
        let html = w.admin.get_html(&page).await;
        for raw in [
            "<script>alert",
            "<svg onload",
            "<img src=x",
            "<b>bold</b>",
            "<i>g</i>",
            "\"><b>",
        ] {
            assert!(!html.contains(raw), "{page} shows {raw} unescaped");
        }
    }
    // Shown, as text.
    let escaped = |raw: &str| {
        raw.replace('&', "&#38;")
            .replace('<', "&#60;")
            .replace('>', "&#62;")
            .replace('"', "&#34;")
    };
    let user = w
        .admin
        .get_html(&format!("/admin/users/{}", w.alice.id))
        .await;
    assert!(user.contains(&escaped(
        "<script>alert(1)</script> \"><svg onload=alert(2)>"
    )));
    assert!(user.contains(&escaped("<script>alert(3)</script>")));
    let plan = w.admin.get_html(&format!("/admin/plans/{}", w.plan)).await;
    assert!(plan.contains(&escaped("<script>alert(5)</script>")));
    assert!(plan.contains(&escaped("<img src=x onerror=alert(4)>")));
    let sessions = w.admin.get_html("/admin/sessions").await;
    assert!(sessions.contains(&escaped("<script>alert(6)</script>")));
    let counters = w.admin.get_html("/admin/rate-limits").await;
    assert!(counters.contains(&escaped("<script>alert(7)</script>")));
    // The flash after resetting that counter names it, escaped.
    let page = follow(
        &w.admin,
        w.admin
            .post_form(
                "/admin/rate-limits/reset",
                &[
                    ("kind", "login_ip"),
                    ("identifier", "<script>alert(7)</script>"),
                ],
            )
            .await,
    )
    .await;
    assert!(page.contains(&format!(
        "{} is reset",
        escaped("<script>alert(7)</script>")
    )));
    assert!(!page.contains("<script>alert"));
}

/// Hostile query strings, cursors, ids and form values: never a 5xx, and a refused form
/// changes nothing.
#[tokio::test]
async fn hostile_input_to_admin_pages_and_forms_never_makes_a_5xx() {
    let w = world().await;
    let long = "x".repeat(5_000);
    let values = [
        "%00",
        "a%00b",
        "%25",
        "_",
        "%FF%FE",
        "%F0%9F%98%80",
        "'%3B--",
        "-1",
        "99999999999999999999",
        long.as_str(),
    ];
    for value in values {
        for page in [
            "/admin/users",
            "/admin/plans",
            "/admin/sessions",
            "/admin/rate-limits",
        ] {
            for name in [
                "q", "owner", "user", "status", "public", "active", "sort", "after",
            ] {
                let path = format!("{page}?{name}={value}");
                let status = w.admin.get(&path).await.status();
                assert!(
                    status.is_success() || status.is_client_error(),
                    "{path}: {status}"
                );
            }
        }
        for sort in ["newest", "oldest", "email", "username", "last_login"] {
            let path = format!("/admin/users?sort={sort}&after={value}");
            let status = w.admin.get(&path).await.status();
            assert!(
                status.is_success() || status.is_client_error(),
                "{path}: {status}"
            );
        }
        for path in [
            format!("/admin/users/{value}"),
            format!("/admin/plans/{value}"),
        ] {
            let status = w.admin.get(&path).await.status();
            assert!(status.is_client_error(), "{path}: {status}");
        }
    }
    let before = w.app.snapshot();
    for (kind, identifier) in [
        ("login_ip", "a\0b"),
        ("a\0", "x"),
        ("", "x"),
        ("much_too_long_for_the_column", "x"),
        ("login_ip", long.as_str()),
    ] {
        let response = w
            .admin
            .post_form(
                "/admin/rate-limits/reset",
                &[("kind", kind), ("identifier", identifier)],
            )
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{kind:?}");
    }
    assert_eq!(w.app.snapshot(), before);
}
