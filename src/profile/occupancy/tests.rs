use chrono::{NaiveDate, NaiveTime, TimeZone};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::*;
use crate::occupancy::day_occupancy;
use crate::replay::office_days_bounded;
use crate::schema::{Channel, Outcome};
use crate::timezones::DEFAULT_TZ;

/// Random tickets of two offices and three services on a few days, the two switch days of
/// 2025 among them, at whole seconds (as ticket logs record them).
fn random_columns(seed: u64, n: usize) -> TicketColumns {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let dates: Vec<NaiveDate> = [(2025, 3, 28), (2025, 3, 30), (2025, 3, 31), (2025, 10, 26), (2025, 10, 27)]
        .iter()
        .map(|&(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap())
        .collect();
    let mut c = TicketColumns {
        offices: vec!["a".into(), "b".into()],
        services: vec!["PA".into(), "KFZ".into(), "AN".into()],
        counters: vec!["1".into(), "2".into(), "3".into()],
        ..TicketColumns::default()
    };
    for _ in 0..n {
        let date = dates[rng.random_range(0..dates.len())];
        // Issues from 01:00 (before the spring gap) to 17:00 local time.
        let local =
            date.and_time(NaiveTime::MIN) + chrono::Duration::seconds(rng.random_range(3_600..61_200));
        let Some(issued) = DEFAULT_TZ.from_local_datetime(&local).earliest() else { continue };
        let issued = issued.timestamp_millis();
        let (called, finished, outcome) = match rng.random_range(0..10) {
            0 => (None, Some(issued + 1000 * rng.random_range(60..3_000)), Outcome::Cancelled),
            1 => (None, None, Outcome::Cancelled),
            k => {
                let called = issued + 1000 * rng.random_range(0..4_000);
                let outcome = if k == 2 { Outcome::NoShow } else { Outcome::Served };
                (Some(called), Some(called + 1000 * rng.random_range(30..1_500)), outcome)
            }
        };
        c.office.push(rng.random_range(0..2));
        c.date.push(date);
        c.service.push(rng.random_range(0..3));
        c.channel.push(if rng.random_bool(0.3) { Channel::Appointment } else { Channel::WalkIn });
        c.issued.push(issued);
        c.called.push(called);
        c.finished.push(finished);
        c.counter.push(called.map(|_| rng.random_range(0..3)));
        c.outcome.push(outcome);
    }
    c.into_sorted()
}

/// What the profile computed before the dense sums: one f64 row per office-day × slot ×
/// service (and `*`) with observed time, summed per cell with polars.
fn oracle(cols: &TicketColumns, hourly: bool) -> DataFrame {
    let n_services = cols.services.len();
    let mut rows: (Vec<String>, Vec<String>, Vec<i32>, Vec<i32>) = Default::default();
    let (mut observed, mut waiting, mut active, mut busy) = (vec![], vec![], vec![], vec![]);
    for day in office_days_bounded(cols, &WaitBounds::learn(cols)) {
        let occ = day_occupancy(&day, n_services, DEFAULT_TZ, ReplayParams::default());
        for slot in 0..SLOTS {
            if occ.observed[slot] <= 0.0 {
                continue;
            }
            for s in 0..=n_services {
                rows.0.push(cols.offices[day.office as usize].clone());
                rows.1.push(if s == 0 { ALL_SERVICES.into() } else { cols.services[s - 1].clone() });
                rows.2.push(day.date.weekday().number_from_monday() as i32);
                rows.3.push(if hourly { slot as i32 / 4 } else { slot as i32 });
                observed.push(occ.observed[slot]);
                waiting.push(if s == 0 {
                    occ.waiting[slot]
                } else {
                    occ.waiting_by_service[slot * n_services + s - 1]
                });
                active.push((s == 0).then_some(occ.active[slot]));
                busy.push((s == 0).then_some(occ.busy[slot]));
            }
        }
    }
    let key = if hourly { col::HOUR } else { SLOT };
    let keys = [col::OFFICE_ID, col::SERVICE, col::WEEKDAY, key];
    df!(
        col::OFFICE_ID => rows.0,
        col::SERVICE => rows.1,
        col::WEEKDAY => rows.2,
        key => rows.3,
        "observed_s" => observed,
        "waiting_s" => waiting,
        "active_s" => active,
        "busy_s" => busy,
    )
    .unwrap()
    .lazy()
    .group_by(keys.map(col))
    .agg([col("observed_s").sum(), col("waiting_s").sum(), col("active_s").sum(), col("busy_s").sum()])
    // The per-service rows have no counter figures: null, as the dense frame has them.
    .with_columns(["active_s", "busy_s"].map(|c| {
        when(col(col::SERVICE).eq(lit(ALL_SERVICES)))
            .then(col(c))
            .otherwise(lit(NULL).cast(DataType::Float64))
    }))
    .sort(keys, Default::default())
    .collect()
    .unwrap()
}

fn sorted(df: DataFrame) -> DataFrame {
    let keys: Vec<String> = df.get_column_names()[..4].iter().map(|s| s.to_string()).collect();
    df.sort(keys, Default::default()).unwrap()
}

#[test]
fn dense_sums_equal_the_per_day_rows_summed_exactly() {
    for seed in 0..4 {
        let cols = random_columns(seed, 3_000);
        let occ = Occupancy::replay(&cols, DEFAULT_TZ, ReplayParams::default());
        let slots = sorted(occ.cells.slot_frame(&cols.offices, &cols.services).unwrap());
        let hours = sorted(occ.cells.hour_frame(&cols.offices, &cols.services).unwrap());
        // Whole seconds (and half-second wait bounds) are exact in f64, so the figures must be
        // equal to the bit, whatever order either side added them in.
        assert!(slots.equals_missing(&oracle(&cols, false)), "seed {seed}: slots\n{slots}");
        assert!(hours.equals_missing(&oracle(&cols, true)), "seed {seed}: hours\n{hours}");
        assert!(slots.height() > 200, "seed {seed}: {} slot cells", slots.height());
    }
}

#[test]
fn day_figures_equal_the_f64_replay() {
    let cols = random_columns(7, 2_000);
    let occ = Occupancy::replay(&cols, DEFAULT_TZ, ReplayParams::default());
    let days = office_days_bounded(&cols, &WaitBounds::learn(&cols));
    assert_eq!(occ.days.len(), days.len());
    assert_eq!(days.len(), 10, "two offices × five dates");
    for (figures, day) in occ.days.iter().zip(&days) {
        let f = day_occupancy(day, cols.services.len(), DEFAULT_TZ, ReplayParams::default());
        let observed: f64 = f.observed.iter().sum();
        let mean_active = (observed > 0.0).then(|| f.active.iter().sum::<f64>() / observed);
        assert_eq!(
            *figures,
            DayFigures {
                office: day.office,
                date: day.date,
                max_waiting: f.max_waiting,
                max_active: f.max_active,
                mean_active
            }
        );
    }
}

#[test]
fn switch_days_fill_the_slots_of_their_wall_clock() {
    // One ticket waiting from 01:50 to 03:10 on the spring switch day (Sunday): the clocks jump
    // from 02:00 to 03:00, so the wait is 20 real minutes, 10 in slot 01:45 (7) and 10 in slot
    // 03:00 (12); the skipped slots 8–11 have no observed time.
    let at = |s: &str| crate::timezones::parse_rfc3339(s).unwrap();
    let mut c = TicketColumns {
        offices: vec!["a".into()],
        services: vec!["PA".into()],
        counters: vec!["1".into()],
        ..TicketColumns::default()
    };
    c.office.push(0);
    c.date.push(NaiveDate::from_ymd_opt(2025, 3, 30).unwrap());
    c.service.push(0);
    c.channel.push(Channel::WalkIn);
    c.issued.push(at("2025-03-30T01:50:00+01:00"));
    c.called.push(Some(at("2025-03-30T03:10:00+02:00")));
    c.finished.push(Some(at("2025-03-30T03:12:00+02:00")));
    c.counter.push(Some(0));
    c.outcome.push(Outcome::Served);
    let occ = Occupancy::replay(&c, DEFAULT_TZ, ReplayParams::default());
    let slots = occ.cells.slot_frame(&c.offices, &c.services).unwrap();
    let all = slots.clone().lazy().filter(col(col::SERVICE).eq(lit(ALL_SERVICES))).collect().unwrap();
    let slot: Vec<Option<i32>> = all.column(SLOT).unwrap().i32().unwrap().iter().collect();
    let waiting: Vec<Option<f64>> = all.column("waiting_s").unwrap().f64().unwrap().iter().collect();
    let weekday: Vec<Option<i32>> = all.column(col::WEEKDAY).unwrap().i32().unwrap().iter().collect();
    assert_eq!(slot, [Some(7), Some(12)]);
    assert_eq!(waiting, [Some(600.0), Some(600.0)]);
    assert_eq!(weekday, [Some(7), Some(7)]);
    let hours = occ.cells.hour_frame(&c.offices, &c.services).unwrap();
    let hour: Vec<Option<i32>> = hours.column(col::HOUR).unwrap().i32().unwrap().iter().collect();
    let observed: Vec<Option<f64>> = hours.column("observed_s").unwrap().f64().unwrap().iter().collect();
    // Hour 1: 01:50–02:00 observed; hour 3: 03:00–03:12; for `*` and for PA.
    assert_eq!(hour, [Some(1), Some(3), Some(1), Some(3)]);
    assert_eq!(observed, [Some(600.0), Some(720.0), Some(600.0), Some(720.0)]);
    assert_eq!(occ.days[0].max_waiting, 1);
    assert_eq!(occ.days[0].mean_active, Some(120.0 / 1320.0));
}
