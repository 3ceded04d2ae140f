//! Self-service pages: profile (with re-verification of a new e-mail), the data export and
//! account deletion.

use diesel::prelude::*;
use serde_json::json;
use wayfare::db::schema::{
    archived_plan_activities, archived_plans, plan_activities, plans, user_sessions, users,
};
use wayfare::domain::ids::UserId;

use crate::support::{
    FIREFOX, PASSWORD, SESSION_COOKIE, TestApp, TestUser, assert_is_login_redirect,
    assert_is_redirect_to, extract_input, extract_link, spawn_app,
};

/// What a user has, counted: plans, their activities, archived plans and sessions.
fn holdings(app: &TestApp, user: UserId) -> [i64; 4] {
    [
        app.plans_of(user).len() as i64,
        app.one(
            plan_activities::table
                .inner_join(plans::table)
                .filter(plans::user_id.eq(user))
                .count(),
        ),
        app.one(
            archived_plans::table
                .filter(archived_plans::user_id.eq(user))
                .count(),
        ),
        app.one(
            user_sessions::table
                .filter(user_sessions::user_id.eq(user))
                .count(),
        ),
    ]
}

/// Files an archived plan with one archived activity.
fn archive(app: &TestApp, user: UserId, plan: &str, activity: &str) {
    let archived: i32 = app.one(
        diesel::insert_into(archived_plans::table)
            .values((
                archived_plans::user_id.eq(user),
                archived_plans::title.eq(plan),
            ))
            .returning(archived_plans::id),
    );
    app.exec(
        diesel::insert_into(archived_plan_activities::table).values((
            archived_plan_activities::plan_id.eq(archived),
            archived_plan_activities::title.eq(activity),
        )),
    );
}

fn profile<'a>(user: &'a TestUser, changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![
        ("email", user.email.as_str()),
        ("username", user.username.as_str()),
        ("first_name", ""),
        ("last_name", ""),
    ];
    for &(k, v) in changes {
        form.retain(|(f, _)| *f != k);
        form.push((k, v));
    }
    form
}

#[tokio::test]
async fn account_pages_need_a_signed_in_user() {
    let app = spawn_app().await;
    let browser = app.new_browser();
    for path in [
        "/account",
        "/account/password",
        "/account/sessions",
        "/account/export",
        "/account/delete",
    ] {
        let response = browser.get(path).await;
        assert_is_login_redirect(&response);
    }
    let user = app.user("alice").insert();
    let before = app.snapshot();
    for path in [
        "/account",
        "/account/verify",
        "/account/password",
        "/account/delete",
    ] {
        let response = browser
            .post_form(path, &[("password", PASSWORD), ("email", "x@example.com")])
            .await;
        assert_is_login_redirect(&response);
    }
    assert_eq!(app.snapshot(), before);
    assert_eq!(app.user_row(user.id).iter().count(), 1);
}

#[tokio::test]
async fn the_profile_form_saves_names_and_username() {
    let app = spawn_app().await;
    let user = app.user("alice").insert();
    let browser = app.signed_in(&user).await;
    let html = browser.get_html("/account").await;
    assert_eq!(
        extract_input(&html, "email").as_deref(),
        Some(user.email.as_str())
    );
    assert_eq!(extract_input(&html, "username").as_deref(), Some("alice"));

    let form = profile(
        &user,
        &[
            ("username", "Alice.Liddell"),
            ("first_name", "  Alice "),
            ("last_name", "Liddell"),
        ],
    );
    assert_is_redirect_to(&browser.post_form("/account", &form).await, "/account");
    let row = app.user_row(user.id).unwrap();
    assert_eq!(row.username, "Alice.Liddell");
    assert_eq!(row.first_name.as_deref(), Some("Alice"));
    assert_eq!(row.last_name.as_deref(), Some("Liddell"));
    assert_eq!(row.email, user.email);
    assert_eq!(row.is_verified, Some(true), "the address did not change");
    let page = browser.get_html("/account").await;
    assert!(page.contains("Your profile is saved."));
    assert!(
        page.contains(">Alice.Liddell</a>"),
        "the navigation shows the new name"
    );
    assert!(app.mails().is_empty());

    // Blank names become NULL again; the new username logs in.
    let form = profile(&user, &[("username", "Alice.Liddell")]);
    assert_is_redirect_to(&browser.post_form("/account", &form).await, "/account");
    assert_eq!(app.user_row(user.id).and_then(|u| u.first_name), None);
    app.new_browser().login_ok("alice.liddell", PASSWORD).await;
}

#[tokio::test]
async fn a_new_email_address_must_be_confirmed_again() {
    let app = spawn_app().await;
    let browser = app.new_browser();
    browser.signup("old@example.com", "olga", PASSWORD).await;
    let old_link = extract_link(
        &app,
        &app.last_mail_to("old@example.com").body,
        "/verify-email/",
    );
    assert_eq!(browser.get(&old_link).await.status(), 200);
    let id = app.the_user().id;

    let changed = browser
        .post_form(
            "/account",
            &[
                ("email", "New@Example.org"),
                ("username", "olga"),
                ("current_password", PASSWORD),
            ],
        )
        .await;
    assert_is_redirect_to(&changed, "/account");
    let row = app.user_row(id).unwrap();
    assert_eq!(row.email, "New@Example.org");
    assert_eq!(row.is_verified, Some(false));
    let page = browser.get_html("/account").await;
    assert!(page.contains("We sent a link to New@Example.org"), "{page}");
    assert!(page.contains("not confirmed"));

    // The old address's link is no use for the new one.
    let stale = browser.get(&old_link).await;
    assert_eq!(stale.status(), 400);
    assert!(
        stale
            .text()
            .await
            .unwrap()
            .contains("no longer on the account")
    );
    assert_eq!(
        app.user_row(id)
            .and_then(|u| u.is_verified)
            .map(|b| b.to_string())
            .unwrap(),
        "false"
    );

    let mail = app.last_mail_to("New@Example.org");
    let new_link = extract_link(&app, &mail.body, "/verify-email/");
    assert_eq!(browser.get(&new_link).await.status(), 200);
    assert_eq!(
        app.user_row(id)
            .and_then(|u| u.is_verified)
            .map(|b| b.to_string())
            .unwrap(),
        "true"
    );
    // Only a change of address asks again: the same address in another case does not.
    let same = browser
        .post_form(
            "/account",
            &[("email", "new@example.org"), ("username", "olga")],
        )
        .await;
    assert_is_redirect_to(&same, "/account");
    assert_eq!(
        app.user_row(id)
            .and_then(|u| u.is_verified)
            .map(|b| b.to_string())
            .unwrap(),
        "true"
    );
    assert_eq!(app.mails_to("new@example.org").len(), 1);
}

#[tokio::test]
async fn changing_the_address_needs_the_current_password_and_tells_the_old_address() {
    let app = spawn_app().await;
    let user = app.user("nora").insert();
    let browser = app.signed_in(&user).await;
    let before = app.snapshot_except_counters();
    for (given, error) in [
        (
            "",
            "Enter your current password to change your e-mail address.",
        ),
        ("not my password", "This is not your current password."),
    ] {
        let form = profile(
            &user,
            &[
                ("email", "taken.over@example.org"),
                ("current_password", given),
            ],
        );
        let refused = browser.post_form("/account", &form).await;
        assert_eq!(refused.status(), 422, "{given:?}");
        let html = refused.text().await.unwrap();
        assert!(html.contains(error), "{html}");
        assert_eq!(
            extract_input(&html, "email").as_deref(),
            Some("taken.over@example.org")
        );
        assert_eq!(extract_input(&html, "current_password").as_deref(), None);
    }
    assert_eq!(app.snapshot_except_counters(), before, "nothing changed");
    assert!(app.mails().is_empty());

    // Names change without the password; only the address needs it.
    let renamed = profile(&user, &[("first_name", "Nora")]);
    assert_is_redirect_to(&browser.post_form("/account", &renamed).await, "/account");

    let form = profile(
        &user,
        &[
            ("email", "nora@new.example.org"),
            ("current_password", PASSWORD),
        ],
    );
    assert_is_redirect_to(&browser.post_form("/account", &form).await, "/account");
    let row = app.user_row(user.id).unwrap();
    assert_eq!(row.email, "nora@new.example.org");
    assert_eq!(row.is_verified, Some(false));
    let confirm = app.last_mail_to("nora@new.example.org");
    assert_eq!(confirm.subject, "Confirm your e-mail address");
    let notice = app.last_mail_to(&user.email);
    assert_eq!(notice.subject, "Your Wayfare e-mail address was changed");
    assert!(notice.body.contains("nora@new.example.org"));
    assert!(
        !notice.body.contains("/verify-email/"),
        "no link for the old address"
    );
}

#[tokio::test]
async fn profile_updates_are_rate_limited() {
    let app = crate::support::spawn_app_with(|env| {
        env.insert("LIMIT_PROFILE_UPDATES_PER_ACCOUNT".into(), "3".into());
    })
    .await;
    let user = app.user("paula").insert();
    let browser = app.signed_in(&user).await;
    for i in 0..3 {
        let name = format!("Paula{i}");
        let form = profile(&user, &[("first_name", name.as_str())]);
        assert_is_redirect_to(&browser.post_form("/account", &form).await, "/account");
    }
    let form = profile(&user, &[("first_name", "Paula9")]);
    let limited = browser.post_form("/account", &form).await;
    assert_eq!(limited.status(), 429);
    assert!(limited.headers().contains_key("retry-after"));
    assert_eq!(
        app.user_row(user.id).and_then(|u| u.first_name).as_deref(),
        Some("Paula2")
    );
}

#[tokio::test]
async fn an_invalid_or_taken_profile_value_changes_nothing() {
    let app = spawn_app().await;
    let user = app.user("alice").insert();
    app.user("bob").insert();
    let browser = app.signed_in(&user).await;
    let long = "x".repeat(31);
    let cases = [
        ("email", "not an address"),
        ("email", "BOB@example.com"),
        ("username", "al"),
        ("username", "al ice"),
        ("username", "Bob"),
        ("first_name", long.as_str()),
    ];
    // Each save is counted against the daily limit; nothing else is written.
    let before = app.snapshot_except_counters();
    for (field, value) in cases {
        let form = profile(&user, &[(field, value)]);
        let response = browser.post_form("/account", &form).await;
        assert_eq!(response.status(), 422, "{field}={value}");
        let html = response.text().await.unwrap();
        assert_eq!(
            extract_input(&html, field).as_deref(),
            Some(value),
            "what was typed is kept"
        );
        let at = html.find(&format!("id=\"{field}\"")).unwrap();
        let tag = &html[at..at + html[at..].find('>').unwrap()];
        assert!(tag.contains("aria-invalid=\"true\""), "{field}={value}");
    }
    assert_eq!(app.snapshot_except_counters(), before);
    assert!(app.mails().is_empty());
}

/// Two users with plans, activities and sessions; returns (alice, bob).
async fn two_travellers(app: &TestApp) -> (TestUser, TestUser) {
    let alice = app.user("alice").insert();
    let bob = app.user("bob").insert();
    let lisbon = app
        .plan(&alice)
        .title("Lisbon in spring")
        .destination("Lisbon")
        .data(json!({"notes": "pastel de nata every morning", "custom": {"kept": [1, 2]}}))
        .insert()
        .id;
    app.activity(lisbon)
        .title("Tram 28 ride")
        .order_index(0)
        .insert();
    app.activity(lisbon)
        .title("Fado evening")
        .order_index(1)
        .insert();
    app.plan_of(alice.id).title("Porto weekend").insert();
    let bobs = app
        .plan(&bob)
        .title("Secret Oslo trip")
        .data(json!({"notes": "bob-only note"}))
        .insert()
        .id;
    app.activity(bobs).title("Bob fjord cruise").insert();
    archive(app, alice.id, "Old Rome trip", "Colosseum visit");
    archive(app, bob.id, "Old Bergen trip", "Bob funicular");
    (alice, bob)
}

#[tokio::test]
async fn the_export_holds_the_users_data_and_no_one_elses() {
    let app = spawn_app().await;
    let (alice, bob) = two_travellers(&app).await;
    let browser = app.signed_in(&alice).await;
    let _phone = app.signed_in(&alice).await;
    let _bobs = app.signed_in(&bob).await;

    let response = browser.get("/account/export").await;
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(
        headers["content-disposition"],
        "attachment; filename=\"wayfare-alice.json\""
    );
    assert_eq!(headers["cache-control"], "no-store");
    let body = response.text().await.unwrap();
    let data: serde_json::Value = serde_json::from_str(&body).unwrap();

    let profile = &data["profile"];
    assert_eq!(profile["id"], alice.id.0);
    assert_eq!(profile["email"], "alice@example.com");
    assert_eq!(profile["username"], "alice");
    assert_eq!(profile["is_verified"], true);
    assert_eq!(profile["has_password"], true);

    let plans = data["plans"].as_array().unwrap();
    let titles: Vec<&str> = plans.iter().map(|p| p["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Lisbon in spring", "Porto weekend"]);
    assert_eq!(plans[0]["destination"], "Lisbon");
    assert_eq!(
        plans[0]["plan_data"]["notes"],
        "pastel de nata every morning"
    );
    assert_eq!(
        plans[0]["plan_data"]["custom"]["kept"],
        serde_json::json!([1, 2])
    );
    let activities: Vec<&str> = plans[0]["activities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(activities, ["Tram 28 ride", "Fado evening"]);
    assert_eq!(plans[1]["activities"], serde_json::json!([]));

    let sessions = data["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 2);
    for session in sessions {
        assert_eq!(session["user_agent"], FIREFOX);
        assert_eq!(session["ip_address"], "127.0.0.1");
        assert!(session["expires_at"].is_string());
    }

    // No one else's data, and no secrets of Alice's own.
    for foreign in [
        bob.email.as_str(),
        "\"bob\"",
        "Secret Oslo trip",
        "bob-only note",
        "Bob fjord cruise",
        "Old Bergen trip",
    ] {
        assert!(!body.contains(foreign), "the export contains {foreign}");
    }
    let hash = app.user_row(alice.id).map(|u| u.password_hash).unwrap();
    assert!(!body.contains(&hash));
    assert!(!body.contains("password_hash"));
    for row in app.sessions_of(alice.id) {
        assert!(!body.contains(&row.session_key), "no session key digests");
    }
}

/// Puts `user` on `plan` (live or archived) as `role`, since `since`.
fn membership(app: &TestApp, table: &str, plan: i32, user: UserId, role: &str, since: &str) {
    app.exec(
        diesel::sql_query(format!(
            "INSERT INTO {table} (plan_id, user_id, role, created_at) VALUES ($1, $2, $3, $4::timestamptz)"
        ))
        .bind::<diesel::sql_types::Integer, _>(plan)
        .bind::<diesel::sql_types::Integer, _>(user.0)
        .bind::<diesel::sql_types::Text, _>(role)
        .bind::<diesel::sql_types::Text, _>(since),
    );
}

/// A change by `user` on `plan` (live or archived) at `at`.
fn changed(app: &TestApp, table: &str, plan: i32, user: UserId, summary: &str, at: &str) {
    app.exec(
        diesel::sql_query(format!(
            "INSERT INTO {table} (plan_id, user_id, action, summary, created_at) \
             VALUES ($1, $2, 'activity_added', $3, $4::timestamptz)"
        ))
        .bind::<diesel::sql_types::Integer, _>(plan)
        .bind::<diesel::sql_types::Integer, _>(user.0)
        .bind::<diesel::sql_types::Text, _>(summary)
        .bind::<diesel::sql_types::Text, _>(at),
    );
}

#[tokio::test]
async fn the_export_holds_the_users_memberships_and_changes_and_no_one_elses() {
    let app = spawn_app().await;
    let (alice, bob) = two_travellers(&app).await;
    let carl = app.user("carl").insert();
    let bergen = app.plan(&bob).title("Bergen with friends").insert().id.0;
    let left = app.plan(&carl).title("Carl's private trip").insert().id.0;
    let alices = app.plans_of(alice.id)[0].id.0;
    let old: i32 = app.one(
        diesel::insert_into(archived_plans::table)
            .values((
                archived_plans::user_id.eq(carl.id),
                archived_plans::title.eq("Archived road trip"),
            ))
            .returning(archived_plans::id),
    );
    membership(
        &app,
        "plan_members",
        bergen,
        alice.id,
        "editor",
        "2026-11-01 08:00:00+00",
    );
    membership(
        &app,
        "archived_plan_members",
        old,
        alice.id,
        "viewer",
        "2024-05-01 08:00:00+00",
    );
    membership(
        &app,
        "plan_members",
        alices,
        bob.id,
        "viewer",
        "2026-11-02 08:00:00+00",
    );
    changed(
        &app,
        "plan_changes",
        alices,
        alice.id,
        "added Tram 28 ride",
        "2026-11-01 09:00:00+00",
    );
    changed(
        &app,
        "plan_changes",
        bergen,
        alice.id,
        "added Bryggen walk",
        "2026-11-03 09:00:00+00",
    );
    // A change on a plan Alice has since left is still hers.
    changed(
        &app,
        "plan_changes",
        left,
        alice.id,
        "added a ferry",
        "2026-11-02 09:00:00+00",
    );
    changed(
        &app,
        "archived_plan_changes",
        old,
        alice.id,
        "added a motel",
        "2024-05-02 09:00:00+00",
    );
    changed(
        &app,
        "plan_changes",
        bergen,
        bob.id,
        "bob moved the fish market",
        "2026-11-04 09:00:00+00",
    );
    changed(
        &app,
        "plan_changes",
        alices,
        bob.id,
        "bob was here",
        "2026-11-05 09:00:00+00",
    );

    let browser = app.signed_in(&alice).await;
    let response = browser.get("/account/export").await;
    assert_eq!(response.status(), 200);
    let body = response.text().await.unwrap();
    let data: serde_json::Value = serde_json::from_str(&body).unwrap();

    assert_eq!(
        data["memberships"],
        json!([
            {"plan_id": old, "title": "Archived road trip", "role": "viewer",
             "notify_changes": false, "since": "2024-05-01T08:00:00Z", "archived": true},
            {"plan_id": bergen, "title": "Bergen with friends", "role": "editor",
             "notify_changes": false, "since": "2026-11-01T08:00:00Z", "archived": false},
        ])
    );
    assert_eq!(
        data["changes"],
        json!([
            {"plan_id": old, "action": "activity_added", "summary": "added a motel",
             "created_at": "2024-05-02T09:00:00Z"},
            {"plan_id": alices, "action": "activity_added", "summary": "added Tram 28 ride",
             "created_at": "2026-11-01T09:00:00Z"},
            {"plan_id": left, "action": "activity_added", "summary": "added a ferry",
             "created_at": "2026-11-02T09:00:00Z"},
            {"plan_id": bergen, "action": "activity_added", "summary": "added Bryggen walk",
             "created_at": "2026-11-03T09:00:00Z"},
        ])
    );
    for foreign in [
        "bob moved",
        "bob was here",
        "Carl's private trip",
        "Secret Oslo trip",
    ] {
        assert!(!body.contains(foreign), "the export contains {foreign}");
    }

    // The export's own reads leave the rest of the request acting for Alice only: her
    // plans are still hers alone.
    let titles: Vec<&str> = data["plans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Lisbon in spring", "Porto weekend"]);

    // Bob's export has his change on Alice's plan and his membership of it.
    let bobs = app.signed_in(&bob).await;
    let data: serde_json::Value =
        serde_json::from_str(&bobs.get_html("/account/export").await).unwrap();
    assert_eq!(data["memberships"][0]["plan_id"], alices);
    assert_eq!(data["memberships"].as_array().unwrap().len(), 1);
    assert_eq!(data["changes"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_wrong_password_deletes_nothing() {
    let app = spawn_app().await;
    let (alice, _) = two_travellers(&app).await;
    let browser = app.signed_in(&alice).await;
    let form = browser.get_html("/account/delete").await;
    assert!(form.contains("name=\"password\""));
    // Wrong passwords are counted (like failed logins); nothing else is written.
    let before = app.snapshot_except_counters();
    for wrong in ["", "not my password", "correct horse battery stapler"] {
        let response = browser
            .post_form("/account/delete", &[("password", wrong)])
            .await;
        assert_eq!(response.status(), 422);
        assert!(
            response
                .text()
                .await
                .unwrap()
                .contains("This is not your password.")
        );
    }
    // The username typed as a confirmation is no substitute for the password.
    let typed = browser
        .post_form("/account/delete", &[("confirmation", "alice")])
        .await;
    assert_eq!(typed.status(), 422);
    assert_eq!(app.snapshot_except_counters(), before);
    assert!(browser.signed_in_email().await.is_some());
}

#[tokio::test]
async fn deleting_the_account_removes_every_row_of_the_user() {
    let app = spawn_app().await;
    let (alice, bob) = two_travellers(&app).await;
    let browser = app.signed_in(&alice).await;
    let phone = app.signed_in(&alice).await;
    let bobs = app.signed_in(&bob).await;
    let bob_before = holdings(&app, bob.id);

    let response = browser
        .post_form("/account/delete", &[("password", PASSWORD)])
        .await;
    assert_is_redirect_to(&response, "/");
    let cleared = response.cookies().find(|c| c.name() == SESSION_COOKIE);
    assert!(
        cleared.is_some_and(|c| c.value().is_empty()),
        "the cookie is cleared"
    );
    assert!(
        browser
            .get_html("/")
            .await
            .contains("Your account and everything in it have been deleted.")
    );

    let id = alice.id;
    assert!(app.user_row(id).is_none());
    let [plans_left, _, archived_left, sessions_left] = holdings(&app, id);
    assert_eq!((plans_left, sessions_left, archived_left), (0, 0, 0));
    let plan_ids: Vec<i32> = app.all(plans::table.select(plans::id));
    let orphans = app
        .all::<i32, _>(plan_activities::table.select(plan_activities::plan_id))
        .into_iter()
        .filter(|plan| !plan_ids.contains(plan))
        .count();
    assert_eq!(orphans, 0);
    assert_eq!(
        app.one::<i64, _>(archived_plan_activities::table.count()),
        1,
        "only Bob's is left"
    );
    // Nothing anywhere still names her or what she planned.
    let everything = app.snapshot();
    for trace in [
        "alice@example.com",
        "\"alice\"",
        "Lisbon in spring",
        "pastel de nata",
        "Tram 28 ride",
        "Porto weekend",
        "Old Rome trip",
        "Colosseum visit",
    ] {
        assert!(!everything.contains(trace), "{trace} is still stored");
    }

    // Bob keeps everything.
    assert_eq!(holdings(&app, bob.id), bob_before);
    assert!(bobs.signed_in_email().await.is_some());

    // Every browser of hers is signed out, and the account cannot log in.
    assert_eq!(browser.signed_in_email().await, None);
    assert_eq!(phone.signed_in_email().await, None);
    assert_eq!(
        app.new_browser().login("alice", PASSWORD).await.status(),
        422
    );
}

#[tokio::test]
async fn an_account_without_a_password_is_deleted_by_typing_its_username() {
    let app = spawn_app().await;
    let user = app.user("gwen").insert();
    let browser = app.signed_in(&user).await;
    // As a social-login account is stored: no password.
    app.exec(
        diesel::update(users::table.find(user.id))
            .set((users::password_hash.eq("!"), users::google_id.eq("g-123"))),
    );
    let form = browser.get_html("/account/delete").await;
    assert!(form.contains("name=\"confirmation\""));
    assert!(!form.contains("name=\"password\""));

    let before = app.snapshot();
    for wrong in ["", "Gwen", "gwen2", "!"] {
        let response = browser
            .post_form(
                "/account/delete",
                &[("confirmation", wrong), ("password", "!")],
            )
            .await;
        assert_eq!(response.status(), 422, "{wrong:?}");
        assert!(
            response
                .text()
                .await
                .unwrap()
                .contains("Type your username exactly to confirm.")
        );
    }
    assert_eq!(app.snapshot(), before);

    let response = browser
        .post_form("/account/delete", &[("confirmation", "gwen")])
        .await;
    assert_is_redirect_to(&response, "/");
    assert_eq!(app.users().len(), 0);
    assert_eq!(app.session_count(), 0);
}

#[tokio::test]
async fn create_staff_makes_a_verified_staff_account_usable_on_these_pages() {
    let app = spawn_app().await;
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_wayfare"))
        .args([
            "create-staff",
            "--email",
            "ops@example.com",
            "--username",
            "ops",
            "--password",
            PASSWORD,
        ])
        .env_clear()
        .env("DATABASE_URL", &app.db.url)
        .env("DATA_DIR", &app.data_dir)
        .env("BCRYPT_COST", "4")
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let staff = app.the_user();
    assert_eq!(
        (staff.is_active, staff.is_verified, staff.is_staff),
        (Some(true), Some(true), Some(true))
    );

    let browser = app.new_browser();
    browser.login_ok("ops@example.com", PASSWORD).await;
    let page = browser.get_html("/account").await;
    assert!(page.contains("badge-ok\">confirmed"));
    assert!(page.contains("<span class=\"badge\">staff</span>"));
    assert_eq!(browser.get("/account/sessions").await.status(), 200);
    let row = app.session_row_of(&browser).unwrap();
    assert_eq!(
        row.expires_at - row.created_at.unwrap(),
        chrono::TimeDelta::hours(1),
        "a staff session's idle lifetime"
    );
}
