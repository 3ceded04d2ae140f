//! The maps: a click on the picker fills the coordinates of an activity; the plan's map is
//! one tab stop, its markers carry their day's colour and number, stay apart when they share
//! a place, and open popups that link to their cards (on the share page too).

use super::{activity_id, browser_app};
use serde_json::json;

use crate::support::{Chrome, Driver, unique};

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

#[tokio::test]
async fn the_plan_map_is_one_tab_stop_with_day_coloured_markers_that_link_to_their_cards() {
    let Some(driver) = Driver::start("plan map").await else {
        return;
    };
    let app = browser_app().await;
    let ed = app.user(&unique("ed")).insert();
    let token = unique("maptoken_");
    let plan = app
        .plan(&ed)
        .title("Map trip")
        .lisbon_trip()
        .share_token(&token)
        .insert()
        .id;
    let castle = "São Jorge Castle";
    app.activity(plan)
        .title(castle)
        .date("2026-07-01")
        .starts("10:00")
        .ends("12:30")
        .at("38.7139", "-9.1335")
        .next_in_order()
        .insert();
    // The castle's café is at the castle: its marker must not hide the castle's.
    app.activity(plan)
        .title("Castle café")
        .date("2026-07-01")
        .at("38.7139", "-9.1335")
        .next_in_order()
        .insert();
    app.activity(plan)
        .title("Belém Tower")
        .date("2026-07-02")
        .at("38.6916", "-9.2160")
        .next_in_order()
        .insert();
    let castle_id = activity_id(&app, plan.0, castle);

    let chrome = driver.browser(&app, 1280).await;
    chrome.log_in(&ed).await;
    chrome.goto(&format!("/plans/{plan}")).await;
    chrome
        .wait_until(
            "three markers",
            "document.querySelectorAll('#map .leaflet-marker-icon').length === 3",
        )
        .await;
    let map = chrome
        .js(
            "const map = document.getElementById('map');
             const stops = [...map.querySelectorAll('a[href], [tabindex]')].filter(e => e.tabIndex >= 0);
             const centre = t => { const r = document.querySelector(`#map [title=\"${t}\"]`).getBoundingClientRect();
                                   return [r.left + r.width / 2, r.top + r.height / 2]; };
             const [a, b] = [centre('1. São Jorge Castle'), centre('2. Castle café')];
             const fill = e => getComputedStyle(e).backgroundColor;
             const tower = document.querySelector('#map [title=\"3. Belém Tower\"]');
             const towerCard = [...document.querySelectorAll('li.activity')].find(li => li.textContent.includes('Belém Tower'));
             const castleMarker = document.querySelector('#map [title=\"1. São Jorge Castle\"]');
             return {
               container: map.tabIndex, name: map.getAttribute('aria-label') || '',
               stopsInside: stops.length,
               apart: Math.hypot(a[0] - b[0], a[1] - b[1]),
               towerSameColourAsCard: fill(tower) === fill(towerCard.querySelector('.number')),
               towerNumber: tower.textContent,
               daysDiffer: fill(tower) !== fill(castleMarker),
             };",
        )
        .await;
    assert_eq!(map["container"], 0, "{map}");
    assert!(!map["name"].as_str().unwrap().is_empty(), "{map}");
    assert_eq!(
        map["stopsInside"], 0,
        "markers and controls in the tab order: {map}"
    );
    assert!(map["apart"].as_f64().unwrap() >= 20.0, "{map}");
    assert_eq!(map["towerSameColourAsCard"], true, "{map}");
    assert_eq!(map["towerNumber"], "3", "{map}");
    assert_eq!(map["daysDiffer"], true, "{map}");

    let popup = popup_of_castle(&chrome).await;
    assert!(
        popup[0].as_str().unwrap().contains("10:00–12:30"),
        "{popup}"
    );
    assert_eq!(popup[1], format!("#activity-{castle_id}"), "{popup}");

    // The share page numbers its entries like its map, and the popups link to them.
    chrome.goto(&format!("/s/{token}")).await;
    chrome
        .wait_until(
            "three markers",
            "document.querySelectorAll('#map .leaflet-marker-icon').length === 3",
        )
        .await;
    assert_eq!(
        chrome
            .js("return [...document.querySelectorAll('li.activity .number')].map(n => n.textContent)")
            .await,
        json!(["1", "2", "3"])
    );
    let popup = popup_of_castle(&chrome).await;
    assert_eq!(
        popup[1], "#stop-1",
        "by number: the share page shows no ids: {popup}"
    );
    chrome.close().await;
}

/// Clicks the castle's marker; its popup's text and its link's target.
async fn popup_of_castle(chrome: &Chrome) -> serde_json::Value {
    chrome
        .find("#map [title=\"1. São Jorge Castle\"]")
        .await
        .click()
        .await
        .unwrap();
    chrome
        .wait_until(
            "the popup",
            "!!document.querySelector('.leaflet-popup-content a')",
        )
        .await;
    chrome
        .js("const p = document.querySelector('.leaflet-popup-content');
             return [p.textContent, p.querySelector('a').getAttribute('href')];")
        .await
}
