use chrono::NaiveDateTime;
use diesel::prelude::*;
use ipnetwork::IpNetwork;

use crate::db::schema::user_sessions;

#[derive(Clone, Debug, Queryable, Selectable, Identifiable)]
#[diesel(table_name = user_sessions, check_for_backend(diesel::pg::Pg))]
pub struct UserSession {
    pub id: i32,
    pub user_id: i32,
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
    pub user_id: i32,
    pub session_key: &'a str,
    pub session_data: &'a str,
    pub ip_address: Option<IpNetwork>,
    pub user_agent: Option<&'a str>,
    pub expires_at: NaiveDateTime,
}

pub fn list_active(conn: &mut PgConnection, user_id: i32) -> QueryResult<Vec<UserSession>> {
    user_sessions::table
        .filter(user_sessions::user_id.eq(user_id))
        .filter(user_sessions::is_active.is_distinct_from(false))
        .filter(user_sessions::expires_at.gt(chrono::Utc::now().naive_utc()))
        .order(user_sessions::created_at.desc())
        .select(UserSession::as_select())
        .load(conn)
}

/// Ends one session of a user; another user's id changes nothing.
pub fn revoke(conn: &mut PgConnection, user_id: i32, session_id: i32) -> QueryResult<usize> {
    diesel::delete(
        user_sessions::table
            .filter(user_sessions::id.eq(session_id))
            .filter(user_sessions::user_id.eq(user_id)),
    )
    .execute(conn)
}

/// Ends every session of a user except `keep` (the browser asking, if any).
pub fn revoke_all_except(
    conn: &mut PgConnection,
    user_id: i32,
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

impl UserSession {
    /// "Firefox on Linux" from the user agent, for people to recognise their devices.
    pub fn device(&self) -> String {
        describe_device(self.user_agent.as_deref().unwrap_or_default())
    }

    pub fn ip(&self) -> String {
        self.ip_address
            .map(|ip| ip.ip().to_string())
            .unwrap_or_else(|| "unknown".into())
    }
}

pub fn describe_device(agent: &str) -> String {
    let browser = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chromium/", "Chromium"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
    ]
    .iter()
    .find(|(marker, _)| agent.contains(marker))
    .map_or("Unknown browser", |(_, name)| name);
    let system = [
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Android", "Android"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("CrOS", "ChromeOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(marker, _)| agent.contains(marker))
    .map(|(_, name)| *name);
    match system {
        Some(system) => format!("{browser} on {system}"),
        None => browser.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::describe_device;

    #[test]
    fn devices_people_recognise() {
        assert_eq!(
            describe_device(
                "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
            ),
            "Firefox on Linux"
        );
        assert_eq!(
            describe_device(
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
            ),
            "Safari on iPhone"
        );
        assert_eq!(describe_device(""), "Unknown browser");
    }
}
