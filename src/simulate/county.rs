//! Offices beyond the eight presets: a county of up to [`MAX_OFFICES`] generated offices.
//!
//! Office 9 onwards is drawn from its own position by a fixed rule (a ChaCha8 stream seeded
//! from the position only, not from the simulation seed), so office `k` has the same size,
//! counters, opening hours and service mix in every run, whatever the seed or office count.
//! Together with the per-(office, day) random streams this makes the first offices of a large
//! county exactly the offices of a small run.

use std::borrow::Cow;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::offices::{Hours, OfficeKind, OfficePreset, PRESETS, Staffing, hm};

/// Most offices one simulation can have (ids are numbered with three digits).
pub const MAX_OFFICES: u32 = crate::settings::MAX_SIMULATED_OFFICES;

/// Service mix of a Bürgerbüro before the per-office variation (PA RP AB AN MB FZ KFZ FS).
const BB_BASE: [f64; 8] = [0.28, 0.08, 0.22, 0.22, 0.10, 0.07, 0.0, 0.03];
/// Service mix of a road-traffic office before the per-office variation.
const RT_BASE: [f64; 8] = [0.0, 0.0, 0.03, 0.0, 0.0, 0.0, 0.70, 0.27];

/// The first `n` offices: the presets, then generated offices (`n` ≤ [`MAX_OFFICES`]).
pub fn roster(n: u32) -> Vec<OfficePreset> {
    (0..n as usize).map(office).collect()
}

/// Office at position `index` (0-based): a preset for the first eight, generated after that.
pub fn office(index: usize) -> OfficePreset {
    match PRESETS.get(index) {
        Some(preset) => preset.clone(),
        None => generated(index),
    }
}

/// A generated office: about one in five is a road-traffic office; walk-in demand is
/// log-uniform between 9 and 45 per hour (85 offices draw about ten million tickets in two
/// years), and counters follow demand as in the presets.
fn generated(index: usize) -> OfficePreset {
    let mut rng = ChaCha8Rng::seed_from_u64(0x434F_554E_5459_0000 ^ index as u64); // "COUNTY"
    let kind = if rng.random::<f64>() < 0.2 { OfficeKind::RoadTraffic } else { OfficeKind::Buergerbuero };
    let walk_ins_per_hour = 9.0 * 5f64.powf(rng.random::<f64>());
    // Walk-ins per counter and hour in the presets: ~3.3 in Bürgerbüros, ~2.65 in road traffic.
    let per_counter = match kind {
        OfficeKind::Buergerbuero => 3.3,
        OfficeKind::RoadTraffic => 2.65,
    } * rng.random_range(0.9..1.1);
    let full = ((walk_ins_per_hour / per_counter).round() as u32).max(2);
    let lunch = ((f64::from(full) * 0.6).round() as u32).max(1);
    let late = ((f64::from(full) * 0.55).round() as u32).max(1);
    let saturday_open = kind == OfficeKind::Buergerbuero && rng.random::<f64>() < 0.25;
    let hours = opening_hours(&mut rng, saturday_open);
    let appointment_share = rng.random_range(0.2..0.35);
    let base = match kind {
        OfficeKind::Buergerbuero => BB_BASE,
        OfficeKind::RoadTraffic => RT_BASE,
    };
    let mix = base.map(|w| if w > 0.0 { w * rng.random_range(0.75..1.25) } else { 0.0 });
    let prefix = match kind {
        OfficeKind::Buergerbuero => "bb",
        OfficeKind::RoadTraffic => "kfz",
    };
    OfficePreset {
        id: Cow::Owned(format!("{prefix}-{:03}", index + 1)),
        kind,
        hours,
        staffing: Staffing { full, lunch, late, saturday: if saturday_open { lunch } else { 0 } },
        walk_ins_per_hour,
        appointment_share,
        mix,
    }
}

/// Opening hours Monday … Sunday: one opening time for the week, afternoons until 15:00–16:00
/// on Monday and Tuesday, a short or a full Wednesday, a long Thursday, Friday mornings, and
/// Saturday mornings where the office opens then.
fn opening_hours(rng: &mut ChaCha8Rng, saturday_open: bool) -> [Option<Hours>; 7] {
    let opens = [hm(7, 0), hm(7, 30), hm(8, 0), hm(8, 30)][rng.random_range(0..4)];
    let afternoon = [hm(15, 0), hm(15, 30), hm(16, 0)][rng.random_range(0..3)];
    let wednesday = [hm(12, 30), hm(13, 0), afternoon][rng.random_range(0..3)];
    let thursday = [hm(17, 30), hm(18, 0)][rng.random_range(0..2)];
    let friday = [hm(12, 0), hm(12, 30)][rng.random_range(0..2)];
    let day = |close| Some(Hours { open: opens, close });
    let saturday = saturday_open.then_some(Hours { open: hm(9, 0), close: hm(12, 30) });
    [day(afternoon), day(afternoon), day(wednesday), day(thursday), day(friday), saturday, None]
}

#[cfg(test)]
mod tests {
    use chrono::Weekday;

    use super::*;

    #[test]
    fn the_first_eight_are_the_presets_and_the_rest_do_not_depend_on_the_count() {
        let county = roster(85);
        assert_eq!(county.len(), 85);
        assert_eq!(&county[..8], &PRESETS[..]);
        assert_eq!(roster(20)[..], county[..20]);
        assert_eq!(county[8].id, "bb-009");
        assert_eq!(office(84), county[84]);
    }

    #[test]
    fn generated_ids_are_unique_and_valid_office_ids() {
        let county = roster(MAX_OFFICES);
        let mut ids: Vec<&str> = county.iter().map(|o| &*o.id).collect();
        assert!(ids.iter().all(|id| id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')));
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), MAX_OFFICES as usize);
    }

    #[test]
    fn generated_offices_keep_the_preset_rules() {
        let county = roster(MAX_OFFICES);
        let generated = &county[PRESETS.len()..];
        for o in generated {
            assert!(o.hours_on(Weekday::Sun).is_none(), "{}", o.id);
            assert!(o.hours_on(Weekday::Thu).is_some_and(|h| h.close >= hm(17, 30)), "{}", o.id);
            assert!(o.hours.iter().flatten().all(|h| h.open < h.close && h.close <= hm(20, 0)));
            assert!((9.0..45.0).contains(&o.walk_ins_per_hour), "{}", o.id);
            let s = &o.staffing;
            assert!(s.full >= 2 && s.lunch >= 1 && s.lunch <= s.full && s.late >= 1, "{}", o.id);
            assert_eq!(s.saturday > 0, o.hours_on(Weekday::Sat).is_some(), "{}", o.id);
            let kfz_fs = (o.mix[6] + o.mix[7]) / o.mix.iter().sum::<f64>();
            assert_eq!(kfz_fs > 0.9, o.kind == OfficeKind::RoadTraffic, "{}", o.id);
            assert!(o.id.starts_with(if o.kind == OfficeKind::RoadTraffic { "kfz-" } else { "bb-" }));
        }
        // The rule varies what it should: both kinds, several opening times, small and large.
        let road = generated.iter().filter(|o| o.kind == OfficeKind::RoadTraffic).count();
        assert!((100..300).contains(&road), "{road} road-traffic offices of {}", generated.len());
        let opens: std::collections::BTreeSet<u32> =
            generated.iter().filter_map(|o| o.hours_on(Weekday::Mon)).map(|h| h.open).collect();
        assert_eq!(opens.len(), 4);
        assert!(
            generated.iter().any(|o| o.staffing.full >= 9) && generated.iter().any(|o| o.staffing.full <= 3)
        );
        assert!(generated.iter().any(|o| o.hours_on(Weekday::Sat).is_some()));
    }
}
