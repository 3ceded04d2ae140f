//! Export and import: a round trip gives the same plan, a seed-style file's itinerary
//! becomes activities, and a bad file (anything the forms would refuse: dates outside
//! 1900–2200, over-long text, oversized data) gets the list of what is wrong and creates
//! nothing.

use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use wayfare::db::schema::plans;
use wayfare::domain::PlanStatus;

use super::*;
use crate::support::{activity_columns, date, decimal, spawn_app, time};

/// A plan with every column and every kind of activity, made through the forms.
async fn full_plan(app: &TestApp, t: &Traveller) -> i32 {
    let id = create_plan(&t.browser, &[("budget", "2000.10"), ("currency", "EUR")]).await;
    app.exec(
        diesel::update(plans::table.find(id)).set(plans::plan_data.eq(json!({
            "timezone": "Europe/Lisbon",
            "notes": "Ünïcødé notes, with \"quotes\"",
            "preferences": {"group_size": 2, "accessibility_needs": ["lift"]},
            "external_bookings": {"flights": [{"provider": "TAP", "cost": "99.90"}], "hotels": [], "activities": []},
            "mood": {"x": [1, 2.5, null]}
        }))),
    );
    add_activity(
        &t.browser,
        app,
        id,
        &[
            ("title", "Belém tower"),
            ("description", "Line 1\nLine 2"),
            ("activity_type", "attraction"),
            ("location_name", "Torre de Belém"),
            ("address", "Av. Brasília"),
            ("latitude", "38.69157"),
            ("longitude", "-9.21598"),
            ("scheduled_date", "2026-07-02"),
            ("start_time", "09:30"),
            ("end_time", "11:00"),
            ("duration_minutes", "90"),
            ("estimated_cost", "10.5"),
            ("actual_cost", "0.10"),
            ("confirmation_number", "BT-1"),
            ("provider", "GetYourGuide"),
            ("cancellation_policy", "free"),
            ("phone", "+351 21 362 0034"),
            ("website", "https://example.org/belem"),
            ("email", "tower@example.org"),
            ("rating", "4.5"),
            ("tags", "history, views"),
        ],
    )
    .await;
    add_activity(
        &t.browser,
        app,
        id,
        &[
            ("title", "Lunch"),
            ("scheduled_date", "2026-07-02"),
            ("estimated_cost", "0.20"),
        ],
    )
    .await;
    add_activity(
        &t.browser,
        app,
        id,
        &[
            ("title", "Fado night"),
            ("scheduled_date", "2026-07-04"),
            ("activity_type", "activity"),
        ],
    )
    .await;
    add_activity(&t.browser, app, id, &[("title", "Someday maybe")]).await;
    let done = add_activity(
        &t.browser,
        app,
        id,
        &[("title", "Done already"), ("scheduled_date", "2026-07-01")],
    )
    .await;
    t.browser
        .post_form(&format!("/plans/{id}/activities/{done}/toggle"), &[])
        .await;
    id
}

#[tokio::test]
async fn export_then_import_gives_an_identical_plan() {
    let app = spawn_app().await;
    let t = traveller(&app, "ana").await;
    let id = full_plan(&app, &t).await;

    let response = t.browser.get(&format!("/plans/{id}/export.json")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_eq!(
        response.headers()["content-disposition"],
        "attachment; filename=\"lisbon-in-july.json\""
    );
    let bytes = response.bytes().await.unwrap();
    let exported: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(exported["format"], "wayfare-plan");
    assert_eq!(exported["plan"]["budget"], "2000.10", "money as exact text");
    assert_eq!(exported["activities"].as_array().unwrap().len(), 5);
    assert!(!String::from_utf8_lossy(&bytes).contains("share_token"));

    let before = app.plan_count();
    let response = import_file(&t.browser, &bytes).await;
    let copy = plan_id_in(&response);
    assert_eq!(app.plan_count(), before + 1);
    let imported = app.plan_row(copy).unwrap();
    assert_eq!(
        (imported.user_id, imported.status, imported.is_public),
        (t.user.id, Some(PlanStatus::Draft), Some(false)),
        "an import is a private draft of the importer"
    );
    let page = t.browser.get_html(&format!("/plans/{copy}")).await;
    assert!(page.contains("The plan is imported as a draft."));

    let mut again = export(&t.browser, copy).await;
    let mut original = exported.clone();
    original["plan"]["status"] = json!("draft");
    assert_eq!(again, original, "the same plan, activities and plan_data");

    // And the rows themselves match column by column.
    let rows = |plan: i32| -> Vec<_> {
        app.activities_by_day(plan)
            .iter()
            .map(|a| (activity_columns(a), a.is_completed))
            .collect()
    };
    assert_eq!(rows(copy), rows(id));
    let plan = |plan: i32| {
        let p = app.plan_row(plan).unwrap();
        (
            (p.title, p.description, p.destination),
            (p.start_date, p.end_date),
            (p.budget, p.currency),
            p.plan_data,
        )
    };
    assert_eq!(plan(copy), plan(id));

    // Importing the same file twice makes two plans: nothing is matched or merged.
    again["plan"]["title"] = json!("Second import");
    let response = import_file(&t.browser, again.to_string().as_bytes()).await;
    plan_id_in(&response);
    assert_eq!(app.plan_count(), before + 2);
}

#[tokio::test]
async fn a_seed_style_file_with_an_itinerary_becomes_activities() {
    let app = spawn_app().await;
    let t = traveller(&app, "ana").await;
    // The seed design's plan_data example, itinerary and all.
    let seed = json!({
        "title": "Paris long weekend",
        "preferences": {"budget_type": "budget", "travel_style": "cultural", "group_size": 2, "accessibility_needs": []},
        "accommodation": {"type": "hotel", "booking_details": {}, "preferences": ["wifi", "breakfast"]},
        "transportation": {"arrival": {"method": "flight", "details": {}}, "local": {"methods": ["walking", "public_transport"]}},
        "itinerary": [
            {"day": 1, "date": "2025-09-01", "activities": [
                {"time": "09:00", "activity": "Museum visit", "location": "City Museum", "duration": 120, "cost": 15.00},
                {"time": "13:00", "activity": "Lunch", "location": "Café", "cost": "12.5"}
            ]},
            {"day": 2, "date": "2025-09-03", "activities": [
                {"activity": "Walk along the Seine"}
            ]}
        ],
        "notes": "Remember to book tickets in advance",
        "external_bookings": {"flights": [], "hotels": [], "activities": []},
        "unknown": {"kept": true}
    });
    let response = import_file(&t.browser, seed.to_string().as_bytes()).await;
    let id = plan_id_in(&response);
    let plan = app.plan_row(id).unwrap();
    assert_eq!(
        (
            plan.title.as_str(),
            plan.start_date,
            plan.end_date,
            plan.currency.as_deref(),
            plan.status,
        ),
        (
            "Paris long weekend",
            Some(date("2025-09-01")),
            Some(date("2025-09-03")),
            Some("USD"),
            Some(PlanStatus::Draft),
        ),
        "the dates come from the itinerary"
    );
    let activities: Vec<_> = app
        .activities_by_day(id)
        .into_iter()
        .map(|a| {
            (
                a.scheduled_date,
                a.order_index,
                a.title,
                a.location_name,
                a.start_time,
                a.duration_minutes,
                a.estimated_cost,
            )
        })
        .collect();
    let some = |text: &str| Some(text.to_string());
    assert_eq!(
        activities,
        [
            (
                Some(date("2025-09-01")),
                Some(0),
                "Museum visit".to_string(),
                some("City Museum"),
                Some(time("09:00")),
                Some(120),
                Some(decimal("15.00")),
            ),
            (
                Some(date("2025-09-01")),
                Some(1),
                "Lunch".to_string(),
                some("Café"),
                Some(time("13:00")),
                None,
                Some(decimal("12.50")),
            ),
            (
                Some(date("2025-09-03")),
                Some(0),
                "Walk along the Seine".to_string(),
                None,
                None,
                None,
                None,
            ),
        ]
    );
    let data: Value = plan.plan_data.unwrap();
    let mut expected = seed.clone();
    expected.as_object_mut().unwrap().remove("itinerary");
    expected.as_object_mut().unwrap().remove("title");
    assert_eq!(
        data, expected,
        "activities are the itinerary; everything else is kept"
    );

    // The plan page shows the activities day by day.
    let page = t.browser.get_html(&format!("/plans/{id}")).await;
    let days = texts(&page, "section.day h3");
    assert_eq!(
        days,
        vec![
            "Day 1 · Monday 1 September 2025",
            "Day 2 · Tuesday 2 September 2025",
            "Day 3 · Wednesday 3 September 2025"
        ]
    );
}

#[tokio::test]
async fn a_bad_file_gets_a_clear_error_and_creates_nothing() {
    let app = spawn_app().await;
    let t = traveller(&app, "ana").await;
    let export_with = |plan: Value, activities: Value| {
        json!({"format": "wayfare-plan", "version": 1, "plan": plan, "activities": activities})
            .to_string()
    };
    let too_many = export_with(
        json!({"title": "Big"}),
        Value::Array(
            (0..2001)
                .map(|i| json!({"title": format!("A{i}")}))
                .collect(),
        ),
    );
    let cases: Vec<(String, &str)> = vec![
        ("this is not json".into(), "not valid JSON"),
        ("[1, 2, 3]".into(), "must hold a JSON object"),
        ("\"a string\"".into(), "must hold a JSON object"),
        (export_with(json!({"title": ""}), json!([])), "Title: Enter a title"),
        (export_with(json!({"title": "x".repeat(201)}), json!([])), "Title: At most 200"),
        (export_with(json!({"title": "T", "destination": "d".repeat(101)}), json!([])), "Destination"),
        (export_with(json!({"title": "T", "budget": "-5"}), json!([])), "Budget"),
        (export_with(json!({"title": "T", "budget": "1.005"}), json!([])), "Budget"),
        (export_with(json!({"title": "T", "currency": "ABC"}), json!([])), "Currency"),
        (
            export_with(json!({"title": "T", "start_date": "2026-07-05", "end_date": "2026-07-01"}), json!([])),
            "End date: The trip cannot end before it starts.",
        ),
        (export_with(json!({"title": "T", "start_date": "0000-00-00"}), json!([])), "Start date: Enter a date like 2026-07-14."),
        (export_with(json!({"title": "T", "end_date": "2201-01-01"}), json!([])), "End date: Enter a date between the years 1900 and 2200."),
        (
            export_with(json!({"title": "T"}), json!([{"title": "Far", "scheduled_date": "+262142-12-31"}])),
            "Activity 1: Date: Enter a date between the years 1900 and 2200.",
        ),
        (
            export_with(json!({"title": "T"}), json!([{"title": "a".repeat(201)}])),
            "Activity 1: Title: At most 200 characters.",
        ),
        (
            export_with(json!({"title": "T"}), json!([{"title": "Call", "metadata": {"contact_info": {"phone": "1".repeat(201)}}}])),
            "Activity 1: Phone: At most 200 characters.",
        ),
        (
            export_with(json!({"title": "T"}), json!([{"title": "Big", "metadata": {"notes": "m".repeat(20_000)}}])),
            "Activity 1: Extra data: The extra data may be at most 16 KiB.",
        ),
        (
            export_with(json!({"title": "T"}), json!([{"title": "Odd", "metadata": {"tags": "not a list"}}])),
            "Activity 1: metadata: booking_info, contact_info, reviews and tags must have the shape",
        ),
        (
            export_with(json!({"title": "T", "plan_data": {"notes": "n".repeat(300 * 1024)}}), json!([])),
            "Plan data: The data may be at most 256 KiB.",
        ),
        (
            export_with(json!({"title": "T"}), json!([{"title": "Long", "duration_minutes": 10_081}])),
            "Activity 1: Duration: Enter whole minutes between 0 and 10080.",
        ),
        (json!({"itinerary": [{"date": "+262142-12-31", "activities": [{"activity": "x"}]}]}).to_string(), "Day 1: Enter a date between the years 1900 and 2200."),
        (json!({"title": "t".repeat(201)}).to_string(), "Title: At most 200 characters."),
        (export_with(json!({"title": "T", "plan_data": [1]}), json!([])), "plan_data must be a JSON object"),
        (export_with(json!({"title": "T"}), json!([{"title": ""}])), "Activity 1"),
        (export_with(json!({"title": "T"}), json!([{"title": "ok"}, {"title": "Lat", "latitude": "91"}])), "Activity 2"),
        (
            export_with(json!({"title": "T"}), json!([{"title": "Time", "start_time": "10:00:00", "end_time": "10:00:00"}])),
            "Activity 1: End time: The end must differ from the start (an earlier end is the next day).",
        ),
        (export_with(json!({"title": "T"}), json!([{"title": "Cost", "estimated_cost": "-1"}])), "Activity 1"),
        (export_with(json!({"title": "T"}), json!([{"title": "Type", "activity_type": "spa"}])), "Activity 1"),
        (export_with(json!({"title": "T"}), json!([{"title": "Meta", "metadata": "x"}])), "metadata must be a JSON object"),
        (json!({"format": "wayfare-plan", "version": 1}).to_string(), "not a Wayfare plan export"),
        (too_many, "at most 2000 activities"),
        (json!({"itinerary": "monday"}).to_string(), "itinerary must be a list"),
        (json!({"itinerary": [{"date": "2025-13-01", "activities": []}]}).to_string(), "Day 1"),
        (json!({"itinerary": [{"date": "2025-09-01", "activities": [{"time": "9am", "activity": "x"}]}]}).to_string(), "Day 1, activity 1"),
        (json!({"itinerary": [{"date": "2025-09-01", "activities": [{"location": "nameless"}]}]}).to_string(), "no name"),
        (json!({"itinerary": [{"date": "2025-09-01", "activities": [{"activity": "x", "cost": -3}]}]}).to_string(), "negative"),
    ];
    let before = app.snapshot();
    for (file, message) in &cases {
        let response = import_file(&t.browser, file.as_bytes()).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            &file[..file.len().min(80)]
        );
        let html = response.text().await.unwrap();
        let error = texts(&html, ".flash-error").join(" ");
        assert!(error.contains(message), "expected {message:?} in {error:?}");
        assert!(
            html.contains("enctype=\"multipart/form-data\""),
            "the form again"
        );
        assert_eq!(app.snapshot(), before, "{message}");
    }

    // Every problem of a file is listed at once.
    let many = export_with(
        json!({"title": "", "currency": "ABC"}),
        json!([{"title": "ok"}, {"title": "Far", "scheduled_date": "2201-07-01", "latitude": "91"}]),
    );
    let response = import_file(&t.browser, many.as_bytes()).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let items = texts(&response.text().await.unwrap(), ".flash-error li");
    assert_eq!(
        items,
        [
            "Title: Enter a title.",
            "Currency: Choose a currency from the list.",
            "Activity 2: Latitude: Enter a latitude between -90 and 90, like 48.8584.",
            "Activity 2: Date: Enter a date between the years 1900 and 2200.",
        ]
    );
    assert_eq!(app.snapshot(), before);

    // No file, or an empty one.
    let token = t.browser.csrf_token().await.unwrap();
    let response = post_file(&t.browser, "/plans/import", Some(&token), "empty.json", b"").await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Choose a file to import.")
    );
    let response = t.browser.post_form("/plans/import", &[]).await;
    assert!(response.status().is_client_error(), "{}", response.status());
    // Too big: refused before it is read whole.
    let huge = format!("{{\"notes\": \"{}\"}}", "n".repeat(1024 * 1024 + 10));
    let response = import_file(&t.browser, huge.as_bytes()).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // Without a CSRF token: 403.
    let response = post_file(&t.browser, "/plans/import", None, "plan.json", b"{}").await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.snapshot(), before);
    assert_eq!(app.plan_count(), 0);

    // A seed-style object without a usable title still imports, under a default title.
    let response = import_file(
        &t.browser,
        json!({"title": 42, "notes": "n"}).to_string().as_bytes(),
    )
    .await;
    let id = plan_id_in(&response);
    assert_eq!(app.plan_row(id).map(|p| p.title).unwrap(), "Imported plan");
}
