//! `deleted_items`: copies of deleted plans and activities, kept for the undo window. The
//! rows are copied and put back by PostgreSQL itself (`to_jsonb`, `jsonb_populate_record`),
//! column for column, so a column added to `plans` or `plan_activities` is never lost.

use std::time::Duration;

use diesel::prelude::*;
use diesel::sql_types::{Double, Integer};

use crate::db::schema::deleted_items;
use crate::domain::ids::{ActivityId, DeletedItemId, PlanId, UserId};

/// What a copy is of.
#[derive(Debug, QueryableByName)]
#[diesel(table_name = deleted_items, check_for_backend(diesel::pg::Pg))]
pub struct DeletedItem {
    pub id: DeletedItemId,
    pub user_id: UserId,
    pub plan_id: PlanId,
    /// `None`: the whole plan.
    pub activity_id: Option<ActivityId>,
    pub title: String,
}

#[derive(QueryableByName)]
struct NewId {
    #[diesel(sql_type = Integer)]
    id: DeletedItemId,
}

/// Copies activity `id` of plan `plan_id` before it is deleted, for `user_id` to undo.
pub fn keep_activity(
    conn: &mut PgConnection,
    user_id: UserId,
    plan_id: PlanId,
    id: ActivityId,
) -> QueryResult<DeletedItemId> {
    diesel::sql_query(
        "INSERT INTO deleted_items (user_id, plan_id, activity_id, title, activity_rows) \
         SELECT $1, a.plan_id, a.id, a.title, jsonb_build_array(to_jsonb(a)) \
         FROM plan_activities a WHERE a.plan_id = $2 AND a.id = $3 \
         RETURNING id",
    )
    .bind::<Integer, _>(user_id)
    .bind::<Integer, _>(plan_id)
    .bind::<Integer, _>(id)
    .get_result::<NewId>(conn)
    .map(|row| row.id)
}

/// Copies plan `id` and all its activities before it is deleted, for `user_id` to undo.
pub fn keep_plan(
    conn: &mut PgConnection,
    user_id: UserId,
    id: PlanId,
) -> QueryResult<DeletedItemId> {
    diesel::sql_query(
        "INSERT INTO deleted_items (user_id, plan_id, title, plan_row, activity_rows) \
         SELECT $1, p.id, p.title, to_jsonb(p), coalesce( \
             (SELECT jsonb_agg(to_jsonb(a) ORDER BY a.id) FROM plan_activities a \
              WHERE a.plan_id = p.id), '[]') \
         FROM plans p WHERE p.id = $2 \
         RETURNING id",
    )
    .bind::<Integer, _>(user_id)
    .bind::<Integer, _>(id)
    .get_result::<NewId>(conn)
    .map(|row| row.id)
}

/// `user_id`'s copy `id` if it is younger than `window`, locked until the transaction ends
/// (two presses of "Undo" put it back once).
pub fn find_recent(
    conn: &mut PgConnection,
    user_id: UserId,
    id: DeletedItemId,
    window: Duration,
) -> QueryResult<Option<DeletedItem>> {
    diesel::sql_query(
        "SELECT id, user_id, plan_id, activity_id, title FROM deleted_items \
         WHERE id = $1 AND user_id = $2 AND deleted_at > now() - make_interval(secs => $3) \
         FOR UPDATE",
    )
    .bind::<Integer, _>(id)
    .bind::<Integer, _>(user_id)
    .bind::<Double, _>(window.as_secs_f64())
    .get_result(conn)
    .optional()
}

/// Puts copy `id` back: the plan's row (when it is a whole plan), then its activities,
/// under their own ids; the copy is gone afterwards. Returns how many activities came back.
pub fn put_back(conn: &mut PgConnection, id: DeletedItemId) -> QueryResult<usize> {
    diesel::sql_query(
        "INSERT INTO plans SELECT r.* FROM deleted_items d, \
         jsonb_populate_record(NULL::plans, d.plan_row) r \
         WHERE d.id = $1 AND d.plan_row IS NOT NULL",
    )
    .bind::<Integer, _>(id)
    .execute(conn)?;
    let activities = diesel::sql_query(
        "INSERT INTO plan_activities SELECT r.* FROM deleted_items d, \
         jsonb_populate_recordset(NULL::plan_activities, d.activity_rows) r \
         WHERE d.id = $1",
    )
    .bind::<Integer, _>(id)
    .execute(conn)?;
    diesel::delete(deleted_items::table.filter(deleted_items::id.eq(id))).execute(conn)?;
    Ok(activities)
}

/// Removes the copies older than `window`; how many. Acts as staff (row-level security).
pub fn purge_older_than(conn: &mut PgConnection, window: Duration) -> QueryResult<usize> {
    diesel::sql_query(
        "DELETE FROM deleted_items WHERE deleted_at <= now() - make_interval(secs => $1)",
    )
    .bind::<Double, _>(window.as_secs_f64())
    .execute(conn)
}
