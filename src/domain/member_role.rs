//! The part a member plays in a plan, as the `plan_members.role` CHECK constraint allows it.
//! The owner is no member: `plans.user_id` says who owns a plan.

use std::fmt;
use std::str::FromStr;

use diesel::deserialize::FromSqlRow;
use diesel::expression::AsExpression;
use diesel::sql_types::Text;

use crate::domain::sql_text::text_column;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, AsExpression, FromSqlRow, serde::Serialize)]
#[diesel(sql_type = Text)]
#[serde(rename_all = "lowercase")]
pub enum MemberRole {
    /// Changes the plan, its activities, details and bookings.
    Editor,
    /// Reads everything the owner sees and changes nothing.
    Viewer,
}

impl MemberRole {
    pub const ALL: [MemberRole; 2] = [MemberRole::Editor, MemberRole::Viewer];

    /// The stored value, also the form's.
    pub const fn as_str(self) -> &'static str {
        match self {
            MemberRole::Editor => "editor",
            MemberRole::Viewer => "viewer",
        }
    }

    /// What a traveller reads.
    pub const fn label(self) -> &'static str {
        match self {
            MemberRole::Editor => "Editor",
            MemberRole::Viewer => "Viewer",
        }
    }
}

impl FromStr for MemberRole {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        MemberRole::ALL
            .into_iter()
            .find(|r| r.as_str() == raw)
            .ok_or_else(|| "Choose editor or viewer.".to_string())
    }
}

impl AsRef<str> for MemberRole {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for MemberRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

text_column!(MemberRole);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_reads_back_as_itself() {
        for role in MemberRole::ALL {
            assert_eq!(role.as_str().parse::<MemberRole>(), Ok(role));
        }
        assert!("owner".parse::<MemberRole>().is_err());
        assert!("Editor".parse::<MemberRole>().is_err());
    }
}
