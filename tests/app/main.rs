//! The one integration-test binary: the real server over HTTP, one database per test.

mod account;
mod accounts;
mod activities;
mod admin;
mod browser;
mod config;
mod csrf;
mod digests;
mod errors;
mod faults;
mod health;
mod history;
mod mail_links;
mod malformed;
mod members;
mod oauth;
mod operations;
mod places;
mod plans;
mod rate_limits;
mod schema;
mod secrets;
mod security;
mod sessions;
mod sharing;
mod support;
