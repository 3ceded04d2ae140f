//! What kind of thing an activity is: the form's choices for `plan_activities.activity_type`.

use std::fmt;
use std::str::FromStr;

use diesel::deserialize::FromSqlRow;
use diesel::expression::AsExpression;
use diesel::sql_types::Text;

use crate::domain::sql_text::text_column;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, AsExpression, FromSqlRow)]
#[diesel(sql_type = Text)]
pub enum ActivityType {
    Accommodation,
    Transport,
    Attraction,
    Restaurant,
    Activity,
    Other,
}

impl ActivityType {
    pub const ALL: [ActivityType; 6] = [
        ActivityType::Accommodation,
        ActivityType::Transport,
        ActivityType::Attraction,
        ActivityType::Restaurant,
        ActivityType::Activity,
        ActivityType::Other,
    ];

    /// The stored value, also the form's.
    pub const fn as_str(self) -> &'static str {
        match self {
            ActivityType::Accommodation => "accommodation",
            ActivityType::Transport => "transport",
            ActivityType::Attraction => "attraction",
            ActivityType::Restaurant => "restaurant",
            ActivityType::Activity => "activity",
            ActivityType::Other => "other",
        }
    }
}

impl FromStr for ActivityType {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        ActivityType::ALL
            .into_iter()
            .find(|t| t.as_str() == raw)
            .ok_or_else(|| "Choose a type from the list.".to_string())
    }
}

impl AsRef<str> for ActivityType {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for ActivityType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

text_column!(ActivityType);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_round_trips_through_its_text() {
        for t in ActivityType::ALL {
            assert_eq!(t.as_str().parse::<ActivityType>(), Ok(t));
            assert_eq!(t.to_string(), t.as_str());
        }
        assert!("museum".parse::<ActivityType>().is_err());
        assert!("Other".parse::<ActivityType>().is_err());
    }
}
