//! Naive local times of vendor exports → instants, by the zone's daylight-saving rules.
//!
//! A wall-clock time that does not exist (02:30 on the last Sunday of March in Europe/Berlin)
//! cannot be converted. One that exists twice (02:30 on the last Sunday of October) is settled
//! by the order of the ticket's events, issued ≤ called ≤ finished, when exactly one reading
//! keeps that order; otherwise it stays ambiguous. Never a silently wrong wait.

use chrono::format::{Item, ParseErrorKind, StrftimeItems};
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use chrono_tz::Tz;

use crate::schema::EpochMs;

/// One event time of a row, as the export gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stamp {
    /// A wall-clock time without offset, in the mapping's zone.
    Wall(NaiveDateTime),
    /// A time with an explicit offset (RFC 3339): already an instant.
    Instant(EpochMs),
    /// A duration in ms after the previous event (ZMS: arrival + waiting time = call).
    After(i64),
}

/// Why a row's times could not be turned into instants; `event` is 0 issued, 1 called, 2 finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unresolved {
    /// The wall-clock time falls into the gap of a switch to summer time.
    Nonexistent { event: usize },
    /// A wall-clock time occurs twice and `readings` combinations keep the event order
    /// (0: none does, 2 or more: the order does not decide).
    Ambiguous { event: usize, readings: usize },
}

/// Why a date or time text was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseProblem {
    /// Does not match any of the formats.
    Unparseable,
    /// Matches a format but names no real date or time (30.02., 25:00).
    Impossible,
}

/// The instants of issued, called and finished (each optional), or why there are none.
pub fn resolve(tz: Tz, stamps: [Option<Stamp>; 3]) -> Result<[Option<EpochMs>; 3], Unresolved> {
    let mut combos: Vec<[Option<EpochMs>; 3]> = vec![[None; 3]];
    let mut first_ambiguous = None;
    for (event, stamp) in stamps.iter().enumerate() {
        match *stamp {
            None => {}
            Some(Stamp::Instant(ms)) => combos.iter_mut().for_each(|c| c[event] = Some(ms)),
            Some(Stamp::After(d)) => combos
                .iter_mut()
                .for_each(|c| c[event] = event.checked_sub(1).and_then(|p| c[p]).map(|p| p + d)),
            Some(Stamp::Wall(naive)) => {
                let readings = readings(tz, naive);
                match readings.as_slice() {
                    [] => return Err(Unresolved::Nonexistent { event }),
                    [one] => combos.iter_mut().for_each(|c| c[event] = Some(*one)),
                    several => {
                        first_ambiguous.get_or_insert(event);
                        combos = combos
                            .iter()
                            .flat_map(|c| {
                                several.iter().map(move |ms| {
                                    let mut c = *c;
                                    c[event] = Some(*ms);
                                    c
                                })
                            })
                            .collect();
                    }
                }
            }
        }
    }
    let Some(event) = first_ambiguous else {
        return Ok(combos[0]);
    };
    let ordered: Vec<[Option<EpochMs>; 3]> = combos.into_iter().filter(in_order).collect();
    match ordered.as_slice() {
        [one] => Ok(*one),
        _ => Err(Unresolved::Ambiguous { event, readings: ordered.len() }),
    }
}

/// Whether the present instants never go backwards.
fn in_order(c: &[Option<EpochMs>; 3]) -> bool {
    let present: Vec<EpochMs> = c.iter().flatten().copied().collect();
    present.windows(2).all(|w| w[0] <= w[1])
}

/// Every instant that shows `naive` on the zone's wall clock, earliest first (0, 1 or 2).
pub fn readings(tz: Tz, naive: NaiveDateTime) -> Vec<EpochMs> {
    let mut v: Vec<EpochMs> = match tz.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) => vec![t.timestamp_millis()],
        chrono::LocalResult::Ambiguous(a, b) => vec![a.timestamp_millis(), b.timestamp_millis()],
        chrono::LocalResult::None => Vec::new(),
    };
    v.sort_unstable();
    v
}

/// Parses a date with the first of `formats` that matches.
pub fn parse_date(value: &str, formats: &[String]) -> Result<NaiveDate, ParseProblem> {
    first_match(formats, |f| NaiveDate::parse_from_str(value, f))
}

/// Parses a time of day with the first of `formats` that matches.
pub fn parse_time(value: &str, formats: &[String]) -> Result<NaiveTime, ParseProblem> {
    first_match(formats, |f| NaiveTime::parse_from_str(value, f))
}

/// Parses a date and time: RFC 3339 with an offset is an instant, otherwise the first of
/// `formats` that matches gives a wall-clock time.
pub fn parse_datetime(value: &str, formats: &[String]) -> Result<Stamp, ParseProblem> {
    if let Ok(dt) = DateTime::parse_from_rfc3339(value) {
        return Ok(Stamp::Instant(dt.timestamp_millis()));
    }
    first_match(formats, |f| NaiveDateTime::parse_from_str(value, f)).map(Stamp::Wall)
}

fn first_match<T>(
    formats: &[String],
    parse: impl Fn(&str) -> chrono::ParseResult<T>,
) -> Result<T, ParseProblem> {
    let mut problem = ParseProblem::Unparseable;
    for f in formats {
        match parse(f) {
            Ok(v) => return Ok(v),
            Err(e) if matches!(e.kind(), ParseErrorKind::OutOfRange | ParseErrorKind::Impossible) => {
                problem = ParseProblem::Impossible
            }
            Err(_) => {}
        }
    }
    Err(problem)
}

/// Whether `format` is a usable chrono strftime pattern.
pub fn is_valid_format(format: &str) -> bool {
    !format.is_empty() && StrftimeItems::new(format).all(|i| !matches!(i, Item::Error))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::MS_PER_MINUTE;
    use crate::timezones::{DEFAULT_TZ, parse_rfc3339};

    fn wall(s: &str) -> Option<Stamp> {
        Some(Stamp::Wall(NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()))
    }

    fn at(s: &str) -> Option<EpochMs> {
        Some(parse_rfc3339(s).unwrap())
    }

    #[test]
    fn ordinary_times_have_one_reading() {
        let r = resolve(DEFAULT_TZ, [wall("2025-03-31 08:03"), Some(Stamp::After(600_000)), None]).unwrap();
        assert_eq!(r, [at("2025-03-31T08:03:00+02:00"), at("2025-03-31T08:13:00+02:00"), None]);
    }

    #[test]
    fn the_spring_gap_does_not_exist() {
        let r = resolve(DEFAULT_TZ, [wall("2025-03-30 01:50"), wall("2025-03-30 02:30"), None]);
        assert_eq!(r, Err(Unresolved::Nonexistent { event: 1 }));
        // 01:50 CET then 03:10 CEST is a real 20-minute wait.
        let r = resolve(DEFAULT_TZ, [wall("2025-03-30 01:50"), wall("2025-03-30 03:10"), None]).unwrap();
        assert_eq!(r[1].unwrap() - r[0].unwrap(), 20 * MS_PER_MINUTE);
    }

    #[test]
    fn the_repeated_hour_is_settled_by_event_order_where_possible() {
        // Called 02:10 after issue at 02:50: only "issued in summer time, called in winter time" is in order.
        let r = resolve(
            DEFAULT_TZ,
            [wall("2025-10-26 02:50"), wall("2025-10-26 02:10"), wall("2025-10-26 02:20")],
        )
        .unwrap();
        assert_eq!(
            r,
            [
                at("2025-10-26T02:50:00+02:00"),
                at("2025-10-26T02:10:00+01:00"),
                at("2025-10-26T02:20:00+01:00")
            ]
        );
        // Issued 01:55 (unique, summer time) and called 02:05 (twice): a 10- or a 70-minute wait.
        let r = resolve(DEFAULT_TZ, [wall("2025-10-26 01:55"), wall("2025-10-26 02:05"), None]);
        assert_eq!(r, Err(Unresolved::Ambiguous { event: 1, readings: 2 }));
        // Arrival in the repeated hour plus a duration: both readings are in order.
        let r = resolve(DEFAULT_TZ, [wall("2025-10-26 02:30"), Some(Stamp::After(MS_PER_MINUTE)), None]);
        assert_eq!(r, Err(Unresolved::Ambiguous { event: 0, readings: 2 }));
        // Called 02:10 CET at the latest, issued 03:30: no reading is in order.
        let r = resolve(DEFAULT_TZ, [wall("2025-10-26 03:30"), wall("2025-10-26 02:10"), None]);
        assert_eq!(r, Err(Unresolved::Ambiguous { event: 1, readings: 0 }));
    }

    #[test]
    fn utc_and_explicit_offsets_are_never_ambiguous() {
        let r = resolve(chrono_tz::UTC, [wall("2025-10-26 00:30"), wall("2025-10-26 01:30"), None]).unwrap();
        assert_eq!(r[0], at("2025-10-26T02:30:00+02:00"));
        assert_eq!(r[1], at("2025-10-26T02:30:00+01:00"));
        let fmts = vec!["%d.%m.%Y %H:%M:%S".to_string()];
        assert_eq!(
            parse_datetime("2025-10-26T02:30:00+01:00", &fmts),
            Ok(Stamp::Instant(parse_rfc3339("2025-10-26T01:30:00Z").unwrap()))
        );
    }

    #[test]
    fn parse_problems_are_told_apart() {
        let d = vec!["%d.%m.%Y".to_string(), "%Y-%m-%d".to_string()];
        assert_eq!(parse_date("2025-03-31", &d), Ok(NaiveDate::from_ymd_opt(2025, 3, 31).unwrap()));
        assert_eq!(parse_date("30.02.2025", &d), Err(ParseProblem::Impossible));
        assert_eq!(parse_date("morgen", &d), Err(ParseProblem::Unparseable));
        let t = vec!["%H:%M:%S".to_string(), "%H:%M".to_string()];
        assert_eq!(parse_time("08:03", &t), Ok(NaiveTime::from_hms_opt(8, 3, 0).unwrap()));
        assert_eq!(parse_time("25:00:00", &t), Err(ParseProblem::Impossible));
        let q = vec!["%Y-%m-%d %H:%M:%S%.f".to_string()];
        for s in ["2025-03-31 08:03:12", "2025-03-31 08:03:12.250"] {
            assert!(matches!(parse_datetime(s, &q), Ok(Stamp::Wall(_))), "{s}");
        }
        assert!(is_valid_format("%d.%m.%Y") && !is_valid_format("%Q") && !is_valid_format(""));
    }
}
