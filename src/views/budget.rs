//! The budget against the estimated and actual spend, per day and per type. Exact
//! (decimals), unit-tested.

use std::collections::{BTreeMap, HashMap};

use bigdecimal::{BigDecimal, RoundingMode, ToPrimitive, Zero};
use chrono::NaiveDate;

use crate::domain::Currency;
use crate::views::chart::Spend;
use crate::views::itinerary::{Day, Itinerary};
use crate::views::money::amount;

/// The most reasons named for a day over budget; the rest are counted.
const REASONS_NAMED: usize = 3;

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
        let minor_units = Currency::parse(currency).map_or(2, |c| c.minor_units());
        let days = BigDecimal::from(itinerary.days.len() as i64);
        let budget_for_days = budget.as_ref().filter(|_| !itinerary.days.is_empty());
        let per_day = day_parts(&itinerary.days, minor_units)
            .into_iter()
            .zip(&itinerary.days)
            .map(|(parts, day)| {
                let estimated = parts
                    .iter()
                    .fold(BigDecimal::zero(), |t, p| t + &p.estimated);
                let actual = parts.iter().fold(BigDecimal::zero(), |t, p| t + &p.actual);
                let over = budget_for_days
                    .is_some_and(|b| estimated.clone().max(actual.clone()) * &days > *b);
                let why = budget_for_days.filter(|_| over).map(|b| {
                    let share = (b / &days)
                        .with_scale_round(i64::from(minor_units), RoundingMode::HalfEven);
                    over_because(&parts, (&estimated, &actual), &share, currency)
                });
                Spend {
                    label: day.short_label.clone(),
                    estimated,
                    actual,
                    over,
                    why,
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
                why: None,
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

    pub fn has_over_days(&self) -> bool {
        self.per_day.iter().any(|d| d.why.is_some())
    }

    /// Why the day at `index` of the itinerary is over its share of the budget, if it is.
    pub fn why_over(&self, index: usize) -> Option<&str> {
        self.per_day.get(index)?.why.as_deref()
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

/// One activity's share of a day's spend: the whole of it, or one night of a stay.
#[derive(Debug)]
struct Part<'a> {
    title: &'a str,
    /// (night, nights) for a stay's night.
    night: Option<(u32, u32)>,
    estimated: BigDecimal,
    actual: BigDecimal,
}

/// What each day spends, activity by activity: a stay's costs are spread over its nights
/// (those within the trip), so a three-night hotel weighs on three days, not the first.
fn day_parts(days: &[Day], minor_units: u8) -> Vec<Vec<Part<'_>>> {
    let index: HashMap<NaiveDate, usize> =
        days.iter().enumerate().map(|(i, d)| (d.date, i)).collect();
    let mut parts: Vec<Vec<Part>> = days.iter().map(|_| Vec::new()).collect();
    let cost = |v: &Option<BigDecimal>| v.clone().unwrap_or_else(BigDecimal::zero);
    for (i, day) in days.iter().enumerate() {
        for a in &day.activities {
            let nights = a.nights();
            if nights == 1 {
                parts[i].push(Part {
                    title: &a.title,
                    night: None,
                    estimated: cost(&a.estimated_cost),
                    actual: cost(&a.actual_cost),
                });
                continue;
            }
            let estimated = spread(&cost(&a.estimated_cost), nights, minor_units);
            let actual = spread(&cost(&a.actual_cost), nights, minor_units);
            let dates = std::iter::successors(Some(day.date), |d| d.succ_opt());
            for ((night, date), (estimated, actual)) in (1..=nights)
                .zip(dates)
                .zip(estimated.into_iter().zip(actual))
            {
                if let Some(&j) = index.get(&date) {
                    parts[j].push(Part {
                        title: &a.title,
                        night: Some((night, nights)),
                        estimated,
                        actual,
                    });
                }
            }
        }
    }
    parts
}

/// `total` in `parts` amounts of the currency's minor units (or the amount's own finer
/// ones) that add up to it exactly: the leftover units go to the first parts.
fn spread(total: &BigDecimal, parts: u32, minor_units: u8) -> Vec<BigDecimal> {
    let scale = total.fractional_digit_count().max(i64::from(minor_units));
    let units = (total * BigDecimal::new(1.into(), -scale)).to_i128();
    let Some(units) = units.filter(|_| parts > 0) else {
        // Beyond any stored amount: all on the first night rather than a wrong split.
        let mut all = vec![BigDecimal::zero(); parts.max(1) as usize];
        all[0] = total.clone();
        return all;
    };
    let n = i128::from(parts);
    let (each, leftover) = (units.div_euclid(n), units.rem_euclid(n));
    (0..n)
        .map(|i| BigDecimal::new((each + i128::from(i < leftover)).into(), scale))
        .collect()
}

/// Why a day is over its share: the larger of its estimate and spend, against the share,
/// and what weighs most on it ("Hotel Granvia (night 1 of 3) €300.00, …").
fn over_because(
    parts: &[Part],
    (estimated, actual): (&BigDecimal, &BigDecimal),
    share: &BigDecimal,
    currency: &str,
) -> String {
    let spent = actual > estimated;
    let (what, total) = if spent {
        ("Spent", actual)
    } else {
        ("Estimated", estimated)
    };
    let mut weights: Vec<(&Part, &BigDecimal)> = parts
        .iter()
        .map(|p| (p, if spent { &p.actual } else { &p.estimated }))
        .filter(|(_, v)| !v.is_zero())
        .collect();
    // Stable: equal amounts keep the day's order.
    weights.sort_by(|a, b| b.1.cmp(a.1));
    let mut named: Vec<String> = weights
        .iter()
        .take(REASONS_NAMED)
        .map(|(p, v)| match p.night {
            Some((night, nights)) => {
                format!(
                    "{} (night {night} of {nights}) {}",
                    p.title,
                    amount(v, currency)
                )
            }
            None => format!("{} {}", p.title, amount(v, currency)),
        })
        .collect();
    if weights.len() > REASONS_NAMED {
        named.push(format!("{} more", weights.len() - REASONS_NAMED));
    }
    format!(
        "{what} {}, over the day's share of the budget ({}): {}.",
        amount(total, currency),
        amount(share, currency),
        named.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;
    use crate::views::chart::{BAR_AREA, chart};
    use crate::views::itinerary::itinerary;
    use crate::views::itinerary::tests::{activity, stay};

    fn d(s: &str) -> Option<NaiveDate> {
        Some(NaiveDate::from_str(s).unwrap())
    }

    #[test]
    fn a_stay_weighs_on_each_night_and_the_split_adds_up_to_the_cent() {
        let parts = spread(&BigDecimal::from_str("100.00").unwrap(), 3, 2);
        let texts: Vec<String> = parts.iter().map(|p| p.to_string()).collect();
        assert_eq!(texts, vec!["33.34", "33.33", "33.33"]);
        let yen = spread(&BigDecimal::from(10_000), 3, 0);
        assert_eq!(
            yen.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
            vec!["3334", "3333", "3333"]
        );
        assert_eq!(
            spread(&BigDecimal::from_str("0.01").unwrap(), 2, 2)[1],
            BigDecimal::zero()
        );

        // 600 over 4 days is 150 a day: the 900 hotel is 300 a night, not 900 on day 1.
        let it = itinerary(
            d("2026-07-01"),
            d("2026-07-04"),
            vec![
                stay(1, "2026-07-01", 3, "900.00"),
                activity(2, Some("2026-07-02"), "restaurant", "80.00", ""),
                activity(3, Some("2026-07-04"), "attraction", "20.00", ""),
            ],
        );
        let budget = Budget::of(Some(BigDecimal::from(600)), "EUR", &it);
        let per_day: Vec<String> = budget
            .per_day
            .iter()
            .map(|d| d.estimated.to_string())
            .collect();
        assert_eq!(per_day, vec!["300.00", "380.00", "300.00", "20.00"]);
        assert_eq!(
            budget.estimated_text(),
            "€1,000.00",
            "the total counts the stay once"
        );
        assert_eq!(
            budget.per_day[1].why.as_deref(),
            Some(
                "Estimated €380.00, over the day's share of the budget (€150.00): \
                 A1 (night 2 of 3) €300.00, A2 €80.00."
            )
        );
        assert!(budget.per_day[3].why.is_none(), "day 4 is within its share");
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
