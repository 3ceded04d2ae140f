//! A plan's activities: add, edit, delete, tick off, and their order within each day.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::domain::ids::{ActivityId, DeletedItemId, PlanId, UserId};

use crate::domain::activity::ActivityInput;
use crate::domain::field_errors::FieldErrors;
use crate::domain::plan_data::PlanData;
use crate::models::deleted_item;
use crate::models::plan::Plan;
use crate::models::plan_activity::{self, NewPlanActivity, PlanActivity};
use crate::services::ServiceResult;
use crate::services::access::{self, Action};
use crate::services::history::{self, MovedTo};
use crate::services::plans::{self, DataEdit, DataSaved};

/// Adds an activity at the end of its day.
pub fn create(
    conn: &mut PgConnection,
    user_id: UserId,
    mut row: NewPlanActivity,
) -> ServiceResult<PlanActivity> {
    access::plan(conn, user_id, row.plan_id, Action::Edit)?;
    row.order_index = plan_activity::next_order_index(conn, row.plan_id, row.scheduled_date)?;
    let added = plan_activity::insert(conn, &row)?;
    history::record(conn, history::activity_added(user_id, &added))?;
    Ok(added)
}

/// The plan and one of its activities, for whoever may read the plan.
pub fn find(
    conn: &mut PgConnection,
    user_id: UserId,
    plan_id: PlanId,
    id: ActivityId,
) -> ServiceResult<(Plan, PlanActivity)> {
    find_to(conn, (user_id, Action::Read), plan_id, id)
}

/// The plan and one of its activities, for whoever may do `action` to the plan.
fn find_to(
    conn: &mut PgConnection,
    (user_id, action): (UserId, Action),
    plan_id: PlanId,
    id: ActivityId,
) -> ServiceResult<(Plan, PlanActivity)> {
    let found = access::form(conn, user_id, plan_id, action)?;
    let activity = plan_activity::find_for_user(conn, found.owner_id(), plan_id, id)?;
    Ok((found.plan, activity))
}

/// An activity with its plan and all the plan's activities (the edit form's map opens on
/// them), for whoever may edit the plan.
pub fn find_in_plan(
    conn: &mut PgConnection,
    user_id: UserId,
    plan_id: PlanId,
    id: ActivityId,
) -> ServiceResult<(Plan, PlanActivity, Vec<PlanActivity>)> {
    let (found, activity) = find_to(conn, (user_id, Action::Edit), plan_id, id)?;
    let all = plan_activity::list_for_plan(conn, plan_id)?;
    Ok((found, activity, all))
}

/// What became of an edit of an activity.
#[derive(Debug)]
pub enum ActivitySaved {
    Saved(PlanActivity),
    /// The form's values were refused beside their fields; nothing was written.
    Invalid {
        plan: Plan,
        errors: FieldErrors,
    },
    /// Someone saved the activity since the form read it: the activity as it is now.
    Conflict {
        plan: Plan,
        current: Box<PlanActivity>,
    },
}

/// Saves an edit made over `version`. `validate` checks the form against the activity's
/// current metadata (keys the form does not show survive). A new day puts the activity at
/// the end of that day; otherwise it keeps its place.
pub fn update(
    conn: &mut PgConnection,
    user_id: UserId,
    (plan_id, id): (PlanId, ActivityId),
    version: Option<NaiveDateTime>,
    validate: impl FnOnce(Option<&serde_json::Value>) -> Result<NewPlanActivity, FieldErrors>,
) -> ServiceResult<ActivitySaved> {
    let found = access::plan(conn, user_id, plan_id, Action::Edit)?;
    let before = plan_activity::find_for_user(conn, found.owner_id(), plan_id, id)?;
    let mut row = match validate(before.metadata.as_ref()) {
        Ok(row) => row,
        Err(errors) => {
            return Ok(ActivitySaved::Invalid {
                plan: found.plan,
                errors,
            });
        }
    };
    row.order_index = if row.scheduled_date == before.scheduled_date {
        before.order()
    } else {
        plan_activity::next_order_index(conn, plan_id, row.scheduled_date)?
    };
    let saved = match version {
        Some(version) => plan_activity::update_versioned(conn, plan_id, id, version, &row)?,
        None => None,
    };
    let Some(saved) = saved else {
        return Ok(ActivitySaved::Conflict {
            plan: found.plan,
            current: Box::new(before),
        });
    };
    if saved.scheduled_date != before.scheduled_date {
        plan_activity::renumber_day(conn, plan_id, before.scheduled_date, &[])?;
    }
    history::record(conn, history::activity_edited(user_id, &before, &saved))?;
    Ok(ActivitySaved::Saved(saved))
}

/// Deletes an activity, keeping a copy for "Undo", and closes the gap in its day.
pub fn delete(
    conn: &mut PgConnection,
    user_id: UserId,
    plan_id: PlanId,
    id: ActivityId,
) -> ServiceResult<Deleted> {
    let found = access::plan(conn, user_id, plan_id, Action::Edit)?;
    let activity = plan_activity::find_for_user(conn, found.owner_id(), plan_id, id)?;
    let undo = deleted_item::keep_activity(conn, user_id, plan_id, id)?;
    plan_activity::delete(conn, plan_id, id)?;
    plan_activity::renumber_day(conn, plan_id, activity.scheduled_date, &[])?;
    history::record(conn, history::activity_deleted(user_id, &activity))?;
    Ok(Deleted {
        plan: found.plan,
        activity,
        undo,
    })
}

/// An activity just deleted, and how to undo that (`services::undo`).
#[derive(Debug)]
pub struct Deleted {
    pub plan: Plan,
    pub activity: PlanActivity,
    pub undo: DeletedItemId,
}

/// Ticks an activity off, or back on; the day it is on.
pub fn toggle(
    conn: &mut PgConnection,
    user_id: UserId,
    plan_id: PlanId,
    id: ActivityId,
) -> ServiceResult<Option<NaiveDate>> {
    let found = access::plan(conn, user_id, plan_id, Action::Edit)?;
    let activity = plan_activity::find_for_user(conn, found.owner_id(), plan_id, id)?;
    plan_activity::toggle_completed(conn, plan_id, id)?;
    let done = !activity.completed();
    history::record(conn, history::activity_toggled(user_id, &activity, done))?;
    Ok(activity.scheduled_date)
}

/// Where an activity moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// One place earlier in its day.
    Up,
    /// One place later in its day.
    Down,
    /// To the end of another day (`None`: not scheduled).
    ToDay(Option<NaiveDate>),
}

/// Moves an activity; the day it is on afterwards. Moving past either end of its day
/// leaves it where it is.
pub fn move_activity(
    conn: &mut PgConnection,
    user_id: UserId,
    plan_id: PlanId,
    id: ActivityId,
    to: Move,
) -> ServiceResult<Option<NaiveDate>> {
    let found = access::plan(conn, user_id, plan_id, Action::Edit)?;
    let activity = plan_activity::find_for_user(conn, found.owner_id(), plan_id, id)?;
    let day = activity.scheduled_date;
    let up = match to {
        Move::ToDay(date) => {
            if date != day {
                plan_activity::move_to_day(conn, plan_id, id, date)?;
                plan_activity::renumber_day(conn, plan_id, day, &[])?;
                let change = history::activity_moved(user_id, &activity, MovedTo::Day(date));
                history::record(conn, change)?;
            }
            return Ok(date);
        }
        Move::Up => true,
        Move::Down => false,
    };
    let mut order: Vec<ActivityId> = plan_activity::list_for_plan(conn, plan_id)?
        .into_iter()
        .filter(|a| a.scheduled_date == day)
        .map(|a| a.id)
        .collect();
    if let Some(i) = order.iter().position(|x| *x == id) {
        let j = if up {
            i.checked_sub(1)
        } else {
            Some(i + 1).filter(|j| *j < order.len())
        };
        if let Some(j) = j {
            order.swap(i, j);
            let to = if up { MovedTo::Earlier } else { MovedTo::Later };
            history::record(conn, history::activity_moved(user_id, &activity, to))?;
        }
    }
    plan_activity::renumber_day(conn, plan_id, day, &order)?;
    Ok(day)
}

/// Drag and drop: `ids` become `date`'s order, in one go; activities dragged in from another
/// day move to this one. An id that is not one of the plan's activities is `NotFound`.
pub fn reorder_day(
    conn: &mut PgConnection,
    user_id: UserId,
    plan_id: PlanId,
    date: Option<NaiveDate>,
    ids: &[ActivityId],
) -> ServiceResult<()> {
    access::plan(conn, user_id, plan_id, Action::Edit)?;
    let activities = plan_activity::list_for_plan(conn, plan_id)?;
    for id in ids {
        let Some(activity) = activities.iter().find(|a| a.id == *id) else {
            return Err(diesel::result::Error::NotFound.into());
        };
        if activity.scheduled_date != date {
            plan_activity::move_to_day(conn, plan_id, *id, date)?;
            plan_activity::renumber_day(conn, plan_id, activity.scheduled_date, &[])?;
            let change = history::activity_moved(user_id, activity, MovedTo::Day(date));
            history::record(conn, change)?;
        }
    }
    plan_activity::renumber_day(conn, plan_id, date, ids)?;
    history::record(conn, history::activities_reordered(user_id, plan_id, date))
}

/// A booking kept in the plan's details from before bookings were activities.
#[derive(Debug, Clone)]
pub enum KeptBooking {
    /// The accommodation's booking (name, address, confirmation, check-in and -out).
    Stay,
    /// The `index`th of a list: flights, hotels or activities.
    Listed { kind: String, index: usize },
}

/// What became of moving a kept booking into the itinerary.
#[derive(Debug)]
pub enum BookingMoved {
    Moved(PlanActivity),
    /// Nothing was written: there is no such booking, or its fields do not make an
    /// activity (the message says which).
    Refused(Plan, String),
    /// Someone saved the plan since the page was read.
    Conflict(Plan),
}

/// Moves a kept booking into the itinerary as an activity with its booking details: the
/// activity is added and the booking taken out of the plan's details in one transaction,
/// under the plan's version, so a booking is never in both places or in neither.
pub fn move_booking(
    conn: &mut PgConnection,
    user_id: UserId,
    plan_id: PlanId,
    version: Option<NaiveDateTime>,
    which: KeptBooking,
) -> ServiceResult<BookingMoved> {
    let mut row = None;
    let edit = (user_id, DataEdit::Unrecorded);
    let saved = plans::update_data_as(conn, edit, plan_id, version, |plan| {
        let mut data = PlanData::from_value(plan.plan_data.as_ref());
        let (input, kept) = match &which {
            KeptBooking::Stay => data.take_stay().map(|(kind, stay)| {
                let kept = ActivityInput::kept_keys(&stay.extra);
                (ActivityInput::from_stay(kind.as_deref(), &stay), kept)
            }),
            KeptBooking::Listed { kind, index } => data.take_booking(kind, *index).map(|b| {
                let kept = ActivityInput::kept_keys(&b.extra);
                (ActivityInput::from_booking(kind, &b), kept)
            }),
        }
        .ok_or_else(|| "There is no such booking (it may have been moved already).".to_string())?;
        let valid = input.validate(Some(&kept)).map_err(|errors| {
            let problems: Vec<String> = errors.iter().map(|(f, m)| format!("{f}: {m}")).collect();
            format!(
                "This booking cannot become an activity ({}).",
                problems.join(" ")
            )
        })?;
        row = Some(NewPlanActivity::from_valid(plan_id, 0, valid));
        Ok(data.to_value())
    })?;
    Ok(match (saved, row) {
        (DataSaved::Saved(_), Some(row)) => BookingMoved::Moved(create(conn, user_id, row)?),
        (DataSaved::Saved(plan), None) => {
            BookingMoved::Refused(plan, "There is no such booking.".into())
        }
        (DataSaved::Invalid(plan, message), _) => BookingMoved::Refused(plan, message),
        (DataSaved::Conflict(plan), _) => BookingMoved::Conflict(plan),
    })
}
