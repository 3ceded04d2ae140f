//! `wayfare archive`: plans archived and untouched for long move to the archive tables with
//! their activities, in batches that each commit whole; a crash between batches loses and
//! doubles nothing, and a rerun finishes. Owners see and restore what was archived away.

use diesel::dsl::min;
use diesel::prelude::*;
use diesel::sql_query;
use diesel::sql_types::{Integer, Nullable, Text, Timestamp};
use serde_json::json;
use wayfare::db::schema::{
    archived_plan_activities, archived_plans, plan_activities, plans, users,
};
use wayfare::domain::ids::UserId;

use super::support::wayfare;
use crate::support::{
    TestApp, assert_is_login_redirect, assert_is_redirect_to, date, decimal, spawn_app, time,
};

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
    // `age` before the database's now, counted as PostgreSQL counts an interval.
    let ago = |older: &str| {
        diesel::dsl::sql::<Nullable<Timestamp>>("now() - ")
            .bind::<Text, _>(age.to_string())
            .sql("::interval - ")
            .bind::<Text, _>(older.to_string())
            .sql("::interval")
    };
    let trips: Vec<_> = (1..=n)
        .map(|g| {
            (
                (
                    plans::user_id.eq(user),
                    plans::title.eq(format!("{tag} trip {g}")),
                    plans::destination.eq("Porto, Portugal"),
                    plans::status.eq(status.to_string()),
                ),
                (
                    plans::start_date.eq(date("2021-05-01")),
                    plans::end_date.eq(date("2021-05-04")),
                    plans::budget.eq(decimal("1200.50")),
                    plans::currency.eq("EUR"),
                ),
                plans::plan_data.eq(json!({"notes": format!("trip {g}"), "unknown_key": [g]})),
                plans::created_at.eq(ago("1 day")),
                plans::updated_at.eq(ago("0")),
            )
        })
        .collect();
    app.exec(diesel::insert_into(plans::table).values(trips));
    let mine = || plans::table.filter(plans::title.like(format!("{tag} trip %")));
    let made: Vec<(
        i32,
        String,
        Option<chrono::NaiveDateTime>,
        Option<chrono::NaiveDateTime>,
    )> = app.all(mine().select((
        plans::id,
        plans::title,
        plans::created_at,
        plans::updated_at,
    )));
    let steps: Vec<_> = made
        .iter()
        .flat_map(|(id, title, created_at, updated_at)| {
            (1..=activities).map(move |k| {
                (
                    (
                        plan_activities::plan_id.eq(*id),
                        plan_activities::title.eq(format!("Step {k} of {title}")),
                        plan_activities::activity_type.eq("attraction"),
                        plan_activities::scheduled_date.eq(date("2021-05-02")),
                        plan_activities::start_time.eq(time("10:30")),
                    ),
                    (
                        plan_activities::estimated_cost
                            .eq(decimal("12.25") * decimal(&k.to_string())),
                        plan_activities::order_index.eq(k),
                        plan_activities::metadata.eq(json!({"k": k})),
                        plan_activities::created_at.eq(*created_at),
                        plan_activities::updated_at.eq(*updated_at),
                    ),
                )
            })
        })
        .collect();
    if !steps.is_empty() {
        app.exec(diesel::insert_into(plan_activities::table).values(steps));
    }
    app.one::<Option<i32>, _>(mine().select(min(plans::id)))
        .unwrap()
}

/// Both sides, live and archived, each plan with its activities from the same side. SQL,
/// because the point is the same row in two tables, every column as PostgreSQL keeps it,
/// and no model spans both (archived activities have none).
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
    let archived = app.one::<i64, _>(archived_plans::table.find(id).count());
    let live = app.one::<i64, _>(plans::table.find(id).count());
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
    // The row as PostgreSQL renders it, to compare with its copy in `archived_plans`.
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
        app.one::<i64, _>(
            archived_plan_activities::table
                .filter(archived_plan_activities::plan_id.eq(old))
                .count()
        ),
        3
    );
    assert_eq!(app.activities_of(old).len(), 0);
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
    assert_eq!(app.activities_of(old).len(), 3);
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
    assert_eq!(app.one::<i64, _>(plan_activities::table.count()), 906);

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
    assert_eq!(app.one::<i64, _>(archived_plans::table.count()), 200);
    assert_eq!(
        app.one::<i64, _>(archived_plan_activities::table.count()),
        400
    );
    assert_eq!(app.one::<i64, _>(plans::table.count()), 253);
    assert_eq!(
        every_plan(&app),
        before,
        "every plan whole, on one side only"
    );

    // A second crash one batch later, then a rerun that finishes the job.
    crash_after("1");
    assert_eq!(app.one::<i64, _>(archived_plans::table.count()), 400);
    assert_eq!(every_plan(&app), before);
    let out = archive(&app, &[]).ok();
    assert!(out.contains("archived 50 plans"), "{out}");
    assert_eq!(app.one::<i64, _>(archived_plans::table.count()), 450);
    assert_eq!(
        app.one::<i64, _>(archived_plan_activities::table.count()),
        900
    );
    assert_eq!(app.one::<i64, _>(plans::table.count()), 3);
    assert_eq!(app.one::<i64, _>(plan_activities::table.count()), 6);
    assert!(is_archived(&app, first) && !is_archived(&app, keep));
    assert_eq!(every_plan(&app), before);
    assert!(archive(&app, &[]).ok().contains("archived 0 plans"));
}

#[test]
fn a_failed_batch_rolls_back_whole() {
    // The library function on one connection: a batch whose activities cannot be copied
    // (a conflicting row already sits in the archive) must leave its plans live.
    let db = crate::support::TestDatabase::create();
    let mut conn = db.admin_conn();
    let user: i32 = diesel::insert_into(users::table)
        .values((
            users::email.eq("x@example.com"),
            users::username.eq("x"),
            users::password_hash.eq("x"),
        ))
        .returning(users::id)
        .get_result(&mut conn)
        .unwrap();
    let three_years_ago = diesel::dsl::sql::<Nullable<Timestamp>>("now() - interval '3 years'");
    let plan: i32 = diesel::insert_into(plans::table)
        .values((
            plans::user_id.eq(user),
            plans::title.eq("Old"),
            plans::status.eq("archived"),
            plans::updated_at.eq(three_years_ago),
        ))
        .returning(plans::id)
        .get_result(&mut conn)
        .unwrap();
    let activity: i32 = diesel::insert_into(plan_activities::table)
        .values((
            plan_activities::plan_id.eq(plan),
            plan_activities::title.eq("A"),
        ))
        .returning(plan_activities::id)
        .get_result(&mut conn)
        .unwrap();
    // A stale copy of the activity in the archive (under an archived plan of its own).
    diesel::insert_into(archived_plans::table)
        .values((
            archived_plans::id.eq(-1),
            archived_plans::user_id.eq(user),
            archived_plans::title.eq("Stale"),
        ))
        .execute(&mut conn)
        .unwrap();
    diesel::insert_into(archived_plan_activities::table)
        .values((
            archived_plan_activities::id.eq(activity),
            archived_plan_activities::plan_id.eq(-1),
            archived_plan_activities::title.eq("A"),
        ))
        .execute(&mut conn)
        .unwrap();
    let cutoff = wayfare::ops::archive::cutoff("2y").unwrap();
    let mut app_conn = db.conn();
    assert!(wayfare::ops::archive::archive(&mut app_conn, cutoff, None).is_err());
    let live_plans: i64 = plans::table
        .find(plan)
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(live_plans, 1);
    let live_activities: i64 = plan_activities::table
        .find(activity)
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(live_activities, 1);
    let archived: i64 = archived_plans::table
        .find(plan)
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(archived, 0);
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
    assert_eq!(app.one::<i64, _>(archived_plans::table.count()), 0);
    assert_eq!(app.activities_of(id).len(), 2);

    // Restoring twice is a 404, not an error page or a duplicate.
    let twice = browser
        .post_form(&format!("/plans/archive/{id}/restore"), &[])
        .await;
    assert_eq!(twice.status(), 404);
    assert_eq!(app.one::<i64, _>(plans::table.find(id).count()), 1);
}

/// The plan's members and changes on one side (`""` live, `"archived_"` archived), every
/// column as PostgreSQL keeps it, in id order.
fn members_and_history(app: &TestApp, side: &str, plan: i32) -> String {
    app.text(
        sql_query(format!(
            "SELECT json_build_object(\
               'members', (SELECT coalesce(json_agg(m ORDER BY m.id), '[]') \
                           FROM {side}plan_members m WHERE m.plan_id = $1), \
               'changes', (SELECT coalesce(json_agg(c ORDER BY c.id), '[]') \
                           FROM {side}plan_changes c WHERE c.plan_id = $1))::text AS v"
        ))
        .bind::<Integer, _>(plan),
    )
    .unwrap()
}

#[tokio::test]
async fn members_and_history_move_with_the_plan_both_ways() {
    let app = spawn_app().await;
    let owner = app.user("owner").insert();
    let editor = app.user("editor").insert();
    let viewer = app.user("viewer").insert();
    let id = insert_plans(&app, owner.id, 1, 1, "archived", "3 years");
    let other = insert_plans(&app, owner.id, 1, 0, "archived", "3 years");
    for (plan, user, role, notify) in [
        (id, editor.id, "editor", true),
        (id, viewer.id, "viewer", false),
        (other, viewer.id, "editor", false),
    ] {
        app.exec(
            sql_query(
                "INSERT INTO plan_members (plan_id, user_id, role, invited_by, notify_changes, \
                 created_at) VALUES ($1, $2, $3, $4, $5, now() - interval '3 years')",
            )
            .bind::<Integer, _>(plan)
            .bind::<Integer, _>(user.0)
            .bind::<Text, _>(role)
            .bind::<Integer, _>(owner.id.0)
            .bind::<diesel::sql_types::Bool, _>(notify),
        );
    }
    for (plan, user, action, summary) in [
        (id, owner.id, "member_added", "invited editor"),
        (id, editor.id, "activity_added", "added Step 1"),
        (id, viewer.id, "member_left", "left and came back"),
        (other, owner.id, "plan_edited", "renamed it"),
    ] {
        app.exec(
            sql_query(
                "INSERT INTO plan_changes (plan_id, user_id, action, summary, created_at) \
                 VALUES ($1, $2, $3, $4, now() - interval '3 years')",
            )
            .bind::<Integer, _>(plan)
            .bind::<Integer, _>(user.0)
            .bind::<Text, _>(action)
            .bind::<Text, _>(summary),
        );
    }
    let live = members_and_history(&app, "", id);
    let other_live = members_and_history(&app, "", other);
    assert!(live.contains("added Step 1") && live.contains("\"viewer\""));

    // Archived with the plan: gone from the live tables, whole in the archived ones.
    let out = archive(&app, &[]).ok();
    assert!(out.contains("archived 2 plans"), "{out}");
    assert!(is_archived(&app, id) && is_archived(&app, other));
    assert_eq!(
        members_and_history(&app, "", id),
        r#"{"members" : [], "changes" : []}"#
    );
    assert_eq!(members_and_history(&app, "archived_", id), live);
    assert_eq!(members_and_history(&app, "archived_", other), other_live);
    assert_eq!(
        app.count(sql_query("SELECT count(*) FROM plan_member_digests")),
        0,
        "digest state goes with the live plan"
    );

    // Nobody but staff and the owner sees the archived rows, even by a query that forgets
    // its filter.
    for (who, expected) in [(owner.id, 3), (editor.id, 0), (viewer.id, 0)] {
        let mut conn = app.conn();
        let seen = conn
            .transaction(|conn| {
                sql_query("SELECT set_config('app.user_id', $1, true)")
                    .bind::<Text, _>(who.0.to_string())
                    .execute(conn)?;
                sql_query("SELECT count(*) FROM archived_plan_members")
                    .get_result::<crate::support::Count>(conn)
            })
            .unwrap()
            .count;
        assert_eq!(seen, expected, "user {who}");
    }

    // Back with the command line: the very same rows; a member with digests on starts
    // afresh.
    archive(&app, &["--restore", &id.to_string()]).ok();
    assert_eq!(members_and_history(&app, "", id), live);
    assert_eq!(
        members_and_history(&app, "archived_", id),
        r#"{"members" : [], "changes" : []}"#
    );
    assert_eq!(
        app.count(
            sql_query(
                "SELECT count(*) FROM plan_member_digests WHERE plan_id = $1 AND user_id = $2"
            )
            .bind::<Integer, _>(id)
            .bind::<Integer, _>(editor.id.0)
        ),
        1
    );

    // And with the owner's "Restore" button.
    let browser = app.signed_in(&owner).await;
    let restored = browser
        .post_form(&format!("/plans/archive/{other}/restore"), &[])
        .await;
    assert_is_redirect_to(&restored, &format!("/plans/{other}"));
    assert_eq!(members_and_history(&app, "", other), other_live);
    assert_eq!(
        app.count(sql_query(
            "SELECT (SELECT count(*) FROM archived_plan_members) \
             + (SELECT count(*) FROM archived_plan_changes) AS count"
        )),
        0
    );
}
