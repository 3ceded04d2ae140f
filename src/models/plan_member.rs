//! `plan_members`: who besides its owner is on a plan, and as what.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::schema::{plan_members, plans, users};
use crate::domain::MemberRole;
use crate::domain::ids::{PlanId, UserId};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = plan_members, check_for_backend(diesel::pg::Pg))]
pub struct PlanMember {
    pub plan_id: PlanId,
    pub user_id: UserId,
    pub role: MemberRole,
    pub invited_by: Option<UserId>,
    pub notify_changes: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = plan_members)]
pub struct NewPlanMember {
    pub plan_id: PlanId,
    pub user_id: UserId,
    pub role: MemberRole,
    pub invited_by: Option<UserId>,
}

/// A member as the members page and the plan page show them.
#[derive(Debug, Clone, Queryable)]
pub struct MemberListing {
    pub user_id: UserId,
    pub username: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub role: MemberRole,
    pub created_at: DateTime<Utc>,
}

/// The most members a plan lists; `MAX_MEMBERS_PER_PLAN` in the settings keeps plans below.
pub const LIST_LIMIT: i64 = 500;

/// `user_id`'s role on `plan_id`, if they are a member.
pub fn role_of(
    conn: &mut PgConnection,
    plan_id: PlanId,
    user_id: UserId,
) -> QueryResult<Option<MemberRole>> {
    plan_members::table
        .filter(plan_members::plan_id.eq(plan_id))
        .filter(plan_members::user_id.eq(user_id))
        .select(plan_members::role)
        .first(conn)
        .optional()
}

/// The plan's members, longest-standing first.
pub fn list_for_plan(conn: &mut PgConnection, plan_id: PlanId) -> QueryResult<Vec<MemberListing>> {
    plan_members::table
        .inner_join(users::table.on(users::id.eq(plan_members::user_id)))
        .filter(plan_members::plan_id.eq(plan_id))
        .order((plan_members::created_at.asc(), plan_members::id.asc()))
        .limit(LIST_LIMIT)
        .select((
            plan_members::user_id,
            users::username,
            users::first_name,
            users::last_name,
            plan_members::role,
            plan_members::created_at,
        ))
        .load(conn)
}

pub fn count_for_plan(conn: &mut PgConnection, plan_id: PlanId) -> QueryResult<i64> {
    plan_members::table
        .filter(plan_members::plan_id.eq(plan_id))
        .count()
        .get_result(conn)
}

/// Adds a member who is not one yet: a plain insert, which is all an invitee's policies
/// allow (an upsert would also need them to see and update the row). No `RETURNING`: a
/// joining invitee may not read the row back within the statement that adds it.
pub fn insert_new(conn: &mut PgConnection, new: &NewPlanMember) -> QueryResult<usize> {
    diesel::insert_into(plan_members::table)
        .values(new)
        .execute(conn)
}

/// Adds a member, or gives an existing one the new role. No `RETURNING`: a joining
/// invitee may not read the row back within the statement that adds it.
pub fn insert(conn: &mut PgConnection, new: &NewPlanMember) -> QueryResult<usize> {
    diesel::insert_into(plan_members::table)
        .values(new)
        .on_conflict((plan_members::plan_id, plan_members::user_id))
        .do_update()
        .set(plan_members::role.eq(new.role))
        .execute(conn)
}

pub fn set_role(
    conn: &mut PgConnection,
    plan_id: PlanId,
    user_id: UserId,
    role: MemberRole,
) -> QueryResult<usize> {
    diesel::update(
        plan_members::table
            .filter(plan_members::plan_id.eq(plan_id))
            .filter(plan_members::user_id.eq(user_id)),
    )
    .set(plan_members::role.eq(role))
    .execute(conn)
}

pub fn set_notify(
    conn: &mut PgConnection,
    plan_id: PlanId,
    user_id: UserId,
    notify: bool,
) -> QueryResult<usize> {
    diesel::update(
        plan_members::table
            .filter(plan_members::plan_id.eq(plan_id))
            .filter(plan_members::user_id.eq(user_id)),
    )
    .set(plan_members::notify_changes.eq(notify))
    .execute(conn)
}

pub fn remove(conn: &mut PgConnection, plan_id: PlanId, user_id: UserId) -> QueryResult<usize> {
    diesel::delete(
        plan_members::table
            .filter(plan_members::plan_id.eq(plan_id))
            .filter(plan_members::user_id.eq(user_id)),
    )
    .execute(conn)
}

/// The plan's longest-standing editor: who takes it over when its owner's account goes.
pub fn longest_standing_editor(
    conn: &mut PgConnection,
    plan_id: PlanId,
) -> QueryResult<Option<UserId>> {
    plan_members::table
        .filter(plan_members::plan_id.eq(plan_id))
        .filter(plan_members::role.eq(MemberRole::Editor))
        .order((plan_members::created_at.asc(), plan_members::id.asc()))
        .select(plan_members::user_id)
        .first(conn)
        .optional()
}

/// Whether an account with this e-mail address (compared case-insensitively) is a member.
pub fn has_member_with_email(
    conn: &mut PgConnection,
    plan_id: PlanId,
    email: &str,
) -> QueryResult<bool> {
    use diesel::dsl::{exists, sql};
    use diesel::sql_types::{Bool, Text};
    diesel::select(exists(
        plan_members::table
            .inner_join(users::table.on(users::id.eq(plan_members::user_id)))
            .filter(plan_members::plan_id.eq(plan_id))
            .filter(
                sql::<Bool>("lower(users.email) = lower(")
                    .bind::<Text, _>(email.to_string())
                    .sql(")"),
            ),
    ))
    .get_result(conn)
}

/// A plan of `owner` that an editor would take over: the plan, its title and its
/// longest-standing editor (as `longest_standing_editor` picks them).
#[derive(Debug, Clone, Queryable)]
pub struct Heir {
    pub plan_id: PlanId,
    pub title: String,
    pub editor_id: UserId,
    pub editor_username: String,
}

/// For each plan `owner` owns that has an editor, that plan's longest-standing editor: one
/// statement, whatever the number of plans.
pub fn heirs_of_owner(conn: &mut PgConnection, owner: UserId) -> QueryResult<Vec<Heir>> {
    plan_members::table
        .inner_join(plans::table.on(plans::id.eq(plan_members::plan_id)))
        .inner_join(users::table.on(users::id.eq(plan_members::user_id)))
        .filter(plans::user_id.eq(owner))
        .filter(plan_members::role.eq(MemberRole::Editor))
        .distinct_on(plan_members::plan_id)
        .order((
            plan_members::plan_id.asc(),
            plan_members::created_at.asc(),
            plan_members::id.asc(),
        ))
        .select((
            plan_members::plan_id,
            plans::title,
            plan_members::user_id,
            users::username,
        ))
        .load(conn)
}
