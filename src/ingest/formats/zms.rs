//! ZMS (eappointment) statistics archive, table `buergerarchiv`: one row per visit.
//!
//! | column | becomes |
//! |---|---|
//! | `StandortID` | `office_id` (through `[offices]` when mapped, else as it is) |
//! | `Datum` + `Timestamp` | `issued_at`: local arrival, no offset |
//! | `waiting_time` / `wartezeit` | minutes: `called_at = issued_at + wait` |
//! | `processing_time` / `bearbeitungszeit` | minutes: `finished_at = called_at + processing` |
//! | `mitTermin` | `1` appointment, `0` walk_in |
//! | `nicht_erschienen` | `1` no_show, `0` served |
//! | `dienstleistungen` | first service name → code; `Name +N` counts N more (`service_count`) |
//!
//! Not used: `way_time`/`wegezeit` (walk to the counter, after the call), `is_ticketprinter`
//! (the channel comes from `mitTermin`), `AnzahlPersonen`, `name`. The archive has no ticket
//! number (derived by arrival order, see `sequence`) and no counter (stored empty).

use super::spec::{Columns, MappingFile, Names, Values, VendorFormat};

/// What `--format zms` assumes; a mapping file only adds `[services]` and, if wanted, `[offices]`.
pub fn preset() -> MappingFile {
    MappingFile {
        format: Some(VendorFormat::Zms),
        date_format: many(&["%Y-%m-%d", "%d.%m.%Y"]),
        time_format: many(&["%H:%M:%S", "%H:%M"]),
        columns: Columns {
            office_id: many(&["StandortID", "scope_id"]),
            date: many(&["Datum"]),
            issued_time: many(&["Timestamp", "arrival_timestamp"]),
            wait_minutes: many(&["waiting_time", "wartezeit"]),
            service_minutes: many(&["processing_time", "bearbeitungszeit"]),
            channel: many(&["mitTermin", "mit_termin"]),
            outcome: many(&["nicht_erschienen"]),
            service: many(&["dienstleistungen"]),
            ..Columns::default()
        },
        values: Values {
            channel: pairs(&[("1", "appointment"), ("0", "walk_in")]),
            outcome: pairs(&[("0", "served"), ("1", "no_show")]),
        },
        ..MappingFile::default()
    }
}

pub(super) fn many(names: &[&str]) -> Option<Names> {
    Some(Names::Many(names.iter().map(|s| s.to_string()).collect()))
}

pub(super) fn pairs(p: &[(&str, &str)]) -> std::collections::BTreeMap<String, String> {
    p.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}
