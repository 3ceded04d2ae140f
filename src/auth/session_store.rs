//! actix-session's storage over the `user_sessions` table.
//!
//! The cookie carries a random key; the row stores its SHA-256, so a database leak leaks no
//! live session. Only signed-in users have a row (`user_id` is NOT NULL): a session is saved
//! when a login puts `user_id` into it. Loading a session also reads its user, so a request
//! learns who is signed in — fresh from the database — with one query; a deactivated user or
//! an expired or revoked row loads as no session at all.

use std::collections::HashMap;
use std::time::Duration;

use actix_session::storage::{
    LoadError, SaveError, SessionKey, SessionStore, UpdateError, generate_session_key,
};
use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::SessionLifetimes;
use crate::db::PgPool;
use crate::domain::ids::UserId;
use crate::models::user;
use crate::models::user_session::{self, KeyedSession, NewUserSession};

/// Keys of the session state that the store fills on load or reads on save; never stored
/// in `session_data`.
pub const USER_ID: &str = "user_id";
pub const SESSION_USER: &str = "_user";
pub const SESSION_ROW: &str = "_sid";
pub const CLIENT_IP: &str = "_ip";
pub const CLIENT_AGENT: &str = "_ua";
const RESERVED: [&str; 4] = [SESSION_USER, SESSION_ROW, CLIENT_IP, CLIENT_AGENT];

/// Sliding the idle expiry is skipped while it would move less than this: at most one
/// write per session every few minutes, not one per request.
const SLIDE_STEP: chrono::TimeDelta = chrono::TimeDelta::minutes(5);

/// The signed-in user as the database said during this request.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SessionUser {
    pub id: UserId,
    pub username: String,
    pub is_staff: bool,
    pub is_verified: bool,
}

#[derive(Clone)]
pub struct PgSessionStore {
    pool: PgPool,
    lifetimes: SessionLifetimes,
}

impl PgSessionStore {
    pub fn new(pool: PgPool, lifetimes: SessionLifetimes) -> Self {
        PgSessionStore { pool, lifetimes }
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut PgConnection, SessionLifetimes) -> anyhow::Result<T> + Send + 'static,
    ) -> anyhow::Result<T> {
        let lifetimes = self.lifetimes;
        let (result, _) = crate::db::pool::with_checkout(
            self.pool.clone(),
            move |conn| f(conn, lifetimes),
            |_| true,
        )
        .await?;
        result
    }
}

/// What the `session_key` column holds for a cookie's key.
pub fn key_digest(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

fn to_chrono(d: Duration) -> chrono::TimeDelta {
    chrono::TimeDelta::from_std(d).unwrap_or(chrono::TimeDelta::MAX)
}

/// The expiry a session of this age gets now: idle from now, capped by the absolute limit.
pub fn expiry(
    created_at: NaiveDateTime,
    now: NaiveDateTime,
    idle: Duration,
    absolute: Duration,
) -> NaiveDateTime {
    (now + to_chrono(idle)).min(created_at + to_chrono(absolute))
}

fn stored_state(mut state: HashMap<String, String>) -> Result<String, serde_json::Error> {
    for key in RESERVED {
        state.remove(key);
    }
    serde_json::to_string(&state)
}

impl SessionStore for PgSessionStore {
    async fn load(
        &self,
        session_key: &SessionKey,
    ) -> Result<Option<HashMap<String, String>>, LoadError> {
        let digest = key_digest(session_key.as_ref());
        let row = self
            .run(move |conn, lifetimes| {
                let now = Utc::now().naive_utc();
                // The key is unique: the row's state is checked here, not in SQL. Bound as
                // parameters (diesel binds every constant), those checks made PostgreSQL
                // re-plan this query on every request, a fifth of its time under load.
                let Some(found) = user_session::find_by_key(conn, &digest)? else {
                    return Ok(None);
                };
                let KeyedSession {
                    is_active: session_active,
                    user_active,
                    id: sid,
                    session_data: data,
                    created_at,
                    expires_at,
                    user_id,
                    username,
                    is_staff,
                    is_verified,
                } = found;
                if session_active == Some(false) || user_active == Some(false) || expires_at <= now
                {
                    return Ok(None);
                }
                let is_staff = is_staff.unwrap_or(false);
                let (idle, absolute) = lifetimes.for_user(is_staff);
                let slid = expiry(created_at.unwrap_or(now), now, idle, absolute);
                if slid <= now {
                    return Ok(None);
                }
                if slid - expires_at > SLIDE_STEP || slid < expires_at {
                    user_session::set_expiry(conn, sid, slid)?;
                }
                let user = SessionUser {
                    id: user_id,
                    username,
                    is_staff,
                    is_verified: is_verified.unwrap_or(false),
                };
                Ok(Some((sid, data, user)))
            })
            .await
            .map_err(LoadError::Other)?;
        let Some((sid, data, user)) = row else {
            return Ok(None);
        };
        let mut state: HashMap<String, String> =
            serde_json::from_str(data.as_deref().unwrap_or("{}"))
                .map_err(|e| LoadError::Deserialization(e.into()))?;
        state.insert(
            SESSION_USER.into(),
            serde_json::to_string(&user).map_err(|e| LoadError::Other(e.into()))?,
        );
        state.insert(SESSION_ROW.into(), sid.to_string());
        Ok(Some(state))
    }

    async fn save(
        &self,
        state: HashMap<String, String>,
        _ttl: &actix_web::cookie::time::Duration,
    ) -> Result<SessionKey, SaveError> {
        let key = generate_session_key();
        let Some(user_id) = state
            .get(USER_ID)
            .and_then(|v| serde_json::from_str::<UserId>(v).ok())
        else {
            // Visitors who are not signed in have no row; their key leads nowhere.
            return Ok(key);
        };
        let ip = state
            .get(CLIENT_IP)
            .and_then(|v| serde_json::from_str::<String>(v).ok())
            .and_then(|v| v.parse::<std::net::IpAddr>().ok())
            .map(ipnetwork::IpNetwork::from);
        let agent = state
            .get(CLIENT_AGENT)
            .and_then(|v| serde_json::from_str::<String>(v).ok());
        let data = stored_state(state).map_err(|e| SaveError::Serialization(e.into()))?;
        let digest = key_digest(key.as_ref());
        self.run(move |conn, lifetimes| {
            let is_staff = user::is_staff(conn, user_id)?;
            let (idle, absolute) = lifetimes.for_user(is_staff.unwrap_or(false));
            let now = Utc::now().naive_utc();
            user_session::insert(
                conn,
                &NewUserSession {
                    user_id,
                    session_key: &digest,
                    session_data: &data,
                    ip_address: ip,
                    user_agent: agent.as_deref(),
                    created_at: now,
                    expires_at: expiry(now, now, idle, absolute),
                    is_active: true,
                },
            )?;
            Ok(())
        })
        .await
        .map_err(SaveError::Other)?;
        Ok(key)
    }

    async fn update(
        &self,
        session_key: SessionKey,
        state: HashMap<String, String>,
        _ttl: &actix_web::cookie::time::Duration,
    ) -> Result<SessionKey, UpdateError> {
        let data = stored_state(state).map_err(|e| UpdateError::Serialization(e.into()))?;
        let digest = key_digest(session_key.as_ref());
        // A row revoked meanwhile stays revoked: nothing is re-created here.
        self.run(move |conn, _| {
            user_session::set_data_by_key(conn, &digest, &data)?;
            Ok(())
        })
        .await
        .map_err(UpdateError::Other)?;
        Ok(session_key)
    }

    async fn update_ttl(
        &self,
        _session_key: &SessionKey,
        _ttl: &actix_web::cookie::time::Duration,
    ) -> Result<(), anyhow::Error> {
        // Expiry slides in `load`, at most once every few minutes.
        Ok(())
    }

    async fn delete(&self, session_key: &SessionKey) -> Result<(), anyhow::Error> {
        let digest = key_digest(session_key.as_ref());
        self.run(move |conn, _| {
            user_session::delete_by_key(conn, &digest)?;
            Ok(())
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_slides_but_never_past_the_absolute_limit() {
        let created = chrono::NaiveDate::from_ymd_opt(2026, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        let idle = Duration::from_secs(3600);
        let absolute = Duration::from_secs(4 * 3600);
        assert_eq!(
            expiry(created, created, idle, absolute),
            created + chrono::TimeDelta::hours(1)
        );
        let later = created + chrono::TimeDelta::hours(3) + chrono::TimeDelta::minutes(30);
        assert_eq!(
            expiry(created, later, idle, absolute),
            created + chrono::TimeDelta::hours(4)
        );
    }

    #[test]
    fn reserved_keys_are_not_stored() {
        let state = HashMap::from([
            (USER_ID.to_string(), "7".to_string()),
            (SESSION_USER.to_string(), "{}".to_string()),
            (CLIENT_IP.to_string(), "\"1.2.3.4\"".to_string()),
        ]);
        assert_eq!(stored_state(state).unwrap(), r#"{"user_id":"7"}"#);
    }

    #[test]
    fn the_digest_is_sha256_hex() {
        assert_eq!(
            key_digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
