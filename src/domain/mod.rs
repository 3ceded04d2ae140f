//! Validated input: each type can only hold a value the database will accept. Values only:
//! nothing here imports models, routes or the database layer.

pub mod activity;
pub mod activity_type;
pub mod checked;
pub mod coordinates;
pub mod currency;
pub mod email;
pub mod field_errors;
pub mod ids;
pub mod member_role;
pub mod merge;
pub mod money;
pub mod password;
pub mod plan;
pub mod plan_data;
pub mod plan_status;
pub mod profile;
mod sql_text;
pub mod time_zone;
pub mod username;

pub use activity_type::ActivityType;
pub use coordinates::Coordinates;
pub use currency::Currency;
pub use email::Email;
pub use field_errors::FieldErrors;
pub use member_role::MemberRole;
pub use password::Password;
pub use plan_status::PlanStatus;
pub use time_zone::TimeZone;
pub use username::Username;
