//! Amounts as people read them: with their currency's symbol, grouping and minor units
//! ("€2,500.00", "¥10,000", "CA$12.00", "CHF 12.00"), from CLDR's data through ICU4X, never
//! assembled by hand. English formatting until pages speak other languages.

use std::str::FromStr;
use std::sync::LazyLock;

use bigdecimal::{BigDecimal, RoundingMode};
use icu_experimental::dimension::currency::CurrencyCode;
use icu_experimental::dimension::currency::formatter::CurrencyFormatter;
use icu_locale_core::locale;
use writeable::Writeable;

use crate::domain::Currency;
use crate::domain::currency;

thread_local! {
    /// Built once per thread (ICU4X's data handles are not shared across threads); its
    /// data is compiled in, so building cannot fail for a locale we ship.
    static FORMATTER: Option<CurrencyFormatter> =
        CurrencyFormatter::try_new(locale!("en").into(), Default::default()).ok();
}

/// `value` in the currency `code` (a plan's currency; an unknown code counts as the
/// default), rounded to the currency's minor units.
pub fn amount(value: &BigDecimal, code: &str) -> String {
    let currency = Currency::parse(code).unwrap_or_default();
    let rounded = value.with_scale_round(i64::from(currency.minor_units()), RoundingMode::HalfEven);
    let plain = rounded.to_plain_string();
    let formatted = FORMATTER.with(|formatter| {
        let decimal = fixed_decimal::Decimal::from_str(&plain).ok()?;
        let code = tinystr::TinyAsciiStr::try_from_str(currency.as_str()).ok()?;
        Some(
            formatter
                .as_ref()?
                .format_fixed_decimal(&decimal, CurrencyCode(code))
                .write_to_string()
                .into_owned(),
        )
    });
    // Without the formatter (it cannot fail with compiled data), still readable.
    formatted.unwrap_or_else(|| format!("{plain} {currency}"))
}

/// A currency's English name ("Japanese yen"), for the currency picker.
pub fn currency_name(code: &str) -> String {
    iso_currency::Currency::from_code(code).map_or_else(String::new, |c| c.name().to_string())
}

/// The currencies travellers pick most, first in the picker.
const COMMON: [&str; 12] = [
    "USD", "EUR", "GBP", "JPY", "CAD", "AUD", "CHF", "CNY", "INR", "MXN", "THB", "SEK",
];

/// One choice of the currency picker: "Japanese yen (JPY)".
#[derive(Debug)]
pub struct CurrencyChoice {
    pub code: &'static str,
    pub label: String,
}

/// The currency picker's choices: the common ones, then every currency by name, so that
/// typing a name in the closed list finds it (browsers jump to the option starting so).
pub struct CurrencyPicker {
    pub common: Vec<CurrencyChoice>,
    pub all: Vec<CurrencyChoice>,
}

impl CurrencyPicker {
    /// Whether `code` is among the common ones (selected there, not twice).
    pub fn is_common(&self, code: &str) -> bool {
        self.common.iter().any(|c| c.code == code)
    }
}

pub static CURRENCY_PICKER: LazyLock<CurrencyPicker> = LazyLock::new(|| {
    let choice = |code: &'static str| {
        let name = currency_name(code);
        let label = if name.is_empty() {
            code.to_string()
        } else {
            format!("{name} ({code})")
        };
        CurrencyChoice { code, label }
    };
    let mut all: Vec<CurrencyChoice> = currency::CODES.iter().map(|c| choice(c)).collect();
    all.sort_by(|a, b| a.label.cmp(&b.label));
    CurrencyPicker {
        common: COMMON.iter().map(|c| choice(c)).collect(),
        all,
    }
});

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(value: &str, code: &str) -> String {
        amount(&BigDecimal::from_str(value).unwrap(), code)
    }

    #[test]
    fn amounts_carry_their_currencys_symbol_grouping_and_minor_units() {
        assert_eq!(shown("2500", "EUR"), "€2,500.00");
        assert_eq!(shown("10000", "JPY"), "¥10,000");
        assert_eq!(shown("10000.4", "JPY"), "¥10,000");
        assert_eq!(shown("12.5", "CAD"), "CA$12.50");
        assert_eq!(
            shown("12", "CHF"),
            "CHF\u{a0}12.00",
            "a space that does not break"
        );
        assert_eq!(shown("1.5", "KWD"), "KWD\u{a0}1.500");
        assert_eq!(shown("1234567.891", "USD"), "$1,234,567.89");
        assert_eq!(shown("0", "GBP"), "£0.00");
    }

    #[test]
    fn an_unknown_code_counts_as_the_default_currency() {
        assert_eq!(shown("8", "ZZZ"), "$8.00");
    }

    #[test]
    fn currencies_have_names() {
        assert_eq!(currency_name("JPY"), "Japanese yen");
        assert_eq!(currency_name("ZZZ"), "");
    }

    #[test]
    fn the_picker_lists_common_currencies_first_and_every_one_by_name() {
        let picker = &*CURRENCY_PICKER;
        assert_eq!(picker.common[1].label, "Euro (EUR)");
        assert_eq!(picker.all.len(), currency::CODES.len());
        assert!(picker.all.windows(2).all(|w| w[0].label <= w[1].label));
        // A code the ISO list names is shown with its name; one it does not, as the code.
        let named = |c: &CurrencyChoice| c.label.ends_with(&format!("({})", c.code));
        assert!(picker.all.iter().all(|c| named(c) || c.label == c.code));
        let count = picker.all.iter().filter(|c| named(c)).count();
        assert!(count > 140, "only {count} currencies have names");
    }
}
