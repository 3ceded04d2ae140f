//! `wayfare archive`: moves plans archived and untouched for long into `archived_plans`, and
//! their activities, members and history into `archived_plan_activities`,
//! `archived_plan_members` and `archived_plan_changes`. One transaction per batch: a plan
//! is either wholly live or wholly archived, never lost or doubled; a crash between batches
//! loses nothing and a rerun carries on. Restoring moves all of it back, in one
//! transaction. Pending invitations and digest state are not kept: they go with the live
//! plan (a member with digests on starts afresh when the plan comes back).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Array, Integer, Timestamp};

use crate::db::Actor;
use crate::domain::ids::{PlanId, UserId};
use crate::models::archive;
use crate::ops::progress::Progress;

pub const BATCH: i64 = 200;

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = Integer)]
    id: i32,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// How many plans an archive run would move.
pub fn eligible(conn: &mut PgConnection, cutoff: NaiveDateTime) -> QueryResult<i64> {
    conn.transaction(|conn| {
        Actor::Staff.apply(conn)?;
        diesel::sql_query(
            "SELECT count(*) AS n FROM plans WHERE status = 'archived' AND updated_at < $1",
        )
        .bind::<Timestamp, _>(cutoff)
        .get_result::<Count>(conn)
        .map(|c| c.n)
    })
}

/// Moves one batch; returns how many plans it moved (0: done).
pub fn archive_batch(conn: &mut PgConnection, cutoff: NaiveDateTime) -> QueryResult<usize> {
    conn.transaction(|conn| {
        Actor::Staff.apply(conn)?;
        let ids: Vec<i32> = diesel::sql_query(
            "SELECT id FROM plans WHERE status = 'archived' AND updated_at < $1 \
             ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED",
        )
        .bind::<Timestamp, _>(cutoff)
        .bind::<diesel::sql_types::BigInt, _>(BATCH)
        .load::<Id>(conn)?
        .into_iter()
        .map(|r| r.id)
        .collect();
        if ids.is_empty() {
            return Ok(0);
        }
        move_rows(conn, &LIVE, &ARCHIVED, &ids)?;
        Ok(ids.len())
    })
}

/// A plan table and the tables hanging off it by `plan_id`, in the order they are copied.
struct Side {
    plans: &'static str,
    children: [&'static str; 3],
}

const LIVE: Side = Side {
    plans: "plans",
    children: ["plan_activities", "plan_members", "plan_changes"],
};

const ARCHIVED: Side = Side {
    plans: "archived_plans",
    children: [
        "archived_plan_activities",
        "archived_plan_members",
        "archived_plan_changes",
    ],
};

/// Copies the plans and what hangs off them to the other side, then deletes the plans where
/// they were (the rest goes with them: ON DELETE CASCADE). The archived tables are the live
/// ones' `LIKE … INCLUDING ALL`, so `SELECT *` lines the columns up.
fn move_rows(conn: &mut PgConnection, from: &Side, to: &Side, ids: &[i32]) -> QueryResult<()> {
    diesel::sql_query(format!(
        "INSERT INTO {} SELECT * FROM {} WHERE id = ANY($1)",
        to.plans, from.plans
    ))
    .bind::<Array<Integer>, _>(ids)
    .execute(conn)?;
    for (from_table, to_table) in from.children.iter().zip(to.children) {
        diesel::sql_query(format!(
            "INSERT INTO {to_table} SELECT * FROM {from_table} WHERE plan_id = ANY($1)"
        ))
        .bind::<Array<Integer>, _>(ids)
        .execute(conn)?;
    }
    diesel::sql_query(format!("DELETE FROM {} WHERE id = ANY($1)", from.plans))
        .bind::<Array<Integer>, _>(ids)
        .execute(conn)?;
    Ok(())
}

/// Archives everything eligible; `fail_after` injects a failure after that many batches
/// (tests of crash safety).
pub fn archive(
    conn: &mut PgConnection,
    cutoff: NaiveDateTime,
    fail_after: Option<usize>,
) -> anyhow::Result<usize> {
    let total = eligible(conn, cutoff)?;
    let mut progress = Progress::new("plans", total.max(0) as u64);
    let mut moved = 0;
    let mut batches = 0;
    loop {
        if fail_after == Some(batches) {
            anyhow::bail!("injected failure after {batches} batches ({moved} plans archived)");
        }
        let n = archive_batch(conn, cutoff)?;
        if n == 0 {
            break;
        }
        moved += n;
        batches += 1;
        progress.advance(n as u64);
    }
    progress.finish();
    Ok(moved)
}

/// Brings one archived plan (with its activities, members and history) back to the live tables. `owner` limits it
/// to that user's plans (the owner's "Restore" button); `None` is the command line.
pub fn restore(
    conn: &mut PgConnection,
    plan_id: PlanId,
    owner: Option<UserId>,
) -> QueryResult<bool> {
    conn.transaction(|conn| {
        Actor::Staff.apply(conn)?;
        let found = archive::lock_owner(conn, plan_id)?;
        let Some((id, _)) = found.filter(|(_, user_id)| owner.is_none_or(|o| o == *user_id)) else {
            return Ok(false);
        };
        move_rows(conn, &ARCHIVED, &LIVE, &[id.0])?;
        Ok(true)
    })
}

/// Parses "2y", "18m", "30d" into a cutoff before now.
pub fn cutoff(older_than: &str) -> Result<NaiveDateTime, String> {
    let text = older_than.trim();
    let (number, unit) = text.split_at(text.len().saturating_sub(1));
    let n: i64 = number.parse().map_err(|_| {
        format!("--older-than takes a number and a unit, like 2y, 18m or 30d (got {older_than})")
    })?;
    let days = match unit {
        "y" => n * 365,
        "m" => n * 30,
        "d" => n,
        _ => {
            return Err(format!(
                "--older-than takes a unit y, m or d (got {older_than})"
            ));
        }
    };
    Ok(chrono::Utc::now().naive_utc() - chrono::TimeDelta::days(days))
}
