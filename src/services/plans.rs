//! A traveller's own plans: create, edit, archive, copy, delete.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::domain::ids::{ActivityId, DeletedItemId, PlanId, UserId};
use serde_json::Value;

use crate::domain::PlanStatus;
use crate::domain::checked::CheckedPlan;
use crate::domain::plan::ValidPlan;
use crate::domain::plan_data::PlanData;
use crate::models::deleted_item;
use crate::models::plan::{self, NewPlan, Plan, PlanChanges};
use crate::models::plan_activity::{self, PlanActivity};
use crate::models::plan_change::{self, ChangeListing};
use crate::models::plan_page::{self, ActivityChange, OnTrip};
use crate::services::ServiceResult;
use crate::services::access::{self, Action, PlanAccess};
use crate::services::history::{self, action};

/// What became of an edit made against a version of a row.
#[derive(Debug)]
pub enum Saved<T> {
    Saved(T),
    /// Someone saved the row since that version (or no version came): the row as it is now.
    Conflict(T),
}

/// Every new plan starts here: a private draft of `owner`, without a link.
pub fn new_draft(owner: UserId, plan: ValidPlan, plan_data: Value) -> NewPlan {
    NewPlan {
        user_id: owner,
        title: plan.title,
        description: plan.description,
        destination: plan.destination,
        start_date: plan.start_date,
        end_date: plan.end_date,
        budget: plan.budget,
        currency: plan.currency,
        status: PlanStatus::Draft,
        plan_data,
        is_public: false,
    }
}

/// A new draft from the plan form; `destination_at` (latitude, longitude) locates its
/// destination and gives the plan that place's time zone.
pub fn create(
    conn: &mut PgConnection,
    owner: UserId,
    fields: ValidPlan,
    destination_at: Option<(f64, f64)>,
) -> QueryResult<Plan> {
    let mut data = PlanData::default();
    data.locate_destination(destination_at);
    plan::insert(conn, &new_draft(owner, fields, data.to_value()))
}

/// A checked plan with its activities (an import or a copy) as a new draft of `owner`.
pub fn create_with_activities(
    conn: &mut PgConnection,
    owner: UserId,
    checked: CheckedPlan,
) -> QueryResult<Plan> {
    let new_plan = new_draft(owner, checked.plan, checked.plan_data);
    plan::insert_with_activities(conn, &new_plan, checked.activities, &checked.completed)
}

/// The plan and its activities, for whoever may read it, or (`Action::Edit`) for a form
/// that changes them.
pub fn read_with_activities(
    conn: &mut PgConnection,
    user_id: UserId,
    id: PlanId,
    action: Action,
) -> ServiceResult<(Plan, Vec<PlanActivity>)> {
    let found = access::form(conn, user_id, id, action)?.plan;
    let activities = plan_activity::list_for_plan(conn, id)?;
    Ok((found, activities))
}

/// Everything the plan page shows besides the plan's own rows: who is on the trip, who
/// last changed each activity, and the plan's latest change. A constant number of
/// statements, whatever the number of activities, changes or members.
#[derive(Debug)]
pub struct PlanPage {
    pub access: PlanAccess,
    pub activities: Vec<PlanActivity>,
    pub activity_changes: Vec<ActivityChange>,
    /// The owner, then the first `ON_TRIP_SHOWN` members.
    pub on_trip: Vec<OnTrip>,
    /// How many members the plan has in all.
    pub members: i64,
    pub latest: Option<ChangeListing>,
    /// Changes by others since the reader's page showed the plan as of `seen`: how many,
    /// and the newest.
    pub by_others_since_seen: Option<(i64, ChangeListing)>,
}

/// Members named on the plan page; the members page lists them all.
pub const ON_TRIP_SHOWN: i64 = 20;

/// The plan page's reads, for whoever may read the plan; `seen`, when the reader comes back
/// from a form of the page, is the time of the newest change that page showed.
pub fn read_page(
    conn: &mut PgConnection,
    user_id: UserId,
    id: PlanId,
    seen: Option<DateTime<Utc>>,
) -> ServiceResult<PlanPage> {
    let access = access::plan(conn, user_id, id, Action::Read)?;
    let activities = plan_activity::list_for_plan(conn, id)?;
    let ids: Vec<ActivityId> = activities.iter().map(|a| a.id).collect();
    let activity_changes = plan_page::last_change_of_activities(conn, id, &ids)?;
    let (on_trip, members) = plan_page::on_trip(conn, id, ON_TRIP_SHOWN)?;
    let latest = plan_change::latest_for_plan(conn, id)?;
    let by_others_since_seen = match seen {
        Some(seen) => plan_change::by_others_since(conn, id, user_id, seen)?,
        None => None,
    };
    Ok(PlanPage {
        access,
        activities,
        activity_changes,
        on_trip,
        members,
        latest,
        by_others_since_seen,
    })
}

/// Saves the plan's own fields over `version` (as the form read it).
pub fn update(
    conn: &mut PgConnection,
    user_id: UserId,
    id: PlanId,
    version: Option<NaiveDateTime>,
    changes: &PlanChanges,
) -> ServiceResult<Saved<Plan>> {
    let before = access::plan(conn, user_id, id, Action::Edit)?;
    let Some(version) = version else {
        return Ok(Saved::Conflict(before.plan));
    };
    Ok(
        match plan::update_versioned(conn, before.owner_id(), id, version, changes)? {
            Some(saved) => {
                history::record(conn, history::plan_edited(user_id, &before.plan, &saved))?;
                Saved::Saved(saved)
            }
            None => Saved::Conflict(before.plan),
        },
    )
}

/// What the plan form says of where the destination is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DestinationAt {
    /// The form did not say: as it was.
    Unchanged,
    /// Its coordinates were cleared.
    Nowhere,
    /// (latitude, longitude).
    At(f64, f64),
}

/// `update`, then, once saved, the destination's coordinates (and, for a plan without a
/// time zone, the zone found there) into `plan_data`, in the same transaction.
pub fn update_with_destination(
    conn: &mut PgConnection,
    user_id: UserId,
    id: PlanId,
    version: Option<NaiveDateTime>,
    changes: &PlanChanges,
    destination: DestinationAt,
) -> ServiceResult<Saved<Plan>> {
    let saved = match update(conn, user_id, id, version, changes)? {
        Saved::Saved(saved) => saved,
        conflict => return Ok(conflict),
    };
    let at = match destination {
        DestinationAt::Unchanged => return Ok(Saved::Saved(saved)),
        DestinationAt::Nowhere => None,
        DestinationAt::At(latitude, longitude) => Some((latitude, longitude)),
    };
    let mut data = PlanData::from_value(saved.plan_data.as_ref());
    data.locate_destination(at);
    let data = data.to_value();
    if Some(&data) == saved.plan_data.as_ref() {
        return Ok(Saved::Saved(saved));
    }
    let Some(version) = saved.updated_at else {
        return Ok(Saved::Saved(saved));
    };
    // The row is ours and locked since `update`: this matches the version just written.
    Ok(
        match plan::update_data_versioned(conn, saved.user_id, id, version, &data)? {
            Some(located) => Saved::Saved(located),
            None => Saved::Saved(saved),
        },
    )
}

/// What became of an edit of the plan's details (`plan_data`).
#[derive(Debug)]
pub enum DataSaved<E> {
    Saved(Plan),
    /// The change was refused (`E` says why) and nothing was written: the plan as it is.
    Invalid(Plan, E),
    /// Someone saved the plan since `version`: the plan as it is now.
    Conflict(Plan),
}

/// Which of the plan's details an edit of `plan_data` is, for its history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataEdit {
    /// The trip details form (and any edit that says no more).
    Details,
    /// The raw JSON editor.
    Raw,
    /// A kept booking was taken out.
    BookingRemoved,
    /// A part of a bigger change that records itself (a kept booking moved into the
    /// itinerary is recorded as the activity it became).
    Unrecorded,
}

/// Replaces the plan's `plan_data` over `version` with what `change` makes of the current
/// plan; an `Err` from `change` refuses the edit. Recorded as a change of the trip details.
pub fn update_data<E>(
    conn: &mut PgConnection,
    user_id: UserId,
    id: PlanId,
    version: Option<NaiveDateTime>,
    change: impl FnOnce(&Plan) -> Result<Value, E>,
) -> ServiceResult<DataSaved<E>> {
    update_data_as(conn, (user_id, DataEdit::Details), id, version, change)
}

/// `update_data`, recorded in the plan's history as `edit`.
pub fn update_data_as<E>(
    conn: &mut PgConnection,
    (user_id, edit): (UserId, DataEdit),
    id: PlanId,
    version: Option<NaiveDateTime>,
    change: impl FnOnce(&Plan) -> Result<Value, E>,
) -> ServiceResult<DataSaved<E>> {
    let before = access::plan(conn, user_id, id, Action::Edit)?;
    let data = match change(&before.plan) {
        Ok(data) => data,
        Err(e) => return Ok(DataSaved::Invalid(before.plan, e)),
    };
    let Some(version) = version else {
        return Ok(DataSaved::Conflict(before.plan));
    };
    Ok(
        match plan::update_data_versioned(conn, before.owner_id(), id, version, &data)? {
            Some(saved) => {
                let (what, summary) = match edit {
                    DataEdit::Details => (action::DETAILS_EDITED, "Changed the trip details"),
                    DataEdit::Raw => (action::DATA_EDITED, "Edited the plan's raw data"),
                    DataEdit::BookingRemoved => (action::BOOKING_REMOVED, "Removed a booking"),
                    DataEdit::Unrecorded => return Ok(DataSaved::Saved(saved)),
                };
                history::record(conn, history::plan(user_id, id, what, summary))?;
                DataSaved::Saved(saved)
            }
            None => DataSaved::Conflict(before.plan),
        },
    )
}

/// Where a plan stands in its owner's workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workflow {
    Archive,
    Restore,
}

/// Archives a plan (taking it off Explore) or brings it back as a draft.
pub fn set_workflow(
    conn: &mut PgConnection,
    user_id: UserId,
    id: PlanId,
    to: Workflow,
) -> ServiceResult<()> {
    let found = access::plan(conn, user_id, id, Action::Manage)?;
    let (status, summary) = match to {
        Workflow::Archive => (PlanStatus::Archived, "Archived the plan"),
        Workflow::Restore => (PlanStatus::Draft, "Brought the plan back from the archive"),
    };
    plan::set_status(conn, found.owner_id(), id, status)?;
    let change = history::plan(user_id, id, action::STATUS_CHANGED, summary);
    history::record(conn, change)
}

/// Deletes the plan and its activities, keeping a copy for "Undo"; the copy's id.
pub fn delete(
    conn: &mut PgConnection,
    user_id: UserId,
    id: PlanId,
) -> ServiceResult<DeletedItemId> {
    let found = access::plan(conn, user_id, id, Action::Manage)?;
    let undo = deleted_item::keep_plan(conn, user_id, id)?;
    plan::delete_for_user(conn, found.owner_id(), id)?;
    Ok(undo)
}
