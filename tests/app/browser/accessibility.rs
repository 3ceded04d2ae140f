//! The main pages pass axe-core without a single violation, of any impact, in light and dark
//! mode, and fit a 375 px phone; screenshots of each.

use std::time::Duration;

use diesel::prelude::*;
use serde_json::json;
use wayfare::db::schema::{plan_activities, plans};
use wayfare::domain::PlanStatus;

use super::{browser_app, screenshot};
use crate::support::{Chrome, Driver, decimal, time, unique};

// ---------------------------------------------------------------- accessibility and phones

const AXE: &str = include_str!("../../vendor/axe-core/axe.min.js");

/// Runs axe-core on the page (every rule it runs by default, best practices included);
/// returns its violations of any impact, described.
async fn axe_violations(chrome: &Chrome) -> Vec<String> {
    let loaded = chrome.js("return typeof window.axe").await;
    if loaded != json!("object") {
        chrome.js(AXE).await;
    }
    let result = chrome
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, {resultTypes: ['violations']})
               .then(r => done(r.violations.map(v => ({
                 id: v.id, impact: v.impact, help: v.help,
                 nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' — ' + n.failureSummary)
               }))))
               .catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));",
            vec![],
        )
        .await
        .expect("axe did not run");
    result
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            format!(
                "{} ({}): {}\n    {}",
                v["id"].as_str().unwrap_or_default(),
                v["impact"].as_str().unwrap_or_default(),
                v["help"].as_str().unwrap_or_default(),
                v["nodes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|n| n.as_str().unwrap_or_default().replace('\n', " "))
                    .collect::<Vec<_>>()
                    .join("\n    ")
            )
        })
        .collect()
}

/// Elements wider than the viewport (a page that scrolls sideways on a phone).
async fn overflowing(chrome: &Chrome) -> Vec<String> {
    let found = chrome
        .js(
            "const w = document.documentElement.clientWidth;
             if (document.documentElement.scrollWidth <= w) return [];
             return [...document.querySelectorAll('body *')]
               .filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.right > w + 1; })
               .filter(e => !e.closest('.leaflet-container'))
               .slice(0, 10)
               .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
                         (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\\s+/).join('.') : '') +
                         ' right=' + Math.round(e.getBoundingClientRect().right));",
        )
        .await;
    found
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

/// The colour schemes every page is checked in.
const SCHEMES: [&str; 2] = ["light", "dark"];

/// Checks one page at both widths in both colour schemes: axe finds no violation, nothing
/// makes the page wider than a phone, and screenshots are saved (`-dark` for dark mode).
async fn check_page(chrome: &Chrome, name: &str, path: &str, problems: &mut Vec<String>) {
    check_visit(chrome, name, path, None, problems).await;
}

/// A form sent with bad input, from its submit button: the page that comes back with an
/// error beside each field.
struct BadInput<'a> {
    submit: &'a str,
    fields: &'a [(&'a str, &'a str)],
}

/// The same checks on `path`, or on what its form answers to `bad_input`.
async fn check_visit(
    chrome: &Chrome,
    name: &str,
    path: &str,
    bad_input: Option<&BadInput<'_>>,
    problems: &mut Vec<String>,
) {
    for scheme in SCHEMES {
        chrome.emulate_media("screen", scheme).await;
        for width in [1280, 375] {
            chrome.resize(width, 900).await;
            chrome.goto(path).await;
            chrome
                .wait_until("the page", "document.readyState === 'complete'")
                .await;
            if let Some(bad) = bad_input {
                for (css, value) in bad.fields {
                    chrome.set_value(css, value).await;
                }
                chrome.click_to_page(bad.submit).await;
                assert!(
                    chrome.exists(".field-error").await,
                    "{name}: no field errors"
                );
            }
            // The emulation holds across navigations; a page seen in the wrong scheme
            // would pass vacuously.
            let query = format!("matchMedia('(prefers-color-scheme: {scheme})').matches");
            assert_eq!(chrome.js(&format!("return {query}")).await, json!(true));
            // Maps draw after load.
            tokio::time::sleep(Duration::from_millis(200)).await;
            for violation in axe_violations(chrome).await {
                problems.push(format!(
                    "{name} ({path}) at {width} px, {scheme}: {violation}"
                ));
            }
            if width == 375 {
                for element in overflowing(chrome).await {
                    problems.push(format!("{name} ({path}) overflows 375 px: {element}"));
                }
            }
            let shot = match scheme {
                "dark" => format!("{name}-dark"),
                _ => name.to_string(),
            };
            screenshot(chrome, &shot, width).await;
        }
    }
}

#[tokio::test]
async fn the_main_pages_pass_axe_in_light_and_dark_mode_and_fit_a_375_px_phone() {
    let Some(driver) = Driver::start("accessibility").await else {
        return;
    };
    let app = browser_app().await;
    let fay = app.user(&unique("fay")).insert();
    let plan = app
        .plan(&fay)
        .title("Porto and the Douro valley by train")
        .lisbon_trip()
        .insert()
        .id;
    let castle = app
        .activity(plan)
        .title("São Jorge Castle")
        .date("2026-07-01")
        .cost("15.50")
        .next_in_order()
        .insert()
        .id;
    app.activity(plan)
        .title("Tram 28 across the old town")
        .date("2026-07-01")
        .cost("3")
        .next_in_order()
        .insert();
    app.activity(plan)
        .title("A long lunch at a very small tasca by the river")
        .date("2026-07-02")
        .cost("42")
        .next_in_order()
        .insert();
    app.exec(diesel::update(plan_activities::table.find(castle)).set((
        plan_activities::actual_cost.eq(decimal("20")),
        plan_activities::start_time.eq(time("10:00")),
        plan_activities::end_time.eq(time("12:30")),
        plan_activities::location_name.eq("Castelo de São Jorge"),
        plan_activities::latitude.eq(decimal("38.7139")),
        plan_activities::longitude.eq(decimal("-9.1335")),
        plan_activities::activity_type.eq("attraction"),
        plan_activities::is_completed.eq(true),
    )));
    let token = unique("sharetoken_");
    app.exec(diesel::update(plans::table.find(plan)).set((
        plans::share_token.eq(&token),
        plans::status.eq(PlanStatus::Published),
        plans::is_public.eq(true),
        plans::description.eq("Three days of tiles, trams and pastéis de nata."),
        plans::plan_data.eq(json!({
            "notes": "Pack sunscreen and comfortable shoes: the old town is all hills.",
            "accommodation": {"type": "hotel", "booking_details": {
                "name": "Casa do Fado", "confirmation_number": "CF-2231",
                "check_in": "2026-07-01", "check_out": "2026-07-03"}},
            "transportation": {"arrival": {"method": "flight",
                "details": {"carrier": "TAP", "number": "TP1351"}}},
            "external_bookings": {"flights": [{"provider": "TAP",
                "confirmation_number": "X7K2LM", "starts_at": "2026-07-01 09:40",
                "cost": "180.00"}]},
        })),
    )));
    let staff = app.user(&unique("sam")).staff().insert();

    let mut problems = Vec::new();
    let visitor = driver.browser(&app, 1280).await;
    for (name, path) in [
        ("landing", "/".to_string()),
        ("login", "/login".into()),
        ("signup", "/signup".into()),
        ("explore", "/explore".into()),
        ("explore-plan", format!("/explore/{plan}")),
        ("share", format!("/s/{token}")),
    ] {
        check_page(&visitor, name, &path, &mut problems).await;
    }
    let bad_signup = BadInput {
        submit: "form[action=\"/signup\"] button[type=submit]",
        fields: &[
            ("#email", "not an address"),
            ("#username", "x"),
            ("#password", "short"),
        ],
    };
    check_visit(
        &visitor,
        "signup-errors",
        "/signup",
        Some(&bad_signup),
        &mut problems,
    )
    .await;
    visitor.close().await;

    let traveller = driver.browser(&app, 1280).await;
    traveller.log_in(&fay).await;
    for (name, path) in [
        ("plans", "/plans".to_string()),
        ("new-plan", "/plans/new".into()),
        ("plan", format!("/plans/{plan}")),
        ("plan-form", format!("/plans/{plan}/edit")),
        ("activity-form", format!("/plans/{plan}/activities/new")),
        ("trip-details", format!("/plans/{plan}/details")),
        ("share-signed-in", format!("/s/{token}")),
        ("explore-signed-in", "/explore".into()),
        ("account", "/account".into()),
    ] {
        check_page(&traveller, name, &path, &mut problems).await;
    }
    let bad_activity = BadInput {
        submit: "form[action$=\"/activities\"] button[type=submit]:not([name])",
        fields: &[
            ("#title", ""),
            ("#latitude", "north"),
            ("#estimated_cost", "a lot"),
        ],
    };
    check_visit(
        &traveller,
        "activity-form-errors",
        &format!("/plans/{plan}/activities/new"),
        Some(&bad_activity),
        &mut problems,
    )
    .await;
    traveller.close().await;

    let staff_browser = driver.browser(&app, 1280).await;
    staff_browser.log_in(&staff).await;
    check_page(&staff_browser, "admin", "/admin", &mut problems).await;
    staff_browser.close().await;
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
