//! Several `wayfare serve` instances behind a load balancer share everything through the
//! database: sessions, logouts and rate limits.

use super::support::{ScratchDir, serve, server_env};
use crate::support::{Browser, FIREFOX, SESSION_COOKIE, spawn_app_with};

#[tokio::test]
async fn two_instances_on_one_database_share_sessions_logouts_and_rate_limits() {
    let first = spawn_app_with(|env| {
        env.insert("LIMIT_PLANS_PER_USER".into(), "2".into());
    })
    .await;
    let dir = ScratchDir::new("wayfare-second");
    let mut env = server_env(&first.db.url, &first.secret_key, dir.path());
    env.insert("LIMIT_PLANS_PER_USER".into(), "2".into());
    let second = serve(env).await;
    assert_ne!(first.address, second);

    // A session made on the first instance works on the second: the load balancer may
    // send the same browser to either.
    let user = first.user("lena").insert();
    let on_first = first.signed_in(&user).await;
    let cookie = on_first.cookie(SESSION_COOKIE).unwrap();
    let on_second = Browser::new(&second, FIREFOX);
    on_second.set_cookie(SESSION_COOKIE, &cookie);
    assert_eq!(
        on_second.signed_in_email().await.as_deref(),
        Some(user.email.as_str())
    );

    // A write on one is seen on the other; the per-user limit counts both.
    let plan = |title: &'static str| [("title", title), ("currency", "EUR"), ("status", "draft")];
    let one = on_first.post_form("/plans", &plan("Oslo")).await;
    assert_eq!(one.status(), 303);
    let two = on_second.post_form("/plans", &plan("Bergen")).await;
    assert_eq!(two.status(), 303);
    let list = on_first.get_html("/plans").await;
    assert!(list.contains("Oslo") && list.contains("Bergen"));
    let three = on_first.post_form("/plans", &plan("Tromsø")).await;
    assert_eq!(three.status(), 429, "two instances, one limit");
    assert_eq!(first.plan_count(), 2);

    // A login on the second works on the first too.
    let elsewhere = Browser::new(&second, FIREFOX);
    elsewhere.login_ok(&user.username, &user.password).await;
    let back_on_first = first.new_browser();
    back_on_first.set_cookie(SESSION_COOKIE, &elsewhere.cookie(SESSION_COOKIE).unwrap());
    assert_eq!(
        back_on_first.signed_in_email().await.as_deref(),
        Some(user.email.as_str())
    );

    // Logging out on the second ends the session on both.
    assert_eq!(on_second.logout().await.status(), 303);
    assert_eq!(on_first.signed_in_email().await, None);
    assert_eq!(on_second.signed_in_email().await, None);
    // The other session (logged in on the second) lives on, on both.
    assert_eq!(
        elsewhere.signed_in_email().await.as_deref(),
        Some(user.email.as_str())
    );
    assert_eq!(first.sessions_of(user.id).len(), 1);
}
