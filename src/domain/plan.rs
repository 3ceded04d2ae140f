//! What a plan form may hold, checked against the columns and constraints of `plans`.

use bigdecimal::BigDecimal;
use chrono::{Datelike, NaiveDate};

use crate::domain::FieldErrors;
use crate::domain::currency::Currency;
use crate::domain::money::Money;
use crate::domain::time_zone::TimeZone;

/// A text field of at most `max` characters; blank is none.
pub fn optional_text(raw: &str, max: usize) -> Result<Option<String>, String> {
    let value = raw.trim();
    if value.chars().count() > max {
        return Err(format!("At most {max} characters."));
    }
    if value.contains('\0') {
        return Err("This text contains a character that cannot be stored.".into());
    }
    Ok((!value.is_empty()).then(|| value.to_string()))
}

pub fn required_text(raw: &str, max: usize, what: &str) -> Result<String, String> {
    optional_text(raw, max)?.ok_or_else(|| format!("Enter {what}."))
}

/// The years a plan or an activity may fall in: wide enough for any trip, narrow enough
/// that every date in a calendar or an itinerary stays far from chrono's limits.
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;

/// A date from a date input (YYYY-MM-DD); blank is none.
pub fn optional_date(raw: &str) -> Result<Option<NaiveDate>, String> {
    let value = raw.trim();
    if value.is_empty() {
        return Ok(None);
    }
    let date = NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map_err(|_| "Enter a date like 2026-07-14.".to_string())?;
    date_in_range(date).map(Some)
}

/// A date within `YEARS`.
pub fn date_in_range(date: NaiveDate) -> Result<NaiveDate, String> {
    if YEARS.contains(&date.year()) {
        Ok(date)
    } else {
        Err(format!(
            "Enter a date between the years {} and {}.",
            YEARS.start(),
            YEARS.end()
        ))
    }
}

/// A currency from the list; blank is the default (USD).
pub fn currency(raw: &str) -> Result<Currency, String> {
    if raw.trim().is_empty() {
        return Ok(Currency::DEFAULT);
    }
    Currency::parse(raw)
}

pub fn budget(raw: &str) -> Result<Option<bigdecimal::BigDecimal>, String> {
    Money::parse_optional(raw).map(|m| m.map(Money::into_inner))
}

/// An IANA time zone name such as Europe/Paris; blank is none.
pub fn timezone(raw: &str) -> Result<Option<String>, String> {
    let value = raw.trim();
    if value.is_empty() {
        return Ok(None);
    }
    TimeZone::parse(value).map(|tz| Some(tz.as_str().to_string()))
}

/// Who can find a plan: one choice, kept in three columns without a schema change.
///
/// - `Private` ("Only me"): no share token, not public.
/// - `Link` ("People with the link"): a share token, not public.
/// - `Public` ("Everyone, listed on Explore"): a share token, `is_public` and status
///   `published`, which is what Explore lists.
///
/// `published` is written only by this choice; otherwise `status` is the owner's own
/// workflow (`draft`, `archived`), and leaving `Public` or archiving turns a published
/// plan back into a draft or an archived one that is no longer public.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Visibility {
    Private,
    Link,
    Public,
}

impl Visibility {
    pub const ALL: [Visibility; 3] = [Visibility::Private, Visibility::Link, Visibility::Public];

    /// What the three columns mean together: a share token, and whether the plan is both
    /// public and published (older rows may hold any combination).
    pub fn from_columns(has_token: bool, listed: bool) -> Visibility {
        match (has_token, listed) {
            (true, true) => Visibility::Public,
            (true, false) => Visibility::Link,
            (false, _) => Visibility::Private,
        }
    }

    pub fn parse(raw: &str) -> Result<Visibility, String> {
        Visibility::ALL
            .into_iter()
            .find(|v| v.as_str() == raw.trim())
            .ok_or_else(|| {
                "Choose who can find the plan: only you, people with the link, or everyone."
                    .to_string()
            })
    }

    /// The form value.
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Private => "private",
            Visibility::Link => "link",
            Visibility::Public => "public",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Visibility::Private => "Only me",
            Visibility::Link => "People with the link",
            Visibility::Public => "Everyone (listed on Explore)",
        }
    }
}

/// A plan's own fields as the form holds them (text): what the form, an import, a copy
/// and a duplicate all check with `validate`.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct PlanInput {
    pub title: String,
    pub description: String,
    pub destination: String,
    pub start_date: String,
    pub end_date: String,
    pub budget: String,
    pub currency: String,
}

/// A plan's own fields, every one checked against the columns and the form's rules.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidPlan {
    pub title: String,
    pub description: Option<String>,
    pub destination: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub budget: Option<BigDecimal>,
    pub currency: Currency,
}

impl PlanInput {
    /// The checked values, or every error beside its field.
    pub fn validate(&self) -> Result<ValidPlan, FieldErrors> {
        let mut errors = FieldErrors::default();
        let title = errors.check("title", required_text(&self.title, 200, "a title"));
        let description = errors.check("description", optional_text(&self.description, 20_000));
        let destination = errors.check("destination", optional_text(&self.destination, 100));
        let start_date = errors.check("start_date", optional_date(&self.start_date));
        let end_date = errors.check("end_date", optional_date(&self.end_date));
        if let (Some(Some(s)), Some(Some(e))) = (start_date, end_date)
            && e < s
        {
            errors.add("end_date", "The trip cannot end before it starts.");
        }
        let budget = errors.check("budget", budget(&self.budget));
        let currency = errors.check("currency", currency(&self.currency));
        match (
            title,
            description,
            destination,
            start_date,
            end_date,
            budget,
            currency,
        ) {
            (
                Some(title),
                Some(description),
                Some(destination),
                Some(start_date),
                Some(end_date),
                Some(budget),
                Some(currency),
            ) if errors.is_empty() => Ok(ValidPlan {
                title,
                description,
                destination,
                start_date,
                end_date,
                budget,
                currency,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn currencies_are_iso_codes() {
        assert_eq!(currency("eur").unwrap(), "EUR");
        assert_eq!(currency("").unwrap(), "USD");
        assert!(currency("XXX1").is_err());
    }

    #[test]
    fn dates_and_texts() {
        assert_eq!(optional_date("").unwrap(), None);
        assert!(optional_date("2026-02-30").is_err());
        assert!(optional_date("0000-00-00").is_err());
        assert!(optional_date("0001-01-01").is_err());
        assert!(optional_date("+262142-12-31").is_err());
        assert!(optional_date("2200-12-31").unwrap().is_some());
        assert!(optional_text(&"a".repeat(201), 200).is_err());
        assert!(optional_text("a\0b", 200).is_err());
        assert_eq!(optional_text("  ", 200).unwrap(), None);
        assert!(required_text(" ", 200, "a title").is_err());
    }

    #[test]
    fn visibility_reads_the_three_columns_and_parses_the_form_value() {
        for v in Visibility::ALL {
            assert_eq!(Visibility::parse(v.as_str()), Ok(v));
        }
        assert!(Visibility::parse("published").is_err());
        assert!(Visibility::parse("").is_err());
    }

    #[test]
    fn timezones() {
        assert_eq!(
            timezone("Europe/Paris").unwrap().as_deref(),
            Some("Europe/Paris")
        );
        assert!(timezone("Mars/Olympus").is_err());
    }
}
