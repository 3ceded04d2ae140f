//! Typed ids: a plan's id cannot be passed where an activity's or a user's is expected.
//! Each maps to its `integer` column and reads from a URL segment or a form field as a
//! plain number.

use diesel::deserialize::{FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{Output, ToSql};
use diesel::sql_types::Integer;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            AsExpression, FromSqlRow, serde::Deserialize, serde::Serialize,
        )]
        #[diesel(sql_type = Integer)]
        #[serde(transparent)]
        pub struct $name(pub i32);

        impl ToSql<Integer, Pg> for $name {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> diesel::serialize::Result {
                <i32 as ToSql<Integer, Pg>>::to_sql(&self.0, out)
            }
        }

        impl FromSql<Integer, Pg> for $name {
            fn from_sql(bytes: PgValue<'_>) -> diesel::deserialize::Result<Self> {
                <i32 as FromSql<Integer, Pg>>::from_sql(bytes).map($name)
            }
        }

        /// For ids read from elsewhere (a cursor, a test's own SQL); never between two
        /// kinds of id.
        impl From<i32> for $name {
            fn from(id: i32) -> Self {
                $name(id)
            }
        }

        impl From<$name> for i32 {
            fn from(id: $name) -> i32 {
                id.0
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map($name)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// `users.id`
    UserId
);
id_type!(
    /// `plans.id`
    PlanId
);
id_type!(
    /// `plan_activities.id`
    ActivityId
);
id_type!(
    /// `deleted_items.id`: what "Undo" puts back
    DeletedItemId
);
id_type!(
    /// `plan_invitations.id`
    InvitationId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_reads_and_prints_as_its_number() {
        let id: PlanId = serde_json::from_str("42").unwrap();
        assert_eq!(id, PlanId(42));
        assert_eq!(id.to_string(), "42");
        assert!(serde_json::from_str::<ActivityId>("\"x\"").is_err());
    }
}
