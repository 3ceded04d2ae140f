//! The locks and flag changes behind the staff pages' account actions; the rules that use
//! them are `services::staff`'s.

use diesel::prelude::*;

use crate::db::schema::users;
use crate::domain::ids::UserId;
use crate::models::user::User;

/// Locks the active staff accounts for the rest of the transaction, in id order (so
/// concurrent admin actions queue instead of deadlocking), and returns their ids. A
/// transaction that waited sees the accounts as the one before it left them: two staff
/// members removing each other at once cannot both succeed. (`FOR NO KEY UPDATE`: logins,
/// whose new session row only takes a key-share lock on its user, are not held up.)
pub fn lock_active_staff(conn: &mut PgConnection) -> QueryResult<Vec<UserId>> {
    users::table
        .filter(users::is_staff.eq(true))
        .filter(users::is_active.is_distinct_from(false))
        .order(users::id)
        .select(users::id)
        .for_no_key_update()
        .load(conn)
}

/// The user, locked for the rest of the transaction; `NotFound` when there is none.
pub fn lock(conn: &mut PgConnection, id: UserId) -> QueryResult<User> {
    users::table
        .find(id)
        .select(User::as_select())
        .for_no_key_update()
        .first(conn)
}

pub fn set_active(conn: &mut PgConnection, id: UserId, active: bool) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set(users::is_active.eq(active))
        .execute(conn)
}

pub fn set_verified(conn: &mut PgConnection, id: UserId) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set(users::is_verified.eq(true))
        .execute(conn)
}

pub fn set_staff(conn: &mut PgConnection, id: UserId, staff: bool) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set(users::is_staff.eq(staff))
        .execute(conn)
}
