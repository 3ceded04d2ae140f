//! One file per table: row structs and sync query functions over `&mut PgConnection`.
//! No HTTP types and no UI text here; handlers call these inside `Db::read` / `Db::write`.
//! `views` holds the joined read models of the staff pages and the account export.

pub mod archive;
pub mod deleted_item;
pub mod plan;
pub mod plan_activity;
pub mod plan_change;
pub mod plan_invitation;
pub mod plan_member;
pub mod plan_page;
pub mod rate_limit;
pub mod user;
pub mod user_session;
pub mod views;
