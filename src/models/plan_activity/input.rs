//! A stored activity as the forms hold it, and checked values as the row to write: the
//! conversions between `plan_activities` rows and the domain's values live beside the
//! table, so the domain knows nothing of rows.

use bigdecimal::BigDecimal;
use serde_json::Value;

use crate::domain::Coordinates;
use crate::domain::activity::{ActivityInput, Metadata, ValidActivity, time_text};
use crate::domain::checked::{ActivityRow, CheckedPlan, Problems, short};
use crate::domain::ids::PlanId;
use crate::domain::money::display;
use crate::domain::plan::PlanInput;
use crate::models::plan_activity::{NewPlanActivity, PlanActivity};

fn money_text(v: &Option<BigDecimal>) -> String {
    v.as_ref().map(display).unwrap_or_default()
}

impl ActivityInput {
    /// A stored activity as the edit form shows it.
    pub fn from_activity(a: &PlanActivity) -> Self {
        let coordinate = |v: &Option<BigDecimal>| {
            v.as_ref()
                .map(|v| v.normalized().to_string())
                .unwrap_or_default()
        };
        ActivityInput {
            title: a.title.clone(),
            description: a.description.clone().unwrap_or_default(),
            activity_type: a.activity_type.clone().unwrap_or_default(),
            location_name: a.location_name.clone().unwrap_or_default(),
            address: a.address.clone().unwrap_or_default(),
            latitude: coordinate(&a.latitude),
            longitude: coordinate(&a.longitude),
            scheduled_date: a.scheduled_date.map(|d| d.to_string()).unwrap_or_default(),
            start_time: a.start_time.map(time_text).unwrap_or_default(),
            end_time: a.end_time.map(time_text).unwrap_or_default(),
            duration_minutes: a
                .duration_minutes
                .map(|d| d.to_string())
                .unwrap_or_default(),
            estimated_cost: money_text(&a.estimated_cost),
            actual_cost: money_text(&a.actual_cost),
            ..ActivityInput::default()
        }
        .with_metadata(&Metadata::from_value(a.metadata.as_ref()))
    }
}

impl NewPlanActivity {
    /// The row for checked values, at `order_index` in the plan `plan_id`.
    pub fn from_valid(plan_id: PlanId, order_index: i32, v: ValidActivity) -> NewPlanActivity {
        let (latitude, longitude) = v.coordinates.map(Coordinates::into_parts).unzip();
        NewPlanActivity {
            plan_id,
            title: v.title,
            description: v.description,
            activity_type: v.activity_type,
            location_name: v.location_name,
            latitude,
            longitude,
            address: v.address,
            scheduled_date: v.scheduled_date,
            start_time: v.start_time,
            end_time: v.end_time,
            duration_minutes: v.duration_minutes,
            estimated_cost: v.estimated_cost,
            actual_cost: v.actual_cost,
            order_index,
            metadata: v.metadata,
        }
    }
}

impl CheckedPlan {
    /// A copy of stored rows (a duplicate, or what a reader of a shared plan sees), with
    /// nothing done yet.
    pub fn copy(
        plan: &PlanInput,
        plan_data: Value,
        activities: &[PlanActivity],
    ) -> Result<CheckedPlan, Problems> {
        let rows = activities
            .iter()
            .enumerate()
            .map(|(i, a)| ActivityRow {
                place: format!("Activity {} ({})", i + 1, short(&a.title)),
                input: ActivityInput::from_activity(a),
                metadata: a.metadata.clone().unwrap_or_else(|| serde_json::json!({})),
                order_index: a.order(),
                completed: false,
            })
            .collect();
        CheckedPlan::check(plan, plan_data, rows)
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveTime;

    use super::*;
    use crate::domain::ids::{ActivityId, PlanId};

    #[test]
    fn an_activity_read_back_as_the_form_validates_to_the_same_row() {
        let input = ActivityInput {
            title: "Boat".into(),
            scheduled_date: "2026-07-02".into(),
            start_time: "10:00:30".into(),
            estimated_cost: "4.5".into(),
            latitude: "38.7".into(),
            longitude: "-9.14".into(),
            confirmation_number: "B-1".into(),
            rating: "4".into(),
            tags: "sea, sun".into(),
            ..ActivityInput::default()
        };
        let extra = serde_json::json!({"parking": true});
        let row = input.validate(Some(&extra)).unwrap();
        assert_eq!(row.metadata["parking"], true, "unknown keys survive");
        assert_eq!(row.start_time, NaiveTime::from_hms_opt(10, 0, 30));
        let stored = PlanActivity {
            id: ActivityId(1),
            plan_id: PlanId(1),
            title: row.title.clone(),
            description: None,
            activity_type: None,
            location_name: None,
            latitude: row.coordinates.as_ref().map(|c| c.latitude().clone()),
            longitude: row.coordinates.as_ref().map(|c| c.longitude().clone()),
            address: None,
            scheduled_date: row.scheduled_date,
            start_time: row.start_time,
            end_time: None,
            duration_minutes: None,
            estimated_cost: row.estimated_cost.clone(),
            actual_cost: None,
            order_index: Some(0),
            is_completed: None,
            metadata: Some(row.metadata.clone()),
            created_at: None,
            updated_at: None,
        };
        let again = ActivityInput::from_activity(&stored)
            .validate(stored.metadata.as_ref())
            .unwrap();
        assert_eq!(again.metadata, row.metadata);
        assert_eq!(again.start_time, row.start_time);
        assert_eq!(again.estimated_cost, row.estimated_cost);
    }
}
