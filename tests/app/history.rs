//! A plan's history: every change records one row under the acting user; the history page
//! pages through them newest first; cards and conflict answers say who changed what last;
//! the plan page offers each member only what their role allows, and runs the same number
//! of statements whatever the history and the members.

use chrono::{Duration, Utc};
use diesel::prelude::*;
use reqwest::StatusCode;
use wayfare::db::schema::{deleted_items, plan_changes, plan_members};
use wayfare::domain::ids::{ActivityId, PlanId, UserId};

use crate::plans::{
    Traveller, add_activity, create_plan, form_version, plan_form, texts, traveller,
};
use crate::support::{Browser, TestApp, TestUser, assert_is_redirect_to, spawn_app};

/// (action, summary, user, activity) of each change of the plan, oldest first.
type Change = (String, String, Option<UserId>, Option<ActivityId>);

fn changes(app: &TestApp, plan: i32) -> Vec<Change> {
    app.all(
        plan_changes::table
            .filter(plan_changes::plan_id.eq(PlanId(plan)))
            .order(plan_changes::id)
            .select((
                plan_changes::action,
                plan_changes::summary,
                plan_changes::user_id,
                plan_changes::activity_id,
            )),
    )
}

/// Makes `user` a member of `plan` in `role`, as an accepted invitation does.
fn join(app: &TestApp, plan: i32, user: &TestUser, role: &str) {
    app.exec(diesel::insert_into(plan_members::table).values((
        plan_members::plan_id.eq(PlanId(plan)),
        plan_members::user_id.eq(user.id),
        plan_members::role.eq(role),
    )));
}

/// A member with a signed-in browser.
async fn member(app: &TestApp, plan: i32, username: &str, role: &str) -> Traveller {
    let t = traveller(app, username).await;
    join(app, plan, &t.user, role);
    t
}

/// Runs `step`, then checks that it recorded exactly one change, and returns it.
async fn one_change<F: std::future::Future<Output = ()>>(
    app: &TestApp,
    plan: i32,
    what: &str,
    step: F,
) -> Change {
    let before = changes(app, plan).len();
    step.await;
    let after = changes(app, plan);
    assert_eq!(after.len(), before + 1, "{what}: {:?}", &after[before..]);
    after.last().unwrap().clone()
}

fn redirected(response: &reqwest::Response) {
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "{:?}",
        response.url()
    );
}

#[tokio::test]
async fn each_change_records_one_row_with_the_acting_user_and_a_short_summary() {
    let app = spawn_app().await;
    let owner = traveller(&app, "ana").await;
    let plan = create_plan(&owner.browser, &[]).await;
    let bo = member(&app, plan, "bo", "editor").await;
    let (ana_id, bo_id) = (Some(owner.user.id), Some(bo.user.id));
    let edit = format!("/plans/{plan}/edit");

    // Plan fields, by the editor: which fields changed.
    let version = form_version(&bo.browser, &edit).await;
    let (action, summary, by, _) = one_change(&app, plan, "plan edited", async {
        let mut form = plan_form(&[("end_date", "2026-07-06"), ("budget", "2000")]);
        form.push(("version", &version));
        redirected(&bo.browser.post_form(&edit, &form).await);
    })
    .await;
    assert_eq!(
        (action.as_str(), summary.as_str(), by),
        ("plan_edited", "Changed dates, budget", bo_id)
    );

    // Activities.
    let before = changes(&app, plan).len();
    let activity = add_activity(
        &bo.browser,
        &app,
        plan,
        &[("title", "Louvre"), ("scheduled_date", "2026-07-02")],
    )
    .await;
    let added = changes(&app, plan);
    assert_eq!(added.len(), before + 1);
    assert_eq!(
        added.last().unwrap(),
        &(
            "activity_added".to_string(),
            "Added “Louvre” on Thu 2 Jul 2026".to_string(),
            bo_id,
            Some(ActivityId(activity))
        )
    );
    let base = format!("/plans/{plan}/activities/{activity}");
    let version = form_version(&bo.browser, &format!("{base}/edit")).await;
    let edited = one_change(&app, plan, "activity edited", async {
        let form = [
            ("title", "Louvre at night"),
            ("scheduled_date", "2026-07-02"),
            ("version", version.as_str()),
        ];
        redirected(&bo.browser.post_form(&format!("{base}/edit"), &form).await);
    })
    .await;
    assert_eq!(
        edited,
        (
            "activity_edited".into(),
            "Edited “Louvre at night”".into(),
            bo_id,
            Some(ActivityId(activity))
        )
    );
    let moved = one_change(&app, plan, "activity moved", async {
        let form = [("direction", "day"), ("date", "2026-07-03")];
        redirected(
            &owner
                .browser
                .post_form(&format!("{base}/move"), &form)
                .await,
        );
    })
    .await;
    assert_eq!(
        (moved.0.as_str(), moved.1.as_str(), moved.2),
        (
            "activity_moved",
            "Moved “Louvre at night” to Fri 3 Jul 2026",
            ana_id
        )
    );
    let done = one_change(&app, plan, "completed", async {
        redirected(&bo.browser.post_form(&format!("{base}/toggle"), &[]).await);
    })
    .await;
    assert_eq!(
        (done.0.as_str(), done.1.as_str()),
        ("activity_completed", "Marked “Louvre at night” as done")
    );
    let reopened = one_change(&app, plan, "reopened", async {
        redirected(&bo.browser.post_form(&format!("{base}/toggle"), &[]).await);
    })
    .await;
    assert_eq!(reopened.0, "activity_reopened");
    let deleted = one_change(&app, plan, "deleted", async {
        redirected(&bo.browser.post_form(&format!("{base}/delete"), &[]).await);
    })
    .await;
    assert_eq!(
        deleted,
        (
            "activity_deleted".into(),
            "Deleted “Louvre at night”".into(),
            bo_id,
            Some(ActivityId(activity))
        )
    );
    let undo = app
        .one::<Option<i32>, _>(deleted_items::table.select(diesel::dsl::max(deleted_items::id)))
        .unwrap();
    let restored = one_change(&app, plan, "restored", async {
        redirected(&bo.browser.post_form(&format!("/undo/{undo}"), &[]).await);
    })
    .await;
    assert_eq!(
        (restored.0.as_str(), restored.2, restored.3),
        ("activity_restored", bo_id, Some(ActivityId(activity)))
    );

    // Trip details.
    let details = format!("/plans/{plan}/details");
    let version = form_version(&bo.browser, &details).await;
    let saved = one_change(&app, plan, "details", async {
        let form = [("notes", "Bring sunscreen"), ("version", version.as_str())];
        redirected(&bo.browser.post_form(&details, &form).await);
    })
    .await;
    assert_eq!(
        (saved.0.as_str(), saved.1.as_str(), saved.2),
        ("details_edited", "Changed the trip details", bo_id)
    );

    // The owner's own: status and sharing.
    let status = one_change(&app, plan, "archived", async {
        let form = [("status", "archived")];
        redirected(
            &owner
                .browser
                .post_form(&format!("/plans/{plan}/status"), &form)
                .await,
        );
    })
    .await;
    assert_eq!(
        (status.0.as_str(), status.1.as_str(), status.2),
        ("status_changed", "Archived the plan", ana_id)
    );
    let share = format!("/plans/{plan}/share");
    for (action, path, form) in [
        ("share_link_created", share.clone(), vec![]),
        ("share_link_renewed", share.clone(), vec![]),
        (
            "visibility_changed",
            format!("{share}/visibility"),
            vec![("visibility", "public")],
        ),
        ("share_link_revoked", format!("{share}/revoke"), vec![]),
    ] {
        let change = one_change(&app, plan, action, async {
            redirected(&owner.browser.post_form(&path, &form).await);
        })
        .await;
        assert_eq!((change.0.as_str(), change.2), (action, ana_id));
    }

    // A refused change records nothing.
    let viewer = member(&app, plan, "cy", "viewer").await;
    let before = changes(&app, plan);
    let response = viewer
        .browser
        .post_form(&format!("{base}/toggle"), &[])
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(changes(&app, plan), before);
}

/// `n` changes straight in the database, one second apart in pairs (ties broken by id).
fn add_changes(app: &TestApp, plan: i32, user: Option<UserId>, n: i64) {
    let start = Utc::now() - Duration::hours(2);
    let rows: Vec<_> = (0..n)
        .map(|i| {
            (
                plan_changes::plan_id.eq(PlanId(plan)),
                plan_changes::user_id.eq(user),
                plan_changes::action.eq("plan_edited"),
                plan_changes::summary.eq(format!("Change {i}")),
                plan_changes::created_at.eq(start + Duration::seconds(i / 2)),
            )
        })
        .collect();
    app.exec(diesel::insert_into(plan_changes::table).values(rows));
}

/// The `href` of the link to the older changes, if any.
fn older_link(html: &str) -> Option<String> {
    let doc = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse("a[rel=next]").unwrap();
    doc.select(&selector)
        .next()
        .and_then(|a| a.value().attr("href").map(str::to_string))
}

#[tokio::test]
async fn the_history_pages_through_120_changes_newest_first_without_gaps_or_repeats() {
    let app = spawn_app().await;
    let owner = traveller(&app, "ana").await;
    let plan = create_plan(&owner.browser, &[]).await;
    app.exec(diesel::delete(plan_changes::table));
    add_changes(&app, plan, Some(owner.user.id), 120);

    let mut path = format!("/plans/{plan}/history");
    let mut seen = Vec::new();
    let mut sizes = Vec::new();
    loop {
        let response = owner.browser.get(&path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let html = response.text().await.unwrap();
        let page = texts(&html, "ol.history li .what");
        assert_eq!(texts(&html, "ol.history li time").len(), page.len());
        assert!(
            texts(&html, "ol.history li .who")
                .iter()
                .all(|w| w == "ana")
        );
        sizes.push(page.len());
        seen.extend(page);
        match older_link(&html) {
            Some(next) => path = next,
            None => break,
        }
    }
    assert_eq!(sizes, [50, 50, 20]);
    let expected: Vec<String> = (0..120).rev().map(|i| format!("Change {i}")).collect();
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn a_damaged_cursor_is_a_400_that_says_so() {
    let app = spawn_app().await;
    let owner = traveller(&app, "ana").await;
    let plan = create_plan(&owner.browser, &[]).await;
    for bad in [
        "x",
        "12",
        "1_0",
        "abc_def",
        "1_2_3",
        "-5_1",
        "99999999999999999999_1",
        "1_99999999999999999999",
    ] {
        let response = owner
            .browser
            .get(&format!("/plans/{plan}/history?before={bad}"))
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad}");
        assert!(response.text().await.unwrap().contains("damaged"), "{bad}");
    }
}

#[tokio::test]
async fn strangers_get_404_members_read_the_history_and_a_former_member_stays_anonymous() {
    let app = spawn_app().await;
    let owner = traveller(&app, "ana").await;
    let plan = create_plan(&owner.browser, &[("title", "Lisbon")]).await;
    let stranger = traveller(&app, "eve").await;
    let path = format!("/plans/{plan}/history");
    assert_eq!(
        stranger.browser.get(&path).await.status(),
        StatusCode::NOT_FOUND
    );
    let missing = format!("/plans/{}/history", plan + 1000);
    assert_eq!(
        owner.browser.get(&missing).await.status(),
        StatusCode::NOT_FOUND
    );

    let gone = app.user("gone").insert();
    add_changes(&app, plan, None, 1);
    let viewer = member(&app, plan, "cy", "viewer").await;
    let _ = gone;
    let html = viewer.browser.get_html(&path).await;
    let who = texts(&html, "ol.history li .who");
    assert_eq!(who.first().map(String::as_str), Some("a former member"));
    assert!(
        texts(&html, "ol.history li .what")
            .iter()
            .any(|s| s == "Change 0")
    );
}

#[tokio::test]
async fn a_member_chooses_the_digest_and_the_owner_and_strangers_cannot() {
    let app = spawn_app().await;
    let owner = traveller(&app, "ana").await;
    let plan = create_plan(&owner.browser, &[]).await;
    let viewer = member(&app, plan, "cy", "viewer").await;
    let stranger = traveller(&app, "eve").await;
    let path = format!("/plans/{plan}/notifications");
    let notify = |user: UserId| -> bool {
        app.one(
            plan_members::table
                .filter(plan_members::plan_id.eq(PlanId(plan)))
                .filter(plan_members::user_id.eq(user))
                .select(plan_members::notify_changes),
        )
    };

    let history = viewer
        .browser
        .get_html(&format!("/plans/{plan}/history"))
        .await;
    assert!(history.contains(&format!("action=\"{path}\"")));
    assert!(history.contains("name=\"notify\""));
    let response = viewer.browser.post_form(&path, &[("notify", "on")]).await;
    assert_is_redirect_to(&response, &format!("/plans/{plan}/history#notifications"));
    assert!(notify(viewer.user.id));
    let history = viewer
        .browser
        .get_html(&format!("/plans/{plan}/history"))
        .await;
    assert!(
        history.contains("name=\"notify\" checked"),
        "the choice shows"
    );
    let response = viewer.browser.post_form(&path, &[]).await;
    assert_is_redirect_to(&response, &format!("/plans/{plan}/history#notifications"));
    assert!(!notify(viewer.user.id));

    let owners = owner
        .browser
        .get_html(&format!("/plans/{plan}/history"))
        .await;
    assert!(
        !owners.contains(&format!("action=\"{path}\"")),
        "no choice for the owner"
    );
    let before = app.snapshot();
    let response = owner.browser.post_form(&path, &[("notify", "on")]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = stranger.browser.post_form(&path, &[("notify", "on")]).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.snapshot(), before, "nothing written");
}

/// The "Changed by …" line of the activity card `id`.
fn card_change(html: &str, id: i32) -> Option<String> {
    texts(html, &format!("#activity-{id} .last-changed"))
        .into_iter()
        .next()
}

#[tokio::test]
async fn each_card_says_who_changed_it_last_and_when() {
    let app = spawn_app().await;
    let owner = traveller(&app, "ana").await;
    let plan = create_plan(&owner.browser, &[]).await;
    let bo = member(&app, plan, "bo", "editor").await;
    let added = add_activity(
        &owner.browser,
        &app,
        plan,
        &[("title", "Louvre"), ("scheduled_date", "2026-07-02")],
    )
    .await;
    let untouched = crate::plans::insert_activity(&app, plan, "Imported", Some("2026-07-02"), 5);
    let page = owner.browser.get_html(&format!("/plans/{plan}")).await;
    assert_eq!(
        card_change(&page, added).as_deref(),
        Some("Changed by ana, just now")
    );
    assert_eq!(card_change(&page, untouched), None);

    let form = [("direction", "day"), ("date", "2026-07-03")];
    let moved = format!("/plans/{plan}/activities/{added}/move");
    redirected(&bo.browser.post_form(&moved, &form).await);
    let page = owner.browser.get_html(&format!("/plans/{plan}")).await;
    assert_eq!(
        card_change(&page, added).as_deref(),
        Some("Changed by bo, just now")
    );
    let doc = scraper::Html::parse_document(&page);
    let time = scraper::Selector::parse(&format!("#activity-{added} .last-changed time")).unwrap();
    let datetime = doc
        .select(&time)
        .next()
        .unwrap()
        .value()
        .attr("datetime")
        .unwrap();
    assert!(
        chrono::DateTime::parse_from_rfc3339(datetime).is_ok(),
        "{datetime}"
    );

    // Older, and by an account that is gone since.
    app.exec(
        diesel::update(plan_changes::table.filter(plan_changes::plan_id.eq(PlanId(plan)))).set((
            plan_changes::user_id.eq(None::<UserId>),
            plan_changes::created_at.eq(Utc::now() - Duration::minutes(2)),
        )),
    );
    let page = bo.browser.get_html(&format!("/plans/{plan}")).await;
    assert_eq!(
        card_change(&page, added).as_deref(),
        Some("Changed by a former member, 2 minutes ago")
    );
}

/// The `action` of every form on a page.
fn form_actions(html: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse("form[action]").unwrap();
    doc.select(&selector)
        .map(|f| f.value().attr("action").unwrap().to_string())
        .collect()
}

fn links(html: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse("a[href]").unwrap();
    doc.select(&selector)
        .map(|a| a.value().attr("href").unwrap().to_string())
        .collect()
}

/// A plan with an activity that has costs and a booking, and its three people.
async fn trip_of_three(app: &TestApp) -> (i32, i32, Traveller, Traveller, Traveller) {
    let owner = traveller(app, "ana").await;
    let plan = create_plan(&owner.browser, &[]).await;
    let activity = app
        .activity(plan)
        .title("Louvre")
        .date("2026-07-02")
        .cost("17.00")
        .metadata(serde_json::json!({"booking_info": {"confirmation_number": "LV-123"}}))
        .insert()
        .id
        .0;
    let editor = member(app, plan, "bo", "editor").await;
    let viewer = member(app, plan, "cy", "viewer").await;
    (plan, activity, owner, editor, viewer)
}

#[tokio::test]
async fn a_viewers_plan_page_has_no_forms_that_change_the_plan_and_an_editors_none_that_manage_it()
{
    let app = spawn_app().await;
    let (plan, activity, owner, editor, viewer) = trip_of_three(&app).await;
    let page = format!("/plans/{plan}");

    let seen = viewer.browser.get_html(&page).await;
    let changing = |action: &str| {
        [
            "/activities",
            "/edit",
            "/delete",
            "/status",
            "/share",
            "/details",
            "/data",
            "/bookings",
        ]
        .iter()
        .any(|part| action.contains(part))
    };
    let forms = form_actions(&seen);
    assert!(
        forms.iter().all(|a| !changing(a)),
        "a viewer's page offers {forms:?}"
    );
    let offered = links(&seen);
    assert!(
        offered.iter().all(|l| !l.ends_with("/edit")
            && !l.contains("/activities/new")
            && !l.ends_with("/delete")),
        "a viewer's page links to {offered:?}"
    );
    assert!(
        !seen.contains("data-reorder"),
        "no drag and drop for a viewer"
    );
    // Everything is still readable.
    let card = texts(&seen, &format!("#activity-{activity}")).join(" ");
    assert!(
        card.contains("Estimated") && card.contains("LV-123"),
        "{card}"
    );
    let on_trip = texts(&seen, ".on-trip").join(" ");
    assert!(
        on_trip.contains("On this trip: ana (owner), bo (editor), cy (viewer)"),
        "{on_trip}"
    );
    assert!(offered.contains(&format!("/plans/{plan}/members")));
    assert!(offered.contains(&format!("/plans/{plan}/history")));
    // The other pages: edit forms are refused, the details and data are read-only.
    for path in [
        format!("/plans/{plan}/edit"),
        format!("/plans/{plan}/activities/new"),
        format!("/plans/{plan}/activities/{activity}/edit"),
        format!("/plans/{plan}/delete"),
    ] {
        assert_eq!(
            viewer.browser.get(&path).await.status(),
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    for path in [
        format!("/plans/{plan}/details"),
        format!("/plans/{plan}/data"),
    ] {
        let html = viewer.browser.get_html(&path).await;
        let forms = form_actions(&html);
        assert!(
            forms.iter().all(|a| !changing(a)),
            "{path} offers {forms:?}"
        );
    }
    let data = viewer
        .browser
        .get_html(&format!("/plans/{plan}/data"))
        .await;
    assert!(data.contains("destination_location") || data.contains("<pre class=\"json\">"));

    // An editor changes the plan but does not delete, archive, share or manage members.
    let seen = editor.browser.get_html(&page).await;
    let forms = form_actions(&seen);
    let base = format!("/plans/{plan}/activities/{activity}");
    assert!(forms.contains(&format!("{base}/toggle")), "{forms:?}");
    assert!(forms.contains(&format!("{base}/move")), "{forms:?}");
    assert!(forms.contains(&format!("{base}/delete")), "{forms:?}");
    assert!(
        forms.iter().all(|a| !a.contains("/share")
            && !a.contains("/status")
            && !a.contains("/members")
            && *a != format!("/plans/{plan}/delete")),
        "an editor's page offers {forms:?}"
    );
    let offered = links(&seen);
    assert!(offered.contains(&format!("/plans/{plan}/edit")));
    assert!(!offered.contains(&format!("/plans/{plan}/delete")));
    assert!(!seen.contains("id=\"sharing\""));
    assert_eq!(
        editor
            .browser
            .get(&format!("/plans/{plan}/delete"))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        editor
            .browser
            .get(&format!("/plans/{plan}/edit"))
            .await
            .status(),
        StatusCode::OK
    );

    // The owner keeps everything.
    let seen = owner.browser.get_html(&page).await;
    let forms = form_actions(&seen);
    assert!(forms.contains(&format!("/plans/{plan}/share/visibility")));
    assert!(forms.contains(&format!("/plans/{plan}/status")));
    assert!(links(&seen).contains(&format!("/plans/{plan}/delete")));
}

/// Statements the server ran for one GET (after one warm-up request).
async fn statements(app: &TestApp, browser: &Browser, path: &str) -> u64 {
    assert_eq!(browser.get(path).await.status(), StatusCode::OK, "{path}");
    let before = app.queries.get();
    let response = browser.get(path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.bytes().await.unwrap();
    app.queries.get() - before
}

#[tokio::test]
async fn the_plan_page_runs_as_many_statements_with_1000_changes_and_10_members_as_with_none() {
    let app = spawn_app().await;
    let owner = traveller(&app, "ana").await;
    let plan = create_plan(&owner.browser, &[]).await;
    let ids: Vec<i32> = (0..5)
        .map(|i| {
            crate::plans::insert_activity(&app, plan, &format!("Stop {i}"), Some("2026-07-02"), i)
        })
        .collect();
    app.exec(diesel::delete(plan_changes::table));
    let page = format!("/plans/{plan}");
    let history = format!("/plans/{plan}/history");
    let few = (
        statements(&app, &owner.browser, &page).await,
        statements(&app, &owner.browser, &history).await,
    );

    for i in 0..10 {
        let user = app.user(&format!("member{i}")).insert();
        join(
            &app,
            plan,
            &user,
            if i % 2 == 0 { "editor" } else { "viewer" },
        );
    }
    let start = Utc::now() - Duration::days(3);
    let rows: Vec<_> = (0..1000i64)
        .map(|i| {
            (
                plan_changes::plan_id.eq(PlanId(plan)),
                plan_changes::user_id.eq(Some(owner.user.id)),
                plan_changes::activity_id.eq(Some(ActivityId(ids[(i % 5) as usize]))),
                plan_changes::action.eq("activity_edited"),
                plan_changes::summary.eq(format!("Edit {i}")),
                plan_changes::created_at.eq(start + Duration::seconds(i * 60)),
            )
        })
        .collect();
    app.exec(diesel::insert_into(plan_changes::table).values(rows));
    let many = (
        statements(&app, &owner.browser, &page).await,
        statements(&app, &owner.browser, &history).await,
    );
    assert_eq!(
        many, few,
        "statements of the plan page and the history page"
    );
    assert!(few.0 < 15, "{few:?}");

    let html = owner.browser.get_html(&page).await;
    assert_eq!(
        texts(&html, ".last-changed").len(),
        5,
        "every card has its last change"
    );
    let on_trip = texts(&html, ".on-trip").join(" ");
    assert!(on_trip.contains("member9 (viewer)"), "{on_trip}");
}

/// Every field of the form posting to `action` on the page at `path`, as a browser sends it.
async fn opened(browser: &Browser, path: &str, action: &str) -> Vec<(String, String)> {
    let html = browser.get_html(path).await;
    let doc = scraper::Html::parse_document(&html);
    let form = scraper::Selector::parse(&format!("form[action=\"{action}\"]")).unwrap();
    let fields = scraper::Selector::parse("input[name], textarea[name], select[name]").unwrap();
    let option = scraper::Selector::parse("option[selected]").unwrap();
    let form = doc.select(&form).next().expect("the form");
    form.select(&fields)
        .map(|f| {
            let name = f.value().attr("name").unwrap().to_string();
            let value = match f.value().name() {
                "textarea" => f.text().collect::<String>().replace('\n', "\r\n"),
                "select" => f
                    .select(&option)
                    .next()
                    .and_then(|o| o.value().attr("value"))
                    .unwrap_or_default()
                    .to_string(),
                _ => f.value().attr("value").unwrap_or_default().to_string(),
            };
            (name, value)
        })
        .collect()
}

async fn send(
    browser: &Browser,
    action: &str,
    form: &[(String, String)],
    typed: &[(&str, &str)],
) -> reqwest::Response {
    let mut fields: Vec<(&str, &str)> =
        form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    for (name, value) in typed {
        fields.retain(|(k, _)| k != name);
        fields.push((name, value));
    }
    browser.post_form(action, &fields).await
}

#[tokio::test]
async fn conflicts_and_merges_say_who_changed_the_plan_and_how_long_ago() {
    let app = spawn_app().await;
    let owner = traveller(&app, "ana").await;
    let plan = create_plan(&owner.browser, &[]).await;
    let bo = member(&app, plan, "bo", "editor").await;
    let edit = format!("/plans/{plan}/edit");

    // Both open the form; bo saves first.
    let on_ana = opened(&owner.browser, &edit, &edit).await;
    let on_bo = opened(&bo.browser, &edit, &edit).await;
    redirected(&send(&bo.browser, &edit, &on_bo, &[("title", "Bo's title")]).await);

    // The same field: a 409 that says who.
    let response = send(&owner.browser, &edit, &on_ana, &[("title", "Ana's title")]).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let html = response.text().await.unwrap();
    let by = texts(&html, ".changed-by").join(" ");
    assert_eq!(by, "Changed by bo just now.");

    // Another field: merged, and the message says with whose change.
    redirected(&send(&owner.browser, &edit, &on_ana, &[("destination", "Porto")]).await);
    let page = owner.browser.get_html(&format!("/plans/{plan}")).await;
    let flash = texts(&page, ".flash").join(" ");
    assert!(flash.contains("bo had changed it just now"), "{flash}");

    // An activity edited in two places: the 409 says who changed the plan last.
    let activity = add_activity(
        &bo.browser,
        &app,
        plan,
        &[("title", "Louvre"), ("scheduled_date", "2026-07-02")],
    )
    .await;
    let path = format!("/plans/{plan}/activities/{activity}/edit");
    let on_ana = opened(&owner.browser, &path, &path).await;
    let on_bo = opened(&bo.browser, &path, &path).await;
    redirected(&send(&bo.browser, &path, &on_bo, &[("title", "Louvre by night")]).await);
    let response = send(
        &owner.browser,
        &path,
        &on_ana,
        &[("title", "Louvre by day")],
    )
    .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let html = response.text().await.unwrap();
    assert_eq!(
        texts(&html, ".changed-by").join(" "),
        "Changed by bo just now."
    );
}

/// Where a form's answer sends the browser.
fn location(response: &reqwest::Response) -> String {
    redirected(response);
    response.headers()["location"].to_str().unwrap().to_string()
}

#[tokio::test]
async fn coming_back_from_a_form_the_plan_page_says_who_else_changed_the_plan_meanwhile() {
    let app = spawn_app().await;
    let owner = traveller(&app, "ana").await;
    let plan = create_plan(&owner.browser, &[]).await;
    let bo = member(&app, plan, "bo", "editor").await;
    let louvre = add_activity(&owner.browser, &app, plan, &[("title", "Louvre")]).await;
    let orsay = add_activity(&owner.browser, &app, plan, &[("title", "Orsay")]).await;
    let page = format!("/plans/{plan}");
    let toggle = format!("/plans/{plan}/activities/{louvre}/toggle");

    // Nobody else changed it: ana's own change says nothing.
    let form = opened(&owner.browser, &page, &toggle).await;
    let back = location(&send(&owner.browser, &toggle, &form, &[]).await);
    assert!(back.contains("?seen="), "{back}");
    let html = owner.browser.get_html(&back).await;
    assert!(texts(&html, ".changed-since").is_empty(), "{html}");

    // Ana has the page open; bo moves one activity and ticks it off.
    let form = opened(&owner.browser, &page, &toggle).await;
    let move_orsay = format!("/plans/{plan}/activities/{orsay}/move");
    let on_bo = opened(&bo.browser, &page, &move_orsay).await;
    redirected(&send(&bo.browser, &move_orsay, &on_bo, &[("direction", "up")]).await);
    let toggle_orsay = format!("/plans/{plan}/activities/{orsay}/toggle");
    let on_bo = opened(&bo.browser, &page, &toggle_orsay).await;
    redirected(&send(&bo.browser, &toggle_orsay, &on_bo, &[]).await);

    // Ana's next form brings her back to a page that says so, counting only bo's changes.
    let back = location(&send(&owner.browser, &toggle, &form, &[]).await);
    let html = owner.browser.get_html(&back).await;
    let notice = texts(&html, ".changed-since").join(" ");
    assert!(
        notice.contains("2 changes by others, the latest changed by bo just now"),
        "{notice}"
    );

    // The page she is on now carries the newest change on: no notice for what she saw.
    let form = opened(&owner.browser, &back, &toggle).await;
    let again = location(&send(&owner.browser, &toggle, &form, &[]).await);
    let html = owner.browser.get_html(&again).await;
    assert!(texts(&html, ".changed-since").is_empty(), "{html}");

    // A damaged `seen` is ignored, not an error.
    let html = owner
        .browser
        .get_html(&format!("{page}?seen=yesterday"))
        .await;
    assert!(texts(&html, ".changed-since").is_empty());
}

/// Runs `sql` as the app's runtime role acting for `user`, in a transaction rolled back
/// afterwards: the rows it touched, or the database's refusal.
fn as_user(app: &TestApp, user: UserId, sql: &str) -> Result<usize, String> {
    use diesel::connection::SimpleConnection;
    let mut conn = app.conn();
    conn.batch_execute(&format!(
        "BEGIN; SELECT set_config('app.user_id', '{user}', true)"
    ))
    .unwrap();
    let result = diesel::sql_query(sql)
        .execute(&mut conn)
        .map_err(|e| e.to_string());
    conn.batch_execute("ROLLBACK").unwrap();
    result
}

#[tokio::test]
async fn a_member_may_change_their_own_digest_choice_and_nothing_else_even_by_a_forgetful_query() {
    let app = spawn_app().await;
    let owner = traveller(&app, "ana").await;
    let plan = create_plan(&owner.browser, &[]).await;
    let viewer = app.user("cy").insert();
    let editor = app.user("bo").insert();
    let stranger = app.user("eve").insert();
    join(&app, plan, &viewer, "viewer");
    join(&app, plan, &editor, "editor");

    let notify = "UPDATE plan_members SET notify_changes = true";
    assert_eq!(
        as_user(&app, viewer.id, notify),
        Ok(1),
        "only their own row"
    );
    assert_eq!(as_user(&app, stranger.id, notify), Ok(0));
    let promote = format!(
        "UPDATE plan_members SET role = 'editor' WHERE user_id = {}",
        viewer.id
    );
    assert!(
        as_user(&app, viewer.id, &promote).is_err(),
        "a viewer cannot promote themselves"
    );
    let demote = format!(
        "UPDATE plan_members SET role = 'viewer' WHERE user_id = {}",
        editor.id
    );
    assert_eq!(
        as_user(&app, viewer.id, &demote),
        Ok(0),
        "nor touch another member"
    );
    assert_eq!(
        as_user(&app, owner.user.id, &promote),
        Ok(1),
        "the owner changes roles"
    );
}
