//! Place search against a fake geocoder on loopback: the forms' search without JavaScript
//! (results listed, a choice fills the fields, nothing saved until Save), the geocoder's
//! usage policy (cache, one request a second, a User-Agent), its failures as messages, the
//! JSON suggestions, the destination's coordinates and time zone, and the map picker's
//! start. Without `GEOCODER_URL` the forms are as before.

use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use wayfare::db::schema::plan_activities;

use crate::plans::{
    create_plan, export, field_error, field_value, form_version, import_file, plan_form,
    plan_id_in, traveller,
};
use crate::support::{
    FakeGeocoder, GeocoderMode, TestApp, assert_is_login_redirect, assert_is_redirect_to, decimal,
    spawn_app, spawn_app_with,
};

async fn app_with_geocoder(kind: &str) -> (TestApp, FakeGeocoder) {
    let fake = FakeGeocoder::start().await;
    let app = spawn_app_with(|env| fake.env(kind, env)).await;
    (app, fake)
}

/// The labels and values of the "Use …" buttons on a page.
fn choices(html: &str) -> Vec<(String, String)> {
    let doc = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse("button[name=\"use_place\"]").unwrap();
    doc.select(&selector)
        .map(|b| {
            let label = b.text().collect::<String>().trim().to_string();
            (
                label,
                b.value().attr("value").unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// The place search's message.
fn search_status(html: &str) -> String {
    let doc = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse("#place-search-status").unwrap();
    doc.select(&selector)
        .next()
        .map(|e| e.text().collect::<String>())
        .unwrap_or_default()
}

fn activity_count(app: &TestApp, plan: i32) -> usize {
    app.all::<i32, _>(
        plan_activities::table
            .filter(plan_activities::plan_id.eq(plan))
            .select(plan_activities::id),
    )
    .len()
}

fn with<'a>(base: &[(&'a str, &'a str)], more: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut form = base.to_vec();
    for (name, value) in more {
        form.retain(|(k, _)| k != name);
        form.push((name, value));
    }
    form
}

#[tokio::test]
async fn the_activity_search_lists_places_and_a_choice_fills_the_form_until_saved() {
    let (app, fake) = app_with_geocoder("nominatim").await;
    let t = traveller(&app, "kenji").await;
    let plan = create_plan(&t.browser, &[]).await;
    let path = format!("/plans/{plan}/activities");
    let html = t.browser.get_html(&format!("{path}/new")).await;
    assert!(html.contains("name=\"search_places\""), "a search button");
    assert!(html.contains("js/places.js"), "the suggestions' script");

    let typed = [
        ("title", "Temples"),
        ("scheduled_date", "2026-07-02"),
        ("estimated_cost", "12"),
    ];
    let response = t
        .browser
        .post_form(
            &path,
            &with(&typed, &[("place_query", "kyoto"), ("search_places", "1")]),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    let found = choices(&html);
    let labels: Vec<&str> = found.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(
        labels,
        [
            "Use Kyoto, Kyoto Prefecture, Japan",
            "Use Kyoto Station, Shimogyo Ward, Kyoto, Japan"
        ]
    );
    assert_eq!(field_value(&html, "title").as_deref(), Some("Temples"));
    assert_eq!(field_value(&html, "place_query").as_deref(), Some("kyoto"));
    assert_eq!(activity_count(&app, plan), 0, "a search saves nothing");

    // Choosing fills the place's fields and still saves nothing.
    let response = t
        .browser
        .post_form(
            &path,
            &with(
                &typed,
                &[("place_query", "kyoto"), ("use_place", found[0].1.as_str())],
            ),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert_eq!(
        field_value(&html, "location_name").as_deref(),
        Some("Kyoto")
    );
    assert_eq!(
        field_value(&html, "address").as_deref(),
        Some("Kyoto, Kyoto Prefecture, Japan")
    );
    assert_eq!(field_value(&html, "latitude").as_deref(), Some("35.0116"));
    assert_eq!(field_value(&html, "longitude").as_deref(), Some("135.7681"));
    assert_eq!(field_value(&html, "title").as_deref(), Some("Temples"));
    assert!(search_status(&html).contains("Filled in from “Kyoto”"));
    assert_eq!(activity_count(&app, plan), 0, "a choice saves nothing");

    // Save posts the form as shown.
    let filled: Vec<(String, String)> = [
        "title",
        "scheduled_date",
        "estimated_cost",
        "location_name",
        "address",
        "latitude",
        "longitude",
    ]
    .iter()
    .map(|f| (f.to_string(), field_value(&html, f).unwrap_or_default()))
    .collect();
    let fields: Vec<(&str, &str)> = filled
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let response = t.browser.post_form(&path, &fields).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let row = app
        .all::<(i32, Option<String>, Option<String>), _>(
            plan_activities::table
                .filter(plan_activities::plan_id.eq(plan))
                .select((
                    plan_activities::id,
                    plan_activities::location_name,
                    plan_activities::address,
                )),
        )
        .pop()
        .unwrap();
    assert_eq!(row.1.as_deref(), Some("Kyoto"));
    assert_eq!(row.2.as_deref(), Some("Kyoto, Kyoto Prefecture, Japan"));
    let saved = app.activity_row(row.0).unwrap();
    assert_eq!(saved.latitude, Some(decimal("35.0116")));
    assert_eq!(saved.longitude, Some(decimal("135.7681")));

    // The geocoder was asked once, as the usage policies want it asked.
    assert_eq!(fake.queries(), ["kyoto"]);
    let agent = &fake.user_agents()[0];
    assert!(
        agent.starts_with("Wayfare/") && agent.contains(&app.address),
        "{agent}"
    );

    // The same words again, on the edit form: from the cache, and nothing saved.
    let edit = format!("{path}/{}/edit", row.0);
    let version = form_version(&t.browser, &edit).await;
    let before = app.snapshot_except_counters();
    let response = t
        .browser
        .post_form(
            &edit,
            &[
                ("title", "Changed, not saved"),
                ("version", &version),
                ("place_query", "  KYOTO "),
                ("search_places", "1"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert_eq!(choices(&html).len(), 2);
    assert_eq!(
        field_value(&html, "version").as_deref(),
        Some(version.as_str())
    );
    assert_eq!(
        field_value(&html, "title").as_deref(),
        Some("Changed, not saved")
    );
    assert_eq!(fake.count(), 1, "served from the cache");
    assert_eq!(app.snapshot_except_counters(), before, "nothing saved");
}

#[tokio::test]
async fn searches_in_quick_succession_reach_the_geocoder_a_second_apart() {
    let (app, fake) = app_with_geocoder("nominatim").await;
    let t = traveller(&app, "rui").await;
    let plan = create_plan(&t.browser, &[]).await;
    let path = format!("/plans/{plan}/activities");
    let search = |q: &'static str| {
        let (browser, path) = (t.browser.clone(), path.clone());
        async move {
            let response = browser
                .post_form(
                    &path,
                    &[("title", "x"), ("place_query", q), ("search_places", "1")],
                )
                .await;
            assert_eq!(response.status(), StatusCode::OK);
            choices(&response.text().await.unwrap()).len()
        }
    };
    let (kyoto, lisbon) = tokio::join!(search("kyoto"), search("lisbon"));
    assert_eq!(
        (kyoto, lisbon),
        (2, 1),
        "both answered, the second after a wait"
    );
    assert_eq!(fake.count(), 2);
    let gap = fake.shortest_gap().unwrap();
    assert!(gap >= std::time::Duration::from_secs(1), "{gap:?}");
    assert_eq!(activity_count(&app, plan), 0);
}

#[tokio::test]
async fn a_failing_geocoder_is_a_message_beside_the_search_and_nothing_is_written() {
    let (app, fake) = app_with_geocoder("nominatim").await;
    let t = traveller(&app, "ines").await;
    let plan = create_plan(&t.browser, &[]).await;
    let path = format!("/plans/{plan}/activities");
    for (mode, q, message) in [
        (GeocoderMode::Fails, "kyoto", "not available right now"),
        (GeocoderMode::Garbage, "lisbon", "cannot read"),
        (
            GeocoderMode::Hangs,
            "kyoto station",
            "did not answer in time",
        ),
    ] {
        fake.mode(mode);
        // A search is counted against the day's allowance; nothing else is written.
        let before = app.snapshot_except_counters();
        let response = t
            .browser
            .post_form(
                &path,
                &[
                    ("title", "Kept"),
                    ("place_query", q),
                    ("search_places", "1"),
                ],
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK, "{mode:?}");
        let html = response.text().await.unwrap();
        assert!(search_status(&html).contains(message), "{mode:?}: {html}");
        assert!(choices(&html).is_empty());
        assert_eq!(field_value(&html, "title").as_deref(), Some("Kept"));
        assert_eq!(app.snapshot_except_counters(), before, "{mode:?}");
    }
    // Failures are not cached: once the geocoder is back, the same words are asked again.
    fake.mode(GeocoderMode::Normal);
    let response = t
        .browser
        .post_form(
            &path,
            &[
                ("title", "x"),
                ("place_query", "kyoto"),
                ("search_places", "1"),
            ],
        )
        .await;
    assert_eq!(choices(&response.text().await.unwrap()).len(), 2);
    assert_eq!(fake.count(), 4);
}

#[tokio::test]
async fn without_a_geocoder_the_forms_are_as_before() {
    let app = spawn_app().await;
    let t = traveller(&app, "ana").await;
    let plan = create_plan(&t.browser, &[]).await;
    for page in [
        format!("/plans/{plan}/activities/new"),
        "/plans/new".to_string(),
        format!("/plans/{plan}/edit"),
    ] {
        let html = t.browser.get_html(&page).await;
        assert!(!html.contains("search_places"), "{page}");
        assert!(!html.contains("place_query"), "{page}");
        assert!(!html.contains("places.js"), "{page}");
    }
    let response = t
        .browser
        .post_form(
            &format!("/plans/{plan}/activities"),
            &[
                ("title", "Typed by hand"),
                ("location_name", "Castelo"),
                ("latitude", "38.7139"),
                ("longitude", "-9.1335"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(activity_count(&app, plan), 1);
    let response = t.browser.get("/places?q=kyoto").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_suggestions_need_a_sign_in_and_answer_json() {
    let (app, fake) = app_with_geocoder("nominatim").await;
    let anonymous = app.new_browser();
    assert_is_login_redirect(&anonymous.get("/places?q=kyoto").await);
    assert_eq!(fake.count(), 0);

    let t = traveller(&app, "mei").await;
    let response = t.browser.get("/places?q=Kyoto%20Station").await;
    assert_eq!(response.status(), StatusCode::OK);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(
        answer,
        json!({"places": [{"name": "Kyoto Station", "address": "Kyoto Station, Shimogyo Ward, Kyoto, Japan", "latitude": "34.9858", "longitude": "135.7588"}]})
    );
    fake.mode(GeocoderMode::Fails);
    let response = t.browser.get("/places?q=lisbon").await;
    assert_eq!(response.status(), StatusCode::OK);
    let answer: Value = response.json().await.unwrap();
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .contains("not available")
    );
    assert_eq!(answer["places"], json!([]));
}

/// Searches for the destination on the plan form at `path`, chooses the first place and
/// saves: the plan's id.
async fn choose_destination(
    t: &crate::plans::Traveller,
    path: &str,
    q: &str,
    version: Option<&str>,
) -> i32 {
    let mut base = plan_form(&[("destination", "")]);
    if let Some(v) = version {
        base.push(("version", v));
    }
    let response = t
        .browser
        .post_form(
            path,
            &with(&base, &[("place_query", q), ("search_places", "1")]),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let found = choices(&response.text().await.unwrap());
    let response = t
        .browser
        .post_form(path, &with(&base, &[("use_place", found[0].1.as_str())]))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    let shown = |f: &str| field_value(&html, f).unwrap_or_default();
    let (destination, lat, lng) = (
        shown("destination"),
        shown("destination_latitude"),
        shown("destination_longitude"),
    );
    let response = t
        .browser
        .post_form(
            path,
            &with(
                &base,
                &[
                    ("destination", &destination),
                    ("destination_latitude", &lat),
                    ("destination_longitude", &lng),
                ],
            ),
        )
        .await;
    plan_id_in(&response)
}

#[tokio::test]
async fn a_destination_found_by_name_brings_its_coordinates_and_time_zone() {
    let (app, _fake) = app_with_geocoder("nominatim").await;
    let t = traveller(&app, "yuki").await;
    let id = choose_destination(&t, "/plans", "kyoto", None).await;
    let row = app.plan_row(id).unwrap();
    assert_eq!(row.destination.as_deref(), Some("Kyoto"));
    let data = row.plan_data.unwrap();
    assert_eq!(
        data["destination_location"],
        json!({"latitude": 35.0116, "longitude": 135.7681})
    );
    assert_eq!(data["timezone"], "Asia/Tokyo");

    // The details page offers the destination's zone first; a made-up name is refused.
    let details = format!("/plans/{id}/details");
    let html = t.browser.get_html(&details).await;
    assert!(html.contains("Asia/Tokyo (from the destination)"), "{html}");
    assert_eq!(
        field_value(&html, "timezone").as_deref(),
        Some("Asia/Tokyo")
    );
    let version = form_version(&t.browser, &details).await;
    let before = app.snapshot();
    let response = t
        .browser
        .post_form(
            &details,
            &[("timezone", "Japan time"), ("version", &version)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(
        field_error(&html, "timezone")
            .unwrap()
            .contains("time zone name")
    );
    assert_eq!(app.snapshot(), before);

    // An edit that leaves the destination keeps its coordinates; the export carries them
    // and an import brings them back.
    let edit = format!("/plans/{id}/edit");
    let html = t.browser.get_html(&edit).await;
    let lat = field_value(&html, "destination_latitude").unwrap();
    let lng = field_value(&html, "destination_longitude").unwrap();
    let version = field_value(&html, "version").unwrap();
    let response = t
        .browser
        .post_form(
            &edit,
            &plan_form(&[
                ("title", "Kyoto in autumn"),
                ("destination", "Kyoto"),
                ("destination_latitude", &lat),
                ("destination_longitude", &lng),
                ("version", &version),
            ]),
        )
        .await;
    assert_is_redirect_to(&response, &format!("/plans/{id}"));
    let data = app.plan_row(id).unwrap().plan_data.unwrap();
    assert_eq!(data["destination_location"]["latitude"], json!(35.0116));
    let exported = export(&t.browser, id).await;
    let imported = plan_id_in(&import_file(&t.browser, exported.to_string().as_bytes()).await);
    let data = app.plan_row(imported).unwrap().plan_data.unwrap();
    assert_eq!(
        data["destination_location"],
        json!({"latitude": 35.0116, "longitude": 135.7681})
    );

    // The activity form's map opens on the destination.
    let html = t
        .browser
        .get_html(&format!("/plans/{id}/activities/new"))
        .await;
    assert!(
        html.contains(r#"data-start="{&#34;center&#34;:[35.0116,135.7681]}""#),
        "{html}"
    );
}

#[tokio::test]
async fn photon_answers_are_read_too() {
    let (app, fake) = app_with_geocoder("photon").await;
    let t = traveller(&app, "joao").await;
    let id = choose_destination(&t, "/plans", "lisbon", None).await;
    let row = app.plan_row(id).unwrap();
    assert_eq!(row.destination.as_deref(), Some("Lisbon"));
    let data = row.plan_data.unwrap();
    assert_eq!(data["timezone"], "Europe/Lisbon");
    assert_eq!(
        data["destination_location"],
        json!({"latitude": 38.7223, "longitude": -9.1393})
    );
    assert_eq!(fake.queries(), ["lisbon"]);
    // The edit form's search: a zone set already stays as it was.
    let edit = format!("/plans/{id}/edit");
    let version = form_version(&t.browser, &edit).await;
    let again = choose_destination(&t, &edit, "kyoto", Some(&version)).await;
    assert_eq!(again, id);
    let data = app.plan_row(id).unwrap().plan_data.unwrap();
    assert_eq!(data["destination_location"]["latitude"], json!(35.0116));
    assert_eq!(data["timezone"], "Europe/Lisbon", "the zone chosen is kept");
}

#[tokio::test]
async fn without_a_destination_the_map_and_the_zone_go_by_the_activities() {
    let app = spawn_app().await;
    let t = traveller(&app, "lea").await;
    let plan = create_plan(&t.browser, &[]).await;
    let html = t
        .browser
        .get_html(&format!("/plans/{plan}/activities/new"))
        .await;
    assert!(html.contains(r#"data-start="""#), "the whole world");
    let html = t.browser.get_html(&format!("/plans/{plan}/details")).await;
    assert!(!html.contains("(from the"));
    app.activity(plan)
        .title("Tram 28")
        .at("38.7139", "-9.1335")
        .insert();
    let html = t
        .browser
        .get_html(&format!("/plans/{plan}/activities/new"))
        .await;
    assert!(
        html.contains(r#"data-start="{&#34;bounds&#34;:[[38.7139,-9.1335]]}""#),
        "{html}"
    );
    let html = t.browser.get_html(&format!("/plans/{plan}/details")).await;
    assert!(
        html.contains("Europe/Lisbon (from the first activity with a place)"),
        "{html}"
    );
    assert_eq!(field_value(&html, "timezone"), None, "offered, not chosen");
}
