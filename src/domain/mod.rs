//! Validated input: each type can only hold a value the database will accept.

pub mod email;
pub mod password;
pub mod username;

pub use email::Email;
pub use password::Password;
pub use username::Username;
