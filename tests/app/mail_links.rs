//! Links sent by mail: e-mail verification and password reset, each valid, expired,
//! reused and tampered with.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{TimeDelta, Utc};
use diesel::prelude::*;
use wayfare::auth::tokens::{self, Purpose};
use wayfare::db::schema::users;
use wayfare::domain::ids::UserId;

use crate::support::{HOME, PASSWORD, TestApp, assert_is_redirect_to, extract_link, spawn_app};

const NEW_PASSWORD: &str = "purple elephant juggling marmalade";

/// The claims of a link's token: `{"u": user, "b": bound to, "x": expiry}`.
fn claims(link: &str) -> serde_json::Value {
    let token = link.rsplit('/').next().unwrap();
    let (claims, _) = token.split_once('.').unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).unwrap()).unwrap()
}

/// The link with its claims replaced and its signature kept.
fn with_claims(link: &str, claims: &serde_json::Value) -> String {
    let (path, token) = link.rsplit_once('/').unwrap();
    let (_, signature) = token.split_once('.').unwrap();
    let forged = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap());
    format!("{path}/{forged}.{signature}")
}

/// The link with one character of its signature changed.
fn with_flipped_signature(link: &str) -> String {
    let mut bytes = link.as_bytes().to_vec();
    let last = bytes.len() - 5;
    bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).unwrap()
}

fn expires_in_hours(link: &str) -> f64 {
    let expiry = claims(link)["x"].as_i64().unwrap();
    (expiry - Utc::now().timestamp()) as f64 / 3600.0
}

fn is_verified(app: &TestApp, id: impl Into<UserId>) -> bool {
    app.user_row(id)
        .and_then(|u| u.is_verified)
        .map(|b| b.to_string())
        .unwrap()
        == "true"
}

fn password_hash(app: &TestApp, id: impl Into<UserId>) -> String {
    app.user_row(id).map(|u| u.password_hash).unwrap()
}

// ---------------------------------------------------------------- verification

#[tokio::test]
async fn the_verification_link_confirms_the_address_once() {
    let app = spawn_app().await;
    let browser = app.new_browser();
    let signup = browser.signup("vera@example.com", "vera", PASSWORD).await;
    assert_is_redirect_to(&signup, HOME);
    let id = app.the_user().id;
    assert!(!is_verified(&app, id));

    let mail = app.last_mail_to("vera@example.com");
    assert!(mail.body.contains("The link works for 48 hours"));
    let link = extract_link(&app, &mail.body, "/verify-email/");
    let hours = expires_in_hours(&link);
    assert!((47.9..=48.0).contains(&hours), "{hours}");
    assert_eq!(claims(&link)["u"], id.0);

    // Opened on another device, not signed in.
    let phone = app.new_browser();
    let confirmed = phone.get(&link).await;
    assert_eq!(confirmed.status(), 200);
    assert!(
        confirmed
            .text()
            .await
            .unwrap()
            .contains("your e-mail address is confirmed")
    );
    assert!(is_verified(&app, id));
    assert!(
        browser
            .get_html("/account")
            .await
            .contains("badge-ok\">confirmed")
    );

    let before = app.snapshot();
    let again = phone.get(&link).await;
    assert_eq!(again.status(), 400);
    assert!(again.text().await.unwrap().contains("already been used"));
    assert_eq!(app.snapshot(), before);

    // Nothing left to confirm: "send again" sends nothing.
    assert_is_redirect_to(&browser.post_form("/account/verify", &[]).await, "/account");
    assert_eq!(app.mails().len(), 1);
}

#[tokio::test]
async fn an_expired_verification_link_is_refused() {
    let app = spawn_app().await;
    let user = app.user("walt").insert();
    app.exec(diesel::update(users::table).set(users::is_verified.eq(false)));
    // What the site mailed just over 48 hours ago.
    let token = tokens::sign(
        &app.secret_key,
        Purpose::VerifyEmail,
        user.id,
        &user.email,
        TimeDelta::seconds(-1),
    );
    let before = app.snapshot();
    let response = app
        .new_browser()
        .get(&format!("/verify-email/{token}"))
        .await;
    assert_eq!(response.status(), 400);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("This link has expired")
    );
    assert_eq!(app.snapshot(), before);
    assert!(!is_verified(&app, user.id));

    // The same link a little before its expiry works.
    let token = tokens::sign(
        &app.secret_key,
        Purpose::VerifyEmail,
        user.id,
        &user.email,
        TimeDelta::seconds(30),
    );
    assert_eq!(
        app.new_browser()
            .get(&format!("/verify-email/{token}"))
            .await
            .status(),
        200
    );
    assert!(is_verified(&app, user.id));
}

#[tokio::test]
async fn a_tampered_verification_link_is_refused() {
    let app = spawn_app().await;
    let bob = app.user("bob").insert();
    app.exec(diesel::update(users::table).set(users::is_verified.eq(false)));
    let browser = app.new_browser();
    browser.signup("alice@example.com", "alice", PASSWORD).await;
    let link = extract_link(
        &app,
        &app.last_mail_to("alice@example.com").body,
        "/verify-email/",
    );

    let mut for_bob = claims(&link);
    for_bob["u"] = bob.id.0.into();
    for_bob["b"] = bob.email.clone().into();
    let mut later = claims(&link);
    later["x"] = (later["x"].as_i64().unwrap() + 86_400 * 365).into();
    let reset_token = tokens::sign(
        &app.secret_key,
        Purpose::ResetPassword,
        bob.id,
        &bob.email,
        TimeDelta::hours(1),
    );
    let other_key = tokens::sign(
        &"f".repeat(128),
        Purpose::VerifyEmail,
        bob.id,
        &bob.email,
        TimeDelta::hours(1),
    );
    let tampered = [
        with_claims(&link, &for_bob),
        with_claims(&link, &later),
        with_flipped_signature(&link),
        link[..link.len() - 10].to_string(),
        link.split('.').next().unwrap().to_string(),
        format!("/verify-email/{reset_token}"),
        format!("/verify-email/{other_key}"),
        "/verify-email/not-a-token".to_string(),
    ];
    let before = app.snapshot();
    for forged in &tampered {
        let response = app.new_browser().get(forged).await;
        assert_eq!(response.status(), 400, "{forged}");
        assert!(
            response
                .text()
                .await
                .unwrap()
                .contains("This link is not valid"),
            "{forged}"
        );
    }
    assert_eq!(app.snapshot(), before);
    assert!(!is_verified(&app, bob.id));

    // The genuine link still works.
    assert_eq!(app.new_browser().get(&link).await.status(), 200);
}

// ---------------------------------------------------------------- password reset

async fn reset_link(app: &TestApp, email: &str) -> String {
    let response = app
        .new_browser()
        .post_form("/password-reset", &[("email", email)])
        .await;
    assert_eq!(response.status(), 200);
    let mail = app.last_mail_to(email);
    assert_eq!(mail.subject, "Reset your Wayfare password");
    extract_link(app, &mail.body, "/password-reset/")
}

async fn choose(app: &TestApp, link: &str, password: &str, confirm: &str) -> reqwest::Response {
    app.new_browser()
        .post_form(
            link,
            &[("password", password), ("password_confirm", confirm)],
        )
        .await
}

#[tokio::test]
async fn the_reset_link_sets_a_new_password_once_and_ends_every_session() {
    let app = spawn_app().await;
    let user = app.user("rita").insert();
    app.exec(diesel::update(users::table).set(users::is_verified.eq(false)));
    let laptop = app.signed_in(&user).await;
    let phone = app.signed_in(&user).await;

    let link = reset_link(&app, &user.email).await;
    let hours = expires_in_hours(&link);
    assert!((0.98..=1.0).contains(&hours), "{hours}");
    assert_eq!(claims(&link)["u"], user.id.0);

    let browser = app.new_browser();
    let form = browser.get(&link).await;
    assert_eq!(form.status(), 200);
    let html = form.text().await.unwrap();
    assert!(html.contains(&format!("action=\"{link}\"")));
    assert!(html.contains("name=\"password_confirm\""));

    // A weak or mismatched password changes nothing and keeps the link alive.
    let before = app.snapshot();
    let weak = choose(&app, &link, "password1234", "password1234").await;
    assert_eq!(weak.status(), 422);
    assert!(
        weak.text()
            .await
            .unwrap()
            .contains("Choose a stronger password")
    );
    let mismatch = choose(&app, &link, NEW_PASSWORD, "something else entirely").await;
    assert_eq!(mismatch.status(), 422);
    assert!(
        mismatch
            .text()
            .await
            .unwrap()
            .contains("The two passwords differ.")
    );
    assert_eq!(app.snapshot(), before);
    assert_eq!(browser.get(&link).await.status(), 200);

    let done = browser
        .post_form(
            &link,
            &[
                ("password", NEW_PASSWORD),
                ("password_confirm", NEW_PASSWORD),
            ],
        )
        .await;
    assert_is_redirect_to(&done, "/login");
    assert!(
        browser
            .get_html("/login")
            .await
            .contains("Your password has been changed")
    );
    assert!(bcrypt::verify(NEW_PASSWORD, &password_hash(&app, user.id)).unwrap());
    assert!(is_verified(&app, user.id), "the mail reached its owner");
    // Every session ended, on every device.
    assert!(app.sessions_of(user.id).is_empty());
    assert_eq!(laptop.signed_in_email().await, None);
    assert_eq!(phone.signed_in_email().await, None);
    let fresh = app.new_browser();
    assert_eq!(fresh.login(&user.username, PASSWORD).await.status(), 422);
    fresh.login_ok(&user.username, NEW_PASSWORD).await;

    // Used once: the link is dead now.
    let before = app.snapshot();
    let reused = app.new_browser().get(&link).await;
    assert_eq!(reused.status(), 400);
    assert!(
        reused
            .text()
            .await
            .unwrap()
            .contains("expired or has already been used")
    );
    let third = "lavender submarine orchestra twilight";
    let again = choose(&app, &link, third, third).await;
    assert_eq!(again.status(), 400);
    assert_eq!(app.snapshot(), before);
    assert_eq!(
        app.new_browser()
            .login(&user.username, third)
            .await
            .status(),
        422
    );
}

#[tokio::test]
async fn an_expired_or_tampered_reset_link_is_refused() {
    let app = spawn_app().await;
    let alice = app.user("alice").insert();
    let bob = app.user("bob").insert();
    let alice_hash = password_hash(&app, alice.id);
    let expired = tokens::sign(
        &app.secret_key,
        Purpose::ResetPassword,
        alice.id,
        &tokens::reset_binding(&alice.email, &alice_hash),
        TimeDelta::seconds(-1),
    );
    let link = reset_link(&app, &alice.email).await;
    let mut for_bob = claims(&link);
    for_bob["u"] = bob.id.0.into();
    let mut later = claims(&link);
    later["x"] = (later["x"].as_i64().unwrap() + 86_400).into();
    let verify_token = tokens::sign(
        &app.secret_key,
        Purpose::VerifyEmail,
        alice.id,
        &tokens::reset_binding(&alice.email, &alice_hash),
        TimeDelta::hours(1),
    );
    let bad = [
        format!("/password-reset/{expired}"),
        with_claims(&link, &for_bob),
        with_claims(&link, &later),
        with_flipped_signature(&link),
        format!("/password-reset/{verify_token}"),
        "/password-reset/nonsense.token".to_string(),
    ];
    let before = app.snapshot();
    for forged in &bad {
        let form = app.new_browser().get(forged).await;
        assert_eq!(form.status(), 400, "{forged}");
        let post = choose(&app, forged, NEW_PASSWORD, NEW_PASSWORD).await;
        assert_eq!(post.status(), 400, "{forged}");
        assert!(
            post.text()
                .await
                .unwrap()
                .contains("expired or has already been used")
        );
    }
    assert_eq!(app.snapshot(), before);

    // The genuine link still works.
    assert_is_redirect_to(
        &choose(&app, &link, NEW_PASSWORD, NEW_PASSWORD).await,
        "/login",
    );
    assert_ne!(password_hash(&app, alice.id), alice_hash);
}

#[tokio::test]
async fn a_reset_link_dies_once_the_password_changes_by_any_means() {
    let app = spawn_app().await;
    let user = app.user("sam").insert();
    let first = reset_link(&app, &user.email).await;
    // Links expire by the second: a second later the link differs.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let second = reset_link(&app, &user.email).await;
    assert_ne!(first, second);

    // Using one link spends the other.
    assert_is_redirect_to(
        &choose(&app, &second, NEW_PASSWORD, NEW_PASSWORD).await,
        "/login",
    );
    assert_eq!(app.new_browser().get(&first).await.status(), 400);

    // A link from before a change on the password page is dead too.
    let third = reset_link(&app, &user.email).await;
    let browser = app.new_browser();
    browser.login_ok(&user.username, NEW_PASSWORD).await;
    let changed = browser
        .post_form(
            "/account/password",
            &[
                ("current_password", NEW_PASSWORD),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
            ],
        )
        .await;
    assert_is_redirect_to(&changed, "/account");
    let before = app.snapshot();
    assert_eq!(app.new_browser().get(&third).await.status(), 400);
    let other = "lavender submarine orchestra twilight";
    assert_eq!(choose(&app, &third, other, other).await.status(), 400);
    assert_eq!(app.snapshot(), before);
}

#[tokio::test]
async fn a_reset_link_of_a_deactivated_account_is_dead() {
    let app = spawn_app().await;
    let user = app.user("tess").insert();
    let link = reset_link(&app, &user.email).await;
    app.exec(diesel::update(users::table.find(user.id)).set(users::is_active.eq(false)));
    let before = app.snapshot();
    assert_eq!(app.new_browser().get(&link).await.status(), 400);
    assert_eq!(
        choose(&app, &link, NEW_PASSWORD, NEW_PASSWORD)
            .await
            .status(),
        400
    );
    assert_eq!(app.snapshot(), before);
}

/// Ask for a reset of your own address, move the account to someone else's address, then
/// use the link: it is dead, and the other address is not confirmed by it.
#[tokio::test]
async fn a_reset_link_never_confirms_an_address_it_was_not_sent_to() {
    let app = spawn_app().await;
    let browser = app.new_browser();
    browser.signup("eve@example.com", "eve", PASSWORD).await;
    let id = app.the_user().id;
    let link = reset_link(&app, "eve@example.com").await;
    let moved = browser
        .post_form(
            "/account",
            &[
                ("email", "victim@example.org"),
                ("username", "eve"),
                ("current_password", PASSWORD),
            ],
        )
        .await;
    assert_is_redirect_to(&moved, "/account");
    assert!(!is_verified(&app, id));

    let before = app.snapshot();
    assert_eq!(app.new_browser().get(&link).await.status(), 400);
    let used = choose(&app, &link, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(used.status(), 400);
    assert!(
        used.text()
            .await
            .unwrap()
            .contains("expired or has already been used")
    );
    assert_eq!(app.snapshot(), before);
    assert!(
        !is_verified(&app, id),
        "victim@example.org stays unconfirmed"
    );

    // Moving back does not revive it either: the link is bound to the address and the
    // password as they were, and a new reset for the new address is what works.
    let link_for_new = reset_link(&app, "victim@example.org").await;
    assert_is_redirect_to(
        &choose(&app, &link_for_new, NEW_PASSWORD, NEW_PASSWORD).await,
        "/login",
    );
    assert!(
        is_verified(&app, id),
        "this link was mailed to that address"
    );
}
