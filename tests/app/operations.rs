//! Operations (issue 8): the `seed`, `archive`, `backup`, `restore` and `purge` commands,
//! `/metrics` and the slow-request log, and running on more than one machine: several
//! instances on one database, a streaming read replica, and PgBouncer.

mod archive;
mod backup;
mod instances;
mod metrics;
mod pgbouncer;
mod purge;
mod replica;
mod seed;
mod support;
