//! Who can find a plan (only its owner, people with the link, everyone on Explore) and its
//! link: the rules of the owner's sharing section.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::domain::ids::{PlanId, UserId};

use crate::domain::plan::Visibility;
use crate::domain::plan_data::PlanData;
use crate::models::{plan, user};
use crate::services::ServiceResult;
use crate::services::access::{self, Action};
use crate::services::history::{self, action};

/// Makes a new link, replacing the old one (which stops working at once). Whether there was
/// one before.
pub fn renew_link(conn: &mut PgConnection, user_id: UserId, id: PlanId) -> ServiceResult<bool> {
    let found = access::plan(conn, user_id, id, Action::Manage)?;
    plan::set_share_token(conn, found.owner_id(), id, Some(&plan::new_share_token()))?;
    let renewed = found.plan.share_token.is_some();
    history::record(conn, history::share_link(user_id, id, renewed))?;
    Ok(renewed)
}

/// What became of a choice of who can find a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VisibilityChanged {
    Changed(Visibility),
    /// Listing on Explore needs a confirmed e-mail address: nothing changed.
    NeedsConfirmedEmail,
}

/// The one choice of who can find the plan. Only an account with a confirmed address may
/// list a plan on Explore (read here, from the database, never from the request).
pub fn set_visibility(
    conn: &mut PgConnection,
    user_id: UserId,
    id: PlanId,
    choice: Visibility,
) -> ServiceResult<VisibilityChanged> {
    let found = access::plan(conn, user_id, id, Action::Manage)?;
    if choice == Visibility::Public && !user::find(conn, user_id)?.verified() {
        return Ok(VisibilityChanged::NeedsConfirmedEmail);
    }
    plan::set_visibility(conn, found.owner_id(), id, choice)?;
    let from = Visibility::of(&found.plan);
    if let Some(change) = history::visibility_changed(user_id, id, from, choice) {
        history::record(conn, change)?;
    }
    Ok(VisibilityChanged::Changed(choice))
}

/// What link holders see, besides the itinerary.
#[derive(Debug, Clone)]
pub struct LinkOptions {
    pub show_costs: bool,
    pub show_bookings: bool,
    pub display_name: Option<String>,
}

/// Saves what link holders see, over `version`; `false` when someone saved the plan since.
pub fn set_link_options(
    conn: &mut PgConnection,
    user_id: UserId,
    id: PlanId,
    version: Option<NaiveDateTime>,
    options: LinkOptions,
) -> ServiceResult<bool> {
    let found = access::plan(conn, user_id, id, Action::Manage)?;
    let Some(version) = version else {
        return Ok(false);
    };
    let mut data = PlanData::from_value(found.plan.plan_data.as_ref());
    let mut sharing = data.sharing();
    sharing.show_costs = options.show_costs;
    sharing.show_bookings = options.show_bookings;
    sharing.display_name = options.display_name;
    data.sharing = Some(sharing);
    let saved = plan::update_data_versioned(conn, found.owner_id(), id, version, &data.to_value())?;
    if saved.is_some() {
        let summary = "Changed what people with the link see";
        let change = history::plan(user_id, id, action::SHARE_OPTIONS_CHANGED, summary);
        history::record(conn, change)?;
    }
    Ok(saved.is_some())
}
