//! The daily limit on new plans per user (`LIMIT_PLANS_PER_USER`): creating, copying and
//! importing all count, and the one over the limit answers 429 and writes nothing.

use diesel::prelude::*;
use reqwest::StatusCode;
use wayfare::db::schema::{plan_activities, plans};

use super::*;
use crate::support::spawn_app_with;

#[tokio::test]
async fn the_daily_plan_creation_limit_answers_429_and_creates_nothing() {
    let app = spawn_app_with(|env| {
        env.insert("LIMIT_PLANS_PER_USER".into(), "3".into());
    })
    .await;
    let t = traveller(&app, "ana").await;
    let first = create_plan(&t.browser, &[]).await;
    t.browser
        .post_form(&format!("/plans/{first}/duplicate"), &[])
        .await;
    let response = import_file(&t.browser, br#"{"notes": "imported"}"#).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.plan_count(), 3);

    let before = app.plan_count();
    let refused = [
        t.browser.post_form("/plans", &plan_form(&[])).await,
        t.browser
            .post_form(&format!("/plans/{first}/duplicate"), &[])
            .await,
        import_file(&t.browser, br#"{"notes": "again"}"#).await,
    ];
    for response in refused {
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(response.headers().contains_key("retry-after"));
        let html = response.text().await.unwrap();
        assert!(html.contains("Try again in"), "{html}");
    }
    assert_eq!(app.plan_count(), before);

    // A form with errors is not counted and still shows its errors.
    let response = t
        .browser
        .post_form("/plans", &plan_form(&[("title", "")]))
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Editing is not creating; other users have their own count.
    let version = form_version(&t.browser, &format!("/plans/{first}/edit")).await;
    let mut form = plan_form(&[("title", "Still editable")]);
    form.push(("version", &version));
    let response = t
        .browser
        .post_form(&format!("/plans/{first}/edit"), &form)
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let other = traveller(&app, "bob").await;
    create_plan(&other.browser, &[]).await;
}

#[tokio::test]
async fn the_daily_activity_creation_limit_answers_429_and_creates_nothing() {
    let app = spawn_app_with(|env| {
        env.insert("LIMIT_ACTIVITIES_PER_USER".into(), "2".into());
    })
    .await;
    let t = traveller(&app, "ana").await;
    let plan = create_plan(&t.browser, &[]).await;
    for title in ["One", "Two"] {
        add_activity(&t.browser, &app, plan, &[("title", title)]).await;
    }
    let response = t
        .browser
        .post_form(&format!("/plans/{plan}/activities"), &[("title", "Three")])
        .await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(app.activity_count(), 2);
}

#[tokio::test]
async fn imports_copies_and_duplicates_count_their_activities_and_a_refused_one_costs_nothing() {
    let app = spawn_app_with(|env| {
        env.insert("LIMIT_PLANS_PER_USER".into(), "3".into());
        env.insert("LIMIT_ACTIVITIES_PER_USER".into(), "5".into());
    })
    .await;
    let t = traveller(&app, "ana").await;
    let file = |n: usize| {
        serde_json::json!({
            "format": "wayfare-plan", "version": 1, "plan": {"title": "Imported"},
            "activities": (0..n).map(|i| serde_json::json!({"title": format!("A{i}")})).collect::<Vec<_>>(),
        })
        .to_string()
    };
    let rows = || {
        (
            app.plans_of(t.user.id).len(),
            app.one::<i64, _>(
                plan_activities::table
                    .inner_join(plans::table)
                    .filter(plans::user_id.eq(t.user.id))
                    .count(),
            ),
        )
    };
    let refused = |response: reqwest::Response| {
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(response.headers().contains_key("retry-after"));
    };

    // Six activities at once are over the day's five: refused whole.
    refused(import_file(&t.browser, file(6).as_bytes()).await);
    assert_eq!(rows(), (0, 0));
    let first = plan_id_in(&import_file(&t.browser, file(3).as_bytes()).await);
    assert_eq!(rows(), (1, 3));
    // A duplicate brings three more: refused, and its plan is not counted either.
    refused(
        t.browser
            .post_form(&format!("/plans/{first}/duplicate"), &[])
            .await,
    );
    assert_eq!(rows(), (1, 3));
    // So is a copy of someone's shared plan with activities.
    let owner = traveller(&app, "bob").await;
    let shared = create_plan(&owner.browser, &[]).await;
    for title in ["Tram", "Fado", "Tiles"] {
        add_activity(&owner.browser, &app, shared, &[("title", title)]).await;
    }
    let token = crate::sharing::share(&app, &owner.browser, shared).await;
    refused(t.browser.post_form(&format!("/s/{token}/copy"), &[]).await);
    assert_eq!(rows(), (1, 3));
    // What is left of the allowance is still there: two activities, two plans.
    plan_id_in(&import_file(&t.browser, file(2).as_bytes()).await);
    assert_eq!(rows(), (2, 5));
    plan_id_in(&import_file(&t.browser, file(0).as_bytes()).await);
    assert_eq!(rows(), (3, 5));
    refused(import_file(&t.browser, file(0).as_bytes()).await);
    refused(
        t.browser
            .post_form(
                &format!("/plans/{first}/activities"),
                &[("title", "One more")],
            )
            .await,
    );
    assert_eq!(rows(), (3, 5));
}
