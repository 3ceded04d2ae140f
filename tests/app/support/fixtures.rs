//! Rows written straight into the database, for tests about something else: typed builders
//! over the crate's own `New*` structs, each ending in `insert()`, which returns the row.
//! Accounts here; plans and activities in `plans`, rate-limit counters in `counters`.
//!
//! ```ignore
//! let ana = app.user("ana").staff().insert();
//! let plan = app.plan(&ana).title("Kyoto").status("published").insert();
//! app.activity(plan.id).title("Temple").date("2026-07-01").cost("12.50").insert();
//! ```

use std::str::FromStr;

use bigdecimal::BigDecimal;
use chrono::NaiveDate;
use diesel::prelude::*;
use wayfare::db::schema::users;
use wayfare::domain::ids::UserId;
use wayfare::models::user::{self, NewUser, User};

use super::app::TestApp;
use super::http::{Browser, PASSWORD};

/// An account made straight in the database, for tests about something other than sign-up.
#[derive(Clone, Debug)]
pub struct TestUser {
    pub id: UserId,
    pub email: String,
    pub username: String,
    pub password: String,
}

/// A date written `YYYY-MM-DD`.
pub fn date(value: &str) -> NaiveDate {
    NaiveDate::parse_from_str(value, "%Y-%m-%d").unwrap()
}

/// Today as the app counts days (UTC), whatever the cluster's time zone.
pub fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// A time of day written `HH:MM`.
pub fn time(value: &str) -> chrono::NaiveTime {
    chrono::NaiveTime::parse_from_str(value, "%H:%M").unwrap()
}

/// An exact decimal written as text (`"12.50"`).
pub fn decimal(value: &str) -> BigDecimal {
    BigDecimal::from_str(value).unwrap()
}

impl TestApp {
    /// A verified, active account `<username>@example.com` with `PASSWORD`.
    pub fn user(&self, username: &str) -> UserBuilder<'_> {
        UserBuilder {
            app: self,
            email: format!("{username}@example.com"),
            username: username.to_string(),
            password: PASSWORD.to_string(),
            verified: true,
            staff: false,
            active: true,
        }
    }

    /// A new browser signed in as `user`.
    pub async fn signed_in(&self, user: &TestUser) -> Browser {
        let browser = self.new_browser();
        browser.login_ok(&user.username, &user.password).await;
        browser
    }
}

pub struct UserBuilder<'a> {
    app: &'a TestApp,
    email: String,
    username: String,
    password: String,
    verified: bool,
    staff: bool,
    active: bool,
}

impl UserBuilder<'_> {
    pub fn staff(mut self) -> Self {
        self.staff = true;
        self
    }

    pub fn unverified(mut self) -> Self {
        self.verified = false;
        self
    }

    /// A deactivated account.
    pub fn inactive(mut self) -> Self {
        self.active = false;
        self
    }

    /// Through `models::user::insert`, as the app's role (users have no row-level security).
    pub fn insert(self) -> TestUser {
        self.insert_row().0
    }

    /// The account and its typed row.
    pub fn insert_row(self) -> (TestUser, User) {
        let hash = bcrypt::hash(&self.password, 4).unwrap();
        let mut conn = self.app.conn();
        let mut row = user::insert(
            &mut conn,
            &NewUser {
                email: &self.email,
                username: &self.username,
                password_hash: &hash,
                first_name: None,
                last_name: None,
                is_verified: self.verified,
                is_staff: self.staff,
            },
        )
        .unwrap();
        if !self.active {
            row = diesel::update(users::table.find(row.id))
                .set(users::is_active.eq(false))
                .returning(User::as_returning())
                .get_result(&mut conn)
                .unwrap();
        }
        let test_user = TestUser {
            id: row.id,
            email: self.email,
            username: self.username,
            password: self.password,
        };
        (test_user, row)
    }
}
