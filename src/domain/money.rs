use std::str::FromStr;

use bigdecimal::BigDecimal;

use crate::domain::FieldErrors;

/// An amount for a DECIMAL(10, 2) column: not negative, at most two decimals, below
/// 100,000,000. Exact: never a float.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Money(BigDecimal);

impl Money {
    /// Blank is no amount. The plain form files and stored values use: digits, and a dot
    /// before at most two decimals.
    pub fn parse_optional(raw: &str) -> Result<Option<Self>, String> {
        let value = raw.trim();
        if value.is_empty() {
            return Ok(None);
        }
        if value.starts_with('-') {
            return Err("An amount cannot be negative.".into());
        }
        let (whole, cents) = value.split_once('.').unwrap_or((value, "00"));
        let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
        if !digits(whole) || !digits(cents) || cents.len() > 2 {
            return Err("Enter an amount like 1250 or 1250.50 (at most two decimals).".into());
        }
        let amount =
            BigDecimal::from_str(value).map_err(|_| "Enter an amount like 1250.50.".to_string())?;
        if amount >= 100_000_000 {
            return Err("An amount must be below 100,000,000.".into());
        }
        Ok(Some(Money(amount.with_scale(2))))
    }

    /// What a form's amount field holds, as the plain form `parse_optional` reads.
    pub fn typed_to_plain(raw: &str) -> Result<String, String> {
        Ok(Money::parse_typed(raw)?.map_or_else(String::new, |m| display(&m.0)))
    }

    /// A form's amount fields in the plain form, each error recorded beside its field (and
    /// the field then left blank for the checks that follow).
    pub fn typed_fields<const N: usize>(
        fields: [(&'static str, &str); N],
        errors: &mut FieldErrors,
    ) -> [String; N] {
        fields.map(|(name, raw)| {
            errors
                .check(name, Money::typed_to_plain(raw))
                .unwrap_or_default()
        })
    }

    /// Blank is no amount. Read as people type amounts in forms: "2,500", "1.240,00", "€8", "8 €",
    /// "1 240,50", "1'240.50". A single separator before exactly three digits groups
    /// thousands; before one or two it is the decimal point. What could be read two ways
    /// is refused with both readings.
    pub fn parse_typed(raw: &str) -> Result<Option<Self>, String> {
        let value = strip_currency(raw.trim());
        if value.is_empty() {
            return Ok(None);
        }
        if value.starts_with('-') {
            return Err("An amount cannot be negative.".into());
        }
        let plain = plain_number(value)?;
        let amount = BigDecimal::from_str(&plain)
            .map_err(|_| "Enter an amount like 1250 or 1,250.50.".to_string())?;
        if amount >= 100_000_000 {
            return Err("An amount must be below 100,000,000.".into());
        }
        Ok(Some(Money(amount.with_scale(2))))
    }

    pub fn into_inner(self) -> BigDecimal {
        self.0
    }
}

/// Symbols and codes that may stand before or after an amount.
const SYMBOLS: [&str; 14] = [
    "US$", "R$", "A$", "C$", "€", "$", "£", "¥", "₹", "₩", "₽", "₺", "₫", "₪",
];

/// The amount without a currency symbol or ISO code before or after it.
fn strip_currency(value: &str) -> &str {
    let code = |s: &str| s.len() == 3 && s.bytes().all(|b| b.is_ascii_uppercase());
    let mut rest = value;
    for symbol in SYMBOLS {
        if let Some(r) = rest
            .strip_prefix(symbol)
            .or_else(|| rest.strip_suffix(symbol))
        {
            rest = r;
            break;
        }
    }
    // `get` rather than indexing: the text may hold any character.
    if rest.len() > 3 {
        let split_end = rest.len() - 3;
        if rest.get(..3).is_some_and(code) {
            rest = &rest[3..];
        } else if rest.get(split_end..).is_some_and(code) {
            rest = &rest[..split_end];
        }
    }
    rest.trim_matches(|c: char| c.is_whitespace())
}

/// Digits with an optional `.` and up to two decimals, from what was typed.
fn plain_number(value: &str) -> Result<String, String> {
    let example = "Enter an amount like 1250, 1,250.50 or 1.250,50.";
    // Spaces (also the no-break kinds) and apostrophes only group thousands.
    let grouped: String = value
        .chars()
        .map(|c| match c {
            ' ' | '\u{a0}' | '\u{202f}' | '\u{2009}' | '\'' | '’' => '_',
            c => c,
        })
        .collect();
    if !grouped
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | '_'))
    {
        return Err(example.into());
    }
    let last_sep = grouped.rfind(['.', ',']);
    let decimal = match last_sep {
        None => None,
        Some(at) => {
            let sep = grouped[at..].chars().next().unwrap_or('.');
            let after = grouped.len() - at - 1;
            let both = grouped.contains('.') && grouped.contains(',');
            let once = grouped.matches(sep).count() == 1;
            if both && !once {
                return Err(example.into());
            }
            if both || (once && after <= 2) {
                Some(at)
            } else if once && after == 3 && grouped.starts_with('0') {
                // "0,500": half a unit, or five hundred with a stray zero.
                let (whole, part) = (&grouped[..at], &grouped[at + 1..]);
                let as_decimal = BigDecimal::from_str(&format!("{whole}.{part}"))
                    .map(|d| display(&d))
                    .unwrap_or_default();
                let as_thousands = format!("{whole}{part}").trim_start_matches('0').to_string();
                return Err(format!(
                    "“{value}” could mean {as_decimal} or {as_thousands}: write one of those."
                ));
            } else {
                None
            }
        }
    };
    let (whole, cents) = match decimal {
        Some(at) => (&grouped[..at], &grouped[at + 1..]),
        None => (grouped.as_str(), ""),
    };
    if cents.len() > 2 || !cents.chars().all(|c| c.is_ascii_digit()) {
        return Err("Enter an amount with at most two decimals, like 1250.50.".into());
    }
    // Thousands come in threes: "12,34,567" is refused with how it was read.
    let groups: Vec<&str> = whole.split(['.', ',', '_']).collect();
    let regular = groups.iter().enumerate().all(|(i, g)| {
        !g.is_empty()
            && g.chars().all(|c| c.is_ascii_digit())
            && (i == 0 && g.len() <= 3 || g.len() == 3)
    }) || groups.len() == 1 && !groups[0].is_empty();
    if !regular {
        let digits: String = whole.chars().filter(char::is_ascii_digit).collect();
        return Err(if digits.is_empty() {
            example.into()
        } else {
            format!("“{value}” does not group thousands in threes; for {digits} write {digits}.")
        });
    }
    let digits: String = whole.chars().filter(char::is_ascii_digit).collect();
    Ok(if cents.is_empty() {
        digits
    } else {
        format!("{digits}.{cents}")
    })
}

/// An amount as people read it: always two decimals ("12.50", "0.00").
pub fn display(amount: &BigDecimal) -> String {
    format!(
        "{:.2}",
        amount.with_scale_round(2, bigdecimal::RoundingMode::HalfEven)
    )
}

#[cfg(test)]
mod tests {
    use super::{Money, display};

    #[test]
    fn files_keep_the_plain_form() {
        for bad in ["1.005", "1,5", "2,500", "€8", "1."] {
            assert!(Money::parse_optional(bad).is_err(), "{bad}");
        }
        assert_eq!(Money::typed_to_plain("1.240,5").unwrap(), "1240.50");
        assert_eq!(Money::typed_to_plain(" ").unwrap(), "");
    }

    #[test]
    fn amounts() {
        assert_eq!(Money::parse_optional("").unwrap(), None);
        assert_eq!(
            display(
                &Money::parse_optional(" 12.5 ")
                    .unwrap()
                    .unwrap()
                    .into_inner()
            ),
            "12.50"
        );
        assert_eq!(
            display(&Money::parse_optional("0").unwrap().unwrap().into_inner()),
            "0.00"
        );
        assert_eq!(display(&"1234567.891".parse().unwrap()), "1234567.89");
        assert!(Money::parse_optional("99999999.99").unwrap().is_some());
        let read = |typed: &str| display(&Money::parse_typed(typed).unwrap().unwrap().into_inner());
        for (typed, amount) in [
            ("2,500", "2500.00"),
            ("1.240,00", "1240.00"),
            ("1,240.00", "1240.00"),
            ("€8", "8.00"),
            ("8 €", "8.00"),
            ("EUR 12,50", "12.50"),
            ("12.50 USD", "12.50"),
            ("1 240,50", "1240.50"),
            ("1\u{a0}240,50", "1240.50"),
            ("1'240.50", "1240.50"),
            ("1,5", "1.50"),
            ("¥10,000", "10000.00"),
            ("1.234.567,89", "1234567.89"),
            ("12", "12.00"),
            ("8.", "8.00"),
        ] {
            assert_eq!(read(typed), amount, "{typed}");
        }
        let refused = |typed: &str| Money::parse_typed(typed).unwrap_err();
        assert_eq!(
            refused("0,500"),
            "“0,500” could mean 0.50 or 500: write one of those."
        );
        assert!(refused("12,34,567").contains("for 1234567 write 1234567"));
        for bad in [
            "日本円",
            "€日本",
            "1€€",
            "-1",
            "1.2345",
            "abc",
            "1e5",
            "100000000",
            "1,2.3,4",
            ".5",
            "NaN",
            "0x10",
        ] {
            assert!(Money::parse_typed(bad).is_err(), "{bad}");
        }
    }
}
