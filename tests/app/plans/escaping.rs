//! Markup typed into any text field comes back as text: on the plan page, the list, every
//! form (including a form re-shown with errors or a conflict).

use diesel::prelude::*;
use reqwest::StatusCode;

use super::*;
use crate::support::spawn_app;

/// The owner's pages that show the plan's text.
fn pages(plan: i32, activity: i32) -> Vec<String> {
    vec![
        "/plans".into(),
        format!("/plans?q={}", "%3Cscript%3E"),
        format!("/plans/{plan}"),
        format!("/plans/{plan}/edit"),
        format!("/plans/{plan}/delete"),
        format!("/plans/{plan}/details"),
        format!("/plans/{plan}/data"),
        format!("/plans/{plan}/activities/new"),
        format!("/plans/{plan}/activities/{activity}/edit"),
    ]
}

#[tokio::test]
async fn markup_in_every_text_field_is_escaped_on_every_page() {
    for payload in XSS {
        let app = spawn_app().await;
        let t = traveller(&app, "ana").await;
        let website = format!("https://example.org/{payload}");
        let plan = create_plan(
            &t.browser,
            &[
                ("title", payload),
                ("description", payload),
                ("destination", payload),
            ],
        )
        .await;
        let activity = add_activity(
            &t.browser,
            &app,
            plan,
            &[
                ("title", payload),
                ("description", payload),
                ("location_name", payload),
                ("address", payload),
                ("scheduled_date", "2026-07-02"),
                ("latitude", "38.7"),
                ("longitude", "-9.1"),
                ("confirmation_number", payload),
                ("provider", payload),
                ("cancellation_policy", payload),
                ("phone", payload),
                ("website", &website),
                ("email", payload),
                ("tags", payload),
            ],
        )
        .await;
        add_activity(&t.browser, &app, plan, &[("title", payload)]).await;
        let details = format!("/plans/{plan}/details");
        let version = form_version(&t.browser, &details).await;
        let mut form: Vec<(&str, &str)> = [
            "notes",
            "budget_type",
            "travel_style",
            "accessibility_needs",
            "accommodation_type",
            "accommodation_preferences",
            "arrival_method",
            "arrival_carrier",
            "arrival_number",
            "arrival_time",
            "local_methods",
        ]
        .iter()
        .map(|f| (*f, payload))
        .collect();
        form.push(("version", &version));
        let response = t.browser.post_form(&details, &form).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        // A stay and a flight kept in the details from before bookings were activities.
        let mut data = app.plan_row(plan).unwrap().plan_data.unwrap();
        let kept = serde_json::json!({"provider": payload, "confirmation_number": payload,
            "starts_at": payload, "ends_at": payload});
        data["accommodation"]["booking_details"] = serde_json::json!({"name": payload,
            "address": payload, "confirmation_number": payload, "check_in": payload});
        data["external_bookings"] = serde_json::json!({"flights": [kept]});
        app.exec(
            diesel::update(wayfare::db::schema::plans::table.find(plan))
                .set(wayfare::db::schema::plans::plan_data.eq(data)),
        );
        let version = version_of(&app, "plans", plan);
        t.browser
            .post_form(
                &format!("/plans/{plan}/share/options"),
                &[("display_name", payload), ("version", &version)],
            )
            .await;
        let data = app.plan_row(plan).unwrap().plan_data.unwrap();
        assert_eq!(
            data.pointer("/sharing/display_name")
                .and_then(serde_json::Value::as_str),
            Some(payload)
        );

        for path in pages(plan, activity) {
            let response = t.browser.get(&path).await;
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            let html = response.text().await.unwrap();
            assert_no_injected_markup(&html, &path);
            assert!(!html.contains(payload), "{path} has the payload raw");
        }
        // The text is there, as text.
        let page = t.browser.get_html(&format!("/plans/{plan}")).await;
        assert!(
            texts(&page, "h1").iter().any(|h| h.contains(payload)),
            "title as text"
        );
        assert!(
            texts(&page, ".activity strong")
                .iter()
                .all(|s| s == payload)
        );
        assert_eq!(
            texts(&page, ".trip-details p.description"),
            [payload],
            "notes as text"
        );
        let html = t.browser.get_html(&format!("/plans/{plan}/edit")).await;
        assert_eq!(field_value(&html, "title").as_deref(), Some(payload));
        assert_eq!(field_value(&html, "description").as_deref(), Some(payload));
        let html = t
            .browser
            .get_html(&format!("/plans/{plan}/activities/{activity}/edit"))
            .await;
        for field in [
            "title",
            "description",
            "location_name",
            "address",
            "confirmation_number",
            "provider",
            "phone",
            "email",
            "tags",
        ] {
            assert_eq!(
                field_value(&html, field).as_deref(),
                Some(payload),
                "{field}"
            );
        }
        assert_eq!(
            field_value(&html, "website").as_deref(),
            Some(website.as_str())
        );

        // A form shown again with errors escapes what was typed.
        let response = t
            .browser
            .post_form(
                "/plans",
                &plan_form(&[
                    ("title", payload),
                    ("destination", payload),
                    ("budget", "-1"),
                ]),
            )
            .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = response.text().await.unwrap();
        assert_no_injected_markup(&html, "the plan form with errors");
        assert_eq!(field_value(&html, "destination").as_deref(), Some(payload));
        let response = t
            .browser
            .post_form(
                &format!("/plans/{plan}/activities"),
                &[
                    ("title", payload),
                    ("address", payload),
                    ("latitude", "100"),
                ],
            )
            .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = response.text().await.unwrap();
        assert_no_injected_markup(&html, "the activity form with errors");
        assert_eq!(field_value(&html, "address").as_deref(), Some(payload));
        let response = t
            .browser
            .post_form(
                &format!("/plans/{plan}/data"),
                &[
                    ("plan_data", &format!("{{\"x\": \"{payload}")),
                    ("version", "1"),
                ],
            )
            .await;
        let html = response.text().await.unwrap();
        assert_no_injected_markup(&html, "the raw editor with an error");
        // The conflict page shows the newer data escaped, too.
        let response = t
            .browser
            .post_form(&format!("/plans/{plan}/edit"), &{
                let mut f = plan_form(&[("title", payload)]);
                f.push(("version", "1"));
                f
            })
            .await;
        assert_eq!(response.status(), StatusCode::CONFLICT);
        assert_no_injected_markup(&response.text().await.unwrap(), "the 409 page");
    }
}
