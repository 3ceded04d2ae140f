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
