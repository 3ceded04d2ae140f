use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::users;

#[derive(Clone, Debug, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub struct User {
    pub id: i32,
    pub email: String,
    pub username: String,
    pub password_hash: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub is_active: Option<bool>,
    pub is_verified: Option<bool>,
    pub is_staff: Option<bool>,
    pub google_id: Option<String>,
    pub facebook_id: Option<String>,
    pub date_joined: Option<NaiveDateTime>,
    pub last_login: Option<NaiveDateTime>,
}

impl User {
    /// The seed's columns are nullable with defaults; NULL means the default.
    pub fn active(&self) -> bool {
        self.is_active.unwrap_or(true)
    }
    pub fn verified(&self) -> bool {
        self.is_verified.unwrap_or(false)
    }
    pub fn staff(&self) -> bool {
        self.is_staff.unwrap_or(false)
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub email: &'a str,
    pub username: &'a str,
    pub password_hash: &'a str,
    pub first_name: Option<&'a str>,
    pub last_name: Option<&'a str>,
    pub is_verified: bool,
    pub is_staff: bool,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChanges<'a> {
    pub email: Option<&'a str>,
    pub username: Option<&'a str>,
    pub first_name: Option<Option<&'a str>>,
    pub last_name: Option<Option<&'a str>>,
    pub is_verified: Option<bool>,
}

pub fn insert(conn: &mut PgConnection, new: &NewUser) -> QueryResult<User> {
    diesel::insert_into(users::table)
        .values(new)
        .returning(User::as_returning())
        .get_result(conn)
}

pub fn find(conn: &mut PgConnection, id: i32) -> QueryResult<User> {
    users::table.find(id).select(User::as_select()).first(conn)
}

/// Is this e-mail or username taken, compared case-insensitively?
pub fn email_or_username_taken(
    conn: &mut PgConnection,
    email: &str,
    username: &str,
) -> QueryResult<(bool, bool)> {
    use diesel::dsl::{exists, sql};
    use diesel::sql_types::{Bool, Text};
    let email_taken = diesel::select(exists(
        users::table.filter(
            sql::<Bool>("lower(email) = lower(")
                .bind::<Text, _>(email)
                .sql(")"),
        ),
    ))
    .get_result(conn)?;
    let username_taken = diesel::select(exists(
        users::table.filter(
            sql::<Bool>("lower(username) = lower(")
                .bind::<Text, _>(username)
                .sql(")"),
        ),
    ))
    .get_result(conn)?;
    Ok((email_taken, username_taken))
}
