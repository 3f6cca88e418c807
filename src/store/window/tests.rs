use super::*;
use crate::schema::{Channel, Outcome, Ticket};
use crate::store::write::TicketRow;
use crate::timezones::{DEFAULT_TZ, parse_rfc3339};

/// A store with offices `a` and `b`: one ticket at 09:00 local time on each of `days`.
fn store_with(dir: &std::path::Path, days: &[(&str, &str)]) -> Store {
    let store = Store::open(dir, DEFAULT_TZ).unwrap();
    let mut by_key: BTreeMap<PartitionKey, Vec<Ticket>> = BTreeMap::new();
    for (i, &(office, day)) in days.iter().enumerate() {
        let date: NaiveDate = day.parse().unwrap();
        let issued = parse_rfc3339(&format!("{day}T09:00:00+01:00")).unwrap();
        by_key.entry(Store::key_for(office, date)).or_default().push(Ticket {
            office_id: office.into(),
            ticket_id: format!("T{i}"),
            service: "PA".into(),
            channel: Channel::WalkIn,
            issued_at: issued,
            called_at: Some(issued + 60_000),
            finished_at: Some(issued + 120_000),
            counter: Some("1".into()),
            outcome: Outcome::Served,
            service_count: 1,
        });
    }
    for (key, tickets) in by_key {
        let rows: Vec<TicketRow<'_>> = tickets.iter().map(|t| TicketRow::of(t, DEFAULT_TZ)).collect();
        let staged = store.stage_office_days(&key, rows).unwrap();
        store.commit_partitions(vec![staged]).unwrap();
    }
    store
}

const DAYS: [(&str, &str); 7] = [
    ("a", "2025-01-30"),
    ("a", "2025-01-31"),
    ("a", "2025-02-03"),
    ("a", "2025-03-02"),
    ("b", "2024-12-31"),
    ("b", "2025-02-27"),
    ("b", "2025-03-05"),
];

/// (office, local date) of the rows passed to `consume`, in order.
fn read(store: &Store, from: &str, to: &str) -> Vec<(String, NaiveDate)> {
    let mut out = Vec::new();
    for_each_partition(
        store,
        from.parse().unwrap(),
        to.parse().unwrap(),
        &[col::LOCAL_DATE, col::TICKET_ID],
        |key, df| {
            let days = df.column(col::LOCAL_DATE).unwrap().cast(&DataType::Int32).unwrap();
            let days: Vec<i32> = days.i32().unwrap().iter().flatten().collect();
            assert_eq!(df.width(), 2, "only the named columns");
            Ok::<_, StoreError>((key.office_id.clone(), days))
        },
        |(office, days)| {
            out.extend(days.into_iter().map(|d| (office.clone(), date_from_days(d))));
            Ok(())
        },
    )
    .unwrap();
    out
}

fn dates(v: &[(&str, &str)]) -> Vec<(String, NaiveDate)> {
    v.iter().map(|(o, d)| (o.to_string(), d.parse().unwrap())).collect()
}

#[test]
fn window_partitions_come_in_order_with_the_boundary_months_filtered() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with(dir.path(), &DAYS);
    assert_eq!(read(&store, "2024-01-01", "2026-01-01"), {
        let mut all = dates(&DAYS);
        all.sort();
        all
    });
    assert_eq!(
        read(&store, "2025-01-31", "2025-03-02"),
        dates(&[("a", "2025-01-31"), ("a", "2025-02-03"), ("a", "2025-03-02"), ("b", "2025-02-27")])
    );
    assert_eq!(read(&store, "2025-04-01", "2025-05-01"), []);
}

#[test]
fn a_failing_conversion_stops_the_read_with_its_error() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with(dir.path(), &DAYS);
    let mut consumed = 0;
    let from = "2024-01-01".parse().unwrap();
    let to = "2026-01-01".parse().unwrap();
    let result = for_each_partition(
        &store,
        from,
        to,
        &[col::LOCAL_DATE],
        |key, _| if key.office_id == "b" { Err(StoreError::Missing { path: "b".into() }) } else { Ok(()) },
        |()| {
            consumed += 1;
            Ok(())
        },
    );
    assert!(matches!(result, Err(StoreError::Missing { .. })));
    // Office a's three months come first, in order, and may all have been consumed.
    assert!(consumed <= 3);
    // A missing column is the partition's Parquet error, naming its file.
    let err = for_each_partition(&store, from, to, &["no_such_column"], |_, _| Ok(()), |()| Ok(()));
    match err {
        Err(StoreError::Parquet { path, .. }) => assert!(path.ends_with("part-0.parquet"), "{path:?}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn stored_range_is_the_first_and_last_local_date() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(stored_date_range(&Store::open(dir.path(), DEFAULT_TZ).unwrap()).unwrap(), None);
    let store = store_with(dir.path(), &DAYS);
    let day = |s: &str| s.parse::<NaiveDate>().unwrap();
    assert_eq!(stored_date_range(&store).unwrap(), Some((day("2024-12-31"), day("2025-03-05"))));
}

#[test]
fn month_bounds_of_december_and_february() {
    let day = |s: &str| s.parse::<NaiveDate>().unwrap();
    assert_eq!(month_bounds(2024, 12), (day("2024-12-01"), day("2024-12-31")));
    assert_eq!(month_bounds(2024, 2), (day("2024-02-01"), day("2024-02-29")));
}
