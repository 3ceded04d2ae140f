//! A click on the map fills the coordinates of an activity.

use super::browser_app;
use crate::support::{Driver, unique};

#[tokio::test]
async fn a_click_on_the_map_fills_the_coordinates_of_an_activity() {
    let Some(driver) = Driver::start("map journey").await else {
        return;
    };
    let app = browser_app().await;
    let di = app.user(&unique("di")).insert();
    let plan = app.plan(&di).title("Map trip").lisbon_trip().insert().id;
    let chrome = driver.browser(&app, 1280).await;
    chrome.log_in(&di).await;
    chrome
        .goto(&format!("/plans/{plan}/activities/new?date=2026-07-02"))
        .await;
    // Leaflet (served from /static, offline) shows the picker; tiles do not matter.
    chrome
        .wait_until(
            "the map",
            "document.querySelector('#picker.leaflet-container') && !document.getElementById('picker').hidden",
        )
        .await;
    assert_eq!(
        chrome
            .find("#latitude")
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("")
    );
    chrome.find("#picker").await.click().await.unwrap();
    chrome
        .wait_until(
            "coordinates",
            "document.getElementById('latitude').value !== ''",
        )
        .await;
    let lat: f64 = chrome
        .find("#latitude")
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap()
        .parse()
        .unwrap();
    let lng: f64 = chrome
        .find("#longitude")
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap()
        .parse()
        .unwrap();
    // The picker opens on (20, 0) at zoom 2, and the click was in its middle.
    assert!(
        (lat - 20.0).abs() < 2.0 && lng.abs() < 2.0,
        "({lat}, {lng})"
    );
    chrome.fill("#title", "Somewhere").await;
    chrome
        .click_to_page(&format!(
            "form[action=\"/plans/{plan}/activities\"] button[type=submit]"
        ))
        .await;
    assert_eq!(
        app.activities_of(plan)
            .iter()
            .filter(|a| {
                let near = |stored: &Option<bigdecimal::BigDecimal>, typed: f64| {
                    stored.as_ref().is_some_and(|v| {
                        (v.to_string().parse::<f64>().unwrap() - typed).abs() < 0.000001
                    })
                };
                a.title == "Somewhere" && near(&a.latitude, lat) && near(&a.longitude, lng)
            })
            .count(),
        1
    );
    chrome.close().await;
}
