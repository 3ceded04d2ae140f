//! An IANA time zone name such as Europe/Paris, checked against chrono-tz's database. No
//! column holds one: a plan's zone lives in `plan_data.timezone`.

use std::fmt;
use std::sync::LazyLock;

/// The time-zone boundaries (tzf-rs's bundled data, offline), read once on first use.
static FINDER: LazyLock<tzf_rs::DefaultFinder> = LazyLock::new(tzf_rs::DefaultFinder::new);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeZone(chrono_tz::Tz);

impl TimeZone {
    pub fn parse(raw: &str) -> Result<TimeZone, String> {
        raw.trim()
            .parse::<chrono_tz::Tz>()
            .map(TimeZone)
            .map_err(|_| "Enter a time zone name like Europe/Paris or America/New_York.".into())
    }

    /// The zone a point on the globe lies in (the sea's offsets included), when the
    /// boundary data and chrono-tz's database both know it.
    pub fn at(latitude: f64, longitude: f64) -> Option<TimeZone> {
        let on_globe = latitude.abs() <= 90.0 && longitude.abs() <= 180.0;
        if !on_globe {
            return None;
        }
        TimeZone::parse(FINDER.get_tz_name(longitude, latitude)).ok()
    }

    /// Every zone name of chrono-tz's database, sorted: the time-zone picker's choices.
    pub fn names() -> &'static [&'static str] {
        static NAMES: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
            let mut names: Vec<&'static str> =
                chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name()).collect();
            names.sort_unstable();
            names
        });
        &NAMES
    }

    /// The canonical name.
    pub fn as_str(&self) -> &'static str {
        self.0.name()
    }

    pub fn tz(&self) -> chrono_tz::Tz {
        self.0
    }
}

impl AsRef<str> for TimeZone {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_the_database_only() {
        assert_eq!(
            TimeZone::parse(" Europe/Lisbon ").unwrap().as_str(),
            "Europe/Lisbon"
        );
        assert_eq!(TimeZone::parse("UTC").unwrap().tz(), chrono_tz::UTC);
        assert!(TimeZone::parse("Mars/Olympus").is_err());
        assert!(TimeZone::parse("").is_err());
    }

    #[test]
    fn zones_are_found_from_coordinates() {
        let at = |lat, lng| TimeZone::at(lat, lng).map(|tz| tz.as_str());
        assert_eq!(at(35.0116, 135.7681), Some("Asia/Tokyo"));
        assert_eq!(at(38.7223, -9.1393), Some("Europe/Lisbon"));
        assert_eq!(at(40.7128, -74.006), Some("America/New_York"));
        assert_eq!(at(91.0, 0.0), None);
        assert!(TimeZone::names().contains(&"Europe/Paris"));
    }
}
