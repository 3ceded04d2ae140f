use bigdecimal::BigDecimal;
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use diesel::prelude::*;

use crate::db::schema::plan_activities;
use crate::domain::ActivityType;
use crate::domain::ids::{ActivityId, PlanId, UserId};

mod input;

#[derive(Clone, Debug, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = plan_activities, check_for_backend(diesel::pg::Pg))]
pub struct PlanActivity {
    pub id: ActivityId,
    pub plan_id: PlanId,
    pub title: String,
    pub description: Option<String>,
    /// No CHECK constraint: an older row may hold any kind (`ActivityType` is what is
    /// written).
    pub activity_type: Option<String>,
    pub location_name: Option<String>,
    pub latitude: Option<BigDecimal>,
    pub longitude: Option<BigDecimal>,
    pub address: Option<String>,
    pub scheduled_date: Option<NaiveDate>,
    pub start_time: Option<NaiveTime>,
    pub end_time: Option<NaiveTime>,
    pub duration_minutes: Option<i32>,
    pub estimated_cost: Option<BigDecimal>,
    pub actual_cost: Option<BigDecimal>,
    pub order_index: Option<i32>,
    pub is_completed: Option<bool>,
    pub metadata: Option<serde_json::Value>,
    pub created_at: Option<NaiveDateTime>,
    pub updated_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = plan_activities, treat_none_as_null = true)]
pub struct NewPlanActivity {
    pub plan_id: PlanId,
    pub title: String,
    pub description: Option<String>,
    pub activity_type: Option<ActivityType>,
    pub location_name: Option<String>,
    pub latitude: Option<BigDecimal>,
    pub longitude: Option<BigDecimal>,
    pub address: Option<String>,
    pub scheduled_date: Option<NaiveDate>,
    pub start_time: Option<NaiveTime>,
    pub end_time: Option<NaiveTime>,
    pub duration_minutes: Option<i32>,
    pub estimated_cost: Option<BigDecimal>,
    pub actual_cost: Option<BigDecimal>,
    pub order_index: i32,
    pub metadata: serde_json::Value,
}

pub fn insert(conn: &mut PgConnection, new: &NewPlanActivity) -> QueryResult<PlanActivity> {
    diesel::insert_into(plan_activities::table)
        .values(new)
        .returning(PlanActivity::as_returning())
        .get_result(conn)
}

use crate::db::schema::plans;

impl PlanActivity {
    pub fn version(&self) -> i64 {
        self.updated_at
            .map_or(0, |t| t.and_utc().timestamp_micros())
    }
    pub fn completed(&self) -> bool {
        self.is_completed.unwrap_or(false)
    }
    pub fn order(&self) -> i32 {
        self.order_index.unwrap_or(0)
    }
    /// The nights a stay spans from its date (`metadata.nights`), 1 for everything else;
    /// read straight from the JSON, as the plan page asks it of every activity.
    pub fn nights(&self) -> u32 {
        use crate::domain::activity::MAX_NIGHTS;
        let stored = self
            .metadata
            .as_ref()
            .and_then(|m| m.get("nights")?.as_u64());
        stored.map_or(1, |n| n.clamp(1, u64::from(MAX_NIGHTS)) as u32)
    }
    /// The morning a stay of several nights ends.
    pub fn check_out(&self) -> Option<chrono::NaiveDate> {
        let nights = self.nights();
        (nights > 1).then_some(())?;
        self.scheduled_date?
            .checked_add_days(chrono::Days::new(u64::from(nights)))
    }
    /// An end before the start is the next morning (a night bus, a late show).
    pub fn ends_next_day(&self) -> bool {
        matches!((self.start_time, self.end_time), (Some(s), Some(e)) if e < s)
    }
    /// Minutes from midnight of its day to its start and to its end (past 1440 when it
    /// ends the next day); an activity with a start and neither end nor duration lasts
    /// one minute, so two at the same time still overlap.
    pub fn span_minutes(&self) -> Option<(u32, u32)> {
        use chrono::Timelike;
        let start = self.start_time?.num_seconds_from_midnight() / 60;
        let end = match (self.end_time, self.duration_minutes) {
            (Some(e), _) => {
                let e = e.num_seconds_from_midnight() / 60;
                if e < start { e + 24 * 60 } else { e }
            }
            (None, Some(d)) => start + u32::try_from(d).unwrap_or(0),
            (None, None) => start,
        };
        Some((start, end.max(start + 1)))
    }
}

/// A plan's activities in itinerary order: by day, then position.
pub fn list_for_plan(conn: &mut PgConnection, plan_id: PlanId) -> QueryResult<Vec<PlanActivity>> {
    plan_activities::table
        .filter(plan_activities::plan_id.eq(plan_id))
        .order((
            plan_activities::scheduled_date.asc().nulls_last(),
            plan_activities::order_index.asc(),
            plan_activities::id.asc(),
        ))
        .select(PlanActivity::as_select())
        .load(conn)
}

/// One activity of one of `user_id`'s plans.
pub fn find_for_user(
    conn: &mut PgConnection,
    user_id: UserId,
    plan_id: PlanId,
    id: ActivityId,
) -> QueryResult<PlanActivity> {
    plan_activities::table
        .inner_join(plans::table)
        .filter(plan_activities::id.eq(id))
        .filter(plan_activities::plan_id.eq(plan_id))
        .filter(plans::user_id.eq(user_id))
        .select(PlanActivity::as_select())
        .first(conn)
}

/// The position after the last activity of that day.
pub fn next_order_index(
    conn: &mut PgConnection,
    plan_id: PlanId,
    date: Option<chrono::NaiveDate>,
) -> QueryResult<i32> {
    let query = plan_activities::table
        .filter(plan_activities::plan_id.eq(plan_id))
        .select(diesel::dsl::max(plan_activities::order_index))
        .into_boxed();
    let query = match date {
        Some(d) => query.filter(plan_activities::scheduled_date.eq(d)),
        None => query.filter(plan_activities::scheduled_date.is_null()),
    };
    let max: Option<i32> = query.first(conn)?;
    Ok(max.map_or(0, |m| m + 1))
}

/// Saves an edit only if the activity is still at `version`.
pub fn update_versioned(
    conn: &mut PgConnection,
    plan_id: PlanId,
    id: ActivityId,
    version: NaiveDateTime,
    changes: &NewPlanActivity,
) -> QueryResult<Option<PlanActivity>> {
    diesel::update(
        plan_activities::table
            .filter(plan_activities::id.eq(id))
            .filter(plan_activities::plan_id.eq(plan_id))
            .filter(plan_activities::updated_at.eq(version)),
    )
    .set(changes)
    .returning(PlanActivity::as_returning())
    .get_result(conn)
    .optional()
}

pub fn delete(conn: &mut PgConnection, plan_id: PlanId, id: ActivityId) -> QueryResult<usize> {
    diesel::delete(
        plan_activities::table
            .filter(plan_activities::id.eq(id))
            .filter(plan_activities::plan_id.eq(plan_id)),
    )
    .execute(conn)
}

pub fn toggle_completed(
    conn: &mut PgConnection,
    plan_id: PlanId,
    id: ActivityId,
) -> QueryResult<usize> {
    diesel::update(
        plan_activities::table
            .filter(plan_activities::id.eq(id))
            .filter(plan_activities::plan_id.eq(plan_id)),
    )
    .set(plan_activities::is_completed.eq(diesel::dsl::sql::<
        diesel::sql_types::Nullable<diesel::sql_types::Bool>,
    >("NOT coalesce(is_completed, false)")))
    .execute(conn)
}

/// One day's activities (`None`: not scheduled), in their order.
pub fn day_ids(
    conn: &mut PgConnection,
    plan_id: PlanId,
    date: Option<chrono::NaiveDate>,
) -> QueryResult<Vec<ActivityId>> {
    let query = plan_activities::table
        .filter(plan_activities::plan_id.eq(plan_id))
        .select(plan_activities::id)
        .order((
            plan_activities::order_index.asc(),
            plan_activities::id.asc(),
        ))
        .into_boxed();
    match date {
        Some(d) => query.filter(plan_activities::scheduled_date.eq(d)),
        None => query.filter(plan_activities::scheduled_date.is_null()),
    }
    .load(conn)
}

/// Gives one day's activities the positions 0, 1, 2… in the order of `ids`; activities of
/// that day missing from `ids` follow in their current order. Call with the plan locked.
pub fn renumber_day(
    conn: &mut PgConnection,
    plan_id: PlanId,
    date: Option<chrono::NaiveDate>,
    ids: &[ActivityId],
) -> QueryResult<()> {
    let current = day_ids(conn, plan_id, date)?;
    let ordered: Vec<ActivityId> = ids
        .iter()
        .copied()
        .filter(|id| current.contains(id))
        .chain(current.iter().copied().filter(|id| !ids.contains(id)))
        .collect();
    // One statement for the whole day: positions from the array order.
    diesel::sql_query(
        "UPDATE plan_activities SET order_index = t.position - 1 \
         FROM unnest($1::int[]) WITH ORDINALITY AS t(id, position) \
         WHERE plan_activities.id = t.id AND plan_activities.plan_id = $2 \
           AND plan_activities.order_index IS DISTINCT FROM t.position - 1",
    )
    .bind::<diesel::sql_types::Array<diesel::sql_types::Integer>, _>(&ordered)
    .bind::<diesel::sql_types::Integer, _>(plan_id)
    .execute(conn)?;
    Ok(())
}

/// Moves an activity to another day (or to none), at the end of that day.
pub fn move_to_day(
    conn: &mut PgConnection,
    plan_id: PlanId,
    id: ActivityId,
    date: Option<chrono::NaiveDate>,
) -> QueryResult<usize> {
    let position = next_order_index(conn, plan_id, date)?;
    diesel::update(
        plan_activities::table
            .filter(plan_activities::id.eq(id))
            .filter(plan_activities::plan_id.eq(plan_id)),
    )
    .set((
        plan_activities::scheduled_date.eq(date),
        plan_activities::order_index.eq(position),
    ))
    .execute(conn)
}

/// Marks every activity of a plan done (an import's ticked-off ones, inserted first).
pub fn mark_all_completed(conn: &mut PgConnection, plan_id: PlanId) -> QueryResult<usize> {
    diesel::update(plan_activities::table.filter(plan_activities::plan_id.eq(plan_id)))
        .set(plan_activities::is_completed.eq(true))
        .execute(conn)
}

/// Inserts many activities in one statement (imports).
pub fn insert_many(conn: &mut PgConnection, rows: &[NewPlanActivity]) -> QueryResult<usize> {
    if rows.is_empty() {
        return Ok(0);
    }
    diesel::insert_into(plan_activities::table)
        .values(rows)
        .execute(conn)
}
