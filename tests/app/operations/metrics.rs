//! `/metrics`: Prometheus text with requests by route pattern (never a raw path), pool
//! gauges and counters that move; open to loopback clients, or only to the bearer token
//! when `METRICS_TOKEN` is set, and never to a proxied client from outside.

use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};

use crate::support::{Browser, FIREFOX, PASSWORD, TestApp, spawn_app, spawn_app_with};

async fn metrics(app: &TestApp) -> String {
    let response = app.get("/metrics").await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    assert_eq!(response.headers()["cache-control"], "no-store");
    response.text().await.unwrap()
}

/// The value of one series, `name{labels}` exactly as exported (0 when absent).
fn value(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .map_or(0.0, |v| v.trim().parse().unwrap())
}

#[tokio::test]
async fn metrics_count_requests_by_route_pattern_and_never_by_raw_path() {
    let app = spawn_app().await;
    let browser = app.new_browser();
    let signup = browser.signup("vera@example.com", "vera", PASSWORD).await;
    assert_eq!(signup.status(), 303);
    let created = browser
        .post_form("/plans", &[("title", "Kyoto"), ("currency", "JPY")])
        .await;
    let plan_path = created.headers()["location"].to_str().unwrap().to_string();
    let shared = browser.post_form(&format!("{plan_path}/share"), &[]).await;
    assert_eq!(shared.status(), 303);
    let plan_id = plan_path.trim_start_matches("/plans/");
    let token = app
        .plan_row(plan_id.parse::<i32>().unwrap())
        .and_then(|p| p.share_token)
        .unwrap();
    assert_eq!(browser.get(&plan_path).await.status(), 200);
    assert_eq!(app.get(&format!("/s/{token}")).await.status(), 200);
    assert_eq!(
        app.get("/s/not-a-real-token-but-long-enough")
            .await
            .status(),
        404
    );
    assert_eq!(app.get("/no/such/page/12345").await.status(), 404);
    assert_eq!(browser.logout().await.status(), 303);
    let failed = browser.login("vera", "wrong password entirely").await;
    assert_ne!(failed.status(), 303, "a wrong password signs nobody in");
    browser.login_ok("vera", PASSWORD).await;

    let text = metrics(&app).await;
    for series in [
        "wayfare_http_requests_total{method=\"GET\",route=\"/plans/{id}\",status=\"200\"}",
        "wayfare_http_requests_total{method=\"GET\",route=\"/s/{token}\",status=\"200\"}",
        "wayfare_http_requests_total{method=\"GET\",route=\"/s/{token}\",status=\"404\"}",
        "wayfare_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"}",
        "wayfare_http_requests_total{method=\"POST\",route=\"/plans/{id}/share\",status=\"303\"}",
        "wayfare_http_requests_total{method=\"POST\",route=\"/signup\",status=\"303\"}",
    ] {
        assert_eq!(value(&text, series), 1.0, "{series} in:\n{text}");
    }
    assert!(
        value(
            &text,
            "wayfare_http_request_duration_seconds_count{route=\"/plans/{id}\"}"
        ) >= 1.0
    );
    assert!(text.contains(
        "wayfare_http_request_duration_seconds_bucket{route=\"/s/{token}\",le=\"0.005\"}"
    ));
    // No raw path, id or token anywhere.
    assert!(!text.contains(&token), "a share token leaked into /metrics");
    assert!(
        !text.contains(&plan_path) && !text.contains("12345") && !text.contains("not-a-real-token")
    );

    // Accounts and the pool.
    assert_eq!(value(&text, "wayfare_signups_total"), 1.0);
    assert_eq!(
        value(&text, "wayfare_logins_total{method=\"password\"}"),
        1.0
    );
    assert_eq!(value(&text, "wayfare_login_failures_total"), 1.0);
    for series in [
        "wayfare_db_pool_connections{pool=\"primary\",state=\"idle\"}",
        "wayfare_db_pool_connections{pool=\"primary\",state=\"in_use\"}",
        "wayfare_db_pool_connections{pool=\"replica\",state=\"idle\"}",
    ] {
        assert!(text.contains(series), "{series} in:\n{text}");
    }
    assert!(
        value(
            &text,
            "wayfare_db_pool_connections{pool=\"primary\",state=\"idle\"}"
        ) >= 1.0
    );
    for name in [
        "wayfare_db_checkout_timeouts_total",
        "wayfare_db_errors_total",
        "wayfare_db_queries_total",
        "wayfare_bcrypt_queue",
    ] {
        assert!(
            text.lines().any(|l| l.starts_with(name)),
            "{name} in:\n{text}"
        );
    }
    assert!(value(&text, "wayfare_db_queries_total") > 10.0);

    // Counters move.
    let user = app.user("walter").insert();
    app.signed_in(&user).await;
    let later = metrics(&app).await;
    assert_eq!(
        value(&later, "wayfare_logins_total{method=\"password\"}"),
        2.0
    );
    assert_eq!(
        value(
            &later,
            "wayfare_http_requests_total{method=\"GET\",route=\"/metrics\",status=\"200\"}"
        ),
        1.0
    );
}

fn bearer(token: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        AUTHORIZATION,
        HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
    );
    headers
}

#[tokio::test]
async fn with_a_metrics_token_only_the_bearer_token_opens_metrics() {
    let token = "0123456789abcdef-metrics-token";
    let app = spawn_app_with(|env| {
        env.insert("METRICS_TOKEN".into(), token.into());
    })
    .await;
    // Loopback alone is no longer enough.
    let refused = app.get("/metrics").await;
    assert_eq!(refused.status(), 404);
    assert!(
        !refused
            .text()
            .await
            .unwrap()
            .contains("wayfare_http_requests_total")
    );
    for wrong in [
        "wrong",
        "0123456789abcdef-metrics-toke",
        "0123456789abcdef-metrics-token0",
    ] {
        let browser = Browser::with_headers(&app.address, FIREFOX, bearer(wrong));
        assert_eq!(browser.get("/metrics").await.status(), 404, "{wrong}");
    }
    let basic = {
        let mut h = HeaderMap::new();
        h.insert(
            AUTHORIZATION,
            HeaderValue::from_str(&format!("Basic {token}")).unwrap(),
        );
        h
    };
    let browser = Browser::with_headers(&app.address, FIREFOX, basic);
    assert_eq!(browser.get("/metrics").await.status(), 404);

    let browser = Browser::with_headers(&app.address, FIREFOX, bearer(token));
    let allowed = browser.get("/metrics").await;
    assert_eq!(allowed.status(), 200);
    assert!(
        allowed
            .text()
            .await
            .unwrap()
            .contains("wayfare_http_requests_total")
    );
}

#[tokio::test]
async fn behind_a_proxy_a_client_from_outside_is_refused_and_the_proxy_host_is_not() {
    let app = spawn_app_with(|env| {
        env.insert("TRUST_FORWARDED_FOR".into(), "true".into());
    })
    .await;
    let mut outside = HeaderMap::new();
    outside.insert("x-forwarded-for", HeaderValue::from_static("203.0.113.9"));
    let browser = Browser::with_headers(&app.address, FIREFOX, outside);
    let refused = browser.get("/metrics").await;
    assert_eq!(refused.status(), 404);
    assert!(!refused.text().await.unwrap().contains("wayfare_"));

    // A scraper on the proxy's host (no X-Forwarded-For) still gets in.
    assert_eq!(app.get("/metrics").await.status(), 200);

    // Without TRUST_FORWARDED_FOR the header is ignored: the peer address decides.
    let direct = spawn_app().await;
    let mut spoofed = HeaderMap::new();
    spoofed.insert("x-forwarded-for", HeaderValue::from_static("203.0.113.9"));
    let browser = Browser::with_headers(&direct.address, FIREFOX, spoofed);
    assert_eq!(browser.get("/metrics").await.status(), 200);
}
