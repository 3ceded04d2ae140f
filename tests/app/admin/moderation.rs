//! The read-only plan view, plan moderation, and ending sessions.

use diesel::prelude::*;
use wayfare::db::schema::user_sessions;

use super::*;
use crate::support::assert_is_redirect_to;

// ---------------------------------------------------------------- plans

#[tokio::test]
async fn the_plan_view_is_read_only_with_every_activity() {
    let w = world().await;
    create_activity(&w.app, w.plan, "Pastéis de Belém");
    let before = w.app.snapshot();
    let page = w.admin.get_html(&format!("/admin/plans/{}", w.plan)).await;
    for text in [
        "Lisbon in July",
        "Tram 28",
        "Pastéis de Belém",
        "Old town and the coast",
        "2026-07-01 – 2026-07-03",
        "12.50",
        "/s/tok-alice-lisbon-0123456789",
        &format!("href=\"/admin/users/{}\">alice</a>", w.alice.id),
    ] {
        assert!(page.contains(text), "{text}");
    }
    // Only the three moderation forms post anywhere; nothing edits the plan.
    let actions = select_all(&page, "form[method=post]", "action");
    let expected: Vec<String> = ["unpublish", "archive", "revoke-share"]
        .iter()
        .map(|a| format!("/admin/plans/{}/{a}", w.plan))
        .collect();
    assert_eq!(
        actions
            .iter()
            .filter(|a| a.starts_with("/admin"))
            .cloned()
            .collect::<Vec<_>>(),
        expected
    );
    assert_eq!(w.app.snapshot(), before);
}

#[tokio::test]
async fn moderation_unpublishes_archives_and_revokes_links_and_the_owner_sees_it() {
    let w = world().await;
    let token = "tok-alice-lisbon-0123456789";
    assert!(
        w.app
            .new_browser()
            .get_html("/explore")
            .await
            .contains("Lisbon in July")
    );
    assert_eq!(
        w.app
            .new_browser()
            .get(&format!("/s/{token}"))
            .await
            .status(),
        StatusCode::OK
    );

    // Unpublish: private, off Explore; the link still works until revoked.
    let plan_row = [("plans", "id", w.plan.0)];
    let others = snapshot_except(&w.app, &plan_row);
    let before = row(&w.app, "plans", w.plan);
    let page = follow(
        &w.admin,
        w.admin
            .post_form(&format!("/admin/plans/{}/unpublish", w.plan), &[])
            .await,
    )
    .await;
    assert!(page.contains("The plan is private now"));
    let after = row(&w.app, "plans", w.plan);
    assert_eq!(
        changed(&before, &after),
        fields(&["is_public", "updated_at"])
    );
    assert!(
        !w.app
            .new_browser()
            .get_html("/explore")
            .await
            .contains("Lisbon in July")
    );
    let owner_view = w
        .alice_browser
        .get_html(&format!("/plans/{}", w.plan))
        .await;
    assert!(!owner_view.contains("<span class=\"badge\">public</span>"));
    // Again: nothing to do, nothing changes.
    let page = follow(
        &w.admin,
        w.admin
            .post_form(&format!("/admin/plans/{}/unpublish", w.plan), &[])
            .await,
    )
    .await;
    assert!(page.contains("The plan was private already"));
    assert_eq!(row(&w.app, "plans", w.plan), after);

    // Revoke the share link: it leads nowhere at once.
    let before = after;
    follow(
        &w.admin,
        w.admin
            .post_form(&format!("/admin/plans/{}/revoke-share", w.plan), &[])
            .await,
    )
    .await;
    let after = row(&w.app, "plans", w.plan);
    assert_eq!(
        changed(&before, &after),
        fields(&["share_token", "updated_at"])
    );
    assert_eq!(after["share_token"], serde_json::Value::Null);
    assert_eq!(
        w.app
            .new_browser()
            .get(&format!("/s/{token}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    // Archive.
    let before = after;
    let page = follow(
        &w.admin,
        w.admin
            .post_form(&format!("/admin/plans/{}/archive", w.plan), &[])
            .await,
    )
    .await;
    assert!(page.contains("The plan is archived"));
    let after = row(&w.app, "plans", w.plan);
    assert_eq!(changed(&before, &after), fields(&["status", "updated_at"]));
    assert_eq!(after["status"], "archived");
    let owner_view = w
        .alice_browser
        .get_html(&format!("/plans/{}", w.plan))
        .await;
    assert!(owner_view.contains("status-archived"));
    // Nothing else changed: not its activities, not its owner, not her sessions.
    assert_eq!(snapshot_except(&w.app, &plan_row), others);
}

// ---------------------------------------------------------------- sessions

#[tokio::test]
async fn the_sessions_page_lists_live_sessions_and_ends_one_or_all_of_a_user() {
    let w = world().await;
    let second = w.app.signed_in(&w.alice).await;
    let bob = w.app.user("bob").insert();
    let bob_browser = w.app.signed_in(&bob).await;
    // Expired and ended rows are not live.
    let now = chrono::Utc::now().naive_utc();
    w.app
        .exec(diesel::insert_into(user_sessions::table).values(vec![
            (
                user_sessions::user_id.eq(bob.id),
                user_sessions::session_key.eq("expired-row"),
                user_sessions::expires_at.eq(now - chrono::Duration::minutes(1)),
            ),
            (
                user_sessions::user_id.eq(bob.id),
                user_sessions::session_key.eq("ended-row"),
                user_sessions::expires_at.eq(now + chrono::Duration::days(1)),
            ),
        ]));
    w.app.exec(
        diesel::update(user_sessions::table.filter(user_sessions::session_key.eq("ended-row")))
            .set(user_sessions::is_active.eq(false)),
    );

    let page = w.admin.get_html("/admin/sessions").await;
    let listed = select_all(
        &page,
        "form[action$=\"/revoke\"][action^=\"/admin/sessions/\"]",
        "action",
    );
    let live: Vec<i32> = {
        use wayfare::db::schema::user_sessions as s;
        w.app.all(
            s::table
                .filter(s::session_key.ne_all(["expired-row", "ended-row"]))
                .order(s::id.desc())
                .select(s::id),
        )
    };
    assert_eq!(
        listed,
        live.iter()
            .map(|id| format!("/admin/sessions/{id}/revoke"))
            .collect::<Vec<_>>()
    );
    for text in [
        "alice",
        "bob",
        "stella",
        "Firefox on Linux",
        "127.0.0.1",
        "you, here",
    ] {
        assert!(page.contains(text), "{text}");
    }
    let only_bob = w.admin.get_html("/admin/sessions?user=BOB").await;
    assert!(only_bob.contains(">bob</a>") && !only_bob.contains(">alice</a>"));

    // End one of Alice's: that browser is out, the other is not.
    let first_row = w.app.session_row_of(&w.alice_browser).unwrap().id;
    let response = w
        .admin
        .post_form(
            &format!("/admin/sessions/{first_row}/revoke"),
            &[("next", "/admin/sessions?user=alice")],
        )
        .await;
    assert_is_redirect_to(&response, "/admin/sessions?user=alice");
    assert_eq!(w.alice_browser.signed_in_email().await, None);
    assert_eq!(
        second.signed_in_email().await.as_deref(),
        Some(w.alice.email.as_str())
    );
    assert_eq!(w.app.one::<i64, _>(user_sessions::table.count()), 6 - 1);

    // End all of Bob's (from his user page by default).
    let response = w
        .admin
        .post_form(&format!("/admin/users/{}/sessions/revoke", bob.id), &[])
        .await;
    assert_is_redirect_to(&response, &format!("/admin/users/{}", bob.id));
    assert_eq!(bob_browser.signed_in_email().await, None);
    assert_eq!(
        w.app.one::<i64, _>(
            user_sessions::table
                .filter(user_sessions::user_id.eq(bob.id))
                .count()
        ),
        0
    );
    assert_eq!(
        second.signed_in_email().await.as_deref(),
        Some(w.alice.email.as_str())
    );
    // `next` never leads off the admin pages.
    let response = w
        .admin
        .post_form(
            &format!("/admin/users/{}/sessions/revoke", w.alice.id),
            &[("next", "https://evil.example/admin")],
        )
        .await;
    assert_is_redirect_to(&response, &format!("/admin/users/{}", w.alice.id));
    assert_eq!(second.signed_in_email().await, None);
}
