//! A traveller signs up, plans a trip, shares it, and another user copies it.

use diesel::sql_query;
use diesel::sql_types::{Integer, Text};
use serde_json::json;

use super::{activity_id, browser_app, day, eventually};
use crate::support::{Driver, extract_link, unique};

#[tokio::test]
async fn a_traveller_signs_up_plans_a_trip_shares_it_and_another_user_copies_it() {
    let Some(driver) = Driver::start("traveller journey").await else {
        return;
    };
    let app = browser_app().await;
    let chrome = driver.browser(&app, 1280).await;

    // Sign up, then confirm the address from the mail.
    let name = unique("ana");
    let email = format!("{name}@example.com");
    chrome.goto("/").await;
    chrome.click_to_page("header a[href=\"/signup\"]").await;
    chrome.fill("#email", &email).await;
    chrome.fill("#username", &name).await;
    chrome.fill("#password", crate::support::PASSWORD).await;
    chrome
        .fill("#password_confirm", crate::support::PASSWORD)
        .await;
    chrome
        .click_to_page("form[action=\"/signup\"] button[type=submit]")
        .await;
    assert_eq!(chrome.path().await, crate::support::HOME);
    assert_eq!(
        app.count(
            sql_query("SELECT count(*) FROM users WHERE username = $1 AND NOT is_verified")
                .bind::<Text, _>(&name)
        ),
        1
    );
    let mail = app.last_mail_to(&email);
    let link = extract_link(&app, &mail.body, "/verify-email/");
    chrome.goto(&link).await;
    assert_eq!(
        app.count(
            sql_query("SELECT count(*) FROM users WHERE username = $1 AND is_verified")
                .bind::<Text, _>(&name)
        ),
        1,
        "the link confirmed the address:\n{}",
        chrome.visible_text().await
    );

    // A plan with dates.
    chrome.goto("/plans").await;
    chrome.click_to_page("a[href=\"/plans/new\"]").await;
    chrome.fill("#title", "Lisbon in July").await;
    chrome.fill("#destination", "Lisbon").await;
    chrome.set_value("#start_date", "2026-07-01").await;
    chrome.set_value("#end_date", "2026-07-03").await;
    chrome.fill("#budget", "1000").await;
    chrome.select("#currency", "EUR").await;
    chrome
        .click_to_page("form[action=\"/plans\"] button[type=submit]")
        .await;
    let path = chrome.path().await;
    let plan: i32 = path
        .strip_prefix("/plans/")
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("not on a plan page: {path}"));
    assert_eq!(
        app.count(sql_query("SELECT count(*) FROM plans WHERE id = $1 AND title = 'Lisbon in July' AND start_date = DATE '2026-07-01' \
             AND end_date = DATE '2026-07-03' AND budget = 1000 AND currency = 'EUR'")
.bind::<Integer, _>(plan)),
        1
    );

    // Activities on two days, from each day's "+ Add".
    for (title, date, cost) in [
        ("Castle", "2026-07-01", "40"),
        ("Museum", "2026-07-01", "25"),
        ("Beach", "2026-07-02", "10"),
    ] {
        chrome
            .click_to_page(&format!(
                "a[href=\"/plans/{plan}/activities/new?date={date}\"]"
            ))
            .await;
        chrome.fill("#title", title).await;
        chrome.fill("#estimated_cost", cost).await;
        chrome
            .click_to_page(&format!(
                "form[action=\"/plans/{plan}/activities\"] button[type=submit]"
            ))
            .await;
        assert_eq!(chrome.path().await, format!("/plans/{plan}"));
        assert!(chrome.exists(&format!("#day-{date} li.activity")).await);
    }
    assert_eq!(day(&app, plan, "2026-07-01"), ["Castle", "Museum"]);
    assert_eq!(day(&app, plan, "2026-07-02"), ["Beach"]);
    let (castle, museum, beach) = (
        activity_id(&app, plan, "Castle"),
        activity_id(&app, plan, "Museum"),
        activity_id(&app, plan, "Beach"),
    );

    // Move the museum to day 2 with the plain form, then up before the beach.
    chrome
        .find(&format!("#activity-{museum} details summary"))
        .await
        .click()
        .await
        .unwrap();
    chrome
        .select(
            &format!("#activity-{museum} form.move-day select"),
            "2026-07-02",
        )
        .await;
    chrome
        .click_to_page(&format!(
            "#activity-{museum} form.move-day button[value=day]"
        ))
        .await;
    assert_eq!(day(&app, plan, "2026-07-02"), ["Beach", "Museum"]);
    chrome
        .find(&format!("#activity-{museum} details summary"))
        .await
        .click()
        .await
        .unwrap();
    chrome
        .click_to_page(&format!("#activity-{museum} button[value=up]"))
        .await;
    assert_eq!(day(&app, plan, "2026-07-02"), ["Museum", "Beach"]);
    assert_eq!(
        chrome
            .js("return [...document.querySelectorAll('#day-2026-07-02 li.activity strong')].map(e => e.textContent)")
            .await,
        json!(["Museum", "Beach"])
    );

    // Drag the castle to the top of day 2 (the script's drag and drop, with DOM events).
    chrome.mark_page().await;
    chrome
        .js_with(
            "const src = document.getElementById('activity-' + arguments[0]);
             const list = document.querySelector('ol.activities[data-date=\"' + arguments[1] + '\"]');
             const dt = new DataTransfer();
             src.dispatchEvent(new DragEvent('dragstart', {bubbles: true, dataTransfer: dt}));
             const top = list.querySelector('li.activity').getBoundingClientRect().top + 2;
             list.dispatchEvent(new DragEvent('dragover', {bubbles: true, cancelable: true, dataTransfer: dt, clientY: top}));
             list.dispatchEvent(new DragEvent('drop', {bubbles: true, cancelable: true, dataTransfer: dt, clientY: top}));
             src.dispatchEvent(new DragEvent('dragend', {bubbles: true, dataTransfer: dt}));",
            vec![json!(castle), json!("2026-07-02")],
        )
        .await;
    chrome.wait_for_new_page().await;
    assert_eq!(day(&app, plan, "2026-07-02"), ["Castle", "Museum", "Beach"]);
    assert!(day(&app, plan, "2026-07-01").is_empty());
    assert_eq!(
        chrome
            .js("return [...document.querySelectorAll('#day-2026-07-02 li.activity strong')].map(e => e.textContent)")
            .await,
        json!(["Castle", "Museum", "Beach"])
    );

    // Tick the beach off: in place, by script.
    chrome
        .find(&format!("#activity-{beach} form.toggle-form button"))
        .await
        .click()
        .await
        .unwrap();
    chrome
        .wait_until(
            "the tick",
            &format!("document.getElementById('activity-{beach}').classList.contains('done')"),
        )
        .await;
    eventually("the tick to be saved", || {
        app.count(
            sql_query("SELECT count(*) FROM plan_activities WHERE id = $1 AND is_completed")
                .bind::<Integer, _>(beach),
        ) == 1
    })
    .await;
    assert_eq!(
        app.count(
            sql_query("SELECT count(*) FROM plan_activities WHERE plan_id = $1 AND is_completed")
                .bind::<Integer, _>(plan)
        ),
        1
    );

    // A smaller budget: the figures and the chart show the overspend.
    let figures_before = chrome.find(".budget-figures").await.text().await.unwrap();
    assert!(!chrome.exists(".budget-figures .over").await);
    assert!(!chrome.exists("svg.chart .chart-label.over").await);
    chrome
        .click_to_page(&format!("a[href=\"/plans/{plan}/edit\"]"))
        .await;
    chrome.fill("#budget", "50").await;
    chrome
        .click_to_page(&format!(
            "form[action=\"/plans/{plan}/edit\"] button[type=submit]"
        ))
        .await;
    let figures_after = chrome.find(".budget-figures").await.text().await.unwrap();
    assert_ne!(figures_before, figures_after);
    assert!(figures_after.contains("50"), "{figures_after}");
    assert!(
        chrome.exists(".budget-figures .over").await,
        "estimated over budget"
    );
    assert!(
        chrome.exists("svg.chart .chart-label.over").await,
        "the day over its share is marked in the chart"
    );
    assert_eq!(
        app.count(
            sql_query("SELECT count(*) FROM plans WHERE id = $1 AND budget = 50")
                .bind::<Integer, _>(plan)
        ),
        1
    );

    // Share: "People with the link" in the one choice of who can find the plan.
    chrome
        .find("input[name=visibility][value=link]")
        .await
        .click()
        .await
        .unwrap();
    chrome
        .click_to_page(&format!(
            "form[action=\"/plans/{plan}/share/visibility\"] button[type=submit]"
        ))
        .await;
    let link = chrome
        .find("input.share-link")
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap();
    let token = app
        .plan_row(plan)
        .and_then(|p| p.share_token)
        .expect("a share token");
    assert!(link.ends_with(&format!("/s/{token}")), "{link}");
    chrome.close().await;

    // Someone else, signed out, in a fresh profile: the plan without costs.
    let stranger = driver.browser(&app, 1280).await;
    stranger.goto(&link).await;
    let text = stranger.visible_text().await;
    assert!(text.contains("Lisbon in July"), "{text}");
    for title in ["Castle", "Museum", "Beach"] {
        assert!(text.contains(title), "{title} missing:\n{text}");
    }
    assert!(!stranger.exists(".budget").await, "no budget section");
    for cost in ["Estimated", "40.00", "Budget", "1000"] {
        assert!(
            !text.contains(cost),
            "the shared page shows {cost}:\n{text}"
        );
    }

    // They log in from the share page and copy the plan.
    let bo = app.user(&unique("bo")).insert();
    stranger
        .click_to_page(&format!("a[href=\"/login?next=/s/{token}\"]"))
        .await;
    stranger.fill("#login", &bo.username).await;
    stranger.fill("#password", &bo.password).await;
    stranger
        .click_to_page("form[action=\"/login\"] button[type=submit]")
        .await;
    assert_eq!(stranger.path().await, format!("/s/{token}"));
    stranger
        .click_to_page(&format!(
            "form[action=\"/s/{token}/copy\"] button[type=submit]"
        ))
        .await;
    let path = stranger.path().await;
    let Some(copy) = path
        .strip_prefix("/plans/")
        .and_then(|id| id.parse::<i32>().ok())
    else {
        panic!("not on the copy: {path}\n{}", stranger.visible_text().await);
    };
    assert_ne!(copy, plan);
    assert_eq!(
        app.count(sql_query("SELECT count(*) FROM plans WHERE id = $1 AND user_id = $2 AND title = 'Lisbon in July' \
             AND status = 'draft' AND budget IS NULL AND share_token IS NULL")
.bind::<Integer, _>(copy)
.bind::<Integer, _>(bo.id)),
        1
    );
    assert_eq!(
        app.count(
            sql_query(
                "SELECT count(*) FROM plan_activities WHERE plan_id = $1 AND estimated_cost IS NULL"
            )
            .bind::<Integer, _>(copy)
        ),
        3,
        "the activities, without the costs that were not shared"
    );
    assert!(stranger.visible_text().await.contains("Lisbon in July"));
    stranger.close().await;
}
