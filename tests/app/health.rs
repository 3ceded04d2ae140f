use std::time::{Duration, Instant};

use crate::support::{DbProxy, TestDatabase, spawn_app, spawn_app_with};

#[tokio::test]
async fn healthz_and_readyz_answer_when_the_database_is_up() {
    let app = spawn_app().await;
    let live = app.get("/healthz").await;
    assert_eq!(live.status(), 200);
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 200);
    assert_eq!(ready.text().await.unwrap(), "ready\n");
}

#[tokio::test]
async fn an_outage_answers_503_and_the_app_recovers_by_itself() {
    // The app reaches its database through a proxy the test can cut.
    let db = TestDatabase::create();
    let (host, port) = db.host_port();
    let proxy = DbProxy::start(host, port).await;
    let mut proxied = url::Url::parse(&db.url).unwrap();
    proxied.set_port(Some(proxy.port)).unwrap();
    let proxied = proxied.to_string();
    let app = spawn_app_with(|env| {
        env.insert("DATABASE_URL".into(), proxied);
        env.insert("DATABASE_TIMEOUT_SECS".into(), "1".into());
    })
    .await;
    assert_eq!(app.get("/readyz").await.status(), 200);

    proxy.cut();
    for _ in 0..3 {
        let down = app.get("/readyz").await;
        assert_eq!(down.status(), 503);
        assert!(down.headers().contains_key("retry-after"));
        let html = down.text().await.unwrap();
        assert!(html.contains("Temporarily unavailable"), "{html}");
    }
    // Pages that need no database keep working.
    assert_eq!(app.get("/").await.status(), 200);
    assert_eq!(app.get("/healthz").await.status(), 200);

    proxy.restore();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let status = app.get("/readyz").await.status();
        if status == 200 {
            break;
        }
        assert_eq!(status, 503, "only 503 while recovering");
        assert!(
            Instant::now() < deadline,
            "the app did not recover within 10 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    drop(db);
}
