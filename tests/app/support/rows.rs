//! Reading and writing rows past row-level security: typed rows and diesel queries run as
//! a superuser, constant SQL (with bound values) where SQL says it best, and whole-database
//! snapshots.

use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::QueryFragment;
use diesel::query_dsl::LoadQuery;
use diesel::query_dsl::methods::ExecuteDsl;
use diesel::sql_types::{BigInt, Nullable, Text};
use wayfare::db::schema::{plan_activities, plans, users};
use wayfare::domain::ids::{ActivityId, PlanId, UserId};
use wayfare::models::plan::Plan;
use wayfare::models::plan_activity::PlanActivity;
use wayfare::models::user::User;

use super::app::TestApp;

/// The one column of a constant `SELECT count(*) …` (PostgreSQL names it `count`).
#[derive(QueryableByName)]
pub struct Count {
    #[diesel(sql_type = BigInt)]
    pub count: i64,
}

/// The one column of a constant `SELECT … AS v` returning text.
#[derive(QueryableByName)]
pub struct TextValue {
    #[diesel(sql_type = Nullable<Text>)]
    pub v: Option<String>,
}

impl TestApp {
    /// A superuser connection (past row-level security).
    pub fn admin(&self) -> PgConnection {
        self.db.admin_conn()
    }

    /// The one result of a query, as a superuser.
    pub fn one<'q, T, Q>(&self, query: Q) -> T
    where
        Q: RunQueryDsl<PgConnection> + LoadQuery<'q, PgConnection, T>,
    {
        query.get_result(&mut self.admin()).unwrap()
    }

    /// Every result of a query, as a superuser.
    pub fn all<'q, T, Q>(&self, query: Q) -> Vec<T>
    where
        Q: RunQueryDsl<PgConnection> + LoadQuery<'q, PgConnection, T>,
    {
        query.load(&mut self.admin()).unwrap()
    }

    /// Runs one statement (a diesel insert, update or delete, or a constant `sql_query`
    /// with bound values) as a superuser; returns the rows it touched.
    pub fn exec<E>(&self, statement: E) -> usize
    where
        E: RunQueryDsl<PgConnection> + ExecuteDsl<PgConnection, Pg> + QueryFragment<Pg>,
    {
        statement.execute(&mut self.admin()).unwrap()
    }

    /// The result of a constant `SELECT count(*) …` with its values bound.
    pub fn count<'q, Q>(&self, query: Q) -> i64
    where
        Q: RunQueryDsl<PgConnection> + LoadQuery<'q, PgConnection, Count>,
    {
        self.one::<Count, _>(query).count
    }

    /// The result of a constant `SELECT (…)::text AS v` with its values bound.
    pub fn text<'q, Q>(&self, query: Q) -> Option<String>
    where
        Q: RunQueryDsl<PgConnection> + LoadQuery<'q, PgConnection, TextValue>,
    {
        self.one::<TextValue, _>(query).v
    }

    /// A user's row; `None` once it is gone.
    pub fn user_row(&self, id: impl Into<UserId>) -> Option<User> {
        users::table
            .find(id.into())
            .select(User::as_select())
            .first(&mut self.admin())
            .optional()
            .unwrap()
    }

    /// A plan's row, past row-level security; `None` once it is gone.
    pub fn plan_row(&self, id: impl Into<PlanId>) -> Option<Plan> {
        plans::table
            .find(id.into())
            .select(Plan::as_select())
            .first(&mut self.admin())
            .optional()
            .unwrap()
    }

    /// An activity's row, past row-level security; `None` once it is gone.
    pub fn activity_row(&self, id: impl Into<ActivityId>) -> Option<PlanActivity> {
        plan_activities::table
            .find(id.into())
            .select(PlanActivity::as_select())
            .first(&mut self.admin())
            .optional()
            .unwrap()
    }

    /// Every row of every table, as JSON text: equal before and after a request that must
    /// write nothing.
    pub fn snapshot(&self) -> String {
        self.snapshot_of(&TABLES)
    }

    /// `snapshot` without the rate-limit counters, for refusals that count on purpose (a
    /// wrong password is counted like a failed login).
    pub fn snapshot_except_counters(&self) -> String {
        let tables: Vec<&str> = TABLES
            .into_iter()
            .filter(|table| *table != "rate_limits")
            .collect();
        self.snapshot_of(&tables)
    }

    /// `snapshot` without the counters and the tables `skip` names.
    pub fn snapshot_without(&self, skip: &[&str]) -> String {
        let tables: Vec<&str> = TABLES
            .into_iter()
            .filter(|table| *table != "rate_limits" && !skip.contains(table))
            .collect();
        self.snapshot_of(&tables)
    }

    fn snapshot_of(&self, tables: &[&str]) -> String {
        tables
            .iter()
            .map(|table| format!("{table}: {}\n", self.dump(table)))
            .collect()
    }

    /// The rows of one of `TABLES`, in id order, as JSON objects.
    pub fn rows_of(&self, table: &str) -> Vec<serde_json::Value> {
        serde_json::from_str(&self.dump(table)).unwrap()
    }

    /// The rows of one of `TABLES` as a JSON array, by its constant query.
    fn dump(&self, table: &str) -> String {
        let (_, sql) = DUMPS
            .iter()
            .find(|(name, _)| *name == table)
            .unwrap_or_else(|| panic!("{table} is not one of the tables"));
        self.text(diesel::sql_query(*sql)).unwrap()
    }
}

/// Every table, in the order snapshots list them.
pub const TABLES: [&str; 11] = [
    "users",
    "user_sessions",
    "rate_limits",
    "plans",
    "plan_activities",
    "archived_plans",
    "archived_plan_activities",
    "deleted_items",
    "plan_members",
    "plan_invitations",
    "plan_changes",
];

/// Each table and the constant query that dumps it in id order.
pub const DUMPS: [(&str, &str); 11] = [
    (
        "users",
        "SELECT coalesce(json_agg(r ORDER BY r.id), '[]')::text AS v FROM users r",
    ),
    (
        "user_sessions",
        "SELECT coalesce(json_agg(r ORDER BY r.id), '[]')::text AS v FROM user_sessions r",
    ),
    (
        "rate_limits",
        "SELECT coalesce(json_agg(r ORDER BY r.id), '[]')::text AS v FROM rate_limits r",
    ),
    (
        "plans",
        "SELECT coalesce(json_agg(r ORDER BY r.id), '[]')::text AS v FROM plans r",
    ),
    (
        "plan_activities",
        "SELECT coalesce(json_agg(r ORDER BY r.id), '[]')::text AS v FROM plan_activities r",
    ),
    (
        "archived_plans",
        "SELECT coalesce(json_agg(r ORDER BY r.id), '[]')::text AS v FROM archived_plans r",
    ),
    (
        "archived_plan_activities",
        "SELECT coalesce(json_agg(r ORDER BY r.id), '[]')::text AS v FROM archived_plan_activities r",
    ),
    (
        "deleted_items",
        "SELECT coalesce(json_agg(r ORDER BY r.id), '[]')::text AS v FROM deleted_items r",
    ),
    (
        "plan_members",
        "SELECT coalesce(json_agg(r ORDER BY r.id), '[]')::text AS v FROM plan_members r",
    ),
    (
        "plan_invitations",
        "SELECT coalesce(json_agg(r ORDER BY r.id), '[]')::text AS v FROM plan_invitations r",
    ),
    (
        "plan_changes",
        "SELECT coalesce(json_agg(r ORDER BY r.id), '[]')::text AS v FROM plan_changes r",
    ),
];
