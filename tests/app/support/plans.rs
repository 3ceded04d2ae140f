//! Plan and activity builders over `NewPlan` and `NewPlanActivity`, inserted as a superuser
//! (past row-level security).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use wayfare::db::schema::{plan_activities, plans};
use wayfare::domain::ids::{PlanId, UserId};
use wayfare::domain::{Currency, PlanStatus};
use wayfare::models::plan::{self, NewPlan, Plan};
use wayfare::models::plan_activity::{self, NewPlanActivity, PlanActivity};

use super::app::TestApp;
use super::fixtures::{TestUser, date, decimal};

impl TestApp {
    /// A draft plan of `owner` with the columns' defaults (USD, private, no data).
    pub fn plan(&self, owner: &TestUser) -> PlanBuilder<'_> {
        self.plan_of(owner.id)
    }

    /// `plan`, for an owner known by id.
    pub fn plan_of(&self, owner: impl Into<UserId>) -> PlanBuilder<'_> {
        PlanBuilder {
            app: self,
            share_token: None,
            updated_at: None,
            new: NewPlan {
                user_id: owner.into(),
                title: "Trip".into(),
                description: None,
                destination: None,
                start_date: None,
                end_date: None,
                budget: None,
                currency: Currency::DEFAULT,
                status: PlanStatus::Draft,
                plan_data: serde_json::json!({}),
                is_public: false,
            },
        }
    }

    /// An activity of a plan, with no date or cost, at `order_index` 0 (the column's
    /// default) unless `next_in_order` puts it after the plan's others.
    pub fn activity(&self, plan_id: impl Into<PlanId>) -> ActivityBuilder<'_> {
        ActivityBuilder {
            app: self,
            next_in_order: false,
            completed: false,
            new: NewPlanActivity {
                plan_id: plan_id.into(),
                title: "Stop".into(),
                description: None,
                activity_type: None,
                location_name: None,
                latitude: None,
                longitude: None,
                address: None,
                scheduled_date: None,
                start_time: None,
                end_time: None,
                duration_minutes: None,
                estimated_cost: None,
                actual_cost: None,
                order_index: 0,
                metadata: serde_json::json!({}),
            },
        }
    }
}

pub struct PlanBuilder<'a> {
    app: &'a TestApp,
    new: NewPlan,
    share_token: Option<String>,
    updated_at: Option<NaiveDateTime>,
}

impl PlanBuilder<'_> {
    pub fn title(mut self, title: &str) -> Self {
        self.new.title = title.to_string();
        self
    }

    pub fn description(mut self, description: &str) -> Self {
        self.new.description = Some(description.to_string());
        self
    }

    pub fn destination(mut self, destination: &str) -> Self {
        self.new.destination = Some(destination.to_string());
        self
    }

    /// First and last day, `YYYY-MM-DD`.
    pub fn dates(mut self, start: &str, end: &str) -> Self {
        self.new.start_date = Some(date(start));
        self.new.end_date = Some(date(end));
        self
    }

    pub fn budget(mut self, amount: &str, currency: &str) -> Self {
        self.new.budget = Some(decimal(amount));
        self.new.currency = Currency::parse(currency).expect("an ISO 4217 code");
        self
    }

    pub fn status(mut self, status: &str) -> Self {
        self.new.status = status.parse().expect("a plan status");
        self
    }

    pub fn data(mut self, data: serde_json::Value) -> Self {
        self.new.plan_data = data;
        self
    }

    pub fn public(mut self) -> Self {
        self.new.is_public = true;
        self
    }

    /// A share link's token (`NewPlan` has none: it goes into the same insert).
    pub fn share_token(mut self, token: &str) -> Self {
        self.share_token = Some(token.to_string());
        self
    }

    /// When it last changed (otherwise now, the column's default).
    pub fn updated_at(mut self, at: NaiveDateTime) -> Self {
        self.updated_at = Some(at);
        self
    }

    /// Three days in Lisbon from 2026-07-01 on a budget of 1000 EUR.
    pub fn lisbon_trip(self) -> Self {
        self.destination("Lisbon")
            .dates("2026-07-01", "2026-07-03")
            .budget("1000", "EUR")
    }

    /// Through `models::plan::insert`, as a superuser (past row-level security).
    pub fn insert(self) -> Plan {
        let mut conn = self.app.db.admin_conn();
        if self.share_token.is_none() && self.updated_at.is_none() {
            return plan::insert(&mut conn, &self.new).unwrap();
        }
        // Columns `NewPlan` leaves to their defaults go into the same insert.
        diesel::insert_into(plans::table)
            .values((
                &self.new,
                self.share_token.map(|token| plans::share_token.eq(token)),
                self.updated_at.map(|at| plans::updated_at.eq(at)),
            ))
            .returning(Plan::as_returning())
            .get_result(&mut conn)
            .unwrap()
    }
}

pub struct ActivityBuilder<'a> {
    app: &'a TestApp,
    new: NewPlanActivity,
    next_in_order: bool,
    completed: bool,
}

impl ActivityBuilder<'_> {
    pub fn title(mut self, title: &str) -> Self {
        self.new.title = title.to_string();
        self
    }

    /// The scheduled day, `YYYY-MM-DD`.
    pub fn date(mut self, day: &str) -> Self {
        self.new.scheduled_date = Some(date(day));
        self
    }

    /// The estimated cost, an exact decimal.
    pub fn cost(mut self, amount: &str) -> Self {
        self.new.estimated_cost = Some(decimal(amount));
        self
    }

    /// The scheduled day, as a date (one no form would take, say).
    pub fn on(mut self, day: NaiveDate) -> Self {
        self.new.scheduled_date = Some(day);
        self
    }

    pub fn duration_minutes(mut self, minutes: i32) -> Self {
        self.new.duration_minutes = Some(minutes);
        self
    }

    pub fn description(mut self, description: &str) -> Self {
        self.new.description = Some(description.to_string());
        self
    }

    pub fn address(mut self, address: &str) -> Self {
        self.new.address = Some(address.to_string());
        self
    }

    /// End time `HH:MM`.
    pub fn ends(mut self, time: &str) -> Self {
        self.new.end_time = Some(super::fixtures::time(time));
        self
    }

    /// Already done (`NewPlanActivity` has no such column: it goes into the same insert).
    pub fn completed(mut self) -> Self {
        self.completed = true;
        self
    }

    /// `attraction`, `restaurant`, `transport`…
    pub fn kind(mut self, activity_type: &str) -> Self {
        self.new.activity_type = Some(activity_type.parse().expect("an activity type"));
        self
    }

    /// Start time `HH:MM`.
    pub fn starts(mut self, time: &str) -> Self {
        self.new.start_time = Some(super::fixtures::time(time));
        self
    }

    pub fn actual_cost(mut self, amount: &str) -> Self {
        self.new.actual_cost = Some(decimal(amount));
        self
    }

    /// Latitude and longitude, exact decimals.
    pub fn at(mut self, latitude: &str, longitude: &str) -> Self {
        self.new.latitude = Some(decimal(latitude));
        self.new.longitude = Some(decimal(longitude));
        self
    }

    pub fn metadata(mut self, metadata: serde_json::Value) -> Self {
        self.new.metadata = metadata;
        self
    }

    pub fn location(mut self, name: &str) -> Self {
        self.new.location_name = Some(name.to_string());
        self
    }

    pub fn order_index(mut self, index: i32) -> Self {
        self.new.order_index = index;
        self
    }

    /// After every activity the plan has so far (`order_index` = their number).
    pub fn next_in_order(mut self) -> Self {
        self.next_in_order = true;
        self
    }

    /// Through `models::plan_activity::insert`, as a superuser (past row-level security).
    pub fn insert(mut self) -> PlanActivity {
        let mut conn = self.app.db.admin_conn();
        if self.next_in_order {
            let others: i64 = plan_activities::table
                .filter(plan_activities::plan_id.eq(self.new.plan_id))
                .count()
                .get_result(&mut conn)
                .unwrap();
            self.new.order_index = others as i32;
        }
        if !self.completed {
            return plan_activity::insert(&mut conn, &self.new).unwrap();
        }
        diesel::insert_into(plan_activities::table)
            .values((&self.new, plan_activities::is_completed.eq(true)))
            .returning(PlanActivity::as_returning())
            .get_result(&mut conn)
            .unwrap()
    }
}
