use bigdecimal::BigDecimal;
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use diesel::prelude::*;

use crate::db::schema::plan_activities;

#[derive(Clone, Debug, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = plan_activities, check_for_backend(diesel::pg::Pg))]
pub struct PlanActivity {
    pub id: i32,
    pub plan_id: i32,
    pub title: String,
    pub description: Option<String>,
    pub activity_type: Option<String>,
    pub location_name: Option<String>,
    pub latitude: Option<BigDecimal>,
    pub longitude: Option<BigDecimal>,
    pub address: Option<String>,
    pub scheduled_date: Option<NaiveDate>,
    pub start_time: Option<NaiveTime>,
    pub end_time: Option<NaiveTime>,
    pub duration_minutes: Option<i32>,
    pub estimated_cost: Option<BigDecimal>,
    pub actual_cost: Option<BigDecimal>,
    pub order_index: Option<i32>,
    pub is_completed: Option<bool>,
    pub metadata: Option<serde_json::Value>,
    pub created_at: Option<NaiveDateTime>,
    pub updated_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = plan_activities, treat_none_as_null = true)]
pub struct NewPlanActivity {
    pub plan_id: i32,
    pub title: String,
    pub description: Option<String>,
    pub activity_type: Option<String>,
    pub location_name: Option<String>,
    pub latitude: Option<BigDecimal>,
    pub longitude: Option<BigDecimal>,
    pub address: Option<String>,
    pub scheduled_date: Option<NaiveDate>,
    pub start_time: Option<NaiveTime>,
    pub end_time: Option<NaiveTime>,
    pub duration_minutes: Option<i32>,
    pub estimated_cost: Option<BigDecimal>,
    pub actual_cost: Option<BigDecimal>,
    pub order_index: i32,
    pub metadata: serde_json::Value,
}

pub fn insert(conn: &mut PgConnection, new: &NewPlanActivity) -> QueryResult<PlanActivity> {
    diesel::insert_into(plan_activities::table)
        .values(new)
        .returning(PlanActivity::as_returning())
        .get_result(conn)
}
