//! Signing in with Google through the provider's pages, against the fake provider.

use serde_json::json;

use super::OFFLINE_TILES;
use crate::support::{Driver, FakeProvider, spawn_app_with};

#[tokio::test]
async fn a_visitor_signs_in_with_google_through_the_providers_pages() {
    let Some(driver) = Driver::start("OAuth journey").await else {
        return;
    };
    let provider = FakeProvider::start().await;
    provider.profile(json!({
        "sub": "g-browser", "email": "eva@example.com", "email_verified": true,
        "given_name": "Eva", "family_name": "Lind", "name": "Eva Lind"
    }));
    let app = spawn_app_with(|env| {
        env.insert("TILE_URL".into(), OFFLINE_TILES.into());
        provider.env("GOOGLE", env);
    })
    .await;
    let chrome = driver.browser(&app, 1280).await;
    chrome.goto("/login").await;
    chrome.click_to_page("a[href=\"/auth/google/start\"]").await;
    assert_eq!(chrome.path().await, "/plans");
    assert!(
        chrome.exists("header a[href=\"/account\"]").await,
        "signed in"
    );
    assert_eq!(
        app.users()
            .iter()
            .filter(|u| {
                u.google_id.as_deref() == Some("g-browser")
                    && u.email == "eva@example.com"
                    && u.is_verified == Some(true)
            })
            .count(),
        1
    );
    assert_eq!(
        app.sessions()
            .iter()
            .filter(|s| s.is_active == Some(true))
            .count(),
        1
    );
    chrome.goto("/account").await;
    assert!(chrome.visible_text().await.contains("eva@example.com"));
    chrome.close().await;
}
