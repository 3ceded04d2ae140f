//! `wayfare archive`: moves plans archived and untouched for long into `archived_plans`, and
//! their activities into `archived_plan_activities`. One transaction per batch: a plan is
//! either wholly live or wholly archived, never lost or doubled; a crash between batches
//! loses nothing and a rerun carries on.

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
        move_rows(
            conn,
            "plans",
            "archived_plans",
            "plan_activities",
            "archived_plan_activities",
            &ids,
        )?;
        Ok(ids.len())
    })
}

/// Copies the plans and their activities to the other side, then deletes them where they
/// were (the activities go with their plans: ON DELETE CASCADE).
fn move_rows(
    conn: &mut PgConnection,
    from: &str,
    to: &str,
    from_activities: &str,
    to_activities: &str,
    ids: &[i32],
) -> QueryResult<()> {
    diesel::sql_query(format!(
        "INSERT INTO {to} SELECT * FROM {from} WHERE id = ANY($1)"
    ))
    .bind::<Array<Integer>, _>(ids)
    .execute(conn)?;
    diesel::sql_query(format!(
        "INSERT INTO {to_activities} SELECT * FROM {from_activities} WHERE plan_id = ANY($1)"
    ))
    .bind::<Array<Integer>, _>(ids)
    .execute(conn)?;
    diesel::sql_query(format!("DELETE FROM {from} WHERE id = ANY($1)"))
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

/// Brings one archived plan (and its activities) back to the live tables. `owner` limits it
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
        move_rows(
            conn,
            "archived_plans",
            "plans",
            "archived_plan_activities",
            "plan_activities",
            &[id.0],
        )?;
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
