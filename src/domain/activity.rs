//! What an activity form may hold, checked against the columns of `plan_activities`.

use std::str::FromStr;

use bigdecimal::BigDecimal;
use chrono::{NaiveDate, NaiveTime, Timelike};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::domain::money::Money;
use crate::domain::plan::{optional_date, optional_text, required_text};
use crate::domain::plan_data::{Booking, BookingDetails, Extra};
use crate::domain::{ActivityType, Coordinates, FieldErrors};

/// The most an activity's `metadata` may hold, as compact JSON: far more than the form's
/// fields fill, small enough that no import can bloat a plan.
pub const MAX_METADATA_BYTES: usize = 16 * 1024;

/// The form's choices.
pub const ACTIVITY_TYPES: [&str; 6] = [
    ActivityType::ALL[0].as_str(),
    ActivityType::ALL[1].as_str(),
    ActivityType::ALL[2].as_str(),
    ActivityType::ALL[3].as_str(),
    ActivityType::ALL[4].as_str(),
    ActivityType::ALL[5].as_str(),
];

pub fn activity_type(raw: &str) -> Result<Option<ActivityType>, String> {
    let value = raw.trim();
    if value.is_empty() {
        return Ok(None);
    }
    value.parse().map(Some)
}

/// A coordinate within ±`limit` degrees with at most 8 decimals (DECIMAL(10|11, 8)).
fn coordinate(raw: &str, limit: i32, what: &str) -> Result<Option<BigDecimal>, String> {
    let value = raw.trim();
    if value.is_empty() {
        return Ok(None);
    }
    let message = || format!("Enter a {what} between -{limit} and {limit}, like 48.8584.");
    // A decimal comma ("48,8584") is read as the point it stands for.
    let value = &value.replacen(',', ".", usize::from(!value.contains('.')));
    let unsigned = value.strip_prefix('-').unwrap_or(value);
    let (whole, decimals) = unsigned.split_once('.').unwrap_or((unsigned, "0"));
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    let shape_ok = digits(whole) && digits(decimals) && decimals.len() <= 8;
    if !shape_ok {
        return Err(message());
    }
    let number = BigDecimal::from_str(value).map_err(|_| message())?;
    if number.abs() > limit {
        return Err(message());
    }
    Ok(Some(number))
}

pub fn latitude(raw: &str) -> Result<Option<BigDecimal>, String> {
    coordinate(raw, 90, "latitude")
}

pub fn longitude(raw: &str) -> Result<Option<BigDecimal>, String> {
    coordinate(raw, 180, "longitude")
}

pub fn time(raw: &str) -> Result<Option<NaiveTime>, String> {
    let value = raw.trim();
    if value.is_empty() {
        return Ok(None);
    }
    NaiveTime::parse_from_str(value, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(value, "%H:%M:%S"))
        .or_else(|_| NaiveTime::parse_from_str(value, "%H:%M:%S%.f"))
        .map(Some)
        .map_err(|_| "Enter a time like 09:30.".into())
}

/// Minutes, 0 to 10,080 (a week).
pub fn duration(raw: &str) -> Result<Option<i32>, String> {
    let value = raw.trim();
    if value.is_empty() {
        return Ok(None);
    }
    match value.parse::<i32>() {
        Ok(minutes) if (0..=10_080).contains(&minutes) => Ok(Some(minutes)),
        _ => Err("Enter whole minutes between 0 and 10080.".into()),
    }
}

/// The most nights one stay may span: a season's let, not a mistyped year.
pub const MAX_NIGHTS: u32 = 90;

/// A stay's nights, from its date: 1 to `MAX_NIGHTS`, empty for none.
pub fn nights(raw: &str) -> Result<Option<u32>, String> {
    let value = raw.trim();
    if value.is_empty() {
        return Ok(None);
    }
    match value.parse::<u32>() {
        Ok(n) if (1..=MAX_NIGHTS).contains(&n) => Ok(Some(n)),
        _ => Err(format!("Enter whole nights from 1 to {MAX_NIGHTS}.")),
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BookingInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmation_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancellation_policy: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ContactInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Reviews {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<f64>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `plan_activities.metadata`: the seed's keys typed, every other key kept.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Metadata {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub booking_info: Option<BookingInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_info: Option<ContactInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviews: Option<Reviews>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// A stay (a hotel, a flat) over several nights from its date: shown on each night,
    /// its cost spread over them in the per-day budget.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nights: Option<u32>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Metadata {
    /// Reads the stored JSON; if its known keys have another shape, everything is kept
    /// as extra keys rather than lost.
    pub fn from_value(value: Option<&Value>) -> Self {
        match value {
            Some(v) => serde_json::from_value(v.clone()).unwrap_or_else(|_| Metadata {
                extra: v.as_object().cloned().unwrap_or_default(),
                ..Metadata::default()
            }),
            None => Metadata::default(),
        }
    }

    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or_else(|_| Value::Object(Default::default()))
    }
}

/// A rating from 0 to 5 with one decimal at most.
pub fn rating(raw: &str) -> Result<Option<f64>, String> {
    let value = raw.trim();
    if value.is_empty() {
        return Ok(None);
    }
    match value.parse::<f64>() {
        Ok(r) if (0.0..=5.0).contains(&r) => Ok(Some((r * 10.0).round() / 10.0)),
        _ => Err("Enter a rating from 0 to 5.".into()),
    }
}

/// Comma-separated tags, each trimmed, at most 20 of at most 40 characters.
pub fn tags(raw: &str) -> Result<Vec<String>, String> {
    let tags: Vec<String> = raw
        .split(',')
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect();
    if tags.len() > 20 || tags.iter().any(|t| t.chars().count() > 40) {
        return Err("At most 20 tags of at most 40 characters each.".into());
    }
    Ok(tags)
}

/// A time as the form shows it: minutes, or seconds when it has them (so a copy keeps
/// them).
pub fn time_text(t: NaiveTime) -> String {
    if t.second() == 0 && t.nanosecond() == 0 {
        t.format("%H:%M").to_string()
    } else {
        t.format("%H:%M:%S%.f").to_string()
    }
}

/// An activity's fields, every one checked against the columns and the form's rules.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidActivity {
    pub title: String,
    pub description: Option<String>,
    pub activity_type: Option<ActivityType>,
    pub location_name: Option<String>,
    pub coordinates: Option<Coordinates>,
    pub address: Option<String>,
    pub scheduled_date: Option<NaiveDate>,
    pub start_time: Option<NaiveTime>,
    pub end_time: Option<NaiveTime>,
    pub duration_minutes: Option<i32>,
    pub estimated_cost: Option<BigDecimal>,
    pub actual_cost: Option<BigDecimal>,
    pub metadata: Value,
}

/// An activity's fields as the form holds them (text), metadata's typed keys included:
/// what the form, an import, a copy and a duplicate all check with `validate`.
#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
#[serde(default)]
pub struct ActivityInput {
    pub title: String,
    pub description: String,
    pub activity_type: String,
    pub location_name: String,
    pub address: String,
    pub latitude: String,
    pub longitude: String,
    pub scheduled_date: String,
    pub start_time: String,
    pub end_time: String,
    pub duration_minutes: String,
    pub estimated_cost: String,
    pub actual_cost: String,
    pub confirmation_number: String,
    pub provider: String,
    pub cancellation_policy: String,
    pub phone: String,
    pub website: String,
    pub email: String,
    pub rating: String,
    pub tags: String,
    pub nights: String,
}

impl ActivityInput {
    /// The metadata's typed keys as the form's fields.
    pub fn with_metadata(self, meta: &Metadata) -> Self {
        let booking = meta.booking_info.clone().unwrap_or_default();
        let contact = meta.contact_info.clone().unwrap_or_default();
        ActivityInput {
            confirmation_number: booking.confirmation_number.unwrap_or_default(),
            provider: booking.provider.unwrap_or_default(),
            cancellation_policy: booking.cancellation_policy.unwrap_or_default(),
            phone: contact.phone.unwrap_or_default(),
            website: contact.website.unwrap_or_default(),
            email: contact.email.unwrap_or_default(),
            rating: meta
                .reviews
                .as_ref()
                .and_then(|r| r.rating)
                .map(|r| r.to_string())
                .unwrap_or_default(),
            tags: meta.tags.join(", "),
            nights: meta.nights.map(|n| n.to_string()).unwrap_or_default(),
            ..self
        }
    }

    /// The checked values (its position is the caller's), merging the metadata fields into
    /// `existing` so keys the form does not show survive; the result stays within
    /// `MAX_METADATA_BYTES`.
    pub fn validate(&self, existing: Option<&Value>) -> Result<ValidActivity, FieldErrors> {
        let mut errors = FieldErrors::default();
        let title = errors.check("title", required_text(&self.title, 200, "a title"));
        let description = errors.check("description", optional_text(&self.description, 20_000));
        let activity_type = errors.check("activity_type", activity_type(&self.activity_type));
        let location_name = errors.check("location_name", optional_text(&self.location_name, 200));
        let address = errors.check("address", optional_text(&self.address, 2_000));
        let latitude = errors.check("latitude", latitude(&self.latitude));
        let longitude = errors.check("longitude", longitude(&self.longitude));
        if matches!(
            (&latitude, &longitude),
            (Some(Some(_)), Some(None)) | (Some(None), Some(Some(_)))
        ) {
            errors.add("longitude", "Give both latitude and longitude, or neither.");
        }
        let scheduled_date = errors.check("scheduled_date", optional_date(&self.scheduled_date));
        let start_time = errors.check("start_time", time(&self.start_time));
        let end_time = errors.check("end_time", time(&self.end_time));
        // An end before the start is the next day (a night bus); only no time at all is
        // refused.
        if let (Some(Some(s)), Some(Some(e))) = (start_time, end_time)
            && e == s
        {
            errors.add(
                "end_time",
                "The end must differ from the start (an earlier end is the next day).",
            );
        }
        let duration_minutes = errors.check("duration_minutes", duration(&self.duration_minutes));
        let nights = errors.check("nights", nights(&self.nights)).flatten();
        if nights.is_some() && matches!(scheduled_date, Some(None)) {
            errors.add("nights", "Give the date of the first night too.");
        }
        let estimated_cost = errors.check(
            "estimated_cost",
            Money::parse_optional(&self.estimated_cost),
        );
        let actual_cost = errors.check("actual_cost", Money::parse_optional(&self.actual_cost));
        let short = |field: &'static str, value: &str, errors: &mut FieldErrors| {
            errors.check(field, optional_text(value, 200)).flatten()
        };
        let confirmation_number = short(
            "confirmation_number",
            &self.confirmation_number,
            &mut errors,
        );
        let provider = short("provider", &self.provider, &mut errors);
        let cancellation_policy = short(
            "cancellation_policy",
            &self.cancellation_policy,
            &mut errors,
        );
        let phone = short("phone", &self.phone, &mut errors);
        let website = short("website", &self.website, &mut errors);
        if let Some(site) = &website
            && !(site.starts_with("https://") || site.starts_with("http://"))
        {
            errors.add("website", "Enter a web address starting with https://.");
        }
        let email = short("email", &self.email, &mut errors);
        let rating = errors.check("rating", rating(&self.rating));
        let tags = errors.check("tags", tags(&self.tags));
        if !errors.is_empty() {
            return Err(errors);
        }
        let coordinates = match (latitude.flatten(), longitude.flatten()) {
            (Some(lat), Some(lng)) => match Coordinates::new(lat, lng) {
                Ok(c) => Some(c),
                Err(e) => {
                    errors.add("latitude", e);
                    return Err(errors);
                }
            },
            _ => None,
        };
        let mut meta = Metadata::from_value(existing);
        let booking = meta.booking_info.take().unwrap_or_default();
        let booking = BookingInfo {
            confirmation_number,
            provider,
            cancellation_policy,
            ..booking
        };
        meta.booking_info = (booking != BookingInfo::default()).then_some(booking);
        let contact = meta.contact_info.take().unwrap_or_default();
        let contact = ContactInfo {
            phone,
            website,
            email,
            ..contact
        };
        meta.contact_info = (contact != ContactInfo::default()).then_some(contact);
        let reviews = meta.reviews.take().unwrap_or_default();
        let reviews = Reviews {
            rating: rating.flatten(),
            ..reviews
        };
        meta.reviews = (reviews != Reviews::default()).then_some(reviews);
        meta.tags = tags.unwrap_or_default();
        meta.nights = nights;
        let metadata = meta.to_value();
        if let Err(e) = check_metadata(&metadata) {
            errors.add("metadata", e);
            return Err(errors);
        }
        Ok(ValidActivity {
            title: title.unwrap_or_default(),
            description: description.flatten(),
            activity_type: activity_type.flatten(),
            location_name: location_name.flatten(),
            coordinates,
            address: address.flatten(),
            scheduled_date: scheduled_date.flatten(),
            start_time: start_time.flatten(),
            end_time: end_time.flatten(),
            duration_minutes: duration_minutes.flatten(),
            estimated_cost: estimated_cost.flatten().map(Money::into_inner),
            actual_cost: actual_cost.flatten().map(Money::into_inner),
            metadata,
        })
    }
}

/// A date with an optional time as people typed them on the old booking forms
/// ("2026-07-01 09:40", "2026-07-01T09:40"): `None` when it is not that.
fn date_and_time(raw: &str) -> Option<(NaiveDate, Option<NaiveTime>)> {
    let raw = raw.trim();
    let (date, rest) = raw.split_at_checked(10)?;
    let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
    let rest = rest.trim_start_matches(['T', ' ']);
    if rest.is_empty() {
        return Some((date, None));
    }
    let time = NaiveTime::parse_from_str(rest.get(..5)?, "%H:%M").ok()?;
    Some((date, Some(time)))
}

/// Whole nights from one day to another, when they make a stay.
fn nights_between(from: NaiveDate, to: NaiveDate) -> Option<u32> {
    let nights = u32::try_from(to.signed_duration_since(from).num_days()).ok()?;
    (2..=MAX_NIGHTS).contains(&nights).then_some(nights)
}

impl ActivityInput {
    /// A booking kept in the trip details (`kind`: flights, hotels or activities) as an
    /// activity of the itinerary with its booking details; what no field holds (a date
    /// that is not one) goes into the description, and its other keys into the booking's
    /// metadata (`with_kept_keys`), so nothing it said is lost.
    pub fn from_booking(kind: &str, booking: &Booking) -> ActivityInput {
        let (label, activity_type) = match kind {
            "flights" => ("Flight", "transport"),
            "hotels" => ("Hotel", "accommodation"),
            _ => ("Booking", "activity"),
        };
        let title = match &booking.provider {
            Some(p) => format!("{label} · {p}"),
            None => label.to_string(),
        };
        let mut input = ActivityInput {
            title,
            activity_type: activity_type.into(),
            estimated_cost: booking.cost.clone().unwrap_or_default(),
            confirmation_number: booking.confirmation_number.clone().unwrap_or_default(),
            provider: booking.provider.clone().unwrap_or_default(),
            ..ActivityInput::default()
        };
        input.set_span(
            booking.starts_at.as_deref(),
            booking.ends_at.as_deref(),
            activity_type == "accommodation",
        );
        input
    }

    /// The accommodation kept in the trip details as a stay in the itinerary.
    pub fn from_stay(kind: Option<&str>, stay: &BookingDetails) -> ActivityInput {
        let title = stay
            .name
            .clone()
            .or_else(|| kind.map(str::to_string))
            .unwrap_or_else(|| "Accommodation".into());
        let mut input = ActivityInput {
            title,
            activity_type: "accommodation".into(),
            address: stay.address.clone().unwrap_or_default(),
            confirmation_number: stay.confirmation_number.clone().unwrap_or_default(),
            ..ActivityInput::default()
        };
        input.set_span(stay.check_in.as_deref(), stay.check_out.as_deref(), true);
        input
    }

    /// The metadata a kept booking's activity starts from: its keys no field shows, kept
    /// under `booking_info`.
    pub fn kept_keys(extra: &Extra) -> Value {
        let booking = BookingInfo {
            extra: extra.clone(),
            ..BookingInfo::default()
        };
        Metadata {
            booking_info: (!extra.is_empty()).then_some(booking),
            ..Metadata::default()
        }
        .to_value()
    }

    /// Date, times and (for a stay) nights from a booking's start and end text.
    fn set_span(&mut self, starts: Option<&str>, ends: Option<&str>, stay: bool) {
        let start = starts.and_then(date_and_time);
        let end = ends.and_then(date_and_time);
        let mut unread = Vec::new();
        match (starts, start) {
            (_, Some((date, time))) => {
                self.scheduled_date = date.to_string();
                self.start_time = time.map(time_text).unwrap_or_default();
            }
            (Some(raw), None) if !raw.trim().is_empty() => unread.push(format!("From {raw}")),
            _ => {}
        }
        match (ends, end, start) {
            (_, Some((to, time)), Some((from, _))) => {
                let nights = nights_between(from, to).filter(|_| stay);
                self.nights = nights.map(|n| n.to_string()).unwrap_or_default();
                let next_day = from.succ_opt() == Some(to);
                if nights.is_some() || to == from || next_day {
                    self.end_time = time.map(time_text).unwrap_or_default();
                } else if let Some(raw) = ends {
                    unread.push(format!("Until {raw}"));
                }
            }
            (Some(raw), _, _) if !raw.trim().is_empty() => unread.push(format!("Until {raw}")),
            _ => {}
        }
        if self.end_time == self.start_time {
            self.end_time.clear();
        }
        self.description = unread.join(". ");
    }
}

/// Metadata the database and the pages can hold: an object, no NUL, within the limit.
pub fn check_metadata(metadata: &Value) -> Result<(), String> {
    if !metadata.is_object() {
        return Err("The extra data must be a JSON object.".into());
    }
    let text = metadata.to_string();
    if text.len() > MAX_METADATA_BYTES {
        return Err(format!(
            "The extra data may be at most {} KiB.",
            MAX_METADATA_BYTES / 1024
        ));
    }
    if text.contains("\\u0000") {
        return Err("The extra data contains a NUL character, which cannot be stored.".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinates_are_bounded() {
        assert_eq!(
            latitude("48.85837").unwrap().unwrap().to_string(),
            "48.85837"
        );
        assert!(latitude("-90").unwrap().is_some());
        for bad in ["90.1", "-91", "abc", "1e3", "12.123456789", "-", "4 8"] {
            assert!(latitude(bad).is_err(), "{bad}");
        }
        assert!(longitude("-179.99999999").unwrap().is_some());
        assert!(longitude("180.5").is_err());
    }

    #[test]
    fn times_durations_ratings_tags() {
        assert_eq!(time("09:30").unwrap(), NaiveTime::from_hms_opt(9, 30, 0));
        assert!(time("25:00").is_err());
        assert!(duration("-5").is_err());
        assert!(duration("99999999999").is_err());
        assert_eq!(rating("4.45").unwrap(), Some(4.5));
        assert!(rating("6").is_err());
        assert_eq!(tags(" a, b ,,c").unwrap(), vec!["a", "b", "c"]);
    }

    #[test]
    fn a_stay_has_whole_nights_from_a_date() {
        assert_eq!(nights(" 3 ").unwrap(), Some(3));
        assert_eq!(nights("").unwrap(), None);
        for bad in ["0", "91", "2.5", "-1", "three"] {
            assert!(nights(bad).is_err(), "{bad}");
        }
        let stay = |date: &str| ActivityInput {
            title: "Hotel".into(),
            scheduled_date: date.into(),
            nights: "3".into(),
            ..ActivityInput::default()
        };
        let valid = stay("2027-04-05").validate(None).unwrap();
        assert_eq!(valid.metadata, serde_json::json!({"nights": 3}));
        let read_back =
            ActivityInput::default().with_metadata(&Metadata::from_value(Some(&valid.metadata)));
        assert_eq!(read_back.nights, "3");
        let errors = stay("").validate(None).unwrap_err();
        assert!(errors.get("nights").unwrap().contains("first night"));
    }

    #[test]
    fn bookings_from_the_trip_details_become_activities_without_losing_a_word() {
        let flight = Booking {
            provider: Some("TAP".into()),
            confirmation_number: Some("X7K2P".into()),
            starts_at: Some("2026-07-01 09:40".into()),
            ends_at: Some("2026-07-01 11:05".into()),
            cost: Some("240.50".into()),
            extra: Extra::default(),
        };
        let input = ActivityInput::from_booking("flights", &flight);
        assert_eq!(
            (
                input.title.as_str(),
                input.activity_type.as_str(),
                input.scheduled_date.as_str(),
                input.start_time.as_str(),
                input.end_time.as_str(),
                input.estimated_cost.as_str(),
                input.confirmation_number.as_str(),
            ),
            (
                "Flight · TAP",
                "transport",
                "2026-07-01",
                "09:40",
                "11:05",
                "240.50",
                "X7K2P"
            )
        );
        assert!(input.validate(None).is_ok());
        let hotel = Booking {
            starts_at: Some("2026-07-01".into()),
            ends_at: Some("2026-07-04".into()),
            ..Booking::default()
        };
        let input = ActivityInput::from_booking("hotels", &hotel);
        assert_eq!(
            (input.title.as_str(), input.nights.as_str()),
            ("Hotel", "3")
        );
        let vague = Booking {
            provider: Some("Ferry".into()),
            starts_at: Some("early July".into()),
            ends_at: Some("2026-07-09".into()),
            ..Booking::default()
        };
        let input = ActivityInput::from_booking("activities", &vague);
        assert_eq!(input.scheduled_date, "");
        assert_eq!(input.description, "From early July. Until 2026-07-09");
        let stay = BookingDetails {
            name: Some("Casa Azul".into()),
            address: Some("Rua Augusta 1".into()),
            check_in: Some("2026-07-01".into()),
            check_out: Some("2026-07-03".into()),
            ..BookingDetails::default()
        };
        let input = ActivityInput::from_stay(Some("apartment"), &stay);
        assert_eq!(
            (
                input.title.as_str(),
                input.address.as_str(),
                input.nights.as_str()
            ),
            ("Casa Azul", "Rua Augusta 1", "2")
        );
    }

    #[test]
    fn seed_metadata_round_trips() {
        let seed = serde_json::json!({
          "booking_info": {"confirmation_number": "ABC123", "provider": "BookingProvider", "cancellation_policy": "free_cancellation_24h"},
          "contact_info": {"phone": "+1-555-0123", "website": "https://example.com", "email": "info@example.com"},
          "reviews": {"rating": 4.5, "source": "TripAdvisor", "review_count": 245},
          "tags": ["family_friendly", "indoor", "accessible"],
          "parking": true
        });
        assert_eq!(Metadata::from_value(Some(&seed)).to_value(), seed);
    }

    #[test]
    fn out_of_range_dates_and_oversized_metadata_are_refused() {
        let input = ActivityInput {
            title: "Far".into(),
            scheduled_date: "+262142-12-31".into(),
            ..ActivityInput::default()
        };
        let errors = input.validate(None).unwrap_err();
        assert!(errors.get("scheduled_date").unwrap().contains("1900"));
        let big = serde_json::json!({"x": "y".repeat(MAX_METADATA_BYTES)});
        let input = ActivityInput {
            title: "Big".into(),
            ..ActivityInput::default()
        };
        assert!(
            input
                .validate(Some(&big))
                .unwrap_err()
                .get("metadata")
                .is_some()
        );
    }
}
