//! Planning together: invitations by e-mail (the mail, accepting as the invited address
//! only, dead links, sending again, limits, saying nothing about accounts), the owner's
//! changes (roles, removal, hand-over), leaving, what editors, viewers and strangers may
//! not do, the hand-over when an owner deletes their account, and "Shared with me".

use diesel::prelude::*;
use diesel::sql_types::Integer;
use reqwest::StatusCode;
use wayfare::db::schema::{plan_invitations, plan_members, plans};
use wayfare::domain::MemberRole;
use wayfare::domain::ids::{PlanId, UserId};
use wayfare::models::plan_member::{self, NewPlanMember};

use crate::plans::traveller;
use crate::support::{
    Browser, TestApp, TestUser, assert_is_redirect_to, extract_link, spawn_app, spawn_app_with,
    without_csrf_tokens,
};

/// Adds `user` to `plan` in `role`, straight in the database.
fn add_member(app: &TestApp, plan: i32, user: &TestUser, role: MemberRole) {
    plan_member::insert(
        &mut app.admin(),
        &NewPlanMember {
            plan_id: PlanId(plan),
            user_id: user.id,
            role,
            invited_by: None,
        },
    )
    .unwrap();
}

/// Whom the plan has as members, with their roles, by user id.
fn members_of(app: &TestApp, plan: i32) -> Vec<(UserId, MemberRole)> {
    app.all(
        plan_members::table
            .filter(plan_members::plan_id.eq(PlanId(plan)))
            .order(plan_members::user_id)
            .select((plan_members::user_id, plan_members::role)),
    )
}

fn owner_of(app: &TestApp, plan: i32) -> Option<UserId> {
    app.plan_row(plan).map(|p| p.user_id)
}

/// Every row of every table (`snapshot`) and of the collaboration tables, as JSON text.
fn collaboration_snapshot(app: &TestApp) -> String {
    format!("{}\n{}", app.snapshot(), member_rows(app))
}

/// The rows of the collaboration tables, as JSON text.
fn member_rows(app: &TestApp) -> String {
    let mut dumps = Vec::new();
    for table in ["plan_members", "plan_invitations", "plan_changes"] {
        let sql =
            format!("SELECT coalesce(json_agg(r ORDER BY r.id), '[]')::text AS v FROM {table} r");
        dumps.push(app.text(diesel::sql_query(sql)).unwrap());
    }
    dumps.join("\n")
}

fn actions_of(app: &TestApp, plan: i32) -> Vec<String> {
    #[derive(QueryableByName)]
    struct Action {
        #[diesel(sql_type = diesel::sql_types::Text)]
        action: String,
    }
    diesel::sql_query("SELECT action FROM plan_changes WHERE plan_id = $1 ORDER BY id")
        .bind::<Integer, _>(plan)
        .load::<Action>(&mut app.admin())
        .unwrap()
        .into_iter()
        .map(|a| a.action)
        .collect()
}

/// The owner invites `email` as `role`; the answer is a redirect to the members page.
async fn invite(owner: &Browser, plan: i32, email: &str, role: &str) {
    let response = owner
        .post_form(
            &format!("/plans/{plan}/members"),
            &[("email", email), ("role", role)],
        )
        .await;
    assert_is_redirect_to(&response, &format!("/plans/{plan}/members"));
}

/// The path of the newest invitation link mailed to `email`.
fn link_to(app: &TestApp, email: &str) -> String {
    extract_link(app, &app.last_mail_to(email).body, "/invitations/")
}

struct Trip {
    app: TestApp,
    ana: crate::plans::Traveller,
    plan: i32,
}

/// Ana, signed in, with her plan "Lisbon".
async fn lisbon() -> Trip {
    lisbon_in(spawn_app().await).await
}

async fn lisbon_in(app: TestApp) -> Trip {
    let ana = traveller(&app, "ana").await;
    let plan = app.plan(&ana.user).title("Lisbon").insert().id.0;
    Trip { app, ana, plan }
}

#[tokio::test]
async fn an_invitee_accepts_from_the_mailed_link_and_becomes_a_member() {
    let Trip { app, ana, plan } = lisbon().await;
    let bo = app.user("bo").unverified().insert();
    invite(&ana.browser, plan, "Bo@Example.com", "editor").await;
    let page = ana
        .browser
        .get_html(&format!("/plans/{plan}/members"))
        .await;
    assert!(
        page.contains("Invitation sent to Bo@Example.com."),
        "{page}"
    );
    assert!(page.contains("Bo@Example.com"));

    let mail = app.last_mail_to("bo@example.com");
    assert!(mail.body.contains("ana invites you"), "{}", mail.body);
    assert!(mail.body.contains("Lisbon"));
    let link = link_to(&app, "bo@example.com");
    let token = link.trim_start_matches("/invitations/");
    assert_eq!(token.len(), 43, "32 bytes in URL-safe base64");
    let stored: String = app.one(plan_invitations::table.select(plan_invitations::token_hash));
    assert_ne!(stored, token, "only the token's hash is kept");
    assert_eq!(stored.len(), 64);

    // Anonymous: the plan, who invited, the role, and the way to sign in and come back.
    let visitor = app.new_browser();
    let page = visitor.get_html(&link).await;
    assert!(
        page.contains("Lisbon") && page.contains("ana invites you"),
        "{page}"
    );
    assert!(page.contains("as an editor"));
    let next = format!("next=%2Finvitations%2F{token}");
    assert!(page.contains(&format!("/login?{next}")), "{page}");
    assert!(page.contains(&format!("/signup?{next}")));
    assert!(!page.contains(">Accept<"));

    // Signing in comes back to the invitation.
    let response = visitor
        .post_form(
            "/login",
            &[("login", "bo"), ("password", &bo.password), ("next", &link)],
        )
        .await;
    assert_is_redirect_to(&response, &link);
    let page = visitor.get_html(&link).await;
    assert!(page.contains(">Accept<"), "{page}");
    let response = visitor.post_form(&link, &[]).await;
    assert_is_redirect_to(&response, &format!("/plans/{plan}"));

    assert_eq!(members_of(&app, plan), [(bo.id, MemberRole::Editor)]);
    assert_eq!(app.user_row(bo.id).unwrap().is_verified, Some(true));
    assert_eq!(actions_of(&app, plan), ["member_invited", "member_joined"]);
    assert_eq!(
        visitor.get(&format!("/plans/{plan}")).await.status(),
        StatusCode::OK
    );
    // Used: the link opens nothing any more.
    assert_eq!(visitor.get(&link).await.status(), StatusCode::GONE);
    let members = ana
        .browser
        .get_html(&format!("/plans/{plan}/members"))
        .await;
    assert!(members.contains("None."), "no invitation waits any more");
}

#[tokio::test]
async fn another_account_cannot_accept_and_nothing_is_written() {
    let Trip { app, ana, plan } = lisbon().await;
    invite(&ana.browser, plan, "bo@example.com", "viewer").await;
    let link = link_to(&app, "bo@example.com");
    let cy = traveller(&app, "cy").await;
    let before = collaboration_snapshot(&app);

    let response = cy.browser.get(&link).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("This invitation is for another address")
    );
    let response = cy.browser.post_form(&link, &[]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(collaboration_snapshot(&app), before);
    assert!(members_of(&app, plan).is_empty());
    assert_eq!(
        cy.browser.get(&format!("/plans/{plan}")).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn expired_revoked_used_and_unknown_links_all_answer_the_same() {
    let Trip { app, ana, plan } = lisbon().await;
    let bo = traveller(&app, "bo").await;
    invite(&ana.browser, plan, "bo@example.com", "viewer").await;
    let expired = link_to(&app, "bo@example.com");
    app.exec(diesel::sql_query(
        "UPDATE plan_invitations SET expires_at = now() - interval '1 minute'",
    ));
    let unknown = "/invitations/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".to_string();

    let answer = |path: String| {
        let browser = bo.browser.clone();
        async move {
            let response = browser.get(&path).await;
            let status = response.status();
            (status, without_csrf_tokens(&response.text().await.unwrap()))
        }
    };
    let (status, gone) = answer(expired.clone()).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(gone.contains("This invitation no longer works"));
    assert_eq!(answer(unknown).await, (StatusCode::GONE, gone.clone()));
    let before = collaboration_snapshot(&app);
    assert_eq!(
        bo.browser.post_form(&expired, &[]).await.status(),
        StatusCode::GONE
    );
    assert_eq!(collaboration_snapshot(&app), before, "nothing written");

    // Inviting again sends the same row a new link; revoking it kills that one too.
    invite(&ana.browser, plan, "bo@example.com", "viewer").await;
    let fresh = link_to(&app, "bo@example.com");
    assert_ne!(fresh, expired);
    assert_eq!(
        app.count(diesel::sql_query("SELECT count(*) FROM plan_invitations")),
        1
    );
    assert_eq!(bo.browser.get(&fresh).await.status(), StatusCode::OK);
    let id: i32 = app.one(plan_invitations::table.select(plan_invitations::id));
    let response = ana
        .browser
        .post_form(&format!("/plans/{plan}/invitations/{id}/revoke"), &[])
        .await;
    assert_is_redirect_to(&response, &format!("/plans/{plan}/members"));
    assert_eq!(answer(fresh.clone()).await, (StatusCode::GONE, gone));
    assert_eq!(
        bo.browser.post_form(&fresh, &[]).await.status(),
        StatusCode::GONE
    );
    assert!(members_of(&app, plan).is_empty());
}

#[tokio::test]
async fn sending_again_makes_the_old_link_dead() {
    let Trip { app, ana, plan } = lisbon().await;
    let bo = traveller(&app, "bo").await;
    invite(&ana.browser, plan, "bo@example.com", "editor").await;
    let old = link_to(&app, "bo@example.com");
    let id: i32 = app.one(plan_invitations::table.select(plan_invitations::id));
    let response = ana
        .browser
        .post_form(&format!("/plans/{plan}/invitations/{id}/resend"), &[])
        .await;
    assert_is_redirect_to(&response, &format!("/plans/{plan}/members"));
    let new = link_to(&app, "bo@example.com");
    assert_ne!(new, old);
    assert_eq!(app.mails_to("bo@example.com").len(), 2);
    assert_eq!(bo.browser.get(&old).await.status(), StatusCode::GONE);
    assert_eq!(
        bo.browser.post_form(&old, &[]).await.status(),
        StatusCode::GONE
    );
    assert!(members_of(&app, plan).is_empty());
    assert_is_redirect_to(
        &bo.browser.post_form(&new, &[]).await,
        &format!("/plans/{plan}"),
    );
    assert_eq!(members_of(&app, plan), [(bo.user.id, MemberRole::Editor)]);
}

#[tokio::test]
async fn a_bad_address_or_role_is_refused_beside_the_field() {
    let Trip { app, ana, plan } = lisbon().await;
    let before = collaboration_snapshot(&app);
    for (email, role, message) in [
        ("not an address", "viewer", "Enter an e-mail address like"),
        ("bo@example.com", "owner", "Choose editor or viewer."),
    ] {
        let response = ana
            .browser
            .post_form(
                &format!("/plans/{plan}/members"),
                &[("email", email), ("role", role)],
            )
            .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = response.text().await.unwrap();
        assert!(page.contains(message), "{page}");
        assert!(page.contains("field-error"));
    }
    assert_eq!(collaboration_snapshot(&app), before);
    assert!(app.mails().is_empty());
}

#[tokio::test]
async fn pending_invitations_and_members_are_limited() {
    let app = spawn_app_with(|env| {
        env.insert("MAX_PENDING_INVITATIONS_PER_PLAN".into(), "1".into());
        env.insert("MAX_MEMBERS_PER_PLAN".into(), "2".into());
    })
    .await;
    let Trip { app, ana, plan } = lisbon_in(app).await;
    invite(&ana.browser, plan, "bo@example.com", "viewer").await;
    let before = collaboration_snapshot(&app);
    let response = ana
        .browser
        .post_form(
            &format!("/plans/{plan}/members"),
            &[("email", "cy@example.com"), ("role", "viewer")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("invitations are waiting for an answer")
    );
    assert_eq!(collaboration_snapshot(&app), before);
    assert!(app.mails_to("cy@example.com").is_empty());

    // Two members: the plan is full, whoever is invited.
    let id: i32 = app.one(plan_invitations::table.select(plan_invitations::id));
    ana.browser
        .post_form(&format!("/plans/{plan}/invitations/{id}/revoke"), &[])
        .await;
    for name in ["dan", "eve"] {
        let member = app.user(name).insert();
        add_member(&app, plan, &member, MemberRole::Viewer);
    }
    let before = collaboration_snapshot(&app);
    let response = ana
        .browser
        .post_form(
            &format!("/plans/{plan}/members"),
            &[("email", "cy@example.com"), ("role", "editor")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("A plan can have 2 members")
    );
    assert_eq!(collaboration_snapshot(&app), before);
}

#[tokio::test]
async fn invitation_mails_are_limited_per_day() {
    let app = spawn_app_with(|env| {
        env.insert("LIMIT_INVITATIONS_PER_USER".into(), "2".into());
    })
    .await;
    let Trip { app, ana, plan } = lisbon_in(app).await;
    invite(&ana.browser, plan, "bo@example.com", "viewer").await;
    invite(&ana.browser, plan, "cy@example.com", "viewer").await;
    let before = format!("{}{}", app.snapshot_except_counters(), member_rows(&app));
    let response = ana
        .browser
        .post_form(
            &format!("/plans/{plan}/members"),
            &[("email", "dan@example.com"), ("role", "viewer")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(response.headers().contains_key("retry-after"));
    let id: i32 = app.one(
        plan_invitations::table
            .filter(plan_invitations::email.eq("bo@example.com"))
            .select(plan_invitations::id),
    );
    let response = ana
        .browser
        .post_form(&format!("/plans/{plan}/invitations/{id}/resend"), &[])
        .await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        format!("{}{}", app.snapshot_except_counters(), member_rows(&app)),
        before
    );
    assert_eq!(app.mails().len(), 2);
}

/// The members page after inviting `email`, with the address and the CSRF tokens blanked.
async fn page_after_inviting(app: TestApp, email: &str) -> (u16, String, String) {
    let Trip { app, ana, plan } = lisbon_in(app).await;
    app.user("someone").insert();
    let response = ana
        .browser
        .post_form(
            &format!("/plans/{plan}/members"),
            &[("email", email), ("role", "viewer")],
        )
        .await;
    let status = response.status().as_u16();
    let location = response.headers()["location"].to_str().unwrap().to_string();
    let page = ana.browser.get_html(&location).await;
    assert!(page.contains(&format!("Invitation sent to {email}.")));
    assert_eq!(app.mails_to(email).len(), 1);
    (
        status,
        location,
        without_csrf_tokens(&page).replace(email, "ADDRESS"),
    )
}

#[tokio::test]
async fn inviting_says_nothing_about_whether_an_account_has_the_address() {
    let with_account = page_after_inviting(spawn_app().await, "someone@example.com").await;
    let without = page_after_inviting(spawn_app().await, "nobody@example.com").await;
    assert_eq!(with_account, without);

    // A member's address and the owner's own get the same answer, and no mail.
    let Trip { app, ana, plan } = lisbon().await;
    let bo = app.user("bo").insert();
    add_member(&app, plan, &bo, MemberRole::Viewer);
    let before = collaboration_snapshot(&app);
    for email in ["BO@example.com", "ana@example.com"] {
        invite(&ana.browser, plan, email, "editor").await;
        let page = ana
            .browser
            .get_html(&format!("/plans/{plan}/members"))
            .await;
        assert!(
            page.contains(&format!("Invitation sent to {email}.")),
            "{page}"
        );
    }
    assert_eq!(collaboration_snapshot(&app), before);
    assert!(app.mails().is_empty());
}

#[tokio::test]
async fn the_owner_changes_a_role_and_a_removed_member_gets_404_at_once() {
    let Trip { app, ana, plan } = lisbon().await;
    let bo = traveller(&app, "bo").await;
    add_member(&app, plan, &bo.user, MemberRole::Viewer);
    let page = bo.browser.get_html(&format!("/plans/{plan}/members")).await;
    assert!(
        page.contains("ana") && page.contains("Leave this plan"),
        "{page}"
    );
    assert!(
        !page.contains("Send invitation"),
        "a viewer sees the list only"
    );

    let base = format!("/plans/{plan}/members/{}", bo.user.id);
    let response = ana
        .browser
        .post_form(&format!("{base}/role"), &[("role", "editor")])
        .await;
    assert_is_redirect_to(&response, &format!("/plans/{plan}/members"));
    assert_eq!(members_of(&app, plan), [(bo.user.id, MemberRole::Editor)]);
    let response = ana
        .browser
        .post_form(&format!("{base}/role"), &[("role", "boss")])
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(members_of(&app, plan), [(bo.user.id, MemberRole::Editor)]);

    let response = ana.browser.post_form(&format!("{base}/remove"), &[]).await;
    assert_is_redirect_to(&response, &format!("/plans/{plan}/members"));
    assert!(members_of(&app, plan).is_empty());
    for path in [format!("/plans/{plan}"), format!("/plans/{plan}/members")] {
        assert_eq!(bo.browser.get(&path).await.status(), StatusCode::NOT_FOUND);
    }
    assert_eq!(actions_of(&app, plan), ["member_role", "member_removed"]);
}

#[tokio::test]
async fn the_owner_hands_the_plan_over_and_stays_on_as_an_editor() {
    let Trip { app, ana, plan } = lisbon().await;
    let bo = traveller(&app, "bo").await;
    let cy = app.user("cy").insert();
    add_member(&app, plan, &bo.user, MemberRole::Viewer);

    let before = collaboration_snapshot(&app);
    for to in [cy.id.to_string(), "x".into()] {
        let response = ana
            .browser
            .post_form(&format!("/plans/{plan}/transfer"), &[("user_id", &to)])
            .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(response.text().await.unwrap().contains("Choose a member"));
    }
    assert_eq!(collaboration_snapshot(&app), before);

    let response = ana
        .browser
        .post_form(
            &format!("/plans/{plan}/transfer"),
            &[("user_id", &bo.user.id.to_string())],
        )
        .await;
    assert_is_redirect_to(&response, &format!("/plans/{plan}/members"));
    assert_eq!(owner_of(&app, plan), Some(bo.user.id));
    assert_eq!(members_of(&app, plan), [(ana.user.id, MemberRole::Editor)]);
    assert!(actions_of(&app, plan).contains(&"plan_transferred".to_string()));

    // The old owner may edit but no longer manage; the new one may delete.
    let response = ana
        .browser
        .post_form(
            &format!("/plans/{plan}/members"),
            &[("email", "x@example.com"), ("role", "viewer")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        ana.browser
            .post_form(&format!("/plans/{plan}/delete"), &[])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let response = bo
        .browser
        .post_form(&format!("/plans/{plan}/delete"), &[])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(owner_of(&app, plan), None);
}

#[tokio::test]
async fn a_member_leaves_and_the_owner_cannot() {
    let Trip { app, ana, plan } = lisbon().await;
    let bo = traveller(&app, "bo").await;
    add_member(&app, plan, &bo.user, MemberRole::Viewer);
    let before = collaboration_snapshot(&app);
    let response = ana
        .browser
        .post_form(&format!("/plans/{plan}/leave"), &[])
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(collaboration_snapshot(&app), before);

    let response = bo
        .browser
        .post_form(&format!("/plans/{plan}/leave"), &[])
        .await;
    assert_is_redirect_to(&response, "/plans");
    assert!(members_of(&app, plan).is_empty());
    assert_eq!(actions_of(&app, plan), ["member_left"]);
    assert_eq!(
        bo.browser.get(&format!("/plans/{plan}")).await.status(),
        StatusCode::NOT_FOUND
    );
}

/// Every member route's POST, with a body the owner's would succeed with.
fn member_posts(
    plan: i32,
    member: UserId,
    invitation: i32,
) -> Vec<(String, Vec<(&'static str, String)>)> {
    let p = |rest: &str| format!("/plans/{plan}{rest}");
    vec![
        (
            p("/members"),
            vec![
                ("email", "new@example.com".into()),
                ("role", "editor".into()),
            ],
        ),
        (
            p(&format!("/members/{member}/role")),
            vec![("role", "editor".into())],
        ),
        (p(&format!("/members/{member}/remove")), vec![]),
        (p(&format!("/invitations/{invitation}/resend")), vec![]),
        (p(&format!("/invitations/{invitation}/revoke")), vec![]),
        (p("/transfer"), vec![("user_id", member.to_string())]),
    ]
}

#[tokio::test]
async fn editors_and_viewers_get_403_and_strangers_404_on_every_member_route() {
    let Trip { app, ana, plan } = lisbon().await;
    let editor = traveller(&app, "ed").await;
    let viewer = traveller(&app, "vi").await;
    let stranger = traveller(&app, "st").await;
    add_member(&app, plan, &editor.user, MemberRole::Editor);
    add_member(&app, plan, &viewer.user, MemberRole::Viewer);
    invite(&ana.browser, plan, "bo@example.com", "viewer").await;
    let invitation: i32 = app.one(plan_invitations::table.select(plan_invitations::id));
    let mails = app.mails().len();
    let before = collaboration_snapshot(&app);

    for (who, browser, status) in [
        ("editor", &editor.browser, StatusCode::FORBIDDEN),
        ("viewer", &viewer.browser, StatusCode::FORBIDDEN),
        ("stranger", &stranger.browser, StatusCode::NOT_FOUND),
    ] {
        for (path, form) in member_posts(plan, viewer.user.id, invitation) {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let response = browser.post_form(&path, &form).await;
            assert_eq!(response.status(), status, "{who} POST {path}");
        }
        let page = browser.get(&format!("/plans/{plan}/members")).await;
        let expected = if who == "stranger" {
            StatusCode::NOT_FOUND
        } else {
            StatusCode::OK
        };
        assert_eq!(page.status(), expected, "{who} GET members");
        if expected == StatusCode::OK {
            let html = page.text().await.unwrap();
            assert!(
                !html.contains("bo@example.com"),
                "{who} sees no invitations"
            );
            assert!(!html.contains("Change role") && !html.contains("Hand over"));
        }
    }
    assert_eq!(
        stranger
            .browser
            .post_form(&format!("/plans/{plan}/leave"), &[])
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(collaboration_snapshot(&app), before);
    assert_eq!(app.mails().len(), mails);
    assert_eq!(
        stranger
            .browser
            .get(&format!("/plans/{plan}/members"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn deleting_an_account_hands_its_plans_to_their_longest_standing_editors() {
    let Trip {
        app,
        ana,
        plan: lisbon,
    } = lisbon().await;
    let bo = app.user("bo").insert();
    let cy = app.user("cy").insert();
    let dan = app.user("dan").insert();
    add_member(&app, lisbon, &cy, MemberRole::Viewer);
    add_member(&app, lisbon, &bo, MemberRole::Editor);
    add_member(&app, lisbon, &dan, MemberRole::Editor);
    let oslo = app.plan(&ana.user).title("Oslo").insert().id.0;
    add_member(&app, oslo, &cy, MemberRole::Viewer);
    let bos_plan = app.plan(&bo).title("Bo's trip").insert().id.0;
    add_member(&app, bos_plan, &ana.user, MemberRole::Editor);

    let page = ana.browser.get_html("/account/delete").await;
    assert!(
        page.contains("Lisbon goes to bo, its longest-standing editor"),
        "{page}"
    );
    assert!(!page.contains("Oslo"), "a plan without editors is deleted");

    let response = ana
        .browser
        .post_form("/account/delete", &[("password", &ana.user.password)])
        .await;
    assert_is_redirect_to(&response, "/");
    assert!(app.user_row(ana.user.id).is_none());
    assert_eq!(owner_of(&app, lisbon), Some(bo.id));
    assert_eq!(
        members_of(&app, lisbon),
        [(cy.id, MemberRole::Viewer), (dan.id, MemberRole::Editor)]
    );
    assert_eq!(owner_of(&app, oslo), None);
    assert!(
        members_of(&app, bos_plan).is_empty(),
        "her memberships go too"
    );
    let plans_left: i64 = app.one(plans::table.count());
    assert_eq!(plans_left, 2);
}

#[tokio::test]
async fn my_plans_lists_the_plans_shared_with_me_with_my_role() {
    let Trip { app, ana, plan } = lisbon().await;
    let bo = traveller(&app, "bo").await;
    let page = bo.browser.get_html("/plans").await;
    assert!(!page.contains("Shared with me"));
    add_member(&app, plan, &bo.user, MemberRole::Viewer);
    app.plan(&bo.user).title("Bo's own").insert();
    let page = bo.browser.get_html("/plans").await;
    let (own, shared) = page.split_once("Shared with me").expect("a shared section");
    assert!(
        own.contains("Bo's own") || own.contains("Bo&#x27;s own") || own.contains("Bo&#39;s own")
    );
    assert!(!own.contains("Lisbon"));
    assert!(shared.contains("Lisbon") && shared.contains("Viewer"));
    assert!(shared.contains("Owned by ana"));
    let _ = ana;
}

#[tokio::test]
async fn signing_up_from_an_invitation_comes_back_to_it() {
    let app = spawn_app().await;
    let browser = app.new_browser();
    let page = browser.get_html("/signup?next=/invitations/abc").await;
    assert!(
        page.contains("name=\"next\" value=\"/invitations/abc\""),
        "{page}"
    );
    for (next, lands) in [
        ("/invitations/abc", "/invitations/abc"),
        ("//evil.example", "/plans"),
    ] {
        let browser = app.new_browser();
        let name = if lands == "/plans" { "evil" } else { "newbie" };
        let response = browser
            .post_form(
                "/signup",
                &[
                    ("email", &format!("{name}@example.com")),
                    ("username", name),
                    ("password", crate::support::PASSWORD),
                    ("password_confirm", crate::support::PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        assert_is_redirect_to(&response, lands);
    }
}
