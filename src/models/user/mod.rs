use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::users;
use crate::domain::ids::UserId;

pub mod staff;

#[derive(Clone, Debug, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub struct User {
    pub id: UserId,
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

pub fn find(conn: &mut PgConnection, id: UserId) -> QueryResult<User> {
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

/// Case-insensitive lookup by e-mail or username, as people type them at login.
pub fn find_by_login(conn: &mut PgConnection, login: &str) -> QueryResult<Option<User>> {
    use diesel::dsl::sql;
    use diesel::sql_types::{Bool, Text};
    users::table
        .filter(
            sql::<Bool>("(lower(email) = lower(")
                .bind::<Text, _>(login)
                .sql(") OR lower(username) = lower(")
                .bind::<Text, _>(login)
                .sql("))"),
        )
        .select(User::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_email(conn: &mut PgConnection, email: &str) -> QueryResult<Option<User>> {
    use diesel::dsl::sql;
    use diesel::sql_types::{Bool, Text};
    users::table
        .filter(
            sql::<Bool>("lower(email) = lower(")
                .bind::<Text, _>(email)
                .sql(")"),
        )
        .select(User::as_select())
        .first(conn)
        .optional()
}

pub fn update(conn: &mut PgConnection, id: UserId, changes: &UserChanges) -> QueryResult<User> {
    diesel::update(users::table.find(id))
        .set(changes)
        .returning(User::as_returning())
        .get_result(conn)
}

pub fn record_login(
    conn: &mut PgConnection,
    id: UserId,
    new_hash: Option<&str>,
) -> QueryResult<()> {
    let now = chrono::Utc::now().naive_utc();
    match new_hash {
        Some(hash) => diesel::update(users::table.find(id))
            .set((users::last_login.eq(now), users::password_hash.eq(hash)))
            .execute(conn)?,
        None => diesel::update(users::table.find(id))
            .set(users::last_login.eq(now))
            .execute(conn)?,
    };
    Ok(())
}

/// Replaces the password hash only if it is still `old_hash` and the address still
/// `email` (a reset link is spent once, and proves only the address it was mailed to).
pub fn replace_password(
    conn: &mut PgConnection,
    id: UserId,
    email: &str,
    old_hash: &str,
    new_hash: &str,
) -> QueryResult<bool> {
    let changed = diesel::update(
        users::table
            .find(id)
            .filter(users::password_hash.eq(old_hash))
            .filter(users::email.eq(email)),
    )
    .set(users::password_hash.eq(new_hash))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Removes both social logins (see the password reset: links made before the address was
/// confirmed may be someone else's).
pub fn unlink_providers(conn: &mut PgConnection, id: UserId) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set((
            users::google_id.eq(None::<String>),
            users::facebook_id.eq(None::<String>),
        ))
        .execute(conn)
}

pub fn mark_verified(conn: &mut PgConnection, id: UserId) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set(users::is_verified.eq(true))
        .execute(conn)
        .map(|_| ())
}

/// Whether the user is staff (their sessions' lifetimes are shorter).
pub fn is_staff(conn: &mut PgConnection, id: UserId) -> QueryResult<Option<bool>> {
    users::table.find(id).select(users::is_staff).first(conn)
}

/// Deletes a user and everything they own. Plans, activities and sessions go by ON DELETE
/// CASCADE; archived plans have no foreign key to `users` (the archive keeps rows of any
/// age), so they and their activities are deleted here. Call inside a transaction.
pub fn delete(conn: &mut PgConnection, id: UserId) -> QueryResult<usize> {
    crate::models::archive::delete_for_user(conn, id)?;
    diesel::delete(users::table.find(id)).execute(conn)
}

/// The marker stored for accounts that have no password (social login only): no bcrypt
/// hash ever equals it, so no password matches.
pub const NO_PASSWORD: &str = "!";

impl User {
    pub fn has_password(&self) -> bool {
        self.password_hash.starts_with("$2")
    }
}

/// Which social login a provider id belongs to.
#[derive(Clone, Copy, Debug)]
pub enum ProviderColumn {
    Google,
    Facebook,
}

pub fn find_by_provider(
    conn: &mut PgConnection,
    column: ProviderColumn,
    provider_id: &str,
) -> QueryResult<Option<User>> {
    let query = users::table.select(User::as_select()).into_boxed();
    match column {
        ProviderColumn::Google => query.filter(users::google_id.eq(provider_id)),
        ProviderColumn::Facebook => query.filter(users::facebook_id.eq(provider_id)),
    }
    .first(conn)
    .optional()
}

/// Links (or, with `None`, unlinks) a provider account.
pub fn set_provider(
    conn: &mut PgConnection,
    id: UserId,
    column: ProviderColumn,
    provider_id: Option<&str>,
) -> QueryResult<usize> {
    let target = users::table.find(id);
    match column {
        ProviderColumn::Google => diesel::update(target)
            .set(users::google_id.eq(provider_id))
            .execute(conn),
        ProviderColumn::Facebook => diesel::update(target)
            .set(users::facebook_id.eq(provider_id))
            .execute(conn),
    }
}

/// `base`, or `base` with the smallest number that makes it unused (case-insensitively).
pub fn unique_username(conn: &mut PgConnection, base: &str) -> QueryResult<String> {
    use diesel::dsl::sql;
    use diesel::sql_types::{Bool, Text};
    let pattern = format!(
        "{}%",
        base.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let taken: Vec<String> = users::table
        .filter(
            sql::<Bool>("lower(username) LIKE lower(")
                .bind::<Text, _>(pattern)
                .sql(")"),
        )
        .select(users::username)
        .load(conn)?;
    let taken: std::collections::HashSet<String> =
        taken.into_iter().map(|u| u.to_lowercase()).collect();
    let candidate = (0..)
        .map(|n: u32| {
            if n == 0 {
                base.to_string()
            } else {
                format!("{base}{n}")
            }
        })
        .find(|c| !taken.contains(&c.to_lowercase()))
        .unwrap_or_else(|| base.to_string());
    Ok(candidate)
}
