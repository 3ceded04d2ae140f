//! Password checks: the login's choreography (counted per client address before the check,
//! throttled per account and client pair, given back on success), the rehash of old hashes,
//! and the owner's notice when an account sees unusual failures. Logins and the account
//! pages that ask for the current password all check passwords here.

use diesel::OptionalExtension;

use crate::db::Db;
use crate::domain::ids::UserId;
use crate::error::AppError;
use crate::models::user;
use crate::rate_limit::{Claim, Kind, pair_key};
use crate::state::AppState;

/// What became of a login with a name (e-mail or username) and a password.
#[derive(Debug, PartialEq, Eq)]
pub enum LoggedIn {
    Yes(UserId),
    /// Unknown name or wrong password: the same answer, after the same work.
    Wrong,
    Deactivated,
}

/// Logs in from `client` (see `client::client_key`). Too many attempts answer
/// `TooManyRequests`; so does a pair that must wait before its next check.
pub async fn log_in(
    state: &AppState,
    db: &Db,
    login: &str,
    password: String,
    client: &str,
) -> Result<LoggedIn, AppError> {
    // Counted before the password is checked, so parallel guesses cannot pass the limit;
    // given back when the login succeeds, or when the password was not checked at all.
    state
        .limiter
        .hit(
            db,
            Kind::LoginIp,
            client,
            state.settings.limits.login_failures_per_ip,
        )
        .await?;
    let checked = check_login(state, db, login, password, client).await;
    if !matches!(checked, Ok(LoggedIn::Wrong)) {
        state.limiter.refund(db, Kind::LoginIp, client).await?;
    }
    checked
}

async fn check_login(
    state: &AppState,
    db: &Db,
    login: &str,
    password: String,
    client: &str,
) -> Result<LoggedIn, AppError> {
    let lookup = login.to_string();
    let found = db
        .read(move |conn| Ok(user::find_by_login(conn, &lookup)?))
        .await?;
    let account = login_account_key(found.as_ref(), login);
    // An unknown user costs one bcrypt check too: both failures take the same time.
    let stored = found
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| state.hasher.dummy_hash().to_string());
    let matches =
        check_password_throttled(state, db, &account, client, password.clone(), stored).await?;
    let (Some(found), true) = (found, matches) else {
        return Ok(LoggedIn::Wrong);
    };
    if !found.active() {
        return Ok(LoggedIn::Deactivated);
    }
    // A hash made with a lower cost than today's is replaced while we know the password.
    let new_hash = match crate::auth::password::cost_of(&found.password_hash) {
        Some(cost) if cost < state.hasher.cost => Some(state.hasher.hash(password).await?),
        _ => None,
    };
    let user_id = found.id;
    db.write(move |conn| Ok(user::record_login(conn, user_id, new_hash.as_deref())?))
        .await?;
    Ok(LoggedIn::Yes(user_id))
}

/// Checks a password for `account` (as `login_account_key` names it) typed from `client`,
/// throttled per (account, client) pair: a pair that failed too often waits (429 with
/// `Retry-After`), a right password clears its failures, and a wrong one counts towards
/// the account's daily notice. Logins and the account pages that ask for the current
/// password all go through here.
pub async fn check_password_throttled(
    state: &AppState,
    db: &Db,
    account: &str,
    client: &str,
    password: String,
    stored_hash: String,
) -> Result<bool, AppError> {
    let pair = pair_key(account, client);
    if let Claim::Wait { secs } = state.limiter.claim_password_check(db, &pair).await? {
        return Err(AppError::TooManyRequests {
            retry_after_secs: secs,
        });
    }
    let matches = state.hasher.verify(password, stored_hash).await?;
    if matches {
        state.limiter.clear_pair(db, &pair).await?;
    } else {
        note_failure(state, db, account).await?;
    }
    Ok(matches)
}

/// Counts a failed password check against an account; the day's `LOGIN_FAILURES_NOTICE`th
/// sends its owner one mail (never more than one a day, however many follow).
async fn note_failure(state: &AppState, db: &Db, account: &str) -> Result<(), AppError> {
    let failures = state.limiter.count(db, Kind::LoginAccount, account).await?;
    let Some(user_id) = account
        .strip_prefix("user:")
        .and_then(|id| id.parse::<UserId>().ok())
    else {
        return Ok(());
    };
    if failures != i64::from(state.settings.limits.login_failures_notice) {
        return Ok(());
    }
    let Some(owner) = db
        .read(move |conn| Ok(user::find(conn, user_id).optional()?))
        .await?
    else {
        return Ok(());
    };
    let body = format!(
        "Hello {},\n\nyour Wayfare account has seen {failures} failed sign-in attempts today. \
         Your account is not locked: you can still log in as usual, and whoever is trying is \
         being slowed down.\n\nIf this was not you, make sure your password is strong and not \
         used elsewhere: {}\n\nIf it was you, you can ignore this mail; you can always choose a \
         new password here: {}\n",
        owner.username,
        state.link("/account/password"),
        state.link("/password-reset"),
    );
    if let Err(e) = state
        .mailer
        .send(
            &owner.email,
            "Unusual sign-in attempts on your Wayfare account",
            body,
        )
        .await
    {
        tracing::warn!(error = format!("{e:#}"), "failed-login notice not sent");
    }
    Ok(())
}

/// What failed logins are counted under: an account once, whichever of its names (e-mail
/// or username, in any case) is typed; an unknown name as typed, cut to the column's size.
/// Names never contain `:` or `|`, so the kinds cannot collide.
pub fn login_account_key(found: Option<&user::User>, login: &str) -> String {
    match found {
        Some(user) => account_key(user.id),
        None => format!("login:{}", login.to_lowercase().replace('|', ""))
            .chars()
            .take(200)
            .collect(),
    }
}

/// The throttling identifier of a known account.
pub fn account_key(user_id: UserId) -> String {
    format!("user:{user_id}")
}
