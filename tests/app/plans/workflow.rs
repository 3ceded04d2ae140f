//! The owner's workflow (archive and back), "make a copy" and deletion with its
//! confirmation page.

use diesel::sql_query;
use diesel::sql_types::Integer;
use reqwest::StatusCode;

use super::*;
use crate::support::{assert_is_redirect_to, spawn_app};

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
        app.text(sql_query("SELECT (SELECT concat_ws('|', status, is_public, share_token) FROM plans WHERE id = $1)::text AS v")
.bind::<Integer, _>(id))
        .unwrap()
    };
    let token = app
        .plan_row(id)
        .and_then(|p| p.share_token)
        .expect("a listed plan has a link");
    assert_eq!(columns(), format!("published|t|{token}"));
    t.browser
        .post_form(&format!("/plans/{id}/status"), &[("status", "archived")])
        .await;
    assert_eq!(columns(), format!("archived|f|{token}"));
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
    assert_eq!(columns(), format!("draft|f|{token}"));
    set_visibility(&t.browser, id, "public").await;
    assert_eq!(
        columns(),
        format!("published|t|{token}"),
        "the link stays the same"
    );
}

#[tokio::test]
async fn a_copy_has_every_field_and_every_activity_as_a_private_draft() {
    let app = spawn_app().await;
    let t = traveller(&app, "ana").await;
    let id = create_listed_plan(&t.browser, &[]).await;
    app.exec(sql_query("UPDATE plans SET plan_data = '{\"notes\": \"Pack light\", \"mood\": {\"x\": [1, 2]}}' WHERE id = $1")
.bind::<Integer, _>(id));
    app.exec(sql_query("INSERT INTO plan_activities (plan_id, title, description, activity_type, location_name, \
           latitude, longitude, address, scheduled_date, start_time, end_time, duration_minutes, \
           estimated_cost, actual_cost, order_index, is_completed, metadata) VALUES \
         ($1, 'Tram 28', 'Old town', 'transport', 'Martim Moniz', 38.71667000, -9.13333000, 'Praça', \
          '2026-07-01', '09:00', '10:00', 60, 3.10, 3.00, 0, true, '{\"tags\": [\"iconic\"], \"x\": 1}'), \
         ($1, 'Pastéis', NULL, 'restaurant', NULL, NULL, NULL, NULL, '2026-07-01', NULL, NULL, NULL, \
          1.30, NULL, 1, false, '{}'), \
         ($1, 'Someday', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, false, '{}')")
.bind::<Integer, _>(id));
    let source = || {
        app.text(sql_query("SELECT (SELECT (SELECT row_to_json(p)::text FROM plans p WHERE id = $1) || \
                    (SELECT json_agg(a ORDER BY a.id)::text FROM plan_activities a WHERE plan_id = $1))::text AS v")
.bind::<Integer, _>(id))
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
        app.text(sql_query("SELECT (SELECT concat_ws('|', user_id, description, destination, start_date, end_date, budget, \
             currency, plan_data) FROM plans WHERE id = $1)::text AS v")
.bind::<Integer, _>(id))
        .unwrap()
    };
    assert_eq!(plan(copy), plan(id));
    assert_eq!(
        app.text(sql_query("SELECT (SELECT concat_ws('|', title, status, is_public, coalesce(share_token, 'none')) \
             FROM plans WHERE id = $1)::text AS v")
.bind::<Integer, _>(copy))
        .unwrap(),
        "Copy of Lisbon in July|draft|f|none"
    );
    let activities = |id: i32| {
        app.text(sql_query("SELECT (SELECT string_agg(concat_ws('|', title, description, activity_type, location_name, \
               latitude, longitude, address, scheduled_date, start_time, end_time, duration_minutes, \
               estimated_cost, actual_cost, order_index, metadata), E'\\n' \
               ORDER BY scheduled_date, order_index, title) FROM plan_activities WHERE plan_id = $1)::text AS v")
.bind::<Integer, _>(id))
        .unwrap()
    };
    assert_eq!(activities(copy), activities(id));
    assert_eq!(
        app.count(
            sql_query("SELECT count(*) FROM plan_activities WHERE plan_id = $1 AND is_completed")
                .bind::<Integer, _>(copy)
        ),
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
    assert_eq!(
        app.count(sql_query("SELECT count(*) FROM plans WHERE id = $1").bind::<Integer, _>(id)),
        0
    );
    assert_eq!(
        app.count(
            sql_query("SELECT count(*) FROM plan_activities WHERE plan_id = $1")
                .bind::<Integer, _>(id)
        ),
        0
    );
    assert_eq!(app.count(sql_query("SELECT count(*) FROM plans")), 1);
    assert_eq!(
        app.count(sql_query("SELECT count(*) FROM plan_activities")),
        1
    );
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
