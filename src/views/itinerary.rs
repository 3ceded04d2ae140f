//! The plan page's and the share page's view of a trip: activities grouped by day, with
//! their labels, and numbered in itinerary order. Pure, unit-tested.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};

use crate::domain::ids::ActivityId;
use crate::models::plan_activity::PlanActivity;

/// Trips longer than this are shown as a list of days with activities only.
const MAX_DAYS_SHOWN: i64 = 366;

#[derive(Debug)]
pub struct Day {
    pub date: NaiveDate,
    pub number: usize,
    /// `2026-05-01`: form values and anchors.
    pub iso: String,
    /// `Day 3 (Fri 1 May)`: the move-to-day choices and the chart, formatted once per day
    /// rather than once per activity.
    pub short_label: String,
    pub activities: Vec<PlanActivity>,
}

impl Day {
    fn new(date: NaiveDate, number: usize, activities: Vec<PlanActivity>) -> Day {
        Day {
            iso: date.to_string(),
            short_label: format!("Day {number} ({})", date.format("%a %-d %b")),
            date,
            number,
            activities,
        }
    }
    pub fn label(&self) -> String {
        format!("Day {} · {}", self.number, self.date.format("%A %-d %B %Y"))
    }
    pub fn weekday(&self) -> String {
        self.date.weekday().to_string()
    }
}

#[derive(Debug)]
pub struct Itinerary {
    pub days: Vec<Day>,
    /// No date, or a date outside the trip.
    pub unscheduled: Vec<PlanActivity>,
}

/// Every day from start to end (when both are set), each with its activities in order;
/// activities with no date or outside the dates go to `unscheduled`. Without trip dates,
/// each date that has activities is a day.
pub fn itinerary(
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
    activities: Vec<PlanActivity>,
) -> Itinerary {
    let mut by_date: BTreeMap<NaiveDate, Vec<PlanActivity>> = BTreeMap::new();
    let mut unscheduled = Vec::new();
    let in_trip = |d: NaiveDate| start.is_none_or(|s| d >= s) && end.is_none_or(|e| d <= e);
    for activity in activities {
        match activity.scheduled_date {
            Some(date) if in_trip(date) => by_date.entry(date).or_default().push(activity),
            _ => unscheduled.push(activity),
        }
    }
    let dates: Vec<NaiveDate> = match (start, end) {
        (Some(s), Some(e)) if e.signed_duration_since(s).num_days() < MAX_DAYS_SHOWN => {
            // Not `iter_days`, which stops before chrono's last date.
            std::iter::successors(Some(s), |d| d.succ_opt())
                .take_while(|d| *d <= e)
                .collect()
        }
        _ => by_date.keys().copied().collect(),
    };
    let first = start.or_else(|| dates.first().copied());
    let days = dates
        .into_iter()
        .map(|date| {
            // Checked: whatever dates the database holds, no arithmetic here can panic.
            let number = first
                .and_then(|f| usize::try_from(date.signed_duration_since(f).num_days()).ok())
                .map_or(1, |n| n.saturating_add(1));
            Day::new(date, number, by_date.remove(&date).unwrap_or_default())
        })
        .collect();
    Itinerary { days, unscheduled }
}

/// Activities numbered 1, 2, 3… through the days, then the unscheduled ones.
pub fn numbering(itinerary: &Itinerary) -> HashMap<ActivityId, usize> {
    itinerary
        .days
        .iter()
        .flat_map(|d| d.activities.iter())
        .chain(itinerary.unscheduled.iter())
        .enumerate()
        .map(|(i, a)| (a.id, i + 1))
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use bigdecimal::BigDecimal;
    use std::str::FromStr;

    pub(crate) fn activity(
        id: i32,
        date: Option<&str>,
        kind: &str,
        estimated: &str,
        actual: &str,
    ) -> PlanActivity {
        let money = |v: &str| (!v.is_empty()).then(|| BigDecimal::from_str(v).unwrap());
        PlanActivity {
            id: ActivityId(id),
            plan_id: crate::domain::ids::PlanId(1),
            title: format!("A{id}"),
            description: None,
            activity_type: Some(kind.into()),
            location_name: None,
            latitude: None,
            longitude: None,
            address: None,
            scheduled_date: date.map(|d| d.parse().unwrap()),
            start_time: None,
            end_time: None,
            duration_minutes: None,
            estimated_cost: money(estimated),
            actual_cost: money(actual),
            order_index: Some(id),
            is_completed: None,
            metadata: None,
            created_at: None,
            updated_at: None,
        }
    }

    #[test]
    fn days_run_from_start_to_end_and_strays_are_unscheduled() {
        let d = |s: &str| Some(NaiveDate::from_str(s).unwrap());
        let it = itinerary(
            d("2026-07-01"),
            d("2026-07-03"),
            vec![
                activity(1, Some("2026-07-01"), "attraction", "10", ""),
                activity(2, Some("2026-07-03"), "restaurant", "", ""),
                activity(3, None, "other", "", ""),
                activity(4, Some("2026-08-01"), "other", "", ""),
            ],
        );
        assert_eq!(it.days.len(), 3);
        assert_eq!(it.days[0].activities.len(), 1);
        assert!(it.days[1].activities.is_empty());
        assert_eq!(it.days[2].number, 3);
        assert_eq!(it.days[0].weekday(), "Wed");
        assert_eq!(
            it.unscheduled.iter().map(|a| a.id).collect::<Vec<_>>(),
            vec![ActivityId(3), ActivityId(4)]
        );
    }

    #[test]
    fn dates_at_chronos_limits_give_an_itinerary_without_panicking() {
        let (min, max) = (NaiveDate::MIN, NaiveDate::MAX);
        for (start, end) in [
            (Some(min), Some(max)),
            (Some(max), Some(max)),
            (Some(max), Some(min)),
            (None, Some(max)),
            (Some(min), None),
        ] {
            let it = itinerary(
                start,
                end,
                vec![
                    activity(1, Some(&max.to_string()), "other", "", ""),
                    activity(2, Some(&min.to_string()), "other", "", ""),
                ],
            );
            for day in &it.days {
                assert!(!day.label().is_empty());
            }
            assert_eq!(
                it.days.iter().map(|d| d.activities.len()).sum::<usize>() + it.unscheduled.len(),
                2
            );
        }
    }
}
