//! Sessions kept in `user_sessions`: the row a login writes, fixation, logout, expiry,
//! forged cookies, ending sessions, and the store while the database is away.

use std::time::{Duration, Instant};

use chrono::{NaiveDateTime, TimeDelta, Utc};
use diesel::dsl::IntervalDsl;
use diesel::prelude::*;
use wayfare::db::schema::{user_sessions, users};

use crate::support::{
    Browser, DbProxy, FIREFOX, HOME, PASSWORD, SESSION_COOKIE, TestDatabase,
    assert_is_login_redirect, assert_is_redirect_to, encrypted_cookie, sha256_hex, spawn_app,
    spawn_app_with,
};

fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

fn assert_near(actual: NaiveDateTime, expected: NaiveDateTime, what: &str) {
    let off = (actual - expected).num_seconds().abs();
    assert!(off <= 60, "{what}: {actual} is {off} s from {expected}");
}

#[tokio::test]
async fn signup_login_logout_round_trip_with_the_session_row_column_by_column() {
    let app = spawn_app().await;
    let browser = app.browser();
    // Visitors who are not signed in get no session cookie and no row.
    assert_eq!(browser.get("/signup").await.status(), 200);
    assert_eq!(browser.cookie(SESSION_COOKIE), None);
    assert_eq!(app.session_count(), 0);

    let signup = browser.signup("rosa@example.com", "rosa", PASSWORD).await;
    assert_is_redirect_to(&signup, HOME);
    let user_id = app.the_user().id;
    assert_eq!(app.sessions_of(user_id).len(), 1);
    assert_is_redirect_to(&browser.logout().await, "/");
    assert_eq!(app.session_count(), 0);

    let login = browser.login("rosa", PASSWORD).await;
    assert_is_redirect_to(&login, HOME);
    let cookie = login
        .cookies()
        .find(|c| c.name() == SESSION_COOKIE)
        .expect("login sets the session cookie");
    assert!(cookie.http_only());
    assert!(cookie.same_site_lax());
    assert!(!cookie.secure(), "plain http in tests");
    assert_eq!(cookie.path(), Some("/"));

    let rows = app.sessions_of(user_id);
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    // session_key: the SHA-256 hex of the key the cookie carries, never the key itself.
    let key = app
        .session_key_in(cookie.value())
        .expect("the cookie carries a session key");
    assert_eq!(key.len(), 64);
    assert_eq!(row.session_key, sha256_hex(&key));
    assert_ne!(row.session_key, key);
    assert!(!row.session_key.contains(cookie.value()));
    // session_data: the session's state as JSON, without what the store adds on load.
    let data: serde_json::Value =
        serde_json::from_str(row.session_data.as_deref().unwrap()).unwrap();
    assert_eq!(
        data,
        serde_json::json!({ "user_id": user_id.to_string() }),
        "{data}"
    );
    assert_eq!(row.ip_address.unwrap().ip().to_string(), "127.0.0.1");
    assert_eq!(row.user_agent.as_deref(), Some(FIREFOX));
    let created_at = row.created_at.unwrap();
    assert_near(created_at, now(), "created_at");
    // Default lifetimes: 14 days idle (within 30 days absolute).
    assert_eq!(row.expires_at - created_at, TimeDelta::days(14));
    assert_eq!(row.is_active, Some(true));

    assert_eq!(
        browser.signed_in_email().await.as_deref(),
        Some("rosa@example.com")
    );

    let logout = browser.logout().await;
    assert_is_redirect_to(&logout, "/");
    let cleared = logout
        .cookies()
        .find(|c| c.name() == SESSION_COOKIE)
        .expect("logout clears the cookie");
    assert!(cleared.value().is_empty());
    assert_eq!(browser.cookie(SESSION_COOKIE), None);
    assert_eq!(app.session_count(), 0);
    assert_eq!(browser.signed_in_email().await, None);
}

#[tokio::test]
async fn login_renews_the_session_key_and_the_cookie_from_before_is_dead() {
    let app = spawn_app().await;
    let alice = app.user("alice").insert();
    let mallory = app.user("mallory").insert();

    // Mallory signs in on her own browser and plants that cookie in Alice's.
    let attacker = app.signed_in(&mallory).await;
    let planted = attacker.cookie(SESSION_COOKIE).unwrap();
    let victim = app.new_browser();
    victim.set_cookie(SESSION_COOKIE, &planted);

    victim.login_ok(&alice.username, PASSWORD).await;
    let fresh = victim.cookie(SESSION_COOKIE).unwrap();
    assert_ne!(fresh, planted);
    assert_ne!(app.session_key_in(&fresh), app.session_key_in(&planted));
    assert_eq!(
        victim.signed_in_email().await.as_deref(),
        Some(alice.email.as_str())
    );
    // The planted value leads nowhere now: not to Alice, and not to Mallory either.
    assert_eq!(attacker.signed_in_email().await, None);
    assert!(app.sessions_of(mallory.id).is_empty());
    let rows = app.sessions_of(alice.id);
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0].session_key,
        sha256_hex(&app.session_key_in(&fresh).unwrap())
    );

    // Logging in again on the same browser renews the key again; the old one dies.
    victim.login_ok(&alice.email, PASSWORD).await;
    let renewed = victim.cookie(SESSION_COOKIE).unwrap();
    assert_ne!(renewed, fresh);
    let replay = app.new_browser();
    replay.set_cookie(SESSION_COOKIE, &fresh);
    assert_eq!(replay.signed_in_email().await, None);
    assert_eq!(app.sessions_of(alice.id).len(), 1);
    assert_eq!(
        victim.signed_in_email().await.as_deref(),
        Some(alice.email.as_str())
    );
}

#[tokio::test]
async fn a_session_key_chosen_by_an_attacker_is_never_adopted() {
    let app = spawn_app().await;
    let alice = app.user("alice").insert();
    // The worst case: the attacker can make the browser send a key of their choice.
    let chosen = "attacker-chosen-session-key-0123456789abcdef0123456789abcdef0123";
    let forged = app.forge_session_cookie(chosen);
    assert_eq!(app.session_key_in(&forged).as_deref(), Some(chosen));
    let victim = app.new_browser();
    victim.set_cookie(SESSION_COOKIE, &forged);
    assert_eq!(victim.get("/").await.status(), 200);
    assert_eq!(victim.signed_in_email().await, None);

    victim.login_ok(&alice.username, PASSWORD).await;
    let key = app
        .session_key_in(&victim.cookie(SESSION_COOKIE).unwrap())
        .unwrap();
    assert_ne!(key, chosen);
    let rows = app.sessions_of(alice.id);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].session_key, sha256_hex(&key));
    assert_eq!(
        app.one::<i64, _>(
            user_sessions::table
                .filter(user_sessions::session_key.eq_any([sha256_hex(chosen), chosen.to_string()]))
                .count()
        ),
        0
    );
    // The attacker's copy signs no one in.
    let attacker = app.new_browser();
    attacker.set_cookie(SESSION_COOKIE, &forged);
    assert_eq!(attacker.signed_in_email().await, None);
}

#[tokio::test]
async fn a_forged_or_random_session_cookie_is_an_anonymous_visitor_never_a_500() {
    let app = spawn_app().await;
    let alice = app.user("alice").insert();
    let real = app.signed_in(&alice).await;
    let digest = app.session_row_of(&real).unwrap().session_key;

    let other_key = encrypted_cookie(&actix_web::cookie::Key::generate(), &"k".repeat(64));
    let real_value = real.cookie(SESSION_COOKIE).unwrap();
    let mut flipped = real_value.clone().into_bytes();
    let last = flipped.len() - 3;
    flipped[last] = if flipped[last] == b'A' { b'B' } else { b'A' };
    let forged_values = [
        "garbage".to_string(),
        "0".repeat(64),
        // Encrypted with another server's key.
        other_key,
        // The real cookie with one character changed.
        String::from_utf8(flipped).unwrap(),
        // A well-formed cookie whose key has no row.
        app.forge_session_cookie(&"z".repeat(64)),
        // A leaked row: its digest used as a key leads nowhere.
        app.forge_session_cookie(&digest),
    ];
    let before = app.snapshot();
    for value in &forged_values {
        let browser = app.new_browser();
        browser.set_cookie(SESSION_COOKIE, value);
        let home = browser.get("/").await;
        assert_eq!(home.status(), 200, "{value}");
        assert_eq!(browser.signed_in_email().await, None, "{value}");
        // A form that needs a user sends it to log in, and changes nothing.
        let response = browser
            .post_form("/account/sessions/revoke-others", &[])
            .await;
        assert_is_login_redirect(&response);
    }
    assert_eq!(app.snapshot(), before, "no rows written or removed");
    assert_eq!(
        real.signed_in_email().await.as_deref(),
        Some(alice.email.as_str())
    );
}

#[tokio::test]
async fn after_logout_the_old_cookie_is_anonymous_and_replaying_the_logout_is_harmless() {
    let app = spawn_app().await;
    let alice = app.user("alice").insert();
    let browser = app.signed_in(&alice).await;
    let other = app.signed_in(&alice).await;
    let old = browser.cookie(SESSION_COOKIE).unwrap();
    assert_is_redirect_to(&browser.logout().await, "/");
    assert_eq!(
        app.sessions_of(alice.id).len(),
        1,
        "only this browser's row went"
    );

    let replay = app.new_browser();
    replay.set_cookie(SESSION_COOKIE, &old);
    assert_eq!(replay.signed_in_email().await, None);
    assert_is_redirect_to(&replay.logout().await, "/");
    assert_is_redirect_to(&replay.logout().await, "/");
    assert_eq!(replay.signed_in_email().await, None);
    // The other browser's session is untouched by the replays.
    assert_eq!(app.sessions_of(alice.id).len(), 1);
    assert_eq!(
        other.signed_in_email().await.as_deref(),
        Some(alice.email.as_str())
    );
}

#[tokio::test]
async fn an_expired_ended_or_too_old_session_row_is_an_anonymous_visitor() {
    let app = spawn_app().await;
    let alice = app.user("alice").insert();
    let expired = app.signed_in(&alice).await;
    let ended = app.signed_in(&alice).await;
    let too_old = app.signed_in(&alice).await;
    let fine = app.signed_in(&alice).await;
    let id = |b: &Browser| app.session_row_of(b).unwrap().id;
    app.exec(
        diesel::update(user_sessions::table.find(id(&expired)))
            .set(user_sessions::expires_at.eq(now() - TimeDelta::minutes(1))),
    );
    app.exec(
        diesel::update(user_sessions::table.find(id(&ended)))
            .set(user_sessions::is_active.eq(false)),
    );
    // Past the 30-day absolute limit, although its idle expiry is still ahead.
    app.exec(
        diesel::update(user_sessions::table.find(id(&too_old)))
            .set(user_sessions::created_at.eq(now() - TimeDelta::days(31))),
    );
    let before = app.snapshot();
    for (what, browser) in [
        ("expired", &expired),
        ("ended", &ended),
        ("too old", &too_old),
    ] {
        assert_eq!(browser.get("/").await.status(), 200, "{what}");
        assert_eq!(browser.signed_in_email().await, None, "{what}");
    }
    assert_eq!(app.snapshot(), before, "loading never revives a row");
    assert_eq!(
        fine.signed_in_email().await.as_deref(),
        Some(alice.email.as_str())
    );
}

#[tokio::test]
async fn the_idle_expiry_slides_with_at_most_one_write_every_few_minutes() {
    let app = spawn_app().await;
    let alice = app.user("alice").insert();
    let browser = app.signed_in(&alice).await;
    let first = app.session_row_of(&browser).unwrap();
    for _ in 0..5 {
        assert_eq!(browser.get("/account").await.status(), 200);
    }
    assert_eq!(
        app.session_row_of(&browser).unwrap().expires_at,
        first.expires_at,
        "requests within minutes write nothing"
    );

    // As if the last write were an hour ago: the next request slides the expiry.
    app.exec(
        diesel::update(user_sessions::table.find(first.id))
            .set(user_sessions::expires_at.eq(user_sessions::expires_at - 1.hour())),
    );
    assert_eq!(browser.get("/account").await.status(), 200);
    let slid = app.session_row_of(&browser).unwrap().expires_at;
    assert_near(slid, now() + TimeDelta::days(14), "slid expiry");
    assert!(slid > first.expires_at - TimeDelta::minutes(59));

    // Two minutes behind is within the step: no write.
    app.exec(
        diesel::update(user_sessions::table.find(first.id))
            .set(user_sessions::expires_at.eq(user_sessions::expires_at - 2.minutes())),
    );
    let behind = app.session_row_of(&browser).unwrap().expires_at;
    assert_eq!(browser.get("/account").await.status(), 200);
    assert_eq!(app.session_row_of(&browser).unwrap().expires_at, behind);
}

#[tokio::test]
async fn lifetimes_come_from_the_config_and_staff_sessions_are_shorter() {
    let app = spawn_app_with(|env| {
        env.insert("SESSION_IDLE_SECS".into(), "600".into());
        env.insert("SESSION_ABSOLUTE_SECS".into(), "7200".into());
        env.insert("STAFF_SESSION_IDLE_SECS".into(), "120".into());
        env.insert("STAFF_SESSION_ABSOLUTE_SECS".into(), "300".into());
    })
    .await;
    let user = app.user("ursula").insert();
    let staff = app.user("stella").staff().insert();
    let user_browser = app.signed_in(&user).await;
    let staff_browser = app.signed_in(&staff).await;
    let row = app.session_row_of(&user_browser).unwrap();
    assert_eq!(
        row.expires_at - row.created_at.unwrap(),
        TimeDelta::seconds(600)
    );
    let row = app.session_row_of(&staff_browser).unwrap();
    assert_eq!(
        row.expires_at - row.created_at.unwrap(),
        TimeDelta::seconds(120)
    );

    // A staff session past its absolute limit ends although it was used a moment ago.
    app.exec(
        diesel::update(user_sessions::table.find(row.id))
            .set(user_sessions::created_at.eq(user_sessions::created_at - 301.seconds())),
    );
    assert_eq!(staff_browser.signed_in_email().await, None);
    assert_eq!(
        user_browser.signed_in_email().await.as_deref(),
        Some(user.email.as_str())
    );
}

#[tokio::test]
async fn staff_sessions_last_an_hour_idle_by_default() {
    let app = spawn_app().await;
    let staff = app.user("stella").staff().insert();
    let browser = app.signed_in(&staff).await;
    let row = app.session_row_of(&browser).unwrap();
    assert_eq!(
        row.expires_at - row.created_at.unwrap(),
        TimeDelta::hours(1)
    );
}

const NEW_PASSWORD: &str = "purple elephant juggling marmalade";

#[tokio::test]
async fn a_password_change_ends_the_other_sessions_and_keeps_this_one() {
    let app = spawn_app().await;
    let alice = app.user("alice").insert();
    let bob = app.user("bob").insert();
    let here = app.signed_in(&alice).await;
    let elsewhere = app.signed_in(&alice).await;
    let bobs = app.signed_in(&bob).await;

    // A wrong current password is counted like a failed login; nothing else is written.
    let before = app.snapshot_except_counters();
    let wrong_current = here
        .post_form(
            "/account/password",
            &[
                ("current_password", "not my password at all"),
                ("password", NEW_PASSWORD),
                ("password_confirm", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(wrong_current.status(), 422);
    assert!(
        wrong_current
            .text()
            .await
            .unwrap()
            .contains("This is not your current password.")
    );
    let weak = here
        .post_form(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("password", "password1234"),
                ("password_confirm", "password1234"),
            ],
        )
        .await;
    assert_eq!(weak.status(), 422);
    let mismatch = here
        .post_form(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("password", NEW_PASSWORD),
                ("password_confirm", "purple elephant juggling marmalades"),
            ],
        )
        .await;
    assert_eq!(mismatch.status(), 422);
    assert_eq!(
        app.snapshot_except_counters(),
        before,
        "failed changes write nothing"
    );
    assert!(elsewhere.signed_in_email().await.is_some());

    let changed = here
        .post_form(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("password", NEW_PASSWORD),
                ("password_confirm", NEW_PASSWORD),
            ],
        )
        .await;
    assert_is_redirect_to(&changed, "/account");
    assert!(
        here.get_html("/account")
            .await
            .contains("your other session has been ended")
    );
    assert_eq!(
        here.signed_in_email().await.as_deref(),
        Some(alice.email.as_str())
    );
    assert_eq!(elsewhere.signed_in_email().await, None);
    assert_eq!(app.sessions_of(alice.id).len(), 1);
    assert_eq!(
        bobs.signed_in_email().await.as_deref(),
        Some(bob.email.as_str()),
        "other users keep their sessions"
    );

    let browser = app.new_browser();
    assert_eq!(browser.login("alice", PASSWORD).await.status(), 422);
    browser.login_ok("alice", NEW_PASSWORD).await;
}

/// Safari on an iPhone, for a second device.
const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

#[tokio::test]
async fn the_sessions_page_lists_each_device_and_ends_the_chosen_sessions() {
    let app = spawn_app().await;
    let alice = app.user("alice").insert();
    let bob = app.user("bob").insert();
    let laptop = app.signed_in(&alice).await;
    let phone = Browser::new(&app.address, IPHONE);
    phone.login_ok("alice", PASSWORD).await;
    let script = Browser::new(&app.address, "curl/8.5.0");
    script.login_ok("alice", PASSWORD).await;
    let bobs = app.signed_in(&bob).await;
    let bobs_row = app.session_row_of(&bobs).unwrap();

    let html = laptop.get_html("/account/sessions").await;
    assert!(html.contains("Firefox on Linux"), "{html}");
    assert!(html.contains("Safari on iPhone"));
    assert!(html.contains(">curl"));
    assert!(html.contains("127.0.0.1"));
    assert_eq!(html.matches("this browser").count(), 1);
    assert_eq!(html.matches("/revoke\"").count(), 3, "one form per session");
    assert!(html.contains("/account/sessions/revoke-others"));
    assert!(!html.contains(&format!("/account/sessions/{}/revoke", bobs_row.id)));
    let laptop_row = app.session_row_of(&laptop).unwrap();
    let created = laptop_row
        .created_at
        .unwrap()
        .format("%Y-%m-%d %H:%M")
        .to_string();
    assert!(html.contains(&created), "sign-in time shown");
    let expires = laptop_row.expires_at.format("%Y-%m-%d %H:%M").to_string();
    assert!(html.contains(&expires), "expiry shown");

    // End the phone's session from the laptop.
    let phone_row = app.session_row_of(&phone).unwrap();
    let ended = laptop
        .post_form(&format!("/account/sessions/{}/revoke", phone_row.id), &[])
        .await;
    assert_is_redirect_to(&ended, "/account/sessions");
    assert_eq!(phone.signed_in_email().await, None);
    assert_eq!(app.sessions_of(alice.id).len(), 2);

    // Someone else's session is not ours to end.
    let before = app.snapshot();
    let foreign = laptop
        .post_form(&format!("/account/sessions/{}/revoke", bobs_row.id), &[])
        .await;
    assert_eq!(foreign.status(), 404);
    assert_eq!(app.snapshot(), before);
    assert!(bobs.signed_in_email().await.is_some());

    // All but this one.
    let others = laptop
        .post_form("/account/sessions/revoke-others", &[])
        .await;
    assert_is_redirect_to(&others, "/account/sessions");
    assert_eq!(script.signed_in_email().await, None);
    let rows = app.sessions_of(alice.id);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].id, laptop_row.id);
    assert!(bobs.signed_in_email().await.is_some());

    // And this one: the browser is signed out.
    let own = laptop
        .post_form(&format!("/account/sessions/{}/revoke", laptop_row.id), &[])
        .await;
    assert_is_redirect_to(&own, "/login");
    assert_eq!(laptop.signed_in_email().await, None);
    assert!(app.sessions_of(alice.id).is_empty());
}

#[tokio::test]
async fn purge_removes_expired_and_ended_session_rows_only() {
    let app = spawn_app().await;
    let alice = app.user("alice").insert();
    let expired = app.signed_in(&alice).await;
    let ended = app.signed_in(&alice).await;
    let live = app.signed_in(&alice).await;
    let row = |b: &Browser| app.session_row_of(b).unwrap().id;
    let (expired_id, ended_id, live_id) = (row(&expired), row(&ended), row(&live));
    app.exec(
        diesel::update(user_sessions::table.find(expired_id))
            .set(user_sessions::expires_at.eq(now() - TimeDelta::seconds(1))),
    );
    app.exec(
        diesel::update(user_sessions::table.find(ended_id)).set(user_sessions::is_active.eq(false)),
    );

    let output = std::process::Command::new(env!("CARGO_BIN_EXE_wayfare"))
        .arg("purge")
        .env_clear()
        .env("DATABASE_URL", &app.db.url)
        .env("DATA_DIR", &app.data_dir)
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("purged 2 expired sessions"), "{stdout}");
    let left: Vec<i32> = app.sessions_of(alice.id).iter().map(|r| r.id).collect();
    assert_eq!(left, [live_id]);
    assert!(live.signed_in_email().await.is_some());
}

/// The app, on a database behind a proxy the test can cut, with a one-connection pool.
async fn app_behind_a_proxy() -> (crate::support::TestApp, DbProxy, TestDatabase) {
    let db = TestDatabase::create();
    let (host, port) = db.host_port();
    let proxy = DbProxy::start(host, port).await;
    let mut proxied = url::Url::parse(&db.url).unwrap();
    proxied.set_port(Some(proxy.port)).unwrap();
    let proxied = proxied.to_string();
    let app = spawn_app_with(|env| {
        env.insert("DATABASE_URL".into(), proxied);
        env.insert("DATABASE_TIMEOUT_SECS".into(), "1".into());
        env.insert("DATABASE_POOL_SIZE".into(), "1".into());
    })
    .await;
    (app, proxy, db)
}

/// Polls `path` until it answers `expected`, allowing only 503 meanwhile.
async fn recovers(browser: &Browser, path: &str, expected: u16) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let status = browser.get(path).await.status().as_u16();
        if status == expected {
            return;
        }
        assert_eq!(status, 503, "only 503 while recovering");
        assert!(Instant::now() < deadline, "{path}: no recovery within 10 s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn a_session_cookie_while_the_database_is_away_answers_503_not_500() {
    let (app, proxy, db) = app_behind_a_proxy().await;
    // `app.db` is not the database behind the proxy: sign up through the app.
    let browser = app.new_browser();
    let signup = browser.signup("alice@example.com", "alice", PASSWORD).await;
    assert_is_redirect_to(&signup, HOME);
    assert_eq!(browser.get("/").await.status(), 303, "signed in: sent on");

    proxy.cut();
    for path in ["/", "/account"] {
        let response = browser.get(path).await;
        assert_eq!(response.status(), 503, "{path}");
        assert!(response.headers().contains_key("retry-after"));
        assert!(
            response
                .text()
                .await
                .unwrap()
                .contains("Temporarily unavailable")
        );
    }
    proxy.restore();
    recovers(&browser, "/", 303).await;
    recovers(&browser, "/account", 200).await;
    assert_eq!(
        browser.signed_in_email().await.as_deref(),
        Some("alice@example.com"),
        "the session survived the outage"
    );
    drop(db);
}

#[tokio::test]
async fn the_session_store_recovers_from_a_connection_that_died_while_idle() {
    let (app, proxy, db) = app_behind_a_proxy().await;
    let browser = app.new_browser();
    let signup = browser.signup("alice@example.com", "alice", PASSWORD).await;
    assert_is_redirect_to(&signup, HOME);
    // The pool's one connection has never loaded a session; it dies while idle.
    proxy.cut();
    tokio::time::sleep(Duration::from_millis(100)).await;
    proxy.restore();
    recovers(&browser, "/", 303).await;
    drop(db);
}

/// A user with a valid reset link, written straight into the proxied database.
fn reset_link_in(app: &crate::support::TestApp, db: &TestDatabase) -> String {
    let hash = bcrypt::hash(PASSWORD, 4).unwrap();
    diesel::insert_into(users::table)
        .values((
            users::id.eq(1),
            users::email.eq("a@example.com"),
            users::username.eq("aaa"),
            users::password_hash.eq(&hash),
        ))
        .execute(&mut db.conn())
        .unwrap();
    let token = wayfare::auth::tokens::sign(
        &app.secret_key,
        wayfare::auth::tokens::Purpose::ResetPassword,
        wayfare::domain::ids::UserId(1),
        &wayfare::auth::tokens::reset_binding("a@example.com", &hash),
        TimeDelta::hours(1),
    );
    format!("/password-reset/{token}")
}

#[tokio::test]
async fn a_mailed_link_opened_while_the_database_is_away_is_503_not_dead() {
    let (app, proxy, db) = app_behind_a_proxy().await;
    let link = reset_link_in(&app, &db);
    let browser = app.new_browser();
    assert_eq!(browser.get(&link).await.status(), 200);
    proxy.cut();
    let response = browser.get(&link).await;
    assert_eq!(response.status(), 503);
    assert!(!response.text().await.unwrap().contains("already been used"));
    proxy.restore();
    recovers(&browser, &link, 200).await;
    drop(db);
}

#[tokio::test]
async fn a_page_query_recovers_from_a_connection_that_died_while_idle() {
    let (app, proxy, db) = app_behind_a_proxy().await;
    let link = reset_link_in(&app, &db);
    let browser = app.new_browser();
    assert_eq!(browser.get("/readyz").await.status(), 200);
    // The pool's one connection has never looked up a user by id; it dies while idle.
    proxy.cut();
    tokio::time::sleep(Duration::from_millis(100)).await;
    proxy.restore();
    recovers(&browser, &link, 200).await;
    drop(db);
}
