//! What an account says about its person: address, username and names, each checked.

use crate::domain::{Email, FieldErrors, Password, Username};

/// An optional name: blank is none; at most 30 characters (the column's size).
pub fn optional_name(raw: &str) -> Result<Option<String>, String> {
    let value = raw.trim();
    if value.chars().count() > 30 {
        return Err("At most 30 characters.".into());
    }
    Ok((!value.is_empty()).then(|| value.to_string()))
}

/// A profile as the sign-up and account forms hold it (text).
#[derive(Debug, Default, Clone, Copy)]
pub struct ProfileInput<'a> {
    pub email: &'a str,
    pub username: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
}

/// A profile, every field checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub email: Email,
    pub username: Username,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
}

impl Profile {
    /// The checked profile, or `None` with every field's error added to `errors`.
    pub fn check(input: ProfileInput, errors: &mut FieldErrors) -> Option<Profile> {
        let email = errors.check("email", Email::parse(input.email));
        let username = errors.check("username", Username::parse(input.username));
        let first_name = errors.check("first_name", optional_name(input.first_name));
        let last_name = errors.check("last_name", optional_name(input.last_name));
        Some(Profile {
            email: email?,
            username: username?,
            first_name: first_name?,
            last_name: last_name?,
        })
    }
}

/// A new password account: its profile and a password good enough for it.
#[derive(Debug)]
pub struct NewAccount {
    pub profile: Profile,
    pub password: Password,
}

impl NewAccount {
    /// Checks the profile and the password (against its confirmation and the profile's own
    /// words); every problem is in the errors, beside its field.
    pub fn check(
        input: ProfileInput,
        password: &str,
        password_confirm: &str,
    ) -> Result<NewAccount, FieldErrors> {
        let mut errors = FieldErrors::default();
        let profile = Profile::check(input, &mut errors);
        let hints = [
            input.email,
            input.username,
            input.first_name,
            input.last_name,
        ];
        let password = errors.check_new_password(password, password_confirm, &hints);
        match (profile, password, errors.is_empty()) {
            (Some(profile), Some(password), true) => Ok(NewAccount { profile, password }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input<'a>(email: &'a str, first_name: &'a str) -> ProfileInput<'a> {
        ProfileInput {
            email,
            username: "traveller",
            first_name,
            last_name: "",
        }
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let long = "x".repeat(31);
        let errors =
            NewAccount::check(input("not an address", &long), "short", "other").unwrap_err();
        for field in ["email", "first_name", "password"] {
            assert!(errors.get(field).is_some(), "{field}: {errors:?}");
        }
    }

    #[test]
    fn a_good_account_keeps_its_values_and_blank_names_are_none() {
        let account = NewAccount::check(
            input("Ana@Example.com", "  Ana "),
            "a long and unusual passphrase",
            "a long and unusual passphrase",
        )
        .unwrap();
        assert_eq!(account.profile.first_name.as_deref(), Some("Ana"));
        assert_eq!(account.profile.last_name, None);
    }
}
