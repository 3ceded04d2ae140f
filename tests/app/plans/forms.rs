//! The plan form: every field saved as typed, each invalid field refused beside it with
//! the input kept and nothing written, on create and on edit.

use reqwest::StatusCode;
use serde_json::json;
use wayfare::domain::PlanStatus;

use super::*;
use crate::support::{date, decimal, spawn_app};

#[tokio::test]
async fn the_new_plan_form_offers_every_column_and_saves_them_all() {
    let app = spawn_app().await;
    let t = traveller(&app, "ana").await;
    let html = t.browser.get_html("/plans/new").await;
    for field in [
        "title",
        "description",
        "destination",
        "start_date",
        "end_date",
        "budget",
        "currency",
        "csrf_token",
    ] {
        assert!(html.contains(&format!("name=\"{field}\"")), "{field}");
    }
    // Who can find the plan is one choice on the plan page, not two switches here.
    for field in ["status", "is_public", "visibility"] {
        assert!(!html.contains(&format!("name=\"{field}\"")), "{field}");
    }
    assert_eq!(field_value(&html, "currency").as_deref(), Some("USD"));
    assert!(html.contains("<option value=\"JPY\""), "ISO 4217 codes");

    let title = "T".repeat(200);
    let destination = "D".repeat(100);
    let id = create_plan(
        &t.browser,
        &[
            ("title", &title),
            ("destination", &destination),
            ("budget", " 99999999.99 "),
            ("currency", "jpy"),
            // Fields the form no longer has change nothing.
            ("status", "published"),
            ("is_public", "on"),
        ],
    )
    .await;
    let plan = app.plan_row(id).unwrap();
    assert_eq!(
        (
            plan.user_id,
            plan.title.as_str(),
            plan.description.as_deref(),
            plan.destination.as_deref(),
            (plan.start_date, plan.end_date),
            plan.budget,
            plan.currency.as_deref(),
            plan.status,
            plan.is_public,
            plan.share_token.is_some(),
            plan.plan_data,
        ),
        (
            t.user.id,
            title.as_str(),
            Some("Tiles, trams and custard tarts."),
            Some(destination.as_str()),
            (Some(date("2026-07-01")), Some(date("2026-07-05"))),
            Some(decimal("99999999.99")),
            Some("JPY"),
            Some(PlanStatus::Draft),
            Some(false),
            false,
            Some(json!({})),
        ),
        "a new plan is a private draft without a link"
    );

    // Optional fields may stay blank: they are NULL, and the defaults apply.
    let id = create_plan(
        &t.browser,
        &[
            ("description", ""),
            ("destination", " "),
            ("start_date", ""),
            ("end_date", ""),
            ("budget", ""),
            ("currency", ""),
        ],
    )
    .await;
    let plan = app.plan_row(id).unwrap();
    assert_eq!(
        (
            plan.description,
            plan.destination,
            plan.start_date,
            plan.budget,
            plan.currency.as_deref(),
            plan.status,
            plan.is_public,
            plan.share_token,
        ),
        (
            None,
            None,
            None,
            None,
            Some("USD"),
            Some(PlanStatus::Draft),
            Some(false),
            None
        )
    );
    let page = t.browser.get_html(&format!("/plans/{id}")).await;
    assert!(page.contains("Your plan is created"), "a flash says so");
    assert!(page.contains("No dates yet"));

    // The edit form shows what was saved, with the version.
    let html = t.browser.get_html(&format!("/plans/{id}/edit")).await;
    assert_eq!(
        field_value(&html, "title").as_deref(),
        Some("Lisbon in July")
    );
    assert_eq!(field_value(&html, "currency").as_deref(), Some("USD"));
    assert!(
        field_value(&html, "version")
            .unwrap()
            .parse::<i64>()
            .unwrap()
            > 0
    );
}

/// (field, typed value, words of the error beside it).
const BAD_FIELDS: &[(&str, &str, &str)] = &[
    ("title", "", "Enter a title"),
    ("title", "   ", "Enter a title"),
    ("start_date", "0000-00-00", "Enter a date like"),
    ("start_date", "2026-02-30", "Enter a date like"),
    (
        "start_date",
        "1800-01-01",
        "between the years 1900 and 2200",
    ),
    ("end_date", "01/07/2026", "Enter a date like"),
    ("end_date", "2026-06-30", "cannot end before it starts"),
    ("budget", "-1", "cannot be negative"),
    ("budget", "-0.01", "cannot be negative"),
    ("budget", "10,123.456", "at most two decimals"),
    ("budget", "100000000", "below 100,000,000"),
    ("budget", "1e9", "Enter an amount"),
    ("budget", "12,34,567", "in threes"),
    ("budget", "0,500", "could mean 0.50 or 500"),
    ("budget", "NaN", "Enter an amount"),
    ("currency", "XYZ", "Choose a currency"),
    ("currency", "US", "Choose a currency"),
];

async fn assert_refused(app: &TestApp, browser: &Browser, path: &str, version: Option<&str>) {
    let long_title = "x".repeat(201);
    let long_destination = "y".repeat(101);
    let long_description = "z".repeat(20_001);
    let mut cases: Vec<(&str, &str, &str)> = BAD_FIELDS.to_vec();
    cases.push(("title", &long_title, "At most 200 characters"));
    cases.push(("destination", &long_destination, "At most 100 characters"));
    cases.push(("description", &long_description, "At most 20000 characters"));
    for (field, value, message) in cases {
        let before = app.snapshot();
        let mut form = plan_form(&[(field, value)]);
        if let Some(v) = version {
            form.push(("version", v));
        }
        let response = browser.post_form(path, &form).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {field}={value:?}"
        );
        let html = response.text().await.unwrap();
        let error = field_error(&html, field)
            .unwrap_or_else(|| panic!("{path}: no error beside {field} for {value:?}"));
        assert!(error.contains(message), "{field}={value:?}: {error}");
        // Only that field is in error, and what was typed is still there.
        for (other, _) in plan_form(&[]) {
            if other != field {
                assert_eq!(
                    field_error(&html, other),
                    None,
                    "{other} for {field}={value:?}"
                );
            }
        }
        if !["currency", "status"].contains(&field) && !value.contains('\0') {
            assert_eq!(
                field_value(&html, field).as_deref(),
                Some(value),
                "{field} keeps the input"
            );
        }
        if field != "destination" {
            assert_eq!(
                field_value(&html, "destination").as_deref(),
                Some("Lisbon, Portugal"),
                "the other fields are kept too"
            );
        }
        assert_eq!(
            app.snapshot(),
            before,
            "{path}: {field}={value:?} wrote something"
        );
    }
    // A NUL character (PostgreSQL cannot store it) is refused for the whole form, before
    // any field is read.
    let before = app.snapshot();
    let mut form = plan_form(&[("title", "a\u{0}b")]);
    if let Some(v) = version {
        form.push(("version", v));
    }
    let response = browser.post_form(path, &form).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{path}: NUL");
    assert!(response.text().await.unwrap().contains("cannot be stored"));
    assert_eq!(app.snapshot(), before, "{path}: a NUL wrote something");
}

#[tokio::test]
async fn each_invalid_field_of_a_new_plan_is_refused_beside_it_and_nothing_is_written() {
    let app = spawn_app().await;
    let t = traveller(&app, "ana").await;
    assert_refused(&app, &t.browser, "/plans", None).await;
    assert_eq!(app.plan_count(), 0);
    assert_eq!(
        app.counters_of("plan_create").len(),
        0,
        "a refused form is not counted"
    );
}

#[tokio::test]
async fn each_invalid_field_of_an_edit_is_refused_beside_it_and_nothing_is_written() {
    let app = spawn_app().await;
    let t = traveller(&app, "ana").await;
    let id = create_plan(&t.browser, &[]).await;
    let path = format!("/plans/{id}/edit");
    let version = form_version(&t.browser, &path).await;
    assert_refused(&app, &t.browser, &path, Some(&version)).await;
    assert_eq!(app.plan_row(id).map(|p| p.title).unwrap(), "Lisbon in July");
}

#[tokio::test]
async fn every_error_of_a_form_is_shown_at_once() {
    let app = spawn_app().await;
    let t = traveller(&app, "ana").await;
    let before = app.snapshot();
    let response = t
        .browser
        .post_form(
            "/plans",
            &plan_form(&[
                ("title", ""),
                ("start_date", "2026-13-01"),
                ("budget", "-5"),
                ("currency", "EURO"),
            ]),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    for field in ["title", "start_date", "budget", "currency"] {
        assert!(field_error(&html, field).is_some(), "{field}");
    }
    for field in ["destination", "end_date", "description"] {
        assert_eq!(field_error(&html, field), None, "{field}");
    }
    assert_eq!(app.snapshot(), before);
}

#[tokio::test]
async fn an_edit_saves_every_field_and_clears_the_blank_ones() {
    let app = spawn_app().await;
    let t = traveller(&app, "ana").await;
    let id = create_plan(&t.browser, &[]).await;
    let path = format!("/plans/{id}/edit");
    let version = form_version(&t.browser, &path).await;
    let response = t
        .browser
        .post_form(
            &path,
            &[
                ("title", "Porto instead"),
                ("description", ""),
                ("destination", "Porto"),
                ("start_date", "2026-08-01"),
                ("end_date", "2026-08-01"),
                ("budget", "0"),
                ("currency", "GBP"),
                ("version", &version),
            ],
        )
        .await;
    crate::support::assert_is_redirect_to(&response, &format!("/plans/{id}"));
    let plan = app.plan_row(id).unwrap();
    assert_eq!(
        (
            plan.title.as_str(),
            plan.description,
            plan.destination.as_deref(),
            (plan.start_date, plan.end_date),
            plan.budget,
            plan.currency.as_deref(),
            plan.status,
            plan.is_public,
        ),
        (
            "Porto instead",
            None,
            Some("Porto"),
            (Some(date("2026-08-01")), Some(date("2026-08-01"))),
            Some(decimal("0.00")),
            Some("GBP"),
            Some(PlanStatus::Draft),
            Some(false),
        )
    );
    let page = t.browser.get_html(&format!("/plans/{id}")).await;
    assert!(page.contains("Your plan is saved"));
    assert!(page.contains("Porto instead"));
}
