//! A plan's history (`/plans/{id}/history`): who changed what and when, newest first, 50 a
//! page by keyset; and a member's choice of a mail digest of the others' changes.

use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::auth::extractors::CurrentUser;
use crate::db::{Actor, Db};
use crate::domain::ids::{ActivityId, PlanId};
use crate::error::AppError;
use crate::flash;
use crate::models::plan::Plan;
use crate::models::plan_change::ChangeListing;
use crate::pages::{Layout, render, see_other};
use crate::services::history;
use crate::views::itinerary::LastChange;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct HistoryQuery {
    /// Keyset cursor "<created_at micros>_<id>": the last change of the page before.
    before: String,
}

/// The cursor of the page after one whose last change is `last`.
fn cursor(last: &ChangeListing) -> String {
    format!("{}_{}", last.created_at.timestamp_micros(), last.id)
}

/// A cursor as `cursor` writes it; `None` for anything else.
fn parse_cursor(raw: &str) -> Option<(DateTime<Utc>, i64)> {
    let (micros, id) = raw.split_once('_')?;
    let all_digits =
        |s: &str| !s.is_empty() && s.len() <= 19 && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(micros) || !all_digits(id) {
        return None;
    }
    let at = DateTime::from_timestamp_micros(micros.parse().ok()?)?;
    let id: i64 = id.parse().ok()?;
    (id > 0).then_some((at, id))
}

/// One change as the page shows it.
pub struct Row {
    pub when: LastChange,
    pub summary: String,
    pub action: String,
    /// The card it links to, when the activity is still in the plan.
    pub card: Option<ActivityId>,
}

#[derive(Template)]
#[template(path = "plans/history.html")]
struct HistoryPage {
    layout: Layout,
    plan: Plan,
    rows: Vec<Row>,
    /// The link to the older changes.
    older: Option<String>,
    first_page: bool,
    /// A member's digest choice; the owner has none.
    notify: Option<bool>,
}

pub async fn show(
    current: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<PlanId>,
    query: web::Query<HistoryQuery>,
) -> Result<HttpResponse, AppError> {
    let (user_id, id) = (current.id(), path.into_inner());
    let raw = query.before.trim();
    let before = match raw {
        "" => None,
        raw => Some(parse_cursor(raw).ok_or_else(|| {
            AppError::BadRequest(
                "This page of the history cannot be found: its link is damaged. Start again \
                 from the newest changes."
                    .into(),
            )
        })?),
    };
    let found = db
        .read_as(Actor::User(user_id), move |conn| {
            Ok(history::page(conn, user_id, id, before)?)
        })
        .await?;
    let now = Utc::now();
    let older = match (found.more, found.changes.last()) {
        (true, Some(last)) => Some(format!("/plans/{id}/history?before={}", cursor(last))),
        _ => None,
    };
    let rows = found
        .changes
        .into_iter()
        .map(|c| Row {
            when: LastChange::new(c.username.as_deref(), c.created_at, now),
            card: c.activity_id.filter(|a| found.existing.contains(a)),
            summary: c.summary,
            action: c.action,
        })
        .collect();
    render(&HistoryPage {
        layout: current.layout,
        plan: found.access.plan,
        rows,
        older,
        first_page: before.is_none(),
        notify: found.notify,
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NotifyForm {
    /// A checkbox: present (any value) to get the digest, absent to stop it.
    notify: Option<String>,
}

/// A member's choice of a mail digest of the others' changes (at most one an hour; a
/// background job sends it). The owner has no such choice here (403).
pub async fn notifications(
    current: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<PlanId>,
    web::Form(form): web::Form<NotifyForm>,
) -> Result<HttpResponse, AppError> {
    let (user_id, id) = (current.id(), path.into_inner());
    let notify = form.notify.is_some();
    db.write_as(Actor::User(user_id), move |conn| {
        Ok(history::set_notify(conn, user_id, id, notify)?)
    })
    .await?;
    flash::info_at(
        "notifications",
        if notify {
            "You will get a mail digest of the others' changes to this plan, at most one an hour."
        } else {
            "You will no longer get mails about the others' changes to this plan."
        },
    );
    Ok(see_other(&format!("/plans/{id}/history#notifications")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_and_anything_else_is_refused() {
        let at = DateTime::from_timestamp_micros(1_780_000_000_123_456).unwrap();
        let last = ChangeListing {
            id: 42,
            user_id: None,
            username: None,
            activity_id: None,
            action: "plan_edited".into(),
            summary: String::new(),
            created_at: at,
        };
        assert_eq!(parse_cursor(&cursor(&last)), Some((at, 42)));
        for bad in [
            "x",
            "_",
            "12_",
            "_12",
            "-1_5",
            "1_-5",
            "1_0",
            "1.5_2",
            "99999999999999999999_1",
            "1_99999999999999999999",
            "１_2",
            "1_2_3",
        ] {
            assert_eq!(parse_cursor(bad), None, "{bad}");
        }
    }
}
