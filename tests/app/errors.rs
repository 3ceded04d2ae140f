use crate::support::{assert_security_headers, spawn_app};

#[tokio::test]
async fn the_landing_page_explains_the_product_with_every_header() {
    let app = spawn_app().await;
    let response = app.get("/").await;
    assert_eq!(response.status(), 200);
    assert_security_headers(response.headers());
    assert!(!response.headers().contains_key("strict-transport-security"));
    let html = response.text().await.unwrap();
    assert!(html.contains("Plan trips you will actually take"));
    assert!(html.contains("href=\"/signup\""));
    assert!(html.contains("/static/css/app.css?v="));
}

#[tokio::test]
async fn unknown_routes_get_the_404_page_in_the_layout() {
    let app = spawn_app().await;
    let response = app.get("/no/such/page").await;
    assert_eq!(response.status(), 404);
    assert_security_headers(response.headers());
    let html = response.text().await.unwrap();
    assert!(html.contains("Page not found"));
    assert!(html.contains("class=\"site-header\""), "shares the layout");
}

#[tokio::test]
async fn wrong_methods_get_the_405_page() {
    let app = spawn_app().await;
    // With a valid CSRF token: without one, any unsafe request is refused first (403).
    let token = app.csrf_token().await.unwrap();
    let response = app
        .client
        .delete(app.url("/"))
        .header("X-CSRF-Token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    assert_security_headers(response.headers());
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Method not allowed")
    );
    assert_eq!(app.post_form("/healthz", &[]).await.status(), 405);
    assert_eq!(
        app.client
            .delete(app.url("/"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
}

#[tokio::test]
async fn static_assets_are_cached_for_a_year_under_their_hash() {
    let app = spawn_app().await;
    let html = app.get_html("/").await;
    let start = html.find("/static/css/app.css?v=").unwrap();
    let url = &html[start..html[start..].find('"').unwrap() + start];
    let response = app.get(url).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/css");
    assert!(
        response.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    // Without the current hash the file is served but revalidated.
    let stale = app.get("/static/css/app.css?v=old").await;
    assert!(
        stale.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("must-revalidate")
    );
    assert_eq!(app.get("/static/../Cargo.toml").await.status(), 404);
    assert_eq!(app.get("/static/nope.css").await.status(), 404);
}

#[tokio::test]
async fn https_public_url_adds_hsts() {
    let app = crate::support::spawn_app_with(|env| {
        env.insert("PUBLIC_URL".into(), "https://trips.example.org".into());
        env.insert("SMTP_URL".into(), "smtp://127.0.0.1:1".into());
    })
    .await;
    let response = app.get("/").await;
    assert!(
        response.headers()["strict-transport-security"]
            .to_str()
            .unwrap()
            .contains("max-age=")
    );
}
