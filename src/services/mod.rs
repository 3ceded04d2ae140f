//! The rules: what may happen to accounts, plans, activities and links, and what did.
//!
//! Sync functions over `&mut PgConnection` (handlers call them inside one `Db` closure, on
//! one checkout and one transaction) taking checked values and returning enums that name
//! the outcome. No HTTP types and no page text here: routes turn outcomes into pages.
//! Whether a user may touch a plan at all is decided in one place, `access::plan`.

pub mod access;
pub mod accounts;
pub mod activities;
pub mod history;
pub mod linking;
pub mod login;
pub mod members;
pub mod plans;
pub mod sharing;
pub mod staff;
pub mod undo;

/// What a service can fail with besides the database: a member whose role does not allow
/// what they asked (403; a stranger's request is the database's `NotFound`, 404).
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
    #[error("the member's role does not allow this")]
    Forbidden,
}

pub type ServiceResult<T> = Result<T, ServiceError>;

/// A route's `?` turns a service's failure into the page it answers: the database's as
/// always, a role's refusal as 403. Here rather than in `error`, which knows no services.
impl From<ServiceError> for crate::error::AppError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Db(e) => e.into(),
            ServiceError::Forbidden => crate::error::AppError::RoleForbids,
        }
    }
}
