//! A point on the map: latitude within ±90° and longitude within ±180°, each with at most
//! 8 decimals (the DECIMAL(10, 8) and DECIMAL(11, 8) columns of `plan_activities`).

use bigdecimal::BigDecimal;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Coordinates {
    latitude: BigDecimal,
    longitude: BigDecimal,
}

/// Decimals the columns keep.
const DECIMALS: i64 = 8;

impl Coordinates {
    pub fn new(latitude: BigDecimal, longitude: BigDecimal) -> Result<Coordinates, String> {
        let fits = |v: &BigDecimal, limit: i32| {
            v.abs() <= limit && v.normalized().fractional_digit_count() <= DECIMALS
        };
        if !fits(&latitude, 90) {
            return Err("Enter a latitude between -90 and 90, like 48.8584.".into());
        }
        if !fits(&longitude, 180) {
            return Err("Enter a longitude between -180 and 180, like 2.2945.".into());
        }
        Ok(Coordinates {
            latitude,
            longitude,
        })
    }

    pub fn latitude(&self) -> &BigDecimal {
        &self.latitude
    }

    pub fn longitude(&self) -> &BigDecimal {
        &self.longitude
    }

    /// (latitude, longitude), for their two columns.
    pub fn into_parts(self) -> (BigDecimal, BigDecimal) {
        (self.latitude, self.longitude)
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn d(s: &str) -> BigDecimal {
        BigDecimal::from_str(s).unwrap()
    }

    #[test]
    fn both_ranges_and_the_decimals_are_checked() {
        let eiffel = Coordinates::new(d("48.8584"), d("2.2945")).unwrap();
        assert_eq!(eiffel.latitude(), &d("48.8584"));
        assert_eq!(eiffel.clone().into_parts(), (d("48.8584"), d("2.2945")));
        assert!(Coordinates::new(d("-90"), d("180")).is_ok());
        assert!(Coordinates::new(d("90.1"), d("0")).is_err());
        assert!(Coordinates::new(d("0"), d("-180.5")).is_err());
        assert!(Coordinates::new(d("1.123456789"), d("0")).is_err());
    }
}
