//! Opening hours per office and weekday as 15-minute slot masks: learned from the slots in which
//! tickets are issued on a clear majority of the open days of that weekday, or set in settings.

use std::collections::BTreeMap;

use chrono::Weekday;
use serde::Serialize;

use crate::forecast::ForecastError;
use crate::forecast::history::{DayCounts, total};
use crate::settings::OpeningOverride;
use crate::slots::{SLOTS, slot_start};

/// Open slots of one day.
pub type SlotMask = [bool; SLOTS];

/// Opening of one office: a slot mask per weekday (Monday first) and where each came from.
#[derive(Debug, Clone, PartialEq)]
pub struct OfficeOpening {
    pub week: [SlotMask; 7],
    /// `learned` or `settings`, per weekday.
    pub source: [&'static str; 7],
}

impl OfficeOpening {
    /// The mask of a weekday.
    pub fn on(&self, weekday: Weekday) -> &SlotMask {
        &self.week[weekday.num_days_from_monday() as usize]
    }
}

/// One observed day for learning: its weekday, whether the calendar closes it, its counts.
pub struct ObservedDay<'a> {
    pub weekday: Weekday,
    pub calendar_closed: bool,
    pub counts: &'a DayCounts,
}

/// Learns the week's masks. A weekday is open when tickets were issued on at least half of its
/// calendar-open dates; then a slot is open when it had tickets on more than `share` of the
/// weekday's open days.
pub fn learn(days: &[ObservedDay], share: f64) -> [SlotMask; 7] {
    let mut week = [[false; SLOTS]; 7];
    for (w, mask) in week.iter_mut().enumerate() {
        let candidates: Vec<&ObservedDay> = days
            .iter()
            .filter(|d| d.weekday.num_days_from_monday() as usize == w && !d.calendar_closed)
            .collect();
        let open: Vec<&DayCounts> = candidates.iter().map(|d| d.counts).filter(|c| total(c) > 0.0).collect();
        if open.is_empty() || 2 * open.len() < candidates.len() {
            continue;
        }
        for (s, slot_open) in mask.iter_mut().enumerate() {
            let with_tickets = open.iter().filter(|c| c[s] > 0.0).count();
            *slot_open = with_tickets as f64 > share * open.len() as f64;
        }
    }
    week
}

/// Weekday masks set in the settings for one office: `(weekday index, mask)`.
pub type Overrides = Vec<(usize, SlotMask)>;

/// Parses the settings' overrides of `office` (errors name the office, weekday and interval).
pub fn parse_overrides(office: &str, overrides: &[OpeningOverride]) -> Result<Overrides, ForecastError> {
    let mut out = Vec::new();
    for o in overrides.iter().filter(|o| o.office == office) {
        let err = |message: String| ForecastError::Opening {
            office: o.office.clone(),
            weekday: o.weekday.clone(),
            message,
        };
        let w = weekday_index(&o.weekday).ok_or_else(|| err("weekday must be mon … sun".into()))?;
        let mut mask = [false; SLOTS];
        for interval in &o.hours {
            let (from, to) = parse_interval(interval).ok_or_else(|| {
                err(format!("'{interval}' is not HH:MM-HH:MM on the 15-minute grid with start < end"))
            })?;
            mask[from..to].iter_mut().for_each(|m| *m = true);
        }
        out.push((w, mask));
    }
    Ok(out)
}

/// Learned masks with the parsed overrides on top.
pub fn apply(learned: [SlotMask; 7], overrides: &Overrides) -> OfficeOpening {
    let mut opening = OfficeOpening { week: learned, source: ["learned"; 7] };
    for &(w, mask) in overrides {
        opening.week[w] = mask;
        opening.source[w] = "settings";
    }
    opening
}

/// Applies the settings' overrides for `office` on top of learned masks.
pub fn with_overrides(
    office: &str,
    learned: [SlotMask; 7],
    overrides: &[OpeningOverride],
) -> Result<OfficeOpening, ForecastError> {
    Ok(apply(learned, &parse_overrides(office, overrides)?))
}

fn weekday_index(name: &str) -> Option<usize> {
    ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].iter().position(|w| w.eq_ignore_ascii_case(name))
}

/// `HH:MM-HH:MM` → slot range `[from, to)`; `24:00` is allowed as an end.
fn parse_interval(text: &str) -> Option<(usize, usize)> {
    let (a, b) = text.split_once('-')?;
    let slot = |t: &str| -> Option<usize> {
        let (h, m) = t.trim().split_once(':')?;
        let (h, m): (usize, usize) = (h.parse().ok()?, m.parse().ok()?);
        (m % 15 == 0 && m < 60 && h * 60 + m <= 24 * 60).then_some((h * 60 + m) / 15)
    };
    let (from, to) = (slot(a)?, slot(b)?);
    (from < to).then_some((from, to))
}

/// Opening intervals of a mask as `HH:MM-HH:MM` strings (for reports and exports).
pub fn intervals(mask: &SlotMask) -> Vec<String> {
    let mut out = Vec::new();
    let mut s = 0;
    while s < SLOTS {
        if !mask[s] {
            s += 1;
            continue;
        }
        let start = s;
        while s < SLOTS && mask[s] {
            s += 1;
        }
        let end = if s == SLOTS { "24:00".to_string() } else { slot_start(s) };
        out.push(format!("{}-{end}", slot_start(start)));
    }
    out
}

/// Opening hours of all offices as written to `forecast.json`: office → weekday → intervals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpeningTable(pub BTreeMap<String, BTreeMap<String, WeekdayHours>>);

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeekdayHours {
    pub hours: Vec<String>,
    pub source: &'static str,
}

impl OpeningTable {
    pub fn new(offices: &BTreeMap<String, OfficeOpening>) -> OpeningTable {
        let names = ["1-mon", "2-tue", "3-wed", "4-thu", "5-fri", "6-sat", "7-sun"];
        OpeningTable(
            offices
                .iter()
                .map(|(id, o)| {
                    let week = (0..7)
                        .map(|w| {
                            let hours = WeekdayHours { hours: intervals(&o.week[w]), source: o.source[w] };
                            (names[w].to_string(), hours)
                        })
                        .collect();
                    (id.clone(), week)
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(slots: &[usize]) -> DayCounts {
        let mut c = [0.0; SLOTS];
        slots.iter().for_each(|&s| c[s] = 1.0);
        c
    }

    #[test]
    fn majority_slots_of_open_days_are_open() {
        // Three Mondays open: slot 32 always, 33 on 2 of 3 (> 0.6), 34 once; one Monday is a
        // holiday with tickets that must not count; Tuesdays never open.
        let (a, b, c, hol, empty) = (day(&[32, 33, 34]), day(&[32, 33]), day(&[32]), day(&[50]), day(&[]));
        let obs = |w, closed, counts| ObservedDay { weekday: w, calendar_closed: closed, counts };
        let days = [
            obs(Weekday::Mon, false, &a),
            obs(Weekday::Mon, false, &b),
            obs(Weekday::Mon, false, &c),
            obs(Weekday::Mon, true, &hol),
            obs(Weekday::Tue, false, &empty),
            obs(Weekday::Tue, false, &empty),
        ];
        let week = learn(&days, 0.6);
        let open: Vec<usize> = (0..SLOTS).filter(|&s| week[0][s]).collect();
        assert_eq!(open, [32, 33]);
        assert!(week[1].iter().all(|&o| !o));
        assert_eq!(intervals(&week[0]), ["08:00-08:30"]);
    }

    #[test]
    fn overrides_replace_a_weekday_and_bad_ones_are_named() {
        let o = |w: &str, h: &[&str]| OpeningOverride {
            office: "a".into(),
            weekday: w.into(),
            hours: h.iter().map(|s| s.to_string()).collect(),
        };
        let learned = [[true; SLOTS]; 7];
        let got = with_overrides("a", learned, &[o("sat", &["09:00-12:30", "23:45-24:00"]), o("Sun", &[])])
            .unwrap();
        assert_eq!(intervals(&got.week[5]), ["09:00-12:30", "23:45-24:00"]);
        assert_eq!((got.source[5], got.source[0]), ("settings", "learned"));
        assert!(got.week[6].iter().all(|&x| !x));
        assert_eq!(with_overrides("b", learned, &[o("sat", &[])]).unwrap().source[5], "learned");
        let e = with_overrides("a", learned, &[o("sat", &["09:10-12:00"])]).unwrap_err().to_string();
        assert!(e.contains("09:10-12:00") && e.contains("sat"), "{e}");
        assert!(with_overrides("a", learned, &[o("sonntag", &[])]).is_err());
    }
}
