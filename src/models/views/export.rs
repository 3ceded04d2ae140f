//! Everything we hold about one user, for the GDPR export: a fixed number of queries,
//! whatever the data.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Integer, Text, Timestamptz};
use serde::Serialize;

use crate::db::schema::{plan_activities, plans, user_sessions};
use crate::domain::ids::UserId;
use crate::models::plan::Plan;
use crate::models::plan_activity::PlanActivity;
use crate::models::user::{self, User};
use crate::models::user_session::UserSession;

#[derive(Serialize)]
pub struct AccountExport {
    pub exported_at: NaiveDateTime,
    pub profile: ProfileExport,
    pub plans: Vec<PlanExport>,
    /// The plans the user is on besides their own.
    pub memberships: Vec<MembershipExport>,
    /// What the user changed in any plan (their own and others'), oldest first.
    pub changes: Vec<ChangeExport>,
    pub sessions: Vec<SessionExport>,
}

/// A plan the user is a member of; `archived` when it was archived away with them on it.
#[derive(Serialize, QueryableByName)]
pub struct MembershipExport {
    #[diesel(sql_type = Integer)]
    pub plan_id: i32,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Text)]
    pub role: String,
    #[diesel(sql_type = Bool)]
    pub notify_changes: bool,
    #[diesel(sql_type = Timestamptz)]
    pub since: DateTime<Utc>,
    #[diesel(sql_type = Bool)]
    pub archived: bool,
}

/// A change the user made, as the plan's history keeps it.
#[derive(Serialize, QueryableByName)]
pub struct ChangeExport {
    #[serde(skip)]
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Integer)]
    pub plan_id: i32,
    #[diesel(sql_type = Text)]
    pub action: String,
    #[diesel(sql_type = Text)]
    pub summary: String,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
}

#[derive(Serialize)]
pub struct ProfileExport {
    pub id: UserId,
    pub email: String,
    pub username: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub is_active: bool,
    pub is_verified: bool,
    pub is_staff: bool,
    pub has_password: bool,
    pub google_id: Option<String>,
    pub facebook_id: Option<String>,
    pub date_joined: Option<NaiveDateTime>,
    pub last_login: Option<NaiveDateTime>,
}

#[derive(Serialize)]
pub struct PlanExport {
    #[serde(flatten)]
    pub plan: Plan,
    pub activities: Vec<PlanActivity>,
}

/// A session as its owner may see it: never the key digest or the stored state.
#[derive(Serialize)]
pub struct SessionExport {
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: Option<NaiveDateTime>,
    pub expires_at: NaiveDateTime,
}

impl From<&User> for ProfileExport {
    fn from(u: &User) -> Self {
        ProfileExport {
            id: u.id,
            email: u.email.clone(),
            username: u.username.clone(),
            first_name: u.first_name.clone(),
            last_name: u.last_name.clone(),
            is_active: u.active(),
            is_verified: u.verified(),
            is_staff: u.staff(),
            has_password: u.has_password(),
            google_id: u.google_id.clone(),
            facebook_id: u.facebook_id.clone(),
            date_joined: u.date_joined,
            last_login: u.last_login,
        }
    }
}

pub fn account(conn: &mut PgConnection, user_id: UserId) -> QueryResult<AccountExport> {
    let found = user::find(conn, user_id)?;
    let own_plans: Vec<Plan> = plans::table
        .filter(plans::user_id.eq(user_id))
        .order(plans::id)
        .select(Plan::as_select())
        .load(conn)?;
    let activities: Vec<PlanActivity> = plan_activities::table
        .inner_join(plans::table)
        .filter(plans::user_id.eq(user_id))
        .order((
            plan_activities::plan_id,
            plan_activities::order_index,
            plan_activities::id,
        ))
        .select(PlanActivity::as_select())
        .load(conn)?;
    let sessions: Vec<UserSession> = user_sessions::table
        .filter(user_sessions::user_id.eq(user_id))
        .order(user_sessions::created_at)
        .select(UserSession::as_select())
        .load(conn)?;
    let (memberships, changes) = collaboration(conn, user_id)?;
    let mut grouped = activities.into_iter().peekable();
    let plans = own_plans
        .into_iter()
        .map(|plan| {
            let mut mine = Vec::new();
            while let Some(activity) = grouped.next_if(|a| a.plan_id == plan.id) {
                mine.push(activity);
            }
            PlanExport {
                plan,
                activities: mine,
            }
        })
        .collect();
    Ok(AccountExport {
        exported_at: chrono::Utc::now().naive_utc(),
        profile: ProfileExport::from(&found),
        plans,
        memberships,
        changes,
        sessions: sessions
            .into_iter()
            .map(|s| SessionExport {
                ip_address: s.ip_address.map(|ip| ip.ip().to_string()),
                user_agent: s.user_agent,
                created_at: s.created_at,
                expires_at: s.expires_at,
            })
            .collect(),
    })
}

/// The user's memberships and changes, live and archived. Row-level security would hide
/// the changes they made on a plan they have since left, and everything archived; both are
/// still theirs to see. So these two reads act as staff, each filtered by the user's id,
/// and the transaction acts for the user again afterwards.
fn collaboration(
    conn: &mut PgConnection,
    user_id: UserId,
) -> QueryResult<(Vec<MembershipExport>, Vec<ChangeExport>)> {
    diesel::sql_query("SELECT set_config('app.staff', 'on', true)").execute(conn)?;
    let read = (|| {
        let memberships = diesel::sql_query(
            "SELECT m.plan_id, p.title::text AS title, m.role::text AS role, m.notify_changes, \
                    m.created_at AS since, false AS archived \
             FROM plan_members m JOIN plans p ON p.id = m.plan_id WHERE m.user_id = $1 \
             UNION ALL \
             SELECT m.plan_id, p.title::text, m.role::text, m.notify_changes, m.created_at, true \
             FROM archived_plan_members m JOIN archived_plans p ON p.id = m.plan_id \
             WHERE m.user_id = $1 \
             ORDER BY since, plan_id",
        )
        .bind::<Integer, _>(user_id)
        .load::<MembershipExport>(conn)?;
        let changes = diesel::sql_query(
            "SELECT id, plan_id, action::text AS action, summary::text AS summary, created_at \
             FROM plan_changes WHERE user_id = $1 \
             UNION ALL \
             SELECT id, plan_id, action::text, summary::text, created_at \
             FROM archived_plan_changes WHERE user_id = $1 \
             ORDER BY created_at, id",
        )
        .bind::<Integer, _>(user_id)
        .load::<ChangeExport>(conn)?;
        Ok((memberships, changes))
    })();
    diesel::sql_query("SELECT set_config('app.staff', '', true)").execute(conn)?;
    read
}
