//! Digest mails: a member who asked for them (`plan_members.notify_changes`) gets at most one
//! mail per `DIGEST_INTERVAL_SECS` listing what the others changed on the plan since their
//! last digest. A background task in every `serve` process polls every `DIGEST_POLL_SECS`;
//! never a request.
//!
//! PostgreSQL is the queue: `plan_member_digests` holds where each member's digest stands.
//! One transaction per member claims a due row with `FOR UPDATE SKIP LOCKED` (a second
//! instance polling at the same moment skips it, and once the first commits the row is no
//! longer due), reads the new changes, advances the row and commits; only then is the mail
//! sent. Should sending fail, the row is put back as it was (if nothing moved it since) and
//! the next poll tries again; a mail is thus sent once per change set, never twice. The
//! task acts as staff for row-level security: it reads every plan's changes and members.

use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Integer, Nullable, Text, Timestamptz};

use crate::db::Actor;
use crate::mail::Mailer;

/// Changes younger than this wait for the next poll: a change's id is taken when its
/// transaction inserts it, and a slower transaction may still commit a smaller id than one
/// already visible. Waiting until requests that started before have ended (they take
/// milliseconds) keeps a digest from stepping over a change that commits late.
pub const SETTLE: Duration = Duration::from_secs(2);

/// At most this many changes are read for one digest; the rest waits for the next.
const READ_MAX: i64 = 1000;
/// At most this many are listed in the mail; the link to the history shows them all.
pub const LIST_MAX: usize = 100;
/// At most this many digests per poll (the next poll carries on).
const PER_POLL: usize = 500;

/// One change as a digest lists it.
#[derive(Debug, Clone, QueryableByName)]
pub struct DigestChange {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Nullable<Integer>)]
    pub user_id: Option<i32>,
    /// `None` once the account is gone.
    #[diesel(sql_type = Nullable<Text>)]
    pub username: Option<String>,
    #[diesel(sql_type = Text)]
    pub action: String,
    #[diesel(sql_type = Text)]
    pub summary: String,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
}

/// A digest claimed and recorded as sent: what the mail says, and the state to put back
/// should sending fail.
#[derive(Debug, Clone)]
pub struct Digest {
    pub plan_id: i32,
    pub user_id: i32,
    pub email: String,
    pub username: String,
    pub plan_title: String,
    /// The others' changes, oldest first (at most `LIST_MAX`).
    pub changes: Vec<DigestChange>,
    /// The others' changes read but not listed.
    pub more: usize,
    previous_change_id: i64,
    previous_sent_at: Option<DateTime<Utc>>,
    covered_to: i64,
    sent_at: DateTime<Utc>,
}

#[derive(QueryableByName)]
struct Due {
    #[diesel(sql_type = Integer)]
    plan_id: i32,
    #[diesel(sql_type = Integer)]
    user_id: i32,
    #[diesel(sql_type = BigInt)]
    last_change_id: i64,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    sent_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Text)]
    email: String,
    #[diesel(sql_type = Text)]
    username: String,
    #[diesel(sql_type = Text)]
    plan_title: String,
}

#[derive(QueryableByName)]
struct Now {
    #[diesel(sql_type = Timestamptz)]
    now: DateTime<Utc>,
}

/// Claims the next due digest, reads its changes and records it as sent, in one
/// transaction; `None` when no member is due. The caller sends the mail after this returns
/// (committed), and calls `release` if sending fails.
pub fn claim_next(conn: &mut PgConnection, interval: Duration) -> QueryResult<Option<Digest>> {
    conn.transaction(|conn| {
        Actor::Staff.apply(conn)?;
        let due: Option<Due> = diesel::sql_query(
            "SELECT d.plan_id, d.user_id, d.last_change_id, d.sent_at, \
                    u.email::text AS email, u.username::text AS username, \
                    p.title::text AS plan_title \
             FROM plan_member_digests d \
             JOIN plan_members m ON m.plan_id = d.plan_id AND m.user_id = d.user_id \
             JOIN users u ON u.id = d.user_id \
             JOIN plans p ON p.id = d.plan_id \
             WHERE m.notify_changes AND u.is_active IS NOT FALSE \
               AND (d.sent_at IS NULL OR d.sent_at <= now() - make_interval(secs => $1)) \
               AND EXISTS (SELECT 1 FROM plan_changes c \
                           WHERE c.plan_id = d.plan_id AND c.id > d.last_change_id \
                             AND c.user_id IS DISTINCT FROM d.user_id \
                             AND c.created_at <= now() - make_interval(secs => $2)) \
             ORDER BY d.sent_at NULLS FIRST, d.plan_id, d.user_id \
             LIMIT 1 \
             FOR UPDATE OF d SKIP LOCKED",
        )
        .bind::<Double, _>(interval.as_secs_f64())
        .bind::<Double, _>(SETTLE.as_secs_f64())
        .get_result(conn)
        .optional()?;
        let Some(due) = due else {
            return Ok(None);
        };
        let read: Vec<DigestChange> = diesel::sql_query(
            "SELECT c.id, c.user_id, u.username::text AS username, c.action::text AS action, \
                    c.summary::text AS summary, c.created_at \
             FROM plan_changes c LEFT JOIN users u ON u.id = c.user_id \
             WHERE c.plan_id = $1 AND c.id > $2 \
               AND c.created_at <= now() - make_interval(secs => $3) \
             ORDER BY c.id LIMIT $4",
        )
        .bind::<Integer, _>(due.plan_id)
        .bind::<BigInt, _>(due.last_change_id)
        .bind::<Double, _>(SETTLE.as_secs_f64())
        .bind::<BigInt, _>(READ_MAX)
        .load(conn)?;
        // The member's own changes are covered too: they need no news of them.
        let covered_to = read
            .iter()
            .map(|c| c.id)
            .max()
            .unwrap_or(due.last_change_id);
        let mut others: Vec<DigestChange> = read
            .into_iter()
            .filter(|c| c.user_id != Some(due.user_id))
            .collect();
        let more = others.len().saturating_sub(LIST_MAX);
        others.truncate(LIST_MAX);
        let sent_at = diesel::sql_query("SELECT now() AS now")
            .get_result::<Now>(conn)?
            .now;
        diesel::sql_query(
            "UPDATE plan_member_digests SET last_change_id = $3, sent_at = $4 \
             WHERE plan_id = $1 AND user_id = $2",
        )
        .bind::<Integer, _>(due.plan_id)
        .bind::<Integer, _>(due.user_id)
        .bind::<BigInt, _>(covered_to)
        .bind::<Timestamptz, _>(sent_at)
        .execute(conn)?;
        Ok(Some(Digest {
            plan_id: due.plan_id,
            user_id: due.user_id,
            email: due.email,
            username: due.username,
            plan_title: due.plan_title,
            changes: others,
            more,
            previous_change_id: due.last_change_id,
            previous_sent_at: due.sent_at,
            covered_to,
            sent_at,
        }))
    })
}

/// Puts a digest whose mail could not be sent back to where it stood, unless something
/// moved it since (the member turned digests off and on again, say): the next poll
/// sends it again.
pub fn release(conn: &mut PgConnection, digest: &Digest) -> QueryResult<usize> {
    conn.transaction(|conn| {
        Actor::Staff.apply(conn)?;
        diesel::sql_query(
            "UPDATE plan_member_digests SET last_change_id = $3, sent_at = $4 \
             WHERE plan_id = $1 AND user_id = $2 AND last_change_id = $5 AND sent_at = $6",
        )
        .bind::<Integer, _>(digest.plan_id)
        .bind::<Integer, _>(digest.user_id)
        .bind::<BigInt, _>(digest.previous_change_id)
        .bind::<Nullable<Timestamptz>, _>(digest.previous_sent_at)
        .bind::<BigInt, _>(digest.covered_to)
        .bind::<Timestamptz, _>(digest.sent_at)
        .execute(conn)
    })
}

impl Digest {
    /// One line of a subject: no line breaks from the title.
    pub fn subject(&self) -> String {
        let title: String = self
            .plan_title
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        format!("Changes to \"{}\"", title.trim())
    }

    /// The mail's text; `site` is the public URL without a trailing slash.
    pub fn body(&self, site: &str) -> String {
        let mut body = format!(
            "Hello {},\n\nSince your last digest, others changed \u{201c}{}\u{201d}:\n\n",
            self.username, self.plan_title
        );
        for change in &self.changes {
            body.push_str(&format!(
                "- {} UTC · {} · {}\n",
                change.created_at.format("%Y-%m-%d %H:%M"),
                change.username.as_deref().unwrap_or("a former member"),
                change.summary,
            ));
        }
        if self.more > 0 {
            body.push_str(&format!("- … and {} more\n", self.more));
        }
        body.push_str(&format!(
            "\nThe plan's whole history: {site}/plans/{plan}/history\n\n\
             You get at most one digest like this per plan and interval because you asked \
             for it; turn it off on {site}/plans/{plan}/members\n",
            plan = self.plan_id,
        ));
        body
    }
}

/// What the background task needs: where the database is, how to mail, and its timing.
pub struct DigestTask {
    pub database_url: String,
    pub mailer: Mailer,
    /// The public URL without a trailing slash.
    pub site: String,
    pub interval: Duration,
    pub poll: Duration,
}

/// Polls every `poll` (the first time one `poll` after start) until the process ends, on a
/// connection of its own (opened when first needed, opened again after a failure) so that
/// it never takes one from the requests' pool. Failures are logged and retried next time.
pub fn spawn(task: DigestTask) {
    if task.poll.is_zero() {
        return;
    }
    tokio::spawn(async move {
        let start = tokio::time::Instant::now() + task.poll;
        let mut ticks = tokio::time::interval_at(start, task.poll);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut conn: Option<PgConnection> = None;
        loop {
            ticks.tick().await;
            for _ in 0..PER_POLL {
                let (back, claimed) = on_connection(&task, conn.take(), {
                    let interval = task.interval;
                    move |c| claim_next(c, interval)
                })
                .await;
                conn = back;
                let digest = match claimed {
                    Ok(Some(digest)) => digest,
                    Ok(None) => break,
                    Err(e) => {
                        tracing::warn!(error = format!("{e:#}"), "digest poll failed");
                        break;
                    }
                };
                let sent = task
                    .mailer
                    .send(&digest.email, &digest.subject(), digest.body(&task.site))
                    .await;
                match sent {
                    Ok(()) => tracing::info!(
                        plan_id = digest.plan_id,
                        user_id = digest.user_id,
                        changes = digest.changes.len() + digest.more,
                        "digest sent"
                    ),
                    Err(e) => {
                        tracing::warn!(
                            plan_id = digest.plan_id,
                            user_id = digest.user_id,
                            error = format!("{e:#}"),
                            "digest mail failed; it is sent again on a later poll"
                        );
                        let (back, released) = on_connection(&task, conn.take(), {
                            let digest = digest.clone();
                            move |c| release(c, &digest)
                        })
                        .await;
                        conn = back;
                        if let Err(e) = released {
                            tracing::warn!(error = format!("{e:#}"), "digest release failed");
                        }
                        break;
                    }
                }
            }
        }
    });
}

/// Runs `f` on the task's connection on a blocking thread; hands the connection back unless
/// it failed (a broken one is dropped and the next call opens another).
async fn on_connection<T: Send + 'static>(
    task: &DigestTask,
    conn: Option<PgConnection>,
    f: impl FnOnce(&mut PgConnection) -> QueryResult<T> + Send + 'static,
) -> (Option<PgConnection>, anyhow::Result<T>) {
    let url = task.database_url.clone();
    let outcome = tokio::task::spawn_blocking(move || {
        let mut conn = match conn {
            Some(conn) => conn,
            None => match open(&url) {
                Ok(conn) => conn,
                Err(e) => return (None, Err(e)),
            },
        };
        match f(&mut conn) {
            Ok(value) => (Some(conn), Ok(value)),
            Err(e) => (None, Err(e.into())),
        }
    })
    .await;
    match outcome {
        Ok(done) => done,
        Err(e) => (None, Err(anyhow::anyhow!("the digest task panicked: {e}"))),
    }
}

fn open(url: &str) -> anyhow::Result<PgConnection> {
    use diesel::connection::SimpleConnection;
    let mut conn = crate::db::setup::connect(url)?;
    conn.batch_execute("SET TimeZone = 'UTC'; SET jit = off")?;
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(id: i64, who: Option<&str>, summary: &str) -> DigestChange {
        DigestChange {
            id,
            user_id: who.map(|_| 7),
            username: who.map(str::to_string),
            action: "activity_added".into(),
            summary: summary.into(),
            created_at: DateTime::parse_from_rfc3339("2026-12-02T18:40:00Z")
                .unwrap()
                .with_timezone(&Utc),
        }
    }

    fn digest(changes: Vec<DigestChange>, more: usize) -> Digest {
        Digest {
            plan_id: 12,
            user_id: 3,
            email: "ben@example.com".into(),
            username: "ben".into(),
            plan_title: "Lisbon\nin spring".into(),
            changes,
            more,
            previous_change_id: 0,
            previous_sent_at: None,
            covered_to: 2,
            sent_at: Utc::now(),
        }
    }

    #[test]
    fn the_body_lists_who_what_and_when_and_links_the_history() {
        let d = digest(
            vec![
                change(1, Some("ana"), "added Tram 28"),
                change(2, None, "moved Fado"),
            ],
            3,
        );
        let body = d.body("https://travel.example.org");
        assert!(body.contains("- 2026-12-02 18:40 UTC · ana · added Tram 28\n"));
        assert!(body.contains("· a former member · moved Fado"));
        assert!(body.contains("… and 3 more"));
        assert!(body.contains("https://travel.example.org/plans/12/history"));
        assert!(body.contains("https://travel.example.org/plans/12/members"));
    }

    #[test]
    fn the_subject_is_one_line() {
        assert_eq!(
            digest(vec![], 0).subject(),
            "Changes to \"Lisbon in spring\""
        );
    }
}
