//! Reads of the plan page that span tables (`plan_changes`, `plan_members`, `users`), each
//! one statement whatever the number of activities, changes or members.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Int4, Int8, Nullable, Text, Timestamptz};

use crate::domain::MemberRole;
use crate::domain::ids::{ActivityId, PlanId, UserId};

/// The newest change of one activity: who (`None` once their account is gone) and when.
#[derive(Debug, Clone, QueryableByName)]
pub struct ActivityChange {
    #[diesel(sql_type = Int4)]
    pub activity_id: ActivityId,
    #[diesel(sql_type = Nullable<Int4>)]
    pub user_id: Option<UserId>,
    #[diesel(sql_type = Nullable<Text>)]
    pub username: Option<String>,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
}

/// The newest change of each of `ids` (those with one), in one statement: a LATERAL lookup
/// per activity on `idx_plan_changes_activity`.
pub fn last_change_of_activities(
    conn: &mut PgConnection,
    plan_id: PlanId,
    ids: &[ActivityId],
) -> QueryResult<Vec<ActivityChange>> {
    let ids: Vec<i32> = ids.iter().map(|id| id.0).collect();
    diesel::sql_query(
        "SELECT shown.id AS activity_id, last.user_id, users.username, last.created_at \
         FROM unnest($2::int4[]) AS shown(id) \
         CROSS JOIN LATERAL ( \
             SELECT c.user_id, c.created_at FROM plan_changes c \
             WHERE c.plan_id = $1 AND c.activity_id = shown.id \
             ORDER BY c.created_at DESC, c.id DESC LIMIT 1) AS last \
         LEFT JOIN users ON users.id = last.user_id",
    )
    .bind::<Int4, _>(plan_id.0)
    .bind::<Array<Int4>, _>(ids)
    .load(conn)
}

/// Someone on the trip: its owner (`role` `None`) or a member.
#[derive(Debug, Clone, QueryableByName)]
pub struct OnTrip {
    #[diesel(sql_type = Int4)]
    pub user_id: UserId,
    #[diesel(sql_type = Text)]
    pub username: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub role: Option<MemberRole>,
}

/// The plan's owner first, then up to `limit` members, longest-standing first, in one
/// statement; and how many members it has in all.
pub fn on_trip(
    conn: &mut PgConnection,
    plan_id: PlanId,
    limit: i64,
) -> QueryResult<(Vec<OnTrip>, i64)> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(embed)]
        person: OnTrip,
        #[diesel(sql_type = Int8)]
        members: i64,
    }
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT people.user_id, people.username, people.role, \
                (SELECT count(*) FROM plan_members WHERE plan_id = $1) AS members \
         FROM ( \
             (SELECT users.id AS user_id, users.username, NULL::text AS role, 0 AS place, \
                     NULL::timestamptz AS since, 0 AS member_id \
              FROM plans JOIN users ON users.id = plans.user_id WHERE plans.id = $1) \
             UNION ALL \
             (SELECT users.id, users.username, m.role::text, 1, m.created_at, m.id \
              FROM plan_members m JOIN users ON users.id = m.user_id \
              WHERE m.plan_id = $1 ORDER BY m.created_at, m.id LIMIT $2) \
         ) AS people \
         ORDER BY people.place, people.since, people.member_id",
    )
    .bind::<Int4, _>(plan_id.0)
    .bind::<Int8, _>(limit)
    .load(conn)?;
    let members = rows.first().map_or(0, |r| r.members);
    Ok((rows.into_iter().map(|r| r.person).collect(), members))
}

/// Which of `ids` are still activities of the plan (the history links to their cards).
pub fn existing_activities(
    conn: &mut PgConnection,
    plan_id: PlanId,
    ids: &[ActivityId],
) -> QueryResult<Vec<ActivityId>> {
    use crate::db::schema::plan_activities;
    plan_activities::table
        .filter(plan_activities::plan_id.eq(plan_id))
        .filter(plan_activities::id.eq_any(ids))
        .select(plan_activities::id)
        .load(conn)
}

/// Whether the member `user_id` asked for a digest of the plan's changes.
pub fn notify_of(conn: &mut PgConnection, plan_id: PlanId, user_id: UserId) -> QueryResult<bool> {
    use crate::db::schema::plan_members;
    plan_members::table
        .filter(plan_members::plan_id.eq(plan_id))
        .filter(plan_members::user_id.eq(user_id))
        .select(plan_members::notify_changes)
        .first(conn)
}
