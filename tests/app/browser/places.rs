//! The place suggestions with JavaScript: typing proposes the fake geocoder's places as an
//! ARIA listbox, the arrow keys and Enter choose one without saving the form, and the
//! chosen place fills the fields and is saved with the activity.

use super::OFFLINE_TILES;
use crate::support::{Driver, FakeGeocoder, spawn_app_with, unique};

#[tokio::test]
async fn typing_a_place_suggests_places_and_the_keyboard_chooses_one() {
    let Some(driver) = Driver::start("place suggestions").await else {
        return;
    };
    let fake = FakeGeocoder::start().await;
    let app = spawn_app_with(|env| {
        env.insert("TILE_URL".into(), OFFLINE_TILES.into());
        fake.env("nominatim", env);
    })
    .await;
    let kai = app.user(&unique("kai")).insert();
    let plan = app.plan(&kai).title("Kyoto trip").insert().id;
    let chrome = driver.browser(&app, 1280).await;
    chrome.log_in(&kai).await;
    chrome.goto(&format!("/plans/{plan}/activities/new")).await;
    chrome.fill("#title", "Temples").await;
    chrome.fill("#place_query", "kyoto").await;
    chrome
        .wait_until(
            "the suggestions",
            "document.querySelectorAll('#place-suggestions [role=option]').length === 2",
        )
        .await;
    let expanded = chrome
        .js("return document.getElementById('place_query').getAttribute('aria-expanded')")
        .await;
    assert_eq!(expanded, "true");
    let input = chrome.find("#place_query").await;
    // Arrow down twice (Kyoto Station), then Enter: chosen, the form not sent.
    input.send_keys("\u{E015}\u{E015}").await.unwrap();
    let active = chrome
        .js("return document.getElementById('place_query').getAttribute('aria-activedescendant')")
        .await;
    assert_eq!(active, "place-option-1");
    input.send_keys("\u{E007}").await.unwrap();
    chrome
        .wait_until(
            "the place filled in",
            "document.getElementById('location_name').value === 'Kyoto Station'",
        )
        .await;
    let value = |id: &str| format!("return document.getElementById('{id}').value");
    assert_eq!(chrome.js(&value("latitude")).await, "34.9858");
    assert_eq!(chrome.js(&value("longitude")).await, "135.7588");
    assert!(app.activities_of(plan).is_empty(), "Enter chose, not saved");
    assert_eq!(
        fake.queries(),
        ["kyoto"],
        "one request for the pause in typing"
    );

    chrome
        .click_to_page(&format!(
            "form[action=\"/plans/{plan}/activities\"] button[type=submit]:not([name]):not(.visually-hidden)"
        ))
        .await;
    let saved = app.activities_of(plan);
    assert_eq!(saved.len(), 1);
    assert_eq!(saved[0].location_name.as_deref(), Some("Kyoto Station"));
    assert_eq!(saved[0].title, "Temples");
    chrome.close().await;
}
