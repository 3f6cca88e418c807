use polars::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::polars_oracle::{by_service_and_all, ticket_aggs};
use super::*;

/// A random window: few offices and services, some nulls, dates over two years.
fn random_window(seed: u64, n: usize) -> DataFrame {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let offices = ["a", "bb", "c-long-office-name-over-15"];
    let services = ["PA", "KFZ", "AN"];
    let mut cols: (Vec<&str>, Vec<&str>, Vec<&str>, Vec<&str>) = Default::default();
    let (mut date, mut weekday, mut hour, mut slot, mut year, mut month) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    let (mut wait, mut service) = (vec![], vec![]);
    for _ in 0..n {
        cols.0.push(offices[rng.random_range(0..offices.len())]);
        cols.1.push(services[rng.random_range(0..services.len())]);
        cols.2.push(if rng.random_bool(0.3) { "appointment" } else { "walk_in" });
        let outcome = ["served", "no_show", "cancelled"][rng.random_range(0..3)];
        cols.3.push(outcome);
        let d: i32 = 20_000 + rng.random_range(0..700);
        date.push(d);
        weekday.push(rng.random_range(1..=6));
        let h: i32 = rng.random_range(7..19);
        hour.push(h);
        slot.push(h * 4 + rng.random_range(0..4));
        year.push(2024 + (d - 20_000) / 365);
        month.push(1 + (d % 12));
        wait.push((outcome != "cancelled").then(|| rng.random_range(0..5_000i64)));
        service.push((outcome == "served").then(|| rng.random_range(0..2_000i64)));
    }
    DataFrame::new(
        n,
        vec![
            Column::new(col::OFFICE_ID.into(), cols.0),
            Column::new(col::SERVICE.into(), cols.1),
            Column::new(col::CHANNEL.into(), cols.2),
            Column::new(col::OUTCOME.into(), cols.3),
            Column::new(col::LOCAL_DATE.into(), date).cast(&DataType::Date).unwrap(),
            Column::new(col::WEEKDAY.into(), weekday),
            Column::new(col::HOUR.into(), hour),
            Column::new("slot".into(), slot),
            Column::new(col::YEAR.into(), year),
            Column::new(col::MONTH.into(), month),
            Column::new(col::WAIT_S.into(), wait),
            Column::new(col::SERVICE_S.into(), service),
        ],
    )
    .unwrap()
}

fn sorted(df: DataFrame, keys: &[&str]) -> DataFrame {
    df.sort(keys.to_vec(), Default::default()).unwrap()
}

/// Every column equal: integers exactly, floats to 1e-9 (sums may be added in another order).
fn assert_same(ours: &DataFrame, oracle: &DataFrame) {
    assert_eq!(ours.height(), oracle.height());
    for c in oracle.columns() {
        let name = c.name();
        let mine = ours.column(name).unwrap();
        if c.dtype().is_float() {
            let (a, b) = (mine.f64().unwrap(), c.f64().unwrap());
            for (x, y) in a.iter().zip(b.iter()) {
                match (x, y) {
                    (Some(x), Some(y)) => {
                        assert!((x - y).abs() <= 1e-9 * y.abs().max(1.0), "{name}: {x} vs {y}")
                    }
                    (x, y) => assert_eq!(x, y, "{name}"),
                }
            }
        } else {
            let mine = mine.cast(c.dtype()).unwrap();
            assert!(mine.equal_missing(c).unwrap().all(), "{name} differs");
        }
    }
}

#[test]
fn dense_cells_equal_the_polars_group_by() {
    for seed in 0..4 {
        let window = random_window(seed, 3_000 + 997 * seed as usize);
        let rows = WindowRows::from_frame(&window, "slot").unwrap();
        let int = |name, values| Key { name, dtype: DataType::Int32, values };
        let sl = 900.0;

        let keys = [col::OFFICE_ID, col::SERVICE, col::WEEKDAY, col::HOUR];
        let ours =
            aggregate(&rows, &[int(col::WEEKDAY, &rows.weekday), int(col::HOUR, &rows.hour)], true, true, sl)
                .unwrap();
        let oracle = by_service_and_all(
            window.clone().lazy(),
            &[col::OFFICE_ID, col::WEEKDAY, col::HOUR],
            ticket_aggs(sl, true),
        )
        .unwrap()
        .collect()
        .unwrap();
        assert_same(&sorted(ours, &keys), &sorted(oracle, &keys));

        let keys = [col::OFFICE_ID, col::LOCAL_DATE];
        let date = Key { name: col::LOCAL_DATE, dtype: DataType::Date, values: &rows.date };
        let ours = aggregate(&rows, &[date], false, true, sl).unwrap();
        let oracle = window
            .clone()
            .lazy()
            .group_by([col(col::OFFICE_ID), col(col::LOCAL_DATE)])
            .agg(ticket_aggs(sl, true))
            .collect()
            .unwrap();
        assert_same(&sorted(ours, &keys), &sorted(oracle, &keys));

        let keys = [col::OFFICE_ID, col::SERVICE, col::YEAR, col::MONTH];
        let ours =
            aggregate(&rows, &[int(col::YEAR, &rows.year), int(col::MONTH, &rows.month)], true, false, sl)
                .unwrap();
        let oracle = by_service_and_all(
            window.lazy(),
            &[col::OFFICE_ID, col::YEAR, col::MONTH],
            ticket_aggs(sl, false),
        )
        .unwrap()
        .collect()
        .unwrap();
        assert_same(&sorted(ours, &keys), &sorted(oracle, &keys));
    }
}

#[test]
fn open_days_count_distinct_dates_per_weekday() {
    let window = random_window(9, 2_000);
    let rows = WindowRows::from_frame(&window, "slot").unwrap();
    let keys = [col::OFFICE_ID, col::WEEKDAY];
    let ours = open_days(&rows).unwrap();
    let oracle = window
        .lazy()
        .group_by([col(col::OFFICE_ID), col(col::WEEKDAY)])
        .agg([col(col::LOCAL_DATE).n_unique().cast(DataType::UInt32).alias("open_days")])
        .collect()
        .unwrap();
    assert_same(&sorted(ours, &keys), &sorted(oracle, &keys));
}

/// The wait statistics the profile computed before the shared wait buffer: a vector of waits
/// in minutes per cell, sorted as floats. The new ones must be equal to the bit.
#[test]
fn wait_statistics_equal_per_cell_vectors_bit_for_bit() {
    let window = random_window(11, 5_000);
    let rows = WindowRows::from_frame(&window, "slot").unwrap();
    let keys = [Key { name: col::WEEKDAY, dtype: DataType::Int32, values: &rows.weekday }];
    let ours = aggregate(&rows, &keys, true, true, 900.0).unwrap();
    // Cells in the frame's order: office code, service index (0 = all), weekday.
    let mut cells: std::collections::BTreeMap<(u32, u32, i32), Vec<f64>> = Default::default();
    let mut tickets: std::collections::BTreeMap<(u32, u32, i32), u32> = Default::default();
    for i in 0..rows.len() {
        for s in [0, rows.service[i] + 1] {
            let key = (rows.office[i], s, rows.weekday[i]);
            *tickets.entry(key).or_default() += 1;
            let waits = cells.entry(key).or_default();
            if let Some(w) = rows.wait_s[i] {
                waits.push(w as f64 / 60.0);
            }
        }
    }
    let mut expected: [Vec<Option<f64>>; 3] = Default::default();
    for key in tickets.keys() {
        let waits = cells.get_mut(key).unwrap();
        waits.sort_unstable_by(f64::total_cmp);
        let n = waits.len();
        expected[0].push((n > 0).then(|| waits.iter().sum::<f64>() / n as f64));
        expected[1].push(crate::stats::quantile_sorted(waits, 0.5));
        expected[2].push(crate::stats::quantile_sorted(waits, 0.9));
    }
    assert_eq!(ours.height(), tickets.len());
    for (name, want) in ["wait_mean_min", "wait_median_min", "wait_p90_min"].iter().zip(expected) {
        let got: Vec<Option<u64>> =
            ours.column(name).unwrap().f64().unwrap().iter().map(|v| v.map(f64::to_bits)).collect();
        let want: Vec<Option<u64>> = want.iter().map(|v| v.map(f64::to_bits)).collect();
        assert_eq!(got, want, "{name}");
    }
}
