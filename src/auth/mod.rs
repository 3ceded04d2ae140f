//! Who the visitor is: passwords, sessions, CSRF, signed links and social login.

pub mod csrf;
pub mod extractors;
pub mod oauth;
pub mod password;
pub mod session_store;
pub mod tokens;
