//! The test harness: every test gets the real server on a random port, with its own
//! database cloned from a template that was migrated once. One module per concern.

mod app;
mod chrome;
mod counters;
mod db;
mod fake_geocoder;
mod fake_oauth;
mod faults;
mod fixtures;
mod http;
mod mail;
mod plans;
mod rows;
mod sessions;
mod tables;
mod webdriver;

pub use app::*;
pub use chrome::*;
pub use db::*;
pub use fake_geocoder::*;
pub use fake_oauth::*;
pub use faults::*;
pub use fixtures::*;
pub use http::*;
pub use mail::*;
pub use rows::*;
pub use sessions::*;
pub use tables::*;
pub use webdriver::*;
