//! `/admin`: the service at a glance.

use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::Utc;

use super::rate_limits;
use crate::auth::extractors::StaffUser;
use crate::db::{Actor, Db};
use crate::error::AppError;
use crate::models::views::dashboard::{self as admin, Totals};
use crate::pages::{Layout, render};
use crate::state::AppState;
use crate::views::dashboard::{CHART_DAYS, DailyChart, daily_chart, human_bytes};

pub struct PoolRow {
    pub name: &'static str,
    pub size: u32,
    pub connections: u32,
    pub idle: u32,
}

#[derive(Template)]
#[template(path = "admin/dashboard.html")]
struct DashboardPage {
    layout: Layout,
    section: &'static str,
    totals: Totals,
    rate_limit_hits: i64,
    rate_limit_counters: usize,
    rate_limits_in_redis: bool,
    signups: DailyChart,
    new_plans: DailyChart,
    database_size: String,
    pools: Vec<PoolRow>,
}

pub async fn show(
    staff: StaffUser,
    state: web::Data<AppState>,
    db: web::Data<Db>,
) -> Result<HttpResponse, AppError> {
    let (totals, daily) = db
        .read_as(Actor::Staff, |conn| {
            Ok((
                admin::totals(conn)?,
                admin::daily_counts(conn, CHART_DAYS as i32)?,
            ))
        })
        .await?;
    let (rate_limit_hits, rate_limit_counters) = rate_limit_figures(&state, &totals).await?;
    let today = Utc::now().date_naive();
    render(&DashboardPage {
        layout: staff.layout,
        section: "dashboard",
        rate_limit_hits,
        rate_limit_counters,
        rate_limits_in_redis: rate_limits::redis_url(&state).is_some(),
        signups: daily_chart(&daily, "users", ("sign-up", "sign-ups"), today),
        new_plans: daily_chart(&daily, "plans", ("new plan", "new plans"), today),
        database_size: human_bytes(totals.database_bytes),
        totals,
        pools: pools(&state, &db),
    })
}

/// Today's rate-limited actions and counters, wherever the counters are kept.
async fn rate_limit_figures(state: &AppState, totals: &Totals) -> Result<(i64, usize), AppError> {
    Ok(match rate_limits::redis_url(state) {
        None => (totals.rate_limit_hits, totals.rate_limit_counters as usize),
        Some(url) => {
            let counters = rate_limits::redis_counters(url).await?;
            (counters.iter().map(|c| c.count).sum(), counters.len())
        }
    })
}

/// The connection pools as they are now: the primary's, and the replica's when one is set.
fn pools(state: &AppState, db: &Db) -> Vec<PoolRow> {
    let pool_row = |name, pool: &crate::db::PgPool| {
        let now = pool.state();
        PoolRow {
            name,
            size: pool.max_size(),
            connections: now.connections,
            idle: now.idle_connections,
        }
    };
    let mut pools = vec![pool_row("primary", &db.primary)];
    if state.settings.database_read_url.is_some() {
        pools.push(pool_row("read replica", &db.replica));
    }
    pools
}
