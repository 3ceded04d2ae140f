//! The live sessions list.

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};

use super::{PAGE_SIZE, now};
use crate::db::schema::{user_sessions, users};
use crate::models::user_session::UserSession;

#[derive(Debug, Clone, Default)]
pub struct SessionFilter {
    /// The user's id, username or e-mail.
    pub user: Option<String>,
    /// Keyset cursor: sessions with a smaller id (newest first).
    pub after: Option<i32>,
}

pub struct SessionRow {
    pub session: UserSession,
    pub username: String,
    pub is_staff: bool,
}

/// One page (`PAGE_SIZE + 1` rows) of live sessions, newest first, with their users.
pub fn list_sessions(
    conn: &mut PgConnection,
    filter: &SessionFilter,
) -> QueryResult<Vec<SessionRow>> {
    let mut query = user_sessions::table
        .inner_join(users::table)
        .filter(user_sessions::is_active.is_distinct_from(false))
        .filter(user_sessions::expires_at.gt(now()))
        .select((UserSession::as_select(), users::username, users::is_staff))
        .order(user_sessions::id.desc())
        .limit(PAGE_SIZE + 1)
        .into_boxed();
    if let Some(user) = &filter.user {
        query = match user.parse::<i32>() {
            Ok(id) => query.filter(user_sessions::user_id.eq(id)),
            Err(_) => query.filter(
                sql::<Bool>("(lower(users.username) = lower(")
                    .bind::<Text, _>(user.clone())
                    .sql(") OR lower(users.email) = lower(")
                    .bind::<Text, _>(user.clone())
                    .sql("))"),
            ),
        };
    }
    if let Some(after) = filter.after {
        query = query.filter(user_sessions::id.lt(after));
    }
    let rows: Vec<(UserSession, String, Option<bool>)> = query.load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(session, username, is_staff)| SessionRow {
            session,
            username,
            is_staff: is_staff.unwrap_or(false),
        })
        .collect())
}
