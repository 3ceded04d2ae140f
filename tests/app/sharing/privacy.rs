//! What a share link shows: the itinerary for anyone; costs and booking details only when
//! the owner allows them (page and calendar alike); never the owner's e-mail, username or
//! internal ids, nor edit controls; the headers; and user text escaped, meta tags included.

use diesel::prelude::*;
use diesel::sql_query;
use icalendar::Component;
use reqwest::StatusCode;
use serde_json::json;
use wayfare::db::schema::plans;

use super::*;
use crate::plans::calendar::fetch_calendar;
use crate::plans::{XSS, add_activity, assert_no_injected_markup, texts};
use crate::support::spawn_app;

/// Strings of the plan that only costs or bookings reveal.
const COSTS: &[&str] = &["432.19", "77.70", "88.80", "12.34"];
const BOOKINGS: &[&str] = &[
    "CONF-SECRET-1",
    "ProviderSecret",
    "cancel-policy-secret",
    "+1-555-0199",
    "contact@hotel.example",
    "https://hotel.example/secret",
    "FLIGHT-SECRET-9",
    "AirSecret",
];

/// A plan with costs and bookings everywhere a plan keeps them, and its link.
async fn plan_with_secrets(app: &TestApp) -> (crate::plans::Traveller, i32, String) {
    let (owner, plan, token) = shared_plan(
        app,
        "owner_username",
        &[("budget", "432.19"), ("title", "Secret-laden trip")],
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
            ("actual_cost", "88.80"),
            ("confirmation_number", "CONF-SECRET-1"),
            ("provider", "ProviderSecret"),
            ("cancellation_policy", "cancel-policy-secret"),
            ("phone", "+1-555-0199"),
            ("email", "contact@hotel.example"),
            ("website", "https://hotel.example/secret"),
            ("tags", "visible-tag"),
        ],
    )
    .await;
    add_activity(
        &owner.browser,
        app,
        plan,
        &[
            ("title", "Only spent"),
            ("scheduled_date", "2026-07-02"),
            ("actual_cost", "12.34"),
        ],
    )
    .await;
    merge_data(
        app,
        plan,
        json!({"external_bookings": {"flights": [{"provider": "AirSecret",
            "confirmation_number": "FLIGHT-SECRET-9", "starts_at": "2026-07-01 08:00"}]}}),
    );
    merge_data(app, plan, json!({"notes": "Visible notes"}));
    (owner, plan, token)
}

async fn share_views(app: &TestApp, token: &str) -> Vec<(String, String)> {
    let anonymous = app.new_browser();
    let reader = traveller(app, &crate::support::unique("reader")).await;
    let mut views = Vec::new();
    for (who, browser) in [("anonymous", &anonymous), ("signed in", &reader.browser)] {
        let response = browser.get(&format!("/s/{token}")).await;
        assert_eq!(response.status(), StatusCode::OK, "{who}");
        views.push((format!("{who} page"), response.text().await.unwrap()));
        let (ics, _) = fetch_calendar(browser, &format!("/s/{token}/calendar.ics")).await;
        views.push((format!("{who} calendar"), ics.replace("\r\n ", "")));
    }
    views
}

#[tokio::test]
async fn hidden_costs_and_bookings_never_reach_the_shared_page_or_calendar() {
    let app = spawn_app().await;
    let (owner, plan, token) = plan_with_secrets(&app).await;
    let data = app.plan_row(plan).unwrap().plan_data.unwrap();
    assert_eq!(data.get("sharing"), None, "both hidden by default");
    let owners_page = owner.browser.get_html(&format!("/plans/{plan}")).await;
    assert!(owners_page.contains("432.19") && owners_page.contains("FLIGHT-SECRET-9"));

    for (view, text) in share_views(&app, &token).await {
        for secret in COSTS.iter().chain(BOOKINGS) {
            assert!(!text.contains(secret), "{view} shows {secret}");
        }
        assert!(
            text.contains("Hotel check-in"),
            "{view} shows the itinerary"
        );
        if view.ends_with("page") {
            assert!(text.contains("Visible notes"));
            assert!(
                !text.contains("id=\"budget-title\""),
                "{view}: no budget section"
            );
        }
    }
    // Turning one on does not turn the other on.
    set_options(&app, &owner.browser, plan, true, false, "").await;
    for (view, text) in share_views(&app, &token).await {
        for secret in BOOKINGS {
            assert!(
                !text.contains(secret),
                "{view} shows {secret} with costs only"
            );
        }
        if view.ends_with("page") {
            for cost in COSTS {
                assert!(
                    text.contains(cost),
                    "{view} hides {cost} although costs are shared"
                );
            }
        }
    }
    set_options(&app, &owner.browser, plan, false, true, "").await;
    for (view, text) in share_views(&app, &token).await {
        for secret in COSTS {
            assert!(
                !text.contains(secret),
                "{view} shows {secret} with bookings only"
            );
        }
    }
}

#[tokio::test]
async fn shared_costs_and_bookings_appear_when_the_owner_allows_them() {
    let app = spawn_app().await;
    let (owner, plan, token) = plan_with_secrets(&app).await;
    set_options(&app, &owner.browser, plan, true, true, "").await;
    let page = owner.browser.get_html(&format!("/plans/{plan}")).await;
    assert!(
        page.contains("name=\"show_costs\" checked")
            && page.contains("name=\"show_bookings\" checked")
    );
    for (view, text) in share_views(&app, &token).await {
        if view.ends_with("page") {
            for shown in COSTS.iter().chain(BOOKINGS) {
                assert!(text.contains(shown), "{view} hides {shown}");
            }
            // Each activity shows its own costs and booking, not only the charts.
            let items = texts(&text, "li.activity");
            assert!(
                items
                    .iter()
                    .any(|i| i.contains("Only spent") && i.contains("Spent €12.34")),
                "{items:?}"
            );
            assert!(
                items.iter().any(|i| i.contains("Hotel check-in")
                    && i.contains("Estimated €77.70 · Spent €88.80")
                    && i.contains("Confirmation CONF-SECRET-1")
                    && i.contains("contact@hotel.example")),
                "{items:?}"
            );
        } else {
            for shown in ["Confirmation: CONF-SECRET-1", "Booked with: ProviderSecret"] {
                assert!(text.contains(shown), "{view} hides {shown}");
            }
        }
    }
    // Off again: gone again.
    set_options(&app, &owner.browser, plan, false, false, "").await;
    for (view, text) in share_views(&app, &token).await {
        for secret in COSTS.iter().chain(BOOKINGS) {
            assert!(!text.contains(secret), "{view} still shows {secret}");
        }
    }
}

#[tokio::test]
async fn the_shared_page_names_no_owner_and_shows_no_ids_or_edit_controls() {
    let app = spawn_app().await;
    // Ids nobody could mistake for anything else on the page.
    // Sequences are no rows of the app's: SQL says it.
    app.exec(sql_query(
        "ALTER SEQUENCE users_id_seq RESTART WITH 7340011",
    ));
    app.exec(sql_query(
        "ALTER SEQUENCE plans_id_seq RESTART WITH 7340022",
    ));
    app.exec(sql_query(
        "ALTER SEQUENCE plan_activities_id_seq RESTART WITH 7340033",
    ));
    let (owner, plan, token) = plan_with_secrets(&app).await;
    let views = share_views(&app, &token).await;
    let secrets = [
        owner.user.email.clone(),
        owner.user.username.clone(),
        owner.user.id.to_string(),
        plan.to_string(),
        "73400".into(),
        "/plans/".into(),
        "/edit".into(),
        "/activities".into(),
        "data-id".into(),
        "draggable".into(),
    ];
    for (view, text) in &views {
        if view.starts_with("signed in") && view.ends_with("page") {
            // The reader's own navigation links to their plans: look past it.
            let main = texts(text, "main").join(" ");
            for secret in &secrets {
                assert!(!main.contains(secret.as_str()), "{view} has {secret}");
            }
            continue;
        }
        for secret in &secrets {
            if view.ends_with("calendar") && secret.as_str() == "73400" {
                continue; // the calendar's UIDs name activities, checked below
            }
            assert!(!text.contains(secret.as_str()), "{view} has {secret}");
        }
    }
    let page = &views[0].1;
    assert!(page.contains("A shared trip"));
    assert_eq!(
        texts(page, ".plan-head p").first().map(String::as_str),
        Some("A shared trip"),
        "no name unless the owner chose one"
    );
    assert_eq!(
        texts(page, "form").len(),
        0,
        "an anonymous reader gets no form at all"
    );
    assert!(page.contains(&format!("href=\"/login?next=/s/{token}\"")));
    let signed_in = &views[2].1;
    let forms: Vec<String> = {
        let doc = scraper::Html::parse_document(signed_in);
        let s = scraper::Selector::parse("main form").unwrap();
        doc.select(&s)
            .map(|f| f.value().attr("action").unwrap().to_string())
            .collect()
    };
    assert_eq!(forms, [format!("/s/{token}/copy")], "only the copy button");

    // A display name, when the owner picks one, and nothing else about them.
    set_options(
        &app,
        &owner.browser,
        plan,
        false,
        false,
        "Ana the Traveller",
    )
    .await;
    let page = app.new_browser().get_html(&format!("/s/{token}")).await;
    assert!(
        texts(&page, ".plan-head p")
            .iter()
            .any(|p| p == "A shared trip by Ana the Traveller")
    );
    assert!(!page.contains(&owner.user.username) && !page.contains(&owner.user.email));

    // The calendar's UIDs are per activity, not per plan or user.
    let (_, calendar) =
        fetch_calendar(&app.new_browser(), &format!("/s/{token}/calendar.ics")).await;
    for event in calendar.events() {
        let uid = event.get_uid().unwrap();
        assert!(uid.starts_with("wayfare-activity-"), "{uid}");
        assert!(!uid.contains(&plan.to_string()) && !uid.contains(&owner.user.id.to_string()));
    }
}

#[tokio::test]
async fn the_shared_page_keeps_its_token_from_other_sites_is_cached_briefly_and_is_never_indexed() {
    let app = spawn_app().await;
    let (owner, plan, token) = shared_plan(&app, "ana", &[]).await;
    let visitor = app.new_browser();
    let check = |response: &reqwest::Response, indexed: bool| {
        let headers = response.headers();
        assert_eq!(headers["referrer-policy"], "same-origin");
        crate::support::assert_security_headers(headers);
        let cache = headers["cache-control"].to_str().unwrap();
        let max_age: u32 = cache
            .split(',')
            .find_map(|d| d.trim().strip_prefix("max-age="))
            .unwrap_or_else(|| panic!("{cache}"))
            .parse()
            .unwrap();
        assert!((1..=600).contains(&max_age), "{cache}");
        assert!(
            cache.contains("private") || cache.contains("public"),
            "{cache}"
        );
        assert_eq!(
            headers.get("x-robots-tag").is_none(),
            indexed,
            "{:?}",
            headers.get("x-robots-tag")
        );
        if !indexed {
            assert!(
                headers["x-robots-tag"]
                    .to_str()
                    .unwrap()
                    .contains("noindex")
            );
        }
    };
    let set = |(public, status): (bool, &str)| {
        app.exec(
            diesel::update(plans::table.find(plan))
                .set((plans::is_public.eq(public), plans::status.eq(status))),
        )
    };
    // The link's page may show bookings: never indexed, listed or not. Explore's own page
    // of a listed plan is the one for search engines.
    for state in [
        (false, "draft"),
        (false, "published"),
        (true, "draft"),
        (true, "archived"),
        (true, "published"),
    ] {
        set(state);
        let response = visitor.get(&format!("/s/{token}")).await;
        assert_eq!(response.status(), StatusCode::OK);
        check(&response, false);
    }
    let response = visitor.get(&format!("/explore/{plan}")).await;
    assert_eq!(response.status(), StatusCode::OK);
    check(&response, true);
    let response = visitor.get(&format!("/s/{token}/calendar.ics")).await;
    assert_eq!(response.headers()["referrer-policy"], "same-origin");
    assert!(
        response.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age=")
    );
    // The owner's own pages keep the site's usual policy.
    let response = owner.browser.get(&format!("/plans/{plan}")).await;
    assert_eq!(response.headers()["referrer-policy"], "same-origin");
}

#[tokio::test]
async fn the_calendar_feed_follows_the_owners_edits() {
    let app = spawn_app().await;
    let (owner, plan, token) = shared_plan(&app, "ana", &[]).await;
    let feed = format!("/s/{token}/calendar.ics");
    let reader = app.new_browser();
    let (_, calendar) = fetch_calendar(&reader, &feed).await;
    assert_eq!(calendar.events().count(), 0);
    let id = add_activity(
        &owner.browser,
        &app,
        plan,
        &[
            ("title", "Fado"),
            ("scheduled_date", "2026-07-03"),
            ("start_time", "21:00"),
        ],
    )
    .await;
    let (_, calendar) = fetch_calendar(&reader, &feed).await;
    let summaries: Vec<&str> = calendar.events().filter_map(|e| e.get_summary()).collect();
    assert_eq!(summaries, ["Fado"]);
    let uid = calendar
        .events()
        .next()
        .unwrap()
        .get_uid()
        .unwrap()
        .to_string();
    let edit = format!("/plans/{plan}/activities/{id}/edit");
    let version = crate::plans::form_version(&owner.browser, &edit).await;
    owner
        .browser
        .post_form(
            &edit,
            &[
                ("title", "Fado at 22h"),
                ("scheduled_date", "2026-07-03"),
                ("start_time", "22:00"),
                ("version", &version),
            ],
        )
        .await;
    let (_, calendar) = fetch_calendar(&reader, &feed).await;
    let event = calendar.events().next().unwrap();
    assert_eq!(event.get_summary(), Some("Fado at 22h"));
    assert_eq!(
        event.get_uid(),
        Some(uid.as_str()),
        "the same event, updated"
    );
}

#[tokio::test]
async fn markup_is_escaped_on_the_shared_page_explore_and_in_the_preview_meta_tags() {
    for payload in XSS {
        let app = spawn_app().await;
        let (owner, plan, token) = shared_plan(
            &app,
            "ana",
            &[
                ("title", payload),
                ("description", payload),
                ("destination", payload),
            ],
        )
        .await;
        crate::plans::set_visibility(&owner.browser, plan, "public").await;
        add_activity(
            &owner.browser,
            &app,
            plan,
            &[
                ("title", payload),
                ("description", payload),
                ("location_name", payload),
                ("address", payload),
                ("scheduled_date", "2026-07-02"),
                ("latitude", "38.7"),
                ("longitude", "-9.1"),
                ("confirmation_number", payload),
                ("provider", payload),
                ("phone", payload),
                ("email", payload),
                ("estimated_cost", "1"),
            ],
        )
        .await;
        merge_data(
            &app,
            plan,
            json!({
                "notes": payload,
                "timezone": "Europe/Lisbon",
                "external_bookings": {"flights": [{
                    "provider": payload, "confirmation_number": payload, "starts_at": payload
                }]},
            }),
        );
        set_options(&app, &owner.browser, plan, true, true, payload).await;

        let anonymous = app.new_browser();
        let reader = traveller(&app, "reader").await;
        for (who, browser) in [("anonymous", &anonymous), ("reader", &reader.browser)] {
            for path in [
                format!("/s/{token}"),
                "/explore".into(),
                format!("/explore?q={}", "%3C"),
                format!("/explore/{plan}"),
            ] {
                let html = browser.get_html(&path).await;
                assert_no_injected_markup(&html, &format!("{who} {path}"));
                assert!(!html.contains(payload), "{who} {path} has the payload raw");
            }
        }
        let page = anonymous.get_html(&format!("/s/{token}")).await;
        let doc = scraper::Html::parse_document(&page);
        let meta = |name: &str| {
            let s = scraper::Selector::parse(&format!(
                "meta[property=\"{name}\"], meta[name=\"{name}\"]"
            ))
            .unwrap();
            doc.select(&s)
                .next()
                .unwrap_or_else(|| panic!("no {name}"))
                .value()
                .attr("content")
                .unwrap()
                .to_string()
        };
        assert_eq!(
            meta("og:title"),
            payload,
            "the preview title is the text itself"
        );
        assert_eq!(meta("twitter:title"), payload);
        assert!(meta("og:description").starts_with(payload));
        assert!(meta("description").contains("1 Jul 2026"));
        assert!(meta("og:url").ends_with(&format!("/s/{token}")));
        assert!(texts(&page, "h1").contains(&payload.to_string()));
        assert!(texts(&page, "title").iter().any(|t| t.starts_with(payload)));
        let explore = anonymous.get_html("/explore").await;
        assert!(texts(&explore, ".plan-card h2").contains(&payload.to_string()));
    }
}
