//! A new plan with its activities, every value checked by the rules the forms use: what an
//! import, a duplicate and a copy of a shared plan insert. A row the forms would refuse (a
//! date in the year 262142, a 300-character title, oversized data) is refused here too,
//! with the list of what is wrong, and nothing is written.

use serde_json::Value;

use crate::domain::FieldErrors;
use crate::domain::activity::{ActivityInput, ValidActivity};
use crate::domain::plan::{PlanInput, ValidPlan};
use crate::domain::plan_data::check_raw;

/// The most activities one plan may bring along.
pub const MAX_ACTIVITIES: usize = 2_000;

/// Problems shown in full; the rest are counted.
const MAX_LISTED: usize = 20;

/// What is wrong, one sentence per problem, each saying where.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Problems(Vec<String>);

impl Problems {
    pub fn one(message: impl Into<String>) -> Self {
        Problems(vec![message.into()])
    }

    pub fn push(&mut self, message: impl Into<String>) {
        self.0.push(message.into());
    }

    /// A form's errors, each as "Place: Field: message".
    pub fn add_fields(&mut self, place: Option<&str>, errors: &FieldErrors) {
        for (field, message) in errors.iter() {
            let field = label(field);
            self.0.push(match place {
                Some(place) => format!("{place}: {field}: {message}"),
                None => format!("{field}: {message}"),
            });
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The first problems, and how many more there are.
    pub fn lines(&self) -> Vec<String> {
        let mut lines: Vec<String> = self.0.iter().take(MAX_LISTED).cloned().collect();
        if self.0.len() > MAX_LISTED {
            lines.push(format!(
                "… and {} more problems.",
                self.0.len() - MAX_LISTED
            ));
        }
        lines
    }

    /// Every problem, in full.
    pub fn into_lines(self) -> Vec<String> {
        self.0
    }

    /// The lines as one paragraph, for an error page.
    pub fn sentence(&self) -> String {
        self.lines().join(" ")
    }
}

/// A form field's name as the form labels it.
pub fn label(field: &str) -> &str {
    match field {
        "title" => "Title",
        "description" => "Description",
        "destination" => "Destination",
        "start_date" => "Start date",
        "end_date" => "End date",
        "budget" => "Budget",
        "currency" => "Currency",
        "activity_type" => "Type",
        "location_name" => "Place",
        "address" => "Address",
        "latitude" => "Latitude",
        "longitude" => "Longitude",
        "scheduled_date" => "Date",
        "start_time" => "Start time",
        "end_time" => "End time",
        "duration_minutes" => "Duration",
        "estimated_cost" => "Estimated cost",
        "actual_cost" => "Actual cost",
        "confirmation_number" => "Confirmation number",
        "provider" => "Provider",
        "cancellation_policy" => "Cancellation policy",
        "phone" => "Phone",
        "website" => "Website",
        "email" => "E-mail",
        "rating" => "Rating",
        "tags" => "Tags",
        "metadata" => "Extra data",
        other => other,
    }
}

/// One activity to check: where it came from (for messages), its fields as the form
/// holds them, the metadata they merge into, its position, and whether it is done.
#[derive(Debug, Clone)]
pub struct ActivityRow {
    pub place: String,
    pub input: ActivityInput,
    pub metadata: Value,
    pub order_index: i32,
    pub completed: bool,
}

/// A checked new plan, ready to insert as a private draft.
#[derive(Debug)]
pub struct CheckedPlan {
    pub plan: ValidPlan,
    pub plan_data: Value,
    /// Each with its position; the plan's id is given once the plan exists.
    pub activities: Vec<(i32, ValidActivity)>,
    /// Positions in `activities` of those that are done.
    pub completed: Vec<usize>,
}

impl CheckedPlan {
    /// Checks every part; all problems are listed, not only the first.
    pub fn check(
        plan: &PlanInput,
        plan_data: Value,
        rows: Vec<ActivityRow>,
    ) -> Result<CheckedPlan, Problems> {
        let mut problems = Problems::default();
        let valid = match plan.validate() {
            Ok(valid) => Some(valid),
            Err(errors) => {
                problems.add_fields(None, &errors);
                None
            }
        };
        if let Err(e) = check_raw(&plan_data) {
            problems.push(format!("Plan data: {e}"));
        }
        if rows.len() > MAX_ACTIVITIES {
            problems.push(format!(
                "A plan can have at most {MAX_ACTIVITIES} activities; this one has {}.",
                rows.len()
            ));
            return Err(problems);
        }
        let mut activities = Vec::with_capacity(rows.len());
        let mut completed = Vec::new();
        for row in rows {
            match row.input.validate(Some(&row.metadata)) {
                Ok(activity) => {
                    if row.completed {
                        completed.push(activities.len());
                    }
                    activities.push((row.order_index, activity));
                }
                Err(errors) => problems.add_fields(Some(&row.place), &errors),
            }
        }
        match valid {
            Some(plan) if problems.is_empty() => Ok(CheckedPlan {
                plan,
                plan_data,
                activities,
                completed,
            }),
            _ => Err(problems),
        }
    }
}

/// A title short enough to name an activity in a message.
pub fn short(title: &str) -> String {
    let mut out: String = title.chars().take(40).collect();
    if title.chars().count() > 40 {
        out.push('…');
    }
    format!("“{out}”")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(input: ActivityInput) -> ActivityRow {
        ActivityRow {
            place: "Activity 1".into(),
            input,
            metadata: serde_json::json!({}),
            order_index: 0,
            completed: false,
        }
    }

    #[test]
    fn every_problem_is_listed_with_its_place() {
        let plan = PlanInput {
            title: "t".repeat(201),
            start_date: "+262142-12-31".into(),
            ..PlanInput::default()
        };
        let bad = ActivityInput {
            title: String::new(),
            scheduled_date: "2201-01-01".into(),
            ..ActivityInput::default()
        };
        let problems =
            CheckedPlan::check(&plan, serde_json::json!([]), vec![row(bad)]).unwrap_err();
        let text = problems.sentence();
        for expected in [
            "Title: At most 200 characters.",
            "Start date: Enter a date between the years 1900 and 2200.",
            "Plan data: The data must be a JSON object",
            "Activity 1: Title: Enter a title.",
            "Activity 1: Date: Enter a date between the years 1900 and 2200.",
        ] {
            assert!(text.contains(expected), "{expected:?} in {text:?}");
        }
    }

    #[test]
    fn a_long_list_is_cut_and_counted() {
        let plan = PlanInput {
            title: "Trip".into(),
            ..PlanInput::default()
        };
        let rows = (0..25)
            .map(|_| row(ActivityInput::default()))
            .collect::<Vec<_>>();
        let problems = CheckedPlan::check(&plan, serde_json::json!({}), rows).unwrap_err();
        assert_eq!(problems.len(), 25);
        let lines = problems.lines();
        assert_eq!(lines.len(), 21);
        assert_eq!(lines[20], "… and 5 more problems.");
    }
}
