use bigdecimal::BigDecimal;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::plans;
use crate::domain::activity::ValidActivity;
use crate::domain::ids::{PlanId, UserId};
use crate::domain::{Currency, PlanStatus};
use crate::models::plan_activity::{self, NewPlanActivity};

mod input;
mod list;
mod moderation;
mod sharing;

pub use list::{
    ExploreFilter, ListFilter, PlanSummary, SHARED_LIMIT, SharedPlan, explore, find_listed,
    like_pattern, list_for_user, shared_with_user,
};
pub use moderation::{Moderation, moderate};
pub use sharing::{find_by_share_token, new_share_token, set_share_token, set_visibility};

#[derive(Clone, Debug, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = plans, check_for_backend(diesel::pg::Pg))]
pub struct Plan {
    pub id: PlanId,
    pub user_id: UserId,
    pub title: String,
    pub description: Option<String>,
    pub destination: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub budget: Option<BigDecimal>,
    /// No CHECK constraint: an older row may hold any code (`Currency` is what is written).
    pub currency: Option<String>,
    pub status: Option<PlanStatus>,
    pub plan_data: Option<serde_json::Value>,
    pub is_public: Option<bool>,
    pub share_token: Option<String>,
    pub created_at: Option<NaiveDateTime>,
    pub updated_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = plans)]
pub struct NewPlan {
    pub user_id: UserId,
    pub title: String,
    pub description: Option<String>,
    pub destination: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub budget: Option<BigDecimal>,
    pub currency: Currency,
    pub status: PlanStatus,
    pub plan_data: serde_json::Value,
    pub is_public: bool,
}

#[derive(Debug, AsChangeset)]
#[diesel(table_name = plans, treat_none_as_null = true)]
pub struct PlanChanges {
    pub title: String,
    pub description: Option<String>,
    pub destination: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub budget: Option<BigDecimal>,
    pub currency: Option<Currency>,
}

pub fn insert(conn: &mut PgConnection, new: &NewPlan) -> QueryResult<Plan> {
    diesel::insert_into(plans::table)
        .values(new)
        .returning(Plan::as_returning())
        .get_result(conn)
}

/// Plans per page of "My plans".
pub const PAGE_SIZE: i64 = 20;

impl Plan {
    /// The edit version: `updated_at` in microseconds, carried by every edit form.
    pub fn version(&self) -> i64 {
        self.updated_at
            .map_or(0, |t| t.and_utc().timestamp_micros())
    }
    pub fn status_or_default(&self) -> PlanStatus {
        self.status.unwrap_or_default()
    }
    pub fn currency_or_default(&self) -> &str {
        self.currency.as_deref().unwrap_or("USD")
    }
    pub fn public(&self) -> bool {
        self.is_public.unwrap_or(false)
    }
}

/// Turns a version from a form back into the timestamp it came from. Versions are our own
/// `updated_at` values: anything outside years 1–9999 (which PostgreSQL could not even
/// compare with) is no version at all.
pub fn version_time(version: i64) -> Option<NaiveDateTime> {
    use chrono::Datelike;
    chrono::DateTime::from_timestamp_micros(version)
        .map(|t| t.naive_utc())
        .filter(|t| (1..=9999).contains(&t.year()))
}

/// Any plan, by id (row-level security decides who may read it).
pub fn find(conn: &mut PgConnection, id: PlanId) -> QueryResult<Plan> {
    plans::table.find(id).select(Plan::as_select()).first(conn)
}

/// A plan of this user; anyone else's (or a missing one) is `NotFound`.
pub fn find_for_user(conn: &mut PgConnection, user_id: UserId, id: PlanId) -> QueryResult<Plan> {
    plans::table
        .filter(plans::id.eq(id))
        .filter(plans::user_id.eq(user_id))
        .select(Plan::as_select())
        .first(conn)
}

/// Locks the plan row for the rest of the transaction: changes to its activities' order
/// are serialized per plan, so concurrent moves keep `order_index` dense.
pub fn lock_for_user(conn: &mut PgConnection, user_id: UserId, id: PlanId) -> QueryResult<Plan> {
    plans::table
        .filter(plans::id.eq(id))
        .filter(plans::user_id.eq(user_id))
        .select(Plan::as_select())
        .for_update()
        .first(conn)
}

/// Saves the edit only if nobody changed the plan since `version` was read; `None` when
/// someone did (the caller answers 409).
pub fn update_versioned(
    conn: &mut PgConnection,
    user_id: UserId,
    id: PlanId,
    version: NaiveDateTime,
    changes: &PlanChanges,
) -> QueryResult<Option<Plan>> {
    diesel::update(
        plans::table
            .filter(plans::id.eq(id))
            .filter(plans::user_id.eq(user_id))
            .filter(plans::updated_at.eq(version)),
    )
    .set(changes)
    .returning(Plan::as_returning())
    .get_result(conn)
    .optional()
}

/// Replaces `plan_data` under the same version rule.
pub fn update_data_versioned(
    conn: &mut PgConnection,
    user_id: UserId,
    id: PlanId,
    version: NaiveDateTime,
    data: &serde_json::Value,
) -> QueryResult<Option<Plan>> {
    diesel::update(
        plans::table
            .filter(plans::id.eq(id))
            .filter(plans::user_id.eq(user_id))
            .filter(plans::updated_at.eq(version)),
    )
    .set(plans::plan_data.eq(data))
    .returning(Plan::as_returning())
    .get_result(conn)
    .optional()
}

/// Moves a plan in the owner's workflow (`draft`, `archived`). It also stops being public:
/// `published` belongs to the visibility choice (`set_visibility`).
pub fn set_status(
    conn: &mut PgConnection,
    user_id: UserId,
    id: PlanId,
    status: PlanStatus,
) -> QueryResult<usize> {
    diesel::update(
        plans::table
            .filter(plans::id.eq(id))
            .filter(plans::user_id.eq(user_id)),
    )
    .set((plans::status.eq(status), plans::is_public.eq(false)))
    .execute(conn)
}

/// Hands plan `id` from `from` to `to`. Row security lets this through only when the
/// request's user (`from`) is a member of the plan by then (`plans_editor`'s check): see
/// `services::members::transfer` for the order of statements.
pub fn set_owner(
    conn: &mut PgConnection,
    id: PlanId,
    from: UserId,
    to: UserId,
) -> QueryResult<usize> {
    diesel::update(
        plans::table
            .filter(plans::id.eq(id))
            .filter(plans::user_id.eq(from)),
    )
    .set(plans::user_id.eq(to))
    .execute(conn)
}

pub fn delete_for_user(conn: &mut PgConnection, user_id: UserId, id: PlanId) -> QueryResult<usize> {
    diesel::delete(
        plans::table
            .filter(plans::id.eq(id))
            .filter(plans::user_id.eq(user_id)),
    )
    .execute(conn)
}

/// Inserts a new plan with its activities, marking done those at the `completed`
/// positions: the done ones go in first, so marking every activity of the new plan done
/// marks exactly them. At most four statements, however many activities.
pub fn insert_with_activities(
    conn: &mut PgConnection,
    new: &NewPlan,
    activities: Vec<(i32, ValidActivity)>,
    completed: &[usize],
) -> QueryResult<Plan> {
    let created = insert(conn, new)?;
    let (mut done, mut open) = (Vec::new(), Vec::new());
    for (i, (order_index, a)) in activities.into_iter().enumerate() {
        let a = NewPlanActivity::from_valid(created.id, order_index, a);
        if completed.contains(&i) {
            done.push(a);
        } else {
            open.push(a);
        }
    }
    if plan_activity::insert_many(conn, &done)? > 0 {
        plan_activity::mark_all_completed(conn, created.id)?;
    }
    plan_activity::insert_many(conn, &open)?;
    Ok(created)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_outside_the_calendar_postgresql_keeps_is_none() {
        let saved = chrono::DateTime::from_timestamp_micros(1_780_000_000_123_456)
            .unwrap()
            .naive_utc();
        assert_eq!(version_time(1_780_000_000_123_456), Some(saved));
        assert_eq!(version_time(-210_866_803_200_000_023), None);
        assert_eq!(version_time(i64::MAX), None);
    }
}
