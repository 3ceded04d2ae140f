//! What the map script draws, for the plan page and the share page.

use crate::domain::plan_data::PlanData;
use crate::models::plan_activity::PlanActivity;
use crate::views::itinerary::Itinerary;

/// Activities with coordinates, numbered in itinerary order, grouped by day for one line
/// per day; `card` names the element id of an activity's card from the activity and its
/// number (the share page's cards go by number: it shows no database ids).
pub fn map_json(itinerary: &Itinerary, card: fn(&PlanActivity, usize) -> String) -> String {
    let point = |n: usize, a: &PlanActivity| {
        Some(serde_json::json!({
            "n": n,
            "card": card(a, n),
            "title": a.title,
            "time": time_range(a),
            "lat": a.latitude.as_ref()?.to_string().parse::<f64>().ok()?,
            "lng": a.longitude.as_ref()?.to_string().parse::<f64>().ok()?,
        }))
    };
    let mut n = 0;
    let mut days = Vec::new();
    for day in &itinerary.days {
        let points: Vec<_> = day
            .activities
            .iter()
            .filter_map(|a| {
                n += 1;
                point(n, a)
            })
            .collect();
        days.push(points);
    }
    let others: Vec<_> = itinerary
        .unscheduled
        .iter()
        .filter_map(|a| {
            n += 1;
            point(n, a)
        })
        .collect();
    days.push(others);
    serde_json::json!({ "days": days }).to_string()
}

/// The popup's time, written as on the activity's card ("08:00–09:30").
fn time_range(a: &PlanActivity) -> Option<String> {
    let start = a.start_time?.format("%H:%M");
    Some(match a.end_time {
        Some(end) => format!("{start}–{}", end.format("%H:%M")),
        None => start.to_string(),
    })
}

/// Where the activity form's map picker opens when the activity has no coordinates yet:
/// on the plan's destination, else around the plan's activities that have coordinates;
/// empty (the whole world) when neither is known.
pub fn picker_start(plan_data: &PlanData, activities: &[PlanActivity]) -> String {
    if let Some(at) = &plan_data.destination_location {
        return serde_json::json!({ "center": [at.latitude, at.longitude] }).to_string();
    }
    let degrees = |v: &Option<bigdecimal::BigDecimal>| v.as_ref()?.to_string().parse::<f64>().ok();
    let points: Vec<[f64; 2]> = activities
        .iter()
        .filter_map(|a| Some([degrees(&a.latitude)?, degrees(&a.longitude)?]))
        .collect();
    if points.is_empty() {
        String::new()
    } else {
        serde_json::json!({ "bounds": points }).to_string()
    }
}
