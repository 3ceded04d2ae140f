//! Operations behind the `wayfare` subcommands: seeding, archival, backups, purging; and the
//! background work of `serve`: purging and digest mails.
//! Each runs on one connection as the app's role, acting as staff for row-level security.

pub mod archive;
pub mod backup;
pub mod digest;
pub mod progress;
pub mod purge;
pub mod seed;
