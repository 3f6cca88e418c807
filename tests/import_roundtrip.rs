//! Round trip: canonical tickets → a vendor-like German CSV (Windows-1252, `;`, CRLF, decimal
//! comma, separate date and time columns, service names, value words) → `ingest` with the
//! shipped example mapping → the same canonical tickets. Days include both DST switches: a
//! ticket whose wall-clock times fall into the repeated autumn hour is either resolved to the
//! right instants or quarantined as `ambiguous_local_time`, never stored with a wrong wait.

mod import_util;
mod util;

use std::collections::BTreeSet;

use chrono::{LocalResult, NaiveDate, NaiveDateTime, TimeZone};
use proptest::prelude::*;
use queuecast::ingest::{InputFormat, ingest_with};
use queuecast::schema::{Channel, Outcome, Ticket};
use queuecast::settings::Settings;
use queuecast::store::Store;
use queuecast::timezones::{DEFAULT_TZ, to_local};

/// Export office names → the office ids the example mapping gives them.
const OFFICES: [(&str, &str); 2] = [("Bürgerbüro Mitte", "bb-mitte"), ("Rathaus", "Rathaus")];
/// Service names as a German export writes them → codes (via `[services]` or the catalog).
const SERVICES: [(&str, &str); 7] = [
    ("Personalausweis", "PA"),
    ("Reisepass", "RP"),
    ("Ummeldung", "AN"),
    ("Führerschein", "FS"),
    ("Führungszeugnis", "FZ"),
    ("Meldebescheinigung", "MB"),
    ("Kfz-Zulassung", "KFZ"),
];
/// Around both 2025 switches, plus an ordinary Monday.
const DAYS: [(i32, u32, u32); 7] = [
    (2025, 3, 29),
    (2025, 3, 30),
    (2025, 3, 31),
    (2025, 10, 25),
    (2025, 10, 26),
    (2025, 10, 26),
    (2025, 6, 2),
];

#[derive(Debug, Clone)]
struct Spec {
    office: usize,
    day: usize,
    /// Real seconds after local midnight (an instant, so it always exists).
    issued_s: i64,
    wait_s: i64,
    service_s: i64,
    outcome: usize,
    appointment: bool,
    services: Vec<usize>,
    counter: u8,
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        0usize..2,
        0usize..DAYS.len(),
        prop_oneof![0i64..21 * 3600, 3600i64..4 * 3600],
        0i64..7200,
        0i64..3600,
        0usize..3,
        any::<bool>(),
        proptest::collection::vec(0usize..SERVICES.len(), 1..4),
        1u8..6,
    )
        .prop_map(
            |(office, day, issued_s, wait_s, service_s, outcome, appointment, services, counter)| Spec {
                office,
                day,
                issued_s,
                wait_s,
                service_s,
                outcome,
                appointment,
                services,
                counter,
            },
        )
}

fn ticket(s: &Spec, i: usize) -> Ticket {
    let (y, m, d) = DAYS[s.day];
    let midnight = NaiveDate::from_ymd_opt(y, m, d).unwrap().and_hms_opt(0, 0, 0).unwrap();
    let start = DEFAULT_TZ.from_local_datetime(&midnight).earliest().unwrap().timestamp_millis();
    let issued = start + s.issued_s * 1000;
    let outcome = [Outcome::Served, Outcome::NoShow, Outcome::Cancelled][s.outcome];
    let called = outcome.was_called().then_some(issued + s.wait_s * 1000);
    Ticket {
        office_id: OFFICES[s.office].1.to_string(),
        ticket_id: format!("A{i:03}"),
        service: SERVICES[s.services[0]].1.to_string(),
        channel: if s.appointment { Channel::Appointment } else { Channel::WalkIn },
        issued_at: issued,
        called_at: called,
        // The export's minutes column counts from the call, so a cancelled ticket has no end.
        finished_at: called.map(|c| c + s.service_s * 1000),
        counter: called.map(|_| s.counter.to_string()),
        outcome,
        service_count: s.services.len() as u16,
    }
}

/// The ticket as a German ticket system would export it (columns of the example mapping).
fn export_line(s: &Spec, t: &Ticket) -> String {
    let wall = |ms: i64| to_local(ms, DEFAULT_TZ).naive_local();
    let issued = wall(t.issued_at);
    let names: Vec<&str> = s.services.iter().map(|&i| SERVICES[i].0).collect();
    let minutes = |secs: i64| format!("{:.6}", secs as f64 / 60.0).replace('.', ",");
    [
        OFFICES[s.office].0.to_string(),
        issued.format("%d.%m.%Y").to_string(),
        t.ticket_id.clone(),
        names.join(", "),
        if s.appointment { "ja" } else { "nein" }.to_string(),
        issued.format("%H:%M:%S").to_string(),
        t.called_at.map(|c| wall(c).format("%H:%M:%S").to_string()).unwrap_or_default(),
        t.called_at.map(|_| minutes(s.service_s)).unwrap_or_default(),
        t.counter.clone().unwrap_or_default(),
        ["bedient", "nicht erschienen", "storniert"][s.outcome].to_string(),
    ]
    .join(";")
}

/// Whether one of the ticket's wall-clock times happens twice (the repeated autumn hour).
fn has_repeated_wall_time(t: &Ticket) -> bool {
    let ambiguous = |ms: i64| {
        let naive: NaiveDateTime = to_local(ms, DEFAULT_TZ).naive_local();
        matches!(DEFAULT_TZ.from_local_datetime(&naive), LocalResult::Ambiguous(..))
    };
    [Some(t.issued_at), t.called_at, t.finished_at].into_iter().flatten().any(ambiguous)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn german_export_round_trips_to_the_same_tickets(specs in proptest::collection::vec(spec(), 1..40)) {
        let dir = tempfile::tempdir().unwrap();
        let tickets: Vec<Ticket> = specs.iter().enumerate().map(|(i, s)| ticket(s, i)).collect();
        let header = "Standort;Datum;Wartenummer;Anliegen;Termin;Gezogen;Aufruf;Bearbeitungsdauer (Min.);Platz;Status";
        let mut text = format!("{header}\r\n");
        for (s, t) in specs.iter().zip(&tickets) {
            text.push_str(&export_line(s, t));
            text.push_str("\r\n");
        }
        let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&text);
        prop_assert!(!unmappable);
        let path = dir.path().join("export.csv");
        std::fs::write(&path, &bytes).unwrap();

        let settings = Settings::default().validate().unwrap();
        let mapping = import_util::mapping("buergerbuero-custom.toml");
        let format = InputFormat::from_cli(None, Some(std::path::Path::new(&mapping)), &settings).unwrap();
        let store = Store::open(&dir.path().join("store"), DEFAULT_TZ).unwrap();
        let report = ingest_with(&[path], &format, &settings, &store).unwrap();
        let r = &report.files[0];
        prop_assert!(r.balanced());
        prop_assert_eq!(r.rows_read, tickets.len() as u64);
        prop_assert_eq!(r.duplicates, 0);

        // Quarantined: only tickets with a repeated wall-clock time, only as ambiguous.
        let quarantined: BTreeSet<usize> = if r.quarantined == 0 {
            BTreeSet::new()
        } else {
            import_util::quarantine(&dir.path().join("store"))
                .into_iter()
                .map(|q| {
                    assert_eq!(q.reason, "ambiguous_local_time", "{q:?}");
                    q.line as usize - 2
                })
                .collect()
        };
        for &i in &quarantined {
            prop_assert!(has_repeated_wall_time(&tickets[i]), "{:?}", tickets[i]);
        }
        // Stored: every other ticket, exactly as generated (resolved repeated hours included).
        let mut expected: Vec<Ticket> =
            tickets.iter().enumerate().filter(|(i, _)| !quarantined.contains(i)).map(|(_, t)| t.clone()).collect();
        let mut got: Vec<Ticket> =
            store.partitions().unwrap().iter().flat_map(|k| store.read_partition(k).unwrap()).collect();
        let order = |t: &Ticket| (t.office_id.clone(), t.ticket_id.clone());
        expected.sort_by_key(order);
        got.sort_by_key(order);
        prop_assert_eq!(got, expected);
    }
}
