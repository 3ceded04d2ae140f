//! The users list, one user's page and what deleting a user takes with them.

use chrono::NaiveDateTime;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};

use super::{PAGE_SIZE, now};
use crate::db::schema::{plans, user_sessions, users};
use crate::domain::ids::UserId;
use crate::models::plan::like_pattern;
use crate::models::user::User;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UserSort {
    /// Newest account first (by id, the primary key's order).
    #[default]
    Newest,
    Oldest,
    Email,
    Username,
    /// Most recent login first; never logged in last.
    LastLogin,
}

impl UserSort {
    pub const ALL: [UserSort; 5] = [
        UserSort::Newest,
        UserSort::Oldest,
        UserSort::Email,
        UserSort::Username,
        UserSort::LastLogin,
    ];

    pub fn parse(raw: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw)
            .unwrap_or_default()
    }

    pub fn as_str(self) -> &'static str {
        match self {
            UserSort::Newest => "newest",
            UserSort::Oldest => "oldest",
            UserSort::Email => "email",
            UserSort::Username => "username",
            UserSort::LastLogin => "last_login",
        }
    }

    /// The keyset cursor that continues after `user` in this order.
    pub fn cursor_after(self, user: &User) -> String {
        match self {
            UserSort::Newest | UserSort::Oldest => user.id.to_string(),
            UserSort::Email => user.email.clone(),
            UserSort::Username => user.username.clone(),
            UserSort::LastLogin => match user.last_login {
                Some(t) => format!("{}.{}", t.and_utc().timestamp_micros(), user.id),
                None => format!("never.{}", user.id),
            },
        }
    }

    /// A cursor from a link, if it is one of this order's.
    pub fn parse_cursor(self, raw: &str) -> Option<UserCursor> {
        if raw.is_empty() {
            return None;
        }
        match self {
            UserSort::Newest | UserSort::Oldest => raw.parse().ok().map(UserCursor::Id),
            // At most a column's length, and no NUL (PostgreSQL text cannot hold it).
            UserSort::Email | UserSort::Username => (raw.chars().count() <= 255
                && !raw.contains('\0'))
            .then(|| UserCursor::Text(raw.to_string())),
            UserSort::LastLogin => {
                let (time, id) = raw.split_once('.')?;
                let id = id.parse().ok()?;
                let time = match time {
                    "never" => None,
                    micros => Some(
                        chrono::DateTime::from_timestamp_micros(micros.parse().ok()?)?.naive_utc(),
                    ),
                };
                Some(UserCursor::LastLogin(time, id))
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserCursor {
    Id(UserId),
    Text(String),
    LastLogin(Option<NaiveDateTime>, UserId),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    Google,
    Facebook,
}

#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    /// Part of the e-mail, username, or first and last name.
    pub search: Option<String>,
    pub active: Option<bool>,
    pub verified: Option<bool>,
    pub staff: Option<bool>,
    pub provider: Option<Provider>,
    pub sort: UserSort,
    pub after: Option<UserCursor>,
}

pub struct UserRow {
    pub user: User,
    pub plans: i64,
    pub sessions: i64,
}

/// One page (`PAGE_SIZE + 1` rows: the extra one says there is a next page) of users, each
/// with their plan and active-session counts, in one statement.
pub fn list_users(conn: &mut PgConnection, filter: &UserFilter) -> QueryResult<Vec<UserRow>> {
    let plan_count = plans::table
        .filter(plans::user_id.eq(users::id))
        .count()
        .single_value();
    let session_count = user_sessions::table
        .filter(user_sessions::user_id.eq(users::id))
        .filter(user_sessions::is_active.is_distinct_from(false))
        .filter(user_sessions::expires_at.gt(now()))
        .count()
        .single_value();
    let mut query = users::table
        .select((User::as_select(), plan_count, session_count))
        .limit(PAGE_SIZE + 1)
        .into_boxed();
    if let Some(search) = &filter.search {
        let pattern = like_pattern(search);
        query = query.filter(
            users::email
                .ilike(pattern.clone())
                .or(users::username.ilike(pattern.clone()))
                .or(
                    sql::<Bool>("concat_ws(' ', users.first_name, users.last_name) ILIKE ")
                        .bind::<Text, _>(pattern),
                ),
        );
    }
    match filter.active {
        Some(true) => query = query.filter(users::is_active.is_distinct_from(false)),
        Some(false) => query = query.filter(users::is_active.eq(false)),
        None => {}
    }
    match filter.verified {
        Some(true) => query = query.filter(users::is_verified.eq(true)),
        Some(false) => query = query.filter(users::is_verified.is_distinct_from(true)),
        None => {}
    }
    match filter.staff {
        Some(true) => query = query.filter(users::is_staff.eq(true)),
        Some(false) => query = query.filter(users::is_staff.is_distinct_from(true)),
        None => {}
    }
    match filter.provider {
        Some(Provider::Google) => query = query.filter(users::google_id.is_not_null()),
        Some(Provider::Facebook) => query = query.filter(users::facebook_id.is_not_null()),
        None => {}
    }
    query = match filter.sort {
        UserSort::Newest => query.order(users::id.desc()),
        UserSort::Oldest => query.order(users::id.asc()),
        UserSort::Email => query.order(users::email.asc()),
        UserSort::Username => query.order(users::username.asc()),
        UserSort::LastLogin => {
            query.order((users::last_login.desc().nulls_last(), users::id.desc()))
        }
    };
    match (filter.sort, &filter.after) {
        (UserSort::Newest, Some(UserCursor::Id(id))) => query = query.filter(users::id.lt(*id)),
        (UserSort::Oldest, Some(UserCursor::Id(id))) => query = query.filter(users::id.gt(*id)),
        (UserSort::Email, Some(UserCursor::Text(email))) => {
            query = query.filter(users::email.gt(email.clone()))
        }
        (UserSort::Username, Some(UserCursor::Text(name))) => {
            query = query.filter(users::username.gt(name.clone()))
        }
        (UserSort::LastLogin, Some(UserCursor::LastLogin(Some(t), id))) => {
            query = query.filter(
                users::last_login
                    .lt(*t)
                    .or(users::last_login.eq(*t).and(users::id.lt(*id)))
                    .or(users::last_login.is_null()),
            )
        }
        (UserSort::LastLogin, Some(UserCursor::LastLogin(None, id))) => {
            query = query.filter(users::last_login.is_null().and(users::id.lt(*id)))
        }
        _ => {}
    }
    let rows: Vec<(User, Option<i64>, Option<i64>)> = query.load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(user, plans, sessions)| UserRow {
            user,
            plans: plans.unwrap_or(0),
            sessions: sessions.unwrap_or(0),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: UserId, last_login: Option<NaiveDateTime>) -> User {
        User {
            id,
            email: format!("u{id}@example.com"),
            username: format!("u{id}"),
            password_hash: String::new(),
            first_name: None,
            last_name: None,
            is_active: None,
            is_verified: None,
            is_staff: None,
            google_id: None,
            facebook_id: None,
            date_joined: None,
            last_login,
        }
    }

    #[test]
    fn cursors_round_trip_in_every_order() {
        let t = chrono::DateTime::from_timestamp_micros(1_780_000_000_123_456)
            .unwrap()
            .naive_utc();
        for sort in UserSort::ALL {
            assert_eq!(UserSort::parse(sort.as_str()), sort);
            for u in [user(UserId(7), Some(t)), user(UserId(8), None)] {
                let cursor = sort.parse_cursor(&sort.cursor_after(&u)).unwrap();
                let expected = match sort {
                    UserSort::Newest | UserSort::Oldest => UserCursor::Id(u.id),
                    UserSort::Email => UserCursor::Text(u.email.clone()),
                    UserSort::Username => UserCursor::Text(u.username.clone()),
                    UserSort::LastLogin => UserCursor::LastLogin(u.last_login, u.id),
                };
                assert_eq!(cursor, expected);
            }
        }
    }

    #[test]
    fn bad_cursors_and_sorts_fall_back() {
        assert_eq!(UserSort::parse("drop table"), UserSort::Newest);
        assert_eq!(UserSort::Newest.parse_cursor("x"), None);
        assert_eq!(UserSort::Newest.parse_cursor(""), None);
        assert_eq!(UserSort::LastLogin.parse_cursor("12"), None);
        assert_eq!(UserSort::LastLogin.parse_cursor("x.1"), None);
        assert_eq!(UserSort::Email.parse_cursor("a\0"), None);
        assert_eq!(UserSort::Username.parse_cursor(&"a".repeat(256)), None);
    }
}
