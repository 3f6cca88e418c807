//! Whole-simulation tests: determinism, canonical invariants, and the shape of the data.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate, Weekday};

use super::offices::{PRESETS, hm};
use super::*;
use crate::calendar::is_nrw_public_holiday;
use crate::settings::Settings;
use crate::time::{MS_PER_HOUR, MS_PER_MINUTE};
use crate::timezones::{DEFAULT_TZ, local_parts};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn params(start: NaiveDate, days: u32, offices: u32) -> SimulateSettings {
    SimulateSettings { seed: 2025, start, days, offices, scale: 1.0 }
}

fn services() -> Vec<ServiceCode> {
    Settings::default().services
}

fn run(p: &SimulateSettings) -> (Vec<Ticket>, SimulateSummary) {
    let mut tickets = Vec::new();
    let summary = simulate(p, &services(), DEFAULT_TZ, &mut |t| {
        tickets.push(t.clone());
        Ok(())
    })
    .unwrap();
    (tickets, summary)
}

/// The default year (3 offices, 2025), simulated once for all shape tests.
fn year() -> &'static (Vec<Ticket>, SimulateSummary) {
    static YEAR: OnceLock<(Vec<Ticket>, SimulateSummary)> = OnceLock::new();
    YEAR.get_or_init(|| run(&SimulateSettings::default()))
}

fn local_date(t: &Ticket) -> NaiveDate {
    local_parts(t.issued_at, DEFAULT_TZ).date
}

/// Tickets per (office, date).
fn per_office_day(tickets: &[Ticket]) -> BTreeMap<(&str, NaiveDate), Vec<&Ticket>> {
    let mut m: BTreeMap<(&str, NaiveDate), Vec<&Ticket>> = BTreeMap::new();
    for t in tickets {
        m.entry((t.office_id.as_str(), local_date(t))).or_default().push(t);
    }
    m
}

/// The office of an id among the first 24 (the presets and 16 generated offices).
fn preset(id: &str) -> &'static OfficePreset {
    static OFFICES: OnceLock<Vec<OfficePreset>> = OnceLock::new();
    OFFICES.get_or_init(|| county::roster(24)).iter().find(|p| p.id == id).unwrap()
}

#[test]
fn same_params_give_the_same_bytes_plain_and_gzip() {
    let dir = tempfile::tempdir().unwrap();
    let p = params(d(2025, 3, 24), 14, 3);
    let paths = ["a.csv", "b.csv", "a.csv.gz", "b.csv.gz"].map(|n| dir.path().join(n));
    let summaries: Vec<SimulateSummary> =
        paths.iter().map(|path| write_csv(&p, &services(), DEFAULT_TZ, path).unwrap()).collect();
    let bytes = paths.each_ref().map(|path| std::fs::read(path).unwrap());
    assert_eq!(bytes[0], bytes[1]);
    assert_eq!(bytes[2], bytes[3]);
    assert!(summaries.windows(2).all(|w| w[0] == w[1]));
    let mut unzipped = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&bytes[2][..]), &mut unzipped).unwrap();
    assert_eq!(unzipped, bytes[0]);
    let text = String::from_utf8(bytes[0].clone()).unwrap();
    assert_eq!(text.lines().count() as u64, summaries[0].tickets + 1);
    assert!(text.starts_with(
        "office_id,ticket_id,service,channel,issued_at,called_at,finished_at,counter,outcome\n"
    ));
    // Another seed gives other data.
    let other = dir.path().join("c.csv");
    write_csv(&SimulateSettings { seed: 7, ..p }, &services(), DEFAULT_TZ, &other).unwrap();
    assert_ne!(std::fs::read(other).unwrap(), bytes[0]);
}

#[test]
fn a_short_run_reproduces_the_same_days_of_a_long_run() {
    let (long, _) = run(&params(d(2025, 3, 1), 40, 3));
    let (short, _) = run(&params(d(2025, 3, 20), 7, 3));
    let window: Vec<&Ticket> =
        long.iter().filter(|t| (d(2025, 3, 20)..=d(2025, 3, 26)).contains(&local_date(t))).collect();
    assert!(!short.is_empty());
    assert_eq!(window, short.iter().collect::<Vec<_>>());
}

#[test]
fn every_ticket_keeps_the_canonical_invariants() {
    // The eight presets and 16 generated offices over Easter 2025 (Karfreitag 18 April,
    // Ostermontag 21 April).
    let (tickets, summary) = run(&params(d(2025, 4, 7), 21, 24));
    assert_eq!(summary.tickets as usize, tickets.len());
    let codes: BTreeSet<String> = services().into_iter().map(|s| s.code).collect();
    let mut keys = BTreeSet::new();
    for t in &tickets {
        let called = t.outcome.was_called();
        assert_eq!(t.called_at.is_some(), called, "{t:?}");
        assert_eq!(t.counter.is_some(), called, "{t:?}");
        assert!(t.counter.as_deref().is_none_or(|c| c.parse::<u32>().is_ok_and(|n| n >= 1)), "{t:?}");
        let finished = t.finished_at.unwrap();
        assert!(t.called_at.is_none_or(|c| c >= t.issued_at && finished >= c), "{t:?}");
        assert!(finished >= t.issued_at && finished - t.issued_at < 14 * MS_PER_HOUR, "{t:?}");
        assert!(codes.contains(&t.service), "{t:?}");
        let prefix = if t.channel == Channel::WalkIn { 'A' } else { 'T' };
        assert!(t.ticket_id.starts_with(prefix) && t.ticket_id.len() >= 4, "{t:?}");
        let date = local_date(t);
        assert!(keys.insert((t.office_id.clone(), date, t.ticket_id.clone())), "duplicate key {t:?}");
        assert_ne!(date.weekday(), Weekday::Sun);
        assert!(!is_nrw_public_holiday(date), "{t:?}");
        if date.weekday() == Weekday::Sat {
            assert!(preset(&t.office_id).hours_on(Weekday::Sat).is_some(), "{t:?}");
        }
    }
    assert!(!tickets.iter().any(|t| local_date(t) == d(2025, 4, 18)));
    assert!(tickets.iter().any(|t| local_date(t) == d(2025, 4, 12)), "Saturday office open");
    // Output order: local date, office id, issue time, ticket id.
    let key = |t: &Ticket| (local_date(t), t.office_id.clone(), t.issued_at, t.ticket_id.clone());
    assert!(tickets.windows(2).all(|w| key(&w[0]) < key(&w[1])));
}

#[test]
fn the_first_three_offices_of_a_county_are_exactly_a_three_office_run() {
    let (county, summary) = run(&params(d(2025, 3, 24), 7, 85));
    let (three, small) = run(&params(d(2025, 3, 24), 7, 3));
    let ids: BTreeSet<&str> = PRESETS[..3].iter().map(|p| &*p.id).collect();
    let first: Vec<&Ticket> = county.iter().filter(|t| ids.contains(t.office_id.as_str())).collect();
    assert!(!three.is_empty());
    assert_eq!(first, three.iter().collect::<Vec<_>>());
    let offices: BTreeSet<&str> = county.iter().map(|t| t.office_id.as_str()).collect();
    assert_eq!(offices.len(), 85);
    assert_eq!(summary.offices, 85);
    // Six open weekdays, Saturday only where an office opens then.
    assert!(summary.office_days > 85 * 5 && summary.office_days < 85 * 6, "{}", summary.office_days);
    assert!(summary.tickets > 15 * small.tickets, "{} vs {}", summary.tickets, small.tickets);
}

#[test]
fn a_counter_calls_the_next_number_only_after_a_short_gap() {
    let (tickets, _) = run(&params(d(2025, 5, 5), 5, 3));
    type CounterDay<'a> = (&'a str, NaiveDate, &'a str);
    let mut by_counter: BTreeMap<CounterDay, Vec<(i64, i64)>> = BTreeMap::new();
    for t in tickets.iter().filter(|t| t.outcome.was_called()) {
        let key = (t.office_id.as_str(), local_date(t), t.counter.as_deref().unwrap());
        by_counter.entry(key).or_default().push((t.called_at.unwrap(), t.finished_at.unwrap()));
    }
    let mut gaps = Vec::new();
    for calls in by_counter.values_mut() {
        calls.sort_unstable();
        for w in calls.windows(2) {
            assert!(w[1].0 >= w[0].1 + 15_000, "gap too short: {w:?}");
            gaps.push(w[1].0 - w[0].1);
        }
    }
    gaps.sort_unstable();
    assert!(gaps[gaps.len() / 2] <= MS_PER_MINUTE, "median gap {} ms", gaps[gaps.len() / 2]);
}

#[test]
fn no_shows_and_cancellations_both_occur_in_modest_shares() {
    let (tickets, s) = year();
    let share = |o: Outcome| s.count(o) as f64 / s.tickets as f64;
    assert!((0.02..0.09).contains(&share(Outcome::NoShow)), "{}", share(Outcome::NoShow));
    assert!((0.005..0.08).contains(&share(Outcome::Cancelled)), "{}", share(Outcome::Cancelled));
    let no_show_at_counter = tickets.iter().filter(|t| t.outcome == Outcome::NoShow).all(|t| {
        let held = t.finished_at.unwrap() - t.called_at.unwrap();
        (MS_PER_MINUTE..=2 * MS_PER_MINUTE).contains(&held)
    });
    assert!(no_show_at_counter);
    assert!(s.missed_appointments > 0 && s.appointments > 0 && s.walk_ins > s.appointments);
}

#[test]
fn yearly_and_daily_magnitudes_are_realistic() {
    let (tickets, s) = year();
    assert!((150_000..=250_000).contains(&s.tickets), "{}", s.tickets);
    let days = per_office_day(tickets);
    let mean_weekday = |office: &str| {
        let counts: Vec<usize> = days
            .iter()
            .filter(|((o, date), _)| *o == office && date.weekday() != Weekday::Sat)
            .map(|(_, v)| v.len())
            .collect();
        counts.iter().sum::<usize>() as f64 / counts.len() as f64
    };
    let (mid, road, small) =
        (mean_weekday("neuss-mitte"), mean_weekday("grevenbroich"), mean_weekday("dormagen"));
    assert!((200.0..=350.0).contains(&mid), "neuss-mitte {mid}");
    assert!((250.0..=400.0).contains(&road), "grevenbroich {road}");
    assert!((80.0..=150.0).contains(&small), "dormagen {small}");
}

#[test]
fn waits_are_realistic_with_busy_monday_mornings() {
    let (tickets, _) = year();
    let waits: Vec<(&Ticket, f64)> =
        tickets.iter().filter_map(|t| t.wait_s().map(|w| (t, w as f64 / 60.0))).collect();
    for office in ["neuss-mitte", "grevenbroich", "dormagen"] {
        let w: Vec<f64> = waits.iter().filter(|(t, _)| t.office_id == office).map(|x| x.1).collect();
        let mean = w.iter().sum::<f64>() / w.len() as f64;
        assert!((5.0..=40.0).contains(&mean), "{office}: mean wait {mean} min");
    }
    // Some Monday morning hour has walk-ins waiting an hour on average.
    let mut hours: BTreeMap<(&str, NaiveDate, u8), (f64, u32)> = BTreeMap::new();
    for (t, w) in waits.iter().filter(|(t, _)| t.channel == Channel::WalkIn) {
        let lp = local_parts(t.issued_at, DEFAULT_TZ);
        if lp.weekday == 1 && lp.hour < 12 {
            let e = hours.entry((t.office_id.as_str(), lp.date, lp.hour)).or_default();
            (e.0, e.1) = (e.0 + w, e.1 + 1);
        }
    }
    let worst = hours.values().map(|(sum, n)| sum / f64::from(*n)).fold(0.0, f64::max);
    assert!(worst >= 60.0, "worst Monday-morning hour {worst} min");
}

#[test]
fn mondays_are_busier_than_wednesdays() {
    let (tickets, _) = year();
    let days = per_office_day(tickets);
    let mean_on = |wd: Weekday| {
        let v: Vec<usize> =
            days.iter().filter(|((_, date), _)| date.weekday() == wd).map(|(_, t)| t.len()).collect();
        v.iter().sum::<usize>() as f64 / v.len() as f64
    };
    assert!(
        mean_on(Weekday::Mon) > 1.15 * mean_on(Weekday::Wed),
        "{} {}",
        mean_on(Weekday::Mon),
        mean_on(Weekday::Wed)
    );
    assert!(mean_on(Weekday::Fri) < mean_on(Weekday::Tue));
}

#[test]
fn lunch_has_fewer_calls_and_counters_than_ten_oclock() {
    let (tickets, _) = year();
    let mut calls = [0u32; 2];
    let mut counters = [BTreeSet::new(), BTreeSet::new()];
    for t in tickets.iter().filter(|t| t.office_id == "neuss-mitte") {
        let Some(c) = t.called_at else { continue };
        let lp = local_parts(c, DEFAULT_TZ);
        let slot = match lp.hour {
            10 => 0,
            12 => 1,
            _ => continue,
        };
        calls[slot] += 1;
        counters[slot].insert((lp.date, t.counter.clone()));
    }
    assert!(f64::from(calls[1]) < 0.8 * f64::from(calls[0]), "{calls:?}");
    assert!(counters[1].len() < counters[0].len(), "{} {}", counters[1].len(), counters[0].len());
}

#[test]
fn appointments_are_called_soon_and_before_walk_ins() {
    let (tickets, _) = year();
    let mean_wait = |ch: Channel| {
        let w: Vec<f64> =
            tickets.iter().filter(|t| t.channel == ch).filter_map(|t| t.wait_s()).map(|s| s as f64).collect();
        w.iter().sum::<f64>() / w.len() as f64 / 60.0
    };
    // Appointment holders come ~6 minutes early and are called from their slot on.
    let (appointment, walk_in) = (mean_wait(Channel::Appointment), mean_wait(Channel::WalkIn));
    assert!(appointment < 12.0, "{appointment}");
    assert!(walk_in > 1.5 * appointment, "{walk_in} {appointment}");
}

#[test]
fn passports_rush_before_summer() {
    let (tickets, _) = year();
    let per_day = |month: u32| {
        let month_tickets =
            tickets.iter().filter(|t| local_date(t).month() == month && t.office_id == "neuss-mitte");
        let days: BTreeSet<NaiveDate> = month_tickets.clone().map(local_date).collect();
        let travel = month_tickets.filter(|t| t.service == "PA" || t.service == "RP").count();
        travel as f64 / days.len() as f64
    };
    assert!(per_day(6) > 1.3 * per_day(12), "{} {}", per_day(6), per_day(12));
}

#[test]
fn dst_mondays_keep_issue_times_within_opening_hours() {
    for date in [d(2025, 3, 31), d(2025, 10, 27)] {
        let (tickets, _) = run(&params(date.pred_opt().unwrap(), 2, 3));
        assert!(tickets.len() > 300, "{date}");
        for t in &tickets {
            let lp = local_parts(t.issued_at, DEFAULT_TZ);
            assert_eq!(lp.date, date);
            let hours = preset(&t.office_id).hours_on(Weekday::Mon).unwrap();
            let minute = u32::from(lp.minute_of_day);
            assert!((hours.open..hours.close).contains(&minute), "{t:?}");
        }
        // Spring: 08:00 local is 06:00 UTC; autumn: 07:00 UTC.
        let first = tickets.iter().map(|t| t.issued_at).min().unwrap();
        assert!(local_parts(first, DEFAULT_TZ).minute_of_day >= hm(7, 0) as u16);
    }
}

#[test]
fn scale_multiplies_tickets_and_counters() {
    let (one, _) = run(&params(d(2025, 9, 8), 5, 3));
    let (five, _) = run(&SimulateSettings { scale: 5.0, ..params(d(2025, 9, 8), 5, 3) });
    let ratio = five.len() as f64 / one.len() as f64;
    assert!((4.5..5.5).contains(&ratio), "{ratio}");
    let max_counter =
        |ts: &[Ticket]| ts.iter().filter_map(|t| t.counter.as_deref()?.parse::<u32>().ok()).max();
    assert!(max_counter(&five) > max_counter(&one));
    assert!(five.iter().any(|t| t.ticket_id == "A1000"), "ids grow past three digits");
}

#[test]
fn missing_service_and_bad_params_are_errors() {
    let without_kfz: Vec<ServiceCode> = services().into_iter().filter(|s| s.code != "KFZ").collect();
    let err = simulate(&params(d(2025, 1, 6), 3, 2), &without_kfz, DEFAULT_TZ, &mut |_| Ok(())).unwrap_err();
    assert!(matches!(&err, SimulateError::UnknownService { code, .. } if code == "KFZ"), "{err}");
    assert!(err.to_string().contains("KFZ"));
    // One Bürgerbüro alone does not need KFZ.
    assert!(simulate(&params(d(2025, 1, 6), 3, 1), &without_kfz, DEFAULT_TZ, &mut |_| Ok(())).is_ok());
    for bad in [params(d(2025, 1, 6), 0, 3), params(d(2025, 1, 6), 3, 1000), params(d(2099, 12, 30), 5, 3)] {
        let err = simulate(&bad, &services(), DEFAULT_TZ, &mut |_| Ok(())).unwrap_err();
        assert!(matches!(err, SimulateError::InvalidParams { .. }), "{err}");
    }
    let nan = SimulateSettings { scale: f64::NAN, ..params(d(2025, 1, 6), 3, 3) };
    assert!(simulate(&nan, &services(), DEFAULT_TZ, &mut |_| Ok(())).is_err());
}

#[test]
fn a_failing_sink_stops_the_run_and_write_csv_leaves_no_file() {
    let mut seen = 0;
    let err = simulate(&params(d(2025, 1, 6), 3, 1), &services(), DEFAULT_TZ, &mut |_| {
        seen += 1;
        Err(SimulateError::Io { path: "sink".into(), source: std::io::Error::other("full") })
    });
    assert!(err.is_err());
    assert_eq!(seen, 1);
    let dir = tempfile::tempdir().unwrap();
    let bad = SimulateSettings { offices: 0, ..params(d(2025, 1, 6), 3, 1) };
    assert!(write_csv(&bad, &services(), DEFAULT_TZ, &dir.path().join("x.csv")).is_err());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

/// Calibration report, run by hand: `cargo test --lib simulate::tests::report -- --ignored --nocapture`.
#[test]
#[ignore]
fn report() {
    let (tickets, s) = year();
    println!("{s:?}");
    let days = per_office_day(tickets);
    for office in PRESETS.iter().take(3).map(|p| &*p.id) {
        for wd in [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri, Weekday::Sat] {
            let v: Vec<&Vec<&Ticket>> = days
                .iter()
                .filter(|((o, date), _)| *o == office && date.weekday() == wd)
                .map(|(_, t)| t)
                .collect();
            if v.is_empty() {
                continue;
            }
            let n = v.iter().map(|t| t.len()).sum::<usize>() as f64 / v.len() as f64;
            let waits: Vec<f64> =
                v.iter().flat_map(|t| t.iter()).filter_map(|t| t.wait_s()).map(|w| w as f64).collect();
            let mean = waits.iter().sum::<f64>() / waits.len() as f64 / 60.0;
            println!("{office:14} {wd:?}: {n:6.1} tickets/day, mean wait {mean:5.1} min");
        }
    }
}
