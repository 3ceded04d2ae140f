//! Explore: only public, published plans of verified, active owners; search, month and
//! length filters, keyset pages; listing a plan needs a verified e-mail; and Explore's
//! pages never show bookings or contact details, whatever the link shows.

use std::collections::HashSet;

use chrono::Datelike;
use diesel::prelude::*;
use reqwest::StatusCode;
use wayfare::db::schema::{plans, users};
use wayfare::domain::PlanStatus;
use wayfare::models::plan::Plan;

use super::*;
use crate::plans::{create_listed_plan, field_value, set_visibility, texts};
use crate::support::spawn_app;

/// Plan ids an Explore page lists, in order (its cards lead to `/explore/{id}`, never to
/// a share link).
fn listed(_app: &TestApp, html: &str) -> Vec<i32> {
    let doc = scraper::Html::parse_document(html);
    let link = scraper::Selector::parse(".plan-card h2 a").unwrap();
    doc.select(&link)
        .map(|a| {
            let href = a.value().attr("href").unwrap();
            href.strip_prefix("/explore/")
                .unwrap_or_else(|| panic!("{href}"))
                .parse()
                .unwrap()
        })
        .collect()
}

fn next_page(html: &str) -> Option<String> {
    let doc = scraper::Html::parse_document(html);
    let link = scraper::Selector::parse("nav.pager a").unwrap();
    doc.select(&link)
        .next()
        .map(|a| a.value().attr("href").unwrap().to_string())
}

/// Every plan listed from `first` on, following "More trips".
async fn all_pages(app: &TestApp, browser: &Browser, first: &str) -> Vec<i32> {
    let mut ids = Vec::new();
    let mut path = Some(first.to_string());
    let mut pages = 0;
    while let Some(p) = path {
        let response = browser.get(&p).await;
        assert_eq!(response.status(), StatusCode::OK, "{p}");
        let html = response.text().await.unwrap();
        let page = listed(app, &html);
        assert!(page.len() <= 20);
        ids.extend(page);
        path = next_page(&html);
        if let Some(next) = &path {
            assert!(next.contains("after="), "{next}");
        }
        pages += 1;
        assert!(pages < 20);
    }
    ids
}

#[tokio::test]
async fn explore_lists_only_public_published_plans_of_verified_active_owners() {
    let app = spawn_app().await;
    let owner = traveller(&app, "ana").await;
    let listed_plan = create_listed_plan(&owner.browser, &[("title", "Listed")]).await;
    // Combinations the one choice never writes, as older rows may hold them: none is listed.
    let draft = create_plan(&owner.browser, &[("title", "Public draft")]).await;
    app.exec(diesel::update(plans::table.find(draft)).set(plans::is_public.eq(true)));
    let private = create_plan(&owner.browser, &[("title", "Private published")]).await;
    app.exec(
        diesel::update(plans::table.find(private)).set(plans::status.eq(PlanStatus::Published)),
    );
    let archived = create_listed_plan(&owner.browser, &[("title", "Public archived")]).await;
    app.exec(
        diesel::update(plans::table.find(archived)).set(plans::status.eq(PlanStatus::Archived)),
    );
    let revoked = create_listed_plan(&owner.browser, &[("title", "Revoked")]).await;
    owner
        .browser
        .post_form(&format!("/plans/{revoked}/share/revoke"), &[])
        .await;
    // A private plan with a link is readable by link, never listed.
    share(&app, &owner.browser, private).await;
    share(&app, &owner.browser, draft).await;

    let unverified = app.user("unverified").unverified().insert();
    let inactive = app.user("inactive").inactive().insert();
    for user in [&unverified, &inactive] {
        app.plan(user)
            .title(&format!("By {}", user.username))
            .status("published")
            .public()
            .share_token(&format!(
                "token-of-{}-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
                user.username
            ))
            .insert();
    }

    let anonymous = app.new_browser();
    for browser in [&anonymous, &owner.browser] {
        let html = browser.get_html("/explore").await;
        assert_eq!(listed(&app, &html), [listed_plan]);
        for absent in [
            "Public draft",
            "Private published",
            "Public archived",
            "Revoked",
            "By unverified",
            "By inactive",
        ] {
            assert!(!html.contains(absent), "{absent} is listed");
        }
        let cards = texts(&html, ".plan-card");
        assert!(
            cards[0].contains("Lisbon, Portugal · 1 Jul 2026 – 5 Jul 2026 · 5 days"),
            "{cards:?}"
        );
    }
    // Changing any of the three conditions takes it off the list.
    let plan = || plans::table.find(listed_plan);
    let owner_row = || users::table.find(owner.user.id);
    type Change<'a> = Box<dyn Fn() -> usize + 'a>;
    let changes: [(&str, Change, Change); 3] = [
        (
            "back to draft",
            Box::new(|| app.exec(diesel::update(plan()).set(plans::status.eq(PlanStatus::Draft)))),
            Box::new(|| {
                app.exec(diesel::update(plan()).set(plans::status.eq(PlanStatus::Published)))
            }),
        ),
        (
            "not public",
            Box::new(|| app.exec(diesel::update(plan()).set(plans::is_public.eq(false)))),
            Box::new(|| app.exec(diesel::update(plan()).set(plans::is_public.eq(true)))),
        ),
        (
            "owner unverified",
            Box::new(|| app.exec(diesel::update(owner_row()).set(users::is_verified.eq(false)))),
            Box::new(|| app.exec(diesel::update(owner_row()).set(users::is_verified.eq(true)))),
        ),
    ];
    for (change, set, undo) in changes {
        set();
        assert!(
            listed(&app, &anonymous.get_html("/explore").await).is_empty(),
            "{change}"
        );
        undo();
        assert_eq!(
            listed(&app, &anonymous.get_html("/explore").await),
            [listed_plan]
        );
    }
    let _ = archived;
}

#[tokio::test]
async fn explore_searches_filters_by_month_and_length_and_pages_through_everything_once() {
    let app = spawn_app().await;
    let owner = traveller(&app, "ana").await;
    // 45 listed plans: destinations, months and lengths vary; updated_at repeats.
    let new_year = crate::support::date("2026-01-01")
        .and_hms_opt(0, 0, 0)
        .unwrap();
    for g in 1..=45u32 {
        let start = crate::support::date("2026-01-10") + chrono::Months::new(g % 12);
        let end = start + chrono::Days::new(u64::from(g % 20));
        app.plan(&owner.user)
            .title(&format!("Trip {g}"))
            .destination(["Kyoto", "Lisbon", "Oslo"][(g % 3) as usize])
            .dates(&start.to_string(), &end.to_string())
            .status("published")
            .public()
            .share_token(&crate::support::sha256_hex(&format!("t{g}")))
            .updated_at(new_year + chrono::Duration::hours(i64::from(g / 4)))
            .insert();
    }
    app.plan(&owner.user)
        .title("Kyoto but private")
        .status("published")
        .share_token("private-token-xxxxxxxxxxxxxxxxxxxxxxxxxxx")
        .insert();
    let anonymous = app.new_browser();
    // The public, published plans newest change first, then those `keep` keeps.
    let expected = |keep: Keep| -> Vec<i32> {
        app.all(
            plans::table
                .filter(plans::is_public.eq(true))
                .filter(plans::status.eq("published"))
                .order((plans::updated_at.desc(), plans::id.desc()))
                .select(Plan::as_select()),
        )
        .iter()
        .filter(|plan| keep(plan))
        .map(|plan| plan.id.0)
        .collect()
    };
    // `end_date - start_date + 1`, the trip's length in days.
    fn days(plan: &Plan) -> Option<i64> {
        Some((plan.end_date? - plan.start_date?).num_days() + 1)
    }
    fn month(plan: &Plan) -> Option<u32> {
        plan.start_date.map(|d| d.month())
    }

    let all = all_pages(&app, &anonymous, "/explore").await;
    assert_eq!(all.len(), 45);
    assert_eq!(all.iter().collect::<HashSet<_>>().len(), 45, "each once");
    assert_eq!(all, expected(|_| true), "newest change first");

    type Keep = fn(&Plan) -> bool;
    let cases: [(&str, Keep); 9] = [
        ("/explore?q=kyoto", |p| {
            p.destination.as_deref() == Some("Kyoto")
        }),
        ("/explore?q=TRIP+1", |p| {
            p.title.to_lowercase().contains("trip 1")
        }),
        ("/explore?month=3", |p| month(p) == Some(3)),
        ("/explore?length=1-3", |p| {
            days(p).is_some_and(|d| (1..=3).contains(&d))
        }),
        ("/explore?length=4-7", |p| {
            days(p).is_some_and(|d| (4..=7).contains(&d))
        }),
        ("/explore?length=8-14", |p| {
            days(p).is_some_and(|d| (8..=14).contains(&d))
        }),
        ("/explore?length=15-", |p| days(p).is_some_and(|d| d >= 15)),
        ("/explore?q=oslo&month=2&length=15-", |p| {
            p.destination.as_deref() == Some("Oslo")
                && month(p) == Some(2)
                && days(p).is_some_and(|d| d >= 15)
        }),
        ("/explore?month=13&length=bogus", |_| true),
    ];
    for (path, keep) in cases {
        let got = all_pages(&app, &anonymous, path).await;
        assert_eq!(got, expected(keep), "{path}");
    }
    // The form keeps the choices, and the next page keeps the filters.
    let html = anonymous
        .get_html("/explore?q=trip&month=1&length=15-")
        .await;
    assert_eq!(field_value(&html, "q").as_deref(), Some("trip"));
    assert_eq!(field_value(&html, "month").as_deref(), Some("1"));
    assert_eq!(field_value(&html, "length").as_deref(), Some("15-"));
    let first = anonymous.get_html("/explore?q=trip").await;
    let next = next_page(&first).unwrap().replace("&amp;", "&");
    assert!(next.contains("q=trip") && next.contains("after="), "{next}");
    let html = anonymous.get_html("/explore?q=nothing-like-this").await;
    assert!(html.contains("No shared trips match yet."));
    assert!(html.contains("href=\"/explore\">Show all"));
}

#[tokio::test]
async fn listing_a_plan_on_explore_needs_a_verified_email() {
    let app = spawn_app().await;
    let t = traveller(&app, "ana").await;
    app.exec(diesel::update(users::table.find(t.user.id)).set(users::is_verified.eq(false)));
    let plan = create_plan(&t.browser, &[]).await;
    let everyone = scraper::Selector::parse("input[name=visibility][value=public]").unwrap();
    let html = t.browser.get_html(&format!("/plans/{plan}")).await;
    let doc = scraper::Html::parse_document(&html);
    assert!(
        doc.select(&everyone)
            .next()
            .unwrap()
            .value()
            .attr("disabled")
            .is_some()
    );
    assert!(html.contains("Confirm your e-mail address"));

    let before = app.snapshot();
    set_visibility(&t.browser, plan, "public").await;
    assert_eq!(app.snapshot(), before, "nothing changes");
    let page = t.browser.get_html(&format!("/plans/{plan}")).await;
    assert!(
        page.contains("Confirm your e-mail address to list a plan on Explore"),
        "the page says why"
    );
    assert!(listed(&app, &app.new_browser().get_html("/explore").await).is_empty());
    // The other choices need no confirmed address.
    set_visibility(&t.browser, plan, "link").await;
    assert_eq!(
        app.plan_row(plan)
            .filter(|p| p.share_token.is_some() && p.is_public == Some(false))
            .iter()
            .count(),
        1
    );

    // Once the address is confirmed, the same choice lists it.
    app.exec(diesel::update(users::table.find(t.user.id)).set(users::is_verified.eq(true)));
    let html = t.browser.get_html(&format!("/plans/{plan}")).await;
    let doc = scraper::Html::parse_document(&html);
    assert!(
        doc.select(&everyone)
            .next()
            .unwrap()
            .value()
            .attr("disabled")
            .is_none()
    );
    set_visibility(&t.browser, plan, "public").await;
    assert_eq!(
        app.plan_row(plan)
            .filter(|p| {
                p.is_public == Some(true)
                    && p.status == Some(PlanStatus::Published)
                    && p.share_token.is_some()
            })
            .iter()
            .count(),
        1
    );
    assert_eq!(
        listed(&app, &app.new_browser().get_html("/explore").await),
        [plan]
    );
}

#[tokio::test]
async fn explore_never_shows_bookings_or_contact_details_while_the_link_still_does() {
    let app = spawn_app().await;
    let (owner, plan, token) = plan_with_everything(&app).await;
    // Booking details for the friends holding the link, then everyone may find the plan.
    set_options(&app, &owner.browser, plan, true, true, "").await;
    set_visibility(&owner.browser, plan, "public").await;
    let section = owner.browser.get_html(&format!("/plans/{plan}")).await;
    assert!(
        crate::sharing::links::who_sees_what(&section).contains(
            "Booking details: confirmation numbers, where you stay, arrival, contacts | Yes | Never"
        ),
        "the owner is told plainly"
    );

    let anonymous = app.new_browser();
    let reader = traveller(&app, "reader").await;
    for browser in [&anonymous, &reader.browser] {
        let list = browser.get_html("/explore").await;
        assert_eq!(listed(&app, &list), [plan]);
        let mut views = vec![("explore".to_string(), list)];
        let response = browser.get(&format!("/explore/{plan}")).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert!(
            response.headers().get("x-robots-tag").is_none(),
            "Explore's page is for search engines"
        );
        views.push(("page".into(), response.text().await.unwrap()));
        let (ics, _) = crate::plans::calendar::fetch_calendar(
            browser,
            &format!("/explore/{plan}/calendar.ics"),
        )
        .await;
        views.push(("calendar".into(), ics.replace("\r\n ", "")));
        for (view, text) in &views {
            for hidden in BOOKING_DETAILS.iter().chain(NEVER_SHARED) {
                assert!(!text.contains(hidden), "Explore's {view} shows {hidden}");
            }
            assert!(
                !text.contains(&token),
                "Explore's {view} leads to the link's page"
            );
        }
        let page = &views[1].1;
        for shown in [
            "Hotel check-in",
            "Visible notes 77",
            "visible-tag",
            "432.19",
            "77.70",
        ] {
            assert!(page.contains(shown), "Explore's page hides {shown}");
        }
        assert!(!views[2].1.contains("Confirmation:"));
    }

    // The link's holders still see what the owner shares with them.
    let link_page = anonymous.get_html(&format!("/s/{token}")).await;
    for shown in BOOKING_DETAILS {
        assert!(link_page.contains(shown), "the link page hides {shown}");
    }
    let (ics, _) =
        crate::plans::calendar::fetch_calendar(&anonymous, &format!("/s/{token}/calendar.ics"))
            .await;
    assert!(
        ics.replace("\r\n ", "")
            .contains("Confirmation: ACT-CONF-77")
    );

    // A copy made from Explore holds what Explore shows: no booking details.
    let response = reader
        .browser
        .post_form(&format!("/explore/{plan}/copy"), &[])
        .await;
    let copied = copy_text(&app, crate::plans::plan_id_in(&response));
    for hidden in BOOKING_DETAILS.iter().chain(NEVER_SHARED) {
        assert!(
            !copied.contains(hidden),
            "a copy from Explore holds {hidden}"
        );
    }
    assert!(copied.contains("Hotel check-in") && copied.contains("432.19"));
    // Signed out, the copy button leads to the login and back to Explore's page.
    let response = anonymous
        .post_form(&format!("/explore/{plan}/copy"), &[])
        .await;
    assert_eq!(
        response.headers()["location"].to_str().unwrap(),
        format!("/login?next=%2Fexplore%2F{plan}")
    );

    // Costs follow the owner's choice on Explore too; a plan taken off Explore is gone.
    set_options(&app, &owner.browser, plan, false, true, "").await;
    let page = anonymous.get_html(&format!("/explore/{plan}")).await;
    for cost in PLAN_COSTS {
        assert!(!page.contains(cost), "Explore shows the hidden cost {cost}");
    }
    set_visibility(&owner.browser, plan, "link").await;
    for path in [
        format!("/explore/{plan}"),
        format!("/explore/{plan}/calendar.ics"),
    ] {
        assert_eq!(
            anonymous.get(&path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
}
