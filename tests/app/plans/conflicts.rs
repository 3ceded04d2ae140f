//! Lost updates: two browsers edit the same plan from the same version. A form without
//! what it was opened with (`base`) answers 409, shows the newer data, keeps what was typed
//! and saves only when sent again; with it, the second save is merged with the first field
//! by field (below).

use reqwest::StatusCode;
use wayfare::domain::PlanStatus;

use super::*;
use crate::support::{assert_is_redirect_to, spawn_app};

#[tokio::test]
async fn the_second_of_two_edits_from_one_version_is_a_409_that_keeps_the_typing() {
    let app = spawn_app().await;
    let t = traveller(&app, "ana").await;
    let laptop = t.browser.clone();
    let phone = app.signed_in(&t.user).await;
    let id = create_plan(&laptop, &[]).await;
    let path = format!("/plans/{id}/edit");
    let version = form_version(&laptop, &path).await;
    assert_eq!(form_version(&phone, &path).await, version);

    let mut first = plan_form(&[("title", "Laptop title"), ("budget", "900.00")]);
    first.push(("version", &version));
    assert_is_redirect_to(
        &laptop.post_form(&path, &first).await,
        &format!("/plans/{id}"),
    );

    let before = app.snapshot();
    let mut second = plan_form(&[
        ("title", "Phone title"),
        ("destination", "Sintra"),
        ("description", "Typed on the phone"),
    ]);
    second.push(("version", &version));
    let response = phone.post_form(&path, &second).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let html = response.text().await.unwrap();
    assert_eq!(app.snapshot(), before, "nothing written");
    // What the phone typed is in the form...
    assert_eq!(field_value(&html, "title").as_deref(), Some("Phone title"));
    assert_eq!(field_value(&html, "destination").as_deref(), Some("Sintra"));
    assert_eq!(
        field_value(&html, "description").as_deref(),
        Some("Typed on the phone")
    );
    // ...and the laptop's saved version is shown beside it.
    let conflict = texts(&html, ".conflict").join(" ");
    assert!(conflict.contains("Someone changed this plan"), "{conflict}");
    assert!(conflict.contains("Laptop title"), "{conflict}");
    assert!(conflict.contains("€900.00"), "{conflict}");
    let newer = field_value(&html, "version").unwrap();
    assert_ne!(newer, version, "the form now carries the newer version");

    // Sending it again saves over the newer version, on purpose.
    let mut again = second.clone();
    again.retain(|(k, _)| *k != "version");
    again.push(("version", &newer));
    assert_is_redirect_to(
        &phone.post_form(&path, &again).await,
        &format!("/plans/{id}"),
    );
    let plan = app.plan_row(id).unwrap();
    assert_eq!(
        (plan.title.as_str(), plan.destination.as_deref()),
        ("Phone title", Some("Sintra"))
    );

    // A form without a usable version never overwrites blindly.
    for bad in ["", "abc", "0", "99999999999999999999"] {
        let before = app.snapshot();
        let mut form = plan_form(&[("title", "Blind write")]);
        form.push(("version", bad));
        let response = phone.post_form(&path, &form).await;
        assert_eq!(response.status(), StatusCode::CONFLICT, "version {bad:?}");
        assert_eq!(app.snapshot(), before);
    }
}

#[tokio::test]
async fn other_changes_to_the_plan_also_make_an_open_edit_form_stale() {
    let app = spawn_app().await;
    let t = traveller(&app, "ana").await;
    let id = create_plan(&t.browser, &[]).await;
    let path = format!("/plans/{id}/edit");
    let version = form_version(&t.browser, &path).await;
    // A status change from the plan page in another tab.
    t.browser
        .post_form(&format!("/plans/{id}/status"), &[("status", "archived")])
        .await;
    let mut form = plan_form(&[("title", "Stale")]);
    form.push(("version", &version));
    let response = t.browser.post_form(&path, &form).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let plan = app.plan_row(id).unwrap();
    assert_eq!(
        (plan.status, plan.title.as_str()),
        (Some(PlanStatus::Archived), "Lisbon in July")
    );

    // The details form and the raw editor follow the same rule.
    let details = form_version(&t.browser, &format!("/plans/{id}/details")).await;
    let raw = form_version(&t.browser, &format!("/plans/{id}/data")).await;
    let response = t
        .browser
        .post_form(
            &format!("/plans/{id}/details"),
            &[("notes", "First"), ("version", &details)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let before = app.snapshot();
    let response = t
        .browser
        .post_form(
            &format!("/plans/{id}/details"),
            &[("notes", "Second, typed meanwhile"), ("version", &details)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let html = response.text().await.unwrap();
    assert_eq!(
        field_value(&html, "notes").as_deref(),
        Some("Second, typed meanwhile")
    );
    assert!(html.contains("changed while you were editing"));
    assert_eq!(app.snapshot(), before);

    let response = t
        .browser
        .post_form(
            &format!("/plans/{id}/data"),
            &[("plan_data", "{\"notes\": \"raw\"}"), ("version", &raw)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let html = response.text().await.unwrap();
    assert_eq!(
        field_value(&html, "plan_data").as_deref(),
        Some("{\"notes\": \"raw\"}")
    );
    assert!(
        texts(&html, ".conflict pre").join("").contains("\"First\""),
        "the saved data"
    );
    assert_eq!(app.snapshot(), before);

    // Sharing options too: a stale version is refused.
    let response = t
        .browser
        .post_form(
            &format!("/plans/{id}/share/options"),
            &[("show_costs", "on"), ("version", &raw)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert_eq!(app.snapshot(), before);
}

// ---------------------------------------------------------------- merging two edits
//
// Two browsers of one traveller open the same form; one saves, then the other. The second
// save is merged field by field with the first (the form carries what it was opened with
// in `base`): different fields → both kept at once; the same field → 409 with both
// values, and saving again writes that field only.

/// A form's fields as a browser sends them.
type Form = Vec<(String, String)>;

/// Every field of the form posting to `action` on the page at `path`, as a browser sends
/// it untouched (a textarea's line breaks as CRLF).
async fn opened(browser: &Browser, path: &str, action: &str) -> Form {
    as_shown(&browser.get_html(path).await, action)
}

fn as_shown(html: &str, action: &str) -> Form {
    let doc = scraper::Html::parse_document(html);
    let form = doc
        .select(&selector(&format!("form[action=\"{action}\"]")))
        .next()
        .unwrap_or_else(|| panic!("no form posting to {action}"));
    form.select(&selector("input[name], textarea[name], select[name]"))
        .map(|field| {
            let name = field.value().attr("name").unwrap().to_string();
            let value = match field.value().name() {
                "textarea" => field.text().collect::<String>().replace('\n', "\r\n"),
                "select" => {
                    let options: Vec<_> = field.select(&selector("option")).collect();
                    let chosen = options
                        .iter()
                        .find(|o| o.value().attr("selected").is_some())
                        .or(options.first());
                    chosen
                        .and_then(|o| o.value().attr("value"))
                        .unwrap_or_default()
                        .to_string()
                }
                _ => field.value().attr("value").unwrap_or_default().to_string(),
            };
            (name, value)
        })
        .collect()
}

fn selector(css: &str) -> scraper::Selector {
    scraper::Selector::parse(css).unwrap()
}

/// `form` with what the user typed over it.
fn typed(form: &Form, changes: &[(&str, &str)]) -> Form {
    let mut form = form.clone();
    for (name, value) in changes {
        let field = form
            .iter_mut()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no field {name}"));
        field.1 = value.to_string();
    }
    form
}

/// `form` with its `base` replaced (`None`: left out).
fn with_base(form: &Form, base: Option<&str>) -> Form {
    let mut form: Form = form.iter().filter(|(n, _)| n != "base").cloned().collect();
    if let Some(base) = base {
        form.push(("base".into(), base.into()));
    }
    form
}

async fn send(browser: &Browser, action: &str, form: &Form) -> Response {
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    browser.post_form(action, &fields).await
}

/// The note beside the field `name` about someone else's change, checking that the field
/// points at it.
fn note(html: &str, name: &str) -> Option<String> {
    let doc = scraper::Html::parse_document(html);
    let note = doc.select(&selector(&format!("#{name}-note"))).next()?;
    let field = doc
        .select(&selector(&format!("[name=\"{name}\"]")))
        .next()
        .unwrap();
    let described = field.value().attr("aria-describedby").unwrap_or_default();
    assert!(
        described.split(' ').any(|id| id == format!("{name}-note")),
        "{name} does not point at its note: {described:?}"
    );
    Some(note.text().collect::<String>())
}

/// The texts of the conflict notice at the top of a form.
fn notice(html: &str) -> String {
    texts(html, ".conflict").join(" ")
}

/// A traveller with two signed-in browsers.
async fn two_browsers(app: &TestApp) -> (Browser, Browser) {
    let t = traveller(app, "ana").await;
    let phone = app.signed_in(&t.user).await;
    (t.browser, phone)
}

#[tokio::test]
async fn plan_edits_of_different_fields_are_combined_and_nothing_is_reverted() {
    let app = spawn_app().await;
    let (laptop, phone) = two_browsers(&app).await;
    let id = create_plan(&laptop, &[("description", "Tiles.\nTrams.")]).await;
    let path = format!("/plans/{id}/edit");
    let on_laptop = opened(&laptop, &path, &path).await;
    let on_phone = opened(&phone, &path, &path).await;

    let first = typed(
        &on_laptop,
        &[
            ("title", "Laptop title"),
            ("budget", "900.00"),
            ("description", "Tiles.\nTrams.\nTarts."),
        ],
    );
    assert_is_redirect_to(&send(&laptop, &path, &first).await, &format!("/plans/{id}"));
    // The phone's description, untouched, comes back with CRLF line breaks: no change.
    let second = typed(&on_phone, &[("destination", "Sintra")]);
    assert_is_redirect_to(&send(&phone, &path, &second).await, &format!("/plans/{id}"));

    let plan = app.plan_row(id).unwrap();
    assert_eq!(plan.title, "Laptop title");
    assert_eq!(plan.destination.as_deref(), Some("Sintra"));
    assert_eq!(plan.budget, Some(crate::support::decimal("900")));
    assert_eq!(plan.description.as_deref(), Some("Tiles.\nTrams.\nTarts."));
    let page = phone.get_html(&format!("/plans/{id}")).await;
    let flash = texts(&page, ".flash").join(" ");
    assert!(
        flash.contains("combined") && flash.contains("(Title, Budget, Description)"),
        "{flash}"
    );
}

#[tokio::test]
async fn a_plan_field_changed_in_both_browsers_is_a_409_with_both_values_and_saving_again_keeps_the_rest()
 {
    let app = spawn_app().await;
    let (laptop, phone) = two_browsers(&app).await;
    let id = create_plan(&laptop, &[]).await;
    let path = format!("/plans/{id}/edit");
    let on_laptop = opened(&laptop, &path, &path).await;
    let on_phone = opened(&phone, &path, &path).await;
    let first = typed(&on_laptop, &[("title", "Laptop title"), ("budget", "900")]);
    assert_is_redirect_to(&send(&laptop, &path, &first).await, &format!("/plans/{id}"));

    let before = app.snapshot();
    let second = typed(
        &on_phone,
        &[("title", "Phone title"), ("destination", "Sintra")],
    );
    let response = send(&phone, &path, &second).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let html = response.text().await.unwrap();
    assert_eq!(app.snapshot(), before, "nothing written");
    // Mine where I typed, theirs where only they did, each marked.
    assert_eq!(field_value(&html, "title").as_deref(), Some("Phone title"));
    assert_eq!(field_value(&html, "destination").as_deref(), Some("Sintra"));
    assert_eq!(field_value(&html, "budget").as_deref(), Some("900.00"));
    let title = note(&html, "title").unwrap();
    assert!(title.contains("Saved meanwhile: Laptop title"), "{title}");
    assert_eq!(
        note(&html, "budget").as_deref(),
        Some("Changed by someone else")
    );
    assert_eq!(note(&html, "destination"), None);
    let notice = notice(&html);
    assert!(
        notice.contains("Title: you both changed it") && notice.contains("Budget: taken in"),
        "{notice}"
    );
    assert!(!notice.contains("Destination"), "{notice}");
    assert_eq!(
        field_value(&html, "version").unwrap(),
        version_of(&app, "plans", id),
        "the form is on the current version now"
    );

    // Meanwhile the laptop changes the description too.
    let third = typed(
        &opened(&laptop, &path, &path).await,
        &[("description", "Typed on the laptop")],
    );
    assert_is_redirect_to(&send(&laptop, &path, &third).await, &format!("/plans/{id}"));

    // Saving the form as it came back writes my fields only: my title and destination,
    // their budget and their newer description.
    let again = as_shown(&html, &path);
    assert_is_redirect_to(&send(&phone, &path, &again).await, &format!("/plans/{id}"));
    let plan = app.plan_row(id).unwrap();
    assert_eq!(plan.title, "Phone title");
    assert_eq!(plan.destination.as_deref(), Some("Sintra"));
    assert_eq!(plan.budget, Some(crate::support::decimal("900")));
    assert_eq!(plan.description.as_deref(), Some("Typed on the laptop"));
}

#[tokio::test]
async fn a_plan_form_without_a_readable_base_is_a_409_as_typed_and_an_invalid_merge_a_422() {
    let app = spawn_app().await;
    let (laptop, phone) = two_browsers(&app).await;
    let id = create_plan(&laptop, &[]).await;
    let path = format!("/plans/{id}/edit");
    let on_phone = opened(&phone, &path, &path).await;
    let first = typed(
        &opened(&laptop, &path, &path).await,
        &[("start_date", "2026-07-04")],
    );
    assert_is_redirect_to(&send(&laptop, &path, &first).await, &format!("/plans/{id}"));

    let before = app.snapshot();
    let huge = "x".repeat(200_000);
    for base in [
        None,
        Some(""),
        Some("garbage"),
        Some("{\"title\": \"Lisbon in July\"}"),
        Some(huge.as_str()),
    ] {
        let form = with_base(&typed(&on_phone, &[("title", "Phone title")]), base);
        let response = send(&phone, &path, &form).await;
        assert_eq!(
            response.status(),
            StatusCode::CONFLICT,
            "base {:.20?}",
            base
        );
        let html = response.text().await.unwrap();
        assert_eq!(app.snapshot(), before, "nothing written");
        assert_eq!(field_value(&html, "title").as_deref(), Some("Phone title"));
        assert_eq!(
            field_value(&html, "start_date").as_deref(),
            Some("2026-07-01"),
            "as typed"
        );
        assert!(
            notice(&html).contains("The saved version now reads"),
            "today's notice"
        );
        assert_eq!(note(&html, "start_date"), None);
    }

    // Their new start and my new end are each valid, but not together.
    let form = typed(&on_phone, &[("end_date", "2026-07-03")]);
    let response = send(&phone, &path, &form).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert_eq!(app.snapshot(), before, "nothing written");
    assert_eq!(
        field_error(&html, "end_date").as_deref(),
        Some("The trip cannot end before it starts.")
    );
    assert_eq!(
        field_value(&html, "start_date").as_deref(),
        Some("2026-07-04")
    );
    assert_eq!(
        note(&html, "start_date").as_deref(),
        Some("Changed by someone else")
    );
    assert!(
        notice(&html).contains("Start date: taken in"),
        "{}",
        notice(&html)
    );
}

#[tokio::test]
async fn activity_edits_of_different_fields_are_combined_and_nothing_is_reverted() {
    let app = spawn_app().await;
    let (laptop, phone) = two_browsers(&app).await;
    let plan = create_plan(&laptop, &[]).await;
    let id = castle(&app, plan);
    let path = format!("/plans/{plan}/activities/{id}/edit");
    let on_laptop = opened(&laptop, &path, &path).await;
    let on_phone = opened(&phone, &path, &path).await;

    let first = typed(
        &on_laptop,
        &[("title", "Castle at dawn"), ("estimated_cost", "12")],
    );
    assert_eq!(
        send(&laptop, &path, &first).await.status(),
        StatusCode::SEE_OTHER
    );
    let second = typed(&on_phone, &[("location_name", "Alfama"), ("tags", "views")]);
    assert_is_redirect_to(
        &send(&phone, &path, &second).await,
        &format!("/plans/{plan}#activity-{id}"),
    );

    let a = app.activity_row(id).unwrap();
    assert_eq!(a.title, "Castle at dawn");
    assert_eq!(a.estimated_cost, Some(crate::support::decimal("12")));
    assert_eq!(a.location_name.as_deref(), Some("Alfama"));
    assert_eq!(a.metadata.unwrap()["tags"], serde_json::json!(["views"]));
    let page = phone.get_html(&format!("/plans/{plan}")).await;
    let flash = texts(&page, ".flash").join(" ");
    assert!(
        flash.contains("combined") && flash.contains("(Title, Estimated cost)"),
        "{flash}"
    );
}

/// An activity on the plan's first day, 09:00 to 10:00.
fn castle(app: &TestApp, plan: i32) -> i32 {
    app.activity(plan)
        .title("Castle")
        .date("2026-07-01")
        .starts("09:00")
        .ends("10:00")
        .cost("10")
        .insert()
        .id
        .0
}

#[tokio::test]
async fn an_activity_field_changed_in_both_browsers_is_a_409_and_saving_again_keeps_the_rest() {
    let app = spawn_app().await;
    let (laptop, phone) = two_browsers(&app).await;
    let plan = create_plan(&laptop, &[]).await;
    let id = castle(&app, plan);
    let path = format!("/plans/{plan}/activities/{id}/edit");
    let on_laptop = opened(&laptop, &path, &path).await;
    let on_phone = opened(&phone, &path, &path).await;
    let first = typed(
        &on_laptop,
        &[("title", "Castle at dawn"), ("start_time", "08:00")],
    );
    assert_eq!(
        send(&laptop, &path, &first).await.status(),
        StatusCode::SEE_OTHER
    );

    let before = app.snapshot();
    let second = typed(
        &on_phone,
        &[
            ("title", "Castle at dusk"),
            ("description", "Bring a torch"),
        ],
    );
    let response = send(&phone, &path, &second).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let html = response.text().await.unwrap();
    assert_eq!(app.snapshot(), before, "nothing written");
    assert_eq!(
        field_value(&html, "title").as_deref(),
        Some("Castle at dusk")
    );
    // The notes are where the reader can see them: the folded section opens.
    assert!(html.contains("<details open>"), "{html}");
    assert_eq!(field_value(&html, "start_time").as_deref(), Some("08:00"));
    assert_eq!(
        field_value(&html, "description").as_deref(),
        Some("Bring a torch")
    );
    let title = note(&html, "title").unwrap();
    assert!(title.contains("Saved meanwhile: Castle at dawn"), "{title}");
    assert_eq!(
        note(&html, "start_time").as_deref(),
        Some("Changed by someone else")
    );
    let notice = notice(&html);
    assert!(
        notice.contains("Title: you both changed it") && notice.contains("Starts: taken in"),
        "{notice}"
    );
    assert_eq!(
        field_value(&html, "version").unwrap(),
        version_of(&app, "plan_activities", id)
    );

    let again = as_shown(&html, &path);
    assert_eq!(
        send(&phone, &path, &again).await.status(),
        StatusCode::SEE_OTHER
    );
    let a = app.activity_row(id).unwrap();
    assert_eq!(a.title, "Castle at dusk");
    assert_eq!(a.start_time, Some(crate::support::time("08:00")));
    assert_eq!(a.description.as_deref(), Some("Bring a torch"));
}

#[tokio::test]
async fn an_activity_form_without_a_readable_base_is_a_409_as_typed_and_an_invalid_merge_a_422() {
    let app = spawn_app().await;
    let (laptop, phone) = two_browsers(&app).await;
    let plan = create_plan(&laptop, &[]).await;
    let id = castle(&app, plan);
    let path = format!("/plans/{plan}/activities/{id}/edit");
    let on_phone = opened(&phone, &path, &path).await;
    let first = typed(
        &opened(&laptop, &path, &path).await,
        &[("end_time", "11:00")],
    );
    assert_eq!(
        send(&laptop, &path, &first).await.status(),
        StatusCode::SEE_OTHER
    );

    let before = app.snapshot();
    for base in [None, Some("garbage"), Some("[1, 2]")] {
        let form = with_base(&typed(&on_phone, &[("title", "Phone title")]), base);
        let response = send(&phone, &path, &form).await;
        assert_eq!(response.status(), StatusCode::CONFLICT, "base {base:?}");
        let html = response.text().await.unwrap();
        assert_eq!(app.snapshot(), before, "nothing written");
        assert_eq!(field_value(&html, "title").as_deref(), Some("Phone title"));
        assert_eq!(
            field_value(&html, "end_time").as_deref(),
            Some("10:00"),
            "as typed"
        );
        assert!(
            notice(&html).contains("The saved version is"),
            "today's notice"
        );
    }

    // My new start meets their new end: each valid, not together.
    let form = typed(&on_phone, &[("start_time", "11:00")]);
    let response = send(&phone, &path, &form).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert_eq!(app.snapshot(), before, "nothing written");
    assert_eq!(field_value(&html, "end_time").as_deref(), Some("11:00"));
    assert_eq!(
        note(&html, "end_time").as_deref(),
        Some("Changed by someone else")
    );
    assert!(
        texts(&html, "#end_time-error")
            .join("")
            .contains("The end must differ from the start"),
        "{html}"
    );
}

#[tokio::test]
async fn trip_details_edits_of_different_fields_are_combined_and_nothing_is_reverted() {
    let app = spawn_app().await;
    let (laptop, phone) = two_browsers(&app).await;
    let id = create_plan(&laptop, &[]).await;
    let path = format!("/plans/{id}/details");
    let on_laptop = opened(&laptop, &path, &path).await;
    let on_phone = opened(&phone, &path, &path).await;

    let first = typed(
        &on_laptop,
        &[("notes", "Laptop notes\nline two"), ("group_size", "4")],
    );
    assert_is_redirect_to(&send(&laptop, &path, &first).await, &format!("/plans/{id}"));
    let second = typed(&on_phone, &[("arrival_carrier", "TAP")]);
    assert_is_redirect_to(&send(&phone, &path, &second).await, &format!("/plans/{id}"));

    let data = app.plan_row(id).unwrap().plan_data.unwrap();
    assert_eq!(data["notes"], "Laptop notes\nline two");
    assert_eq!(data["preferences"]["group_size"], 4);
    assert_eq!(
        data["transportation"]["arrival"]["details"]["carrier"],
        "TAP"
    );
    let page = phone.get_html(&format!("/plans/{id}")).await;
    let flash = texts(&page, ".flash").join(" ");
    assert!(
        flash.contains("combined") && flash.contains("(Notes, Travellers)"),
        "{flash}"
    );
}

#[tokio::test]
async fn a_trip_details_field_changed_in_both_browsers_is_a_409_and_saving_again_keeps_the_rest() {
    let app = spawn_app().await;
    let (laptop, phone) = two_browsers(&app).await;
    let id = create_plan(&laptop, &[]).await;
    let path = format!("/plans/{id}/details");
    let on_laptop = opened(&laptop, &path, &path).await;
    let on_phone = opened(&phone, &path, &path).await;
    let first = typed(
        &on_laptop,
        &[("notes", "Laptop notes"), ("travel_style", "relaxed")],
    );
    assert_is_redirect_to(&send(&laptop, &path, &first).await, &format!("/plans/{id}"));

    let before = app.snapshot();
    let second = typed(
        &on_phone,
        &[("notes", "Phone notes"), ("arrival_number", "TP1350")],
    );
    let response = send(&phone, &path, &second).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let html = response.text().await.unwrap();
    assert_eq!(app.snapshot(), before, "nothing written");
    assert_eq!(field_value(&html, "notes").as_deref(), Some("Phone notes"));
    assert_eq!(
        field_value(&html, "travel_style").as_deref(),
        Some("relaxed")
    );
    assert_eq!(
        field_value(&html, "arrival_number").as_deref(),
        Some("TP1350")
    );
    let notes = note(&html, "notes").unwrap();
    assert!(notes.contains("Saved meanwhile: Laptop notes"), "{notes}");
    assert_eq!(
        note(&html, "travel_style").as_deref(),
        Some("Changed by someone else")
    );
    let notice = notice(&html);
    assert!(
        notice.contains("Notes: you both changed it") && notice.contains("Travel style: taken in"),
        "{notice}"
    );

    let again = as_shown(&html, &path);
    assert_is_redirect_to(&send(&phone, &path, &again).await, &format!("/plans/{id}"));
    let data = app.plan_row(id).unwrap().plan_data.unwrap();
    assert_eq!(data["notes"], "Phone notes");
    assert_eq!(data["preferences"]["travel_style"], "relaxed");
    assert_eq!(
        data["transportation"]["arrival"]["details"]["number"],
        "TP1350"
    );
}

#[tokio::test]
async fn a_trip_details_form_without_a_readable_base_is_a_409_as_typed_and_an_invalid_merge_a_422()
{
    let app = spawn_app().await;
    let (laptop, phone) = two_browsers(&app).await;
    let id = create_plan(&laptop, &[]).await;
    let path = format!("/plans/{id}/details");
    let on_phone = opened(&phone, &path, &path).await;
    // The raw editor takes a time zone the details form refuses.
    let raw = format!("/plans/{id}/data");
    let first = typed(
        &opened(&laptop, &raw, &raw).await,
        &[(
            "plan_data",
            r#"{"timezone": "Mars/Olympus", "notes": "From the raw editor"}"#,
        )],
    );
    assert_is_redirect_to(&send(&laptop, &raw, &first).await, &format!("/plans/{id}"));

    let before = app.snapshot();
    for base in [None, Some("garbage"), Some("{\"notes\": 1}")] {
        let form = with_base(&typed(&on_phone, &[("travel_style", "slow")]), base);
        let response = send(&phone, &path, &form).await;
        assert_eq!(response.status(), StatusCode::CONFLICT, "base {base:?}");
        let html = response.text().await.unwrap();
        assert_eq!(app.snapshot(), before, "nothing written");
        assert_eq!(field_value(&html, "travel_style").as_deref(), Some("slow"));
        assert_eq!(field_value(&html, "notes").as_deref(), Some(""), "as typed");
        assert!(notice(&html).contains("changed while you were editing"));
    }

    let form = typed(&on_phone, &[("travel_style", "slow")]);
    let response = send(&phone, &path, &form).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert_eq!(app.snapshot(), before, "nothing written");
    assert_eq!(
        field_value(&html, "timezone").as_deref(),
        Some("Mars/Olympus")
    );
    assert_eq!(
        note(&html, "timezone").as_deref(),
        Some("Changed by someone else")
    );
    assert!(texts(&html, "#timezone-error").join("").len() > 5, "{html}");
    assert_eq!(
        note(&html, "notes").as_deref(),
        Some("Changed by someone else")
    );
    assert_eq!(field_value(&html, "travel_style").as_deref(), Some("slow"));
}
