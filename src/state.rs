//! What every handler shares through `web::Data`: the settings and the services built from
//! them once at start-up. Below the routes and the middleware, above nothing that serves
//! requests (it imports no route, no middleware and not `startup`).

use crate::auth::oauth::OAuth;
use crate::auth::password::Hasher;
use crate::config::Settings;
use crate::db::Db;
use crate::domain::ids::UserId;
use crate::error::AppError;
use crate::mail::Mailer;
use crate::rate_limit::RateLimiter;

/// What handlers reach through `web::Data`.
pub struct AppState {
    pub settings: Settings,
    pub hasher: Hasher,
    pub mailer: Mailer,
    pub limiter: RateLimiter,
    pub oauth: OAuth,
    pub metrics: crate::metrics::Metrics,
    /// The place search, when `GEOCODER_URL` is set.
    pub geocoder: Option<crate::geocoder::Geocoder>,
}

impl AppState {
    /// Counts a new plan (created, copied or imported) against the user's daily limit.
    pub async fn count_new_plan(&self, db: &Db, user_id: UserId) -> Result<(), AppError> {
        let limit = self.settings.limits.plans_per_user;
        self.limiter
            .hit(
                db,
                crate::rate_limit::Kind::PlanCreate,
                &user_id.to_string(),
                limit,
            )
            .await
    }

    /// Counts a new plan and its `activities` (an import, a copy, a duplicate) against the
    /// user's daily limits. When the activities would pass theirs, the plan is given back
    /// too: a refused copy costs nothing.
    pub async fn count_new_plan_with_activities(
        &self,
        db: &Db,
        user_id: UserId,
        activities: usize,
    ) -> Result<(), AppError> {
        use crate::rate_limit::Kind;
        self.count_new_plan(db, user_id).await?;
        let user = user_id.to_string();
        let n = u32::try_from(activities).unwrap_or(u32::MAX);
        let limit = self.settings.limits.activities_per_user;
        if let Err(refused) = self
            .limiter
            .hit_many(db, Kind::ActivityCreate, &user, n, limit)
            .await
        {
            self.limiter.refund(db, Kind::PlanCreate, &user).await?;
            return Err(refused);
        }
        Ok(())
    }

    /// An absolute link for mails and share pages.
    pub fn link(&self, path: &str) -> String {
        format!(
            "{}{path}",
            self.settings.public_url.as_str().trim_end_matches('/')
        )
    }
}
