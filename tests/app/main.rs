//! The one integration-test binary: the real server over HTTP, one database per test.

#[allow(dead_code)] // helpers shared by feature modules; not every one uses each.
mod helpers;

mod config;
mod errors;
mod health;
mod schema;
