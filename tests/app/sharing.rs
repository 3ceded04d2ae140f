//! Sharing: share-token links (strength, regeneration, revocation), what the shared page
//! and its calendar show and hide, headers, copying a shared plan, unsafe methods, and
//! Explore (who is listed, search, filters, pages, and who may make a plan public).

use diesel::prelude::*;
use serde_json::{Value, json};
use wayfare::db::schema::{plan_activities, plans};

mod copy;
mod explore;
mod links;
mod privacy;

use crate::plans::{create_plan, traveller, version_of};
use crate::support::{Browser, TestApp};

/// Creates (or replaces) the plan's share link as its owner; returns the token.
pub async fn share(app: &TestApp, owner: &Browser, plan: i32) -> String {
    let response = owner.post_form(&format!("/plans/{plan}/share"), &[]).await;
    crate::support::assert_is_redirect_to(&response, &format!("/plans/{plan}#sharing"));
    app.plan_row(plan)
        .and_then(|p| p.share_token)
        .expect("a share token")
}

/// Sets the sharing options as the owner would from the plan page.
pub async fn set_options(
    app: &TestApp,
    owner: &Browser,
    plan: i32,
    show_costs: bool,
    show_bookings: bool,
    display_name: &str,
) {
    let version = version_of(app, "plans", plan);
    let mut form = vec![("display_name", display_name), ("version", &version)];
    if show_costs {
        form.push(("show_costs", "on"));
    }
    if show_bookings {
        form.push(("show_bookings", "on"));
    }
    let response = owner
        .post_form(&format!("/plans/{plan}/share/options"), &form)
        .await;
    crate::support::assert_is_redirect_to(&response, &format!("/plans/{plan}#sharing"));
}

/// A plan with a link, made by a new owner: (owner, plan id, token).
pub async fn shared_plan(
    app: &TestApp,
    owner_name: &str,
    fields: &[(&str, &str)],
) -> (crate::plans::Traveller, i32, String) {
    let owner = traveller(app, owner_name).await;
    let plan = create_plan(&owner.browser, fields).await;
    let token = share(app, &owner.browser, plan).await;
    (owner, plan, token)
}

/// Strings only booking details reveal: an activity's booking and contact, where they stay,
/// how they arrive, a booking made elsewhere.
pub const BOOKING_DETAILS: &[&str] = &[
    "ACT-CONF-77",
    "Provider-77",
    "+44 20 7946 0777",
    "desk77@hotel.example",
    "https://hotel77.example/desk",
    "Hotel Seventy",
    "77 Secret Street",
    "HOTEL-CONF-77",
    "SeatAir77",
    "TP 777",
    "FLIGHT-CONF-77",
];
/// Costs the plan holds.
pub const PLAN_COSTS: &[&str] = &["432.19", "77.70", "300.77"];
/// Strings no reader ever gets: preferences and accessibility needs, unknown keys at every
/// level, and activity metadata of an unexpected shape.
pub const NEVER_SHARED: &[&str] = &[
    "WHEELCHAIR-77",
    "budget-luxe-77",
    "wifi-77",
    "walking-77",
    "Hidden key 77",
    "door-4277",
    "PNR-77",
    "Seat 77A",
    "Review source 77",
    "odd-shape-77",
];

/// A shared plan with every `plan_data` key filled through the forms (trip details,
/// preferences, accommodation, transport with a flight, a booking) plus unknown keys at
/// every level, an activity with costs, a booking and contact details, and one whose
/// metadata has an unexpected shape: (owner, plan, token).
pub async fn plan_with_everything(app: &TestApp) -> (crate::plans::Traveller, i32, String) {
    use crate::plans::{add_activity, form_version};
    let (owner, plan, token) = shared_plan(
        app,
        &crate::support::unique("owner"),
        &[("budget", "432.19"), ("title", "Everything trip")],
    )
    .await;
    add_activity(
        &owner.browser,
        app,
        plan,
        &[
            ("title", "Hotel check-in"),
            ("scheduled_date", "2026-07-01"),
            ("start_time", "15:00"),
            ("estimated_cost", "77.70"),
            ("confirmation_number", "ACT-CONF-77"),
            ("provider", "Provider-77"),
            ("phone", "+44 20 7946 0777"),
            ("email", "desk77@hotel.example"),
            ("website", "https://hotel77.example/desk"),
            ("rating", "4"),
            ("tags", "visible-tag"),
        ],
    )
    .await;
    let details = format!("/plans/{plan}/details");
    let version = form_version(&owner.browser, &details).await;
    let response = owner
        .browser
        .post_form(
            &details,
            &[
                ("timezone", "Europe/Lisbon"),
                ("notes", "Visible notes 77"),
                ("budget_type", "budget-luxe-77"),
                ("group_size", "2"),
                ("accessibility_needs", "WHEELCHAIR-77"),
                ("accommodation_type", "hotel"),
                ("accommodation_preferences", "wifi-77"),
                ("arrival_method", "flight"),
                ("arrival_carrier", "SeatAir77"),
                ("arrival_number", "TP 777"),
                ("arrival_time", "10:05"),
                ("local_methods", "walking-77"),
                ("version", &version),
            ],
        )
        .await;
    assert_eq!(response.status(), reqwest::StatusCode::SEE_OTHER);
    // A stay's booking and a flight kept in the plan's details from before bookings were
    // activities.
    let mut data = app.plan_row(plan).unwrap().plan_data.unwrap();
    data["accommodation"]["booking_details"] = json!({"name": "Hotel Seventy",
        "address": "77 Secret Street", "confirmation_number": "HOTEL-CONF-77", "check_in": "2026-07-01"});
    data["external_bookings"] = json!({"flights": [{"provider": "TAP",
        "confirmation_number": "FLIGHT-CONF-77", "starts_at": "2026-07-01 08:00", "cost": "300.77"}],
        "hotels": [], "activities": []});
    app.exec(diesel::update(plans::table.find(plan)).set(plans::plan_data.eq(data)));
    // Keys no form writes, at every level, and an activity of unexpected shape.
    let mut data = app.plan_row(plan).unwrap().plan_data.unwrap();
    let set = |data: &mut Value, parent: &str, key: &str, value: &str| {
        let parent = data.pointer_mut(parent).and_then(Value::as_object_mut);
        parent
            .unwrap_or_else(|| panic!("the plan has no {key}'s parent"))
            .insert(key.to_string(), json!(value));
    };
    data.as_object_mut()
        .unwrap()
        .insert("secret_key".into(), json!({"note": "Hidden key 77"}));
    set(
        &mut data,
        "/accommodation/booking_details",
        "door",
        "door-4277",
    );
    set(&mut data, "/external_bookings/flights/0", "pnr", "PNR-77");
    set(
        &mut data,
        "/transportation/arrival/details",
        "seat",
        "Seat 77A",
    );
    app.exec(diesel::update(plans::table.find(plan)).set(plans::plan_data.eq(data)));
    for activity in app.activities_of(plan) {
        let mut metadata = activity.metadata.unwrap();
        if let Some(reviews) = metadata.get_mut("reviews").and_then(Value::as_object_mut) {
            reviews.insert("source".into(), json!("Review source 77"));
        }
        app.exec(
            diesel::update(plan_activities::table.find(activity.id))
                .set(plan_activities::metadata.eq(metadata)),
        );
    }
    app.activity(plan)
        .title("Odd one")
        .date("2026-07-02")
        .metadata(json!({
            "tags": "odd-shape-77",
            "booking_info": {"confirmation_number": "odd-shape-77"},
            "contact_info": {"phone": ["odd-shape-77"]},
            "door": "door-4277"
        }))
        .insert();
    (owner, plan, token)
}

/// Adds `added`'s top-level keys to a plan's `plan_data`, replacing those it has, as
/// jsonb's `||` does.
pub fn merge_data(app: &TestApp, plan: i32, added: Value) {
    let mut data = app.plan_row(plan).unwrap().plan_data.unwrap();
    data.as_object_mut()
        .unwrap()
        .extend(added.as_object().unwrap().clone());
    app.exec(diesel::update(plans::table.find(plan)).set(plans::plan_data.eq(data)));
}

/// Everything a copy holds, as JSON text: its plan row and its activities.
pub fn copy_text(app: &TestApp, copy: i32) -> String {
    serde_json::to_string(&(app.plan_row(copy).unwrap(), app.activities_of(copy))).unwrap()
}
