//! File formats in and out: calendars (ICS) and plan files.

pub mod ics;
pub mod plan_file;
