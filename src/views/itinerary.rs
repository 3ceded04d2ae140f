//! The plan page's and the share page's view of a trip: activities grouped by day, with
//! their labels, and numbered in itinerary order. Pure, unit-tested.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, NaiveDate, Utc};

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
    /// Stays that began on an earlier day and are still on this night.
    pub stays: Vec<StayNight>,
}

/// A stay's later night, shown on its day with a link to the stay's card.
#[derive(Debug)]
pub struct StayNight {
    pub id: ActivityId,
    pub title: String,
    /// 2 for its second night, up to `nights`.
    pub night: u32,
    pub nights: u32,
}

impl Day {
    fn new(date: NaiveDate, number: usize, activities: Vec<PlanActivity>) -> Day {
        Day {
            iso: date.to_string(),
            short_label: format!("Day {number} ({})", date.format("%a %-d %b")),
            date,
            number,
            activities,
            stays: Vec::new(),
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
    /// No date, or a date outside the trip: the dated ones first, by date.
    pub unscheduled: Vec<PlanActivity>,
    /// For each activity whose time overlaps others' on its day, their titles.
    overlaps: HashMap<ActivityId, Vec<String>>,
    /// The trip's first and last days, when set.
    trip: (Option<NaiveDate>, Option<NaiveDate>),
    /// Who last changed each activity, on the plan page (`with_changes`); none on the
    /// share page.
    changes: HashMap<ActivityId, LastChange>,
}

/// Who changed something last and when, as the page says it.
#[derive(Debug, Clone)]
pub struct LastChange {
    /// Their username, or "a former member" once their account is gone.
    pub by: String,
    /// `2026-07-01T09:30:00Z`, for `<time datetime>`.
    pub iso: String,
    /// "1 Jul 2026, 09:30 UTC".
    pub at: String,
    /// "2 minutes ago".
    pub ago: String,
}

impl LastChange {
    pub fn new(username: Option<&str>, when: DateTime<Utc>, now: DateTime<Utc>) -> LastChange {
        LastChange {
            by: username.unwrap_or(FORMER_MEMBER).to_string(),
            iso: when.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            at: when.format("%-d %b %Y, %H:%M UTC").to_string(),
            ago: ago(when, now),
        }
    }
}

/// Who a change is by once its author's account is gone.
pub const FORMER_MEMBER: &str = "a former member";

/// How long before `now` `then` was: "just now", "2 minutes ago", "3 hours ago",
/// "5 days ago", or the date for anything older than a month.
pub fn ago(then: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let seconds = now.signed_duration_since(then).num_seconds();
    let plural = |n: i64, unit: &str| {
        if n == 1 {
            format!("1 {unit} ago")
        } else {
            format!("{n} {unit}s ago")
        }
    };
    match seconds {
        ..60 => "just now".to_string(),
        60..3600 => plural(seconds / 60, "minute"),
        3600..86400 => plural(seconds / 3600, "hour"),
        86400..2_592_000 => plural(seconds / 86400, "day"),
        _ => format!("on {}", then.format("%-d %b %Y")),
    }
}

/// Whether `date` falls within a trip from `start` to `end` (either may be open).
fn in_trip((start, end): (Option<NaiveDate>, Option<NaiveDate>), date: NaiveDate) -> bool {
    start.is_none_or(|s| date >= s) && end.is_none_or(|e| date <= e)
}

impl Itinerary {
    /// Activities dated outside the trip, by date: shown with their dates and a warning,
    /// not hidden among the undated ones.
    pub fn outside(&self) -> impl Iterator<Item = &PlanActivity> {
        self.unscheduled
            .iter()
            .filter(|a| a.scheduled_date.is_some())
    }
    pub fn has_outside(&self) -> bool {
        self.outside().next().is_some()
    }
    pub fn undated(&self) -> impl Iterator<Item = &PlanActivity> {
        self.unscheduled
            .iter()
            .filter(|a| a.scheduled_date.is_none())
    }
    pub fn has_undated(&self) -> bool {
        self.undated().next().is_some()
    }
    /// Dated, but not on one of the trip's days.
    pub fn is_outside(&self, activity: &PlanActivity) -> bool {
        activity
            .scheduled_date
            .is_some_and(|d| !in_trip(self.trip, d))
    }
    /// Who last changed the activity, when the page shows it.
    pub fn last_change_of(&self, id: &ActivityId) -> Option<&LastChange> {
        self.changes.get(id)
    }

    /// With who last changed each activity.
    pub fn with_changes(mut self, changes: HashMap<ActivityId, LastChange>) -> Itinerary {
        self.changes = changes;
        self
    }

    /// "Louvre, Lunch" when this activity's time overlaps theirs.
    pub fn overlaps_of(&self, id: &ActivityId) -> Option<String> {
        self.overlaps.get(id).map(|titles| titles.join(", "))
    }
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
    for activity in activities {
        match activity.scheduled_date {
            Some(date) if in_trip((start, end), date) => {
                by_date.entry(date).or_default().push(activity)
            }
            _ => unscheduled.push(activity),
        }
    }
    // Stable: dated ones by date, then the undated, each keeping its manual order.
    unscheduled.sort_by_key(|a| (a.scheduled_date.is_none(), a.scheduled_date));
    let mut overlaps = HashMap::new();
    for day in by_date.values_mut() {
        in_time_order(day);
        find_overlaps(day, &mut overlaps);
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
    let mut days: Vec<Day> = dates
        .into_iter()
        .map(|date| {
            // Checked: whatever dates the database holds, no arithmetic here can panic.
            let number = first
                .and_then(|f| usize::try_from(date.signed_duration_since(f).num_days()).ok())
                .map_or(1, |n| n.saturating_add(1));
            Day::new(date, number, by_date.remove(&date).unwrap_or_default())
        })
        .collect();
    add_later_nights(&mut days);
    Itinerary {
        days,
        unscheduled,
        overlaps,
        trip: (start, end),
        changes: HashMap::new(),
    }
}

/// The id of the itinerary section that shows an activity dated `date` on a trip from
/// `start` to `end`: its day, "outside" the trip's dates, or "unscheduled".
pub fn section_id(
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
    date: Option<NaiveDate>,
) -> String {
    match date {
        Some(d) if in_trip((start, end), d) => format!("day-{d}"),
        Some(_) => "outside".into(),
        None => "unscheduled".into(),
    }
}

/// Today where the trip is (its time zone, else UTC), when the trip is under way: the
/// plan page opens on that day.
pub fn today_on_trip(itinerary: &Itinerary, zone: Option<&str>) -> Option<NaiveDate> {
    let now = chrono::Utc::now();
    let today = match zone.and_then(|z| crate::domain::TimeZone::parse(z).ok()) {
        Some(zone) => now.with_timezone(&zone.tz()).date_naive(),
        None => now.date_naive(),
    };
    itinerary
        .days
        .iter()
        .any(|d| d.date == today)
        .then_some(today)
}

/// Where a trip stands on `today`: "in 12 days", "tomorrow", "day 3 of 6", "ended
/// 5 days ago"; nothing without a start date.
pub fn countdown(
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
    today: NaiveDate,
) -> Option<String> {
    let start = start?;
    let end = end.unwrap_or(start);
    let days = |from: NaiveDate, to: NaiveDate| to.signed_duration_since(from).num_days();
    let plural = |n: i64| if n == 1 { "day" } else { "days" };
    Some(if today < start {
        match days(today, start) {
            1 => "tomorrow".to_string(),
            n => format!("in {n} {}", plural(n)),
        }
    } else if today <= end {
        format!("day {} of {}", days(start, today) + 1, days(start, end) + 1)
    } else {
        match days(end, today) {
            1 => "ended yesterday".to_string(),
            n => format!("ended {n} {} ago", plural(n)),
        }
    })
}

/// Where a trip stands, for grouping a traveller's trips: under way first, then the
/// coming ones, the past ones, and those with no dates yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TripTime {
    UnderWay,
    Upcoming,
    Past,
    Undated,
}

impl TripTime {
    pub fn of(start: Option<NaiveDate>, end: Option<NaiveDate>, today: NaiveDate) -> TripTime {
        let Some(start) = start else {
            return TripTime::Undated;
        };
        if today < start {
            TripTime::Upcoming
        } else if today <= end.unwrap_or(start) {
            TripTime::UnderWay
        } else {
            TripTime::Past
        }
    }

    pub fn heading(self) -> &'static str {
        match self {
            TripTime::UnderWay => "Under way",
            TripTime::Upcoming => "Coming up",
            TripTime::Past => "Past trips",
            TripTime::Undated => "No dates yet",
        }
    }

    /// Each group's order: the coming ones soonest first, the past ones latest first.
    pub fn sort_key(self, start: Option<NaiveDate>) -> i64 {
        let days = start.map_or(0, |d| i64::from(d.num_days_from_ce()));
        match self {
            TripTime::UnderWay | TripTime::Upcoming => days,
            TripTime::Past => -days,
            // Kept in the order given (last changed first).
            TripTime::Undated => 0,
        }
    }
}

/// Trips grouped by where they stand on `today` (`dates` gives each one's start and end),
/// the groups in `TripTime` order and each group by date.
pub fn by_trip_time<T>(
    trips: impl IntoIterator<Item = T>,
    today: NaiveDate,
    dates: impl Fn(&T) -> (Option<NaiveDate>, Option<NaiveDate>),
) -> Vec<(TripTime, Vec<T>)> {
    let mut groups: BTreeMap<TripTime, Vec<T>> = BTreeMap::new();
    for trip in trips {
        let (start, end) = dates(&trip);
        groups
            .entry(TripTime::of(start, end, today))
            .or_default()
            .push(trip);
    }
    groups
        .into_iter()
        .map(|(when, mut trips)| {
            trips.sort_by_key(|t| when.sort_key(dates(t).0));
            (when, trips)
        })
        .collect()
}

/// A phone number as a `tel:` link wants it: digits and a leading plus, no spaces.
pub fn tel_target(phone: &str) -> String {
    phone
        .chars()
        .enumerate()
        .filter(|(i, c)| c.is_ascii_digit() || (*i == 0 && *c == '+'))
        .map(|(_, c)| c)
        .collect()
}

/// Each stay of several nights on the days of its second and later nights.
fn add_later_nights(days: &mut [Day]) {
    let index: HashMap<NaiveDate, usize> =
        days.iter().enumerate().map(|(i, d)| (d.date, i)).collect();
    let mut later = Vec::new();
    for day in days.iter() {
        for stay in day.activities.iter().filter(|a| a.nights() > 1) {
            let nights = stay.nights();
            let dates = std::iter::successors(day.date.succ_opt(), |d| d.succ_opt());
            for (night, date) in (2..=nights).zip(dates) {
                if let Some(&i) = index.get(&date) {
                    later.push((
                        i,
                        StayNight {
                            id: stay.id,
                            title: stay.title.clone(),
                            night,
                            nights,
                        },
                    ));
                }
            }
        }
    }
    for (i, night) in later {
        days[i].stays.push(night);
    }
}

/// Timed activities in start-time order, in the places timed activities hold in the
/// manual order; untimed ones stay where the traveller put them.
fn in_time_order(day: &mut [PlanActivity]) {
    let slots: Vec<usize> = (0..day.len())
        .filter(|i| day[*i].start_time.is_some())
        .collect();
    let mut timed: Vec<PlanActivity> = slots.iter().map(|i| day[*i].clone()).collect();
    // Stable: two at the same time keep their manual order.
    timed.sort_by_key(|a| a.start_time);
    for (slot, activity) in slots.into_iter().zip(timed) {
        day[slot] = activity;
    }
}

/// Records, for each pair of activities whose times overlap, the other's title on both.
fn find_overlaps(day: &[PlanActivity], overlaps: &mut HashMap<ActivityId, Vec<String>>) {
    // A stay runs beside the day's plans (check-in 15:00 to check-out 11:00 is no clash).
    let stay =
        |a: &PlanActivity| a.nights() > 1 || a.activity_type.as_deref() == Some("accommodation");
    let spans: Vec<(&PlanActivity, (u32, u32))> = day
        .iter()
        .filter(|a| !stay(a))
        .filter_map(|a| a.span_minutes().map(|span| (a, span)))
        .collect();
    for (i, (a, (a_start, a_end))) in spans.iter().enumerate() {
        for (b, (b_start, b_end)) in &spans[i + 1..] {
            if a_start < b_end && b_start < a_end {
                overlaps.entry(a.id).or_default().push(b.title.clone());
                overlaps.entry(b.id).or_default().push(a.title.clone());
            }
        }
    }
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

    #[test]
    fn ago_reads_like_speech() {
        let now = DateTime::parse_from_rfc3339("2026-07-10T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let before = |s: i64| now - chrono::Duration::seconds(s);
        assert_eq!(ago(before(5), now), "just now");
        assert_eq!(ago(before(-30), now), "just now", "a clock a little ahead");
        assert_eq!(ago(before(60), now), "1 minute ago");
        assert_eq!(ago(before(150), now), "2 minutes ago");
        assert_eq!(ago(before(3 * 3600), now), "3 hours ago");
        assert_eq!(ago(before(86400), now), "1 day ago");
        assert_eq!(ago(before(40 * 86400), now), "on 31 May 2026");
        let change = LastChange::new(None, before(120), now);
        assert_eq!(change.by, FORMER_MEMBER);
        assert_eq!(change.iso, "2026-07-10T11:58:00Z");
        assert_eq!(change.at, "10 Jul 2026, 11:58 UTC");
    }

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
            vec![ActivityId(4), ActivityId(3)]
        );
    }

    fn at(id: i32, start: &str, end: Option<&str>) -> PlanActivity {
        let time = |t: &str| chrono::NaiveTime::parse_from_str(t, "%H:%M").ok();
        PlanActivity {
            start_time: time(start),
            end_time: end.and_then(time),
            ..activity(id, Some("2026-07-01"), "other", "", "")
        }
    }

    fn day_one(activities: Vec<PlanActivity>) -> Itinerary {
        let d = NaiveDate::from_str("2026-07-01").ok();
        itinerary(d, d, activities)
    }

    pub(crate) fn stay(id: i32, date: &str, nights: u32, estimated: &str) -> PlanActivity {
        PlanActivity {
            metadata: Some(serde_json::json!({ "nights": nights })),
            ..activity(id, Some(date), "accommodation", estimated, "")
        }
    }

    #[test]
    fn a_stay_shows_on_each_of_its_nights_within_the_trip() {
        let d = |s: &str| Some(NaiveDate::from_str(s).unwrap());
        let it = itinerary(
            d("2026-07-01"),
            d("2026-07-04"),
            vec![
                stay(1, "2026-07-01", 3, "900"),
                stay(2, "2026-07-04", 2, ""),
            ],
        );
        let nights: Vec<Vec<(i32, u32, u32)>> = it
            .days
            .iter()
            .map(|d| {
                d.stays
                    .iter()
                    .map(|s| (s.id.0, s.night, s.nights))
                    .collect()
            })
            .collect();
        // The second stay's second night falls after the trip: not shown.
        assert_eq!(
            nights,
            vec![vec![], vec![(1, 2, 3)], vec![(1, 3, 3)], vec![]]
        );
        let time = |t: &str| chrono::NaiveTime::parse_from_str(t, "%H:%M").ok();
        let check_in = PlanActivity {
            start_time: time("15:00"),
            end_time: time("11:00"),
            ..stay(1, "2026-07-01", 3, "")
        };
        let it = day_one(vec![check_in, at(2, "19:00", Some("21:00"))]);
        assert_eq!(
            it.overlaps_of(&ActivityId(2)),
            None,
            "a stay clashes with nothing"
        );
        assert_eq!(it.days[0].activities[0].nights(), 3);
        assert_eq!(activity(3, None, "other", "", "").nights(), 1);
    }

    #[test]
    fn timed_activities_sort_by_start_and_untimed_keep_their_place() {
        let it = day_one(vec![
            activity(1, Some("2026-07-01"), "other", "", ""),
            at(2, "16:00", None),
            at(3, "08:00", None),
            activity(4, Some("2026-07-01"), "other", "", ""),
            at(5, "13:00", None),
        ]);
        let order: Vec<i32> = it.days[0].activities.iter().map(|a| a.id.0).collect();
        assert_eq!(order, vec![1, 3, 5, 4, 2]);
    }

    #[test]
    fn overlapping_times_are_flagged_on_both_and_a_night_ends_the_next_day() {
        let it = day_one(vec![
            at(1, "09:00", Some("11:00")),
            at(2, "10:30", Some("12:00")),
            at(3, "12:00", Some("13:00")),
            at(4, "23:30", Some("03:30")),
            at(5, "23:45", None),
        ]);
        assert_eq!(it.overlaps_of(&ActivityId(1)).as_deref(), Some("A2"));
        assert_eq!(it.overlaps_of(&ActivityId(2)).as_deref(), Some("A1"));
        assert_eq!(
            it.overlaps_of(&ActivityId(3)),
            None,
            "back to back is no overlap"
        );
        assert_eq!(it.overlaps_of(&ActivityId(4)).as_deref(), Some("A5"));
        assert!(it.days[0].activities[3].ends_next_day());
        assert!(!it.days[0].activities[0].ends_next_day());
    }

    #[test]
    fn strays_outside_the_trip_come_by_date_before_the_undated() {
        let d = |s: &str| Some(NaiveDate::from_str(s).unwrap());
        let it = itinerary(
            d("2026-07-01"),
            d("2026-07-03"),
            vec![
                activity(1, None, "other", "", ""),
                activity(2, Some("2026-08-01"), "other", "", ""),
                activity(3, Some("2026-06-30"), "other", "", ""),
            ],
        );
        let outside: Vec<i32> = it.outside().map(|a| a.id.0).collect();
        assert_eq!(outside, vec![3, 2]);
        assert_eq!(it.undated().map(|a| a.id.0).collect::<Vec<_>>(), vec![1]);
        let flagged: Vec<i32> = it
            .unscheduled
            .iter()
            .filter(|a| it.is_outside(a))
            .map(|a| a.id.0)
            .collect();
        assert_eq!(
            flagged,
            vec![3, 2],
            "only the dated strays carry the warning"
        );
    }

    #[test]
    fn the_countdown_says_where_a_trip_stands() {
        let d = |s: &str| NaiveDate::from_str(s).unwrap();
        let (start, end) = (Some(d("2026-07-10")), Some(d("2026-07-15")));
        let on = |today: &str| countdown(start, end, d(today));
        assert_eq!(on("2026-06-28").as_deref(), Some("in 12 days"));
        assert_eq!(on("2026-07-09").as_deref(), Some("tomorrow"));
        assert_eq!(on("2026-07-12").as_deref(), Some("day 3 of 6"));
        assert_eq!(on("2026-07-16").as_deref(), Some("ended yesterday"));
        assert_eq!(on("2026-07-20").as_deref(), Some("ended 5 days ago"));
        assert_eq!(countdown(None, end, d("2026-07-01")), None);
        assert_eq!(
            countdown(start, None, d("2026-07-10")).as_deref(),
            Some("day 1 of 1")
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
