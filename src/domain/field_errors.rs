//! The errors of one form (or one imported row), each tied to the field it is about, so a
//! page shows it beside the field and an import names the field in its list.

/// Errors of a form, each shown beside its field; and, when a save met someone else's, a
/// note beside each field they changed (`routes::merge`).
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<(&'static str, String)>, Vec<(String, FieldNote)>);

/// What someone else changed in a field while its form was open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldNote {
    /// Their value is in the field: this user had left it alone.
    Taken,
    /// This user changed it too: the field holds this user's value, and this is theirs.
    SavedMeanwhile(String),
}

impl FieldNote {
    pub fn saved_meanwhile(&self) -> Option<&str> {
        match self {
            FieldNote::Taken => None,
            FieldNote::SavedMeanwhile(theirs) => Some(theirs),
        }
    }
}

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
        self.1.extend(other.1);
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }

    /// The errors in the order their fields appear on the form (`fields`; others last),
    /// so the first one is the first wrong field a reader meets.
    pub fn in_order(mut self, fields: &[&str]) -> Self {
        self.0
            .sort_by_key(|(f, _)| fields.iter().position(|x| x == f).unwrap_or(fields.len()));
        self
    }

    /// Whether `field` has the first error found (the field a page focuses).
    pub fn is_first(&self, field: &str) -> bool {
        self.0.first().is_some_and(|(f, _)| *f == field)
    }

    /// Whether there is no error (notes are none).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether a merge left a note beside some field.
    pub fn has_notes(&self) -> bool {
        !self.1.is_empty()
    }

    pub fn add_note(&mut self, field: &str, note: FieldNote) {
        self.1.push((field.to_string(), note));
    }

    pub fn note(&self, field: &str) -> Option<&FieldNote> {
        self.1.iter().find(|(f, _)| f == field).map(|(_, n)| n)
    }

    /// The ids of what is said beside `field` (its error, its note), for `aria-describedby`.
    pub fn described_by(&self, field: &str) -> Option<String> {
        let error = self.get(field).map(|_| format!("{field}-error"));
        let note = self.note(field).map(|_| format!("{field}-note"));
        match (error, note) {
            (Some(e), Some(n)) => Some(format!("{e} {n}")),
            (e, n) => e.or(n),
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_put_in_the_form_order_and_the_first_is_known() {
        let mut errors = FieldErrors::one("cost", "Not an amount.");
        errors.add("secret", "Not on the form.");
        errors.add("title", "Give a title.");
        let errors = errors.in_order(&["title", "date", "cost"]);
        let fields: Vec<_> = errors.iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["title", "cost", "secret"]);
        assert!(errors.is_first("title"));
        assert!(!errors.is_first("cost"));
    }
}
