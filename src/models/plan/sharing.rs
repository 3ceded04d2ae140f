//! Who can find a plan, and its share link: the `plans` columns the sharing section writes
//! (`share_token`, `is_public`, `status` when listing), and the lookup behind a link.

use diesel::prelude::*;

use super::Plan;
use crate::db::schema::plans;
use crate::domain::PlanStatus;
use crate::domain::ids::{PlanId, UserId};

/// Writes who can find the plan (see `Visibility`): a link keeps its token, so choosing
/// "Everyone" and back does not break links already given out.
pub fn set_visibility(
    conn: &mut PgConnection,
    user_id: UserId,
    id: PlanId,
    visibility: crate::domain::plan::Visibility,
) -> QueryResult<usize> {
    use crate::domain::plan::Visibility;
    use diesel::dsl::sql;
    use diesel::sql_types::{Nullable, Text};
    let target = plans::table
        .filter(plans::id.eq(id))
        .filter(plans::user_id.eq(user_id));
    let keep_or_new = || {
        sql::<Nullable<Text>>("coalesce(plans.share_token, ")
            .bind::<Text, _>(new_share_token())
            .sql(")")
    };
    let unpublished = || {
        sql::<Nullable<Text>>("CASE WHEN plans.status = ")
            .bind::<Text, _>(PlanStatus::Published)
            .sql(" THEN ")
            .bind::<Text, _>(PlanStatus::Draft)
            .sql(" ELSE plans.status END")
    };
    match visibility {
        Visibility::Private => diesel::update(target)
            .set((
                plans::share_token.eq(None::<String>),
                plans::is_public.eq(false),
                plans::status.eq(unpublished()),
            ))
            .execute(conn),
        Visibility::Link => diesel::update(target)
            .set((
                plans::share_token.eq(keep_or_new()),
                plans::is_public.eq(false),
                plans::status.eq(unpublished()),
            ))
            .execute(conn),
        Visibility::Public => diesel::update(target)
            .set((
                plans::share_token.eq(keep_or_new()),
                plans::is_public.eq(true),
                plans::status.eq(PlanStatus::Published),
            ))
            .execute(conn),
    }
}

/// A new share token: 256 bits from a CSPRNG (ChaCha seeded by the OS), URL-safe (43 chars).
pub fn new_share_token() -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Gives the plan a new share token (the old link, if any, dies at once).
pub fn set_share_token(
    conn: &mut PgConnection,
    user_id: UserId,
    id: PlanId,
    token: Option<&str>,
) -> QueryResult<usize> {
    diesel::update(
        plans::table
            .filter(plans::id.eq(id))
            .filter(plans::user_id.eq(user_id)),
    )
    .set(plans::share_token.eq(token))
    .execute(conn)
}

/// The plan behind a share link (row-level security must allow it: `Actor::ShareToken`).
pub fn find_by_share_token(conn: &mut PgConnection, token: &str) -> QueryResult<Plan> {
    let found = plans::table
        .filter(plans::share_token.eq(token))
        .select(Plan::as_select())
        .first(conn)?;
    // Re-compare in constant time; the 256-bit token leaves nothing to learn from the
    // index lookup's timing.
    use subtle::ConstantTimeEq;
    let same: bool = found
        .share_token
        .as_deref()
        .unwrap_or_default()
        .as_bytes()
        .ct_eq(token.as_bytes())
        .into();
    if same {
        Ok(found)
    } else {
        Err(diesel::result::Error::NotFound)
    }
}
