/// 3 to 150 characters of letters, digits and `.-_`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let value = raw.trim();
        let length = value.chars().count();
        if length < 3 {
            return Err("A username needs at least 3 characters.".into());
        }
        if length > 150 {
            return Err("A username can have at most 150 characters.".into());
        }
        if !value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-_".contains(c))
        {
            return Err("Use only letters, digits and . - _ in a username.".into());
        }
        Ok(Username(value.to_string()))
    }
}

impl AsRef<str> for Username {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::Username;

    #[test]
    fn bounds_and_characters() {
        assert!(Username::parse("abc").is_ok());
        assert!(Username::parse("a.b-c_d9").is_ok());
        assert!(Username::parse(&"a".repeat(150)).is_ok());
        for bad in [
            "ab",
            "",
            "with space",
            "emoji😀",
            "<script>",
            &"a".repeat(151),
        ] {
            assert!(Username::parse(bad).is_err(), "{bad}");
        }
    }
}
