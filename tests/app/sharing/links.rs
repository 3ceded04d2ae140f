//! Share links: strong, URL-safe, unique tokens; a new link or a revoked one kills the old
//! at once, with the same 404 as any missing page; one choice says who can find a plan
//! (only me, people with the link, everyone on Explore) and the page says who sees what.

use std::collections::HashSet;

use base64::Engine;
use diesel::prelude::*;
use reqwest::StatusCode;
use wayfare::db::schema::plans;
use wayfare::domain::PlanStatus;

use super::*;
use crate::plans::{create_plan, set_visibility, texts};
use crate::support::spawn_app;

#[tokio::test]
async fn share_tokens_have_at_least_128_random_bits_are_url_safe_and_unique() {
    let app = spawn_app().await;
    let t = traveller(&app, "ana").await;
    let page = t
        .browser
        .get_html(&format!("/plans/{}", create_plan(&t.browser, &[]).await))
        .await;
    assert!(
        page.contains("value=\"private\" checked"),
        "a new plan: only its owner can find it"
    );
    let mut seen = HashSet::new();
    for i in 0..12 {
        let plan = create_plan(&t.browser, &[("title", &format!("Trip {i}"))]).await;
        for _ in 0..2 {
            let token = share(&app, &t.browser, plan).await;
            assert!(
                token
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
                "URL-safe: {token}"
            );
            let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(&token)
                .expect("base64url");
            assert!(bytes.len() >= 16, "at least 128 bits: {token}");
            assert!(seen.insert(token.clone()), "a token came twice: {token}");
        }
    }
    // Not predictable from one another: no long shared prefix.
    let tokens: Vec<&String> = seen.iter().collect();
    for pair in tokens.windows(2) {
        let common = pair[0]
            .chars()
            .zip(pair[1].chars())
            .take_while(|(a, b)| a == b)
            .count();
        assert!(common < 8, "{} and {}", pair[0], pair[1]);
    }
    // The owner sees the link to copy, and the shared page offers the calendar feed.
    let plan = create_plan(&t.browser, &[]).await;
    let token = share(&app, &t.browser, plan).await;
    let page = t.browser.get_html(&format!("/plans/{plan}")).await;
    assert!(page.contains("Your share link is ready."));
    let link = {
        let doc = scraper::Html::parse_document(&page);
        let input = scraper::Selector::parse("input.share-link").unwrap();
        doc.select(&input)
            .next()
            .unwrap()
            .value()
            .attr("value")
            .unwrap()
            .to_string()
    };
    assert!(link.ends_with(&format!("/s/{token}")), "{link}");
    let shared = app.new_browser().get_html(&format!("/s/{token}")).await;
    let webcal = format!(
        "href=\"webcal://127.0.0.1:{}/s/{token}/calendar.ics\"",
        app.port
    );
    assert!(shared.contains(&webcal), "a webcal:// link to the feed");
    assert!(
        texts(&shared, "a")
            .iter()
            .any(|a| a == "Subscribe in your calendar")
    );
}

#[tokio::test]
async fn a_new_link_or_a_revoked_one_kills_the_old_link_with_the_same_withdrawn_page_as_any_unknown_link()
 {
    let app = spawn_app().await;
    let (owner, plan, first) = shared_plan(&app, "ana", &[]).await;
    let visitor = app.new_browser();
    for path in [format!("/s/{first}"), format!("/s/{first}/calendar.ics")] {
        assert_eq!(visitor.get(&path).await.status(), StatusCode::OK, "{path}");
    }
    // A dead link says that links get withdrawn; whether this one ever worked it does
    // not tell.
    let unknown_token = visitor.get(&format!("/s/{}Q", "Zx9".repeat(14))).await;
    assert_eq!(unknown_token.status(), StatusCode::NOT_FOUND);
    let missing_page = unknown_token.text().await.unwrap();
    assert!(missing_page.contains("its owner withdrew it or replaced it"));

    // Replacing the link is behind a warning that the old one stops working.
    let page = owner.browser.get_html(&format!("/plans/{plan}")).await;
    let warning = crate::plans::texts(&page, "#sharing details.confirm-new-link > p");
    assert!(
        warning[0].contains("The current link stops working at once"),
        "{warning:?}"
    );
    let replace =
        format!("#sharing details.confirm-new-link form[action=\"/plans/{plan}/share\"] button");
    assert_eq!(crate::plans::texts(&page, &replace), ["Replace the link"]);

    let second = share(&app, &owner.browser, plan).await;
    assert_ne!(second, first);
    let page = owner.browser.get_html(&format!("/plans/{plan}")).await;
    assert_eq!(
        crate::plans::texts(&page, "#sharing .flash"),
        ["A new share link is ready; the old one no longer works."]
    );
    for path in [format!("/s/{first}"), format!("/s/{first}/calendar.ics")] {
        let response = visitor.get(&path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(response.text().await.unwrap(), missing_page, "{path}");
    }
    assert_eq!(
        visitor.get(&format!("/s/{second}")).await.status(),
        StatusCode::OK
    );

    let response = owner
        .browser
        .post_form(&format!("/plans/{plan}/share/revoke"), &[])
        .await;
    crate::support::assert_is_redirect_to(&response, &format!("/plans/{plan}#sharing"));
    assert_eq!(app.plan_row(plan).and_then(|p| p.share_token), None);
    for path in [
        format!("/s/{second}"),
        format!("/s/{second}/calendar.ics"),
        format!("/s/{first}"),
    ] {
        let response = visitor.get(&path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(response.text().await.unwrap(), missing_page);
    }
    let page = owner.browser.get_html(&format!("/plans/{plan}")).await;
    assert!(
        page.contains("value=\"private\" checked"),
        "back to only me"
    );
    // Copying through a dead link makes nothing.
    let other = traveller(&app, "bob").await;
    let before = app.plan_count();
    let response = other
        .browser
        .post_form(&format!("/s/{second}/copy"), &[])
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.plan_count(), before);

    // Tokens that are not even plausible get the same page, without a lookup.
    for token in [
        "x",
        "%27%20OR%201%3D1--",
        &"a".repeat(200),
        "....",
        "abc%00def",
    ] {
        let response = visitor.get(&format!("/s/{token}")).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{token}");
        assert_eq!(response.text().await.unwrap(), missing_page, "{token}");
    }
    // An empty token (a revoked link stored as '') never matches.
    app.exec(diesel::update(plans::table.find(plan)).set(plans::share_token.eq("")));
    assert_eq!(visitor.get("/s/").await.status(), StatusCode::NOT_FOUND);
}

/// The "who sees what" table, a line per row, cells joined by " | ".
pub fn who_sees_what(page: &str) -> String {
    let doc = scraper::Html::parse_document(page);
    let rows = scraper::Selector::parse("table.who-sees-what tr").unwrap();
    let cells = scraper::Selector::parse("th, td").unwrap();
    doc.select(&rows)
        .map(|row| {
            row.select(&cells)
                .map(|c| {
                    c.text()
                        .collect::<String>()
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The sharing section's one choice, as the page shows it: the checked radio.
fn chosen(page: &str) -> String {
    let doc = scraper::Html::parse_document(page);
    let checked = scraper::Selector::parse("input[name=visibility][checked]").unwrap();
    let values: Vec<String> = doc
        .select(&checked)
        .map(|i| i.value().attr("value").unwrap().to_string())
        .collect();
    assert_eq!(values.len(), 1, "exactly one choice is checked: {values:?}");
    values[0].clone()
}

#[tokio::test]
async fn one_choice_says_who_can_find_the_plan_and_the_page_says_who_sees_what() {
    let app = spawn_app().await;
    let t = traveller(&app, "ana").await;
    let plan = create_plan(&t.browser, &[]).await;
    let columns = || {
        let p = app.plan_row(plan).unwrap();
        (p.status, p.is_public, p.share_token.is_some())
    };
    let (draft, published) = (Some(PlanStatus::Draft), Some(PlanStatus::Published));
    let token = || app.plan_row(plan).and_then(|p| p.share_token);
    let listed = || async {
        app.new_browser()
            .get_html("/explore")
            .await
            .contains(&format!("href=\"/explore/{plan}\""))
    };
    let page = t.browser.get_html(&format!("/plans/{plan}")).await;
    assert_eq!(chosen(&page), "private");
    assert_eq!(
        texts(&page, ".visibility-choice label"),
        [
            "Only me",
            "People with the link",
            "Everyone (listed on Explore)"
        ]
    );
    for switch in [
        "name=\"is_public\"",
        ">Publish<",
        "name=\"status\" value=\"published\"",
    ] {
        assert!(!page.contains(switch), "no second switch: {switch}");
    }
    // The section says plainly who sees what.
    let table = who_sees_what(&page);
    for line in [
        "Booking details: confirmation numbers, where you stay, arrival, contacts | No | Never",
        "Preferences, accessibility needs, raw data | Never | Never",
    ] {
        assert!(table.contains(line), "{line:?} in\n{table}");
    }
    assert_eq!(columns(), (draft, Some(false), false));

    set_visibility(&t.browser, plan, "link").await;
    assert_eq!(columns(), (draft, Some(false), true));
    let link = token().unwrap();
    let page = t.browser.get_html(&format!("/plans/{plan}")).await;
    assert_eq!(chosen(&page), "link");
    assert!(page.contains("Anyone with the link can read the plan; Explore does not list it."));
    assert!(!listed().await);

    set_visibility(&t.browser, plan, "public").await;
    assert_eq!(columns(), (published, Some(true), true));
    assert_eq!(
        token(),
        Some(link.clone()),
        "the link given out keeps working"
    );
    let page = t.browser.get_html(&format!("/plans/{plan}")).await;
    assert_eq!(chosen(&page), "public");
    assert!(page.contains(&format!("href=\"/explore/{plan}\"")));
    assert!(listed().await);

    set_visibility(&t.browser, plan, "link").await;
    assert_eq!(columns(), (draft, Some(false), true));
    assert!(!listed().await);
    assert_eq!(token(), Some(link.clone()));

    set_visibility(&t.browser, plan, "private").await;
    assert_eq!(columns(), (draft, Some(false), false));
    let visitor = app.new_browser();
    assert_eq!(
        visitor.get(&format!("/s/{link}")).await.status(),
        StatusCode::NOT_FOUND
    );

    // Anything but the three choices is refused and changes nothing.
    let before = app.snapshot();
    for bad in ["", "published", "on", "PUBLIC", "everyone"] {
        let response = t
            .browser
            .post_form(
                &format!("/plans/{plan}/share/visibility"),
                &[("visibility", bad)],
            )
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad:?}");
        assert!(
            response
                .text()
                .await
                .unwrap()
                .contains("Choose who can find the plan"),
            "{bad:?}"
        );
    }
    assert_eq!(app.snapshot(), before);
}
