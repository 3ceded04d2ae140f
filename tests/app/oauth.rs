//! Google and Facebook login end to end, against a fake provider in the test process that
//! checks PKCE like a real one and records what it was sent.

use std::time::{Duration, Instant};

use diesel::prelude::*;
use serde_json::{Value, json};
use wayfare::db::schema::users;
use wayfare::models::user::User;

use crate::support::{Browser, FakeProvider, TestApp, TokenMode, spawn_app_with, unique};

/// How many accounts `keep` holds for.
fn users_where(app: &TestApp, keep: impl Fn(&User) -> bool) -> usize {
    app.users().iter().filter(|u| keep(u)).count()
}

async fn app_with(fake: &FakeProvider) -> TestApp {
    let fake_env = fake.clone();
    spawn_app_with(move |env| {
        fake_env.env("GOOGLE", env);
        fake_env.env("FACEBOOK", env);
    })
    .await
}

fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// Start → provider (which approves at once) → callback. Returns the callback's response.
async fn journey(browser: &Browser, provider: &str) -> reqwest::Response {
    let start = browser.get(&format!("/auth/{provider}/start")).await;
    assert_eq!(start.status(), 303, "start redirects to the provider");
    let authorize = location(&start);
    let approved = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(&authorize)
        .send()
        .await
        .unwrap();
    let callback = location(&approved);
    assert!(callback.starts_with(&browser.address), "{callback}");
    browser.client.get(callback).send().await.unwrap()
}

fn google(sub: &str, email: &str, verified: bool) -> Value {
    json!({"sub": sub, "email": email, "email_verified": verified, "given_name": "Ana", "family_name": "Silva", "name": "Ana Silva"})
}

#[tokio::test]
async fn buttons_appear_only_for_configured_providers() {
    let plain = crate::support::spawn_app().await;
    let html = plain.get_html("/login").await;
    assert!(!html.contains("/auth/google/start") && !html.contains("/auth/facebook/start"));
    assert_eq!(plain.get("/auth/google/start").await.status(), 404);

    let fake = FakeProvider::start().await;
    let app = spawn_app_with(move |env| fake.env("GOOGLE", env)).await;
    for page in ["/login", "/signup"] {
        let html = app.get_html(page).await;
        assert!(html.contains("Continue with Google"), "{page}");
        assert!(!html.contains("Continue with Facebook"), "{page}");
    }
}

#[tokio::test]
async fn google_creates_an_account_then_logs_the_same_user_in_with_pkce() {
    let fake = FakeProvider::start().await;
    let app = app_with(&fake).await;
    fake.profile(google("g-1", "ana@example.com", true));

    let browser = app.new_browser();
    let done = journey(&browser, "google").await;
    assert_eq!(done.status(), 303);
    assert_eq!(location(&done), "/plans");
    assert_eq!(
        browser.signed_in_email().await.as_deref(),
        Some("ana@example.com")
    );
    assert_eq!(
        users_where(&app, |u| {
            u.google_id.as_deref() == Some("g-1")
                && u.is_verified == Some(true)
                && u.password_hash == "!"
                && u.first_name.as_deref() == Some("Ana")
        }),
        1
    );
    // The session row is written as for a password login.
    let row = app.session_row_of(&browser).expect("a user_sessions row");
    assert_eq!(row.user_agent.as_deref(), Some(crate::support::FIREFOX));

    // PKCE: the verifier was sent and checked; the secret went in the body.
    let sent = fake.token_requests();
    assert_eq!(sent.len(), 1);
    assert!(sent[0].get("code_verifier").is_some_and(|v| v.len() >= 43));
    assert_eq!(
        sent[0].get("client_id").map(String::as_str),
        Some("GOOGLE-client")
    );
    assert_eq!(fake.scopes(), vec!["openid email profile".to_string()]);

    // A returning user: same account, no second one, a new session key.
    let again = app.new_browser();
    assert_eq!(journey(&again, "google").await.status(), 303);
    assert_eq!(app.users().len(), 1);
    assert_ne!(
        app.session_row_of(&again).unwrap().session_key,
        app.session_row_of(&browser).unwrap().session_key
    );
}

#[tokio::test]
async fn facebook_creates_an_unverified_account_with_a_unique_username() {
    let fake = FakeProvider::start().await;
    let app = app_with(&fake).await;
    app.user("ana.silva").insert();
    fake.profile(json!({"id": "fb-7", "email": "other@example.com", "name": "Ana Silva", "first_name": "Ana", "last_name": "Silva"}));
    let browser = app.new_browser();
    assert_eq!(journey(&browser, "facebook").await.status(), 303);
    assert_eq!(
        app.users()
            .into_iter()
            .filter(|u| u.facebook_id.as_deref() == Some("fb-7"))
            .map(|u| u.username)
            .collect::<Vec<_>>(),
        ["ana.silva1"]
    );
    assert_eq!(
        users_where(&app, |u| {
            u.facebook_id.as_deref() == Some("fb-7") && u.is_verified == Some(true)
        }),
        0,
        "Facebook e-mails are never trusted"
    );
}

#[tokio::test]
async fn a_signed_in_user_links_a_provider_and_a_provider_id_linked_elsewhere_is_refused() {
    let fake = FakeProvider::start().await;
    let app = app_with(&fake).await;
    let bo = app.user(&unique("bo")).insert();
    let browser = app.signed_in(&bo).await;
    fake.profile(google("g-bo", "whatever@example.com", false));
    let linked = journey(&browser, "google").await;
    assert_eq!(location(&linked), "/account");
    assert_eq!(
        users_where(&app, |u| u.id == bo.id
            && u.google_id.as_deref() == Some("g-bo")),
        1
    );
    assert!(browser.get_html("/account").await.contains("Unlink Google"));

    // Another user cannot take the same Google account.
    let cy = app.user(&unique("cy")).insert();
    let other = app.signed_in(&cy).await;
    let refused = journey(&other, "google").await;
    assert_eq!(refused.status(), 403);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("linked to another Wayfare account")
    );
    assert_eq!(
        users_where(&app, |u| u.id == cy.id && u.google_id.is_none()),
        1
    );
}

#[tokio::test]
async fn a_verified_google_email_links_the_existing_account_but_a_facebook_one_does_not() {
    let fake = FakeProvider::start().await;
    let app = app_with(&fake).await;
    let di = app.user(&unique("di")).insert();

    fake.profile(json!({"id": "fb-di", "email": di.email, "name": "Di"}));
    let before = app.snapshot();
    let refused = journey(&app.new_browser(), "facebook").await;
    assert_eq!(refused.status(), 403);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("Log in with your password")
    );
    assert_eq!(app.snapshot(), before, "nothing created or linked");

    fake.profile(google("g-di", &di.email.to_uppercase(), false));
    assert_eq!(
        journey(&app.new_browser(), "google").await.status(),
        403,
        "unverified Google e-mail is not trusted either"
    );

    fake.profile(google("g-di", &di.email, true));
    let browser = app.new_browser();
    assert_eq!(journey(&browser, "google").await.status(), 303);
    assert_eq!(
        browser.signed_in_email().await.as_deref(),
        Some(di.email.as_str())
    );
    assert_eq!(
        users_where(&app, |u| u.id == di.id
            && u.google_id.as_deref() == Some("g-di")),
        1
    );
    assert_eq!(app.users().len(), 1);
}

#[tokio::test]
async fn state_missing_wrong_or_replayed_is_refused_and_creates_nothing() {
    let fake = FakeProvider::start().await;
    let app = app_with(&fake).await;
    fake.profile(google("g-s", "s@example.com", true));
    let browser = app.new_browser();
    let start = browser.get("/auth/google/start").await;
    let approved = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(location(&start))
        .send()
        .await
        .unwrap();
    let callback = location(&approved);

    // Another browser (no flow cookie).
    let stranger = app.new_browser();
    let missing = stranger.client.get(&callback).send().await.unwrap();
    assert_eq!(missing.status(), 400);
    assert!(
        missing.text().await.unwrap().contains("Log in with e-mail"),
        "offers the other ways in"
    );
    // Wrong state.
    let wrong = callback.replace("state=", "state=x");
    assert_eq!(
        browser.client.get(&wrong).send().await.unwrap().status(),
        400
    );
    assert_eq!(app.users().len(), 0);
    assert!(fake.token_requests().is_empty(), "no code was exchanged");

    // The real one works once; replaying it does not.
    let start = browser.get("/auth/google/start").await;
    let approved = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(location(&start))
        .send()
        .await
        .unwrap();
    let callback = location(&approved);
    assert_eq!(
        browser.client.get(&callback).send().await.unwrap().status(),
        303
    );
    let replay = app.new_browser();
    replay.set_cookie("wayfare_oauth", "forged");
    assert_eq!(
        replay.client.get(&callback).send().await.unwrap().status(),
        400
    );
    assert_eq!(
        browser.client.get(&callback).send().await.unwrap().status(),
        400,
        "the flow cookie was consumed"
    );
    assert_eq!(app.users().len(), 1);
}

#[tokio::test]
async fn provider_errors_get_a_friendly_page_and_create_nothing() {
    let fake = FakeProvider::start().await;
    let app = app_with(&fake).await;
    fake.profile(google("g-e", "e@example.com", true));
    let browser = app.new_browser();

    // The user said no at the provider.
    let start = browser.get("/auth/google/start").await;
    let state = url::Url::parse(&location(&start))
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .to_string();
    let denied = browser
        .get(&format!(
            "/auth/google/callback?error=access_denied&state={state}"
        ))
        .await;
    assert_eq!(denied.status(), 400);
    assert!(denied.text().await.unwrap().contains("did not sign you in"));

    for mode in [TokenMode::Fails, TokenMode::Redirects] {
        fake.mode(mode);
        let failed = journey(&browser, "google").await;
        assert_eq!(failed.status(), 502);
        assert!(
            failed
                .text()
                .await
                .unwrap()
                .contains("Google is not answering")
        );
    }
    fake.mode(TokenMode::Hangs);
    let started = Instant::now();
    assert_eq!(journey(&browser, "google").await.status(), 502);
    assert!(
        started.elapsed() < Duration::from_secs(7),
        "gives up after 5 s"
    );

    fake.mode(TokenMode::Normal);
    fake.profile(json!("not a profile"));
    assert_eq!(
        journey(&browser, "google").await.status(),
        502,
        "malformed profile"
    );
    assert_eq!(app.users().len(), 0);
    assert!(browser.signed_in_email().await.is_none());
}

#[tokio::test]
async fn deactivated_accounts_are_refused() {
    let fake = FakeProvider::start().await;
    let app = app_with(&fake).await;
    fake.profile(google("g-x", "x@example.com", true));
    journey(&app.new_browser(), "google").await;
    app.exec(diesel::update(users::table).set(users::is_active.eq(false)));
    let browser = app.new_browser();
    let refused = journey(&browser, "google").await;
    assert_eq!(refused.status(), 403);
    assert!(browser.signed_in_email().await.is_none());
}

#[tokio::test]
async fn unlinking_never_removes_the_last_way_in() {
    let fake = FakeProvider::start().await;
    let app = app_with(&fake).await;
    fake.profile(google("g-u", "u@example.com", true));
    let browser = app.new_browser();
    journey(&browser, "google").await;

    // Google is the only way in: refused.
    browser
        .post_form("/account/providers/google/unlink", &[])
        .await;
    assert_eq!(
        users_where(&app, |u| u.google_id.as_deref() == Some("g-u")),
        1
    );
    assert!(
        browser
            .get_html("/account")
            .await
            .contains("only way to log in")
    );

    // With Facebook linked too, Google may go.
    fake.profile(json!({"id": "fb-u", "name": "U"}));
    journey(&browser, "facebook").await;
    browser
        .post_form("/account/providers/google/unlink", &[])
        .await;
    assert_eq!(
        users_where(&app, |u| {
            u.google_id.is_none() && u.facebook_id.as_deref() == Some("fb-u")
        }),
        1
    );

    // A password user may unlink its only provider; without a CSRF token nothing happens.
    let pw = app.user(&unique("pw")).insert();
    app.exec(diesel::update(users::table.find(pw.id)).set(users::facebook_id.eq("fb-pw")));
    let signed = app.signed_in(&pw).await;
    let forged = signed
        .client
        .post(signed.url("/account/providers/facebook/unlink"))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    assert_eq!(
        users_where(&app, |u| u.facebook_id.as_deref() == Some("fb-pw")),
        1
    );
    signed
        .post_form("/account/providers/facebook/unlink", &[])
        .await;
    assert_eq!(
        users_where(&app, |u| u.facebook_id.as_deref() == Some("fb-pw")),
        0
    );
}

/// The pre-hijack: a squatter signs up with the victim's address and a password, never
/// confirms it, and links a Google account of their own. When the victim later signs in
/// with Google (which has verified the address), they are not put into the squatter's
/// account; a password reset (mailed to the victim) takes the account back: the squatter's
/// session, password and Google link are gone, and the victim's Google links from then on.
#[tokio::test]
async fn a_squatters_unconfirmed_account_is_never_linked_and_a_reset_takes_it_back() {
    let fake = FakeProvider::start().await;
    let app = app_with(&fake).await;
    let victim_email = "victim@gmail.example";
    let squatter = app.new_browser();
    let squatter_password = "squatter knows this password well";
    squatter
        .signup(victim_email, "squatter", squatter_password)
        .await;
    let account = app.the_user().id;
    fake.profile(google("g-squatter", "squatter@example.com", true));
    assert_eq!(location(&journey(&squatter, "google").await), "/account");

    // The victim signs in with Google: refused, and nothing is linked.
    fake.profile(google("g-victim", victim_email, true));
    let before = app.snapshot();
    let victim = app.new_browser();
    let refused = journey(&victim, "google").await;
    assert_eq!(refused.status(), 403);
    let page = refused.text().await.unwrap();
    assert!(page.contains("has not been confirmed"), "{page}");
    assert!(page.contains("Forgot your password"), "{page}");
    assert!(victim.signed_in_email().await.is_none());
    assert_eq!(app.snapshot(), before, "nothing linked, nothing created");
    assert_eq!(
        users_where(&app, |u| u.id == account
            && u.google_id.as_deref() == Some("g-squatter")),
        1
    );

    // The victim resets the password through the mail only they receive.
    victim
        .post_form("/password-reset", &[("email", victim_email)])
        .await;
    let link = crate::support::extract_link(
        &app,
        &app.last_mail_to(victim_email).body,
        "/password-reset/",
    );
    let new_password = "the real owner chose this one";
    let done = victim
        .post_form(
            &link,
            &[
                ("password", new_password),
                ("password_confirm", new_password),
            ],
        )
        .await;
    assert_eq!(done.status(), 303);
    let login_page = victim.get_html("/login").await;
    assert!(login_page.contains("link them again"), "{login_page}");

    // The squatter's session, password and Google link give no access any more.
    assert!(squatter.signed_in_email().await.is_none());
    assert_eq!(squatter.get("/plans").await.status(), 303);
    assert_eq!(
        app.new_browser()
            .login(victim_email, squatter_password)
            .await
            .status(),
        422
    );
    fake.profile(google("g-squatter", "squatter@example.com", true));
    let squatter_google = app.new_browser();
    journey(&squatter_google, "google").await;
    assert_ne!(
        squatter_google.signed_in_email().await.as_deref(),
        Some(victim_email),
        "the squatter's Google account no longer opens the victim's"
    );
    assert_eq!(
        users_where(&app, |u| {
            u.id == account && u.google_id.is_none() && u.is_verified == Some(true)
        }),
        1
    );

    // Now confirmed, the account links the victim's Google and signs them in.
    fake.profile(google("g-victim", victim_email, true));
    let with_google = app.new_browser();
    assert_eq!(journey(&with_google, "google").await.status(), 303);
    assert_eq!(
        with_google.signed_in_email().await.as_deref(),
        Some(victim_email)
    );
    assert_eq!(
        users_where(&app, |u| u.id == account
            && u.google_id.as_deref() == Some("g-victim")),
        1
    );
}

#[tokio::test]
async fn an_oversized_profile_is_not_read_and_creates_nothing() {
    let fake = FakeProvider::start().await;
    let app = app_with(&fake).await;
    let mut profile = google("g-big", "big@example.com", true);
    profile["padding"] = Value::String("x".repeat(1024 * 1024));
    fake.profile(profile);
    let browser = app.new_browser();
    let failed = journey(&browser, "google").await;
    assert_eq!(failed.status(), 502);
    assert_eq!(app.users().len(), 0);
    assert!(browser.signed_in_email().await.is_none());
}
