//! Explore: only public, published plans of verified, active owners; search, month and
//! length filters, keyset pages; listing a plan needs a verified e-mail; and Explore's
//! pages never show bookings or contact details, whatever the link shows.

use std::collections::HashSet;

use reqwest::StatusCode;

use super::*;
use crate::helpers::spawn_app;
use crate::plans::{create_listed_plan, field_value, insert_plan, set_visibility, texts};

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
    app.exec(&format!(
        "UPDATE plans SET is_public = true WHERE id = {draft}"
    ));
    let private = create_plan(&owner.browser, &[("title", "Private published")]).await;
    app.exec(&format!(
        "UPDATE plans SET status = 'published' WHERE id = {private}"
    ));
    let archived = create_listed_plan(&owner.browser, &[("title", "Public archived")]).await;
    app.exec(&format!(
        "UPDATE plans SET status = 'archived' WHERE id = {archived}"
    ));
    let revoked = create_listed_plan(&owner.browser, &[("title", "Revoked")]).await;
    owner
        .browser
        .post_form(&format!("/plans/{revoked}/share/revoke"), &[])
        .await;
    // A private plan with a link is readable by link, never listed.
    share(&app, &owner.browser, private).await;
    share(&app, &owner.browser, draft).await;

    let unverified = app.create_user("unverified");
    app.exec(&format!(
        "UPDATE users SET is_verified = false WHERE id = {}",
        unverified.id
    ));
    let inactive = app.create_user("inactive");
    app.exec(&format!(
        "UPDATE users SET is_active = false WHERE id = {}",
        inactive.id
    ));
    for user in [&unverified, &inactive] {
        insert_plan(
            &app,
            user,
            &format!("By {}", user.username),
            "status, is_public, share_token",
            &format!(
                "'published', true, 'token-of-{}-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'",
                user.username
            ),
        );
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
    for (change, undo) in [
        (
            format!("UPDATE plans SET status = 'draft' WHERE id = {listed_plan}"),
            format!("UPDATE plans SET status = 'published' WHERE id = {listed_plan}"),
        ),
        (
            format!("UPDATE plans SET is_public = false WHERE id = {listed_plan}"),
            format!("UPDATE plans SET is_public = true WHERE id = {listed_plan}"),
        ),
        (
            format!(
                "UPDATE users SET is_verified = false WHERE id = {}",
                owner.user.id
            ),
            format!(
                "UPDATE users SET is_verified = true WHERE id = {}",
                owner.user.id
            ),
        ),
    ] {
        app.exec(&change);
        assert!(
            listed(&app, &anonymous.get_html("/explore").await).is_empty(),
            "{change}"
        );
        app.exec(&undo);
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
    app.exec(&format!(
        "INSERT INTO plans (user_id, title, destination, start_date, end_date, status, is_public, share_token, updated_at) \
         SELECT {}, 'Trip ' || g, (ARRAY['Kyoto', 'Lisbon', 'Oslo'])[g % 3 + 1], \
                date '2026-01-10' + ((g % 12) * interval '1 month'), \
                date '2026-01-10' + ((g % 12) * interval '1 month') + ((g % 20) * interval '1 day'), \
                'published', true, md5('t' || g) || md5('u' || g), timestamp '2026-01-01' + (g / 4) * interval '1 hour' \
           FROM generate_series(1, 45) g",
        owner.user.id
    ));
    insert_plan(
        &app,
        &owner.user,
        "Kyoto but private",
        "status, share_token",
        "'published', 'private-token-xxxxxxxxxxxxxxxxxxxxxxxxxxx'",
    );
    let anonymous = app.new_browser();
    let expected = |where_: &str| -> Vec<i32> {
        app.text(&format!(
            "SELECT string_agg(id::text, ',' ORDER BY updated_at DESC, id DESC) FROM plans \
             WHERE is_public AND status = 'published' AND {where_}"
        ))
        .map(|s| s.split(',').map(|v| v.parse().unwrap()).collect())
        .unwrap_or_default()
    };

    let all = all_pages(&app, &anonymous, "/explore").await;
    assert_eq!(all.len(), 45);
    assert_eq!(all.iter().collect::<HashSet<_>>().len(), 45, "each once");
    assert_eq!(all, expected("true"), "newest change first");

    let cases = [
        ("/explore?q=kyoto", "destination = 'Kyoto'"),
        ("/explore?q=TRIP+1", "title ILIKE '%trip 1%'"),
        ("/explore?month=3", "extract(month FROM start_date) = 3"),
        (
            "/explore?length=1-3",
            "end_date - start_date + 1 BETWEEN 1 AND 3",
        ),
        (
            "/explore?length=4-7",
            "end_date - start_date + 1 BETWEEN 4 AND 7",
        ),
        (
            "/explore?length=8-14",
            "end_date - start_date + 1 BETWEEN 8 AND 14",
        ),
        ("/explore?length=15-", "end_date - start_date + 1 >= 15"),
        (
            "/explore?q=oslo&month=2&length=15-",
            "destination = 'Oslo' AND extract(month FROM start_date) = 2 AND end_date - start_date + 1 >= 15",
        ),
        ("/explore?month=13&length=bogus", "true"),
    ];
    for (path, where_) in cases {
        let got = all_pages(&app, &anonymous, path).await;
        assert_eq!(got, expected(where_), "{path}");
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
    app.exec(&format!(
        "UPDATE users SET is_verified = false WHERE id = {}",
        t.user.id
    ));
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
        app.count(&format!(
            "plans WHERE id = {plan} AND share_token IS NOT NULL AND NOT is_public"
        )),
        1
    );

    // Once the address is confirmed, the same choice lists it.
    app.exec(&format!(
        "UPDATE users SET is_verified = true WHERE id = {}",
        t.user.id
    ));
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
        app.count(&format!(
            "plans WHERE id = {plan} AND is_public AND status = 'published' AND share_token IS NOT NULL"
        )),
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
            "4321.09",
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
    assert!(copied.contains("Hotel check-in") && copied.contains("4321.09"));
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
