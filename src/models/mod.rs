//! One file per table: row structs and sync query functions over `&mut PgConnection`.
//! No HTTP types here; handlers call these inside `Db::read` / `Db::write`.

pub mod admin;
pub mod archive;
pub mod export;
pub mod plan;
pub mod plan_activity;
pub mod rate_limit;
pub mod user;
pub mod user_session;
