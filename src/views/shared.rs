//! What a reader who is not the owner may see of a plan, built from an allow-list: only the
//! fields named here are copied out of the rows, so a key added to `plan_data` or to an
//! activity's metadata tomorrow stays with the owner. The share page, its calendar feed,
//! Explore's pages and "Copy to my plans" all take this one value, so what a reader is
//! shown and what a reader can copy cannot diverge.
//!
//! | part of the plan                                   | link holders        | Explore (everyone) |
//! | -------------------------------------------------- | ------------------- | ------------------ |
//! | title, dates, destination, description, notes,     | yes                 | yes                |
//! | time zone, itinerary (places, times, nights, tags, |                     |                    |
//! | rating)                                            |                     |                    |
//! | costs: budget, estimated and spent                 | if the owner shares | if the owner shares|
//! | bookings: confirmation numbers, providers, contact | if the owner shares | never              |
//! | details, where they stay, how they arrive          |                     |                    |
//! | preferences (accessibility needs), unknown keys    | never               | never              |

use bigdecimal::BigDecimal;
use chrono::NaiveDate;
use serde_json::Value;

use crate::domain::activity::{BookingInfo, ContactInfo, Metadata, Reviews};
use crate::domain::money::display;
use crate::domain::plan::{PlanInput, timezone};
use crate::domain::plan_data::{
    Accommodation, Arrival, ArrivalDetails, Booking, BookingDetails, ExternalBookings, PlanData,
    Transportation,
};
use crate::models::plan::Plan;
use crate::models::plan_activity::PlanActivity;

/// Who is reading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reader {
    /// Someone holding the plan's share link: sees what the owner chose to share.
    Link,
    /// Anyone, through Explore: never bookings or contact details, whatever the link shows.
    Public,
}

/// What this reader sees beyond the itinerary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Shown {
    pub costs: bool,
    pub bookings: bool,
}

/// A plan as one reader may see it; nothing else of the rows is in it.
#[derive(Clone, Debug)]
pub struct SharedPlan {
    pub title: String,
    pub description: Option<String>,
    pub destination: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    /// Only when costs are shown.
    pub budget: Option<BigDecimal>,
    pub currency: String,
    /// The name the owner chose to show, if any.
    pub display_name: Option<String>,
    pub shown: Shown,
    pub notes: Option<String>,
    /// A valid IANA name, or none.
    pub timezone: Option<String>,
    /// Only when bookings are shown (their costs only when costs are too).
    pub bookings: Option<ExternalBookings>,
    pub accommodation: Option<Accommodation>,
    pub arrival: Option<Arrival>,
    /// In itinerary order, each with only the allowed fields and metadata.
    pub activities: Vec<PlanActivity>,
}

impl SharedPlan {
    pub fn of(plan: &Plan, activities: Vec<PlanActivity>, reader: Reader) -> SharedPlan {
        let data = PlanData::from_value(plan.plan_data.as_ref());
        let sharing = data.sharing();
        let shown = Shown {
            costs: sharing.show_costs,
            bookings: sharing.show_bookings && reader == Reader::Link,
        };
        let bookings = data
            .external_bookings
            .as_ref()
            .filter(|_| shown.bookings)
            .map(|b| ExternalBookings {
                flights: b.flights.iter().map(|b| booking(b, shown)).collect(),
                hotels: b.hotels.iter().map(|b| booking(b, shown)).collect(),
                activities: b.activities.iter().map(|b| booking(b, shown)).collect(),
                extra: Default::default(),
            });
        let accommodation = data
            .accommodation
            .as_ref()
            .filter(|_| shown.bookings)
            .map(|a| Accommodation {
                kind: a.kind.clone(),
                booking_details: BookingDetails {
                    name: a.booking_details.name.clone(),
                    address: a.booking_details.address.clone(),
                    confirmation_number: a.booking_details.confirmation_number.clone(),
                    check_in: a.booking_details.check_in.clone(),
                    check_out: a.booking_details.check_out.clone(),
                    extra: Default::default(),
                },
                preferences: Vec::new(),
                extra: Default::default(),
            });
        let arrival = data
            .transportation
            .as_ref()
            .filter(|_| shown.bookings)
            .map(|t| Arrival {
                method: t.arrival.method.clone(),
                details: ArrivalDetails {
                    carrier: t.arrival.details.carrier.clone(),
                    number: t.arrival.details.number.clone(),
                    arrives_at: t.arrival.details.arrives_at.clone(),
                    extra: Default::default(),
                },
                extra: Default::default(),
            });
        SharedPlan {
            title: plan.title.clone(),
            description: plan.description.clone(),
            destination: plan.destination.clone(),
            start_date: plan.start_date,
            end_date: plan.end_date,
            budget: plan.budget.clone().filter(|_| shown.costs),
            currency: plan.currency_or_default().to_string(),
            display_name: sharing.display_name,
            shown,
            notes: data.notes,
            timezone: data
                .timezone
                .as_deref()
                .and_then(|z| timezone(z).ok().flatten()),
            bookings: bookings.filter(|b| {
                !(b.flights.is_empty() && b.hotels.is_empty() && b.activities.is_empty())
            }),
            accommodation: accommodation.filter(|a| *a != Accommodation::default()),
            arrival: arrival.filter(|a| *a != Arrival::default()),
            activities: activities.into_iter().map(|a| activity(a, shown)).collect(),
        }
    }

    /// The plan's fields for a copy, as the form would hold them.
    pub fn plan_input(&self) -> PlanInput {
        PlanInput {
            title: self.title.clone(),
            description: self.description.clone().unwrap_or_default(),
            destination: self.destination.clone().unwrap_or_default(),
            start_date: self.start_date.map(|d| d.to_string()).unwrap_or_default(),
            end_date: self.end_date.map(|d| d.to_string()).unwrap_or_default(),
            budget: self.budget.as_ref().map(display).unwrap_or_default(),
            currency: self.currency.clone(),
        }
    }

    /// `plan_data` for a copy: exactly the sections shown, and nothing of the owner's
    /// sharing options.
    pub fn plan_data(&self) -> Value {
        PlanData {
            preferences: None,
            accommodation: self.accommodation.clone(),
            transportation: self.arrival.clone().map(|arrival| Transportation {
                arrival,
                ..Transportation::default()
            }),
            notes: self.notes.clone(),
            external_bookings: self.bookings.clone(),
            timezone: self.timezone.clone(),
            sharing: None,
            // Not on the share page: the copy's owner chooses their own.
            destination_location: None,
            extra: Default::default(),
        }
        .to_value()
    }
}

fn booking(b: &Booking, shown: Shown) -> Booking {
    Booking {
        provider: b.provider.clone(),
        confirmation_number: b.confirmation_number.clone(),
        starts_at: b.starts_at.clone(),
        ends_at: b.ends_at.clone(),
        cost: b.cost.clone().filter(|_| shown.costs),
        extra: Default::default(),
    }
}

/// An activity with only what the reader may see; its metadata rebuilt from the known,
/// well-shaped keys (a key of another shape is dropped, not passed on).
fn activity(a: PlanActivity, shown: Shown) -> PlanActivity {
    let meta = Metadata::from_value(a.metadata.as_ref());
    let allowed = Metadata {
        booking_info: meta
            .booking_info
            .filter(|_| shown.bookings)
            .map(|b| BookingInfo {
                confirmation_number: b.confirmation_number,
                provider: b.provider,
                cancellation_policy: b.cancellation_policy,
                extra: Default::default(),
            })
            .filter(|b| *b != BookingInfo::default()),
        contact_info: meta
            .contact_info
            .filter(|_| shown.bookings)
            .map(|c| ContactInfo {
                phone: c.phone,
                website: c.website,
                email: c.email,
                extra: Default::default(),
            })
            .filter(|c| *c != ContactInfo::default()),
        reviews: meta
            .reviews
            .and_then(|r| r.rating)
            .filter(|r| r.is_finite())
            .map(|rating| Reviews {
                rating: Some(rating),
                extra: Default::default(),
            }),
        tags: meta.tags,
        nights: meta.nights,
        extra: Default::default(),
    };
    PlanActivity {
        estimated_cost: a.estimated_cost.filter(|_| shown.costs),
        actual_cost: a.actual_cost.filter(|_| shown.costs),
        metadata: Some(allowed.to_value()),
        ..a
    }
}

/// "Lisbon · 1–5 Jul 2026 · 5 days": the preview line of chat apps.
pub fn summary(
    destination: Option<&str>,
    start: Option<chrono::NaiveDate>,
    end: Option<chrono::NaiveDate>,
) -> String {
    let mut parts: Vec<String> = destination.iter().map(|d| d.to_string()).collect();
    if let (Some(s), Some(e)) = (start, end) {
        parts.push(format!(
            "{} – {}",
            s.format("%-d %b %Y"),
            e.format("%-d %b %Y")
        ));
        parts.push(format!(
            "{} days",
            e.signed_duration_since(s).num_days() + 1
        ));
    }
    if parts.is_empty() {
        parts.push("A trip planned with Wayfare".into());
    }
    parts.join(" · ")
}

/// The `webcal://` form of a calendar's URL, which calendar apps open as a subscription.
pub fn webcal(calendar_url: &str) -> String {
    calendar_url
        .replacen("https://", "webcal://", 1)
        .replacen("http://", "webcal://", 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::PlanStatus;
    use crate::domain::ids::{ActivityId, PlanId, UserId};
    use serde_json::json;

    fn plan(data: Value) -> Plan {
        Plan {
            id: PlanId(1),
            user_id: UserId(1),
            title: "Trip".into(),
            description: None,
            destination: None,
            start_date: None,
            end_date: None,
            budget: Some(BigDecimal::from(900)),
            currency: Some("EUR".into()),
            status: Some(PlanStatus::Published),
            plan_data: Some(data),
            is_public: Some(true),
            share_token: Some("t".repeat(43)),
            created_at: None,
            updated_at: None,
        }
    }

    fn stop(metadata: Value) -> PlanActivity {
        PlanActivity {
            id: ActivityId(1),
            plan_id: PlanId(1),
            title: "Stop".into(),
            description: None,
            activity_type: None,
            location_name: None,
            latitude: None,
            longitude: None,
            address: None,
            scheduled_date: None,
            start_time: None,
            end_time: None,
            duration_minutes: None,
            estimated_cost: Some(BigDecimal::from(5)),
            actual_cost: None,
            order_index: Some(0),
            is_completed: None,
            metadata: Some(metadata),
            created_at: None,
            updated_at: None,
        }
    }

    fn everything(show_costs: bool, show_bookings: bool) -> Value {
        json!({
            "preferences": {"accessibility_needs": ["WHEELCHAIR"], "group_size": 2},
            "accommodation": {"type": "hotel", "booking_details": {"address": "HOTEL-ADDRESS", "confirmation_number": "HOTEL-CONF", "door": "DOOR-CODE"}, "preferences": ["PREF"]},
            "transportation": {"arrival": {"method": "flight", "details": {"number": "FLIGHT-NO", "seat": "SEAT-12A"}}, "local": {"methods": ["LOCAL"]}},
            "external_bookings": {"flights": [{"provider": "TAP", "confirmation_number": "TP-CONF", "cost": "300.00", "pnr": "PNR-X"}], "hotels": [], "activities": [], "cars": ["CAR"]},
            "notes": "Notes",
            "timezone": "Europe/Lisbon",
            "secret": {"UNKNOWN": 1},
            "sharing": {"show_costs": show_costs, "show_bookings": show_bookings, "display_name": "Ana"}
        })
    }

    fn odd_metadata() -> Value {
        json!({"tags": "ODD-TAGS", "booking_info": {"confirmation_number": "ODD-CONF"}, "door_code": "ODD-DOOR"})
    }

    fn texts(shared: &SharedPlan) -> String {
        let activities: Vec<Value> = shared
            .activities
            .iter()
            .map(|a| json!([a.metadata, a.estimated_cost.as_ref().map(display)]))
            .collect();
        format!("{} {:?}", shared.plan_data(), activities)
    }

    #[test]
    fn a_link_without_bookings_shows_none_of_them_nor_anything_unknown() {
        let shared = SharedPlan::of(
            &plan(everything(false, false)),
            vec![
                stop(
                    json!({"booking_info": {"confirmation_number": "ACT-CONF"}, "contact_info": {"phone": "PHONE"}, "tags": ["tag"], "reviews": {"rating": 4.5, "source": "SOURCE"}, "x": "X-KEY"}),
                ),
                stop(odd_metadata()),
            ],
            Reader::Link,
        );
        let text = texts(&shared);
        for hidden in [
            "WHEELCHAIR",
            "HOTEL-ADDRESS",
            "HOTEL-CONF",
            "DOOR-CODE",
            "PREF",
            "FLIGHT-NO",
            "SEAT-12A",
            "LOCAL",
            "TP-CONF",
            "300.00",
            "PNR-X",
            "CAR",
            "UNKNOWN",
            "show_costs",
            "ACT-CONF",
            "PHONE",
            "SOURCE",
            "X-KEY",
            "ODD-",
            "5.00",
        ] {
            assert!(!text.contains(hidden), "{hidden} in {text}");
        }
        assert_eq!(shared.budget, None);
        assert_eq!(
            shared.plan_data(),
            json!({"notes": "Notes", "timezone": "Europe/Lisbon"})
        );
        assert_eq!(
            shared.activities[0].metadata,
            Some(json!({"tags": ["tag"], "reviews": {"rating": 4.5}}))
        );
        assert_eq!(shared.activities[1].metadata, Some(json!({})));
        assert_eq!(shared.display_name.as_deref(), Some("Ana"));
    }

    #[test]
    fn a_link_with_bookings_shows_them_by_their_known_fields_and_explore_never_does() {
        let data = everything(true, true);
        let activities = || {
            vec![stop(
                json!({"contact_info": {"phone": "PHONE", "fax": "FAX"}}),
            )]
        };
        let link = SharedPlan::of(&plan(data.clone()), activities(), Reader::Link);
        let text = texts(&link);
        for shown in [
            "HOTEL-ADDRESS",
            "HOTEL-CONF",
            "FLIGHT-NO",
            "TP-CONF",
            "300.00",
            "PHONE",
            "5.00",
        ] {
            assert!(text.contains(shown), "{shown} missing from {text}");
        }
        for hidden in [
            "WHEELCHAIR",
            "DOOR-CODE",
            "SEAT-12A",
            "PNR-X",
            "CAR",
            "UNKNOWN",
            "FAX",
            "LOCAL",
            "PREF",
        ] {
            assert!(!text.contains(hidden), "{hidden} in {text}");
        }
        let public = SharedPlan::of(&plan(data), activities(), Reader::Public);
        let text = texts(&public);
        for hidden in [
            "HOTEL",
            "FLIGHT-NO",
            "TP-CONF",
            "PHONE",
            "WHEELCHAIR",
            "UNKNOWN",
        ] {
            assert!(!text.contains(hidden), "{hidden} on Explore: {text}");
        }
        assert!(text.contains("5.00"), "costs the owner shares are shown");
        assert_eq!(public.budget, Some(BigDecimal::from(900)));
        assert!(!public.shown.bookings && public.shown.costs);
    }
}
