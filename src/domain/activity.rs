//! What an activity form may hold, checked against the columns of `plan_activities`.

use std::str::FromStr;

use bigdecimal::BigDecimal;
use chrono::NaiveTime;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::domain::plan_data::Extra;

pub const ACTIVITY_TYPES: [&str; 6] = [
    "accommodation",
    "transport",
    "attraction",
    "restaurant",
    "activity",
    "other",
];

pub fn activity_type(raw: &str) -> Result<Option<String>, String> {
    let value = raw.trim();
    if value.is_empty() {
        return Ok(None);
    }
    if ACTIVITY_TYPES.contains(&value) {
        Ok(Some(value.to_string()))
    } else {
        Err("Choose a type from the list.".into())
    }
}

/// A coordinate within ±`limit` degrees with at most 8 decimals (DECIMAL(10|11, 8)).
fn coordinate(raw: &str, limit: i32, what: &str) -> Result<Option<BigDecimal>, String> {
    let value = raw.trim();
    if value.is_empty() {
        return Ok(None);
    }
    let message = || format!("Enter a {what} between -{limit} and {limit}, like 48.8584.");
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
}
