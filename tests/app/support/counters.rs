//! Rate-limit counters over `NewRateLimit`.

use diesel::prelude::*;
use diesel::sql_types::{Date, Integer, Nullable};
use wayfare::db::schema::rate_limits;
use wayfare::models::rate_limit::{NewRateLimit, RateLimit};

use super::app::TestApp;

impl TestApp {
    /// Today's rate-limit counter of `kind` (`login_ip`, `mail_account`…) for `identifier`,
    /// at one request.
    pub fn counter(&self, kind: &str, identifier: &str) -> CounterBuilder<'_> {
        CounterBuilder {
            app: self,
            kind: kind.to_string(),
            identifier: identifier.to_string(),
            count: 1,
            days_ago: 0,
        }
    }
}

pub struct CounterBuilder<'a> {
    app: &'a TestApp,
    kind: String,
    identifier: String,
    count: i32,
    days_ago: i32,
}

impl CounterBuilder<'_> {
    pub fn count(mut self, count: i32) -> Self {
        self.count = count;
        self
    }

    /// Dated `days` before today: a counter of an earlier day, which no longer counts.
    pub fn days_ago(mut self, days: i32) -> Self {
        self.days_ago = days;
        self
    }

    /// Dated today (or `days_ago`) as the app counts days (UTC), whatever the cluster's
    /// time zone.
    pub fn insert(self) -> RateLimit {
        let day = diesel::dsl::sql::<Nullable<Date>>("(now() AT TIME ZONE 'UTC')::date - ")
            .bind::<Integer, _>(self.days_ago);
        diesel::insert_into(rate_limits::table)
            .values((
                &NewRateLimit {
                    identifier: &self.identifier,
                    identifier_type: &self.kind,
                    request_count: self.count,
                },
                rate_limits::reset_date.eq(day),
            ))
            .returning(RateLimit::as_returning())
            .get_result(&mut self.app.db.admin_conn())
            .unwrap()
    }
}
