//! `wayfare archive`: plans archived and untouched for long move to the archive tables with
//! their activities, in batches that each commit whole; a crash between batches loses and
//! doubles nothing, and a rerun finishes. Owners see and restore what was archived away.

use diesel::sql_query;
use diesel::sql_types::{Integer, Text};
use wayfare::domain::ids::UserId;

use super::support::{count, wayfare};
use crate::support::{TestApp, assert_is_login_redirect, assert_is_redirect_to, spawn_app};

/// Inserts `n` plans of `user` with `activities` activities each, all with the given
/// status, last changed `age` ago (a PostgreSQL interval). Returns the first plan's id.
fn insert_plans(
    app: &TestApp,
    user: UserId,
    n: i32,
    activities: i32,
    status: &str,
    age: &str,
) -> i32 {
    let tag = crate::support::unique("t");
    app.exec(
        sql_query(
            "INSERT INTO plans (user_id, title, destination, status, start_date, end_date, budget, \
             currency, plan_data, created_at, updated_at) \
             SELECT $1, $2 || ' trip ' || g, 'Porto, Portugal', $3, DATE '2021-05-01', \
             DATE '2021-05-04', 1200.50, 'EUR', jsonb_build_object('notes', 'trip ' || g, \
             'unknown_key', jsonb_build_array(g)), now() - $4::interval - interval '1 day', \
             now() - $4::interval FROM generate_series(1, $5) g",
        )
        .bind::<Integer, _>(user)
        .bind::<Text, _>(&tag)
        .bind::<Text, _>(status)
        .bind::<Text, _>(age)
        .bind::<Integer, _>(n),
    );
    app.exec(sql_query("INSERT INTO plan_activities (plan_id, title, activity_type, scheduled_date, start_time, \
         estimated_cost, order_index, metadata, created_at, updated_at) \
         SELECT p.id, 'Step ' || k || ' of ' || p.title, 'attraction', DATE '2021-05-02', \
         TIME '10:30', 12.25 * k, k, jsonb_build_object('k', k), p.created_at, p.updated_at \
         FROM plans p, generate_series(1, $1) k WHERE p.title LIKE ($2 || ' trip %')")
.bind::<Integer, _>(activities)
.bind::<Text, _>(&tag));
    app.text(
        sql_query(
            "SELECT (SELECT min(id) FROM plans WHERE title LIKE ($1 || ' trip %'))::text AS v",
        )
        .bind::<Text, _>(&tag),
    )
    .unwrap()
    .parse()
    .unwrap()
}

/// Both sides, live and archived, each plan with its activities from the same side.
const EVERY_PLAN: &str = "SELECT (SELECT json_agg(x ORDER BY (x->>'id')::int) FROM (\
    SELECT to_jsonb(p) || jsonb_build_object('activities', (SELECT coalesce(\
    json_agg(a ORDER BY a.id), '[]') FROM plan_activities a WHERE a.plan_id = p.id)) AS x \
    FROM plans p \
    UNION ALL \
    SELECT to_jsonb(p) || jsonb_build_object('activities', (SELECT coalesce(\
    json_agg(a ORDER BY a.id), '[]') FROM archived_plan_activities a WHERE a.plan_id = p.id)) AS x \
    FROM archived_plans p) everything)::text AS v";

/// Every plan wherever it is, with its activities from the same side, ordered by id: equal
/// before and after any archive run, whatever it moved, if nothing was lost or doubled.
fn every_plan(app: &TestApp) -> String {
    app.text(sql_query(EVERY_PLAN)).unwrap()
}

fn archive(app: &TestApp, args: &[&str]) -> super::support::Ran {
    let mut all = vec!["archive"];
    all.extend_from_slice(args);
    wayfare(&all, &[("DATABASE_URL", &app.db.url)])
}

fn is_archived(app: &TestApp, id: i32) -> bool {
    let archived = app.count(
        sql_query("SELECT count(*) FROM archived_plans WHERE id = $1").bind::<Integer, _>(id),
    );
    let live =
        app.count(sql_query("SELECT count(*) FROM plans WHERE id = $1").bind::<Integer, _>(id));
    assert_eq!(archived + live, 1, "plan {id} is in exactly one place");
    archived == 1
}

#[tokio::test]
async fn archive_and_restore_round_trip_with_activities_dry_run_and_rerun() {
    let app = spawn_app().await;
    let user = app.user("tomas").insert();
    let old = insert_plans(&app, user.id, 1, 3, "archived", "3 years");
    let recent = insert_plans(&app, user.id, 1, 2, "archived", "200 days");
    let old_draft = insert_plans(&app, user.id, 1, 2, "draft", "5 years");
    let before = every_plan(&app);
    let old_row = app.text(
        sql_query("SELECT (SELECT to_jsonb(p) FROM plans p WHERE id = $1)::text AS v")
            .bind::<Integer, _>(old),
    );

    // A dry run counts and moves nothing.
    let snap = app.snapshot();
    let dry = archive(&app, &["--dry-run"]).ok();
    assert!(dry.contains("1 plans would be archived (dry run"), "{dry}");
    assert_eq!(app.snapshot(), snap);

    let out = archive(&app, &[]).ok();
    assert!(
        out.contains("archived 1 plans with their activities"),
        "{out}"
    );
    assert!(is_archived(&app, old));
    assert!(
        !is_archived(&app, recent),
        "changed 200 days ago: younger than 2y"
    );
    assert!(!is_archived(&app, old_draft), "only archived plans move");
    assert_eq!(
        app.count(
            sql_query("SELECT count(*) FROM archived_plan_activities WHERE plan_id = $1")
                .bind::<Integer, _>(old)
        ),
        3
    );
    assert_eq!(
        app.count(
            sql_query("SELECT count(*) FROM plan_activities WHERE plan_id = $1")
                .bind::<Integer, _>(old)
        ),
        0
    );
    assert_eq!(
        app.text(
            sql_query("SELECT (SELECT to_jsonb(p) FROM archived_plans p WHERE id = $1)::text AS v")
                .bind::<Integer, _>(old)
        ),
        old_row,
        "every column, timestamps included, is kept"
    );
    assert_eq!(every_plan(&app), before);

    // Idempotent: a rerun finds nothing more.
    let snap = app.snapshot();
    let again = archive(&app, &[]).ok();
    assert!(again.contains("archived 0 plans"), "{again}");
    assert_eq!(app.snapshot(), snap);

    // --older-than picks the age.
    let out = archive(&app, &["--older-than", "6m"]).ok();
    assert!(out.contains("archived 1 plans"), "{out}");
    assert!(is_archived(&app, recent));

    // Back again, exactly as before.
    let restored = archive(&app, &["--restore", &old.to_string()]).ok();
    assert!(
        restored.contains(&format!("plan {old} is back")),
        "{restored}"
    );
    assert!(!is_archived(&app, old));
    assert_eq!(
        app.text(
            sql_query("SELECT (SELECT to_jsonb(p) FROM plans p WHERE id = $1)::text AS v")
                .bind::<Integer, _>(old)
        ),
        old_row
    );
    assert_eq!(
        app.count(
            sql_query("SELECT count(*) FROM plan_activities WHERE plan_id = $1")
                .bind::<Integer, _>(old)
        ),
        3
    );
    archive(&app, &["--restore", &recent.to_string()]).ok();
    assert_eq!(every_plan(&app), before);

    // Restoring what is not archived fails and says so; so does a bad age.
    let err = archive(&app, &["--restore", &old.to_string()]).failed();
    assert!(
        err.contains(&format!("there is no archived plan {old}")),
        "{err}"
    );
    let err = archive(&app, &["--older-than", "2 weeks"]).failed();
    assert!(err.contains("--older-than"), "{err}");
    assert_eq!(every_plan(&app), before);
}

#[tokio::test]
async fn a_crash_between_batches_loses_and_doubles_nothing_and_a_rerun_finishes() {
    let app = spawn_app().await;
    let user = app.user("ines").insert();
    // 450 plans: batches of 200, 200 and 50.
    let first = insert_plans(&app, user.id, 450, 2, "archived", "3 years");
    let keep = insert_plans(&app, user.id, 3, 2, "published", "3 years");
    let before = every_plan(&app);
    assert_eq!(
        app.count(sql_query("SELECT count(*) FROM plan_activities")),
        906
    );

    let crash_after = |batches: &str| {
        wayfare(
            &["archive"],
            &[
                ("DATABASE_URL", &app.db.url),
                ("WAYFARE_ARCHIVE_FAIL_AFTER_BATCHES", batches),
            ],
        )
        .failed()
    };
    let err = crash_after("1");
    assert!(
        err.contains("injected failure after 1 batches (200 plans archived)"),
        "{err}"
    );
    assert_eq!(
        app.count(sql_query("SELECT count(*) FROM archived_plans")),
        200
    );
    assert_eq!(
        app.count(sql_query("SELECT count(*) FROM archived_plan_activities")),
        400
    );
    assert_eq!(app.count(sql_query("SELECT count(*) FROM plans")), 253);
    assert_eq!(
        every_plan(&app),
        before,
        "every plan whole, on one side only"
    );

    // A second crash one batch later, then a rerun that finishes the job.
    crash_after("1");
    assert_eq!(
        app.count(sql_query("SELECT count(*) FROM archived_plans")),
        400
    );
    assert_eq!(every_plan(&app), before);
    let out = archive(&app, &[]).ok();
    assert!(out.contains("archived 50 plans"), "{out}");
    assert_eq!(
        app.count(sql_query("SELECT count(*) FROM archived_plans")),
        450
    );
    assert_eq!(
        app.count(sql_query("SELECT count(*) FROM archived_plan_activities")),
        900
    );
    assert_eq!(app.count(sql_query("SELECT count(*) FROM plans")), 3);
    assert_eq!(
        app.count(sql_query("SELECT count(*) FROM plan_activities")),
        6
    );
    assert!(is_archived(&app, first) && !is_archived(&app, keep));
    assert_eq!(every_plan(&app), before);
    assert!(archive(&app, &[]).ok().contains("archived 0 plans"));
}

/// The id a constant `INSERT … RETURNING id` (with its values bound) returns.
fn returning_id<'q, Q>(conn: &mut diesel::PgConnection, query: Q) -> i32
where
    Q: diesel::RunQueryDsl<diesel::PgConnection>
        + diesel::query_dsl::LoadQuery<'q, diesel::PgConnection, crate::support::Id>,
{
    query.get_result::<crate::support::Id>(conn).unwrap().id
}

#[test]
fn a_failed_batch_rolls_back_whole() {
    // The library function on one connection: a batch whose activities cannot be copied
    // (a conflicting row already sits in the archive) must leave its plans live.
    let db = crate::support::TestDatabase::create();
    let mut conn = db.admin_conn();
    let user = returning_id(
        &mut conn,
        sql_query(
            "INSERT INTO users (email, username, password_hash) VALUES \
             ('x@example.com', 'x', 'x') RETURNING id",
        ),
    );
    let plan = returning_id(
        &mut conn,
        sql_query(
            "INSERT INTO plans (user_id, title, status, updated_at) VALUES \
             ($1, 'Old', 'archived', now() - interval '3 years') RETURNING id",
        )
        .bind::<Integer, _>(user),
    );
    let activity = returning_id(
        &mut conn,
        sql_query("INSERT INTO plan_activities (plan_id, title) VALUES ($1, 'A') RETURNING id")
            .bind::<Integer, _>(plan),
    );
    // A stale copy of the activity in the archive (under an archived plan of its own).
    diesel::RunQueryDsl::execute(
        sql_query("INSERT INTO archived_plans (id, user_id, title) VALUES (-1, $1, 'Stale')")
            .bind::<Integer, _>(user),
        &mut conn,
    )
    .unwrap();
    diesel::RunQueryDsl::execute(
        sql_query("INSERT INTO archived_plan_activities (id, plan_id, title) VALUES ($1, -1, 'A')")
            .bind::<Integer, _>(activity),
        &mut conn,
    )
    .unwrap();
    let cutoff = wayfare::ops::archive::cutoff("2y").unwrap();
    let mut app_conn = db.conn();
    assert!(wayfare::ops::archive::archive(&mut app_conn, cutoff, None).is_err());
    assert_eq!(
        count(
            &mut conn,
            sql_query("SELECT count(*) FROM plans WHERE id = $1").bind::<Integer, _>(plan)
        ),
        1
    );
    assert_eq!(
        count(
            &mut conn,
            sql_query("SELECT count(*) FROM plan_activities WHERE id = $1")
                .bind::<Integer, _>(activity)
        ),
        1
    );
    assert_eq!(
        count(
            &mut conn,
            sql_query("SELECT count(*) FROM archived_plans WHERE id = $1").bind::<Integer, _>(plan)
        ),
        0
    );
}

#[tokio::test]
async fn the_owner_sees_archived_plans_and_restores_one_and_nobody_else_can() {
    let app = spawn_app().await;
    let owner = app.user("owner").insert();
    let other = app.user("other").insert();
    let id = insert_plans(&app, owner.id, 1, 2, "archived", "3 years");
    let title = app.plan_row(id).map(|p| p.title).unwrap();
    let cutoff = wayfare::ops::archive::cutoff("2y").unwrap();
    assert_eq!(
        wayfare::ops::archive::archive(&mut app.conn(), cutoff, None).unwrap(),
        1
    );

    let browser = app.signed_in(&owner).await;
    assert_eq!(browser.get(&format!("/plans/{id}")).await.status(), 404);
    assert!(
        browser
            .get_html("/plans")
            .await
            .contains("href=\"/plans/archive\"")
    );
    let page = browser.get_html("/plans/archive").await;
    assert!(page.contains(&title), "{page}");
    assert!(page.contains(&format!("action=\"/plans/archive/{id}/restore\"")));

    // Someone else sees nothing of it and cannot restore it; nor can a visitor.
    let intruder = app.signed_in(&other).await;
    let theirs = intruder.get_html("/plans/archive").await;
    assert!(!theirs.contains(&title));
    assert!(theirs.contains("Nothing has been archived away."));
    let snap = app.snapshot();
    let refused = intruder
        .post_form(&format!("/plans/archive/{id}/restore"), &[])
        .await;
    assert_eq!(refused.status(), 404);
    let anonymous = app.new_browser();
    let refused = anonymous
        .post_form(&format!("/plans/archive/{id}/restore"), &[])
        .await;
    assert_is_login_redirect(&refused);
    assert_eq!(app.snapshot(), snap);

    let restored = browser
        .post_form(&format!("/plans/archive/{id}/restore"), &[])
        .await;
    assert_is_redirect_to(&restored, &format!("/plans/{id}"));
    let plan = browser.get(&format!("/plans/{id}")).await;
    assert_eq!(plan.status(), 200);
    let html = plan.text().await.unwrap();
    assert!(html.contains(&title));
    assert!(
        html.contains(&format!("Step 2 of {title}")),
        "activities came back"
    );
    assert!(html.contains("The plan is back among your plans"));
    assert!(
        browser
            .get_html("/plans/archive")
            .await
            .contains("Nothing has been archived away.")
    );
    assert_eq!(
        app.count(sql_query("SELECT count(*) FROM archived_plans")),
        0
    );
    assert_eq!(
        app.count(
            sql_query("SELECT count(*) FROM plan_activities WHERE plan_id = $1")
                .bind::<Integer, _>(id)
        ),
        2
    );

    // Restoring twice is a 404, not an error page or a duplicate.
    let twice = browser
        .post_form(&format!("/plans/archive/{id}/restore"), &[])
        .await;
    assert_eq!(twice.status(), 404);
    assert_eq!(
        app.count(sql_query("SELECT count(*) FROM plans WHERE id = $1").bind::<Integer, _>(id)),
        1
    );
}
