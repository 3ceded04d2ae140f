//! Rows moved out of the live tables by `wayfare archive`.

use bigdecimal::BigDecimal;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::archived_plans;
use crate::domain::ids::{PlanId, UserId};

#[derive(Clone, Debug, Queryable, Selectable, Identifiable)]
#[diesel(table_name = archived_plans, check_for_backend(diesel::pg::Pg))]
pub struct ArchivedPlan {
    pub id: PlanId,
    pub user_id: UserId,
    pub title: String,
    pub description: Option<String>,
    pub destination: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub budget: Option<BigDecimal>,
    pub currency: Option<String>,
    pub status: Option<String>,
    pub plan_data: Option<serde_json::Value>,
    pub is_public: Option<bool>,
    pub share_token: Option<String>,
    pub created_at: Option<NaiveDateTime>,
    pub updated_at: Option<NaiveDateTime>,
}

/// Deletes a user's archived plans; their activities go with them (`ON DELETE CASCADE`).
pub fn delete_for_user(conn: &mut PgConnection, user_id: UserId) -> QueryResult<usize> {
    diesel::delete(archived_plans::table.filter(archived_plans::user_id.eq(user_id))).execute(conn)
}

/// A user's archived-away plans, newest first.
pub fn list_for_user(conn: &mut PgConnection, user_id: UserId) -> QueryResult<Vec<ArchivedPlan>> {
    archived_plans::table
        .filter(archived_plans::user_id.eq(user_id))
        .order((archived_plans::updated_at.desc(), archived_plans::id.desc()))
        .select(ArchivedPlan::as_select())
        .load(conn)
}

/// The archived plan's id and owner, locked for the rest of the transaction.
pub fn lock_owner(conn: &mut PgConnection, id: PlanId) -> QueryResult<Option<(PlanId, UserId)>> {
    archived_plans::table
        .filter(archived_plans::id.eq(id))
        .select((archived_plans::id, archived_plans::user_id))
        .for_update()
        .first(conn)
        .optional()
}
