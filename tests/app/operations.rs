//! Operations (issue 8): the `seed`, `archive`, `backup`, `restore` and `purge` commands,
//! `/metrics` and the slow-request log, and running on more than one machine: several
//! instances on one database, a streaming read replica, and PgBouncer. Also the database's
//! roles and the embedded cluster's passwords and place.

mod archive;
mod backup;
mod cluster;
mod embedded;
mod instances;
mod metrics;
mod pgbouncer;
mod purge;
mod replica;
mod roles;
mod seed;
mod support;
