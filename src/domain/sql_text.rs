//! How the domain's text-valued types are written to and read from their `TEXT`/`VARCHAR`
//! columns: as their canonical string, read back through their own parser, so a value
//! outside the set fails the read with a message that names it.

/// Implements `ToSql<Text, Pg>` (via `as_str`) and `FromSql<Text, Pg>` (via `FromStr`).
macro_rules! text_column {
    ($type:ty) => {
        impl diesel::serialize::ToSql<diesel::sql_types::Text, diesel::pg::Pg> for $type {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>,
            ) -> diesel::serialize::Result {
                use std::io::Write;
                out.write_all(self.as_str().as_bytes())?;
                Ok(diesel::serialize::IsNull::No)
            }
        }

        impl diesel::deserialize::FromSql<diesel::sql_types::Text, diesel::pg::Pg> for $type {
            fn from_sql(bytes: diesel::pg::PgValue<'_>) -> diesel::deserialize::Result<Self> {
                let text = <String as diesel::deserialize::FromSql<
                    diesel::sql_types::Text,
                    diesel::pg::Pg,
                >>::from_sql(bytes)?;
                text.parse::<$type>().map_err(|_| {
                    format!(
                        "{text:?} is not a {} the application knows",
                        stringify!($type)
                    )
                    .into()
                })
            }
        }
    };
}

pub(crate) use text_column;
