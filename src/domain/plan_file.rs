//! The JSON file a plan is exported to and imported from. An import also takes the seed's
//! `plan_data` shape, whose `itinerary` array (days of activities) becomes activities.

use bigdecimal::BigDecimal;
use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::domain::money::display;
use crate::domain::plan::{self as rules};
use crate::models::plan::Plan;
use crate::models::plan_activity::{NewPlanActivity, PlanActivity};

pub const FORMAT: &str = "wayfare-plan";

#[derive(Debug, Serialize, Deserialize)]
pub struct PlanFile {
    pub format: String,
    pub version: u32,
    pub plan: PlanFields,
    #[serde(default)]
    pub activities: Vec<ActivityFields>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct PlanFields {
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub destination: Option<String>,
    #[serde(default)]
    pub start_date: Option<NaiveDate>,
    #[serde(default)]
    pub end_date: Option<NaiveDate>,
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
    pub scheduled_date: Option<NaiveDate>,
    #[serde(default)]
    pub start_time: Option<NaiveTime>,
    #[serde(default)]
    pub end_time: Option<NaiveTime>,
    #[serde(default)]
    pub duration_minutes: Option<i32>,
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
            start_date: plan.start_date,
            end_date: plan.end_date,
            budget: plan.budget.as_ref().map(display),
            currency: plan.currency.clone(),
            status: plan.status.clone(),
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
                scheduled_date: a.scheduled_date,
                start_time: a.start_time,
                end_time: a.end_time,
                duration_minutes: a.duration_minutes,
                estimated_cost: a.estimated_cost.as_ref().map(display),
                actual_cost: a.actual_cost.as_ref().map(display),
                order_index: a.order_index,
                is_completed: a.is_completed,
                metadata: a.metadata.clone().unwrap_or_else(|| serde_json::json!({})),
            })
            .collect(),
    }
}

/// A checked import, ready to insert.
#[derive(Debug)]
pub struct Import {
    pub title: String,
    pub description: Option<String>,
    pub destination: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub budget: Option<BigDecimal>,
    pub currency: String,
    pub plan_data: Value,
    /// `plan_id` is filled in once the plan exists.
    pub activities: Vec<NewPlanActivity>,
    /// Positions in `activities` of those the file marks done (`is_completed`), so a
    /// round trip keeps what was ticked off.
    pub completed: Vec<usize>,
}

pub const MAX_ACTIVITIES: usize = 2_000;

fn field<T>(result: Result<T, String>, what: &str) -> Result<T, String> {
    result.map_err(|e| format!("{what}: {e}"))
}

/// Reads an uploaded file: our export, or a seed-style plan_data object.
pub fn parse(bytes: &[u8]) -> Result<Import, String> {
    // PostgreSQL text cannot hold NUL, which JSON can spell as \u0000.
    if bytes.windows(6).any(|w| w == b"\\u0000") {
        return Err("The file contains a NUL character (\\u0000), which cannot be stored.".into());
    }
    let value: Value =
        serde_json::from_slice(bytes).map_err(|e| format!("The file is not valid JSON ({e})."))?;
    let Value::Object(ref object) = value else {
        return Err("The file must hold a JSON object.".into());
    };
    if object.get("format").and_then(Value::as_str) == Some(FORMAT) {
        let file: PlanFile = serde_json::from_value(value)
            .map_err(|e| format!("The file is not a Wayfare plan export ({e})."))?;
        return from_export(file);
    }
    from_seed_plan_data(value)
}

fn from_export(file: PlanFile) -> Result<Import, String> {
    let p = file.plan;
    if file.activities.len() > MAX_ACTIVITIES {
        return Err(format!(
            "A plan can have at most {MAX_ACTIVITIES} activities."
        ));
    }
    let title = field(rules::required_text(&p.title, 200, "a title"), "Title")?;
    let description = field(
        rules::optional_text(p.description.as_deref().unwrap_or(""), 20_000),
        "Description",
    )?;
    let destination = field(
        rules::optional_text(p.destination.as_deref().unwrap_or(""), 100),
        "Destination",
    )?;
    if let (Some(s), Some(e)) = (p.start_date, p.end_date)
        && e < s
    {
        return Err("The trip ends before it starts.".into());
    }
    let budget = field(rules::budget(p.budget.as_deref().unwrap_or("")), "Budget")?;
    let currency = field(
        rules::currency(p.currency.as_deref().unwrap_or("")),
        "Currency",
    )?;
    let plan_data = match p.plan_data {
        Value::Null => serde_json::json!({}),
        Value::Object(map) => Value::Object(map),
        _ => return Err("plan_data must be a JSON object.".into()),
    };
    let mut activities = Vec::with_capacity(file.activities.len());
    let mut completed = Vec::new();
    for (i, a) in file.activities.into_iter().enumerate() {
        if a.is_completed == Some(true) {
            completed.push(i);
        }
        activities.push(activity(a).map_err(|e| format!("Activity {}: {e}", i + 1))?);
    }
    let mut import = Import {
        title,
        description,
        destination,
        start_date: p.start_date,
        end_date: p.end_date,
        budget,
        currency,
        plan_data,
        activities,
        completed,
    };
    take_itinerary(&mut import)?;
    Ok(import)
}

fn activity(a: ActivityFields) -> Result<NewPlanActivity, String> {
    use crate::domain::activity as rules_a;
    use crate::domain::money::Money;
    let money = |v: &Option<String>| {
        Money::parse_optional(v.as_deref().unwrap_or("")).map(|m| m.map(Money::into_inner))
    };
    if let (Some(s), Some(e)) = (a.start_time, a.end_time)
        && e <= s
    {
        return Err("the end time is not after the start time".into());
    }
    Ok(NewPlanActivity {
        plan_id: 0,
        title: rules::required_text(&a.title, 200, "a title")?,
        description: rules::optional_text(a.description.as_deref().unwrap_or(""), 20_000)?,
        activity_type: rules_a::activity_type(a.activity_type.as_deref().unwrap_or(""))?,
        location_name: rules::optional_text(a.location_name.as_deref().unwrap_or(""), 200)?,
        latitude: rules_a::latitude(a.latitude.as_deref().unwrap_or(""))?,
        longitude: rules_a::longitude(a.longitude.as_deref().unwrap_or(""))?,
        address: rules::optional_text(a.address.as_deref().unwrap_or(""), 2_000)?,
        scheduled_date: a.scheduled_date,
        start_time: a.start_time,
        end_time: a.end_time,
        duration_minutes: match a.duration_minutes {
            Some(d) => rules_a::duration(&d.to_string())?,
            None => None,
        },
        estimated_cost: money(&a.estimated_cost)?,
        actual_cost: money(&a.actual_cost)?,
        order_index: a.order_index.unwrap_or(0),
        metadata: match a.metadata {
            Value::Null => serde_json::json!({}),
            Value::Object(map) => Value::Object(map),
            _ => return Err("metadata must be a JSON object".into()),
        },
    })
}

/// A seed-style plan_data object: its `itinerary` becomes activities; the rest is kept.
fn from_seed_plan_data(value: Value) -> Result<Import, String> {
    let title = value
        .get("title")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| "Imported plan".into());
    let mut import = Import {
        title: field(rules::required_text(&title, 200, "a title"), "Title")?,
        description: None,
        destination: None,
        start_date: None,
        end_date: None,
        budget: None,
        currency: "USD".into(),
        plan_data: value,
        activities: Vec::new(),
        completed: Vec::new(),
    };
    if let Value::Object(map) = &mut import.plan_data {
        map.remove("title");
    }
    take_itinerary(&mut import)?;
    if import.start_date.is_none() {
        import.start_date = import
            .activities
            .iter()
            .filter_map(|a| a.scheduled_date)
            .min();
        import.end_date = import
            .activities
            .iter()
            .filter_map(|a| a.scheduled_date)
            .max();
    }
    Ok(import)
}

/// Moves a seed `itinerary` array out of plan_data into activities: activities are the
/// one source of truth for the itinerary.
fn take_itinerary(import: &mut Import) -> Result<(), String> {
    let Some(itinerary) = import
        .plan_data
        .as_object_mut()
        .and_then(|m| m.remove("itinerary"))
    else {
        return Ok(());
    };
    let Value::Array(days) = itinerary else {
        return Err("itinerary must be a list of days.".into());
    };
    for (d, day) in days.iter().enumerate() {
        let date = match day.get("date").and_then(Value::as_str) {
            Some(raw) => Some(
                NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                    .map_err(|_| format!("Day {}: the date is not like 2025-09-01.", d + 1))?,
            ),
            None => None,
        };
        let entries = day
            .get("activities")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for (i, entry) in entries.iter().enumerate() {
            let err = |e: String| format!("Day {}, activity {}: {e}", d + 1, i + 1);
            let title = entry
                .get("activity")
                .or_else(|| entry.get("title"))
                .and_then(Value::as_str)
                .ok_or_else(|| err("it has no name (\"activity\").".into()))?;
            let start_time = match entry.get("time").and_then(Value::as_str) {
                Some(t) => crate::domain::activity::time(t).map_err(err)?,
                None => None,
            };
            let cost = match entry.get("cost") {
                Some(Value::Number(n)) => Some(n.to_string()),
                Some(Value::String(s)) => Some(s.clone()),
                _ => None,
            };
            import.activities.push(
                activity(ActivityFields {
                    title: title.to_string(),
                    location_name: entry
                        .get("location")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    scheduled_date: date,
                    start_time,
                    duration_minutes: entry
                        .get("duration")
                        .and_then(Value::as_i64)
                        .and_then(|d| i32::try_from(d).ok()),
                    estimated_cost: cost,
                    order_index: Some(i as i32),
                    ..ActivityFields::default()
                })
                .map_err(err)?,
            );
        }
    }
    if import.activities.len() > MAX_ACTIVITIES {
        return Err(format!(
            "A plan can have at most {MAX_ACTIVITIES} activities."
        ));
    }
    Ok(())
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
        let a = &import.activities[0];
        assert_eq!(a.title, "Museum visit");
        assert_eq!(
            a.estimated_cost.as_ref().map(display).as_deref(),
            Some("15.00")
        );
        assert_eq!(a.duration_minutes, Some(120));
        assert!(import.plan_data.get("itinerary").is_none());
        assert_eq!(import.plan_data["notes"], "Book ahead");
        assert_eq!(import.start_date, NaiveDate::from_ymd_opt(2025, 9, 1));
    }

    #[test]
    fn an_export_keeps_what_was_done() {
        let file = br#"{"format":"wayfare-plan","version":1,"plan":{"title":"x"},
            "activities":[{"title":"a","is_completed":true},{"title":"b"},{"title":"c","is_completed":true}]}"#;
        assert_eq!(parse(file).unwrap().completed, vec![0, 2]);
    }

    #[test]
    fn bad_files_say_what_is_wrong() {
        assert!(parse(b"not json").unwrap_err().contains("not valid JSON"));
        assert!(parse(b"[1,2]").unwrap_err().contains("JSON object"));
        let bad = br#"{"format":"wayfare-plan","version":1,"plan":{"title":"x","budget":"-5"}}"#;
        assert!(parse(bad).unwrap_err().starts_with("Budget"));
        let bad = br#"{"itinerary":[{"date":"2025-13-01","activities":[]}]}"#;
        assert!(parse(bad).unwrap_err().contains("Day 1"));
    }
}
