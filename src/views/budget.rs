//! The budget against the estimated and actual spend, per day and per type. Exact
//! (decimals), unit-tested.

use std::collections::BTreeMap;

use bigdecimal::{BigDecimal, Zero};

use crate::views::chart::Spend;
use crate::views::itinerary::Itinerary;
use crate::views::money::amount;

#[derive(Debug)]
pub struct Budget {
    /// The plan's currency code, for showing amounts.
    pub currency: String,
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
    /// Anything estimated or spent: without it the per-day chart is rows of zeros.
    pub fn has_spend(&self) -> bool {
        !self.estimated.is_zero() || !self.actual.is_zero()
    }

    pub fn of(budget: Option<BigDecimal>, currency: &str, itinerary: &Itinerary) -> Budget {
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
            currency: currency.to_string(),
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

    pub fn amount(&self, value: &BigDecimal) -> String {
        amount(value, &self.currency)
    }
    pub fn budget_text(&self) -> String {
        self.budget
            .as_ref()
            .map_or_else(|| "—".into(), |b| self.amount(b))
    }
    pub fn estimated_text(&self) -> String {
        self.amount(&self.estimated)
    }
    pub fn actual_text(&self) -> String {
        self.amount(&self.actual)
    }
    /// What is left, or by how much the spend is over ("€20.00 over").
    pub fn remaining_text(&self) -> String {
        match self.remaining() {
            None => "—".into(),
            Some(r) if r < BigDecimal::zero() => format!("{} over", self.amount(&-r)),
            Some(r) => self.amount(&r),
        }
    }
    pub fn remaining_negative(&self) -> bool {
        self.remaining().is_some_and(|r| r < BigDecimal::zero())
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;
    use crate::views::chart::{BAR_AREA, chart};
    use crate::views::itinerary::itinerary;
    use crate::views::itinerary::tests::activity;

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
        let budget = Budget::of(Some(BigDecimal::from_str("200").unwrap()), "EUR", &it);
        assert_eq!(budget.estimated_text(), "€100.30");
        assert_eq!(budget.actual_text(), "€120.30");
        assert_eq!(budget.remaining_text(), "€79.70");
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
        let chart = chart(&budget.per_day, "EUR");
        assert_eq!(chart.rows[1].actual_width, BAR_AREA);
        assert_eq!(chart.rows[1].estimated_width, 300);
    }
}
