//! A traveller signs up, plans a trip, shares it, and another user copies it.

use serde_json::json;
use wayfare::models::user::User;

use super::{activity_id, browser_app, day, eventually};
use crate::support::{Driver, date, decimal, extract_link, unique};

#[tokio::test]
async fn a_traveller_signs_up_plans_a_trip_shares_it_and_another_user_copies_it() {
    let Some(driver) = Driver::start("traveller journey").await else {
        return;
    };
    let app = browser_app().await;
    let accounts = |keep: &dyn Fn(&User) -> bool| app.users().iter().filter(|u| keep(u)).count();
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
        accounts(&|u| u.username == name && u.is_verified == Some(false)),
        1
    );
    let mail = app.last_mail_to(&email);
    let link = extract_link(&app, &mail.body, "/verify-email/");
    chrome.goto(&link).await;
    assert_eq!(
        accounts(&|u| u.username == name && u.is_verified == Some(true)),
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
        app.plan_row(plan)
            .filter(|p| {
                p.title == "Lisbon in July"
                    && p.start_date == Some(date("2026-07-01"))
                    && p.end_date == Some(date("2026-07-03"))
                    && p.budget == Some(decimal("1000"))
                    && p.currency.as_deref() == Some("EUR")
            })
            .iter()
            .count(),
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
        app.activity_row(beach)
            .is_some_and(|a| a.is_completed == Some(true))
    })
    .await;
    assert_eq!(
        app.activities_of(plan)
            .iter()
            .filter(|a| a.is_completed == Some(true))
            .count(),
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
        app.plan_row(plan)
            .filter(|p| p.budget == Some(decimal("50")))
            .iter()
            .count(),
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
        app.plan_row(copy)
            .filter(|p| {
                p.user_id == bo.id
                    && p.title == "Lisbon in July"
                    && p.status == Some(wayfare::domain::PlanStatus::Draft)
                    && p.budget.is_none()
                    && p.share_token.is_none()
            })
            .iter()
            .count(),
        1
    );
    assert_eq!(
        app.activities_of(copy)
            .iter()
            .filter(|a| a.estimated_cost.is_none())
            .count(),
        3,
        "the activities, without the costs that were not shared"
    );
    assert!(stranger.visible_text().await.contains("Lisbon in July"));
    stranger.close().await;
}
