//! Property tests: the read = stored + duplicates + quarantined invariant, and what exactly
//! is stored, against an independent model of duplicate and conflict handling.

use std::collections::BTreeMap;

use proptest::prelude::*;
use queuecast::ingest::{Reason, ingest_paths};
use queuecast::schema::{Channel, Outcome, Ticket};
use queuecast::settings::Settings;
use queuecast::store::Store;
use queuecast::timezones::{DEFAULT_TZ, parse_rfc3339};

/// One generated row: its key, which version of the values it carries, and whether it is broken.
#[derive(Debug, Clone)]
struct Spec {
    office: usize,
    day: u32,
    ticket: u32,
    variant: u32,
    corrupt: bool,
}

fn spec() -> impl Strategy<Value = Spec> {
    (0usize..2, 0u32..3, 0u32..5, 0u32..3, proptest::bool::weighted(0.15))
        .prop_map(|(office, day, ticket, variant, corrupt)| Spec { office, day, ticket, variant, corrupt })
}

/// A valid ticket fully determined by the spec (same key and variant → identical row).
fn ticket(s: &Spec) -> Ticket {
    // Days straddle the spring DST switch: Sat 29, Sun 30, Mon 31 March 2025.
    let base = parse_rfc3339(&format!("2025-03-{}T08:00:00+01:00", 29 + s.day)).unwrap();
    let issued = base + (s.ticket as i64 * 7 + s.variant as i64) * 60_000;
    let cancelled = s.variant == 2;
    Ticket {
        office_id: ["nord", "sued"][s.office].to_string(),
        ticket_id: format!("A{:03}", s.ticket),
        service: ["PA", "RP", "KFZ"][s.variant as usize].to_string(),
        channel: if s.variant == 1 { Channel::Appointment } else { Channel::WalkIn },
        issued_at: issued,
        called_at: (!cancelled).then_some(issued + 600_000),
        finished_at: Some(issued + 1_200_000),
        counter: (!cancelled).then(|| "2".to_string()),
        outcome: if cancelled { Outcome::Cancelled } else { Outcome::Served },
        service_count: 1,
    }
}

fn line(s: &Spec) -> String {
    let mut fields = ticket(s).to_fields(DEFAULT_TZ);
    if s.corrupt {
        fields[3] = "by_phone".to_string();
    }
    fields.join(",")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn counts_balance_and_the_store_holds_exactly_the_unambiguous_rows(specs in proptest::collection::vec(spec(), 0..40)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.csv");
        let mut text = queuecast::schema::CANONICAL_COLUMNS.join(",");
        for s in &specs {
            text.push('\n');
            text.push_str(&line(s));
        }
        std::fs::write(&path, text).unwrap();
        let store = Store::open(&dir.path().join("store"), DEFAULT_TZ).unwrap();
        let report = ingest_paths(&[path], &Settings::default().validate().unwrap(), &store).unwrap();
        let r = &report.files[0];

        // Independent model: group valid rows by key; one variant → kept once, several → all quarantined.
        let mut groups: BTreeMap<(usize, u32, u32), Vec<u32>> = BTreeMap::new();
        for s in specs.iter().filter(|s| !s.corrupt) {
            groups.entry((s.office, s.day, s.ticket)).or_default().push(s.variant);
        }
        let corrupt = specs.iter().filter(|s| s.corrupt).count() as u64;
        let (mut stored, mut dups, mut conflicts) = (0u64, 0u64, 0u64);
        let mut expected: Vec<Ticket> = Vec::new();
        for ((office, day, t), variants) in &groups {
            if variants.iter().all(|v| *v == variants[0]) {
                stored += 1;
                dups += variants.len() as u64 - 1;
                expected.push(ticket(&Spec { office: *office, day: *day, ticket: *t, variant: variants[0], corrupt: false }));
            } else {
                conflicts += variants.len() as u64;
            }
        }
        prop_assert_eq!(r.rows_read, specs.len() as u64);
        prop_assert!(r.balanced());
        prop_assert_eq!((r.stored, r.duplicates, r.quarantined), (stored, dups, corrupt + conflicts));
        prop_assert_eq!(r.reason_count(Reason::UnknownChannel), corrupt);
        prop_assert_eq!(r.reason_count(Reason::ConflictingDuplicate), conflicts);

        let mut got: Vec<Ticket> = store
            .partitions()
            .unwrap()
            .iter()
            .flat_map(|k| store.read_partition(k).unwrap())
            .collect();
        let order = |t: &Ticket| (t.office_id.clone(), t.issued_at, t.ticket_id.clone());
        got.sort_by_key(order);
        expected.sort_by_key(order);
        prop_assert_eq!(got, expected);
    }

    #[test]
    fn canonical_text_round_trips_through_validation(
        minute in 0i64..(365 * 24 * 60), wait in 0i64..600, service in 0i64..120, cancelled: bool
    ) {
        let issued = parse_rfc3339("2025-01-01T00:00:00+01:00").unwrap() + minute * 60_000;
        let t = Ticket {
            office_id: "amt".into(),
            ticket_id: "A001".into(),
            service: "FS".into(),
            channel: Channel::WalkIn,
            issued_at: issued,
            called_at: (!cancelled).then_some(issued + wait * 60_000),
            finished_at: Some(issued + (wait + service) * 60_000),
            counter: (!cancelled).then(|| "7".into()),
            outcome: if cancelled { Outcome::Cancelled } else { Outcome::Served },
            service_count: 1,
        };
        let fields = t.to_fields(DEFAULT_TZ);
        let refs: [&str; 9] = std::array::from_fn(|i| fields[i].as_str());
        let rules = queuecast::ingest::validate::Rules::from_settings(&Settings::default());
        let row = queuecast::ingest::validate::validate(refs, &rules).unwrap();
        prop_assert_eq!((row.issued_at, row.called_at, row.finished_at), (t.issued_at, t.called_at, t.finished_at));
        prop_assert_eq!(row.counter, t.counter.as_deref());
    }
}
