//! Ticket numbers for exports that have none (ZMS): a stable sequence by arrival.
//!
//! Within each office and local day, rows are ordered by their wall-clock arrival time as
//! written (ties by the row's text) and numbered `D001`, `D002`, … ("D" for derived). A
//! re-export of the same complete day gives the same numbers, so it replaces the day exactly.
//! Rows identical in every column share a number, so a visit exported twice is counted as a
//! duplicate, just like a repeated row of the canonical log. Rows whose office or arrival
//! cannot be read get no number (they are quarantined for that reason); quarantined rows with a
//! readable arrival keep their place, so fixing the mapping later does not renumber the day.

use std::collections::HashMap;

use chrono::NaiveDateTime;

/// Prefix of derived ticket numbers.
pub const PREFIX: &str = "D";

/// One row's place in the sequence.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Arrival {
    pub office: String,
    pub at: NaiveDateTime,
    /// The row's text, to order ties and to recognise repeated rows.
    pub raw: String,
    pub line: u64,
}

/// Line number → derived ticket number.
pub fn number(mut arrivals: Vec<Arrival>) -> HashMap<u64, String> {
    arrivals.sort_unstable_by(|a, b| {
        (&a.office, a.at.date(), a.at, &a.raw, a.line).cmp(&(&b.office, b.at.date(), b.at, &b.raw, b.line))
    });
    let mut out = HashMap::with_capacity(arrivals.len());
    let mut n = 0u32;
    let mut prev: Option<&Arrival> = None;
    for a in &arrivals {
        match prev {
            Some(p) if p.office == a.office && p.at == a.at && p.raw == a.raw => {}
            Some(p) if p.office == a.office && p.at.date() == a.at.date() => n += 1,
            _ => n = 1,
        }
        out.insert(a.line, format!("{PREFIX}{n:03}"));
        prev = Some(a);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(office: &str, at: &str, raw: &str, line: u64) -> Arrival {
        let at = NaiveDateTime::parse_from_str(at, "%Y-%m-%d %H:%M").unwrap();
        Arrival { office: office.into(), at, raw: raw.into(), line }
    }

    #[test]
    fn numbered_by_arrival_per_office_and_day_with_repeats_sharing_a_number() {
        let ids = number(vec![
            a("1", "2025-03-31 09:00", "x", 2),
            a("1", "2025-03-31 08:00", "y", 3),
            a("2", "2025-03-31 08:30", "z", 4),
            a("1", "2025-04-01 07:00", "w", 5),
            a("1", "2025-03-31 08:00", "y", 6),
            a("1", "2025-03-31 08:00", "b", 7),
        ]);
        let get = |l: u64| ids[&l].as_str();
        assert_eq!([get(7), get(3), get(6), get(2)], ["D001", "D002", "D002", "D003"]);
        assert_eq!((get(4), get(5)), ("D001", "D001"));
    }

    #[test]
    fn numbers_follow_the_content_not_the_file_order() {
        let one = number(vec![a("1", "2025-03-31 09:00", "x", 2), a("1", "2025-03-31 08:00", "y", 3)]);
        let other = number(vec![a("1", "2025-03-31 08:00", "y", 2), a("1", "2025-03-31 09:00", "x", 3)]);
        assert_eq!((one[&2].as_str(), one[&3].as_str()), ("D002", "D001"));
        assert_eq!((other[&2].as_str(), other[&3].as_str()), ("D001", "D002"));
    }
}
