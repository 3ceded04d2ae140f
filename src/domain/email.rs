/// An e-mail address the `users_email_check` constraint accepts, at most 255 characters,
/// kept as typed (uniqueness is compared case-insensitively).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let value = raw.trim();
        if value.is_empty() {
            return Err("Enter your e-mail address.".into());
        }
        if value.chars().count() > 255 {
            return Err("An e-mail address can have at most 255 characters.".into());
        }
        if !matches_seed_pattern(value) {
            return Err("Enter an e-mail address like name@example.com.".into());
        }
        Ok(Email(value.to_string()))
    }
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// The seed's CHECK: `^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$`, case-insensitive.
fn matches_seed_pattern(value: &str) -> bool {
    let Some((local, domain)) = value.split_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._%+-".contains(c));
    // The regex is greedy: the domain is [A-Za-z0-9.-]+ then a dot and 2+ letters at the end.
    let domain_ok = domain
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || ".-".contains(c))
        && domain.rsplit_once('.').is_some_and(|(head, tld)| {
            !head.is_empty() && tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic())
        });
    local_ok && domain_ok
}

#[cfg(test)]
mod tests {
    use super::Email;

    #[test]
    fn accepts_ordinary_addresses() {
        for ok in [
            "a@b.co",
            "Alice.Smith+trips@Example.COM",
            "x_y%z@sub.domain.org",
        ] {
            assert!(Email::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(Email::parse("  a@b.co ").unwrap().as_ref(), "a@b.co");
    }

    #[test]
    fn refuses_what_the_database_refuses() {
        for bad in [
            "", "plain", "@b.co", "a@", "a@b", "a@b.c", "a b@c.de", "a@b.c0m", "ü@b.de", "a@@b.de",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
        assert!(Email::parse(&format!("{}@b.de", "a".repeat(252))).is_err());
    }
}
