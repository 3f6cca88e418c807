//! Qmatic Orchestra / Data Connect visit export: one row per visit (its final transaction).
//!
//! | column | becomes |
//! |---|---|
//! | `BRANCH` | `office_id` (branch names usually need `[offices]`) |
//! | `TICKET_ID` | `ticket_id` |
//! | `DELIVERED_SERVICE` | `service` (name → code through `[services]` or the catalog) |
//! | `ENTERED_QUEUE_TIME`, `CALL_TIME`, `END_TIME` | `issued_at`, `called_at`, `finished_at` |
//! | `SERVICE_POINT` | `counter` |
//! | `VISIT_TRANSACTION_OUTCOME` | `outcome` (table below, extend it in `[values.outcome]`) |
//!
//! Times are local wall-clock times in the mapping's `timezone` (default: the settings'
//! zone); set `timezone = "UTC"` for a UTC export. Times with an offset are instants either way.
//! The export has no channel: the mapping must say `channel = "walk_in"` or name a column.
//!
//! Default outcomes (Data Connect `VisitTransactionOutcome`): `NORMAL`, `END_BY_FORCE_LOGOUT`,
//! `ENDED_BY_LOGOUT`, `ENDED_BY_SHIRO_TIMEOUT` → served (the visit was at a counter);
//! `NO_SHOW` → no_show; `REMOVE`, `REMOVE_BY_RESET`, `REMOVE_BY_CUSTOMER`, `REMOVE_BY_PUBLISH`
//! → cancelled. `RECYCLE` and `TRANSFER_*` end one transaction but not the visit: they are not
//! mapped, so such rows are quarantined as `unknown_outcome` instead of counted as visits.

use super::spec::{Columns, MappingFile, Values, VendorFormat};
use super::zms::{many, pairs};

/// What `--format qmatic` assumes.
pub fn preset() -> MappingFile {
    MappingFile {
        format: Some(VendorFormat::Qmatic),
        datetime_format: many(&["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f", "%d.%m.%Y %H:%M:%S"]),
        columns: Columns {
            office_id: many(&["BRANCH", "BRANCH_NAME"]),
            ticket_id: many(&["TICKET_ID"]),
            service: many(&["DELIVERED_SERVICE"]),
            counter: many(&["SERVICE_POINT"]),
            outcome: many(&["VISIT_TRANSACTION_OUTCOME"]),
            issued_at: many(&["ENTERED_QUEUE_TIME"]),
            called_at: many(&["CALL_TIME"]),
            finished_at: many(&["END_TIME"]),
            ..Columns::default()
        },
        values: Values {
            outcome: pairs(&[
                ("NORMAL", "served"),
                ("END_BY_FORCE_LOGOUT", "served"),
                ("ENDED_BY_LOGOUT", "served"),
                ("ENDED_BY_SHIRO_TIMEOUT", "served"),
                ("NO_SHOW", "no_show"),
                ("REMOVE", "cancelled"),
                ("REMOVE_BY_RESET", "cancelled"),
                ("REMOVE_BY_CUSTOMER", "cancelled"),
                ("REMOVE_BY_PUBLISH", "cancelled"),
            ]),
            ..Values::default()
        },
        ..MappingFile::default()
    }
}
