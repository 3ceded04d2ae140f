//! Validated input: each type can only hold a value the database will accept.

pub mod activity;
pub mod checked;
pub mod email;
pub mod field_errors;
pub mod money;
pub mod password;
pub mod plan;
pub mod plan_data;
pub mod username;

pub use email::Email;
pub use field_errors::FieldErrors;
pub use password::Password;
pub use username::Username;
