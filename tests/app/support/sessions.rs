//! Session rows, and session cookies as an attacker who had the key would see them.

use diesel::prelude::*;
use wayfare::domain::ids::UserId;

use super::app::TestApp;
use super::http::{Browser, SESSION_COOKIE};

impl TestApp {
    /// The row of the session a browser's cookie carries, found by the key's digest.
    pub fn session_row_of(&self, browser: &Browser) -> Option<SessionRow> {
        let key = self.session_key_in(&browser.cookie(SESSION_COOKIE)?)?;
        let digest = sha256_hex(&key);
        let user: Option<i32> = {
            use wayfare::db::schema::user_sessions as s;
            s::table
                .filter(s::session_key.eq(&digest))
                .select(s::user_id)
                .first(&mut self.conn())
                .optional()
                .unwrap()
        };
        self.sessions_of(user?)
            .into_iter()
            .find(|row| row.session_key == digest)
    }

    /// The session rows of a user, oldest first.
    pub fn sessions_of(&self, user: impl Into<UserId>) -> Vec<SessionRow> {
        use wayfare::db::schema::user_sessions as s;
        s::table
            .filter(s::user_id.eq(user.into()))
            .order(s::id)
            .select((
                s::id,
                s::session_key,
                s::session_data,
                s::ip_address,
                s::user_agent,
                s::created_at,
                s::expires_at,
                s::is_active,
            ))
            .load::<SessionRow>(&mut self.conn())
            .unwrap()
    }
}

#[derive(Debug, Clone, Queryable)]
pub struct SessionRow {
    pub id: i32,
    pub session_key: String,
    pub session_data: Option<String>,
    pub ip_address: Option<ipnetwork::IpNetwork>,
    pub user_agent: Option<String>,
    pub created_at: Option<chrono::NaiveDateTime>,
    pub expires_at: chrono::NaiveDateTime,
    pub is_active: Option<bool>,
}

pub fn sha256_hex(value: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(value.as_bytes()))
}

impl TestApp {
    fn cookie_key(&self) -> actix_web::cookie::Key {
        actix_web::cookie::Key::from(self.secret_key.as_bytes())
    }

    /// The session key inside a session cookie (which the server encrypts and
    /// percent-encodes).
    pub fn session_key_in(&self, cookie_value: &str) -> Option<String> {
        use actix_web::cookie::{Cookie, CookieJar};
        let cookie = Cookie::parse_encoded(format!("{SESSION_COOKIE}={cookie_value}")).ok()?;
        let mut jar = CookieJar::new();
        jar.add_original(cookie.into_owned());
        jar.private(&self.cookie_key())
            .get(SESSION_COOKIE)
            .map(|c| c.value().to_string())
    }

    /// A session cookie carrying a key of the attacker's choice, encrypted as the server
    /// would: the worst case, where an attacker can make the browser send any session key.
    pub fn forge_session_cookie(&self, session_key: &str) -> String {
        encrypted_cookie(&self.cookie_key(), session_key)
    }
}

/// The value of a session cookie carrying `session_key`, encrypted with `key`.
pub fn encrypted_cookie(key: &actix_web::cookie::Key, session_key: &str) -> String {
    use actix_web::cookie::{Cookie, CookieJar};
    let mut jar = CookieJar::new();
    jar.private_mut(key)
        .add(Cookie::new(SESSION_COOKIE, session_key.to_string()));
    let cookie = jar.get(SESSION_COOKIE).unwrap();
    cookie.encoded().to_string()[SESSION_COOKIE.len() + 1..].to_string()
}
