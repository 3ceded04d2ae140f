//! Joined read models of the staff pages (and of the account's data export): each page's rows, read across tables in a fixed
//! number of statements whatever the data (counts come from subqueries, never one query per
//! row), lists paged by keyset on an indexed order. One file per page group; the writes
//! live with their tables (`models::user`, `models::plan`, …) and the staff rules in
//! `services::staff`.
//!
//! `plans` and `plan_activities` have row-level security: callers run these inside a
//! transaction acting as `Actor::Staff`.

use chrono::{NaiveDateTime, Utc};

pub mod dashboard;
pub mod export;
pub mod plans;
pub mod sessions;
pub mod user_detail;
pub mod users;

/// Rows per page of every admin list.
pub const PAGE_SIZE: i64 = 50;
/// Plans shown on a user's page; the plans list shows them all.
pub const USER_PAGE_PLANS: i64 = 50;

fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}
