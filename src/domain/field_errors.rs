//! The errors of one form (or one imported row), each tied to the field it is about, so a
//! page shows it beside the field and an import names the field in its list.

/// Errors of a form, each shown beside its field.
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<(&'static str, String)>);

impl FieldErrors {
    /// The errors of a form with one problem.
    pub fn one(field: &'static str, message: impl Into<String>) -> Self {
        let mut errors = FieldErrors::default();
        errors.add(field, message);
        errors
    }

    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.push((field, message.into()));
    }

    /// The value of a later check of the same form, or these errors and its together.
    pub fn then<T>(mut self, checked: Result<T, FieldErrors>) -> Result<T, FieldErrors> {
        match checked {
            Ok(value) if self.is_empty() => Ok(value),
            Ok(_) => Err(self),
            Err(more) => {
                self.append(more);
                Err(self)
            }
        }
    }

    /// Adds the errors of another check of the same form, after these.
    pub fn append(&mut self, other: FieldErrors) {
        self.0.extend(other.0);
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every error in the order found, with the field it belongs to.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.0.iter().map(|(f, m)| (*f, m.as_str()))
    }

    /// Checks a new password typed twice (fields `password` and `password_confirm`);
    /// `hints` are the user's own words it must not lean on.
    pub fn check_new_password(
        &mut self,
        password: &str,
        confirm: &str,
        hints: &[&str],
    ) -> Option<crate::domain::Password> {
        let checked = self.check("password", crate::domain::Password::parse(password, hints));
        if password != confirm {
            self.add("password_confirm", "The two passwords differ.");
        }
        checked
    }

    /// Records the outcome of a `parse()`, keeping the value when valid.
    pub fn check<T>(&mut self, field: &'static str, parsed: Result<T, String>) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(message) => {
                self.add(field, message);
                None
            }
        }
    }
}
