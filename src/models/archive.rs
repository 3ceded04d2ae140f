//! Rows moved out of the live tables by `wayfare archive`.

use bigdecimal::BigDecimal;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::archived_plans;

#[derive(Clone, Debug, Queryable, Selectable, Identifiable)]
#[diesel(table_name = archived_plans, check_for_backend(diesel::pg::Pg))]
pub struct ArchivedPlan {
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
