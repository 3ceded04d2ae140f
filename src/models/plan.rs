use bigdecimal::BigDecimal;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::plans;

#[derive(Clone, Debug, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = plans, check_for_backend(diesel::pg::Pg))]
pub struct Plan {
    pub id: i32,
    pub user_id: i32,
    pub title: String,
    pub description: Option<String>,
    pub destination: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub budget: Option<BigDecimal>,
    pub currency: Option<String>,
    pub status: Option<String>,
    pub plan_data: Option<serde_json::Value>,
    pub is_public: Option<bool>,
    pub share_token: Option<String>,
    pub created_at: Option<NaiveDateTime>,
    pub updated_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = plans)]
pub struct NewPlan {
    pub user_id: i32,
    pub title: String,
    pub description: Option<String>,
    pub destination: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub budget: Option<BigDecimal>,
    pub currency: String,
    pub status: String,
    pub plan_data: serde_json::Value,
    pub is_public: bool,
}

#[derive(Debug, AsChangeset)]
#[diesel(table_name = plans, treat_none_as_null = true)]
pub struct PlanChanges {
    pub title: String,
    pub description: Option<String>,
    pub destination: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub budget: Option<BigDecimal>,
    pub currency: Option<String>,
    pub status: Option<String>,
    pub is_public: Option<bool>,
}

pub fn insert(conn: &mut PgConnection, new: &NewPlan) -> QueryResult<Plan> {
    diesel::insert_into(plans::table)
        .values(new)
        .returning(Plan::as_returning())
        .get_result(conn)
}
