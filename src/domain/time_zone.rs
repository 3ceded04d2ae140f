//! An IANA time zone name such as Europe/Paris, checked against chrono-tz's database. No
//! column holds one: a plan's zone lives in `plan_data.timezone`.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeZone(chrono_tz::Tz);

impl TimeZone {
    pub fn parse(raw: &str) -> Result<TimeZone, String> {
        raw.trim()
            .parse::<chrono_tz::Tz>()
            .map(TimeZone)
            .map_err(|_| "Enter a time zone name like Europe/Paris or America/New_York.".into())
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
}
