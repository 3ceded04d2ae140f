//! Copying a shared plan: a signed-in reader gets a private draft of exactly what the page
//! showed them (never the link, the sharing options, preferences, unknown keys or metadata
//! of unexpected shape); CSRF and sign-in are required; every other unsafe method on `/s/…`
//! answers 405 and changes nothing.

use diesel::prelude::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use wayfare::db::schema::plans;
use wayfare::domain::PlanStatus;

use super::*;
use crate::plans::{add_activity, plan_id_in};
use crate::support::{
    assert_is_login_redirect, assert_is_redirect_to, date, decimal, spawn_app, time,
};

/// A shared plan with costs and bookings in every place, and a reader.
async fn setup(
    app: &TestApp,
) -> (
    crate::plans::Traveller,
    i32,
    String,
    crate::plans::Traveller,
) {
    let (owner, plan, token) = shared_plan(app, "owner", &[("budget", "900.00")]).await;
    add_activity(
        &owner.browser,
        app,
        plan,
        &[
            ("title", "Boat trip"),
            ("description", "Bring a hat"),
            ("activity_type", "activity"),
            ("location_name", "Harbour"),
            ("latitude", "38.7"),
            ("longitude", "-9.14"),
            ("scheduled_date", "2026-07-02"),
            ("start_time", "10:00"),
            ("end_time", "12:00"),
            ("estimated_cost", "45.00"),
            ("actual_cost", "40.00"),
            ("confirmation_number", "BOAT-1"),
            ("phone", "+351 1"),
            ("rating", "4"),
            ("tags", "sea"),
        ],
    )
    .await;
    add_activity(
        &owner.browser,
        app,
        plan,
        &[("title", "Walk"), ("scheduled_date", "2026-07-02")],
    )
    .await;
    // Top-level keys replaced or added, as jsonb's `||` does.
    let mut data = app.plan_row(plan).unwrap().plan_data.unwrap();
    let added = json!({
        "notes": "Shared notes",
        "timezone": "Europe/Lisbon",
        "external_bookings": {"flights": [{"provider": "TAP", "confirmation_number": "TP-1", "cost": "300.00"}], "hotels": [], "activities": []},
        "accommodation": {"type": "hotel", "booking_details": {"confirmation_number": "HOTEL-1", "name": "Casa"}}
    });
    data.as_object_mut()
        .unwrap()
        .extend(added.as_object().unwrap().clone());
    app.exec(diesel::update(plans::table.find(plan)).set(plans::plan_data.eq(data)));
    let reader = traveller(app, "reader").await;
    (owner, plan, token, reader)
}

/// A plan's `plan_data`.
fn data_of(app: &TestApp, plan: i32) -> Value {
    app.plan_row(plan).unwrap().plan_data.unwrap()
}

#[tokio::test]
async fn a_copy_is_the_readers_private_draft_without_the_link_or_what_was_hidden() {
    let app = spawn_app().await;
    let (owner, plan, token, reader) = setup(&app).await;
    // Every column of the owner's plan.
    let source = || format!("{:?}", app.plan_row(plan).unwrap());
    let source_before = source();

    let page = reader.browser.get_html(&format!("/s/{token}")).await;
    assert!(page.contains(&format!("action=\"/s/{token}/copy\"")));
    let response = reader
        .browser
        .post_form(&format!("/s/{token}/copy"), &[])
        .await;
    let copy = plan_id_in(&response);
    let page = reader.browser.get_html(&format!("/plans/{copy}")).await;
    assert!(page.contains("The plan is copied into your plans as a draft."));
    let copied = app.plan_row(copy).unwrap();
    assert_eq!(
        (
            (
                copied.user_id,
                copied.title.as_str(),
                copied.destination.as_deref()
            ),
            (copied.start_date, copied.end_date),
            (copied.budget, copied.currency.as_deref()),
            (copied.status, copied.is_public, copied.share_token),
        ),
        (
            (reader.user.id, "Lisbon in July", Some("Lisbon, Portugal")),
            (Some(date("2026-07-01")), Some(date("2026-07-05"))),
            (None, Some("EUR")),
            (Some(PlanStatus::Draft), Some(false), None),
        )
    );
    let data = copied.plan_data.unwrap();
    assert_eq!(
        data.get("sharing"),
        None,
        "the owner's sharing options stay with the owner"
    );
    assert_eq!(data.get("external_bookings"), None);
    assert_eq!(data["notes"], "Shared notes");
    assert_eq!(data["timezone"], "Europe/Lisbon");
    assert_eq!(
        data["accommodation"]["booking_details"].get("confirmation_number"),
        None
    );
    let text = data.to_string();
    for hidden in ["TP-1", "HOTEL-1", "300.00", "BOAT-1", "+351 1"] {
        assert!(!text.contains(hidden), "{hidden} in {text}");
    }
    let mut activities = app.activities_of(copy);
    activities.sort_by_key(|a| (a.order_index.is_none(), a.order_index));
    let activities: Vec<_> = activities
        .into_iter()
        .map(|a| {
            (
                (a.title, a.description, a.location_name, a.latitude),
                (a.scheduled_date, a.start_time, a.end_time),
                (a.estimated_cost, a.actual_cost),
                (a.order_index, a.metadata),
            )
        })
        .collect();
    let text = |value: &str| Some(value.to_string());
    assert_eq!(
        activities,
        [
            (
                (
                    "Boat trip".to_string(),
                    text("Bring a hat"),
                    text("Harbour"),
                    Some(decimal("38.70000000")),
                ),
                (
                    Some(date("2026-07-02")),
                    Some(time("10:00")),
                    Some(time("12:00")),
                ),
                (None, None),
                (
                    Some(0),
                    Some(json!({"tags": ["sea"], "reviews": {"rating": 4.0}})),
                ),
            ),
            (
                ("Walk".to_string(), None, None, None),
                (Some(date("2026-07-02")), None, None),
                (None, None),
                (Some(1), Some(json!({}))),
            ),
        ]
    );
    // The reader owns it: it is listed, editable, and its own link is new.
    let list = reader.browser.get_html("/plans").await;
    assert!(list.contains(&format!("href=\"/plans/{copy}\"")));
    assert_eq!(source(), source_before, "the owner's plan is untouched");
    assert_eq!(
        owner.browser.get(&format!("/plans/{copy}")).await.status(),
        StatusCode::NOT_FOUND
    );

    // What the owner shares comes along.
    set_options(&app, &owner.browser, plan, true, true, "Owner").await;
    let response = reader
        .browser
        .post_form(&format!("/s/{token}/copy"), &[])
        .await;
    let copy = plan_id_in(&response);
    let data = data_of(&app, copy);
    assert_eq!(data.get("sharing"), None);
    assert_eq!(
        data["external_bookings"]["flights"][0]["confirmation_number"],
        "TP-1"
    );
    assert_eq!(data["external_bookings"]["flights"][0]["cost"], "300.00");
    assert_eq!(app.plan_row(copy).unwrap().budget, Some(decimal("900.00")));
    assert_eq!(
        app.activities_of(copy)
            .iter()
            .filter(|a| {
                let booking = a
                    .metadata
                    .as_ref()
                    .and_then(|m| m.pointer("/booking_info/confirmation_number"));
                a.estimated_cost == Some(decimal("45"))
                    && a.actual_cost == Some(decimal("40"))
                    && booking.and_then(Value::as_str) == Some("BOAT-1")
            })
            .count(),
        1
    );

    // Bookings shared, costs not: the bookings come without their prices.
    set_options(&app, &owner.browser, plan, false, true, "").await;
    let response = reader
        .browser
        .post_form(&format!("/s/{token}/copy"), &[])
        .await;
    let copy = plan_id_in(&response);
    let text = data_of(&app, copy).to_string();
    assert!(text.contains("TP-1"), "{text}");
    assert!(!text.contains("300.00"), "a hidden cost came along: {text}");
    assert!(
        app.activities_of(copy)
            .iter()
            .all(|a| a.estimated_cost.is_none() && a.actual_cost.is_none())
    );
    assert_eq!(app.plan_row(copy).unwrap().budget, None);
}

#[tokio::test]
async fn copying_needs_a_csrf_token_and_a_signed_in_reader() {
    let app = spawn_app().await;
    let (_owner, _plan, token, reader) = setup(&app).await;
    let path = format!("/s/{token}/copy");
    let before = app.snapshot();

    let response = reader
        .browser
        .post_raw(&path, &[], &[("Origin", &reader.browser.address)])
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN, "no token");
    let response = reader
        .browser
        .post_raw(
            &path,
            &[("csrf_token", "forged")],
            &[("Origin", &reader.browser.address)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN, "a wrong token");
    let token_value = reader.browser.csrf_token().await.unwrap();
    let response = reader
        .browser
        .post_raw(
            &path,
            &[("csrf_token", &token_value)],
            &[("Origin", "https://evil.example")],
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::FORBIDDEN,
        "another site's form"
    );
    assert_eq!(app.snapshot(), before);

    // Anonymous: sent to log in, and back to the shared page afterwards.
    let anonymous = app.new_browser();
    let response = anonymous.post_form(&path, &[]).await;
    assert_is_login_redirect(&response);
    assert_eq!(
        response.headers()["location"].to_str().unwrap(),
        format!("/login?next=%2Fs%2F{token}"),
        "back to the page, not to a URL that only takes POST"
    );
    assert_eq!(app.snapshot(), before);
    let response = anonymous
        .post_form(
            "/login",
            &[
                ("login", &reader.user.username),
                ("password", &reader.user.password),
                ("next", &format!("/s/{token}")),
            ],
        )
        .await;
    assert_is_redirect_to(&response, &format!("/s/{token}"));
}

#[tokio::test]
async fn every_unsafe_method_on_share_urls_but_copy_answers_405_and_changes_nothing() {
    let app = spawn_app().await;
    let (_owner, _plan, token, reader) = setup(&app).await;
    let before = app.snapshot();
    let csrf = reader.browser.csrf_token().await.unwrap();
    let anonymous = app.new_browser();
    let anonymous_csrf = anonymous.csrf_token().await.unwrap();
    for (browser, csrf) in [(&reader.browser, &csrf), (&anonymous, &anonymous_csrf)] {
        for path in [
            format!("/s/{token}"),
            format!("/s/{token}/calendar.ics"),
            format!("/s/{token}/copy"),
        ] {
            for method in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
                if method == Method::POST && path.ends_with("/copy") {
                    continue;
                }
                let response = browser
                    .client
                    .request(method.clone(), browser.url(&path))
                    .header("Origin", &browser.address)
                    .header("X-CSRF-Token", csrf.as_str())
                    .form(&[("csrf_token", csrf.as_str())])
                    .send()
                    .await
                    .unwrap();
                assert_eq!(
                    response.status(),
                    StatusCode::METHOD_NOT_ALLOWED,
                    "{method} {path}"
                );
                // Without a token, CSRF protection answers first; still nothing changes.
                let response = browser
                    .client
                    .request(method.clone(), browser.url(&path))
                    .send()
                    .await
                    .unwrap();
                assert!(
                    matches!(
                        response.status(),
                        StatusCode::FORBIDDEN | StatusCode::METHOD_NOT_ALLOWED
                    ),
                    "{method} {path}: {}",
                    response.status()
                );
            }
        }
        // GET on copy is not a way to copy.
        let response = browser.get(&format!("/s/{token}/copy")).await;
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    }
    assert_eq!(app.snapshot(), before);
}

#[tokio::test]
async fn a_copy_holds_exactly_what_the_shared_page_shows() {
    let app = spawn_app().await;
    let (owner, plan, token) = plan_with_everything(&app).await;
    let reader = traveller(&app, "reader").await;
    let page = reader.browser.get_html(&format!("/s/{token}")).await;
    let response = reader
        .browser
        .post_form(&format!("/s/{token}/copy"), &[])
        .await;
    let copy = plan_id_in(&response);
    let copied = copy_text(&app, copy);
    // Bookings not shared (the default): neither the page nor the copy has any of them.
    for hidden in BOOKING_DETAILS.iter().chain(PLAN_COSTS).chain(NEVER_SHARED) {
        assert!(!page.contains(hidden), "the page shows {hidden}");
        assert!(
            !copied.contains(hidden),
            "the copy holds {hidden}: {copied}"
        );
    }
    let data = data_of(&app, copy);
    assert_eq!(
        data,
        json!({"notes": "Visible notes 77", "timezone": "Europe/Lisbon"}),
        "only the sections the page shows"
    );
    let activities: Vec<_> = app
        .activities_by_day(copy)
        .into_iter()
        .map(|a| (a.title, a.metadata))
        .collect();
    assert_eq!(
        activities,
        [
            (
                "Hotel check-in".to_string(),
                Some(json!({"tags": ["visible-tag"], "reviews": {"rating": 4.0}}))
            ),
            ("Odd one".to_string(), Some(json!({}))),
        ]
    );
    for shown in [
        "Visible notes 77",
        "visible-tag",
        "Hotel check-in",
        "Odd one",
    ] {
        assert!(page.contains(shown), "the page hides {shown}");
    }

    // Bookings and costs shared: the page shows them and the copy holds them, by their
    // known fields only; what is never shared stays out.
    set_options(&app, &owner.browser, plan, true, true, "").await;
    let page = reader.browser.get_html(&format!("/s/{token}")).await;
    let response = reader
        .browser
        .post_form(&format!("/s/{token}/copy"), &[])
        .await;
    let copied = copy_text(&app, plan_id_in(&response));
    for shown in BOOKING_DETAILS.iter().chain(PLAN_COSTS) {
        assert!(page.contains(shown), "the page hides {shown}");
        assert!(copied.contains(shown), "the copy lacks {shown}");
    }
    for hidden in NEVER_SHARED {
        assert!(!page.contains(hidden), "the page shows {hidden}");
        assert!(
            !copied.contains(hidden),
            "the copy holds {hidden}: {copied}"
        );
    }
}
