//! Typed reads of the application's own rows for assertions, past row-level security:
//! the crate's models over `wayfare::db::schema`, in id order.

use bigdecimal::BigDecimal;
use chrono::{NaiveDate, NaiveTime};
use diesel::prelude::*;
use wayfare::db::schema::{plan_activities, plans, rate_limits, user_sessions, users};
use wayfare::domain::ids::{PlanId, UserId};
use wayfare::models::plan::Plan;
use wayfare::models::plan_activity::PlanActivity;
use wayfare::models::rate_limit::RateLimit;
use wayfare::models::user::User;
use wayfare::models::user_session::UserSession;

use super::app::TestApp;

impl TestApp {
    /// Every account, in id order.
    pub fn users(&self) -> Vec<User> {
        self.all(users::table.order(users::id).select(User::as_select()))
    }

    /// The one account there is (a test that signed one up); fails if there are more.
    pub fn the_user(&self) -> User {
        let mut users = self.users();
        assert_eq!(users.len(), 1, "expected one account: {users:?}");
        users.remove(0)
    }

    /// Every session row, anyone's, in id order.
    pub fn sessions(&self) -> Vec<UserSession> {
        self.all(
            user_sessions::table
                .order(user_sessions::id)
                .select(UserSession::as_select()),
        )
    }

    /// How many session rows there are, live or not.
    pub fn session_count(&self) -> i64 {
        self.one(user_sessions::table.count())
    }

    /// How many plans there are, anyone's.
    pub fn plan_count(&self) -> i64 {
        self.one(plans::table.count())
    }

    /// How many activities there are, in any plan.
    pub fn activity_count(&self) -> i64 {
        self.one(plan_activities::table.count())
    }

    /// A user's plans, in id order.
    pub fn plans_of(&self, user: impl Into<UserId>) -> Vec<Plan> {
        self.all(
            plans::table
                .filter(plans::user_id.eq(user.into()))
                .order(plans::id)
                .select(Plan::as_select()),
        )
    }

    /// A plan's activities, in id order.
    pub fn activities_of(&self, plan: impl Into<PlanId>) -> Vec<PlanActivity> {
        self.all(
            plan_activities::table
                .filter(plan_activities::plan_id.eq(plan.into()))
                .order(plan_activities::id)
                .select(PlanActivity::as_select()),
        )
    }

    /// Every rate-limit counter, in id order.
    pub fn counters(&self) -> Vec<RateLimit> {
        self.all(
            rate_limits::table
                .order(rate_limits::id)
                .select(RateLimit::as_select()),
        )
    }

    /// Every rate-limit counter of one kind (`login_ip`, `plan_create`…), in id order.
    pub fn counters_of(&self, kind: &str) -> Vec<RateLimit> {
        self.all(
            rate_limits::table
                .filter(rate_limits::identifier_type.eq(kind))
                .order(rate_limits::id)
                .select(RateLimit::as_select()),
        )
    }
}

impl TestApp {
    /// A plan's activities as the itinerary lists them: by day (undated last, as PostgreSQL
    /// sorts), then position (unpositioned last), then title.
    pub fn activities_by_day(&self, plan: impl Into<PlanId>) -> Vec<PlanActivity> {
        let mut activities = self.activities_of(plan);
        activities.sort_by(|a, b| {
            let key = |a: &PlanActivity| {
                (
                    a.scheduled_date.is_none(),
                    a.scheduled_date,
                    a.order_index.is_none(),
                    a.order_index,
                )
            };
            key(a).cmp(&key(b)).then_with(|| a.title.cmp(&b.title))
        });
        activities
    }
}

/// What an activity says, without its id, plan, completion or timestamps: what a copy or an
/// import must keep.
pub type ActivityColumns = (
    (String, Option<String>, Option<String>, Option<String>),
    (Option<BigDecimal>, Option<BigDecimal>, Option<String>),
    (
        Option<NaiveDate>,
        Option<NaiveTime>,
        Option<NaiveTime>,
        Option<i32>,
    ),
    (Option<BigDecimal>, Option<BigDecimal>, Option<i32>),
    Option<serde_json::Value>,
);

pub fn activity_columns(a: &PlanActivity) -> ActivityColumns {
    (
        (
            a.title.clone(),
            a.description.clone(),
            a.activity_type.clone(),
            a.location_name.clone(),
        ),
        (a.latitude.clone(), a.longitude.clone(), a.address.clone()),
        (
            a.scheduled_date,
            a.start_time,
            a.end_time,
            a.duration_minutes,
        ),
        (
            a.estimated_cost.clone(),
            a.actual_cost.clone(),
            a.order_index,
        ),
        a.metadata.clone(),
    )
}
