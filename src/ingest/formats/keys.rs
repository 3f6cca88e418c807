//! Checking and merging the keys of a mapping file: the preset merge, the `custom` defaults,
//! and one check per key whose error names that key.

use std::collections::{BTreeMap, HashMap};

use super::local_time::is_valid_format;
use super::spec::{Columns, MappingError, MappingFile, Names, Source, TimeSource, Values, key};
use crate::settings::Settings;

/// Configured service codes and names (lower-cased) → code: names an export may use as they are.
pub(super) fn catalog(settings: &Settings) -> HashMap<String, String> {
    let mut m = HashMap::new();
    for s in &settings.services {
        m.insert(key(&s.name), s.code.clone());
        m.insert(key(&s.code), s.code.clone());
    }
    m
}

/// The keys of a `custom` export that have defaults (German conventions).
pub(super) fn custom_preset() -> MappingFile {
    let names = |v: &[&str]| Some(Names::Many(v.iter().map(|s| s.to_string()).collect()));
    MappingFile {
        date_format: names(&["%d.%m.%Y", "%Y-%m-%d"]),
        time_format: names(&["%H:%M:%S", "%H:%M"]),
        datetime_format: names(&[
            "%d.%m.%Y %H:%M:%S",
            "%d.%m.%Y %H:%M",
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%dT%H:%M:%S",
        ]),
        ..MappingFile::default()
    }
}

/// `user` over `preset`: scalars and columns replace, maps add. A time given by the user in
/// any form (e.g. `called_at`) replaces every form of it in the preset (e.g. `wait_minutes`).
pub(super) fn merge(preset: MappingFile, user: MappingFile) -> MappingFile {
    let (p, u) = (preset.columns, user.columns);
    let group = |u_keys: [&Option<Names>; 3], p_keys: [Option<Names>; 3]| -> [Option<Names>; 3] {
        if u_keys.iter().any(|k| k.is_some()) { u_keys.map(|k| k.clone()) } else { p_keys }
    };
    let [issued_at, issued_time, _] =
        group([&u.issued_at, &u.issued_time, &None], [p.issued_at, p.issued_time, None]);
    let [called_at, called_time, wait_minutes] =
        group([&u.called_at, &u.called_time, &u.wait_minutes], [p.called_at, p.called_time, p.wait_minutes]);
    let [finished_at, finished_time, service_minutes] = group(
        [&u.finished_at, &u.finished_time, &u.service_minutes],
        [p.finished_at, p.finished_time, p.service_minutes],
    );
    let add = |mut base: BTreeMap<String, String>, over: BTreeMap<String, String>| {
        base.retain(|k, _| !over.keys().any(|o| key(o) == key(k)));
        base.extend(over);
        base
    };
    MappingFile {
        format: user.format.or(preset.format),
        encoding: user.encoding.or(preset.encoding),
        delimiter: user.delimiter.or(preset.delimiter),
        line_ending: user.line_ending.or(preset.line_ending),
        decimal: user.decimal.or(preset.decimal),
        timezone: user.timezone.or(preset.timezone),
        date_format: user.date_format.or(preset.date_format),
        time_format: user.time_format.or(preset.time_format),
        datetime_format: user.datetime_format.or(preset.datetime_format),
        office: user.office.or(preset.office),
        channel: user.channel.or(preset.channel),
        service_separator: user.service_separator.or(preset.service_separator),
        columns: Columns {
            office_id: u.office_id.or(p.office_id),
            ticket_id: u.ticket_id.or(p.ticket_id),
            service: u.service.or(p.service),
            channel: u.channel.or(p.channel),
            counter: u.counter.or(p.counter),
            outcome: u.outcome.or(p.outcome),
            date: u.date.or(p.date),
            issued_time,
            called_time,
            finished_time,
            issued_at,
            called_at,
            finished_at,
            wait_minutes,
            service_minutes,
        },
        values: Values {
            channel: add(preset.values.channel, user.values.channel),
            outcome: add(preset.values.outcome, user.values.outcome),
        },
        services: add(preset.services, user.services),
        offices: add(preset.offices, user.offices),
    }
}

/// Checks of single keys, with errors that name the key.
pub(super) struct Builder<'a> {
    pub(super) origin: &'a str,
}

impl Builder<'_> {
    pub(super) fn missing(&self, key: &'static str, what: &'static str) -> MappingError {
        MappingError::Missing { path: self.origin.to_string(), key, what }
    }

    pub(super) fn invalid(&self, key: &str, value: &str, expected: &str) -> MappingError {
        MappingError::Invalid {
            path: self.origin.to_string(),
            key: key.to_string(),
            value: format!("\"{value}\""),
            expected: format!("expected {expected}"),
        }
    }

    pub(super) fn required(
        &self,
        key: &'static str,
        names: &Option<Names>,
        what: &'static str,
    ) -> Result<Vec<String>, MappingError> {
        let list = names.as_ref().map(Names::list).ok_or_else(|| self.missing(key, what))?;
        if list.is_empty() || list.iter().any(|n| n.trim().is_empty()) {
            return Err(self.invalid(key, &list.join(", "), "one or more column names"));
        }
        Ok(list)
    }

    pub(super) fn source(
        &self,
        column_key: &'static str,
        column: &Option<Names>,
        const_key: &str,
        constant: &Option<String>,
        what: &'static str,
    ) -> Result<Source, MappingError> {
        match (column, constant) {
            (Some(_), Some(_)) => Err(MappingError::Conflict {
                path: self.origin.to_string(),
                message: format!("both {column_key} and {const_key} are set; keep one"),
            }),
            (None, Some(c)) => Ok(Source::Const(c.trim().to_string())),
            _ => self.required(column_key, column, what).map(Source::Column),
        }
    }

    pub(super) fn time(
        &self,
        event: &'static str,
        at: &Option<Names>,
        time: &Option<Names>,
        minutes: &Option<Names>,
        date: &Option<Names>,
    ) -> Result<TimeSource, MappingError> {
        let keys = match event {
            "issued" => ["columns.issued_at", "columns.issued_time", ""],
            "called" => ["columns.called_at", "columns.called_time", "columns.wait_minutes"],
            _ => ["columns.finished_at", "columns.finished_time", "columns.service_minutes"],
        };
        let given: Vec<&str> =
            [at, time, minutes].iter().zip(keys).filter(|(v, _)| v.is_some()).map(|(_, k)| k).collect();
        if given.len() > 1 {
            return Err(MappingError::Conflict {
                path: self.origin.to_string(),
                message: format!("{} are all set for the {event} time; keep one", given.join(" and ")),
            });
        }
        let what = match event {
            "issued" => "when the ticket was drawn: columns.issued_at, or columns.date + columns.issued_time",
            "called" => "when it was called: columns.called_at, columns.called_time or columns.wait_minutes",
            _ => "when it ended: columns.finished_at, columns.finished_time or columns.service_minutes",
        };
        if at.is_some() {
            return self.required(keys[0], at, what).map(TimeSource::At);
        }
        if time.is_some() {
            let date = self.required("columns.date", date, "the date column for the *_time columns")?;
            return Ok(TimeSource::Time { date, time: self.required(keys[1], time, what)? });
        }
        if minutes.is_some() {
            return self.required(keys[2], minutes, what).map(TimeSource::Minutes);
        }
        Err(self.missing(keys[0], what))
    }

    pub(super) fn delimiter(&self, d: &str) -> Result<Option<u8>, MappingError> {
        match d.as_bytes() {
            b"auto" => Ok(None),
            [b] if b.is_ascii() && !matches!(b, b'"' | b'\n' | b'\r') => Ok(Some(*b)),
            _ => {
                Err(self.invalid("delimiter", d, "\"auto\" or one ASCII character such as \";\" or \"\\t\""))
            }
        }
    }

    pub(super) fn decimal(&self, d: &str) -> Result<bool, MappingError> {
        match d {
            "point" => Ok(false),
            "comma" => Ok(true),
            _ => Err(self.invalid("decimal", d, "\"point\" or \"comma\"")),
        }
    }

    pub(super) fn formats(&self, key: &str, names: &Option<Names>) -> Result<Vec<String>, MappingError> {
        let list = names.as_ref().map(Names::list).unwrap_or_default();
        match list.iter().find(|f| !is_valid_format(f)) {
            Some(bad) => {
                Err(self.invalid(key, bad, "a chrono strftime pattern such as %d.%m.%Y or %H:%M:%S"))
            }
            None => Ok(list),
        }
    }

    /// A value map with lower-cased keys; each target checked by `target`.
    pub(super) fn value_map<T>(
        &self,
        table: &str,
        map: &BTreeMap<String, String>,
        target: impl Fn(&str) -> Option<T>,
        expected: &str,
    ) -> Result<HashMap<String, T>, MappingError> {
        let mut out = HashMap::new();
        for (k, v) in map {
            let name = format!("{table}.\"{k}\"");
            let t = target(v.trim()).ok_or_else(|| self.invalid(&name, v, expected))?;
            if out.insert(key(k), t).is_some() {
                return Err(self.invalid(&name, v, "each key once (keys are compared ignoring case)"));
            }
        }
        Ok(out)
    }
}
