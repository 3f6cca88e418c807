//! One export row → the nine canonical text fields plus the service count, through a checked
//! [`Mapping`]. Values that the mapping cannot translate are [`Rejection`]s with the canonical
//! reason (unknown channel, outcome or service; bad timestamp) or a vendor one (nonexistent or
//! ambiguous local time, bad number); everything else is left to the canonical validation.

use std::borrow::Cow;

use chrono::NaiveDateTime;
use chrono_tz::Tz;

use super::local_time::{self, ParseProblem, Stamp, Unresolved};
use super::mapping::Mapping;
use super::spec::{Source, TimeSource, key};
use crate::ingest::reason::{Reason, Rejection};
use crate::ingest::validate::is_valid_office_id;
use crate::schema::{Channel, Outcome, col};
use crate::time::MS_PER_MINUTE;
use crate::timezones::{format_rfc3339, to_local};

const EVENT_FIELDS: [&str; 3] = [col::ISSUED_AT, col::CALLED_AT, col::FINISHED_AT];

/// A translated row: canonical text fields in canonical order, and the service count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Translated {
    pub fields: [String; 9],
    pub service_count: u16,
}

#[derive(Debug, Clone)]
enum Field {
    Column(usize),
    Const(String),
}

#[derive(Debug, Clone, Copy)]
enum TimeCols {
    At(usize),
    Time { date: usize, time: usize },
    Minutes(usize),
}

/// The mapping applied to one header: column positions, ready to translate rows.
#[derive(Debug)]
pub struct Layout<'m> {
    m: &'m Mapping,
    store_tz: Tz,
    names: Vec<String>,
    office: Field,
    ticket: Option<usize>,
    service: usize,
    channel: Field,
    counter: Option<usize>,
    outcome: usize,
    times: [TimeCols; 3],
}

impl<'m> Layout<'m> {
    /// Finds every mapped column in the header (case-insensitive); the error names the
    /// mapping key and lists the header.
    pub fn new(m: &'m Mapping, header: &[Cow<'_, str>], store_tz: Tz) -> Result<Layout<'m>, String> {
        let names: Vec<String> = header.iter().map(|h| h.trim().to_string()).collect();
        let find = |candidates: &[String], what: &str| -> Result<usize, String> {
            candidates.iter().find_map(|c| names.iter().position(|n| key(n) == key(c))).ok_or_else(|| {
                let wanted: Vec<String> = candidates.iter().map(|c| format!("'{c}'")).collect();
                format!(
                    "no column {} for {what} of the {} mapping; the header has {}",
                    wanted.join(" or "),
                    m.format.name(),
                    names.join(", ")
                )
            })
        };
        let field = |s: &Source, what: &str| -> Result<Field, String> {
            match s {
                Source::Column(c) => find(c, what).map(Field::Column),
                Source::Const(v) => Ok(Field::Const(v.clone())),
            }
        };
        let time = |t: &TimeSource, what: &str| -> Result<TimeCols, String> {
            Ok(match t {
                TimeSource::At(c) => TimeCols::At(find(c, what)?),
                TimeSource::Time { date, time } => {
                    TimeCols::Time { date: find(date, "columns.date")?, time: find(time, what)? }
                }
                TimeSource::Minutes(c) => TimeCols::Minutes(find(c, what)?),
            })
        };
        Ok(Layout {
            m,
            store_tz,
            office: field(&m.office, "columns.office_id")?,
            ticket: m.ticket_id.as_ref().map(|c| find(c, "columns.ticket_id")).transpose()?,
            service: find(&m.service, "columns.service")?,
            channel: field(&m.channel, "columns.channel")?,
            counter: m.counter.as_ref().map(|c| find(c, "columns.counter")).transpose()?,
            outcome: find(&m.outcome, "columns.outcome")?,
            times: [
                time(&m.times[0], time_key(0, &m.times[0]))?,
                time(&m.times[1], time_key(1, &m.times[1]))?,
                time(&m.times[2], time_key(2, &m.times[2]))?,
            ],
            names,
        })
    }

    /// Number of columns every row must have.
    pub fn width(&self) -> usize {
        self.names.len()
    }

    /// Translates a row of `width()` fields; `derived` is the ticket number when the export has none.
    pub fn translate(&self, row: &[Cow<'_, str>], derived: Option<&str>) -> Result<Translated, Rejection> {
        let office = self.office(row)?;
        let channel = self.mapped(row, &self.channel, col::CHANNEL)?;
        let outcome = self.mapped(row, &Field::Column(self.outcome), col::OUTCOME)?;
        let (service, service_count) = self.service(row)?;
        let [issued, called, finished] = self.instants(row)?;
        let ticket = match (self.ticket, derived) {
            (Some(i), _) => row[i].trim().to_string(),
            (None, Some(d)) => d.to_string(),
            (None, None) if office.is_empty() => String::new(), // validation reports the office
            (None, None) => {
                let what = "issue time is empty, so no ticket number can be derived";
                return Err(Rejection::new(Reason::MissingValue, col::ISSUED_AT, what));
            }
        };
        let time = |ms: Option<i64>| ms.map(|m| format_rfc3339(m, self.store_tz)).unwrap_or_default();
        let counter = self.counter.map(|i| row[i].trim().to_string()).unwrap_or_default();
        Ok(Translated {
            fields: [
                office,
                ticket,
                service,
                channel,
                time(issued),
                time(called),
                time(finished),
                counter,
                outcome,
            ],
            service_count,
        })
    }

    /// Office and wall-clock arrival of a row, for numbering tickets (None when either is unusable).
    pub fn arrival(&self, row: &[Cow<'_, str>]) -> Option<(String, NaiveDateTime)> {
        let office = self.office(row).ok().filter(|o| !o.is_empty())?;
        let at = match self.stamp(row, 0).ok()?? {
            (Stamp::Wall(n), _) => n,
            (Stamp::Instant(ms), _) => to_local(ms, self.m.tz).naive_local(),
            (Stamp::After(_), _) => return None,
        };
        Some((office, at))
    }

    fn name(&self, i: usize) -> &str {
        &self.names[i]
    }

    fn office(&self, row: &[Cow<'_, str>]) -> Result<String, Rejection> {
        let (v, column) = match &self.office {
            Field::Const(c) => return Ok(c.clone()),
            Field::Column(i) => (row[*i].trim(), self.name(*i)),
        };
        let id = self.m.offices.get(&key(v)).map_or(v, String::as_str);
        if id.is_empty() || is_valid_office_id(id) {
            return Ok(id.to_string());
        }
        Err(Rejection::new(
            Reason::InvalidOfficeId,
            col::OFFICE_ID,
            format!(
                "column '{column}' = '{v}' is not a valid office id (letters, digits, '-', '_', '.'); \
                 map it to one in [offices] of the mapping file"
            ),
        ))
    }

    /// Channel or outcome through its value map; canonical values pass as they are.
    fn mapped(
        &self,
        row: &[Cow<'_, str>],
        field: &Field,
        canonical: &'static str,
    ) -> Result<String, Rejection> {
        let (v, column) = match field {
            Field::Const(c) => return Ok(c.clone()),
            Field::Column(i) => (row[*i].trim(), self.name(*i)),
        };
        let (hit, known, reason, expected) = if canonical == col::CHANNEL {
            let hit = self.m.channels.get(&key(v)).copied().or_else(|| Channel::parse(v)).map(|c| c.as_str());
            (hit, &self.m.channel_keys, Reason::UnknownChannel, "walk_in, appointment")
        } else {
            let hit = self.m.outcomes.get(&key(v)).copied().or_else(|| Outcome::parse(v)).map(|o| o.as_str());
            (hit, &self.m.outcome_keys, Reason::UnknownOutcome, "served, no_show, cancelled")
        };
        match hit {
            _ if v.is_empty() => Ok(String::new()),
            Some(c) => Ok(c.to_string()),
            None => Err(Rejection::new(
                reason,
                canonical,
                format!(
                    "column '{column}' = '{v}' is not in [values.{canonical}] ({known}) nor one of {expected}"
                ),
            )),
        }
    }

    /// The first service's code and the number of services in the cell.
    fn service(&self, row: &[Cow<'_, str>]) -> Result<(String, u16), Rejection> {
        let text = row[self.service].trim();
        if text.is_empty() {
            return Ok((String::new(), 1));
        }
        let lookup = |name: &str| {
            let k = key(name);
            self.m.services.get(&k).or_else(|| self.m.catalog.get(&k)).cloned()
        };
        if let Some(code) = lookup(text) {
            return Ok((code, 1));
        }
        let (first, count) = split_services(text, self.m.service_separator.as_deref());
        lookup(first).map(|code| (code, count)).ok_or_else(|| {
            Rejection::new(
                Reason::UnknownService,
                col::SERVICE,
                format!(
                    "column '{}' names '{first}', which is not in [services] of the mapping file nor a \
                     configured service code or name",
                    self.name(self.service)
                ),
            )
            .with_value(first)
        })
    }

    /// Issued, called and finished as instants, with the zone's DST rules.
    fn instants(&self, row: &[Cow<'_, str>]) -> Result<[Option<i64>; 3], Rejection> {
        let mut stamps = [None; 3];
        let mut shown: [String; 3] = Default::default();
        for (event, stamp) in stamps.iter_mut().enumerate() {
            if let Some((s, text)) = self.stamp(row, event)? {
                *stamp = Some(s);
                shown[event] = text;
            }
        }
        let zone = self.m.tz.name();
        local_time::resolve(self.m.tz, stamps).map_err(|u| match u {
            Unresolved::Nonexistent { event } => Rejection::new(
                Reason::NonexistentLocalTime,
                EVENT_FIELDS[event],
                format!(
                    "{} does not exist in {zone}: the clocks skip it when summer time begins",
                    shown[event]
                ),
            ),
            Unresolved::Ambiguous { event, readings } => Rejection::new(
                Reason::AmbiguousLocalTime,
                EVENT_FIELDS[event],
                format!(
                    "{} occurs twice in {zone} (summer and winter time), and {}",
                    shown[event],
                    if readings == 0 {
                        "no reading puts issued ≤ called ≤ finished"
                    } else {
                        "the order of the events does not decide which one"
                    }
                ),
            ),
        })
    }

    /// One event's stamp and how it was written (None when the export leaves it empty).
    fn stamp(&self, row: &[Cow<'_, str>], event: usize) -> Result<Option<(Stamp, String)>, Rejection> {
        let field = EVENT_FIELDS[event];
        let problem = |p: ParseProblem, shown: String, noun: &str, expected: &[String]| {
            let (reason, is) = match p {
                ParseProblem::Unparseable => (Reason::BadTimestamp, "is not a"),
                ParseProblem::Impossible => (Reason::ImpossibleTimestamp, "names an impossible"),
            };
            Rejection::new(
                reason,
                field,
                format!("{shown} {is} {noun} in the format {}", expected.join(" or ")),
            )
        };
        match self.times[event] {
            TimeCols::At(i) => {
                let v = row[i].trim();
                if v.is_empty() {
                    return Ok(None);
                }
                let shown = format!("column '{}' = '{v}'", self.name(i));
                let formats = &self.m.datetime_formats;
                local_time::parse_datetime(v, formats)
                    .map(|s| Some((s, shown.clone())))
                    .map_err(|p| problem(p, shown, "date and time", formats))
            }
            TimeCols::Time { date, time } => {
                let (d, t) = (row[date].trim(), row[time].trim());
                if t.is_empty() {
                    return Ok(None);
                }
                let shown = format!("'{}' = '{d}', '{}' = '{t}'", self.name(date), self.name(time));
                if d.is_empty() {
                    let what = format!("{shown}: the date is empty");
                    return Err(Rejection::new(Reason::MissingValue, field, what));
                }
                let shown_date = format!("column '{}' = '{d}'", self.name(date));
                let day = local_time::parse_date(d, &self.m.date_formats)
                    .map_err(|p| problem(p, shown_date, "date", &self.m.date_formats))?;
                let shown_time = format!("column '{}' = '{t}'", self.name(time));
                let clock = local_time::parse_time(t, &self.m.time_formats)
                    .map_err(|p| problem(p, shown_time, "time of day", &self.m.time_formats))?;
                Ok(Some((Stamp::Wall(day.and_time(clock)), shown)))
            }
            TimeCols::Minutes(i) => {
                let v = row[i].trim();
                if v.is_empty() {
                    return Ok(None);
                }
                let ms = minutes_ms(v, self.m.decimal_comma).ok_or_else(|| {
                    let mark = if self.m.decimal_comma {
                        "minutes with a decimal comma (decimal = \"comma\"), e.g. 12,5"
                    } else {
                        "minutes with a decimal point, e.g. 12.5 (set decimal = \"comma\" for 12,5)"
                    };
                    Rejection::new(
                        Reason::BadNumber,
                        field,
                        format!("column '{}' = '{v}' is not {mark}", self.name(i)),
                    )
                })?;
                Ok(Some((Stamp::After(ms), format!("column '{}' = '{v}'", self.name(i)))))
            }
        }
    }
}

/// The mapping key that names an event's column.
fn time_key(event: usize, t: &TimeSource) -> &'static str {
    match (t, event) {
        (TimeSource::At(_), 0) => "columns.issued_at",
        (TimeSource::At(_), 1) => "columns.called_at",
        (TimeSource::At(_), _) => "columns.finished_at",
        (TimeSource::Time { .. }, 0) => "columns.issued_time",
        (TimeSource::Time { .. }, 1) => "columns.called_time",
        (TimeSource::Time { .. }, _) => "columns.finished_time",
        (TimeSource::Minutes(_), 1) => "columns.wait_minutes",
        (TimeSource::Minutes(_), _) => "columns.service_minutes",
    }
}

/// The first service name of a cell and how many the cell names: `Name +2` (ZMS) is three,
/// and with a separator `A, B` is two.
pub fn split_services<'a>(text: &'a str, separator: Option<&str>) -> (&'a str, u16) {
    let (head, extra) = match text.rsplit_once(" +") {
        Some((head, n))
            if !head.trim().is_empty() && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) =>
        {
            (head.trim(), n.parse::<u16>().unwrap_or(u16::MAX))
        }
        _ => (text, 0),
    };
    let parts: Vec<&str> = match separator {
        Some(sep) => head.split(sep).map(str::trim).filter(|p| !p.is_empty()).collect(),
        None => vec![head],
    };
    let first = parts.first().copied().unwrap_or(head);
    (first, (parts.len().max(1) as u16).saturating_add(extra))
}

/// Minutes written with the given decimal mark → milliseconds (None when not a plain number).
pub fn minutes_ms(v: &str, decimal_comma: bool) -> Option<i64> {
    let (mark, other) = if decimal_comma { (',', '.') } else { ('.', ',') };
    let (negative, digits) = match v.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, v),
    };
    if digits.contains(other) {
        return None;
    }
    let (int, frac) = digits.split_once(mark).unwrap_or((digits, ""));
    let is_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !is_digits(int) || !is_digits(frac) || int.len() > 9 {
        return None;
    }
    let x: f64 = format!("{int}.{frac}0").parse().ok()?;
    let ms = (x * MS_PER_MINUTE as f64).round() as i64;
    Some(if negative { -ms } else { ms })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_cells_name_the_first_service_and_count_all() {
        assert_eq!(split_services("Personalausweis beantragen +2", None), ("Personalausweis beantragen", 3));
        assert_eq!(split_services("Ummeldung", None), ("Ummeldung", 1));
        assert_eq!(split_services("Ummeldung, Führerschein", Some(",")), ("Ummeldung", 2));
        assert_eq!(split_services("A, B +1", Some(",")), ("A", 3));
        assert_eq!(split_services("C++ +x", None), ("C++ +x", 1));
    }

    #[test]
    fn minutes_follow_the_declared_decimal_mark() {
        assert_eq!(minutes_ms("12,5", true), Some(750_000));
        assert_eq!(minutes_ms("16,8", true), Some(1_008_000));
        assert_eq!(minutes_ms("3", true), Some(180_000));
        assert_eq!(minutes_ms("12.5", true), None, "a point under decimal = comma is refused, not misread");
        assert_eq!(minutes_ms("12,5", false), None);
        assert_eq!(minutes_ms("0.25", false), Some(15_000));
        assert_eq!(minutes_ms("-1", false), Some(-MS_PER_MINUTE));
        for bad in ["", ",5", "1e3", "NaN", "12 min", "1,2,3"] {
            assert_eq!(minutes_ms(bad, true), None, "{bad}");
        }
    }
}
