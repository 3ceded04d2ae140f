use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::rate_limits;

#[derive(Clone, Debug, Queryable, Selectable, Identifiable)]
#[diesel(table_name = rate_limits, check_for_backend(diesel::pg::Pg))]
pub struct RateLimit {
    pub id: i32,
    pub identifier: String,
    pub identifier_type: String,
    pub request_count: Option<i32>,
    pub last_request: Option<NaiveDateTime>,
    pub reset_date: Option<NaiveDate>,
    pub created_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = rate_limits)]
pub struct NewRateLimit<'a> {
    pub identifier: &'a str,
    pub identifier_type: &'a str,
    pub request_count: i32,
}
