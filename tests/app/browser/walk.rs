//! The plan page walked at 375 and 1280 px, with and without the pages' scripts: the
//! itinerary comes first with its days and times in order, the map and the budget are a
//! link away, and without scripts the plain forms add, move and delete activities.

use serde_json::json;

use super::{activity_id, browser_app, day, screenshot};
use crate::support::{Chrome, Driver, TestApp, unique};

/// What the page shows, checked the same way with and without scripts.
async fn check_layout(chrome: &Chrome, plan: i32, width: u32) {
    chrome.resize(width, 900).await;
    chrome.goto(&format!("/plans/{plan}")).await;
    let page = chrome
        .js(
            "const top = s => document.querySelector(s).getBoundingClientRect().top + scrollY;
             const precedes = (a, b) => !!(document.querySelector(a)
               .compareDocumentPosition(document.querySelector(b)) & Node.DOCUMENT_POSITION_FOLLOWING);
             return {
               itineraryBeforeMap: precedes('#itinerary', '#map-section'),
               itineraryBeforeBudget: precedes('#itinerary', '#budget') && top('#itinerary') < top('#budget'),
               days: [...document.querySelectorAll('#itinerary section.day[id^=day-]')].map(d => d.id),
               firstDay: [...document.querySelectorAll('#day-2026-07-01 li.activity strong')].map(e => e.textContent),
               jumps: ['#map-section', '#budget'].every(t => document.querySelector(`a[href=\"${t}\"]`) && document.querySelector(t)),
               mapShown: !document.getElementById('map').hidden,
             };",
        )
        .await;
    assert_eq!(page["itineraryBeforeMap"], true, "{width} px: {page}");
    assert_eq!(page["itineraryBeforeBudget"], true, "{width} px: {page}");
    assert_eq!(
        page["days"],
        json!(["day-2026-07-01", "day-2026-07-02", "day-2026-07-03"]),
        "{width} px"
    );
    assert_eq!(
        page["firstDay"],
        json!(["Breakfast", "Castle", "Fado"]),
        "{width} px: timed activities follow the clock"
    );
    assert_eq!(page["jumps"], true, "{width} px: {page}");
}

fn lisbon_plan(app: &TestApp, owner: &crate::support::TestUser) -> i32 {
    let plan = app.plan(owner).title("Walk trip").lisbon_trip().insert().id;
    // Added out of time order: the page shows them by the clock.
    for (title, starts) in [
        ("Fado", "21:00"),
        ("Breakfast", "08:00"),
        ("Castle", "13:00"),
    ] {
        app.activity(plan)
            .title(title)
            .date("2026-07-01")
            .starts(starts)
            .at("38.7139", "-9.1335")
            .cost("10")
            .next_in_order()
            .insert();
    }
    app.activity(plan)
        .title("Beach")
        .date("2026-07-02")
        .cost("5")
        .next_in_order()
        .insert();
    plan.0
}

#[tokio::test]
async fn the_plan_page_works_at_both_widths_with_and_without_scripts() {
    let Some(driver) = Driver::start("plan page walk").await else {
        return;
    };
    let app = browser_app().await;
    let ida = app.user(&unique("ida")).insert();
    let plan = lisbon_plan(&app, &ida);

    let chrome = driver.browser(&app, 1280).await;
    chrome.log_in(&ida).await;
    for width in [375, 1280] {
        check_layout(&chrome, plan, width).await;
        chrome
            .wait_until("the map", "!document.getElementById('map').hidden")
            .await;
        screenshot(&chrome, "plan-js-on", width).await;
    }
    chrome.close().await;

    let chrome = driver.browser_without_scripts(&app, 1280).await;
    chrome.log_in(&ida).await;
    for width in [375, 1280] {
        check_layout(&chrome, plan, width).await;
        // The map needs scripts: without them it stays hidden, and the list is the page.
        assert_eq!(
            chrome
                .js("return document.getElementById('map').hidden")
                .await,
            json!(true),
            "scripts ran"
        );
        screenshot(&chrome, "plan-js-off", width).await;
    }

    // Add, move and delete with the plain forms (at 1280 px, where the loop ended).
    chrome
        .click_to_page(&format!(
            "a[href=\"/plans/{plan}/activities/new?date=2026-07-02\"]"
        ))
        .await;
    chrome.fill("#title", "Tile museum").await;
    chrome
        .click_to_page(&format!(
            "form[action=\"/plans/{plan}/activities\"] button[type=submit]"
        ))
        .await;
    assert_eq!(chrome.path().await, format!("/plans/{plan}"));
    assert_eq!(day(&app, plan, "2026-07-02"), ["Beach", "Tile museum"]);

    let museum = activity_id(&app, plan, "Tile museum");
    chrome
        .find(&format!("#activity-{museum} details summary"))
        .await
        .click()
        .await
        .unwrap();
    chrome
        .select(
            &format!("#activity-{museum} form.move-day select"),
            "2026-07-03",
        )
        .await;
    chrome
        .click_to_page(&format!(
            "#activity-{museum} form.move-day button[value=day]"
        ))
        .await;
    assert_eq!(day(&app, plan, "2026-07-02"), ["Beach"]);
    assert_eq!(day(&app, plan, "2026-07-03"), ["Tile museum"]);
    assert!(
        chrome
            .exists(&format!("#day-2026-07-03 #activity-{museum}"))
            .await
    );

    let beach = activity_id(&app, plan, "Beach");
    chrome
        .find(&format!("#activity-{beach} details summary"))
        .await
        .click()
        .await
        .unwrap();
    chrome
        .click_to_page(&format!(
            "form[action=\"/plans/{plan}/activities/{beach}/delete\"] button[type=submit]"
        ))
        .await;
    assert!(day(&app, plan, "2026-07-02").is_empty());
    assert!(!chrome.exists(&format!("#activity-{beach}")).await);
    screenshot(&chrome, "plan-js-off-after", 1280).await;
    chrome.close().await;
}
