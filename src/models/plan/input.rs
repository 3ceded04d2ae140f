//! A stored plan as the forms hold it: the conversions from `plans` rows to the domain's
//! values live beside the table, so the domain knows nothing of rows. New rows are built
//! in one place, `services::plans::new_draft`.

use crate::domain::PlanStatus;
use crate::domain::money::display;
use crate::domain::plan::{PlanInput, Visibility};
use crate::models::plan::Plan;

impl PlanInput {
    /// A stored plan as the edit form shows it.
    pub fn from_plan(p: &Plan) -> Self {
        PlanInput {
            title: p.title.clone(),
            description: p.description.clone().unwrap_or_default(),
            destination: p.destination.clone().unwrap_or_default(),
            start_date: p.start_date.map(|d| d.to_string()).unwrap_or_default(),
            end_date: p.end_date.map(|d| d.to_string()).unwrap_or_default(),
            budget: p.budget.as_ref().map(display).unwrap_or_default(),
            currency: p.currency_or_default().to_string(),
        }
    }
}

impl Visibility {
    /// What a stored plan's columns mean (older rows may hold any combination).
    pub fn of(plan: &Plan) -> Visibility {
        Visibility::from_columns(
            plan.share_token.is_some(),
            plan.public() && plan.status_or_default() == PlanStatus::Published,
        )
    }
}
