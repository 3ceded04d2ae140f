//! A stored plan as the forms hold it, and checked values as the row to insert: the
//! conversions between `plans` rows and the domain's values live beside the table, so the
//! domain knows nothing of rows.

use crate::domain::PlanStatus;
use crate::domain::checked::CheckedPlan;
use crate::domain::money::display;
use crate::domain::plan::{PlanInput, Visibility};
use crate::models::plan::{NewPlan, Plan};

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

impl NewPlan {
    /// The row to insert for `user_id`: a private draft, no link.
    pub fn from_checked(checked: &CheckedPlan, user_id: i32) -> NewPlan {
        NewPlan {
            user_id,
            title: checked.plan.title.clone(),
            description: checked.plan.description.clone(),
            destination: checked.plan.destination.clone(),
            start_date: checked.plan.start_date,
            end_date: checked.plan.end_date,
            budget: checked.plan.budget.clone(),
            currency: checked.plan.currency,
            status: PlanStatus::Draft,
            plan_data: checked.plan_data.clone(),
            is_public: false,
        }
    }
}
