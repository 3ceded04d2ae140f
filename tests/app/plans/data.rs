//! `plan_data` through real forms: trip details, bookings and the raw editor, each keeping
//! every key it does not know; the time zone and the raw editor's limits.

use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use wayfare::db::schema::plans;

use super::*;
use crate::support::{assert_is_redirect_to, spawn_app};

fn plan_data(app: &TestApp, id: i32) -> Value {
    app.plan_row(id).unwrap().plan_data.unwrap()
}

/// Keys nobody's form knows, at every level of the seed's shape.
fn with_unknown_keys() -> Value {
    json!({
        "mood": {"playlist": ["fado"], "level": 7},
        "preferences": {"budget_type": "budget", "group_size": 2, "accessibility_needs": [], "pets": true},
        "accommodation": {"type": "hotel", "booking_details": {"name": "Casa Azul", "address": "Rua Augusta 1",
            "confirmation_number": "CA-77", "check_in": "2026-07-01 15:00", "check_out": "2026-07-05 11:00", "floor": 3},
            "preferences": ["wifi"], "stars": 4},
        "transportation": {
            "arrival": {"method": "flight", "details": {"seat": "12A"}, "terminal": "T1"},
            "local": {"methods": ["walking"], "pass": "Viva Viagem"},
            "departure": {"method": "train"}
        },
        "notes": "Remember the sunscreen",
        "external_bookings": {
            "flights": [{"provider": "TAP", "confirmation_number": "TP123", "seat": "12A"}],
            "hotels": [],
            "activities": [],
            "cars": [{"provider": "Hertz"}]
        },
        "weather": [1, 2, 3]
    })
}

/// Each unknown key of `with_unknown_keys`, as a JSON pointer and its value.
const UNKNOWN: &[(&str, &str)] = &[
    ("/mood", r#"{"playlist": ["fado"], "level": 7}"#),
    ("/preferences/pets", "true"),
    ("/accommodation/booking_details/floor", "3"),
    ("/accommodation/stars", "4"),
    ("/transportation/arrival/details/seat", r#""12A""#),
    ("/transportation/arrival/terminal", r#""T1""#),
    ("/transportation/local/pass", r#""Viva Viagem""#),
    ("/transportation/departure", r#"{"method": "train"}"#),
    ("/external_bookings/cars", r#"[{"provider": "Hertz"}]"#),
    ("/weather", "[1, 2, 3]"),
];

fn assert_unknown_keys_kept(data: &Value, after: &str) {
    for (pointer, expected) in UNKNOWN {
        let expected: Value = serde_json::from_str(expected).unwrap();
        assert_eq!(
            data.pointer(pointer),
            Some(&expected),
            "{pointer} after {after}: {data}"
        );
    }
}

#[tokio::test]
async fn keys_no_form_knows_survive_the_details_form_bookings_and_the_raw_editor() {
    let app = spawn_app().await;
    let t = traveller(&app, "ana").await;
    let id = create_plan(&t.browser, &[]).await;
    app.exec(diesel::update(plans::table.find(id)).set(plans::plan_data.eq(with_unknown_keys())));

    // The details form shows the known keys, and saves its fields.
    let path = format!("/plans/{id}/details");
    let html = t.browser.get_html(&path).await;
    assert_eq!(
        field_value(&html, "notes").as_deref(),
        Some("Remember the sunscreen")
    );
    assert_eq!(
        field_value(&html, "accommodation_type").as_deref(),
        Some("hotel")
    );
    assert_eq!(
        field_value(&html, "local_methods").as_deref(),
        Some("walking")
    );
    let version = extract_version(&html);
    let response = t
        .browser
        .post_form(
            &path,
            &[
                ("timezone", "Europe/Lisbon"),
                ("notes", "Sunscreen and a hat"),
                ("budget_type", "mid-range"),
                ("travel_style", "cultural"),
                ("group_size", "3"),
                ("accessibility_needs", "step-free, quiet room"),
                ("accommodation_type", "apartment"),
                ("accommodation_preferences", "wifi, balcony"),
                ("arrival_method", "flight"),
                ("arrival_carrier", "TAP"),
                ("arrival_number", "TP1350"),
                ("arrival_time", "2026-07-01 10:20"),
                ("local_methods", "walking, tram"),
                ("version", &version),
            ],
        )
        .await;
    assert_is_redirect_to(&response, &format!("/plans/{id}"));
    let data = plan_data(&app, id);
    assert_unknown_keys_kept(&data, "the details form");
    assert_eq!(data["timezone"], "Europe/Lisbon");
    assert_eq!(data["notes"], "Sunscreen and a hat");
    assert_eq!(
        data["preferences"],
        json!({"budget_type": "mid-range", "travel_style": "cultural", "group_size": 3,
               "accessibility_needs": ["step-free", "quiet room"], "pets": true})
    );
    assert_eq!(
        data["accommodation"]["booking_details"],
        json!({"name": "Casa Azul", "address": "Rua Augusta 1", "confirmation_number": "CA-77",
               "check_in": "2026-07-01 15:00", "check_out": "2026-07-05 11:00", "floor": 3}),
        "the stay's booking is not the form's to change"
    );
    assert_eq!(
        data["accommodation"]["preferences"],
        json!(["wifi", "balcony"])
    );
    assert_eq!(
        data["transportation"]["arrival"]["details"],
        json!({"carrier": "TAP", "number": "TP1350", "arrives_at": "2026-07-01 10:20", "seat": "12A"})
    );
    assert_eq!(
        data["transportation"]["local"]["methods"],
        json!(["walking", "tram"])
    );
    let page = t.browser.get_html(&format!("/plans/{id}")).await;
    for shown in [
        "Sunscreen and a hat",
        "Arrival by flight, TAP TP1350",
        "Europe/Lisbon",
    ] {
        assert!(page.contains(shown), "{shown}");
    }

    // Bookings kept on the details page from before are listed, each with a way into the
    // itinerary; there is no second place to enter one.
    let html = t.browser.get_html(&path).await;
    assert!(!html.contains("name=\"accommodation_name\""));
    assert!(
        !html.contains("action=\"/plans/{id}/bookings\""),
        "no add-booking form"
    );
    assert!(html.contains(&format!(
        "href=\"/plans/{id}/activities/new?type=accommodation\""
    )));
    let new_stay = t
        .browser
        .get_html(&format!("/plans/{id}/activities/new?type=accommodation"))
        .await;
    assert_eq!(
        field_value(&new_stay, "activity_type").as_deref(),
        Some("accommodation")
    );
    let kept = texts(&html, ".kept-bookings tbody tr td:nth-child(2)");
    assert_eq!(kept, ["Casa Azul", "TAP"]);

    // Moving the stay makes it an activity with its nights and booking, in one step.
    let version = form_version(&t.browser, &path).await;
    let move_it = |kind: &'static str, index: &'static str, version: String| {
        let browser = t.browser.clone();
        async move {
            browser
                .post_form(
                    &format!("/plans/{id}/bookings/move"),
                    &[("kind", kind), ("index", index), ("version", &version)],
                )
                .await
        }
    };
    let response = move_it("accommodation", "0", version).await;
    let stay_id: i32 = response.headers()["location"]
        .to_str()
        .unwrap()
        .rsplit("#activity-")
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let stay = app.activity_row(stay_id).unwrap();
    assert_eq!(
        (
            stay.title.as_str(),
            stay.activity_type.as_deref(),
            stay.address.as_deref(),
            stay.scheduled_date.map(|d| d.to_string()),
            stay.start_time.map(|t| t.to_string()),
            stay.end_time.map(|t| t.to_string()),
        ),
        (
            "Casa Azul",
            Some("accommodation"),
            Some("Rua Augusta 1"),
            Some("2026-07-01".into()),
            Some("15:00:00".into()),
            Some("11:00:00".into())
        )
    );
    assert_eq!(
        stay.metadata,
        Some(json!({"nights": 4, "booking_info": {"confirmation_number": "CA-77", "floor": 3}}))
    );
    let data = plan_data(&app, id);
    assert_eq!(
        data["accommodation"]["booking_details"],
        json!({}),
        "{data}"
    );
    assert_eq!(
        data["accommodation"]["type"], "apartment",
        "the wishes stay"
    );
    assert_eq!(data["accommodation"]["stars"], 4);

    // The flight too, its seat kept with its booking.
    let version = form_version(&t.browser, &path).await;
    let response = move_it("flights", "0", version).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let flight = app
        .activities_of(id)
        .into_iter()
        .find(|a| a.title == "Flight · TAP")
        .expect("the flight is an activity");
    assert_eq!(flight.activity_type.as_deref(), Some("transport"));
    assert_eq!(
        flight.metadata,
        Some(
            json!({"booking_info": {"confirmation_number": "TP123", "provider": "TAP", "seat": "12A"}})
        )
    );
    let data = plan_data(&app, id);
    assert_eq!(data["external_bookings"]["flights"], json!([]));
    assert_eq!(
        data["external_bookings"]["cars"],
        json!([{"provider": "Hertz"}])
    );

    // The details page now lists what the itinerary holds; nothing is kept here twice.
    let html = t.browser.get_html(&path).await;
    assert_eq!(
        texts(&html, ".booked tbody th"),
        ["Casa Azul", "Flight · TAP"]
    );
    let when = texts(&html, ".booked tbody td:first-of-type");
    assert_eq!(
        when[0],
        "Wed 1 Jul 2026 at 15:00 · 4 nights, check-out Sun 5 Jul"
    );
    assert!(texts(&html, ".kept-bookings").is_empty());
    assert!(html.contains(&format!("href=\"/plans/{id}#activity-{stay_id}\"")));

    // Moving what is no longer there, or over a stale version, writes nothing.
    let version = form_version(&t.browser, &path).await;
    let before = app.snapshot();
    for (kind, index) in [("flights", "0"), ("accommodation", "0"), ("boats", "0")] {
        let response = move_it(kind, index, version.clone()).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{kind}"
        );
        let html = response.text().await.unwrap();
        assert!(
            texts(&html, "#bookings-error")[0].contains("no such booking"),
            "{kind}"
        );
    }
    assert_eq!(app.snapshot(), before);
    app.exec(diesel::update(plans::table.find(id)).set(plans::plan_data.eq(json!({
        "external_bookings": {"hotels": [{"provider": "Booking", "confirmation_number": "BK-9"}]}
    }))));
    let before = app.snapshot();
    let response = move_it("hotels", "0", version.clone()).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert_eq!(app.snapshot(), before);

    // Removing a kept booking, and removing one that is not there.
    let version = form_version(&t.browser, &path).await;
    let response = t
        .browser
        .post_form(
            &format!("/plans/{id}/bookings/delete"),
            &[("kind", "hotels"), ("index", "0"), ("version", &version)],
        )
        .await;
    assert_is_redirect_to(&response, &format!("/plans/{id}/details#bookings"));
    assert_eq!(
        plan_data(&app, id)["external_bookings"]["hotels"],
        json!([])
    );
    let version = form_version(&t.browser, &path).await;
    let before = app.snapshot();
    for (kind, index) in [("hotels", "0"), ("flights", "5"), ("boats", "0")] {
        let response = t
            .browser
            .post_form(
                &format!("/plans/{id}/bookings/delete"),
                &[("kind", kind), ("index", index), ("version", &version)],
            )
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{kind} {index}");
    }
    assert_eq!(app.snapshot(), before);
    app.exec(diesel::update(plans::table.find(id)).set(plans::plan_data.eq(with_unknown_keys())));

    // The raw editor shows everything and saves a new object as typed.
    let html = t.browser.get_html(&format!("/plans/{id}/data")).await;
    let shown: Value = serde_json::from_str(&field_value(&html, "plan_data").unwrap()).unwrap();
    assert_eq!(shown, plan_data(&app, id));
    let mut edited = shown.clone();
    edited["added_by_hand"] = json!({"deep": [true]});
    let response = t
        .browser
        .post_form(
            &format!("/plans/{id}/data"),
            &[
                ("plan_data", &edited.to_string()),
                ("version", &extract_version(&html)),
            ],
        )
        .await;
    assert_is_redirect_to(&response, &format!("/plans/{id}"));
    assert_eq!(plan_data(&app, id), edited);

    // And the details form saved once more keeps the hand-added key.
    let version = form_version(&t.browser, &path).await;
    let html = t.browser.get_html(&path).await;
    let mut form: Vec<(String, String)> = [
        "timezone",
        "notes",
        "budget_type",
        "travel_style",
        "group_size",
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
    .map(|f| (f.to_string(), field_value(&html, f).unwrap_or_default()))
    .collect();
    form.push(("version".into(), version));
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let response = t.browser.post_form(&path, &form).await;
    assert_is_redirect_to(&response, &format!("/plans/{id}"));
    assert_eq!(
        plan_data(&app, id),
        edited,
        "an unchanged form changes nothing"
    );
}

fn extract_version(html: &str) -> String {
    crate::support::extract_input(html, "version").unwrap()
}

#[tokio::test]
async fn the_raw_editor_refuses_what_is_not_a_json_object_of_at_most_256_kib() {
    let app = spawn_app().await;
    let t = traveller(&app, "ana").await;
    let id = create_plan(&t.browser, &[]).await;
    let path = format!("/plans/{id}/data");
    let version = form_version(&t.browser, &path).await;
    let big = format!("{{\"notes\": \"{}\"}}", "n".repeat(256 * 1024));
    let nearly = format!("{{\"notes\": \"{}\"}}", "n".repeat(256 * 1024 - 20));
    let cases: Vec<(&str, &str)> = vec![
        ("{\"notes\": ", "not valid JSON"),
        ("notes: yes", "not valid JSON"),
        ("", "not valid JSON"),
        ("[1, 2, 3]", "must be a JSON object"),
        ("\"text\"", "must be a JSON object"),
        ("42", "must be a JSON object"),
        ("null", "must be a JSON object"),
        ("{\"a\": \"\\u0000\"}", "NUL character"),
        (&big, "at most 256 KiB"),
    ];
    for (text, message) in cases {
        let before = app.snapshot();
        let response = t
            .browser
            .post_form(&path, &[("plan_data", text), ("version", &version)])
            .await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            &text[..text.len().min(40)]
        );
        let html = response.text().await.unwrap();
        let error = texts(&html, ".flash-error").join(" ");
        assert!(error.contains(message), "{error}");
        assert_eq!(
            field_value(&html, "plan_data").as_deref(),
            Some(text),
            "the text is kept"
        );
        assert_eq!(app.snapshot(), before);
    }
    // Just under the limit is fine.
    let response = t
        .browser
        .post_form(&path, &[("plan_data", &nearly), ("version", &version)])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_trip_time_zone_must_be_an_iana_name() {
    let app = spawn_app().await;
    let t = traveller(&app, "ana").await;
    let id = create_plan(&t.browser, &[]).await;
    let path = format!("/plans/{id}/details");
    for (value, message) in [
        ("Mars/Olympus", "time zone name"),
        ("Europe/Pariss", "time zone name"),
        ("UTC+2", "time zone name"),
        ("<script>", "time zone name"),
    ] {
        let version = form_version(&t.browser, &path).await;
        let before = app.snapshot();
        let response = t
            .browser
            .post_form(
                &path,
                &[
                    ("timezone", value),
                    ("notes", "kept"),
                    ("version", &version),
                ],
            )
            .await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{value}"
        );
        let html = response.text().await.unwrap();
        assert!(field_error(&html, "timezone").unwrap().contains(message));
        // A name that is none of the zones stays chosen, so saving it again is refused
        // rather than clearing it.
        assert_eq!(
            field_value(&html, "timezone").as_deref(),
            Some(value),
            "{value}"
        );
        assert_eq!(field_value(&html, "notes").as_deref(), Some("kept"));
        assert_eq!(app.snapshot(), before);
    }
    // One stored by the raw editor is shown the same way when the page opens.
    app.exec(
        diesel::update(plans::table.find(id))
            .set(plans::plan_data.eq(json!({"timezone": "Japan time"}))),
    );
    let html = t.browser.get_html(&path).await;
    assert_eq!(
        field_value(&html, "timezone").as_deref(),
        Some("Japan time")
    );
    let version = form_version(&t.browser, &path).await;
    let response = t
        .browser
        .post_form(&path, &[("timezone", "Japan time"), ("version", &version)])
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        plan_data(&app, id)["timezone"],
        "Japan time",
        "refused, not cleared"
    );
    let version = form_version(&t.browser, &path).await;
    let response = t
        .browser
        .post_form(
            &path,
            &[
                ("timezone", " Asia/Tokyo "),
                ("group_size", "0"),
                ("version", &version),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(
        field_error(&html, "group_size")
            .unwrap()
            .contains("from 1 to 1000")
    );
    assert_eq!(field_error(&html, "timezone"), None);

    for (value, saved) in [
        (" Asia/Tokyo ", Some("Asia/Tokyo")),
        (
            "America/Argentina/Buenos_Aires",
            Some("America/Argentina/Buenos_Aires"),
        ),
        ("", None),
    ] {
        let version = form_version(&t.browser, &path).await;
        let response = t
            .browser
            .post_form(&path, &[("timezone", value), ("version", &version)])
            .await;
        assert_is_redirect_to(&response, &format!("/plans/{id}"));
        // As `plan_data->>'timezone'` reads it: a string as itself, any other value as JSON.
        let timezone = match plan_data(&app, id).get("timezone") {
            None | Some(Value::Null) => None,
            Some(Value::String(zone)) => Some(zone.clone()),
            Some(other) => Some(other.to_string()),
        };
        assert_eq!(timezone, saved.map(str::to_string), "{value:?}");
    }
}
