//! The plan page puts the days first: a skip link, the itinerary before the map and the
//! budget, no chart of zeros for a plan with no costs, few stops for the keyboard before
//! the first activity, and during the trip, today's day marked for the page to open on.

use chrono::{TimeDelta, Utc};
use diesel::prelude::*;

use crate::plans::{add_activity, create_plan, insert_activity, texts, traveller};
use crate::support::{assert_is_redirect_to, spawn_app};

/// Elements a Tab press stops at, in document order, before the first activity's card.
fn tab_stops_before_first_activity(html: &str) -> usize {
    let doc = scraper::Html::parse_document(html);
    let focusable = scraper::Selector::parse(
        "a[href], button, input:not([type=hidden]), select, textarea, summary, li.activity",
    )
    .unwrap();
    doc.select(&focusable)
        .take_while(|e| e.value().name() != "li")
        .filter(|e| e.value().attr("hidden").is_none())
        .count()
}

#[tokio::test]
async fn the_itinerary_comes_first_and_the_budget_has_its_own_section() {
    let app = spawn_app().await;
    let t = traveller(&app, "kyoto").await;
    let plan = create_plan(
        &t.browser,
        &[("start_date", "2026-04-01"), ("end_date", "2026-04-06")],
    )
    .await;
    insert_activity(&app, plan, "Fushimi Inari", Some("2026-04-01"), 0);
    let page = t.browser.get_html(&format!("/plans/{plan}")).await;

    let skip = page.find("class=\"skip-link\" href=\"#main\"").unwrap();
    assert!(
        skip < page.find("<main").unwrap(),
        "the skip link comes first"
    );
    assert!(page.contains("id=\"main\""));
    let at = |needle: &str| page.find(needle).unwrap_or_else(|| panic!("{needle}"));
    assert!(at("id=\"itinerary\"") < at("id=\"map-section\""));
    assert!(at("id=\"map-section\"") < at("id=\"budget\""));
    assert_eq!(
        texts(&page, "nav.jump a"),
        vec!["Itinerary", "Map", "Budget", "Sharing", "Trip details"]
    );
    // Nothing estimated or spent: no per-day rows of zeros.
    assert!(texts(&page, "#budget summary").is_empty(), "{page}");
    // Each day's add link says which day it adds to.
    assert_eq!(
        texts(&page, "#day-2026-04-02 .day-head a"),
        vec!["+ Add to Day 2"]
    );
    let stops = tab_stops_before_first_activity(&page);
    assert!(stops <= 24, "{stops} tab stops before the first activity");

    // Once something costs money, the per-day chart appears.
    app.exec(
        diesel::update(wayfare::db::schema::plan_activities::table).set(
            wayfare::db::schema::plan_activities::estimated_cost
                .eq(Some("900".parse::<bigdecimal::BigDecimal>().unwrap())),
        ),
    );
    let page = t.browser.get_html(&format!("/plans/{plan}")).await;
    assert_eq!(
        texts(&page, "#budget summary"),
        vec!["Per day", "Per kind of activity"]
    );
}

#[tokio::test]
async fn during_the_trip_today_is_marked_for_the_page_to_open_on() {
    let app = spawn_app().await;
    let t = traveller(&app, "porto").await;
    let today = Utc::now().date_naive();
    let (start, end) = (today - TimeDelta::days(1), today + TimeDelta::days(2));
    let plan = create_plan(
        &t.browser,
        &[
            ("start_date", &start.to_string()),
            ("end_date", &end.to_string()),
        ],
    )
    .await;
    let page = t.browser.get_html(&format!("/plans/{plan}")).await;
    let doc = scraper::Html::parse_document(&page);
    let marked = scraper::Selector::parse("section.day.today[data-today]").unwrap();
    let ids: Vec<&str> = doc
        .select(&marked)
        .filter_map(|e| e.value().attr("id"))
        .collect();
    // UTC's today, or the day next to it where the trip's zone (none here) is ahead.
    assert_eq!(ids, vec![format!("day-{today}")]);
    assert_eq!(texts(&page, "section.day.today .badge"), vec!["Today"]);

    // A trip that is over marks nothing.
    let past = create_plan(
        &t.browser,
        &[("start_date", "2025-01-01"), ("end_date", "2025-01-03")],
    )
    .await;
    let page = t.browser.get_html(&format!("/plans/{past}")).await;
    assert!(!page.contains("data-today"));
}

#[tokio::test]
async fn the_plans_list_says_when_each_trip_is() {
    let app = spawn_app().await;
    let t = traveller(&app, "lisbon").await;
    let today = Utc::now().date_naive();
    let day = |n: i64| (today + TimeDelta::days(n)).to_string();
    for (title, start, end) in [
        ("Soon", day(12), day(15)),
        ("Now", day(-2), day(3)),
        ("Over", day(-10), day(-5)),
    ] {
        create_plan(
            &t.browser,
            &[("title", title), ("start_date", &start), ("end_date", &end)],
        )
        .await;
    }
    create_plan(
        &t.browser,
        &[("title", "Someday"), ("start_date", ""), ("end_date", "")],
    )
    .await;
    let page = t.browser.get_html("/plans").await;
    let cards = texts(&page, "article.plan-card");
    let card = |title: &str| cards.iter().find(|c| c.starts_with(title)).unwrap().clone();
    assert!(card("Soon").contains("in 12 days"), "{}", card("Soon"));
    assert!(card("Now").contains("day 3 of 6"), "{}", card("Now"));
    assert!(
        card("Over").contains("ended 5 days ago"),
        "{}",
        card("Over")
    );
    assert!(
        texts(&page, ".countdown").len() == 3,
        "no countdown without dates"
    );
}

#[tokio::test]
async fn messages_appear_beside_what_the_traveller_acted_on() {
    let app = spawn_app().await;
    let t = traveller(&app, "porto").await;
    let plan = create_plan(
        &t.browser,
        &[("start_date", "2026-07-01"), ("end_date", "2026-07-03")],
    )
    .await;
    t.browser.get_html(&format!("/plans/{plan}")).await; // the "created" message, seen
    let form = [
        ("title", "Livraria Lello"),
        ("scheduled_date", "2026-07-02"),
    ];
    let id = add_activity(&t.browser, &app, plan, &form).await;
    let page = t.browser.get_html(&format!("/plans/{plan}")).await;
    assert_eq!(
        texts(&page, &format!("#activity-{id} .flash")),
        ["The activity is added."]
    );
    assert!(texts(&page, ".flashes .flash").is_empty(), "not at the top");
    let again = t.browser.get_html(&format!("/plans/{plan}")).await;
    assert!(texts(&again, ".flash").is_empty(), "shown once");

    let response = t
        .browser
        .post_form(&format!("/plans/{plan}/activities/{id}/delete"), &[])
        .await;
    assert_is_redirect_to(&response, &format!("/plans/{plan}#day-2026-07-02"));
    let page = t.browser.get_html(&format!("/plans/{plan}")).await;
    assert_eq!(
        texts(&page, "#day-2026-07-02 .flash > span"),
        ["“Livraria Lello” is deleted."]
    );

    // Dated outside the trip, and the last of its section: the section still says so.
    let id = add_activity(
        &t.browser,
        &app,
        plan,
        &[("title", "Early train"), ("scheduled_date", "2026-06-30")],
    )
    .await;
    let response = t
        .browser
        .post_form(&format!("/plans/{plan}/activities/{id}/delete"), &[])
        .await;
    assert_is_redirect_to(&response, &format!("/plans/{plan}#outside"));
    let page = t.browser.get_html(&format!("/plans/{plan}")).await;
    assert_eq!(
        texts(&page, "#outside .flash > span"),
        ["“Early train” is deleted."]
    );
}

#[tokio::test]
async fn places_open_in_maps_and_each_control_names_the_activity_it_acts_on() {
    let app = spawn_app().await;
    let (owner, plan, token) = crate::sharing::shared_plan(&app, "kyoto", &[]).await;
    let form = [
        ("title", "Fushimi Inari"),
        ("scheduled_date", "2026-07-01"),
        ("latitude", "34.9671"),
        ("longitude", "135.7727"),
    ];
    let id = add_activity(&owner.browser, &app, plan, &form).await;
    let maps = "https://www.openstreetmap.org/?mlat=34.96710000&mlon=135.77270000#map=17/34.96710000/135.77270000";
    let visitor = app.new_browser();
    for page in [
        owner.browser.get_html(&format!("/plans/{plan}")).await,
        visitor.get_html(&format!("/s/{token}")).await,
    ] {
        let doc = scraper::Html::parse_document(&page);
        let link = scraper::Selector::parse("li.activity a.open-in-maps").unwrap();
        let link = doc.select(&link).next().expect("an open-in-maps link");
        assert_eq!(link.value().attr("href"), Some(maps));
        assert_eq!(
            link.text().collect::<String>(),
            "Open Fushimi Inari in maps"
        );
    }
    let page = owner.browser.get_html(&format!("/plans/{plan}")).await;
    let card = format!("#activity-{id} .activity-actions");
    for control in [
        "summary",
        "a",
        "button[value=up]",
        "button[value=day]",
        "button.danger",
    ] {
        let names = texts(&page, &format!("{card} {control}"));
        assert!(
            !names.is_empty() && names.iter().all(|n| n.ends_with("Fushimi Inari")),
            "{control}: {names:?}"
        );
    }
}
