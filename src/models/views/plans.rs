//! The plans list and one plan's page.

use chrono::{DateTime, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};

use super::PAGE_SIZE;
use crate::db::schema::{plan_activities, plans, users};
use crate::domain::PlanStatus;
use crate::domain::ids::PlanId;
use crate::models::plan::{self, Plan, PlanSummary, like_pattern};
use crate::models::plan_activity::{self, PlanActivity};
use crate::models::plan_change::{self, ChangeListing};
use crate::models::plan_member::{self, MemberListing};
use crate::models::user::{self, User};

#[derive(Debug, Clone, Default)]
pub struct PlanFilter {
    /// Part of the title or destination.
    pub search: Option<String>,
    pub status: Option<PlanStatus>,
    pub public: Option<bool>,
    /// The owner's id, username or e-mail.
    pub owner: Option<String>,
    /// Keyset cursor: plans with a smaller id (newest first).
    pub after: Option<i32>,
}

pub struct PlanRow {
    pub plan: PlanSummary,
    pub owner: String,
    pub activities: i64,
}

/// One page (`PAGE_SIZE + 1` rows) of every user's plans, newest first, each with its
/// owner and activity count, in one statement.
pub fn list_plans(conn: &mut PgConnection, filter: &PlanFilter) -> QueryResult<Vec<PlanRow>> {
    let activity_count = plan_activities::table
        .filter(plan_activities::plan_id.eq(plans::id))
        .count()
        .single_value();
    let mut query = plans::table
        .inner_join(users::table)
        .select((PlanSummary::as_select(), users::username, activity_count))
        .order(plans::id.desc())
        .limit(PAGE_SIZE + 1)
        .into_boxed();
    if let Some(search) = &filter.search {
        let pattern = like_pattern(search);
        query = query.filter(
            plans::title
                .ilike(pattern.clone())
                .or(plans::destination.ilike(pattern)),
        );
    }
    match filter.status {
        Some(PlanStatus::Draft) => {
            query = query.filter(
                plans::status
                    .eq(PlanStatus::Draft)
                    .or(plans::status.is_null()),
            )
        }
        Some(status) => query = query.filter(plans::status.eq(status)),
        None => {}
    }
    match filter.public {
        Some(true) => query = query.filter(plans::is_public.eq(true)),
        Some(false) => query = query.filter(plans::is_public.is_distinct_from(true)),
        None => {}
    }
    if let Some(owner) = &filter.owner {
        query = match owner.parse::<i32>() {
            Ok(id) => query.filter(plans::user_id.eq(id)),
            Err(_) => query.filter(
                sql::<Bool>("(lower(users.username) = lower(")
                    .bind::<Text, _>(owner.clone())
                    .sql(") OR lower(users.email) = lower(")
                    .bind::<Text, _>(owner.clone())
                    .sql("))"),
            ),
        };
    }
    if let Some(after) = filter.after {
        query = query.filter(plans::id.lt(after));
    }
    let rows: Vec<(PlanSummary, String, Option<i64>)> = query.load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(plan, owner, activities)| PlanRow {
            plan,
            owner,
            activities: activities.unwrap_or(0),
        })
        .collect())
}

pub struct PlanDetail {
    pub plan: Plan,
    pub owner: User,
    pub activities: Vec<PlanActivity>,
    /// Everyone on the plan besides its owner, longest-standing first.
    pub members: Vec<MemberListing>,
    /// A page of its history, newest first.
    pub changes: Vec<ChangeListing>,
    /// Where the next (older) page of history starts, when there is one.
    pub older: Option<ChangeCursor>,
}

/// Changes shown per page of a plan's history on its staff page.
pub const HISTORY_PAGE: i64 = 50;

/// A position in a plan's history: the `(created_at, id)` of the last change shown, the
/// keyset of `idx_plan_changes_plan`. In a URL it reads `<microseconds since 1970>.<id>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangeCursor {
    pub at: DateTime<Utc>,
    pub id: i64,
}

impl std::fmt::Display for ChangeCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.at.timestamp_micros(), self.id)
    }
}

impl std::str::FromStr for ChangeCursor {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        let (micros, id) = s.split_once('.').ok_or(())?;
        let at = DateTime::from_timestamp_micros(micros.parse().map_err(drop)?).ok_or(())?;
        Ok(ChangeCursor {
            at,
            id: id.parse().map_err(drop)?,
        })
    }
}

/// The plan with its owner, activities, members and one page of history (`before` the
/// cursor, newest first): five statements, whatever the data.
pub fn plan_detail(
    conn: &mut PgConnection,
    id: PlanId,
    before: Option<ChangeCursor>,
) -> QueryResult<PlanDetail> {
    let plan = plan::find(conn, id)?;
    let owner = user::find(conn, plan.user_id)?;
    let activities = plan_activity::list_for_plan(conn, id)?;
    let members = plan_member::list_for_plan(conn, id)?;
    let mut changes =
        plan_change::page_for_plan(conn, id, before.map(|c| (c.at, c.id)), HISTORY_PAGE + 1)?;
    let older = if changes.len() as i64 > HISTORY_PAGE {
        changes.truncate(HISTORY_PAGE as usize);
        changes.last().map(|c| ChangeCursor {
            at: c.created_at,
            id: c.id,
        })
    } else {
        None
    };
    Ok(PlanDetail {
        plan,
        owner,
        activities,
        members,
        changes,
        older,
    })
}

#[cfg(test)]
mod tests {
    use super::ChangeCursor;

    #[test]
    fn a_cursor_reads_back_what_it_wrote_and_nothing_else() {
        let at = chrono::DateTime::from_timestamp_micros(1_764_700_000_123_456).unwrap();
        let cursor = ChangeCursor { at, id: 42 };
        assert_eq!(cursor.to_string(), "1764700000123456.42");
        assert_eq!("1764700000123456.42".parse(), Ok(cursor));
        for bad in ["", "12", "a.1", "1.b", "1.2.3", "99999999999999999999.1"] {
            assert!(bad.parse::<ChangeCursor>().is_err(), "{bad}");
        }
    }
}
