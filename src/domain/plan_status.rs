//! A plan's workflow status, as the `plans.status` CHECK constraint allows it.

use std::fmt;
use std::str::FromStr;

use diesel::deserialize::FromSqlRow;
use diesel::expression::AsExpression;
use diesel::sql_types::Text;

use crate::domain::sql_text::text_column;

/// `draft` (the column's default), `published` (listed on Explore when also public and
/// shared) or `archived`.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, AsExpression, FromSqlRow, serde::Serialize,
)]
#[diesel(sql_type = Text)]
#[serde(rename_all = "lowercase")]
pub enum PlanStatus {
    #[default]
    Draft,
    Published,
    Archived,
}

impl PlanStatus {
    pub const ALL: [PlanStatus; 3] = [
        PlanStatus::Draft,
        PlanStatus::Published,
        PlanStatus::Archived,
    ];

    /// What a traveller reads: where the plan stands.
    pub const fn label(self) -> &'static str {
        match self {
            PlanStatus::Draft => "Being planned",
            PlanStatus::Published => "Published",
            PlanStatus::Archived => "Archived",
        }
    }

    /// The stored value, also the form's and the URL's.
    pub const fn as_str(self) -> &'static str {
        match self {
            PlanStatus::Draft => "draft",
            PlanStatus::Published => "published",
            PlanStatus::Archived => "archived",
        }
    }
}

impl FromStr for PlanStatus {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        PlanStatus::ALL
            .into_iter()
            .find(|s| s.as_str() == raw)
            .ok_or_else(|| "Choose draft, published or archived.".to_string())
    }
}

impl AsRef<str> for PlanStatus {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for PlanStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

text_column!(PlanStatus);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_round_trips_through_its_text() {
        for s in PlanStatus::ALL {
            assert_eq!(s.as_str().parse::<PlanStatus>(), Ok(s));
            assert_eq!(s.to_string(), s.as_str());
        }
        assert_eq!(PlanStatus::default(), PlanStatus::Draft);
        assert!("Draft".parse::<PlanStatus>().is_err());
        assert!("".parse::<PlanStatus>().is_err());
        assert_eq!(
            serde_json::to_value(PlanStatus::Archived).unwrap(),
            "archived"
        );
    }
}
