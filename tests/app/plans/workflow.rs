//! The status workflow, "make a copy" and deletion with its confirmation page.

use reqwest::StatusCode;

use super::*;
use crate::helpers::{assert_is_redirect_to, spawn_app};

#[tokio::test]
async fn the_status_moves_draft_published_archived_and_back_from_the_plan_page() {
    let app = spawn_app().await;
    let t = traveller(&app, "ana").await;
    let id = create_plan(&t.browser, &[]).await;
    let status = || {
        app.text(&format!("SELECT status FROM plans WHERE id = {id}"))
            .unwrap()
    };

    let page = t.browser.get_html(&format!("/plans/{id}")).await;
    let buttons = texts(&page, ".status-flow button");
    assert_eq!(
        buttons,
        vec!["Publish", "Archive"],
        "draft offers the other two"
    );

    for (next, offered) in [
        ("published", vec!["Back to draft", "Archive"]),
        ("archived", vec!["Back to draft", "Publish"]),
        ("published", vec!["Back to draft", "Archive"]),
        ("draft", vec!["Publish", "Archive"]),
    ] {
        let response = t
            .browser
            .post_form(&format!("/plans/{id}/status"), &[("status", next)])
            .await;
        assert_is_redirect_to(&response, &format!("/plans/{id}"));
        assert_eq!(status(), next);
        let page = t.browser.get_html(&format!("/plans/{id}")).await;
        assert!(
            page.contains(&format!("The plan is now {next}.")),
            "a flash"
        );
        assert!(page.contains(&format!("badge status-{next}\">{next}")));
        assert_eq!(texts(&page, ".status-flow button"), offered, "{next}");
    }

    let before = app.snapshot();
    for bad in ["deleted", "Published", "draft'"] {
        let response = t
            .browser
            .post_form(&format!("/plans/{id}/status"), &[("status", bad)])
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad:?}");
    }
    assert_eq!(app.snapshot(), before);
}

#[tokio::test]
async fn publishing_a_public_plan_gives_it_a_link_for_explore() {
    let app = spawn_app().await;
    let t = traveller(&app, "ana").await;
    let id = create_plan(&t.browser, &[("is_public", "on")]).await;
    let token = || app.text(&format!("SELECT share_token FROM plans WHERE id = {id}"));
    assert_eq!(
        token(),
        None,
        "a public draft is not listed, so no link yet"
    );
    t.browser
        .post_form(&format!("/plans/{id}/status"), &[("status", "published")])
        .await;
    let first = token().expect("a token once public and published");
    t.browser
        .post_form(&format!("/plans/{id}/status"), &[("status", "draft")])
        .await;
    t.browser
        .post_form(&format!("/plans/{id}/status"), &[("status", "published")])
        .await;
    assert_eq!(token(), Some(first), "the link stays the same");
}

#[tokio::test]
async fn a_copy_has_every_field_and_every_activity_as_a_private_draft() {
    let app = spawn_app().await;
    let t = traveller(&app, "ana").await;
    let id = create_plan(&t.browser, &[("status", "published"), ("is_public", "on")]).await;
    app.exec(&format!(
        "UPDATE plans SET plan_data = '{{\"notes\": \"Pack light\", \"mood\": {{\"x\": [1, 2]}}}}' WHERE id = {id}"
    ));
    app.exec(&format!(
        "INSERT INTO plan_activities (plan_id, title, description, activity_type, location_name, \
           latitude, longitude, address, scheduled_date, start_time, end_time, duration_minutes, \
           estimated_cost, actual_cost, order_index, is_completed, metadata) VALUES \
         ({id}, 'Tram 28', 'Old town', 'transport', 'Martim Moniz', 38.71667000, -9.13333000, 'Praça', \
          '2026-07-01', '09:00', '10:00', 60, 3.10, 3.00, 0, true, '{{\"tags\": [\"iconic\"], \"x\": 1}}'), \
         ({id}, 'Pastéis', NULL, 'restaurant', NULL, NULL, NULL, NULL, '2026-07-01', NULL, NULL, NULL, \
          1.30, NULL, 1, false, '{{}}'), \
         ({id}, 'Someday', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, false, '{{}}')"
    ));
    let source = || {
        app.text(&format!(
            "SELECT (SELECT row_to_json(p)::text FROM plans p WHERE id = {id}) || \
                    (SELECT json_agg(a ORDER BY a.id)::text FROM plan_activities a WHERE plan_id = {id})"
        ))
        .unwrap()
    };
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
        app.text(&format!(
            "SELECT concat_ws('|', user_id, description, destination, start_date, end_date, budget, \
             currency, plan_data) FROM plans WHERE id = {id}"
        ))
        .unwrap()
    };
    assert_eq!(plan(copy), plan(id));
    assert_eq!(
        app.text(&format!(
            "SELECT concat_ws('|', title, status, is_public, coalesce(share_token, 'none')) \
             FROM plans WHERE id = {copy}"
        ))
        .unwrap(),
        "Copy of Lisbon in July|draft|f|none"
    );
    let activities = |id: i32| {
        app.text(&format!(
            "SELECT string_agg(concat_ws('|', title, description, activity_type, location_name, \
               latitude, longitude, address, scheduled_date, start_time, end_time, duration_minutes, \
               estimated_cost, actual_cost, order_index, metadata), E'\\n' \
               ORDER BY scheduled_date, order_index, title) FROM plan_activities WHERE plan_id = {id}"
        ))
        .unwrap()
    };
    assert_eq!(activities(copy), activities(id));
    assert_eq!(
        app.count(&format!(
            "plan_activities WHERE plan_id = {copy} AND is_completed"
        )),
        0,
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
    let title = app
        .text(&format!("SELECT title FROM plans WHERE id = {copy}"))
        .unwrap();
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
    assert_eq!(app.count(&format!("plans WHERE id = {id}")), 0);
    assert_eq!(
        app.count(&format!("plan_activities WHERE plan_id = {id}")),
        0
    );
    assert_eq!(app.count("plans"), 1);
    assert_eq!(app.count("plan_activities"), 1);
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
