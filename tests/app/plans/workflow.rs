//! The owner's workflow (archive and back), "make a copy" and deletion with its
//! confirmation page.

use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::json;
use wayfare::db::schema::plans;
use wayfare::domain::PlanStatus;

use super::*;
use crate::support::{activity_columns, assert_is_redirect_to, spawn_app};

#[tokio::test]
async fn the_plan_page_archives_a_plan_and_brings_it_back() {
    let app = spawn_app().await;
    let t = traveller(&app, "ana").await;
    let id = create_plan(&t.browser, &[]).await;
    let status = || app.plan_row(id).and_then(|p| p.status).unwrap();

    let page = t.browser.get_html(&format!("/plans/{id}")).await;
    assert_eq!(texts(&page, ".status-flow button"), vec!["Archive"]);
    assert!(
        !page.contains(">Publish<"),
        "listing on Explore is the sharing section's choice, not a status button"
    );

    for (next, flash, offered) in [
        (
            "archived",
            "The plan is archived.",
            "Bring back from the archive",
        ),
        ("draft", "The plan is back from the archive.", "Archive"),
    ] {
        let response = t
            .browser
            .post_form(&format!("/plans/{id}/status"), &[("status", next)])
            .await;
        assert_is_redirect_to(&response, &format!("/plans/{id}"));
        assert_eq!(status().as_str(), next);
        let page = t.browser.get_html(&format!("/plans/{id}")).await;
        assert!(page.contains(flash), "a flash");
        assert_eq!(
            page.contains("badge status-archived\">archived"),
            next == "archived"
        );
        assert_eq!(texts(&page, ".status-flow button"), vec![offered], "{next}");
    }

    let before = app.snapshot();
    for bad in ["published", "deleted", "Published", "draft'"] {
        let response = t
            .browser
            .post_form(&format!("/plans/{id}/status"), &[("status", bad)])
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad:?}");
        let html = response.text().await.unwrap();
        assert!(html.contains("Who can find this plan"), "{html}");
    }
    assert_eq!(app.snapshot(), before);
}

#[tokio::test]
async fn archiving_a_listed_plan_takes_it_off_explore_and_keeps_its_link() {
    let app = spawn_app().await;
    let t = traveller(&app, "ana").await;
    let id = create_listed_plan(&t.browser, &[]).await;
    let columns = || {
        let plan = app.plan_row(id).unwrap();
        (plan.status, plan.is_public, plan.share_token)
    };
    let token = app
        .plan_row(id)
        .and_then(|p| p.share_token)
        .expect("a listed plan has a link");
    let link = Some(token.clone());
    assert_eq!(
        columns(),
        (Some(PlanStatus::Published), Some(true), link.clone())
    );
    t.browser
        .post_form(&format!("/plans/{id}/status"), &[("status", "archived")])
        .await;
    assert_eq!(
        columns(),
        (Some(PlanStatus::Archived), Some(false), link.clone())
    );
    let anonymous = app.new_browser();
    assert!(
        !anonymous
            .get_html("/explore")
            .await
            .contains("Lisbon in July")
    );
    assert_eq!(
        anonymous.get(&format!("/explore/{id}")).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        anonymous.get(&format!("/s/{token}")).await.status(),
        StatusCode::OK,
        "the link still works"
    );
    t.browser
        .post_form(&format!("/plans/{id}/status"), &[("status", "draft")])
        .await;
    assert_eq!(
        columns(),
        (Some(PlanStatus::Draft), Some(false), link.clone())
    );
    set_visibility(&t.browser, id, "public").await;
    assert_eq!(
        columns(),
        (Some(PlanStatus::Published), Some(true), link),
        "the link stays the same"
    );
}

#[tokio::test]
async fn a_copy_has_every_field_and_every_activity_as_a_private_draft() {
    let app = spawn_app().await;
    let t = traveller(&app, "ana").await;
    let id = create_listed_plan(&t.browser, &[]).await;
    app.exec(
        diesel::update(plans::table.find(id))
            .set(plans::plan_data.eq(json!({"notes": "Pack light", "mood": {"x": [1, 2]}}))),
    );
    app.activity(id)
        .title("Tram 28")
        .description("Old town")
        .kind("transport")
        .location("Martim Moniz")
        .at("38.71667000", "-9.13333000")
        .address("Praça")
        .date("2026-07-01")
        .starts("09:00")
        .ends("10:00")
        .duration_minutes(60)
        .cost("3.10")
        .actual_cost("3.00")
        .completed()
        .metadata(json!({"tags": ["iconic"], "x": 1}))
        .insert();
    app.activity(id)
        .title("Pastéis")
        .kind("restaurant")
        .date("2026-07-01")
        .cost("1.30")
        .order_index(1)
        .insert();
    app.activity(id).title("Someday").insert();
    // Every column of the plan and of its activities.
    let source = || format!("{:?}", (app.plan_row(id), app.activities_of(id)));
    let source_before = source();

    let response = t
        .browser
        .post_form(&format!("/plans/{id}/duplicate"), &[])
        .await;
    let copy = plan_id_in(&response);
    assert_ne!(copy, id);
    let page = t.browser.get_html(&format!("/plans/{copy}")).await;
    assert!(page.contains("This is your copy, with all the activities."));
    assert!(page.contains("Copy of Lisbon in July"));

    let plan = |id: i32| {
        let p = app.plan_row(id).unwrap();
        (
            (p.user_id, p.description, p.destination),
            (p.start_date, p.end_date),
            (p.budget, p.currency),
            p.plan_data,
        )
    };
    assert_eq!(plan(copy), plan(id));
    let copied = app.plan_row(copy).unwrap();
    assert_eq!(
        (
            copied.title.as_str(),
            copied.status,
            copied.is_public,
            copied.share_token
        ),
        (
            "Copy of Lisbon in July",
            Some(PlanStatus::Draft),
            Some(false),
            None
        )
    );
    let activities = |id: i32| -> Vec<_> {
        app.activities_by_day(id)
            .iter()
            .map(activity_columns)
            .collect()
    };
    assert_eq!(activities(copy), activities(id));
    assert!(
        app.activities_of(copy)
            .iter()
            .all(|a| a.is_completed != Some(true)),
        "a fresh copy has nothing done yet"
    );

    assert_eq!(source(), source_before, "the source is untouched");

    // A 200-character title stays within the column.
    let long = create_plan(&t.browser, &[("title", &"L".repeat(200))]).await;
    let response = t
        .browser
        .post_form(&format!("/plans/{long}/duplicate"), &[])
        .await;
    let copy = plan_id_in(&response);
    let title = app.plan_row(copy).map(|p| p.title).unwrap();
    assert_eq!(title.chars().count(), 200);
    assert!(title.starts_with("Copy of LLL"));
}

#[tokio::test]
async fn deleting_asks_first_then_removes_the_plan_and_its_activities() {
    let app = spawn_app().await;
    let t = traveller(&app, "ana").await;
    let id = create_plan(&t.browser, &[]).await;
    let keep = create_plan(&t.browser, &[("title", "Keep me")]).await;
    for i in 0..3 {
        insert_activity(&app, id, &format!("A{i}"), Some("2026-07-01"), i);
    }
    insert_activity(&app, keep, "Kept", None, 0);

    let page = t.browser.get_html(&format!("/plans/{id}")).await;
    assert!(
        page.contains(&format!("href=\"/plans/{id}/delete\"")),
        "a link, not a button"
    );
    let before = app.snapshot();
    let confirm = t.browser.get(&format!("/plans/{id}/delete")).await;
    assert_eq!(confirm.status(), StatusCode::OK);
    let html = confirm.text().await.unwrap();
    assert!(html.contains("Delete “Lisbon in July”?"));
    assert!(html.contains(&format!("action=\"/plans/{id}/delete\"")));
    assert!(
        html.contains(&format!("href=\"/plans/{id}/export.json\"")),
        "offers a download first"
    );
    assert_eq!(
        app.snapshot(),
        before,
        "the confirmation page deletes nothing"
    );

    let response = t
        .browser
        .post_form(&format!("/plans/{id}/delete"), &[])
        .await;
    assert_is_redirect_to(&response, "/plans");
    assert!(app.plan_row(id).is_none());
    assert!(app.activities_of(id).is_empty());
    assert_eq!(app.plan_count(), 1);
    assert_eq!(app.activity_count(), 1);
    let list = t.browser.get_html("/plans").await;
    assert!(list.contains("The plan and its activities are deleted."));
    assert_eq!(
        t.browser.get(&format!("/plans/{id}")).await.status(),
        StatusCode::NOT_FOUND
    );
    // Deleting again: the same 404 as any missing plan.
    let again = t
        .browser
        .post_form(&format!("/plans/{id}/delete"), &[])
        .await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
}
