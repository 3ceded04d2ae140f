//! Plans: every form (valid, each invalid field, nothing written), the list, the status
//! workflow, copies and deletion, lost updates, `plan_data` through forms and the raw
//! editor, calendar, export and import, access by anyone else, escaping, the number of
//! statements a page runs and the daily creation limit.
//!
//! The fixtures below are shared with the `activities` and `sharing` modules.

use std::collections::BTreeMap;

use diesel::dsl::max;
use diesel::prelude::*;
use reqwest::header::LOCATION;
use reqwest::{Response, StatusCode};
use wayfare::db::schema::plan_activities;

use crate::support::{Browser, TestApp, TestUser, date};

mod access;
mod amounts;
pub mod calendar;
mod conflicts;
mod data;
mod escaping;
mod files;
mod forms;
mod limits;
mod list;
mod page;
mod queries;
mod roles;
mod undo;
mod workflow;

// ---------------------------------------------------------------- fixtures

/// The two payloads every text field is tried with.
pub const XSS: [&str; 2] = [
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
];

/// A valid plan form with `overrides` replacing (or adding) fields.
pub fn plan_form<'a>(overrides: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![
        ("title", "Lisbon in July"),
        ("description", "Tiles, trams and custard tarts."),
        ("destination", "Lisbon, Portugal"),
        ("start_date", "2026-07-01"),
        ("end_date", "2026-07-05"),
        ("budget", "1250.50"),
        ("currency", "EUR"),
    ];
    for (name, value) in overrides {
        form.retain(|(k, _)| k != name);
        form.push((name, value));
    }
    form
}

/// The id in a `Location: /plans/{id}…` header.
pub fn plan_id_in(response: &Response) -> i32 {
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "expected a redirect to a plan"
    );
    let location = response.headers()[LOCATION].to_str().unwrap();
    let rest = location
        .strip_prefix("/plans/")
        .unwrap_or_else(|| panic!("redirected to {location}"));
    rest.split(['/', '#', '?']).next().unwrap().parse().unwrap()
}

/// Creates a plan through the form (the valid defaults changed by `overrides`).
pub async fn create_plan(browser: &Browser, overrides: &[(&str, &str)]) -> i32 {
    let response = browser.post_form("/plans", &plan_form(overrides)).await;
    plan_id_in(&response)
}

/// Chooses who can find a plan (`private`, `link` or `public`), as its owner does in the
/// plan page's sharing section.
pub async fn set_visibility(browser: &Browser, plan: i32, visibility: &str) {
    let response = browser
        .post_form(
            &format!("/plans/{plan}/share/visibility"),
            &[("visibility", visibility)],
        )
        .await;
    crate::support::assert_is_redirect_to(&response, &format!("/plans/{plan}#sharing"));
}

/// A plan made through the form, then listed on Explore ("Everyone").
pub async fn create_listed_plan(browser: &Browser, overrides: &[(&str, &str)]) -> i32 {
    let plan = create_plan(browser, overrides).await;
    set_visibility(browser, plan, "public").await;
    plan
}

/// An activity straight in the database.
pub fn insert_activity(
    app: &TestApp,
    plan_id: i32,
    title: &str,
    date: Option<&str>,
    order_index: i32,
) -> i32 {
    let activity = app.activity(plan_id).title(title).order_index(order_index);
    match date {
        Some(day) => activity.date(day),
        None => activity,
    }
    .insert()
    .id
    .0
}

/// Adds an activity through the form; returns its id.
pub async fn add_activity(
    browser: &Browser,
    app: &TestApp,
    plan_id: i32,
    fields: &[(&str, &str)],
) -> i32 {
    let before = app
        .one::<Option<i32>, _>(plan_activities::table.select(max(plan_activities::id)))
        .unwrap_or(0);
    let response = browser
        .post_form(&format!("/plans/{plan_id}/activities"), fields)
        .await;
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "activity not added"
    );
    let id: i32 = app
        .one::<Option<i32>, _>(
            plan_activities::table
                .filter(plan_activities::plan_id.eq(plan_id))
                .select(max(plan_activities::id)),
        )
        .unwrap();
    assert!(id > before);
    id
}

/// The `version` field of the form at `path`, as the browser would submit it.
pub async fn form_version(browser: &Browser, path: &str) -> String {
    let html = browser.get_html(path).await;
    crate::support::extract_input(&html, "version")
        .unwrap_or_else(|| panic!("no version field on {path}"))
}

/// Titles of one day's activities in `order_index` order, with their indexes (-1 for none).
pub fn day_order(app: &TestApp, plan_id: i32, day: Option<&str>) -> Vec<(String, i32)> {
    use plan_activities as a;
    let of_plan = a::table.filter(a::plan_id.eq(plan_id)).into_boxed();
    let of_day = match day {
        Some(d) => of_plan.filter(a::scheduled_date.eq(date(d))),
        None => of_plan.filter(a::scheduled_date.is_null()),
    };
    app.all(
        of_day
            .order((a::order_index, a::id))
            .select((a::title, a::order_index)),
    )
    .into_iter()
    .map(|(title, index): (String, Option<i32>)| (title, index.unwrap_or(-1)))
    .collect()
}

/// Every day of the plan (and the undated ones) has positions 0, 1, 2… with no gap, repeat
/// or missing position.
pub fn assert_dense(app: &TestApp, plan_id: i32) {
    let activities = app.activities_by_day(plan_id);
    let mut days: BTreeMap<_, Vec<Option<i32>>> = BTreeMap::new();
    for a in &activities {
        days.entry(a.scheduled_date)
            .or_default()
            .push(a.order_index);
    }
    let gaps = days
        .values()
        .filter(|got| !got.iter().copied().eq((0..).take(got.len()).map(Some)))
        .count();
    // As `day:title=index`, for the failure message.
    let list: Vec<String> = activities
        .iter()
        .map(|a| {
            let day = a.scheduled_date.map_or("-".to_string(), |d| d.to_string());
            format!("{day}:{}={}", a.title, a.order_index.unwrap_or(-1))
        })
        .collect();
    assert_eq!(gaps, 0, "order_index is not dense: {}", list.join(", "));
}

/// The error shown right after the field named `name` (its next element sibling), if
/// any; the field is then marked `aria-invalid`.
pub fn field_error(html: &str, name: &str) -> Option<String> {
    field_error_at(html, &format!("[name=\"{name}\"]"))
}

/// Like `field_error`, for the first field matching a CSS selector (a page with two
/// forms that have fields of the same name).
pub fn field_error_at(html: &str, selector: &str) -> Option<String> {
    let doc = scraper::Html::parse_document(html);
    let name = selector;
    let selector = scraper::Selector::parse(selector).unwrap();
    let field = doc
        .select(&selector)
        .next()
        .unwrap_or_else(|| panic!("no field {name}"));
    let next = field.next_siblings().find_map(scraper::ElementRef::wrap)?;
    let is_error =
        next.value().name() == "small" && next.value().classes().any(|c| c == "field-error");
    if !is_error {
        return None;
    }
    assert_eq!(
        field.value().attr("aria-invalid"),
        Some("true"),
        "{name} has an error but is not marked invalid"
    );
    let message_id = next.value().id();
    assert!(
        message_id.is_some() && field.value().attr("aria-describedby") == message_id,
        "{name}'s error is not tied to it by aria-describedby"
    );
    Some(next.text().collect())
}

/// The names of the fields a page focuses when it opens (`autofocus`).
pub fn autofocused(html: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse("[autofocus]").unwrap();
    doc.select(&selector)
        .map(|e| e.value().attr("name").unwrap_or("?").to_string())
        .collect()
}

/// The `value` of the field `name` (an input's value or a textarea's text).
pub fn field_value(html: &str, name: &str) -> Option<String> {
    let doc = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse(&format!("[name=\"{name}\"]")).unwrap();
    let field = doc.select(&selector).next()?;
    match field.value().name() {
        "textarea" => Some(field.text().collect()),
        "select" => {
            let option = scraper::Selector::parse("option[selected]").unwrap();
            field
                .select(&option)
                .next()
                .and_then(|o| o.value().attr("value").map(str::to_string))
        }
        _ => field.value().attr("value").map(str::to_string),
    }
}

/// Text of every element matching `selector`.
pub fn texts(html: &str, selector: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse(selector).unwrap();
    doc.select(&selector)
        .map(|e| {
            e.text()
                .collect::<String>()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// No markup came from user data: no script element other than the site's own files,
/// no event-handler attribute, no image pointing at `x`.
pub fn assert_no_injected_markup(html: &str, page: &str) {
    let doc = scraper::Html::parse_document(html);
    let all = scraper::Selector::parse("*").unwrap();
    for element in doc.select(&all) {
        let value = element.value();
        if value.name() == "script" {
            assert!(
                value.attr("src").is_some_and(|s| s.starts_with("/static/")),
                "{page}: a script element that is not ours: {}",
                element.html()
            );
            assert!(
                element.text().collect::<String>().trim().is_empty(),
                "{page}: inline script"
            );
        }
        for (name, _) in value.attrs() {
            assert!(
                !name.starts_with("on"),
                "{page}: an event handler attribute: {}",
                element.html()
            );
        }
        assert!(
            !(value.name() == "img" && value.attr("src") == Some("x")),
            "{page}: an injected image: {}",
            element.html()
        );
    }
}

/// A multipart body with a `csrf_token` field (when given) and a `file` field.
pub async fn post_file(
    browser: &Browser,
    path: &str,
    csrf_token: Option<&str>,
    file_name: &str,
    bytes: &[u8],
) -> Response {
    let boundary = "----wayfare-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    if let Some(token) = csrf_token {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
             Content-Type: application/json\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    browser
        .client
        .post(browser.url(path))
        .header("Origin", &browser.address)
        .header(
            "Content-Type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap()
}

/// Imports a file as this browser, with a valid CSRF token.
pub async fn import_file(browser: &Browser, bytes: &[u8]) -> Response {
    let token = browser.csrf_token().await.unwrap();
    post_file(browser, "/plans/import", Some(&token), "plan.json", bytes).await
}

/// The JSON of `/plans/{id}/export.json`.
pub async fn export(browser: &Browser, plan_id: i32) -> serde_json::Value {
    let response = browser.get(&format!("/plans/{plan_id}/export.json")).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// A signed-in traveller with a browser.
pub struct Traveller {
    pub user: TestUser,
    pub browser: Browser,
}

pub async fn traveller(app: &TestApp, username: &str) -> Traveller {
    let user = app.user(username).insert();
    let browser = app.signed_in(&user).await;
    Traveller { user, browser }
}

/// A row's edit version (`updated_at` in microseconds since 1970), read past row-level
/// security.
pub fn version_of(app: &TestApp, table: &str, id: i32) -> String {
    let updated_at = match table {
        "plans" => app.plan_row(id).unwrap().updated_at,
        "plan_activities" => app.activity_row(id).unwrap().updated_at,
        other => panic!("no edit version in {other}"),
    };
    updated_at.unwrap().and_utc().timestamp_micros().to_string()
}
