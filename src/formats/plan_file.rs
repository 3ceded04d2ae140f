//! The JSON file a plan is exported to and imported from. An import also takes the seed's
//! `plan_data` shape, whose `itinerary` array (days of activities) becomes activities.
//! Every imported value goes through the forms' own checks (`domain::checked`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::domain::activity::{ActivityInput, Metadata};
use crate::domain::checked::{ActivityRow, CheckedPlan, MAX_ACTIVITIES, Problems};
use crate::domain::money::display;
use crate::domain::plan::{PlanInput, optional_date};
use crate::models::plan::Plan;
use crate::models::plan_activity::PlanActivity;

pub const FORMAT: &str = "wayfare-plan";

#[derive(Debug, Serialize, Deserialize)]
pub struct PlanFile {
    pub format: String,
    pub version: u32,
    pub plan: PlanFields,
    #[serde(default)]
    pub activities: Vec<ActivityFields>,
}

/// Dates, times and amounts travel as text, and are read back by the forms' parsers, so a
/// bad one is named in a clear message rather than failing the whole file.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct PlanFields {
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub destination: Option<String>,
    #[serde(default)]
    pub start_date: Option<String>,
    #[serde(default)]
    pub end_date: Option<String>,
    /// Exact decimal as text.
    #[serde(default)]
    pub budget: Option<String>,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub plan_data: Value,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct ActivityFields {
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub activity_type: Option<String>,
    #[serde(default)]
    pub location_name: Option<String>,
    #[serde(default)]
    pub latitude: Option<String>,
    #[serde(default)]
    pub longitude: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub scheduled_date: Option<String>,
    #[serde(default)]
    pub start_time: Option<String>,
    #[serde(default)]
    pub end_time: Option<String>,
    #[serde(default)]
    pub duration_minutes: Option<i64>,
    #[serde(default)]
    pub estimated_cost: Option<String>,
    #[serde(default)]
    pub actual_cost: Option<String>,
    #[serde(default)]
    pub order_index: Option<i32>,
    #[serde(default)]
    pub is_completed: Option<bool>,
    #[serde(default)]
    pub metadata: Value,
}

pub fn export(plan: &Plan, activities: &[PlanActivity]) -> PlanFile {
    PlanFile {
        format: FORMAT.into(),
        version: 1,
        plan: PlanFields {
            title: plan.title.clone(),
            description: plan.description.clone(),
            destination: plan.destination.clone(),
            start_date: plan.start_date.map(|d| d.to_string()),
            end_date: plan.end_date.map(|d| d.to_string()),
            budget: plan.budget.as_ref().map(display),
            currency: plan.currency.clone(),
            status: plan.status.map(|s| s.to_string()),
            plan_data: plan
                .plan_data
                .clone()
                .unwrap_or_else(|| serde_json::json!({})),
        },
        activities: activities
            .iter()
            .map(|a| ActivityFields {
                title: a.title.clone(),
                description: a.description.clone(),
                activity_type: a.activity_type.clone(),
                location_name: a.location_name.clone(),
                latitude: a.latitude.as_ref().map(|v| v.normalized().to_string()),
                longitude: a.longitude.as_ref().map(|v| v.normalized().to_string()),
                address: a.address.clone(),
                scheduled_date: a.scheduled_date.map(|d| d.to_string()),
                start_time: a.start_time.map(|t| t.to_string()),
                end_time: a.end_time.map(|t| t.to_string()),
                duration_minutes: a.duration_minutes.map(i64::from),
                estimated_cost: a.estimated_cost.as_ref().map(display),
                actual_cost: a.actual_cost.as_ref().map(display),
                order_index: a.order_index,
                is_completed: a.is_completed,
                metadata: a.metadata.clone().unwrap_or_else(|| serde_json::json!({})),
            })
            .collect(),
    }
}

/// Reads an uploaded file: our export, or a seed-style plan_data object. Every problem is
/// listed; a file with any is imported not at all.
pub fn parse(bytes: &[u8]) -> Result<CheckedPlan, Problems> {
    // PostgreSQL text cannot hold NUL, which JSON can spell as \u0000.
    if bytes.windows(6).any(|w| w == b"\\u0000") {
        return Err(Problems::one(
            "The file contains a NUL character (\\u0000), which cannot be stored.",
        ));
    }
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| Problems::one(format!("The file is not valid JSON ({e}).")))?;
    let Value::Object(ref object) = value else {
        return Err(Problems::one("The file must hold a JSON object."));
    };
    if object.get("format").and_then(Value::as_str) == Some(FORMAT) {
        let file: PlanFile = serde_json::from_value(value)
            .map_err(|e| Problems::one(format!("The file is not a Wayfare plan export ({e}).")))?;
        return from_export(file);
    }
    from_seed_plan_data(value)
}

fn text(value: Option<String>) -> String {
    value.unwrap_or_default()
}

fn from_export(file: PlanFile) -> Result<CheckedPlan, Problems> {
    let p = file.plan;
    if file.activities.len() > MAX_ACTIVITIES {
        return Err(Problems::one(format!(
            "A plan can have at most {MAX_ACTIVITIES} activities."
        )));
    }
    let plan = PlanInput {
        title: p.title,
        description: text(p.description),
        destination: text(p.destination),
        start_date: text(p.start_date),
        end_date: text(p.end_date),
        budget: text(p.budget),
        currency: text(p.currency),
    };
    let mut problems = Problems::default();
    let mut plan_data = match p.plan_data {
        Value::Null => serde_json::json!({}),
        Value::Object(map) => Value::Object(map),
        _ => {
            problems.push("plan_data must be a JSON object.");
            serde_json::json!({})
        }
    };
    let mut rows = Vec::with_capacity(file.activities.len());
    for (i, a) in file.activities.into_iter().enumerate() {
        match activity_row(format!("Activity {}", i + 1), a) {
            Ok(row) => rows.push(row),
            Err(e) => problems.push(e),
        }
    }
    let itinerary = take_itinerary(&mut plan_data, &mut problems);
    rows.extend(itinerary);
    finish(plan, plan_data, rows, problems)
}

/// Checks everything, keeping the problems found while reading the file first.
fn finish(
    plan: PlanInput,
    plan_data: Value,
    rows: Vec<ActivityRow>,
    mut problems: Problems,
) -> Result<CheckedPlan, Problems> {
    match CheckedPlan::check(&plan, plan_data, rows) {
        Ok(checked) if problems.is_empty() => Ok(checked),
        Ok(_) => Err(problems),
        Err(more) => {
            for line in more.into_lines() {
                problems.push(line);
            }
            Err(problems)
        }
    }
}

/// One activity of an export, as the form would hold it.
fn activity_row(place: String, a: ActivityFields) -> Result<ActivityRow, String> {
    let metadata = match a.metadata {
        Value::Null => serde_json::json!({}),
        value @ Value::Object(_) => value,
        _ => return Err(format!("{place}: metadata must be a JSON object.")),
    };
    let meta: Metadata = serde_json::from_value(metadata.clone()).map_err(|e| {
        format!(
            "{place}: metadata: booking_info, contact_info, reviews and tags must have the \
             shape of an export ({e})."
        )
    })?;
    let input = ActivityInput {
        title: a.title,
        description: text(a.description),
        activity_type: text(a.activity_type),
        location_name: text(a.location_name),
        address: text(a.address),
        latitude: text(a.latitude),
        longitude: text(a.longitude),
        scheduled_date: text(a.scheduled_date),
        start_time: text(a.start_time),
        end_time: text(a.end_time),
        duration_minutes: a
            .duration_minutes
            .map(|d| d.to_string())
            .unwrap_or_default(),
        estimated_cost: text(a.estimated_cost),
        actual_cost: text(a.actual_cost),
        ..ActivityInput::default()
    }
    .with_metadata(&meta);
    Ok(ActivityRow {
        place,
        input,
        metadata,
        order_index: a.order_index.unwrap_or(0),
        completed: a.is_completed == Some(true),
    })
}

/// A seed-style plan_data object: its `itinerary` becomes activities; the rest is kept.
fn from_seed_plan_data(mut value: Value) -> Result<CheckedPlan, Problems> {
    let title = value
        .get("title")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| "Imported plan".into());
    if let Value::Object(map) = &mut value {
        map.remove("title");
    }
    let mut problems = Problems::default();
    let rows = take_itinerary(&mut value, &mut problems);
    // The trip runs from the first activity's day to the last one's.
    let dates: Vec<_> = rows
        .iter()
        .filter_map(|r| optional_date(&r.input.scheduled_date).ok().flatten())
        .collect();
    let plan = PlanInput {
        title,
        start_date: dates
            .iter()
            .min()
            .map(|d| d.to_string())
            .unwrap_or_default(),
        end_date: dates
            .iter()
            .max()
            .map(|d| d.to_string())
            .unwrap_or_default(),
        currency: "USD".into(),
        ..PlanInput::default()
    };
    finish(plan, value, rows, problems)
}

/// Moves a seed `itinerary` array out of plan_data into activity rows: activities are the
/// one source of truth for the itinerary.
fn take_itinerary(plan_data: &mut Value, problems: &mut Problems) -> Vec<ActivityRow> {
    let Some(itinerary) = plan_data
        .as_object_mut()
        .and_then(|m| m.remove("itinerary"))
    else {
        return Vec::new();
    };
    let Value::Array(days) = itinerary else {
        problems.push("itinerary must be a list of days.");
        return Vec::new();
    };
    let mut rows = Vec::new();
    for (d, day) in days.iter().enumerate() {
        let date = match day.get("date") {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(raw)) => raw.clone(),
            Some(_) => {
                problems.push(format!("Day {}: the date is not like 2025-09-01.", d + 1));
                continue;
            }
        };
        if let Err(e) = optional_date(&date) {
            problems.push(format!("Day {}: {e}", d + 1));
            continue;
        }
        let entries = day
            .get("activities")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for (i, entry) in entries.iter().enumerate() {
            let place = format!("Day {}, activity {}", d + 1, i + 1);
            let Some(title) = entry
                .get("activity")
                .or_else(|| entry.get("title"))
                .and_then(Value::as_str)
            else {
                problems.push(format!("{place}: it has no name (\"activity\")."));
                continue;
            };
            let field = |key: &str| match entry.get(key) {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                _ => String::new(),
            };
            rows.push(ActivityRow {
                input: ActivityInput {
                    title: title.to_string(),
                    location_name: field("location"),
                    scheduled_date: date.clone(),
                    start_time: field("time"),
                    duration_minutes: field("duration"),
                    estimated_cost: field("cost"),
                    ..ActivityInput::default()
                },
                place,
                metadata: serde_json::json!({}),
                order_index: i32::try_from(i).unwrap_or(i32::MAX),
                completed: false,
            });
        }
    }
    if rows.len() > MAX_ACTIVITIES {
        problems.push(format!(
            "A plan can have at most {MAX_ACTIVITIES} activities."
        ));
        rows.clear();
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_itinerary_becomes_activities() {
        let seed = br#"{"notes": "Book ahead", "itinerary": [{"day": 1, "date": "2025-09-01",
            "activities": [{"time": "09:00", "activity": "Museum visit", "location": "City Museum", "duration": 120, "cost": 15.00}]}]}"#;
        let import = parse(seed).unwrap();
        assert_eq!(import.activities.len(), 1);
        let (_, a) = &import.activities[0];
        assert_eq!(a.title, "Museum visit");
        assert_eq!(
            a.estimated_cost.as_ref().map(display).as_deref(),
            Some("15.00")
        );
        assert_eq!(a.duration_minutes, Some(120));
        assert!(import.plan_data.get("itinerary").is_none());
        assert_eq!(import.plan_data["notes"], "Book ahead");
        assert_eq!(
            import.plan.start_date,
            chrono::NaiveDate::from_ymd_opt(2025, 9, 1)
        );
    }

    #[test]
    fn an_export_keeps_what_was_done() {
        let file = br#"{"format":"wayfare-plan","version":1,"plan":{"title":"x"},
            "activities":[{"title":"a","is_completed":true},{"title":"b"},{"title":"c","is_completed":true}]}"#;
        assert_eq!(parse(file).unwrap().completed, vec![0, 2]);
    }

    #[test]
    fn bad_files_say_what_is_wrong() {
        let error = |file: &[u8]| parse(file).unwrap_err().sentence();
        assert!(error(b"not json").contains("not valid JSON"));
        assert!(error(b"[1,2]").contains("JSON object"));
        let bad = br#"{"format":"wayfare-plan","version":1,"plan":{"title":"x","budget":"-5"}}"#;
        assert!(error(bad).starts_with("Budget"));
        let bad = br#"{"itinerary":[{"date":"2025-13-01","activities":[]}]}"#;
        assert!(error(bad).contains("Day 1"));
    }

    #[test]
    fn an_activity_outside_the_years_the_forms_allow_is_refused() {
        let far = br#"{"format":"wayfare-plan","version":1,"plan":{"title":"x"},
            "activities":[{"title":"a","scheduled_date":"+262142-12-31"},
                          {"title":"b","start_time":"10:00","end_time":"10:00"}]}"#;
        let text = error_of(far);
        assert!(
            text.contains("Activity 1: Date: Enter a date between the years 1900 and 2200."),
            "{text}"
        );
        assert!(
            text.contains("Activity 2: End time: The end must differ from the start"),
            "{text}"
        );
        let big = format!(
            r#"{{"format":"wayfare-plan","version":1,"plan":{{"title":"x","plan_data":{{"n":"{}"}}}}}}"#,
            "n".repeat(300 * 1024)
        );
        assert!(error_of(big.as_bytes()).contains("Plan data: The data may be at most 256 KiB."));
    }

    fn error_of(file: &[u8]) -> String {
        parse(file).unwrap_err().sentence()
    }
}
