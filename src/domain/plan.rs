//! What a plan form may hold, checked against the columns and constraints of `plans`.

use chrono::NaiveDate;

use crate::domain::money::Money;

pub const STATUSES: [&str; 3] = ["draft", "published", "archived"];

/// ISO 4217 codes of the currencies in use.
pub const CURRENCIES: [&str; 155] = [
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD",
    "CDF", "CHF", "CLP", "CNY", "COP", "CRC", "CUP", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD",
    "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ",
    "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IQD", "IRR", "ISK", "JMD", "JOD",
    "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR",
    "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR",
    "MWK", "MXN", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN",
    "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR",
    "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB",
    "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "UYU", "UZS",
    "VES", "VND", "VUV", "WST", "XAF", "XCD", "XOF", "XPF", "YER", "ZAR", "ZMW", "ZWL",
];

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

/// A date from a date input (YYYY-MM-DD); blank is none.
pub fn optional_date(raw: &str) -> Result<Option<NaiveDate>, String> {
    let value = raw.trim();
    if value.is_empty() {
        return Ok(None);
    }
    let date = NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map_err(|_| "Enter a date like 2026-07-14.".to_string())?;
    if !(1900..=2200).contains(&chrono::Datelike::year(&date)) {
        return Err("Enter a date between the years 1900 and 2200.".into());
    }
    Ok(Some(date))
}

pub fn currency(raw: &str) -> Result<String, String> {
    let code = raw.trim().to_ascii_uppercase();
    if code.is_empty() {
        return Ok("USD".into());
    }
    if CURRENCIES.contains(&code.as_str()) {
        Ok(code)
    } else {
        Err("Choose a currency from the list.".into())
    }
}

pub fn status(raw: &str) -> Result<String, String> {
    let value = raw.trim();
    if value.is_empty() {
        return Ok("draft".into());
    }
    if STATUSES.contains(&value) {
        Ok(value.to_string())
    } else {
        Err("Choose draft, published or archived.".into())
    }
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
    value
        .parse::<chrono_tz::Tz>()
        .map(|tz| Some(tz.name().to_string()))
        .map_err(|_| "Enter a time zone name like Europe/Paris or America/New_York.".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn currencies_are_iso_codes() {
        assert_eq!(currency("eur").unwrap(), "EUR");
        assert_eq!(currency("").unwrap(), "USD");
        assert!(currency("XXX1").is_err());
        assert!(
            CURRENCIES.windows(2).all(|w| w[0] < w[1]),
            "sorted, no duplicates"
        );
    }

    #[test]
    fn dates_and_texts() {
        assert_eq!(optional_date("").unwrap(), None);
        assert!(optional_date("2026-02-30").is_err());
        assert!(optional_date("0000-00-00").is_err());
        assert!(optional_date("0001-01-01").is_err());
        assert!(optional_text(&"a".repeat(201), 200).is_err());
        assert!(optional_text("a\0b", 200).is_err());
        assert_eq!(optional_text("  ", 200).unwrap(), None);
        assert!(required_text(" ", 200, "a title").is_err());
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
