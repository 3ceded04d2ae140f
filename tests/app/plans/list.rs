//! "My plans": trips under way, coming, past and undated apart, each by date; status
//! filter, search, keyset pages, empty state.

use diesel::prelude::*;
use wayfare::db::schema::plans;

use super::*;
use crate::support::spawn_app;
use wayfare::domain::ids::UserId;

/// Plan ids in the order a list page links them.
fn listed_ids(html: &str) -> Vec<i32> {
    let doc = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse(".plan-card h3 a").unwrap();
    doc.select(&selector)
        .map(|a| {
            a.value().attr("href").unwrap()["/plans/".len()..]
                .parse()
                .unwrap()
        })
        .collect()
}

/// The "Older plans" link of a list page.
fn next_page(html: &str) -> Option<String> {
    let doc = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse("nav.pager a[role=button]").unwrap();
    doc.select(&selector)
        .next()
        .map(|a| a.value().attr("href").unwrap().replace("&amp;", "&"))
}

/// Every plan id, following "Older plans" from `first` to the end.
async fn all_pages(browser: &Browser, first: &str) -> (Vec<i32>, usize) {
    let mut ids = Vec::new();
    let mut pages = 0;
    let mut path = Some(first.to_string());
    while let Some(p) = path {
        let html = browser.get_html(&p).await;
        let page = listed_ids(&html);
        assert!(page.len() <= 20, "a page holds at most 20 plans");
        ids.extend(page);
        pages += 1;
        assert!(pages < 20, "the pages never end");
        path = next_page(&html);
        if let Some(next) = &path {
            assert!(
                next.contains("after="),
                "a keyset cursor, not an offset: {next}"
            );
            assert!(!next.contains("offset") && !next.contains("page="));
        }
    }
    (ids, pages)
}

/// The plans of `owner` (with `status`, if given), newest change first.
fn ids_in_order(app: &TestApp, owner: UserId, status: Option<&str>) -> Vec<i32> {
    let of_owner = plans::table
        .filter(plans::user_id.eq(owner))
        .order((plans::updated_at.desc(), plans::id.desc()))
        .select(plans::id)
        .into_boxed();
    app.all(match status {
        Some(status) => of_owner.filter(plans::status.eq(status)),
        None => of_owner,
    })
}

#[tokio::test]
async fn the_list_shows_newest_change_first_with_dates_status_budget_and_activity_count() {
    let app = spawn_app().await;
    let t = traveller(&app, "ana").await;
    let old = create_plan(&t.browser, &[("title", "Oldest"), ("destination", "Oslo")]).await;
    let middle = create_listed_plan(&t.browser, &[("title", "Middle"), ("budget", "")]).await;
    let new = create_plan(
        &t.browser,
        &[("title", "Newest"), ("start_date", ""), ("end_date", "")],
    )
    .await;
    for (id, hours) in [(old, 3), (middle, 2), (new, 1)] {
        let at = chrono::Utc::now().naive_utc() - chrono::Duration::hours(hours);
        app.exec(diesel::update(plans::table.find(id)).set(plans::updated_at.eq(at)));
    }
    for i in 0..3 {
        insert_activity(&app, middle, &format!("A{i}"), None, i);
    }
    insert_activity(&app, old, "Only one", None, 0);

    // The two dated ones are past trips (same dates: last changed first), then the one
    // with no dates.
    let html = t.browser.get_html("/plans").await;
    assert_eq!(listed_ids(&html), vec![middle, old, new]);
    let cards = texts(&html, ".plan-card");
    assert!(
        cards[2].contains("Newest") && cards[2].contains("No dates yet"),
        "{}",
        cards[2]
    );
    assert!(cards[2].contains("0 activities") && cards[2].contains("Being planned"));
    assert!(
        cards[0].contains("3 activities") && cards[0].contains("Published"),
        "{}",
        cards[0]
    );
    assert!(!cards[0].contains("budget"), "no budget, none shown");
    assert!(
        cards[1].contains("Oslo")
            && cards[1].contains("1 Jul 2026 – 5 Jul 2026")
            && cards[1].contains("1 activity ")
            && cards[1].contains("budget €1,250.50"),
        "{}",
        cards[1]
    );

    // Editing the oldest brings it to the top of its group.
    let version = form_version(&t.browser, &format!("/plans/{old}/edit")).await;
    let mut form = plan_form(&[("title", "Oldest, edited")]);
    form.push(("version", &version));
    t.browser
        .post_form(&format!("/plans/{old}/edit"), &form)
        .await;
    assert_eq!(
        listed_ids(&t.browser.get_html("/plans").await),
        vec![old, middle, new]
    );

    // Someone else's plans are never listed.
    let other = traveller(&app, "bob").await;
    create_plan(&other.browser, &[("title", "Bob's")]).await;
    let html = t.browser.get_html("/plans").await;
    assert_eq!(listed_ids(&html).len(), 3);
    assert!(!html.contains("Bob"));
}

#[tokio::test]
async fn the_list_filters_by_status_and_searches_title_and_destination() {
    let app = spawn_app().await;
    let t = traveller(&app, "ana").await;
    let lisbon = create_plan(
        &t.browser,
        &[("title", "Summer"), ("destination", "Lisbon")],
    )
    .await;
    let kyoto = create_listed_plan(
        &t.browser,
        &[("title", "Kyoto temples"), ("destination", "Japan")],
    )
    .await;
    let percent = create_plan(
        &t.browser,
        &[("title", "100% fun_trip"), ("destination", "Home")],
    )
    .await;
    t.browser
        .post_form(
            &format!("/plans/{percent}/status"),
            &[("status", "archived")],
        )
        .await;
    let other = traveller(&app, "bob").await;
    create_listed_plan(&other.browser, &[("title", "Kyoto too")]).await;

    let list = |query: &'static str| {
        let browser = t.browser.clone();
        async move {
            let html = browser.get_html(&format!("/plans?{query}")).await;
            let mut ids = listed_ids(&html);
            ids.sort();
            (ids, html)
        }
    };
    assert_eq!(list("status=published").await.0, vec![kyoto]);
    assert_eq!(list("status=archived").await.0, vec![percent]);
    assert_eq!(list("status=draft").await.0.len(), 1);
    assert_eq!(list("status=draft").await.0, vec![lisbon]);
    assert_eq!(list("q=kyoto").await.0, vec![kyoto], "title, any case");
    assert_eq!(list("q=LISB").await.0, vec![lisbon], "destination");
    assert_eq!(list("q=%25").await.0, vec![percent], "% is literal");
    assert_eq!(list("q=_").await.0, vec![percent], "_ is literal");
    assert_eq!(list("q=kyoto&status=draft").await.0, Vec::<i32>::new());
    let (ids, html) = list("q=nowhere").await;
    assert!(ids.is_empty());
    assert!(
        html.contains("No plans match"),
        "not the first-plan invitation"
    );
    assert!(!html.contains("Plan my first trip"));
    // The filter form keeps what was asked.
    let (_, html) = list("q=temples&status=published").await;
    assert_eq!(field_value(&html, "q").as_deref(), Some("temples"));
    assert_eq!(field_value(&html, "status").as_deref(), Some("published"));
    // Nonsense filters are ignored, not errors.
    let (ids, _) = list("status=bogus&after=nonsense").await;
    assert_eq!(ids.len(), 3);
}

#[tokio::test]
async fn the_list_pages_through_45_plans_with_a_keyset_cursor_each_once() {
    let app = spawn_app().await;
    let t = traveller(&app, "ana").await;
    let other = traveller(&app, "bob").await;
    // 45 plans; groups of five share one updated_at, so the cursor needs its id part.
    let new_year = date("2026-01-01").and_hms_opt(0, 0, 0).unwrap();
    for g in 1..=45 {
        app.plan(&t.user)
            .title(&format!("Trip {g}"))
            .status(if g % 3 == 0 { "published" } else { "draft" })
            .updated_at(new_year + chrono::Duration::days(g / 5))
            .insert();
    }
    for g in 1..=30 {
        app.plan(&other.user)
            .title(&format!("Not mine {g}"))
            .insert();
    }

    let (ids, pages) = all_pages(&t.browser, "/plans").await;
    assert_eq!(pages, 3, "20 + 20 + 5");
    assert_eq!(ids, ids_in_order(&app, t.user.id, None));

    let (ids, pages) = all_pages(&t.browser, "/plans?status=published").await;
    assert_eq!(pages, 1);
    assert_eq!(ids.len(), 15);

    let (ids, pages) = all_pages(&t.browser, "/plans?q=trip&status=draft").await;
    assert_eq!(pages, 2, "the filter goes along to the next page");
    assert_eq!(ids, ids_in_order(&app, t.user.id, Some("draft")));

    // A later page links back to the first.
    let first = t.browser.get_html("/plans").await;
    let second = t.browser.get_html(&next_page(&first).unwrap()).await;
    assert!(second.contains("href=\"/plans\">First page"));
}

#[tokio::test]
async fn an_empty_list_invites_the_first_plan() {
    let app = spawn_app().await;
    let t = traveller(&app, "ana").await;
    let html = t.browser.get_html("/plans").await;
    assert!(html.contains("You have no plans yet"));
    assert!(html.contains("href=\"/plans/new\" role=\"button\">Plan my first trip"));
    assert!(listed_ids(&html).is_empty());
    assert_eq!(next_page(&html), None);
    // Anonymous visitors are sent to log in.
    crate::support::assert_is_login_redirect(&app.new_browser().get("/plans").await);
}

#[tokio::test]
async fn trips_under_way_coming_past_and_undated_are_listed_apart_each_by_date() {
    let app = spawn_app().await;
    let t = traveller(&app, "ana").await;
    let today = chrono::Utc::now().date_naive();
    let day = |n: i64| today + chrono::Duration::days(n);
    let trip = |title: &str, start: Option<i64>, end: Option<i64>| {
        let mut plan = app.plan(&t.user).title(title);
        if let Some(s) = start {
            let (s, e) = (day(s).to_string(), day(end.unwrap_or(s)).to_string());
            plan = plan.dates(&s, &e);
        }
        plan.insert().id.0
    };
    let later = trip("Later", Some(40), Some(45));
    let past_old = trip("Long ago", Some(-300), Some(-290));
    let now = trip("Now", Some(-1), Some(2));
    let soon = trip("Soon", Some(3), Some(5));
    let undated = trip("Some day", None, None);
    let past_recent = trip("Last month", Some(-30), Some(-25));

    let html = t.browser.get_html("/plans").await;
    assert_eq!(
        texts(&html, ".trip-group > h2"),
        ["Under way", "Coming up", "Past trips", "No dates yet"]
    );
    assert_eq!(
        listed_ids(&html),
        [now, soon, later, past_recent, past_old, undated]
    );
    let cards = texts(&html, ".plan-card");
    assert!(cards[1].contains("in 3 days"), "{}", cards[1]);
    assert!(
        html.find("role=\"search\"").is_some(),
        "six plans: the filter bar is there"
    );

    // With a handful of plans there is nothing to filter.
    let few = traveller(&app, "bob").await;
    app.plan(&few.user).title("Only one").insert();
    let html = few.browser.get_html("/plans").await;
    assert!(!html.contains("role=\"search\""));
}
