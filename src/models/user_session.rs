use chrono::NaiveDateTime;
use diesel::prelude::*;
use ipnetwork::IpNetwork;

use crate::db::schema::{user_sessions, users};
use crate::domain::ids::UserId;

#[derive(Clone, Debug, Queryable, Selectable, Identifiable)]
#[diesel(table_name = user_sessions, check_for_backend(diesel::pg::Pg))]
pub struct UserSession {
    pub id: i32,
    pub user_id: UserId,
    /// SHA-256 hex of the cookie's session key; the key itself is never stored.
    pub session_key: String,
    pub session_data: Option<String>,
    pub ip_address: Option<IpNetwork>,
    pub user_agent: Option<String>,
    pub created_at: Option<NaiveDateTime>,
    pub expires_at: NaiveDateTime,
    pub is_active: Option<bool>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = user_sessions)]
pub struct NewUserSession<'a> {
    pub user_id: UserId,
    pub session_key: &'a str,
    pub session_data: &'a str,
    pub ip_address: Option<IpNetwork>,
    pub user_agent: Option<&'a str>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub is_active: bool,
}

/// A session found by its key, with what the session store needs of its user.
#[derive(Debug, Queryable)]
pub struct KeyedSession {
    pub is_active: Option<bool>,
    pub user_active: Option<bool>,
    pub id: i32,
    pub session_data: Option<String>,
    pub created_at: Option<NaiveDateTime>,
    pub expires_at: NaiveDateTime,
    pub user_id: UserId,
    pub username: String,
    pub is_staff: Option<bool>,
    pub is_verified: Option<bool>,
}

/// The session whose key has this digest, live or not, with its user.
pub fn find_by_key(conn: &mut PgConnection, digest: &str) -> QueryResult<Option<KeyedSession>> {
    user_sessions::table
        .inner_join(users::table)
        .filter(user_sessions::session_key.eq(digest))
        .select((
            user_sessions::is_active,
            users::is_active,
            user_sessions::id,
            user_sessions::session_data,
            user_sessions::created_at,
            user_sessions::expires_at,
            users::id,
            users::username,
            users::is_staff,
            users::is_verified,
        ))
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut PgConnection, new: &NewUserSession) -> QueryResult<usize> {
    diesel::insert_into(user_sessions::table)
        .values(new)
        .execute(conn)
}

pub fn set_expiry(
    conn: &mut PgConnection,
    id: i32,
    expires_at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(user_sessions::table.find(id))
        .set(user_sessions::expires_at.eq(expires_at))
        .execute(conn)
}

pub fn set_data_by_key(conn: &mut PgConnection, digest: &str, data: &str) -> QueryResult<usize> {
    diesel::update(user_sessions::table.filter(user_sessions::session_key.eq(digest)))
        .set(user_sessions::session_data.eq(data))
        .execute(conn)
}

pub fn delete_by_key(conn: &mut PgConnection, digest: &str) -> QueryResult<usize> {
    diesel::delete(user_sessions::table.filter(user_sessions::session_key.eq(digest))).execute(conn)
}

pub fn list_active(conn: &mut PgConnection, user_id: UserId) -> QueryResult<Vec<UserSession>> {
    user_sessions::table
        .filter(user_sessions::user_id.eq(user_id))
        .filter(user_sessions::is_active.is_distinct_from(false))
        .filter(user_sessions::expires_at.gt(chrono::Utc::now().naive_utc()))
        .order(user_sessions::created_at.desc())
        .select(UserSession::as_select())
        .load(conn)
}

/// Ends one session of a user; another user's id changes nothing.
pub fn revoke(conn: &mut PgConnection, user_id: UserId, session_id: i32) -> QueryResult<usize> {
    diesel::delete(
        user_sessions::table
            .filter(user_sessions::id.eq(session_id))
            .filter(user_sessions::user_id.eq(user_id)),
    )
    .execute(conn)
}

/// Ends one session, whoever's it is (the staff pages); returns its user's id (`NotFound`
/// when there is no such session).
pub fn delete(conn: &mut PgConnection, id: i32) -> QueryResult<i32> {
    diesel::delete(user_sessions::table.find(id))
        .returning(user_sessions::user_id)
        .get_result(conn)
}

/// Ends every session of a user except `keep` (the browser asking, if any).
pub fn revoke_all_except(
    conn: &mut PgConnection,
    user_id: UserId,
    keep: Option<i32>,
) -> QueryResult<usize> {
    let rows = user_sessions::table.filter(user_sessions::user_id.eq(user_id));
    match keep {
        Some(keep) => diesel::delete(rows.filter(user_sessions::id.ne(keep))).execute(conn),
        None => diesel::delete(rows).execute(conn),
    }
}

/// Removes expired and ended sessions; returns how many.
pub fn purge_expired(conn: &mut PgConnection) -> QueryResult<usize> {
    diesel::delete(
        user_sessions::table.filter(
            user_sessions::expires_at
                .le(chrono::Utc::now().naive_utc())
                .or(user_sessions::is_active.eq(false)),
        ),
    )
    .execute(conn)
}
