//! CSRF: every form of the accounts pages refuses a missing, wrong or foreign token, and a
//! foreign origin, with 403 and nothing written; the token rotates at login.

use crate::support::{
    Browser, CSRF_COOKIE, HOME, PASSWORD, SESSION_COOKIE, TestApp, assert_is_redirect_to,
    extract_link, spawn_app,
};

/// One way a forged or stale form arrives: its fields and headers.
struct Forgery<'a> {
    what: &'a str,
    form: Vec<(String, String)>,
    headers: Vec<(&'a str, &'a str)>,
}

/// Posts `fields` to `path` from `browser` in every way a forged or stale form could
/// arrive, and checks each gets 403 and changes nothing: no row, no mail.
async fn assert_every_forgery_refused(
    app: &TestApp,
    browser: &Browser,
    path: &str,
    fields: &[(&str, &str)],
) {
    let token = browser.csrf_token().await.expect("the site gave a token");
    let another_browsers = app.new_browser().csrf_token().await.unwrap();
    // Well-formed (64 bytes, base64url) but made up.
    let made_up = "A".repeat(86);
    let own = app.address.as_str();
    let other_port = format!("http://127.0.0.1:{}", app.port.wrapping_add(1));
    let with_token = |t: &str| -> Vec<(String, String)> {
        fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .chain([("csrf_token".to_string(), t.to_string())])
            .collect()
    };
    let without_token: Vec<(String, String)> = fields
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let case = |what, form, headers| Forgery {
        what,
        form,
        headers,
    };
    let cases = [
        case("no token", without_token.clone(), vec![("Origin", own)]),
        case("empty token", with_token(""), vec![("Origin", own)]),
        case("made-up token", with_token(&made_up), vec![("Origin", own)]),
        case(
            "another browser's token",
            with_token(&another_browsers),
            vec![("Origin", own)],
        ),
        case(
            "made-up header token",
            without_token.clone(),
            vec![("Origin", own), ("X-CSRF-Token", &made_up)],
        ),
        case(
            "foreign Origin",
            with_token(&token),
            vec![("Origin", "https://evil.example")],
        ),
        case(
            "foreign Origin on another port",
            with_token(&token),
            vec![("Origin", &other_port)],
        ),
        case(
            "opaque Origin",
            with_token(&token),
            vec![("Origin", "null")],
        ),
        case(
            "foreign Referer",
            with_token(&token),
            vec![("Referer", "https://evil.example/trap.html")],
        ),
    ];

    let before = app.snapshot();
    let mails = app.mails().len();
    for Forgery {
        what,
        form,
        headers,
    } in &cases
    {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let response = browser.post_raw(path, &form, headers).await;
        assert_eq!(response.status(), 403, "{path}: {what}");
        let html = response.text().await.unwrap();
        assert!(html.contains("Forbidden"), "{path}: {what}");
    }
    // The right token, but from a browser without the CSRF cookie it belongs to (the
    // session cookie alone does not count).
    let cookieless = app.new_browser();
    if let Some(session) = browser.cookie(SESSION_COOKIE) {
        cookieless.set_cookie(SESSION_COOKIE, &session);
    }
    assert_eq!(cookieless.cookie(CSRF_COOKIE), None);
    let form = with_token(&token);
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let response = cookieless.post_raw(path, &form, &[("Origin", own)]).await;
    assert_eq!(response.status(), 403, "{path}: no CSRF cookie");

    assert_eq!(
        app.snapshot(),
        before,
        "{path}: a refused form wrote something"
    );
    assert_eq!(app.mails().len(), mails, "{path}: a refused form sent mail");
}

#[tokio::test]
async fn the_visitor_forms_refuse_a_missing_wrong_or_foreign_token() {
    let app = spawn_app().await;
    let user = app.user("alice").insert();
    let browser = app.new_browser();

    let signup = [
        ("email", "newcomer@example.com"),
        ("username", "newcomer"),
        ("password", PASSWORD),
        ("password_confirm", PASSWORD),
    ];
    assert_every_forgery_refused(&app, &browser, "/signup", &signup).await;
    let login = [("login", "alice"), ("password", PASSWORD)];
    assert_every_forgery_refused(&app, &browser, "/login", &login).await;
    let reset = [("email", user.email.as_str())];
    assert_every_forgery_refused(&app, &browser, "/password-reset", &reset).await;

    // With a valid token each of them works: the refusals above were the token's doing.
    assert_eq!(
        browser.post_form("/password-reset", &reset).await.status(),
        200
    );
    let mail = app.last_mail_to(&user.email);
    let link = extract_link(&app, &mail.body, "/password-reset/");
    let new_password = "purple elephant juggling marmalade";
    let choose = [
        ("password", new_password),
        ("password_confirm", new_password),
    ];
    assert_every_forgery_refused(&app, &browser, &link, &choose).await;
    assert_is_redirect_to(&browser.post_form(&link, &choose).await, "/login");
    assert_is_redirect_to(
        &browser
            .post_form("/login", &[("login", "alice"), ("password", new_password)])
            .await,
        HOME,
    );
    let other = app.new_browser();
    assert_is_redirect_to(&other.post_form("/signup", &signup).await, HOME);
    assert_eq!(app.users().len(), 2);
}

#[tokio::test]
async fn the_signed_in_forms_refuse_a_missing_wrong_or_foreign_token() {
    let app = spawn_app().await;
    let user = app.user("alice").unverified().insert();
    let browser = app.signed_in(&user).await;
    let second = app.signed_in(&user).await;
    let third = app.signed_in(&user).await;

    // Profile.
    let profile = [
        ("email", user.email.as_str()),
        ("username", "alice_renamed"),
        ("first_name", "Alice"),
        ("last_name", ""),
    ];
    assert_every_forgery_refused(&app, &browser, "/account", &profile).await;
    assert_is_redirect_to(&browser.post_form("/account", &profile).await, "/account");
    assert_eq!(
        app.user_row(user.id).map(|u| u.username).unwrap(),
        "alice_renamed"
    );

    // Sending the verification link again.
    assert_every_forgery_refused(&app, &browser, "/account/verify", &[]).await;
    assert_is_redirect_to(&browser.post_form("/account/verify", &[]).await, "/account");
    assert_eq!(app.mails_to(&user.email).len(), 1);

    // Ending one session, then all others.
    let second_row = app.session_row_of(&second).unwrap().id;
    let revoke = format!("/account/sessions/{second_row}/revoke");
    assert_every_forgery_refused(&app, &browser, &revoke, &[]).await;
    assert_is_redirect_to(&browser.post_form(&revoke, &[]).await, "/account/sessions");
    assert_eq!(second.signed_in_email().await, None);
    assert_every_forgery_refused(&app, &browser, "/account/sessions/revoke-others", &[]).await;
    assert!(third.signed_in_email().await.is_some());
    assert_is_redirect_to(
        &browser
            .post_form("/account/sessions/revoke-others", &[])
            .await,
        "/account/sessions",
    );
    assert_eq!(third.signed_in_email().await, None);

    // Password.
    let new_password = "purple elephant juggling marmalade";
    let change = [
        ("current_password", PASSWORD),
        ("password", new_password),
        ("password_confirm", new_password),
    ];
    assert_every_forgery_refused(&app, &browser, "/account/password", &change).await;
    assert_is_redirect_to(
        &browser.post_form("/account/password", &change).await,
        "/account",
    );

    // Logout.
    assert_every_forgery_refused(&app, &browser, "/logout", &[]).await;
    assert!(browser.signed_in_email().await.is_some());
    assert_is_redirect_to(&browser.logout().await, "/");
    assert_eq!(browser.signed_in_email().await, None);

    // Deletion.
    browser.login_ok("alice_renamed", new_password).await;
    let delete = [("password", new_password)];
    assert_every_forgery_refused(&app, &browser, "/account/delete", &delete).await;
    assert_is_redirect_to(&browser.post_form("/account/delete", &delete).await, "/");
    assert_eq!(app.users().len(), 0);
}

#[tokio::test]
async fn the_token_rotates_at_login_and_tokens_from_before_stop_working() {
    let app = spawn_app().await;
    let user = app.user("alice").insert();
    let browser = app.new_browser();
    let before_login = browser.csrf_token().await.unwrap();
    let cookie_before = browser.cookie(CSRF_COOKIE).unwrap();

    browser.login_ok(&user.username, PASSWORD).await;
    let cookie_after = browser.cookie(CSRF_COOKIE).unwrap();
    assert_ne!(cookie_before, cookie_after, "login sets a new CSRF secret");

    let rows = app.snapshot();
    let stale = browser
        .post_raw(
            "/logout",
            &[("csrf_token", before_login.as_str())],
            &[("Origin", app.address.as_str())],
        )
        .await;
    assert_eq!(stale.status(), 403);
    assert_eq!(app.snapshot(), rows);
    assert!(browser.signed_in_email().await.is_some());

    // Tokens from pages rendered after the login work, in the form or in the header.
    let fresh = browser.csrf_token().await.unwrap();
    assert_ne!(fresh, before_login);
    let response = browser
        .post_raw(
            "/logout",
            &[],
            &[("Origin", app.address.as_str()), ("X-CSRF-Token", &fresh)],
        )
        .await;
    assert_is_redirect_to(&response, "/");
    assert_eq!(browser.signed_in_email().await, None);
}
