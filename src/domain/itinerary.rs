//! The plan page's view of a trip: activities grouped by day, and the budget against the
//! estimated and actual spend, per day and per type. Pure, exact (decimals), unit-tested.

use std::collections::BTreeMap;

use bigdecimal::{BigDecimal, ToPrimitive, Zero};
use chrono::{Datelike, NaiveDate};

use crate::domain::money::display;
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

/// Estimated and actual spend of a group of activities.
#[derive(Debug, Clone, PartialEq)]
pub struct Spend {
    pub label: String,
    pub estimated: BigDecimal,
    pub actual: BigDecimal,
    /// Marked in the page: over its share of the budget (days) or over its estimate (types).
    pub over: bool,
}

impl Spend {
    pub fn estimated_text(&self) -> String {
        display(&self.estimated)
    }
    pub fn actual_text(&self) -> String {
        display(&self.actual)
    }
}

#[derive(Debug)]
pub struct Budget {
    pub budget: Option<BigDecimal>,
    pub estimated: BigDecimal,
    pub actual: BigDecimal,
    pub per_day: Vec<Spend>,
    pub per_type: Vec<Spend>,
}

fn sum<'a>(values: impl Iterator<Item = &'a Option<BigDecimal>>) -> BigDecimal {
    values.flatten().fold(BigDecimal::zero(), |acc, v| acc + v)
}

impl Budget {
    pub fn of(budget: Option<BigDecimal>, itinerary: &Itinerary) -> Budget {
        let all = || {
            itinerary
                .days
                .iter()
                .flat_map(|d| d.activities.iter())
                .chain(itinerary.unscheduled.iter())
        };
        let estimated = sum(all().map(|a| &a.estimated_cost));
        let actual = sum(all().map(|a| &a.actual_cost));
        // A day is over when its spend exceeds an equal share of the budget; compared as
        // spend × days > budget, which is exact and spares a decimal division.
        let days = BigDecimal::from(itinerary.days.len() as i64);
        let budget_for_days = budget.as_ref().filter(|_| !itinerary.days.is_empty());
        let per_day = itinerary
            .days
            .iter()
            .map(|day| {
                let estimated = sum(day.activities.iter().map(|a| &a.estimated_cost));
                let actual = sum(day.activities.iter().map(|a| &a.actual_cost));
                let over = budget_for_days
                    .is_some_and(|b| estimated.clone().max(actual.clone()) * &days > *b);
                Spend {
                    label: day.short_label.clone(),
                    estimated,
                    actual,
                    over,
                }
            })
            .collect();
        let mut types: BTreeMap<String, (BigDecimal, BigDecimal)> = BTreeMap::new();
        for a in all() {
            let entry = types
                .entry(a.activity_type.clone().unwrap_or_else(|| "other".into()))
                .or_insert_with(|| (BigDecimal::zero(), BigDecimal::zero()));
            if let Some(e) = &a.estimated_cost {
                entry.0 += e;
            }
            if let Some(x) = &a.actual_cost {
                entry.1 += x;
            }
        }
        let per_type = types
            .into_iter()
            .map(|(label, (estimated, actual))| Spend {
                over: actual > estimated,
                label,
                estimated,
                actual,
            })
            .collect();
        Budget {
            budget,
            estimated,
            actual,
            per_day,
            per_type,
        }
    }

    /// Budget minus what was actually spent.
    pub fn remaining(&self) -> Option<BigDecimal> {
        self.budget.as_ref().map(|b| b - &self.actual)
    }

    pub fn over_budget(&self) -> bool {
        self.budget
            .as_ref()
            .is_some_and(|b| self.estimated > *b || self.actual > *b)
    }

    pub fn budget_text(&self) -> String {
        self.budget.as_ref().map_or_else(|| "—".into(), display)
    }
    pub fn estimated_text(&self) -> String {
        display(&self.estimated)
    }
    pub fn actual_text(&self) -> String {
        display(&self.actual)
    }
    pub fn remaining_text(&self) -> String {
        self.remaining()
            .as_ref()
            .map_or_else(|| "—".into(), display)
    }
    pub fn remaining_negative(&self) -> bool {
        self.remaining().is_some_and(|r| r < BigDecimal::zero())
    }
}

/// A horizontal bar chart: estimated and actual per row, scaled to the largest value.
pub struct Chart {
    pub rows: Vec<ChartRow>,
    pub height: u32,
}

pub struct ChartRow {
    pub label: String,
    pub y: u32,
    pub estimated_width: u32,
    pub actual_width: u32,
    pub estimated: String,
    pub actual: String,
    pub over: bool,
}

/// Width of the bar area in the SVG's coordinates; labels sit left of it.
pub const BAR_AREA: u32 = 360;
const ROW_HEIGHT: u32 = 34;

pub fn chart(rows: &[Spend]) -> Chart {
    let max = rows
        .iter()
        .flat_map(|r| [&r.estimated, &r.actual])
        .max()
        .cloned()
        .unwrap_or_else(BigDecimal::zero);
    // Pixels need no exactness: floating point spares a slow decimal division per bar.
    let max = max.to_f64().unwrap_or(0.0);
    let width = |v: &BigDecimal| -> u32 {
        if max <= 0.0 {
            return 0;
        }
        let ratio = v.to_f64().unwrap_or(0.0) / max * f64::from(BAR_AREA);
        ratio.round().clamp(0.0, f64::from(BAR_AREA)) as u32
    };
    Chart {
        height: rows.len() as u32 * ROW_HEIGHT + 8,
        rows: rows
            .iter()
            .enumerate()
            .map(|(i, r)| ChartRow {
                label: r.label.clone(),
                y: i as u32 * ROW_HEIGHT + 4,
                estimated_width: width(&r.estimated),
                actual_width: width(&r.actual),
                estimated: display(&r.estimated),
                actual: display(&r.actual),
                over: r.over,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn activity(
        id: i32,
        date: Option<&str>,
        kind: &str,
        estimated: &str,
        actual: &str,
    ) -> PlanActivity {
        let money = |v: &str| (!v.is_empty()).then(|| BigDecimal::from_str(v).unwrap());
        PlanActivity {
            id,
            plan_id: 1,
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
            vec![3, 4]
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

    #[test]
    fn sums_are_exact_decimals() {
        let it = itinerary(
            None,
            None,
            vec![
                activity(1, Some("2026-07-01"), "restaurant", "0.10", "0.20"),
                activity(2, Some("2026-07-01"), "restaurant", "0.20", "0.10"),
                activity(3, Some("2026-07-02"), "attraction", "100.00", "120.00"),
            ],
        );
        let budget = Budget::of(Some(BigDecimal::from_str("200").unwrap()), &it);
        assert_eq!(budget.estimated_text(), "100.30");
        assert_eq!(budget.actual_text(), "120.30");
        assert_eq!(budget.remaining_text(), "79.70");
        assert!(!budget.over_budget());
        // 200 over 2 days: day 2 spent 120 > 100.
        assert_eq!(
            budget.per_day.iter().map(|d| d.over).collect::<Vec<_>>(),
            vec![false, true]
        );
        let attraction = budget
            .per_type
            .iter()
            .find(|t| t.label == "attraction")
            .unwrap();
        assert!(attraction.over, "actual above estimate");
        let chart = chart(&budget.per_day);
        assert_eq!(chart.rows[1].actual_width, BAR_AREA);
        assert_eq!(chart.rows[1].estimated_width, 300);
    }
}
