//! Validated rows of one input file in a compact form (56 bytes a row, strings interned),
//! so ten million rows fit in well under a gigabyte; then duplicate handling by sorting.

use std::collections::HashMap;

use chrono::NaiveDate;
use chrono_tz::Tz;

use crate::ingest::clock::LocalClock;
use crate::ingest::validate::{Rules, ValidRow};
use crate::schema::{Channel, EpochMs, Outcome};
use crate::store::write::TicketRow;
use crate::timezones::date_from_days;

const NONE_MS: i64 = i64::MIN;
const NONE_ID: u32 = u32::MAX;

/// Strings seen many times (office, ticket number, counter) stored once.
#[derive(Debug, Default)]
struct Interner {
    ids: HashMap<String, u32>,
    names: Vec<String>,
}

impl Interner {
    fn id(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(s.to_string());
        self.ids.insert(s.to_string(), id);
        id
    }

    fn name(&self, id: u32) -> &str {
        &self.names[id as usize]
    }

    /// This interner's id of each of `other`'s names, interning the new ones in `other`'s order.
    fn ids_of(&mut self, other: &Interner) -> Vec<u32> {
        other.names.iter().map(|n| self.id(n)).collect()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Row {
    issued: EpochMs,
    called: EpochMs,
    finished: EpochMs,
    line: u64,
    office: u32,
    ticket: u32,
    counter: u32,
    /// Local date of issue, days since 1970-01-01: part of the ticket key.
    day: i32,
    /// Local minute of day of issue.
    minute: u16,
    service: u16,
    service_count: u16,
    channel: Channel,
    outcome: Outcome,
}

impl Row {
    fn key(&self) -> (u32, i32, u32) {
        (self.office, self.day, self.ticket)
    }

    /// Everything but the line number: equal values mean an exact duplicate.
    #[allow(clippy::type_complexity)] // one tuple compared as a whole
    fn values(&self) -> (EpochMs, EpochMs, EpochMs, u32, u16, u16, Channel, Outcome) {
        let Row { issued, called, finished, counter, service, service_count, channel, outcome, .. } = *self;
        (issued, called, finished, counter, service, service_count, channel, outcome)
    }
}

/// The validated rows of one file.
#[derive(Debug)]
pub struct Batch {
    clock: LocalClock,
    rows: Vec<Row>,
    offices: Interner,
    tickets: Interner,
    counters: Interner,
}

/// The outcome of duplicate handling.
#[derive(Debug, Default)]
pub struct Dedup {
    /// Exact copies dropped (one of each is kept).
    pub duplicates: u64,
    /// Line numbers of every version of a key that has conflicting versions.
    pub conflict_lines: Vec<u64>,
}

impl Batch {
    pub fn new(tz: Tz) -> Batch {
        Batch {
            clock: LocalClock::new(tz),
            rows: Vec::new(),
            offices: Interner::default(),
            tickets: Interner::default(),
            counters: Interner::default(),
        }
    }

    pub fn push(&mut self, r: &ValidRow<'_>, line: u64) {
        let local = self.clock.local(r.issued_at);
        self.rows.push(Row {
            issued: r.issued_at,
            called: r.called_at.unwrap_or(NONE_MS),
            finished: r.finished_at.unwrap_or(NONE_MS),
            line,
            office: self.offices.id(r.office_id),
            ticket: self.tickets.id(r.ticket_id),
            counter: r.counter.map_or(NONE_ID, |c| self.counters.id(c)),
            day: local.day,
            minute: local.minute_of_day,
            service: r.service,
            service_count: r.service_count,
            channel: r.channel,
            outcome: r.outcome,
        });
    }

    /// Room for `rows` more rows: one allocation for a file of known size instead of a vector
    /// that is copied (and its fresh pages zeroed) at every doubling.
    pub fn reserve(&mut self, rows: usize) {
        self.rows.reserve(rows);
    }

    /// Appends the rows of `other`, a batch of a later block of the same file whose lines are
    /// counted from 1, with its line numbers shifted by `line_offset`. New strings get ids in
    /// `other`'s order of first sight, so a file appended block by block in file order has
    /// exactly the ids, rows and order of a line-by-line read.
    pub fn append(&mut self, other: &Batch, line_offset: u64) {
        let offices = self.offices.ids_of(&other.offices);
        let tickets = self.tickets.ids_of(&other.tickets);
        let counters = self.counters.ids_of(&other.counters);
        self.rows.extend(other.rows.iter().map(|r| Row {
            line: r.line + line_offset,
            office: offices[r.office as usize],
            ticket: tickets[r.ticket as usize],
            counter: if r.counter == NONE_ID { NONE_ID } else { counters[r.counter as usize] },
            ..*r
        }));
    }

    /// Every row as `line office ticket counter issued`, for tests that compare batches.
    #[cfg(test)]
    pub(crate) fn describe_rows(&self) -> Vec<String> {
        let counter = |id| if id == NONE_ID { "-" } else { self.counters.name(id) };
        self.rows
            .iter()
            .map(|r| {
                let (office, ticket) = (self.offices.name(r.office), self.tickets.name(r.ticket));
                format!("{} {office} {ticket} {} {} {:?}", r.line, counter(r.counter), r.issued, r.values())
            })
            .collect()
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Keeps one of each set of exact duplicates and removes every version of a key whose
    /// versions disagree; afterwards rows are sorted by office, day and ticket.
    pub fn dedup(&mut self) -> Dedup {
        self.rows.sort_unstable_by_key(|r| (r.key(), r.line));
        let mut out = Dedup::default();
        // Kept rows are moved down in place: a second vector would touch as much memory again.
        let mut kept = 0;
        let mut start = 0;
        while start < self.rows.len() {
            let first = self.rows[start];
            let len = self.rows[start..].iter().take_while(|r| r.key() == first.key()).count();
            let group = start..start + len;
            if self.rows[group.clone()].iter().all(|r| r.values() == first.values()) {
                out.duplicates += len as u64 - 1;
                self.rows[kept] = first;
                kept += 1;
            } else {
                out.conflict_lines.extend(self.rows[group].iter().map(|r| r.line));
            }
            start += len;
        }
        self.rows.truncate(kept);
        out.conflict_lines.sort_unstable();
        out
    }

    /// The kept rows grouped by office and local month, in office and month order (rows must
    /// be deduped).
    pub fn partitions(&self) -> Vec<Partition<'_>> {
        let month_of = |day: i32| {
            let date = date_from_days(day);
            (chrono::Datelike::year(&date), chrono::Datelike::month(&date))
        };
        self.rows
            .chunk_by(|a, b| a.office == b.office && month_of(a.day) == month_of(b.day))
            .map(|rows| {
                let (year, month) = month_of(rows[0].day);
                Partition { batch: self, office: self.offices.name(rows[0].office), year, month, rows }
            })
            .collect()
    }
}

/// The rows of one office and local month.
#[derive(Debug, Clone, Copy)]
pub struct Partition<'b> {
    batch: &'b Batch,
    pub office: &'b str,
    pub year: i32,
    pub month: u32,
    /// Sorted by local date and ticket.
    rows: &'b [Row],
}

impl<'b> Partition<'b> {
    /// The rows for the store, their strings borrowed from the batch and `rules`.
    pub fn rows<'r>(&self, rules: &'r Rules) -> Vec<TicketRow<'r>>
    where
        'b: 'r,
    {
        let b = self.batch;
        let opt = |ms: EpochMs| (ms != NONE_MS).then_some(ms);
        self.rows
            .iter()
            .map(|r| TicketRow {
                ticket_id: b.tickets.name(r.ticket),
                service: rules.service_code(r.service),
                channel: r.channel,
                issued_at: r.issued,
                called_at: opt(r.called),
                finished_at: opt(r.finished),
                counter: (r.counter != NONE_ID).then(|| b.counters.name(r.counter)),
                outcome: r.outcome,
                service_count: r.service_count,
                day: r.day,
                minute_of_day: r.minute,
            })
            .collect()
    }

    /// First and last local date of the rows.
    pub fn days(&self) -> (NaiveDate, NaiveDate) {
        let day = |r: Option<&Row>| date_from_days(r.map_or(0, |r| r.day));
        (day(self.rows.first()), day(self.rows.last()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::validate::validate;
    use crate::settings::Settings;

    fn row(ticket: &'static str, issued: &'static str, counter: &'static str) -> [&'static str; 9] {
        [
            "o1",
            ticket,
            "PA",
            "walk_in",
            issued,
            "2025-05-05T09:30:00+02:00",
            "2025-05-05T09:40:00+02:00",
            counter,
            "served",
        ]
    }

    #[test]
    fn exact_copies_kept_once_conflicts_removed_entirely() {
        let rules = Rules::from_settings(&Settings::default());
        let mut batch = Batch::new(crate::timezones::DEFAULT_TZ);
        let lines = [
            row("A1", "2025-05-05T09:00:00+02:00", "1"),
            row("A1", "2025-05-05T07:00:00Z", "1"), // same instant: exact duplicate
            row("A2", "2025-05-05T09:05:00+02:00", "1"),
            row("A2", "2025-05-05T09:05:00+02:00", "2"), // conflict
            row("A2", "2025-05-05T09:05:00+02:00", "2"),
            row("A3", "2025-05-05T09:10:00+02:00", "1"),
        ];
        for (i, f) in lines.iter().enumerate() {
            batch.push(&validate(*f, &rules).unwrap(), i as u64 + 2);
        }
        let d = batch.dedup();
        assert_eq!(d.duplicates, 1);
        assert_eq!(d.conflict_lines, vec![4, 5, 6]);
        assert_eq!(batch.len(), 2);
        let parts = batch.partitions();
        assert_eq!(parts.len(), 1);
        assert_eq!((parts[0].office, parts[0].year, parts[0].month), ("o1", 2025, 5));
        let ids: Vec<&str> = parts[0].rows(&rules).iter().map(|t| t.ticket_id).collect();
        assert_eq!(ids, ["A1", "A3"]);
        let may5 = NaiveDate::from_ymd_opt(2025, 5, 5).unwrap();
        assert_eq!(parts[0].days(), (may5, may5));
    }

    #[test]
    fn service_count_is_kept_and_part_of_the_values() {
        let rules = Rules::from_settings(&Settings::default());
        let mut batch = Batch::new(crate::timezones::DEFAULT_TZ);
        let f = row("A1", "2025-05-05T09:00:00+02:00", "1");
        let mut three = validate(f, &rules).unwrap();
        three.service_count = 3;
        batch.push(&three, 2);
        batch.push(&three, 3);
        batch.push(&ValidRow { ticket_id: "A2", ..three.clone() }, 4);
        batch.push(&ValidRow { ticket_id: "A2", service_count: 1, ..three }, 5);
        let d = batch.dedup();
        assert_eq!((d.duplicates, d.conflict_lines), (1, vec![4, 5]));
        assert_eq!(batch.partitions()[0].rows(&rules)[0].service_count, 3);
    }

    #[test]
    fn a_row_stays_compact() {
        assert_eq!(std::mem::size_of::<Row>(), 56);
    }
}
