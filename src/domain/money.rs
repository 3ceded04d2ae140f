use std::str::FromStr;

use bigdecimal::BigDecimal;

/// An amount for a DECIMAL(10, 2) column: not negative, at most two decimals, below
/// 100,000,000. Exact: never a float.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Money(BigDecimal);

impl Money {
    /// Blank is no amount.
    pub fn parse_optional(raw: &str) -> Result<Option<Self>, String> {
        let value = raw.trim();
        if value.is_empty() {
            return Ok(None);
        }
        if value.contains(',') {
            return Err("Use a dot for cents and no thousands separators, like 1250.50.".into());
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

    pub fn into_inner(self) -> BigDecimal {
        self.0
    }
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
        for bad in [
            "-1",
            "1.234",
            "abc",
            "1e5",
            "100000000",
            "1,5",
            ".5",
            "1.",
            "NaN",
            "0x10",
        ] {
            assert!(Money::parse_optional(bad).is_err(), "{bad}");
        }
    }
}
