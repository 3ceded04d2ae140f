//! Rate limits under parallel requests, kept in the `rate_limits` table and, with
//! `REDIS_URL`, in Redis: a limit is reached and never exceeded; failed password checks
//! slow down the client that fails, never the account's owner.

use std::collections::HashMap;

use diesel::sql_query;
use diesel::sql_types::BigInt;
use futures_util::future::join_all;
use reqwest::Response;
use reqwest::header::{HeaderMap, HeaderValue};
use wayfare::models::rate_limit::RateLimit;

use crate::support::{
    Browser, FIREFOX, HOME, PASSWORD, TestApp, assert_is_redirect_to, spawn_app_with, unique,
};

/// How many rate-limit counters `keep` holds for.
fn counters_where(app: &TestApp, keep: impl Fn(&RateLimit) -> bool) -> usize {
    app.counters().iter().filter(|c| keep(c)).count()
}

const REDIS_URL: &str = "redis://127.0.0.1:6379";
/// A first back-off of a minute, which no test outruns however slow the machine; and of two
/// seconds, for the test that waits them out.
const MINUTE: (&str, &str) = ("LOGIN_BACKOFF_SECS", "60");
const TWO_SECONDS: (&str, &str) = ("LOGIN_BACKOFF_SECS", "2");

/// Posts every `(login, password)` at once from `browser`; returns the responses in order.
async fn parallel_logins(browser: &Browser, attempts: &[(String, String)]) -> Vec<Response> {
    let token = browser.csrf_token().await.unwrap();
    let token = &token;
    join_all(attempts.iter().map(|(login, password)| async move {
        browser
            .post_raw(
                "/login",
                &[
                    ("login", login.as_str()),
                    ("password", password.as_str()),
                    ("csrf_token", token.as_str()),
                ],
                &[("Origin", browser.address.as_str())],
            )
            .await
    }))
    .await
}

/// How many answers had each status; every 429 carries a sensible `Retry-After`.
async fn tally(responses: Vec<Response>) -> HashMap<u16, usize> {
    let mut counts = HashMap::new();
    for response in responses {
        let status = response.status().as_u16();
        if status == 429 {
            let wait: u64 = response.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((1..=86_400).contains(&wait), "Retry-After {wait}");
            let html = response.text().await.unwrap();
            assert!(html.contains("Too many requests"));
        }
        *counts.entry(status).or_default() += 1;
    }
    counts
}

fn limits(env: &mut HashMap<String, String>, pairs: &[(&str, &str)]) {
    env.insert("DATABASE_POOL_SIZE".into(), "10".into());
    for (k, v) in pairs {
        env.insert(k.to_string(), v.to_string());
    }
}

/// A browser whose requests come, through a trusted proxy, from an address of its own, so
/// that tests sharing one Redis never share a counter.
fn browser_from_own_address(app: &TestApp) -> (Browser, String) {
    let ip = format!(
        "10.{}.{}.{}",
        rand::random::<u8>(),
        rand::random::<u8>(),
        rand::random::<u8>().max(1)
    );
    let mut headers = HeaderMap::new();
    headers.insert("x-forwarded-for", HeaderValue::from_str(&ip).unwrap());
    (Browser::with_headers(&app.address, FIREFOX, headers), ip)
}

async fn redis() -> redis::aio::MultiplexedConnection {
    redis::Client::open(REDIS_URL)
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .expect("Redis runs at redis://127.0.0.1:6379")
}

fn redis_key(kind: &str, identifier: &str) -> String {
    format!(
        "wayfare:rl:{}:{kind}:{identifier}",
        chrono::Utc::now().date_naive()
    )
}

async fn redis_count(kind: &str, identifier: &str) -> Option<i64> {
    let mut conn = redis().await;
    redis::cmd("GET")
        .arg(redis_key(kind, identifier))
        .query_async(&mut conn)
        .await
        .unwrap()
}

/// The seconds a 429 asks to wait.
fn retry_after(response: &Response) -> u64 {
    assert_eq!(response.status(), 429);
    response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// Twenty wrong passwords at once for one account from one client, typed as its username
/// and its e-mail in any case: the first five are checked, the rest told to wait (a
/// minute in these tests, never a day); meanwhile the owner, from another address, logs in at once with
/// the right password. Returns the victim's id.
async fn one_clients_failures_never_lock_the_owner_out(app: &TestApp) -> i32 {
    let victim = app.user(&unique("victim")).insert();
    let (attacker, _) = browser_from_own_address(app);
    let attempts: Vec<(String, String)> = (0..20)
        .map(|i| {
            let login = match i % 3 {
                0 => victim.username.clone(),
                1 => victim.email.clone(),
                _ => victim.email.to_uppercase(),
            };
            (login, format!("wrong password number {i}"))
        })
        .collect();
    let counts = tally(parallel_logins(&attacker, &attempts).await).await;
    assert_eq!(counts.get(&422), Some(&5), "five are free: {counts:?}");
    assert_eq!(counts.get(&429), Some(&15), "{counts:?}");

    // The tests' first wait is a minute (`LOGIN_BACKOFF_SECS`), so no machine outruns it.
    let wait = retry_after(&attacker.login(&victim.username, "one more guess").await);
    assert!(
        (60..=120).contains(&wait),
        "a back-off, not a lockout: {wait}"
    );

    let (owner, _) = browser_from_own_address(app);
    owner.login_ok(&victim.username, PASSWORD).await;
    assert_eq!(app.sessions_of(victim.id).len(), 1);
    victim.id.0
}

/// One client failing one after the other: five free tries, then waits of 2 s, 4 s, 8 s
/// (`LOGIN_BACKOFF_SECS=2`).
async fn the_wait_doubles_after_each_further_failure(app: &TestApp) {
    let victim = app.user(&unique("victim")).insert();
    let (attacker, _) = browser_from_own_address(app);
    for _ in 0..5 {
        assert_eq!(attacker.login(&victim.email, "guess").await.status(), 422);
    }
    for expected in [2, 4, 8] {
        let wait = retry_after(&attacker.login(&victim.email, "guess").await);
        assert!(
            (expected - 1..=expected).contains(&wait),
            "expected {expected} s, got {wait}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(wait * 1000 + 150)).await;
        assert_eq!(attacker.login(&victim.email, "guess").await.status(), 422);
    }
    // Even the right password waits on this client; it is the owner's other clients that
    // get in.
    assert_eq!(attacker.login(&victim.email, PASSWORD).await.status(), 429);
}

#[tokio::test]
async fn failed_logins_back_off_one_client_and_never_lock_the_owner_out_in_the_table() {
    let app = spawn_app_with(|env| limits(env, &[("TRUST_FORWARDED_FOR", "true"), MINUTE])).await;
    let victim = one_clients_failures_never_lock_the_owner_out(&app).await;
    // Counted per pair in the table; the owner's successful login left no pair behind.
    assert_eq!(
        counters_where(&app, |c| {
            c.identifier_type == "login_pair"
                && c.identifier.starts_with(&format!("user:{victim}|10."))
                && c.request_count.is_some_and(|n| n >= 5)
        }),
        1
    );
    let doubling =
        spawn_app_with(|env| limits(env, &[("TRUST_FORWARDED_FOR", "true"), TWO_SECONDS])).await;
    the_wait_doubles_after_each_further_failure(&doubling).await;
}

#[tokio::test]
async fn failed_logins_back_off_one_client_and_never_lock_the_owner_out_in_redis() {
    let app = spawn_app_with(|env| {
        limits(
            env,
            &[
                ("REDIS_URL", REDIS_URL),
                ("TRUST_FORWARDED_FOR", "true"),
                MINUTE,
            ],
        )
    })
    .await;
    // Redis is shared by every test and run: give this test's accounts ids no other uses.
    let offset = 1_000_000 + rand::random::<u32>() % 1_000_000_000;
    app.exec(
        sql_query("SELECT setval('users_id_seq', $1, false)").bind::<BigInt, _>(i64::from(offset)),
    );
    let victim = one_clients_failures_never_lock_the_owner_out(&app).await;
    assert_eq!(app.counters().len(), 0, "nothing counted in the table");
    let failures = redis_count("login_account", &format!("user:{victim}")).await;
    assert!(failures.unwrap_or(0) >= 5, "{failures:?}");
    let doubling = spawn_app_with(|env| {
        limits(
            env,
            &[
                ("REDIS_URL", REDIS_URL),
                ("TRUST_FORWARDED_FOR", "true"),
                TWO_SECONDS,
            ],
        )
    })
    .await;
    doubling.exec(
        sql_query("SELECT setval('users_id_seq', $1, false)")
            .bind::<BigInt, _>(i64::from(offset + 500_000_000)),
    );
    the_wait_doubles_after_each_further_failure(&doubling).await;
}

#[tokio::test]
async fn an_ipv6_client_is_one_client_across_its_64() {
    let app = spawn_app_with(|env| limits(env, &[("TRUST_FORWARDED_FOR", "true"), MINUTE])).await;
    let victim = app.user(&unique("victim")).insert();
    let from = |ip: &str| {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", HeaderValue::from_str(ip).unwrap());
        Browser::with_headers(&app.address, FIREFOX, headers)
    };
    // Hopping between addresses of one /64 gains nothing.
    for i in 0..5 {
        let hop = from(&format!("2001:db8:7:9::{:x}", i + 1));
        assert_eq!(hop.login(&victim.username, "guess").await.status(), 422);
    }
    let hop = from("2001:db8:7:9:ffff::1");
    assert_eq!(hop.login(&victim.username, "guess").await.status(), 429);
    // Another /64 is another client.
    from("2001:db8:7:a::1")
        .login_ok(&victim.username, PASSWORD)
        .await;
}

#[tokio::test]
async fn the_owner_gets_one_mail_when_an_account_sees_unusual_failures() {
    let app = spawn_app_with(|env| {
        limits(
            env,
            &[
                ("TRUST_FORWARDED_FOR", "true"),
                ("LOGIN_FAILURES_NOTICE", "8"),
            ],
        )
    })
    .await;
    let victim = app.user(&unique("victim")).insert();
    // Failures from four clients, two each: the eighth sends the notice.
    let clients: Vec<Browser> = (0..6).map(|_| browser_from_own_address(&app).0).collect();
    for client in &clients[..4] {
        for _ in 0..2 {
            assert_eq!(client.login(&victim.email, "guess").await.status(), 422);
        }
    }
    let mails = app.mails_to(&victim.email);
    assert_eq!(mails.len(), 1);
    assert_eq!(
        mails[0].subject,
        "Unusual sign-in attempts on your Wayfare account"
    );
    assert!(mails[0].body.contains("8 failed sign-in attempts today"));
    assert!(mails[0].body.contains("not locked"));
    // More failures send nothing more today.
    for client in &clients[4..] {
        for _ in 0..3 {
            client.login(&victim.email, "guess").await;
        }
    }
    assert_eq!(app.mails_to(&victim.email).len(), 1);
}

#[tokio::test]
async fn a_password_reset_clears_every_failure_counted_against_the_account() {
    let app = spawn_app_with(|env| limits(env, &[("TRUST_FORWARDED_FOR", "true"), MINUTE])).await;
    let victim = app.user(&unique("victim")).insert();
    let (client, _) = browser_from_own_address(&app);
    for _ in 0..5 {
        client.login(&victim.email, "guess").await;
    }
    assert_eq!(client.login(&victim.email, "guess").await.status(), 429);
    let per_account =
        |c: &RateLimit| ["login_pair", "login_account"].contains(&c.identifier_type.as_str());
    assert!(counters_where(&app, per_account) > 0);

    // The owner, on that very client, forgot the password and resets it.
    client
        .post_form("/password-reset", &[("email", victim.email.as_str())])
        .await;
    let mail = app.last_mail_to(&victim.email);
    let link = crate::support::extract_link(&app, &mail.body, "/password-reset/");
    let new_password = "a brand new sunflower password";
    let done = client
        .post_form(
            &link,
            &[
                ("password", new_password),
                ("password_confirm", new_password),
            ],
        )
        .await;
    assert_is_redirect_to(&done, "/login");
    assert_eq!(
        counters_where(&app, |c| {
            per_account(c) && c.identifier.starts_with(&format!("user:{}", victim.id))
        }),
        0
    );
    client.login_ok(&victim.email, new_password).await;
}

#[tokio::test]
async fn wrong_current_passwords_on_the_account_pages_back_off_like_logins() {
    let app = spawn_app_with(|env| limits(env, &[MINUTE])).await;
    let user = app.user(&unique("owner")).insert();
    let browser = app.signed_in(&user).await;
    let new_password = "a brand new sunflower password";
    let change = |current: &'static str| {
        let browser = browser.clone();
        async move {
            browser
                .post_form(
                    "/account/password",
                    &[
                        ("current_password", current),
                        ("password", new_password),
                        ("password_confirm", new_password),
                    ],
                )
                .await
        }
    };
    for _ in 0..3 {
        assert_eq!(change("not it").await.status(), 422);
    }
    for _ in 0..2 {
        let delete = browser
            .post_form("/account/delete", &[("password", "not it either")])
            .await;
        assert_eq!(delete.status(), 422);
    }
    // Five wrong answers from this client, whichever page asked: the sixth waits, even
    // when it is right, and nothing changes.
    let before = app.snapshot();
    assert_eq!(change(PASSWORD).await.status(), 429);
    assert_eq!(
        browser
            .post_form("/account/delete", &[("password", PASSWORD)])
            .await
            .status(),
        429
    );
    assert_eq!(app.snapshot(), before);
    assert_eq!(app.user_row(user.id).iter().count(), 1);
}

/// Twenty failed logins at once from one address, each for another name: exactly `limit`
/// are checked; then the address is refused even for a right password.
async fn address_limit_holds(app: &TestApp, browser: &Browser, limit: usize) {
    let user = app.user(&unique("someone")).insert();
    let attempts: Vec<(String, String)> = (0..20)
        .map(|i| (unique(&format!("nobody{i}-")), PASSWORD.to_string()))
        .collect();
    let counts = tally(parallel_logins(browser, &attempts).await).await;
    assert_eq!(counts.get(&422), Some(&limit), "{counts:?}");
    assert_eq!(counts.get(&429), Some(&(20 - limit)), "{counts:?}");
    let right = browser.login(&user.username, PASSWORD).await;
    assert_eq!(right.status(), 429);
    assert!(app.sessions_of(user.id).is_empty());
}

#[tokio::test]
async fn parallel_failed_logins_from_one_address_stop_at_the_limit_in_the_table() {
    let app = spawn_app_with(|env| limits(env, &[("LIMIT_LOGIN_FAILURES_PER_IP", "5")])).await;
    address_limit_holds(&app, &app.new_browser(), 5).await;
    assert_eq!(
        counters_where(&app, |c| c.identifier_type == "login_ip"
            && c.identifier == "127.0.0.1"),
        1
    );
}

#[tokio::test]
async fn parallel_failed_logins_from_one_address_stop_at_the_limit_in_redis() {
    let app = spawn_app_with(|env| {
        limits(
            env,
            &[
                ("LIMIT_LOGIN_FAILURES_PER_IP", "5"),
                ("REDIS_URL", REDIS_URL),
                ("TRUST_FORWARDED_FOR", "true"),
            ],
        )
    })
    .await;
    let (browser, ip) = browser_from_own_address(&app);
    address_limit_holds(&app, &browser, 5).await;
    assert_eq!(app.counters().len(), 0, "nothing counted in the table");
    assert_eq!(redis_count("login_ip", &ip).await, Some(21));
}

#[tokio::test]
async fn parallel_signups_from_one_address_stop_at_the_limit() {
    let app = spawn_app_with(|env| limits(env, &[("LIMIT_SIGNUPS_PER_IP", "3")])).await;
    let browsers: Vec<Browser> = (0..10).map(|_| app.new_browser()).collect();
    for b in &browsers {
        b.csrf_token().await.unwrap();
    }
    let names: Vec<String> = (0..10).map(|i| format!("traveller{i}")).collect();
    let responses = join_all(browsers.iter().zip(&names).map(|(b, name)| {
        let email = format!("{name}@example.com");
        async move { b.signup(&email, name, PASSWORD).await }
    }))
    .await;
    let counts = tally(responses).await;
    assert_eq!(counts.get(&303), Some(&3), "{counts:?}");
    assert_eq!(counts.get(&429), Some(&7), "{counts:?}");
    assert_eq!(app.users().len(), 3);
    assert_eq!(app.session_count(), 3);
    assert_eq!(app.mails().len(), 3);
}

#[tokio::test]
async fn verification_and_reset_mails_per_account_stop_at_the_limit() {
    let app = spawn_app_with(|env| limits(env, &[("LIMIT_MAILS_PER_ACCOUNT", "3")])).await;
    let browser = app.new_browser();
    let signup = browser
        .signup("wanderer@example.com", "wanderer", PASSWORD)
        .await;
    assert_is_redirect_to(&signup, HOME);
    assert_eq!(app.mails().len(), 1);

    // Ten clicks at once on "send the link again": two more mails, no more.
    let token = browser.csrf_token().await.unwrap();
    let (token, browser, address) = (&token, &browser, app.address.as_str());
    let responses = join_all((0..10).map(|_| async move {
        browser
            .post_raw(
                "/account/verify",
                &[("csrf_token", token.as_str())],
                &[("Origin", address)],
            )
            .await
    }))
    .await;
    let counts = tally(responses).await;
    assert_eq!(counts.get(&303), Some(&2), "{counts:?}");
    assert_eq!(counts.get(&429), Some(&8), "{counts:?}");
    assert_eq!(app.mails_to("wanderer@example.com").len(), 3);

    // A reset request past the limit answers as always, and sends nothing.
    let reset = app
        .new_browser()
        .post_form("/password-reset", &[("email", "wanderer@example.com")])
        .await;
    assert_eq!(reset.status(), 200);
    assert!(
        reset
            .text()
            .await
            .unwrap()
            .contains("If an account exists for")
    );
    assert_eq!(app.mails().len(), 3);
}

#[tokio::test]
async fn x_forwarded_for_counts_only_behind_a_trusted_proxy() {
    let app = spawn_app_with(|env| limits(env, &[("LIMIT_LOGIN_FAILURES_PER_IP", "3")])).await;
    let user = app.user("yara").insert();
    // Not trusted (the default): a client picking a new address each time gains nothing.
    let mut statuses = Vec::new();
    for i in 0..5 {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_str(&format!("203.0.113.{i}")).unwrap(),
        );
        let browser = Browser::with_headers(&app.address, FIREFOX, headers);
        statuses.push(
            browser
                .login(&user.username, "wrong password!")
                .await
                .status()
                .as_u16(),
        );
    }
    assert_eq!(statuses, [422, 422, 422, 429, 429]);
    assert_eq!(
        app.counters_of("login_ip")
            .into_iter()
            .map(|c| c.identifier)
            .collect::<Vec<_>>(),
        ["127.0.0.1"]
    );

    // Behind a trusted proxy the forwarded address is the client's, in counters and rows.
    let trusted = spawn_app_with(|env| {
        limits(
            env,
            &[
                ("LIMIT_LOGIN_FAILURES_PER_IP", "3"),
                ("TRUST_FORWARDED_FOR", "true"),
            ],
        )
    })
    .await;
    let user = trusted.user("yara").insert();
    let (browser, ip) = browser_from_own_address(&trusted);
    browser.login_ok(&user.username, PASSWORD).await;
    let row = trusted.session_row_of(&browser).unwrap();
    assert_eq!(row.ip_address.unwrap().ip().to_string(), ip);
}

#[tokio::test]
async fn a_very_long_login_is_an_ordinary_failure() {
    let app = spawn_app_with(|env| limits(env, &[])).await;
    let long = "x".repeat(300);
    let response = app.new_browser().login(&long, PASSWORD).await;
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Incorrect e-mail, username or password.")
    );
}
