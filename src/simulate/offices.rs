//! The eight simulated offices: opening hours, staffing through the day and service mix.
//!
//! Loosely modelled on the Rhein-Kreis Neuss: town Bürgerbüros of different size (passports,
//! registration, certificates) and road-traffic offices (car registration, driving licences).
//! `SimulateSettings::offices = n` uses the first n presets.

use chrono::Weekday;

/// Minutes since local midnight (wall clock).
pub type Minute = u32;

/// `hh:mm` as minutes since midnight.
pub const fn hm(hour: u32, minute: u32) -> Minute {
    hour * 60 + minute
}

/// What kind of office, which decides the service mix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfficeKind {
    /// Citizens' office: ID cards, passports, registration, certificates.
    Buergerbuero,
    /// Road-traffic office: car registration and driving licences.
    RoadTraffic,
}

/// One opening interval of a day, `[open, close)` in local minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hours {
    pub open: Minute,
    pub close: Minute,
}

/// Counters staffed at different times of an open day (before scaling).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Staffing {
    /// Morning and early afternoon.
    pub full: u32,
    /// During staggered lunch breaks, [`LUNCH`].
    pub lunch: u32,
    /// From [`LATE_FROM`] on (the long Thursday is run by a late shift).
    pub late: u32,
    /// On Saturday mornings.
    pub saturday: u32,
}

/// Lunch breaks are staggered over this window, so fewer counters are open.
pub const LUNCH: Hours = Hours { open: hm(12, 0), close: hm(13, 30) };
/// Start of the late shift.
pub const LATE_FROM: Minute = hm(16, 0);

/// A simulated office.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OfficePreset {
    pub id: &'static str,
    pub kind: OfficeKind,
    /// Opening hours Monday … Sunday; `None` = closed.
    pub hours: [Option<Hours>; 7],
    pub staffing: Staffing,
    /// Walk-in arrivals per open hour at scale 1 on an ordinary day, before the weekday,
    /// hour-of-day and seasonal factors.
    pub walk_ins_per_hour: f64,
    /// Share of counter capacity offered as bookable appointment slots.
    pub appointment_share: f64,
    /// Service weights in the order of [`super::services::SERVICES`] (PA RP AB AN MB FZ KFZ FS).
    pub mix: [f64; 8],
}

const BB_MIX: [f64; 8] = [0.28, 0.08, 0.22, 0.22, 0.10, 0.07, 0.0, 0.03];
const RT_MIX: [f64; 8] = [0.0, 0.0, 0.03, 0.0, 0.0, 0.0, 0.70, 0.27];

const fn open(from: Minute, to: Minute) -> Option<Hours> {
    Some(Hours { open: from, close: to })
}

const fn staff(full: u32, lunch: u32, late: u32, saturday: u32) -> Staffing {
    Staffing { full, lunch, late, saturday }
}

/// All presets, in the order `offices = n` takes them.
pub const PRESETS: [OfficePreset; 8] = [
    OfficePreset {
        id: "neuss-mitte",
        kind: OfficeKind::Buergerbuero,
        hours: [
            open(hm(7, 30), hm(16, 0)),
            open(hm(7, 30), hm(16, 0)),
            open(hm(7, 30), hm(16, 0)),
            open(hm(7, 30), hm(18, 0)),
            open(hm(7, 30), hm(12, 30)),
            open(hm(9, 0), hm(12, 30)),
            None,
        ],
        staffing: staff(8, 5, 5, 5),
        walk_ins_per_hour: 28.0,
        appointment_share: 0.3,
        mix: BB_MIX,
    },
    OfficePreset {
        id: "grevenbroich",
        kind: OfficeKind::RoadTraffic,
        hours: [
            open(hm(7, 0), hm(15, 0)),
            open(hm(7, 0), hm(15, 0)),
            open(hm(7, 0), hm(13, 0)),
            open(hm(7, 0), hm(18, 0)),
            open(hm(7, 0), hm(12, 0)),
            None,
            None,
        ],
        staffing: staff(13, 8, 7, 0),
        walk_ins_per_hour: 34.0,
        appointment_share: 0.35,
        mix: RT_MIX,
    },
    OfficePreset {
        id: "dormagen",
        kind: OfficeKind::Buergerbuero,
        hours: [
            open(hm(8, 0), hm(16, 0)),
            open(hm(8, 0), hm(16, 0)),
            open(hm(8, 0), hm(13, 0)),
            open(hm(8, 0), hm(18, 0)),
            open(hm(8, 0), hm(12, 0)),
            None,
            None,
        ],
        staffing: staff(4, 2, 2, 0),
        walk_ins_per_hour: 13.0,
        appointment_share: 0.25,
        mix: BB_MIX,
    },
    OfficePreset {
        id: "meerbusch",
        kind: OfficeKind::Buergerbuero,
        hours: [
            open(hm(8, 0), hm(16, 0)),
            open(hm(8, 0), hm(16, 0)),
            open(hm(8, 0), hm(16, 0)),
            open(hm(8, 0), hm(18, 0)),
            open(hm(8, 0), hm(13, 0)),
            None,
            None,
        ],
        staffing: staff(5, 3, 3, 0),
        walk_ins_per_hour: 18.0,
        appointment_share: 0.3,
        mix: BB_MIX,
    },
    OfficePreset {
        id: "neuss-kfz",
        kind: OfficeKind::RoadTraffic,
        hours: [
            open(hm(7, 30), hm(15, 30)),
            open(hm(7, 30), hm(15, 30)),
            open(hm(7, 30), hm(12, 30)),
            open(hm(7, 30), hm(17, 30)),
            open(hm(7, 30), hm(12, 0)),
            None,
            None,
        ],
        staffing: staff(6, 4, 3, 0),
        walk_ins_per_hour: 16.0,
        appointment_share: 0.35,
        mix: RT_MIX,
    },
    OfficePreset {
        id: "kaarst",
        kind: OfficeKind::Buergerbuero,
        hours: [
            open(hm(8, 0), hm(16, 0)),
            open(hm(8, 0), hm(16, 0)),
            open(hm(8, 0), hm(12, 0)),
            open(hm(8, 0), hm(18, 0)),
            open(hm(8, 0), hm(12, 0)),
            open(hm(9, 0), hm(12, 0)),
            None,
        ],
        staffing: staff(4, 2, 2, 2),
        walk_ins_per_hour: 13.0,
        appointment_share: 0.25,
        mix: BB_MIX,
    },
    OfficePreset {
        id: "korschenbroich",
        kind: OfficeKind::Buergerbuero,
        hours: [
            open(hm(8, 0), hm(15, 30)),
            open(hm(8, 0), hm(15, 30)),
            open(hm(8, 0), hm(12, 30)),
            open(hm(8, 0), hm(18, 0)),
            open(hm(8, 0), hm(12, 30)),
            None,
            None,
        ],
        staffing: staff(3, 2, 2, 0),
        walk_ins_per_hour: 10.0,
        appointment_share: 0.25,
        mix: BB_MIX,
    },
    OfficePreset {
        id: "juechen",
        kind: OfficeKind::Buergerbuero,
        hours: [
            open(hm(8, 30), hm(15, 0)),
            open(hm(8, 30), hm(12, 30)),
            open(hm(8, 30), hm(15, 0)),
            open(hm(8, 30), hm(18, 0)),
            open(hm(8, 30), hm(12, 0)),
            None,
            None,
        ],
        staffing: staff(2, 1, 1, 0),
        walk_ins_per_hour: 6.0,
        appointment_share: 0.2,
        mix: BB_MIX,
    },
];

impl OfficePreset {
    /// Opening hours on a weekday (`None` when closed that weekday).
    pub fn hours_on(&self, weekday: Weekday) -> Option<Hours> {
        self.hours[weekday.num_days_from_monday() as usize]
    }

    /// Counters staffed at a local minute of an open day, before scaling.
    pub fn counters_at(&self, weekday: Weekday, minute: Minute) -> u32 {
        let s = &self.staffing;
        if weekday == Weekday::Sat {
            s.saturday
        } else if (LUNCH.open..LUNCH.close).contains(&minute) {
            s.lunch
        } else if minute >= LATE_FROM {
            s.late
        } else {
            s.full
        }
    }

    /// Staffing of an open day as `(from, to, counters)` pieces covering `[open, close)`,
    /// with `scale` applied (at least one counter).
    pub fn staffing_plan(&self, weekday: Weekday, hours: Hours, scale: f64) -> Vec<(Minute, Minute, u32)> {
        let mut cuts = vec![hours.open, hours.close];
        cuts.extend(
            [LUNCH.open, LUNCH.close, LATE_FROM]
                .into_iter()
                .filter(|m| (hours.open + 1..hours.close).contains(m)),
        );
        cuts.sort_unstable();
        cuts.windows(2)
            .map(|w| (w[0], w[1], scale_counters(self.counters_at(weekday, w[0]), scale)))
            .collect()
    }
}

/// Counters at a scale: demand and staff grow together.
pub fn scale_counters(counters: u32, scale: f64) -> u32 {
    ((f64::from(counters) * scale).round() as u32).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_sundays_closed() {
        let mut ids: Vec<&str> = PRESETS.iter().map(|p| p.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), PRESETS.len());
        assert!(PRESETS.iter().all(|p| p.hours_on(Weekday::Sun).is_none()));
    }

    #[test]
    fn every_office_has_a_long_thursday_and_one_of_the_first_three_opens_saturday() {
        for p in &PRESETS {
            let thu = p.hours_on(Weekday::Thu).map(|h| h.close);
            assert!(thu >= Some(hm(17, 30)), "{}", p.id);
            assert!(p.hours.iter().flatten().all(|h| h.open < h.close && h.close <= hm(20, 0)));
        }
        assert!(PRESETS[..3].iter().any(|p| p.hours_on(Weekday::Sat).is_some()));
    }

    #[test]
    fn fewer_counters_over_lunch_and_plan_covers_the_day() {
        let p = &PRESETS[0];
        assert!(p.counters_at(Weekday::Tue, hm(12, 30)) < p.counters_at(Weekday::Tue, hm(10, 0)));
        let hours = p.hours_on(Weekday::Thu).unwrap();
        let plan = p.staffing_plan(Weekday::Thu, hours, 2.0);
        assert_eq!(plan.first().map(|s| s.0), Some(hours.open));
        assert_eq!(plan.last().map(|s| s.1), Some(hours.close));
        assert!(plan.windows(2).all(|w| w[0].1 == w[1].0));
        assert_eq!(plan[0].2, 2 * p.staffing.full);
        assert_eq!(scale_counters(1, 0.1), 1);
    }

    #[test]
    fn mixes_match_the_office_kind() {
        for p in &PRESETS {
            let kfz_fs = p.mix[6] + p.mix[7];
            let total: f64 = p.mix.iter().sum();
            match p.kind {
                OfficeKind::RoadTraffic => assert!(kfz_fs / total > 0.9, "{}", p.id),
                OfficeKind::Buergerbuero => assert!(kfz_fs / total < 0.1, "{}", p.id),
            }
        }
    }
}
