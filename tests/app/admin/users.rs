//! What each action on an account changes (and leaves alone), and the rules that protect
//! staff accounts.

use diesel::prelude::*;
use wayfare::db::schema::{
    archived_plan_activities, archived_plans, rate_limits, user_sessions, users,
};

use super::*;
use crate::support::{PASSWORD, assert_is_redirect_to};

// ---------------------------------------------------------------- user actions

#[tokio::test]
async fn deactivation_ends_every_session_at_once_and_activation_lets_them_back() {
    let w = world().await;
    let second_browser = w.app.signed_in(&w.alice).await;
    let bob = w.app.user("bob").insert();
    let bob_browser = w.app.signed_in(&bob).await;
    assert_eq!(w.app.sessions_of(w.alice.id).len(), 2);
    let before = row(&w.app, "users", w.alice.id);
    let alice_rows = [
        ("users", "id", w.alice.id.0),
        ("user_sessions", "user_id", w.alice.id.0),
    ];
    let others = snapshot_except(&w.app, &alice_rows);

    let page = follow(
        &w.admin,
        w.admin
            .post_form(&format!("/admin/users/{}/deactivate", w.alice.id), &[])
            .await,
    )
    .await;
    assert!(page.contains("alice is deactivated"), "{page}");
    assert!(page.contains("2 sessions were ended"));
    assert_eq!(
        changed(&before, &row(&w.app, "users", w.alice.id)),
        fields(&["is_active"])
    );
    assert_eq!(
        w.app
            .user_row(w.alice.id)
            .and_then(|u| u.is_active)
            .map(|b| b.to_string())
            .as_deref(),
        Some("false")
    );
    assert!(
        w.app.sessions_of(w.alice.id).is_empty(),
        "both rows are gone"
    );
    assert_eq!(
        snapshot_except(&w.app, &alice_rows),
        others,
        "nobody else is touched"
    );
    assert_eq!(w.alice_browser.signed_in_email().await, None);
    assert_eq!(second_browser.signed_in_email().await, None);
    // Nobody else is touched: her plan stays, Bob and the staff member stay signed in.
    assert!(w.app.plan_row(w.plan).is_some());
    assert_eq!(
        bob_browser.signed_in_email().await.as_deref(),
        Some(bob.email.as_str())
    );
    assert_eq!(w.admin.get("/admin").await.status(), StatusCode::OK);
    // She cannot log in again.
    let login = w.app.new_browser().login("alice", PASSWORD).await;
    assert_eq!(login.status(), StatusCode::FORBIDDEN);
    assert!(
        w.admin
            .get_html("/admin/users?active=no")
            .await
            .contains(">alice<")
    );

    let before = row(&w.app, "users", w.alice.id);
    let page = follow(
        &w.admin,
        w.admin
            .post_form(&format!("/admin/users/{}/activate", w.alice.id), &[])
            .await,
    )
    .await;
    assert!(page.contains("alice can log in again"));
    assert_eq!(
        changed(&before, &row(&w.app, "users", w.alice.id)),
        fields(&["is_active"])
    );
    w.app.new_browser().login_ok("alice", PASSWORD).await;
}

#[tokio::test]
async fn verify_and_staff_flags_change_only_their_column() {
    let w = world().await;
    let carol = w.app.user("carol").unverified().insert();
    let carol_browser = w.app.signed_in(&carol).await;
    assert_eq!(
        carol_browser.get("/admin").await.status(),
        StatusCode::NOT_FOUND
    );

    for (action, column, message) in [
        ("verify", "is_verified", "carol is marked as verified"),
        ("grant-staff", "is_staff", "carol is now staff"),
    ] {
        let before = row(&w.app, "users", carol.id);
        let carol_row = [("users", "id", carol.id.0)];
        let others = snapshot_except(&w.app, &carol_row);
        let page = follow(
            &w.admin,
            w.admin
                .post_form(&format!("/admin/users/{}/{action}", carol.id), &[])
                .await,
        )
        .await;
        assert!(page.contains(message), "{action}: {page}");
        let after = row(&w.app, "users", carol.id);
        assert_eq!(changed(&before, &after), fields(&[column]), "{action}");
        assert_eq!(after[column], serde_json::json!(true));
        assert_eq!(snapshot_except(&w.app, &carol_row), others, "{action}");
    }
    // The new staff member is in on her very next request, in the same session.
    assert_eq!(carol_browser.get("/admin").await.status(), StatusCode::OK);

    let before = row(&w.app, "users", carol.id);
    let page = follow(
        &w.admin,
        w.admin
            .post_form(&format!("/admin/users/{}/revoke-staff", carol.id), &[])
            .await,
    )
    .await;
    assert!(page.contains("carol is no longer staff"));
    assert_eq!(
        changed(&before, &row(&w.app, "users", carol.id)),
        fields(&["is_staff"])
    );
    // …and out on the next one, still signed in as a traveller.
    assert_eq!(
        carol_browser.get("/admin").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        carol_browser.signed_in_email().await.as_deref(),
        Some(carol.email.as_str())
    );
}

#[tokio::test]
async fn staff_cannot_remove_their_own_rights_or_account() {
    let w = world().await;
    let own = w.staff.id;
    let page = w.admin.get_html(&format!("/admin/users/{own}")).await;
    assert!(page.contains("This is your own account"));
    for action in ["deactivate", "revoke-staff", "delete"] {
        assert!(
            !page.contains(&format!("/admin/users/{own}/{action}")),
            "no {action} button for oneself"
        );
    }

    let before = w.app.snapshot();
    for (action, what) in [
        ("deactivate", "You cannot deactivate your own account."),
        (
            "revoke-staff",
            "You cannot remove staff rights from your own account.",
        ),
        ("delete", "You cannot delete your own account."),
    ] {
        let response = w
            .admin
            .post_form(&format!("/admin/users/{own}/{action}"), &[])
            .await;
        assert_is_redirect_to(&response, &format!("/admin/users/{own}"));
        let page = follow(&w.admin, response).await;
        assert!(page.contains(what), "{action}");
        assert_eq!(w.app.snapshot(), before, "{action} changed something");
    }
    // The confirmation page is not offered either.
    let response = w.admin.get(&format!("/admin/users/{own}/delete")).await;
    assert_is_redirect_to(&response, &format!("/admin/users/{own}"));
    assert_eq!(w.app.snapshot(), before);
    assert_eq!(w.admin.get("/admin").await.status(), StatusCode::OK);
}

/// Two staff members removing each other at the same moment: the rows are locked, so one
/// wins and the other finds they are no longer staff. There is always an active staff
/// account left.
#[tokio::test]
async fn the_last_active_staff_account_survives_staff_removing_each_other_at_once() {
    let app = spawn_app().await;
    for (round, action) in ["revoke-staff", "deactivate", "delete"]
        .iter()
        .cycle()
        .take(9)
        .enumerate()
    {
        let a = make_staff(&app, &format!("a{round}"));
        let b = make_staff(&app, &format!("b{round}"));
        let (ba, bb) = (app.signed_in(&a).await, app.signed_in(&b).await);
        let (ta, tb) = (
            ba.csrf_token().await.unwrap(),
            bb.csrf_token().await.unwrap(),
        );
        let (path_a, path_b) = (
            format!("/admin/users/{}/{action}", b.id),
            format!("/admin/users/{}/{action}", a.id),
        );
        let (form_a, form_b) = ([("csrf_token", ta.as_str())], [("csrf_token", tb.as_str())]);
        let (ra, rb) = tokio::join!(
            ba.post_form(&path_a, &form_a),
            bb.post_form(&path_b, &form_b),
        );
        // Deleted, demoted or deactivated: no longer staff.
        let still_staff = |u: &TestUser| {
            app.user_row(u.id).map_or(0, |row| {
                i32::from(row.is_staff == Some(true) && row.is_active != Some(false))
            })
        };
        let survivors = still_staff(&a) + still_staff(&b);
        assert_eq!(survivors, 1, "round {round} ({action}): exactly one stays");
        let (winner, loser) = if still_staff(&a) == 1 {
            (ra, rb)
        } else {
            (rb, ra)
        };
        assert_eq!(winner.status(), StatusCode::SEE_OTHER);
        let refused = loser.status();
        assert!(
            refused == StatusCode::NOT_FOUND
                || (refused == StatusCode::SEE_OTHER && location(&loser).starts_with("/login")),
            "round {round}: the loser lost their rights ({refused})"
        );
        // Clean slate for the next round: nobody but this round's pair is staff.
        app.exec(diesel::update(users::table).set(users::is_staff.eq(false)));
    }
}

#[tokio::test]
async fn a_password_reset_mail_goes_to_the_user_within_their_mail_limit() {
    let w = world().await;
    let before = row(&w.app, "users", w.alice.id);
    let page = follow(
        &w.admin,
        w.admin
            .post_form(&format!("/admin/users/{}/send-reset", w.alice.id), &[])
            .await,
    )
    .await;
    assert!(page.contains("A password-reset link was mailed to alice@example.com"));
    let mail = w.app.last_mail_to(&w.alice.email);
    assert!(mail.body.contains("/password-reset/"), "{}", mail.body);
    assert!(
        !mail.body.contains("stella"),
        "the staff member stays out of it"
    );
    assert_eq!(
        row(&w.app, "users", w.alice.id),
        before,
        "the account is unchanged"
    );
    // Counted like any reset mail (the world starts her at 2 today).
    let alice = w.alice.id.to_string();
    let counts: Vec<_> = w
        .app
        .counters_of("mail_account")
        .into_iter()
        .filter(|c| c.identifier == alice)
        .map(|c| c.request_count)
        .collect();
    assert_eq!(counts, [Some(3)]);

    // At the limit: refused with a message; no mail.
    w.app.exec(
        diesel::update(rate_limits::table.filter(rate_limits::identifier.eq(&alice)))
            .set(rate_limits::request_count.eq(100)),
    );
    let mails = w.app.mails().len();
    let page = follow(
        &w.admin,
        w.admin
            .post_form(&format!("/admin/users/{}/send-reset", w.alice.id), &[])
            .await,
    )
    .await;
    assert!(
        page.contains("has had all the mails allowed today"),
        "{page}"
    );
    assert_eq!(w.app.mails().len(), mails);

    // Deactivated accounts get none (their links would not work).
    let bob = w.app.user("bob").inactive().insert();
    let page = follow(
        &w.admin,
        w.admin
            .post_form(&format!("/admin/users/{}/send-reset", bob.id), &[])
            .await,
    )
    .await;
    assert!(page.contains("bob is deactivated"));
    assert!(w.app.mails_to(&bob.email).is_empty());
}

#[tokio::test]
async fn deleting_a_user_asks_first_then_takes_everything_they_own() {
    let w = world().await;
    let bob = w.app.user("bob").insert();
    let bob_plan = create_plan(&w.app, bob.id, "Bob's trip", "draft", false, None);
    create_activity(&w.app, bob_plan, "Bob's walk");
    let bob_browser = w.app.signed_in(&bob).await;
    let archived: i32 = w.app.one(
        diesel::insert_into(archived_plans::table)
            .values((
                archived_plans::id.eq(9001),
                archived_plans::user_id.eq(w.alice.id),
                archived_plans::title.eq("Old trip"),
            ))
            .returning(archived_plans::id),
    );
    w.app.exec(
        diesel::insert_into(archived_plan_activities::table).values((
            archived_plan_activities::plan_id.eq(archived),
            archived_plan_activities::title.eq("Old walk"),
        )),
    );
    create_plan(&w.app, w.alice.id, "Second trip", "draft", false, None);

    let page = w
        .admin
        .get_html(&format!("/admin/users/{}/delete", w.alice.id))
        .await;
    assert!(page.contains("Delete alice?"));
    assert!(page.contains("2 plans and 1 activity"), "{page}");
    assert!(page.contains("1 session"));
    assert_eq!(
        w.app
            .one::<i64, _>(users::table.filter(users::username.eq("alice")).count()),
        1,
        "asking deletes nothing"
    );

    let response = w
        .admin
        .post_form(&format!("/admin/users/{}/delete", w.alice.id), &[])
        .await;
    assert_is_redirect_to(&response, "/admin/users");
    let page = follow(&w.admin, response).await;
    assert!(
        page.contains("alice is deleted, with 2 plans and 1 activity."),
        "{page}"
    );

    let alice = w.alice.id;
    assert!(w.app.user_row(alice).is_none());
    assert!(w.app.plans_of(alice).is_empty());
    assert!(w.app.activities_of(w.plan).is_empty());
    assert_eq!(
        w.app.one::<i64, _>(
            user_sessions::table
                .filter(user_sessions::user_id.eq(alice))
                .count()
        ),
        0
    );
    assert_eq!(
        w.app.one::<i64, _>(
            archived_plans::table
                .filter(archived_plans::user_id.eq(alice))
                .count()
        ),
        0
    );
    assert_eq!(
        w.app.one::<i64, _>(archived_plan_activities::table.count()),
        0
    );
    assert_eq!(w.alice_browser.signed_in_email().await, None);
    // Bob keeps everything.
    assert_eq!(w.app.plans_of(bob.id).len(), 1);
    assert_eq!(w.app.activities_of(bob_plan).len(), 1);
    assert_eq!(
        bob_browser.signed_in_email().await.as_deref(),
        Some(bob.email.as_str())
    );
    assert_eq!(
        w.admin.get(&format!("/admin/users/{alice}")).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_user_page_shows_profile_providers_plans_and_sessions() {
    let w = world().await;
    w.app
        .exec(diesel::update(users::table.find(w.alice.id)).set((
            users::first_name.eq("Alice"),
            users::last_name.eq("Liddell"),
            users::google_id.eq("g-123"),
        )));
    let page = w
        .admin
        .get_html(&format!("/admin/users/{}", w.alice.id))
        .await;
    for text in [
        "alice@example.com",
        "Alice Liddell",
        "linked <small class=\"muted\">(g-123)</small>",
        "Lisbon in July",
        &format!("href=\"/admin/plans/{}\"", w.plan),
        "Firefox on Linux",
        "127.0.0.1",
        &format!("/admin/sessions/{}/revoke", w.session),
        &format!("/admin/users/{}/sessions/revoke", w.alice.id),
    ] {
        assert!(page.contains(text), "{text}");
    }
    assert!(page.contains("Facebook</dt><dd><span class=\"muted\">not linked"));
}
