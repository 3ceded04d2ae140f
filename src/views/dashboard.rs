//! The staff dashboard's presentation: the daily bar charts of sign-ups and new plans, and
//! sizes in the units people read.

use chrono::NaiveDate;

use crate::models::views::dashboard::DailyCount;

/// Days the sign-up and new-plan charts cover, today included.
pub const CHART_DAYS: u32 = 30;
/// The chart's drawing area, in SVG units.
const CHART_WIDTH: u32 = 600;
const CHART_HEIGHT: u32 = 120;
const CHART_TOP: u32 = 16;

/// A bar chart of one count per day, drawn by the template with SVG attributes.
pub struct DailyChart {
    pub bars: Vec<Bar>,
    pub total: i64,
    pub max: i64,
    pub first_day: String,
    pub last_day: String,
    pub width: u32,
    pub height: u32,
    /// Where the x axis runs.
    pub baseline: u32,
}

pub struct Bar {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
    pub title: String,
}

/// One bar per day from `CHART_DAYS - 1` days before `today` to `today`, scaled to the
/// busiest day; days absent from `counts` are zero. `one` and `many` name what is counted.
pub fn daily_chart(
    counts: &[DailyCount],
    series: &str,
    (one, many): (&str, &str),
    today: NaiveDate,
) -> DailyChart {
    let days: Vec<NaiveDate> = (0..CHART_DAYS)
        .rev()
        .map(|back| today - chrono::Days::new(u64::from(back)))
        .collect();
    let per_day: Vec<i64> = days
        .iter()
        .map(|day| count_of(counts, series, *day))
        .collect();
    let max = per_day.iter().copied().max().unwrap_or(0);
    let bars = days
        .iter()
        .zip(&per_day)
        .enumerate()
        .map(|(i, (day, &count))| {
            let noun = if count == 1 { one } else { many };
            let title = format!("{}: {count} {noun}", day.format("%a %-d %b"));
            bar(i as u32, bar_height(count, max), title)
        })
        .collect();
    DailyChart {
        bars,
        total: per_day.iter().sum(),
        max,
        first_day: days[0].format("%-d %b").to_string(),
        last_day: days[days.len() - 1].format("%-d %b").to_string(),
        width: CHART_WIDTH,
        height: CHART_HEIGHT + 16,
        baseline: CHART_HEIGHT,
    }
}

fn count_of(counts: &[DailyCount], series: &str, day: NaiveDate) -> i64 {
    counts
        .iter()
        .filter(|c| c.series == series && c.day == day)
        .map(|c| c.count)
        .sum()
}

/// A day's bar height, scaled to the busiest day (`max`); at least one unit for any
/// non-zero day, so it shows.
fn bar_height(count: i64, max: i64) -> u32 {
    if max == 0 {
        return 0;
    }
    let plot = i64::from(CHART_HEIGHT - CHART_TOP);
    ((count * plot + max - 1) / max) as u32
}

/// The `slot`th day's bar, standing on the baseline.
fn bar(slot: u32, height: u32, title: String) -> Bar {
    let slot_width = CHART_WIDTH / CHART_DAYS;
    Bar {
        x: slot * slot_width + 1,
        y: CHART_HEIGHT - height,
        width: slot_width - 2,
        height,
        title,
    }
}

/// 1536 → "1.5 KiB".
pub fn human_bytes(bytes: i64) -> String {
    const UNITS: [&str; 5] = ["bytes", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes.max(0) as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} bytes")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(series: &str, day: NaiveDate, count: i64) -> DailyCount {
        DailyCount {
            series: series.into(),
            day,
            count,
        }
    }

    #[test]
    fn thirty_bars_scaled_to_the_busiest_day() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 31).unwrap();
        let chart = daily_chart(
            &[
                count("users", today, 4),
                count("users", today - chrono::Days::new(29), 1),
                count("plans", today, 100),
                // Outside the window: ignored.
                count("users", today - chrono::Days::new(30), 50),
            ],
            "users",
            ("sign-up", "sign-ups"),
            today,
        );
        assert_eq!(chart.bars.len(), 30);
        assert_eq!(chart.total, 5);
        assert_eq!(chart.max, 4);
        assert_eq!(chart.first_day, "2 Mar");
        assert_eq!(chart.last_day, "31 Mar");
        let last = &chart.bars[29];
        assert_eq!(last.height, CHART_HEIGHT - CHART_TOP);
        assert_eq!(last.y + last.height, chart.baseline);
        assert_eq!(last.title, "Tue 31 Mar: 4 sign-ups");
        // A quarter of the busiest day, rounded up.
        assert_eq!(chart.bars[0].height, (CHART_HEIGHT - CHART_TOP).div_ceil(4));
        assert_eq!(chart.bars[0].title, "Mon 2 Mar: 1 sign-up");
        assert!(chart.bars[1..29].iter().all(|b| b.height == 0));
        assert!(chart.bars.windows(2).all(|w| w[0].x + w[0].width < w[1].x));
        assert!(chart.bars[29].x + chart.bars[29].width <= CHART_WIDTH);
    }

    #[test]
    fn an_empty_chart_has_flat_bars() {
        let today = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let chart = daily_chart(&[], "plans", ("new plan", "new plans"), today);
        assert_eq!(chart.total, 0);
        assert!(
            chart
                .bars
                .iter()
                .all(|b| b.height == 0 && b.y == chart.baseline)
        );
    }

    #[test]
    fn sizes_people_read() {
        assert_eq!(human_bytes(512), "512 bytes");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(8 * 1024 * 1024 + 1), "8.0 MiB");
    }
}
