//! "Deleted · Undo": a deleted activity or plan comes back as it was, under its own id and
//! in its place, for the one who deleted it, once, within the undo window.

use reqwest::StatusCode;
use scraper::{Html, Selector};

use super::*;
use crate::support::{assert_is_redirect_to, spawn_app};

/// The action of the "Undo" form inside the flashes that `selector` picks.
fn undo_action(html: &str, selector: &str) -> String {
    let doc = Html::parse_document(html);
    let form = Selector::parse(&format!("{selector} form.undo")).unwrap();
    let found: Vec<String> = doc
        .select(&form)
        .map(|f| f.value().attr("action").unwrap().to_string())
        .collect();
    assert_eq!(found.len(), 1, "one undo button in {selector}: {html}");
    assert_eq!(
        texts(html, &format!("{selector} form.undo button")),
        ["Undo"]
    );
    found[0].clone()
}

fn day_order(app: &TestApp, plan: i32) -> Vec<String> {
    let mut activities = app.activities_of(plan);
    activities.sort_by_key(|a| a.order());
    activities.into_iter().map(|a| a.title).collect()
}

#[tokio::test]
async fn a_deleted_activity_comes_back_as_it_was_in_its_place_once() {
    let app = spawn_app().await;
    let t = traveller(&app, "porto").await;
    let plan = create_plan(
        &t.browser,
        &[("start_date", "2026-07-01"), ("end_date", "2026-07-03")],
    )
    .await;
    for title in ["Tiles", "Livraria Lello", "Port cellar"] {
        add_activity(
            &t.browser,
            &app,
            plan,
            &[("title", title), ("scheduled_date", "2026-07-02")],
        )
        .await;
    }
    let lello = app
        .activities_of(plan)
        .into_iter()
        .find(|a| a.title == "Livraria Lello")
        .unwrap();
    let row_of_lello = |app: &TestApp| {
        app.rows_of("plan_activities")
            .into_iter()
            .find(|row| row["id"] == lello.id.0)
    };
    let before = row_of_lello(&app).unwrap();

    t.browser
        .post_form(
            &format!("/plans/{plan}/activities/{}/delete", lello.id),
            &[],
        )
        .await;
    assert_eq!(day_order(&app, plan), ["Tiles", "Port cellar"]);
    let page = t.browser.get_html(&format!("/plans/{plan}")).await;
    let undo = undo_action(&page, "#day-2026-07-02 .flash");

    let response = t.browser.post_form(&undo, &[]).await;
    assert_is_redirect_to(&response, &format!("/plans/{plan}#activity-{}", lello.id));
    let page = t.browser.get_html(&format!("/plans/{plan}")).await;
    assert_eq!(
        texts(&page, &format!("#activity-{} .flash", lello.id)),
        ["“Livraria Lello” is back."]
    );
    assert_eq!(
        row_of_lello(&app),
        Some(before),
        "every column as it was, under its own id"
    );
    assert_eq!(
        day_order(&app, plan),
        ["Tiles", "Livraria Lello", "Port cellar"]
    );
    assert!(
        app.rows_of("deleted_items").is_empty(),
        "the copy is used up"
    );

    // A second press (another tab, a double click) brings nothing twice.
    let again = t.browser.post_form(&undo, &[]).await;
    assert_is_redirect_to(&again, "/plans");
    let list = t.browser.get_html("/plans").await;
    assert!(
        list.contains("This can no longer be undone: a delete can be undone for 15 minutes, once."),
        "{list}"
    );
    assert_eq!(app.activities_of(plan).len(), 3);
}

#[tokio::test]
async fn a_deleted_plan_comes_back_with_its_activities_and_its_share_link() {
    let app = spawn_app().await;
    let (owner, plan, token) = crate::sharing::shared_plan(&app, "kyoto", &[]).await;
    for title in ["Fushimi Inari", "Nishiki market"] {
        add_activity(&owner.browser, &app, plan, &[("title", title)]).await;
    }
    // The plan's history goes with the deleted plan; the restored one starts with its
    // return (the undo copy keeps the plan's and the activities' rows).
    let before = app.snapshot_without(&["plan_changes"]);
    let response = owner
        .browser
        .post_form(&format!("/plans/{plan}/delete"), &[])
        .await;
    assert_is_redirect_to(&response, "/plans");
    assert!(app.plan_row(plan).is_none());
    assert_eq!(
        app.get(&format!("/s/{token}")).await.status(),
        StatusCode::NOT_FOUND
    );
    let list = owner.browser.get_html("/plans").await;
    assert_eq!(
        texts(&list, ".flashes .flash > span"),
        ["The plan and its activities are deleted."]
    );
    let undo = undo_action(&list, ".flashes .flash");

    let response = owner.browser.post_form(&undo, &[]).await;
    assert_is_redirect_to(&response, &format!("/plans/{plan}"));
    let page = owner.browser.get_html(&format!("/plans/{plan}")).await;
    assert!(
        page.contains("“Lisbon in July” is back, with its 2 activities."),
        "{page}"
    );
    assert_eq!(
        app.snapshot_without(&["plan_changes"]),
        before,
        "every row as it was"
    );
    let history = app.rows_of("plan_changes");
    assert_eq!(history.len(), 1, "{history:?}");
    assert_eq!(history[0]["action"], "plan_restored");
    assert_eq!(
        app.get(&format!("/s/{token}")).await.status(),
        StatusCode::OK,
        "the same link works again"
    );
}

#[tokio::test]
async fn nobody_else_undoes_a_delete_and_the_window_closes() {
    let app = spawn_app().await;
    let t = traveller(&app, "ana").await;
    let stranger = traveller(&app, "mallory").await;
    let plan = create_plan(&t.browser, &[]).await;
    let id = add_activity(&t.browser, &app, plan, &[("title", "Tram 28")]).await;
    t.browser
        .post_form(&format!("/plans/{plan}/activities/{id}/delete"), &[])
        .await;
    let page = t.browser.get_html(&format!("/plans/{plan}")).await;
    let undo = undo_action(&page, ".flash");

    // Another account, with the number guessed: the same answer as an old one, nothing back.
    let before = app.snapshot_except_counters();
    let response = stranger.browser.post_form(&undo, &[]).await;
    assert_is_redirect_to(&response, "/plans");
    assert_eq!(app.snapshot_except_counters(), before);
    // Without the form's token: refused like every other form.
    let forged = t.browser.post_raw(&undo, &[], &[]).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.snapshot_except_counters(), before);

    // Sixteen minutes later it can no longer be undone.
    app.exec(diesel::sql_query(
        "UPDATE deleted_items SET deleted_at = now() - interval '16 minutes'",
    ));
    t.browser.post_form(&undo, &[]).await;
    assert!(app.activity_row(id).is_none());
    let list = t.browser.get_html("/plans").await;
    assert!(list.contains("This can no longer be undone"), "{list}");
}

#[tokio::test]
async fn an_activity_whose_plan_was_deleted_since_says_so_and_the_plan_brings_it_back() {
    let app = spawn_app().await;
    let t = traveller(&app, "ines").await;
    let plan = create_plan(&t.browser, &[]).await;
    let id = add_activity(&t.browser, &app, plan, &[("title", "Belém tower")]).await;
    t.browser
        .post_form(&format!("/plans/{plan}/activities/{id}/delete"), &[])
        .await;
    let page = t.browser.get_html(&format!("/plans/{plan}")).await;
    let activity_undo = undo_action(&page, ".flash");
    t.browser
        .post_form(&format!("/plans/{plan}/delete"), &[])
        .await;

    let response = t.browser.post_form(&activity_undo, &[]).await;
    assert_is_redirect_to(&response, "/plans");
    let list = t.browser.get_html("/plans").await;
    assert!(
        list.contains("“Belém tower” cannot come back: its plan has been deleted since."),
        "{list}"
    );
    assert!(app.activity_row(id).is_none());
}
