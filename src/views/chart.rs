//! The SVG bar charts' geometry: estimated and actual spend per row (per day, per type).

use bigdecimal::{BigDecimal, ToPrimitive, Zero};

use crate::views::money::amount;

/// Estimated and actual spend of a group of activities.
#[derive(Debug, Clone, PartialEq)]
pub struct Spend {
    pub label: String,
    pub estimated: BigDecimal,
    pub actual: BigDecimal,
    /// Marked in the page: over its share of the budget (days) or over its estimate (types).
    pub over: bool,
    /// For a day over its share, why: its spend against the share and what weighs most.
    pub why: Option<String>,
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

/// `currency`: the code amounts are shown in.
pub fn chart(rows: &[Spend], currency: &str) -> Chart {
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
                estimated: amount(&r.estimated, currency),
                actual: amount(&r.actual, currency),
                over: r.over,
            })
            .collect(),
    }
}
