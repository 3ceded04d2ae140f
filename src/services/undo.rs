//! "Undo" after a delete: a plan or an activity comes back as it was, under its own id,
//! for whoever deleted it, within the undo window.

use std::time::Duration;

use diesel::prelude::*;

use crate::domain::ids::{ActivityId, DeletedItemId, PlanId, UserId};
use crate::models::{deleted_item, plan_activity};
use crate::services::access::{self, Action};
use crate::services::history::{self, action};
use crate::services::{ServiceError, ServiceResult};

/// How long a delete can be undone; older copies are purged.
pub const UNDO_WINDOW: Duration = Duration::from_secs(15 * 60);

/// What came back.
#[derive(Debug, PartialEq, Eq)]
pub enum Restored {
    Plan {
        id: PlanId,
        title: String,
        activities: usize,
    },
    Activity {
        plan_id: PlanId,
        id: ActivityId,
        title: String,
    },
}

/// Why nothing came back.
#[derive(Debug, PartialEq, Eq)]
pub enum NotRestored {
    /// Past the window, undone already, or never this user's to undo.
    TooLate,
    /// An activity whose plan has been deleted since (undo the plan's delete instead).
    PlanGone { title: String },
}

pub fn undo(
    conn: &mut PgConnection,
    user_id: UserId,
    id: DeletedItemId,
) -> ServiceResult<Result<Restored, NotRestored>> {
    let Some(item) = deleted_item::find_recent(conn, user_id, id, UNDO_WINDOW)? else {
        return Ok(Err(NotRestored::TooLate));
    };
    let Some(activity_id) = item.activity_id else {
        let activities = deleted_item::put_back(conn, id)?;
        let summary = "Brought the plan back after it was deleted";
        let change = history::plan(user_id, item.plan_id, action::PLAN_RESTORED, summary);
        history::record(conn, change)?;
        return Ok(Ok(Restored::Plan {
            id: item.plan_id,
            title: item.title,
            activities,
        }));
    };
    // Back into a plan the user may still edit, checked like every edit.
    let found = match access::plan(conn, user_id, item.plan_id, Action::Edit) {
        Err(ServiceError::Db(diesel::result::Error::NotFound)) => {
            return Ok(Err(NotRestored::PlanGone { title: item.title }));
        }
        found => found?,
    };
    deleted_item::put_back(conn, id)?;
    // At the place in its day it had, the others moving down one.
    let activity = plan_activity::find_for_user(conn, found.owner_id(), item.plan_id, activity_id)?;
    let mut day = plan_activity::day_ids(conn, item.plan_id, activity.scheduled_date)?;
    day.retain(|other| *other != activity_id);
    let place = usize::try_from(activity.order())
        .unwrap_or(0)
        .min(day.len());
    day.insert(place, activity_id);
    plan_activity::renumber_day(conn, item.plan_id, activity.scheduled_date, &day)?;
    let change = history::activity_restored(user_id, item.plan_id, activity_id, &item.title);
    history::record(conn, change)?;
    Ok(Ok(Restored::Activity {
        plan_id: item.plan_id,
        id: activity_id,
        title: item.title,
    }))
}
