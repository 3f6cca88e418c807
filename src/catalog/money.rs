//! Euro amounts as exact cents, written `"46.00"` in the catalog (no float rounding in fees).

use std::fmt;

use serde::{Deserialize, Serialize};

/// An amount in euros, held as whole cents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Euro {
    cents: u32,
}

impl Euro {
    pub const fn from_cents(cents: u32) -> Euro {
        Euro { cents }
    }

    pub const fn cents(self) -> u32 {
        self.cents
    }

    /// German notation for people: `46,00 €`.
    pub fn german(self) -> String {
        format!("{},{:02} €", self.cents / 100, self.cents % 100)
    }
}

impl TryFrom<String> for Euro {
    type Error = String;

    /// Accepts `EUROS.CC`: 1–5 digits, a dot, exactly two digits (`"22.80"`, `"0.00"`).
    fn try_from(text: String) -> Result<Euro, String> {
        let bad = || format!("amount {text:?}: expected euros with two decimals and a dot, like \"46.00\"");
        let (euros, cents) = text.split_once('.').ok_or_else(bad)?;
        let digits = |s: &str, min: usize, max: usize| {
            (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
        };
        if !digits(euros, 1, 5) || !digits(cents, 2, 2) {
            return Err(bad());
        }
        let euros: u32 = euros.parse().map_err(|_| bad())?;
        let cents: u32 = cents.parse().map_err(|_| bad())?;
        Ok(Euro { cents: euros * 100 + cents })
    }
}

impl From<Euro> for String {
    fn from(e: Euro) -> String {
        e.to_string()
    }
}

impl fmt::Display for Euro {
    /// Machine notation, the same as the catalog file: `46.00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.cents / 100, self.cents % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exact_cents_and_prints_both_notations() {
        let e = Euro::try_from("27.60".to_string()).unwrap();
        assert_eq!(e.cents(), 2760);
        assert_eq!(e.to_string(), "27.60");
        assert_eq!(e.german(), "27,60 €");
        assert_eq!(Euro::try_from("0.00".to_string()).unwrap().cents(), 0);
        assert_eq!(Euro::from_cents(705).german(), "7,05 €");
    }

    #[test]
    fn rejects_other_notations() {
        for bad in ["46", "46,00", "46.0", "46.000", ".50", "-1.00", "1 000.00", "123456.00", "4a.00"] {
            assert!(Euro::try_from(bad.to_string()).is_err(), "{bad} accepted");
        }
    }
}
