//! `plans.plan_data`, typed for the keys the seed's design names, with every key we do not
//! know kept as it came (`extra`), so no load-and-save loses anything.
//!
//! Each known section is read on its own: a section whose shape we do not understand stays
//! in `extra` untouched (and is editable in the raw editor) instead of failing the plan.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::domain::time_zone::TimeZone;

pub type Extra = Map<String, Value>;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Preferences {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub travel_style: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_size: Option<i64>,
    #[serde(default)]
    pub accessibility_needs: Vec<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BookingDetails {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmation_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_in: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_out: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Accommodation {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default)]
    pub booking_details: BookingDetails,
    #[serde(default)]
    pub preferences: Vec<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ArrivalDetails {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arrives_at: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Arrival {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(default)]
    pub details: ArrivalDetails,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LocalTransport {
    #[serde(default)]
    pub methods: Vec<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Transportation {
    #[serde(default)]
    pub arrival: Arrival,
    #[serde(default)]
    pub local: LocalTransport,
    #[serde(flatten)]
    pub extra: Extra,
}

/// One booking made elsewhere: a flight, a hotel, a tour.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Booking {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmation_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<String>,
    /// Exact decimal as text ("120.50").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ExternalBookings {
    #[serde(default)]
    pub flights: Vec<Booking>,
    #[serde(default)]
    pub hotels: Vec<Booking>,
    #[serde(default)]
    pub activities: Vec<Booking>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// What a share link shows beyond the itinerary.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Sharing {
    #[serde(default)]
    pub show_costs: bool,
    #[serde(default)]
    pub show_bookings: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// Where the destination is, as chosen from the place search (or typed on the plan form).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Location {
    pub latitude: f64,
    pub longitude: f64,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct PlanData {
    pub preferences: Option<Preferences>,
    pub accommodation: Option<Accommodation>,
    pub transportation: Option<Transportation>,
    pub notes: Option<String>,
    pub external_bookings: Option<ExternalBookings>,
    pub timezone: Option<String>,
    pub sharing: Option<Sharing>,
    /// `destination_location`: the destination's coordinates.
    pub destination_location: Option<Location>,
    /// Every other key, and any known key whose shape we could not read.
    pub extra: Extra,
}

/// Takes `key` out of `map` as a `T`, or leaves it in place when it is not one.
fn take<T: serde::de::DeserializeOwned>(map: &mut Extra, key: &str) -> Option<T> {
    let value = map.get(key)?;
    let parsed = serde_json::from_value(value.clone()).ok()?;
    map.remove(key);
    Some(parsed)
}

impl PlanData {
    pub fn from_value(value: Option<&Value>) -> Self {
        let mut map = match value {
            Some(Value::Object(map)) => map.clone(),
            _ => Map::new(),
        };
        PlanData {
            preferences: take(&mut map, "preferences"),
            accommodation: take(&mut map, "accommodation"),
            transportation: take(&mut map, "transportation"),
            notes: take(&mut map, "notes"),
            external_bookings: take(&mut map, "external_bookings"),
            timezone: take(&mut map, "timezone"),
            sharing: take(&mut map, "sharing"),
            destination_location: take(&mut map, "destination_location"),
            extra: map,
        }
    }

    pub fn to_value(&self) -> Value {
        let mut map = self.extra.clone();
        let mut put = |key: &str, value: Option<Value>| {
            if let Some(value) = value {
                map.insert(key.to_string(), value);
            }
        };
        put("preferences", self.preferences.as_ref().map(json));
        put("accommodation", self.accommodation.as_ref().map(json));
        put("transportation", self.transportation.as_ref().map(json));
        put(
            "notes",
            self.notes.as_ref().map(|v| Value::String(v.clone())),
        );
        put(
            "external_bookings",
            self.external_bookings.as_ref().map(json),
        );
        put(
            "timezone",
            self.timezone.as_ref().map(|v| Value::String(v.clone())),
        );
        put("sharing", self.sharing.as_ref().map(json));
        put(
            "destination_location",
            self.destination_location.as_ref().map(json),
        );
        Value::Object(map)
    }

    pub fn sharing(&self) -> Sharing {
        self.sharing.clone().unwrap_or_default()
    }

    pub fn bookings(&self) -> ExternalBookings {
        self.external_bookings.clone().unwrap_or_default()
    }

    /// Takes the booking of the accommodation kept here out (its kind and wishes stay):
    /// its kind and booking, when it has one.
    pub fn take_stay(&mut self) -> Option<(Option<String>, BookingDetails)> {
        let accommodation = self.accommodation.as_mut()?;
        let details = std::mem::take(&mut accommodation.booking_details);
        (details != BookingDetails::default()).then(|| (accommodation.kind.clone(), details))
    }

    /// Takes the `index`th booking of `kind` (flights, hotels, activities) out.
    pub fn take_booking(&mut self, kind: &str, index: usize) -> Option<Booking> {
        let bookings = self.external_bookings.as_mut()?;
        let list = match kind {
            "flights" => &mut bookings.flights,
            "hotels" => &mut bookings.hotels,
            "activities" => &mut bookings.activities,
            _ => return None,
        };
        (index < list.len()).then(|| list.remove(index))
    }

    /// Puts the destination at `at` (latitude, longitude), or nowhere. A plan without a time
    /// zone takes the one found there; one the traveller chose is kept.
    pub fn locate_destination(&mut self, at: Option<(f64, f64)>) {
        let Some((latitude, longitude)) = at else {
            self.destination_location = None;
            return;
        };
        let extra = self
            .destination_location
            .take()
            .map(|l| l.extra)
            .unwrap_or_default();
        self.destination_location = Some(Location {
            latitude,
            longitude,
            extra,
        });
        if self.timezone.is_none() {
            self.timezone = TimeZone::at(latitude, longitude).map(|tz| tz.as_str().to_string());
        }
    }

    /// The zone found from the destination's coordinates.
    pub fn destination_zone(&self) -> Option<TimeZone> {
        let l = self.destination_location.as_ref()?;
        TimeZone::at(l.latitude, l.longitude)
    }
}

/// The most `plan_data` may hold: the raw editor's limit, and every import's and copy's.
pub const MAX_DATA_BYTES: usize = 256 * 1024;

/// `plan_data` the raw editor would accept: an object, no NUL, within `MAX_DATA_BYTES` as
/// compact JSON.
pub fn check_raw(value: &Value) -> Result<(), String> {
    if !value.is_object() {
        return Err("The data must be a JSON object: { … }.".into());
    }
    let text = value.to_string();
    if text.len() > MAX_DATA_BYTES {
        return Err(format!(
            "The data may be at most {} KiB.",
            MAX_DATA_BYTES / 1024
        ));
    }
    if text.contains("\\u0000") {
        return Err("The data contains a NUL character, which cannot be stored.".into());
    }
    Ok(())
}

fn json<T: Serialize>(section: &T) -> Value {
    serde_json::to_value(section).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_seed_example_round_trips_without_loss() {
        let seed = json!({
          "preferences": {"budget_type": "budget", "travel_style": "cultural", "group_size": 2, "accessibility_needs": []},
          "accommodation": {"type": "hotel", "booking_details": {}, "preferences": ["wifi", "breakfast"]},
          "transportation": {"arrival": {"method": "flight", "details": {}}, "local": {"methods": ["walking", "public_transport"]}},
          "notes": "Remember to book tickets in advance",
          "external_bookings": {"flights": [], "hotels": [], "activities": []}
        });
        assert_eq!(PlanData::from_value(Some(&seed)).to_value(), seed);
    }

    #[test]
    fn unknown_keys_survive_at_every_level() {
        let data = json!({
            "mood": {"x": 1},
            "preferences": {"group_size": 3, "pets": true, "accessibility_needs": []},
            "external_bookings": {"flights": [{"provider": "KLM", "seat": "12A"}], "hotels": [], "activities": [], "cars": [1]},
        });
        let parsed = PlanData::from_value(Some(&data));
        assert_eq!(parsed.preferences.as_ref().unwrap().group_size, Some(3));
        assert_eq!(parsed.to_value(), data);
    }

    #[test]
    fn a_located_destination_brings_its_time_zone_once() {
        let mut data = PlanData::from_value(Some(
            &json!({"destination_location": {"latitude": 1.0, "longitude": 2.0, "source": "x"}}),
        ));
        data.locate_destination(Some((35.0116, 135.7681)));
        assert_eq!(data.timezone.as_deref(), Some("Asia/Tokyo"));
        assert_eq!(
            data.to_value(),
            json!({"timezone": "Asia/Tokyo", "destination_location": {"latitude": 35.0116, "longitude": 135.7681, "source": "x"}})
        );
        data.locate_destination(Some((38.7223, -9.1393)));
        assert_eq!(
            data.timezone.as_deref(),
            Some("Asia/Tokyo"),
            "a zone set is kept"
        );
        data.locate_destination(None);
        assert!(data.destination_location.is_none());
    }

    #[test]
    fn a_section_of_unexpected_shape_is_kept_as_it_was() {
        let data = json!({"preferences": "lots", "notes": 42});
        let parsed = PlanData::from_value(Some(&data));
        assert!(parsed.preferences.is_none());
        assert_eq!(parsed.to_value(), data);
    }
}
