//! The activity form: every column and metadata field saved, each invalid field refused
//! beside it with nothing written, and lost updates answered with 409.

use diesel::dsl::max;
use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::json;
use wayfare::db::schema::plan_activities;
use wayfare::domain::ids::PlanId;

use crate::plans::{
    add_activity, autofocused, create_plan, field_error, field_value, form_version, traveller,
};
use crate::support::{assert_is_redirect_to, date, decimal, spawn_app, time};

/// A valid activity with every field filled.
fn full_form<'a>(overrides: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![
        ("title", "Sunset at Miradouro"),
        ("description", "Bring a jacket"),
        ("activity_type", "attraction"),
        ("location_name", "Miradouro da Graça"),
        ("address", "Largo da Graça, Lisbon"),
        ("latitude", "38.71627"),
        ("longitude", "-9.13089"),
        ("scheduled_date", "2026-07-02"),
        ("start_time", "19:45"),
        ("end_time", "21:00"),
        ("duration_minutes", "75"),
        ("estimated_cost", "12.5"),
        ("actual_cost", "9.99"),
        ("confirmation_number", "MG-1"),
        ("provider", "Local guide"),
        ("cancellation_policy", "24h"),
        ("phone", "+351 900 000 000"),
        ("website", "https://example.org/graca"),
        ("email", "guide@example.org"),
        ("rating", "4.45"),
        ("tags", " views, free ,, sunset "),
    ];
    for (name, value) in overrides {
        form.retain(|(k, _)| k != name);
        form.push((name, value));
    }
    form
}

#[tokio::test]
async fn every_field_of_an_activity_is_saved_and_shown_again() {
    let app = spawn_app().await;
    let t = traveller(&app, "ana").await;
    let plan = create_plan(&t.browser, &[]).await;
    let html = t
        .browser
        .get_html(&format!("/plans/{plan}/activities/new?date=2026-07-03"))
        .await;
    assert_eq!(
        field_value(&html, "scheduled_date").as_deref(),
        Some("2026-07-03")
    );
    let html = t
        .browser
        .get_html(&format!("/plans/{plan}/activities/new"))
        .await;
    assert_eq!(
        field_value(&html, "scheduled_date").as_deref(),
        Some("2026-07-01"),
        "the first day by default"
    );
    for (name, _) in full_form(&[]) {
        assert!(html.contains(&format!("name=\"{name}\"")), "{name}");
    }

    let response = t
        .browser
        .post_form(&format!("/plans/{plan}/activities"), &full_form(&[]))
        .await;
    let id: i32 = app
        .one::<Option<i32>, _>(plan_activities::table.select(max(plan_activities::id)))
        .unwrap();
    assert_is_redirect_to(&response, &format!("/plans/{plan}#activity-{id}"));
    let a = app.activity_row(id).unwrap();
    let text = |value: &str| Some(value.to_string());
    assert_eq!(
        (
            (a.plan_id, a.title.as_str()),
            (a.description, a.activity_type, a.location_name, a.address),
            (a.latitude, a.longitude),
            (
                a.scheduled_date,
                a.start_time,
                a.end_time,
                a.duration_minutes
            ),
            (a.estimated_cost, a.actual_cost),
            (a.order_index, a.is_completed),
        ),
        (
            (PlanId(plan), "Sunset at Miradouro"),
            (
                text("Bring a jacket"),
                text("attraction"),
                text("Miradouro da Graça"),
                text("Largo da Graça, Lisbon"),
            ),
            (Some(decimal("38.71627000")), Some(decimal("-9.13089000"))),
            (
                Some(date("2026-07-02")),
                Some(time("19:45")),
                Some(time("21:00")),
                Some(75),
            ),
            (Some(decimal("12.50")), Some(decimal("9.99"))),
            (Some(0), Some(false)),
        )
    );
    assert_eq!(
        a.metadata.unwrap(),
        json!({
            "booking_info": {"confirmation_number": "MG-1", "provider": "Local guide", "cancellation_policy": "24h"},
            "contact_info": {"phone": "+351 900 000 000", "website": "https://example.org/graca", "email": "guide@example.org"},
            "reviews": {"rating": 4.5},
            "tags": ["views", "free", "sunset"]
        }),
        "the seed's metadata shape"
    );

    // The edit form shows it all again, as typed (normalised).
    let edit = format!("/plans/{plan}/activities/{id}/edit");
    let html = t.browser.get_html(&edit).await;
    for (name, value) in [
        ("title", "Sunset at Miradouro"),
        ("latitude", "38.71627"),
        ("longitude", "-9.13089"),
        ("start_time", "19:45"),
        ("estimated_cost", "12.50"),
        ("rating", "4.5"),
        ("tags", "views, free, sunset"),
        ("website", "https://example.org/graca"),
    ] {
        assert_eq!(field_value(&html, name).as_deref(), Some(value), "{name}");
    }
    assert_eq!(
        field_value(&html, "activity_type").as_deref(),
        Some("attraction")
    );
    assert_eq!(
        field_value(&html, "description").as_deref(),
        Some("Bring a jacket")
    );

    // Metadata keys the form does not show survive an edit; cleared fields go away.
    // Top-level keys replaced or added, as jsonb's `||` does.
    let mut metadata = app.activity_row(id).unwrap().metadata.unwrap();
    let added = json!({"parking": true, "reviews": {"rating": 4.5, "source": "TripAdvisor"}});
    metadata
        .as_object_mut()
        .unwrap()
        .extend(added.as_object().unwrap().clone());
    app.exec(
        diesel::update(plan_activities::table.find(id)).set(plan_activities::metadata.eq(metadata)),
    );
    let version = form_version(&t.browser, &edit).await;
    let response = t
        .browser
        .post_form(
            &edit,
            &full_form(&[
                ("confirmation_number", ""),
                ("provider", ""),
                ("cancellation_policy", ""),
                ("phone", ""),
                ("rating", "5"),
                ("tags", ""),
                ("latitude", ""),
                ("longitude", ""),
                ("estimated_cost", ""),
                ("version", &version),
            ]),
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let a = app.activity_row(id).unwrap();
    assert_eq!(
        a.metadata.unwrap(),
        json!({
            "contact_info": {"website": "https://example.org/graca", "email": "guide@example.org"},
            "reviews": {"rating": 5.0, "source": "TripAdvisor"},
            "parking": true
        })
    );
    assert_eq!((a.latitude, a.estimated_cost), (None, None));

    // Only a title is needed; such an activity has no date and sits apart.
    let response = t
        .browser
        .post_form(
            &format!("/plans/{plan}/activities"),
            &[("title", "Buy souvenirs")],
        )
        .await;
    let souvenirs: i32 = app
        .one::<Option<i32>, _>(plan_activities::table.select(max(plan_activities::id)))
        .unwrap();
    assert_is_redirect_to(&response, &format!("/plans/{plan}#activity-{souvenirs}"));
    // Boundaries are accepted.
    add_activity(
        &t.browser,
        &app,
        plan,
        &full_form(&[
            ("latitude", "-90"),
            ("longitude", "180"),
            ("duration_minutes", "0"),
            ("estimated_cost", "99999999.99"),
            ("actual_cost", "0"),
            ("start_time", "00:00"),
            ("end_time", "23:59"),
            ("rating", "0"),
        ]),
    )
    .await;
}

/// (field, typed value, words of the error beside it).
const BAD_FIELDS: &[(&str, &str, &str)] = &[
    ("title", "", "Enter a title"),
    ("title", " \t ", "Enter a title"),
    ("activity_type", "spa", "Choose a type"),
    ("latitude", "90.000001", "between -90 and 90"),
    ("latitude", "-91", "between -90 and 90"),
    ("latitude", "abc", "latitude"),
    ("latitude", "1e2", "latitude"),
    ("latitude", "48.123456789", "latitude"),
    ("longitude", "180.5", "between -180 and 180"),
    ("longitude", "-181", "between -180 and 180"),
    ("longitude", "", "both latitude and longitude"),
    ("scheduled_date", "2026-02-29", "Enter a date like"),
    ("scheduled_date", "0000-00-00", "Enter a date like"),
    ("start_time", "25:00", "Enter a time like"),
    ("start_time", "9am", "Enter a time like"),
    ("end_time", "19:45", "end must differ from the start"),
    ("duration_minutes", "-5", "between 0 and 10080"),
    ("duration_minutes", "10081", "between 0 and 10080"),
    ("duration_minutes", "1.5", "whole minutes"),
    ("estimated_cost", "-0.01", "cannot be negative"),
    ("estimated_cost", "12.345,678", "two decimals"),
    ("estimated_cost", "100000000", "below 100,000,000"),
    ("actual_cost", "abc", "Enter an amount"),
    ("actual_cost", "-3", "cannot be negative"),
    ("website", "javascript:alert(1)", "starting with https://"),
    ("website", "example.org", "starting with https://"),
    ("rating", "6", "from 0 to 5"),
    ("rating", "-1", "from 0 to 5"),
    ("rating", "NaN", "from 0 to 5"),
];

#[tokio::test]
async fn each_invalid_activity_field_is_refused_beside_it_and_nothing_is_written() {
    let app = spawn_app().await;
    let t = traveller(&app, "ana").await;
    let plan = create_plan(&t.browser, &[]).await;
    let existing = add_activity(&t.browser, &app, plan, &full_form(&[("title", "Existing")])).await;
    let edit = format!("/plans/{plan}/activities/{existing}/edit");
    let version = form_version(&t.browser, &edit).await;
    let long = "x".repeat(201);
    let many_tags = (0..21)
        .map(|i| format!("t{i}"))
        .collect::<Vec<_>>()
        .join(",");
    let long_tag = "y".repeat(41);
    let mut cases: Vec<(&str, &str, &str)> = BAD_FIELDS.to_vec();
    cases.extend([
        ("title", long.as_str(), "At most 200"),
        ("location_name", long.as_str(), "At most 200"),
        ("confirmation_number", long.as_str(), "At most 200"),
        ("provider", long.as_str(), "At most 200"),
        ("phone", long.as_str(), "At most 200"),
        ("email", long.as_str(), "At most 200"),
        ("tags", many_tags.as_str(), "At most 20 tags"),
        ("tags", long_tag.as_str(), "At most 20 tags"),
    ]);
    for path in [format!("/plans/{plan}/activities"), edit.clone()] {
        for (field, value, message) in &cases {
            let before = app.snapshot();
            let mut form = full_form(&[(field, value)]);
            form.push(("version", &version));
            let response = t.browser.post_form(&path, &form).await;
            assert_eq!(
                response.status(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "{path}: {field}={value:?}"
            );
            let html = response.text().await.unwrap();
            let error = field_error(&html, field)
                .unwrap_or_else(|| panic!("{path}: no error beside {field} for {value:?}"));
            assert!(error.contains(message), "{field}={value:?}: {error}");
            assert_eq!(
                autofocused(&html),
                [*field],
                "the wrong field takes the focus"
            );
            if *field != "activity_type" {
                assert_eq!(
                    field_value(&html, field).as_deref(),
                    Some(*value),
                    "{field} kept"
                );
            }
            if *field != "location_name" {
                assert_eq!(
                    field_value(&html, "location_name").as_deref(),
                    Some("Miradouro da Graça"),
                    "the other fields are kept too"
                );
            }
            assert_eq!(
                app.snapshot(),
                before,
                "{path}: {field}={value:?} wrote something"
            );
        }
    }
    assert_eq!(app.activity_count(), 1);
    assert_eq!(
        app.activity_row(existing).map(|a| a.title).unwrap(),
        "Existing"
    );
}

#[tokio::test]
async fn of_several_wrong_fields_the_first_on_the_form_takes_the_focus() {
    let app = spawn_app().await;
    let t = traveller(&app, "ana").await;
    let plan = create_plan(&t.browser, &[]).await;
    let form = full_form(&[
        ("title", ""),
        ("estimated_cost", "lots"),
        ("website", "ftp://x"),
    ]);
    let response = t
        .browser
        .post_form(&format!("/plans/{plan}/activities"), &form)
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    for field in ["title", "estimated_cost", "website"] {
        assert!(
            field_error(&html, field).is_some(),
            "no error beside {field}"
        );
    }
    assert_eq!(autofocused(&html), ["title"]);
}

#[tokio::test]
async fn the_second_of_two_activity_edits_from_one_version_is_a_409_that_keeps_the_typing() {
    let app = spawn_app().await;
    let t = traveller(&app, "ana").await;
    let phone = app.signed_in(&t.user).await;
    let plan = create_plan(&t.browser, &[]).await;
    let id = add_activity(&t.browser, &app, plan, &full_form(&[])).await;
    let edit = format!("/plans/{plan}/activities/{id}/edit");
    let version = form_version(&t.browser, &edit).await;
    assert_eq!(form_version(&phone, &edit).await, version);

    let mut first = full_form(&[("title", "Laptop edit"), ("estimated_cost", "20")]);
    first.push(("version", &version));
    assert_eq!(
        t.browser.post_form(&edit, &first).await.status(),
        StatusCode::SEE_OTHER
    );

    let before = app.snapshot();
    let mut second = full_form(&[("title", "Phone edit"), ("location_name", "Alfama")]);
    second.push(("version", &version));
    let response = phone.post_form(&edit, &second).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let html = response.text().await.unwrap();
    assert_eq!(app.snapshot(), before);
    assert_eq!(field_value(&html, "title").as_deref(), Some("Phone edit"));
    assert_eq!(
        field_value(&html, "location_name").as_deref(),
        Some("Alfama")
    );
    let conflict = crate::plans::texts(&html, ".conflict").join(" ");
    assert!(conflict.contains("“Laptop edit”"), "{conflict}");
    assert!(conflict.contains("estimated €20.00"), "{conflict}");
    let newer = field_value(&html, "version").unwrap();
    assert_ne!(newer, version);

    // Ticking it off elsewhere is a change too.
    t.browser
        .post_form(&format!("/plans/{plan}/activities/{id}/toggle"), &[])
        .await;
    let mut again = full_form(&[("title", "Phone edit")]);
    again.push(("version", &newer));
    assert_eq!(
        phone.post_form(&edit, &again).await.status(),
        StatusCode::CONFLICT
    );
    let current = form_version(&phone, &edit).await;
    let mut again = full_form(&[("title", "Phone edit")]);
    again.push(("version", &current));
    assert_eq!(
        phone.post_form(&edit, &again).await.status(),
        StatusCode::SEE_OTHER
    );
    let a = app.activity_row(id).unwrap();
    assert_eq!(
        (a.title.as_str(), a.is_completed),
        ("Phone edit", Some(true)),
        "the edit does not undo the tick"
    );

    for bad in ["", "nope", "0"] {
        let before = app.snapshot();
        let mut form = full_form(&[("title", "Blind")]);
        form.push(("version", bad));
        assert_eq!(
            phone.post_form(&edit, &form).await.status(),
            StatusCode::CONFLICT,
            "{bad:?}"
        );
        assert_eq!(app.snapshot(), before);
    }
}
