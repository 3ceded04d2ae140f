//! Lost updates: two browsers edit the same plan from the same version; the second save
//! answers 409, shows the newer data, keeps what was typed, and saves only when sent again.

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
