//! Who the visitor is: passwords, sessions, CSRF and social login.

pub mod password;
