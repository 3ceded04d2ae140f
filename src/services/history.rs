//! What goes into a plan's history (`plan_changes`): one short row per change, built here
//! and recorded by the service that made the change, in the same transaction, under the
//! acting user. The summaries are what the history page shows, so they read as sentences
//! with the acting user left out ("Changed dates, budget", "Moved “Louvre” to Fri 3 Jul").

use chrono::{DateTime, NaiveDate, Utc};
use diesel::PgConnection;

use crate::domain::ids::{ActivityId, PlanId, UserId};
use crate::domain::plan::Visibility;
use crate::models::plan::Plan;
use crate::models::plan_activity::PlanActivity;
use crate::models::plan_change::{self, ChangeListing, NewPlanChange};
use crate::models::{plan_member, plan_page};
use crate::services::access::{self, Action, PlanAccess, Role};
use crate::services::{ServiceError, ServiceResult};

/// The actions a change can be, as stored in `plan_changes.action`.
pub mod action {
    pub const PLAN_EDITED: &str = "plan_edited";
    pub const DETAILS_EDITED: &str = "details_edited";
    pub const DATA_EDITED: &str = "data_edited";
    pub const BOOKING_REMOVED: &str = "booking_removed";
    pub const STATUS_CHANGED: &str = "status_changed";
    pub const PLAN_RESTORED: &str = "plan_restored";
    pub const ACTIVITY_ADDED: &str = "activity_added";
    pub const ACTIVITY_EDITED: &str = "activity_edited";
    pub const ACTIVITY_MOVED: &str = "activity_moved";
    pub const ACTIVITIES_REORDERED: &str = "activities_reordered";
    pub const ACTIVITY_DELETED: &str = "activity_deleted";
    pub const ACTIVITY_COMPLETED: &str = "activity_completed";
    pub const ACTIVITY_REOPENED: &str = "activity_reopened";
    pub const ACTIVITY_RESTORED: &str = "activity_restored";
    pub const SHARE_LINK_CREATED: &str = "share_link_created";
    pub const SHARE_LINK_RENEWED: &str = "share_link_renewed";
    pub const SHARE_LINK_REVOKED: &str = "share_link_revoked";
    pub const SHARE_OPTIONS_CHANGED: &str = "share_options_changed";
    pub const VISIBILITY_CHANGED: &str = "visibility_changed";
}

/// Records `change` (see `models::plan_change::record`).
pub fn record(conn: &mut PgConnection, change: NewPlanChange) -> ServiceResult<()> {
    Ok(plan_change::record(conn, change)?)
}

fn change(
    (plan_id, user_id): (PlanId, UserId),
    activity_id: Option<ActivityId>,
    action: &'static str,
    summary: String,
) -> NewPlanChange {
    NewPlanChange {
        plan_id,
        user_id: Some(user_id),
        activity_id,
        action,
        summary,
    }
}

/// A change of the plan as a whole.
pub fn plan(
    by: UserId,
    plan_id: PlanId,
    action: &'static str,
    summary: impl Into<String>,
) -> NewPlanChange {
    change((plan_id, by), None, action, summary.into())
}

/// The plan's own fields were saved: which of them changed, by the names the plan form
/// gives them.
pub fn plan_edited(by: UserId, before: &Plan, after: &Plan) -> NewPlanChange {
    let summary = match changed_fields(before, after).as_slice() {
        [] => "Saved the plan's fields, unchanged".to_string(),
        fields => format!("Changed {}", fields.join(", ")),
    };
    plan(by, after.id, action::PLAN_EDITED, summary)
}

/// The plan form's fields that differ between two versions of the plan.
pub fn changed_fields(before: &Plan, after: &Plan) -> Vec<&'static str> {
    let mut fields = Vec::new();
    if before.title != after.title {
        fields.push("title");
    }
    if before.destination != after.destination {
        fields.push("destination");
    }
    if (before.start_date, before.end_date) != (after.start_date, after.end_date) {
        fields.push("dates");
    }
    if (&before.budget, before.currency.as_deref()) != (&after.budget, after.currency.as_deref()) {
        fields.push("budget");
    }
    if before.description != after.description {
        fields.push("description");
    }
    fields
}

/// An activity's change.
pub fn activity(
    by: UserId,
    activity: &PlanActivity,
    action: &'static str,
    summary: impl Into<String>,
) -> NewPlanChange {
    change(
        (activity.plan_id, by),
        Some(activity.id),
        action,
        summary.into(),
    )
}

/// "Fri 3 Jul 2026", or "no date".
pub fn day(date: Option<NaiveDate>) -> String {
    match date {
        Some(d) => d.format("%a %-d %b %Y").to_string(),
        None => "no date".into(),
    }
}

pub fn activity_added(by: UserId, added: &PlanActivity) -> NewPlanChange {
    let on = match added.scheduled_date {
        Some(_) => format!(" on {}", day(added.scheduled_date)),
        None => String::new(),
    };
    let summary = format!("Added “{}”{on}", added.title);
    activity(by, added, action::ACTIVITY_ADDED, summary)
}

pub fn activity_edited(by: UserId, before: &PlanActivity, after: &PlanActivity) -> NewPlanChange {
    let moved = match after.scheduled_date != before.scheduled_date {
        true => format!(", moved to {}", day(after.scheduled_date)),
        false => String::new(),
    };
    let summary = format!("Edited “{}”{moved}", after.title);
    activity(by, after, action::ACTIVITY_EDITED, summary)
}

pub fn activity_moved(by: UserId, moved: &PlanActivity, to: MovedTo) -> NewPlanChange {
    let summary = match to {
        MovedTo::Earlier => format!("Moved “{}” earlier in its day", moved.title),
        MovedTo::Later => format!("Moved “{}” later in its day", moved.title),
        MovedTo::Day(date) => format!("Moved “{}” to {}", moved.title, day(date)),
    };
    activity(by, moved, action::ACTIVITY_MOVED, summary)
}

/// Where an activity went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MovedTo {
    Earlier,
    Later,
    Day(Option<NaiveDate>),
}

pub fn activities_reordered(by: UserId, plan_id: PlanId, date: Option<NaiveDate>) -> NewPlanChange {
    let summary = match date {
        Some(_) => format!("Changed the order of {}", day(date)),
        None => "Changed the order of the activities without a date".to_string(),
    };
    plan(by, plan_id, action::ACTIVITIES_REORDERED, summary)
}

pub fn activity_deleted(by: UserId, deleted: &PlanActivity) -> NewPlanChange {
    let summary = format!("Deleted “{}”", deleted.title);
    activity(by, deleted, action::ACTIVITY_DELETED, summary)
}

/// Ticked off (`done`) or back on.
pub fn activity_toggled(by: UserId, toggled: &PlanActivity, done: bool) -> NewPlanChange {
    match done {
        true => activity(
            by,
            toggled,
            action::ACTIVITY_COMPLETED,
            format!("Marked “{}” as done", toggled.title),
        ),
        false => activity(
            by,
            toggled,
            action::ACTIVITY_REOPENED,
            format!("Marked “{}” as not done", toggled.title),
        ),
    }
}

pub fn activity_restored(
    by: UserId,
    plan_id: PlanId,
    id: ActivityId,
    title: &str,
) -> NewPlanChange {
    change(
        (plan_id, by),
        Some(id),
        action::ACTIVITY_RESTORED,
        format!("Brought back “{title}” after it was deleted"),
    )
}

/// A choice of who can find the plan, from `from` to `to` (nothing when it stays).
pub fn visibility_changed(
    by: UserId,
    plan_id: PlanId,
    from: Visibility,
    to: Visibility,
) -> Option<NewPlanChange> {
    Some(match (from, to) {
        _ if from == to => return None,
        (_, Visibility::Private) => plan(
            by,
            plan_id,
            action::SHARE_LINK_REVOKED,
            "Stopped sharing: the link no longer works",
        ),
        (_, to) => plan(
            by,
            plan_id,
            action::VISIBILITY_CHANGED,
            format!("Changed who can find the plan to “{}”", to.label()),
        ),
    })
}

/// A new share link; `renewed` when it replaced one.
pub fn share_link(by: UserId, plan_id: PlanId, renewed: bool) -> NewPlanChange {
    match renewed {
        true => plan(
            by,
            plan_id,
            action::SHARE_LINK_RENEWED,
            "Replaced the share link: the old one no longer works",
        ),
        false => plan(
            by,
            plan_id,
            action::SHARE_LINK_CREATED,
            "Created a share link",
        ),
    }
}

/// The plan's newest change after skipping the `skip` newest (a save's own): who changed
/// it before.
pub fn latest_before(
    conn: &mut PgConnection,
    plan_id: PlanId,
    skip: usize,
) -> ServiceResult<Option<ChangeListing>> {
    let newest = plan_change::page_for_plan(conn, plan_id, None, skip as i64 + 1)?;
    Ok(newest.into_iter().nth(skip))
}

/// One page of a plan's history: the changes, newest first, and whether there are older
/// ones.
#[derive(Debug)]
pub struct HistoryPage {
    pub access: PlanAccess,
    pub changes: Vec<ChangeListing>,
    /// The older changes start after the last one shown.
    pub more: bool,
    /// The activities named by the changes that are still in the plan.
    pub existing: Vec<ActivityId>,
    /// For a member: whether they get a digest of the others' changes.
    pub notify: Option<bool>,
}

/// Changes on a history page.
pub const PAGE_SIZE: i64 = 50;

/// The page of the plan's history before `before` (`(created_at, id)` of the last change
/// shown), for whoever may read the plan.
pub fn page(
    conn: &mut PgConnection,
    user_id: UserId,
    plan_id: PlanId,
    before: Option<(DateTime<Utc>, i64)>,
) -> ServiceResult<HistoryPage> {
    let access = access::plan(conn, user_id, plan_id, Action::Read)?;
    let mut changes = plan_change::page_for_plan(conn, plan_id, before, PAGE_SIZE + 1)?;
    let more = changes.len() as i64 > PAGE_SIZE;
    changes.truncate(PAGE_SIZE as usize);
    let mut named: Vec<ActivityId> = changes.iter().filter_map(|c| c.activity_id).collect();
    named.sort_unstable_by_key(|id| id.0);
    named.dedup();
    let existing = plan_page::existing_activities(conn, plan_id, &named)?;
    let notify = match access.role {
        Role::Owner => None,
        Role::Editor | Role::Viewer => Some(plan_page::notify_of(conn, plan_id, user_id)?),
    };
    Ok(HistoryPage {
        access,
        changes,
        more,
        existing,
        notify,
    })
}

/// A member's choice of a mail digest of the others' changes. The owner is no member and
/// has nothing to choose here (`Forbidden`); a stranger gets `NotFound`.
pub fn set_notify(
    conn: &mut PgConnection,
    user_id: UserId,
    plan_id: PlanId,
    notify: bool,
) -> ServiceResult<()> {
    let access = access::plan(conn, user_id, plan_id, Action::Read)?;
    if access.role == Role::Owner {
        return Err(ServiceError::Forbidden);
    }
    plan_member::set_notify(conn, plan_id, user_id, notify)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a_plan() -> Plan {
        Plan {
            id: PlanId(1),
            user_id: UserId(2),
            title: "Lisbon".into(),
            description: None,
            destination: Some("Lisbon".into()),
            start_date: NaiveDate::from_ymd_opt(2026, 7, 1),
            end_date: NaiveDate::from_ymd_opt(2026, 7, 5),
            budget: None,
            currency: Some("EUR".into()),
            status: None,
            plan_data: None,
            is_public: None,
            share_token: None,
            created_at: None,
            updated_at: None,
        }
    }

    #[test]
    fn a_plan_edit_names_the_fields_changed_in_the_forms_order() {
        let before = a_plan();
        let after = Plan {
            end_date: NaiveDate::from_ymd_opt(2026, 7, 6),
            budget: Some(100.into()),
            ..a_plan()
        };
        let change = plan_edited(UserId(3), &before, &after);
        assert_eq!(change.summary, "Changed dates, budget");
        assert_eq!(change.user_id, Some(UserId(3)));
        assert_eq!(change.action, action::PLAN_EDITED);
        assert_eq!(
            plan_edited(UserId(3), &before, &before).summary,
            "Saved the plan's fields, unchanged"
        );
    }

    #[test]
    fn visibility_records_only_a_change() {
        let (by, id) = (UserId(1), PlanId(1));
        assert!(visibility_changed(by, id, Visibility::Link, Visibility::Link).is_none());
        let revoked = visibility_changed(by, id, Visibility::Link, Visibility::Private).unwrap();
        assert_eq!(revoked.action, action::SHARE_LINK_REVOKED);
        let public = visibility_changed(by, id, Visibility::Link, Visibility::Public).unwrap();
        assert_eq!(public.action, action::VISIBILITY_CHANGED);
    }

    #[test]
    fn days_read_as_on_the_page() {
        assert_eq!(day(NaiveDate::from_ymd_opt(2026, 7, 3)), "Fri 3 Jul 2026");
        assert_eq!(day(None), "no date");
    }
}
