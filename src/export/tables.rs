//! The planners' tables of a generation, rendered by their stages: profile tables (suppressed),
//! the arrival forecast and its backtest, the staffing and what-if tables with rows of fewer
//! than k tickets suppressed (on the typed rows, see [`crate::output::Suppressible`]).
//!
//! Left out on purpose: `slot_wait_backtest.csv` (one row per office-date-slot, which can rest
//! on a single ticket); only its summary figures are in the report.

use crate::export::run::{Computed, RunError};
use crate::output::OutputFile;

/// Name in the generation of a forecast file (the backtest is `arrival_backtest` there).
fn forecast_name(file: &str) -> String {
    let file =
        file.strip_prefix("backtest").map_or(file.to_string(), |rest| format!("arrival_backtest{rest}"));
    format!("tables/forecast/{file}")
}

/// Every table file of the generation, named as published, in the order they are listed.
pub(crate) fn table_files(c: &Computed, k: u32) -> Result<Vec<OutputFile>, RunError> {
    let under = |dir: &str, files: Vec<OutputFile>| {
        files
            .into_iter()
            .map(move |f| OutputFile { name: format!("tables/{dir}/{}", f.name), ..f })
            .collect::<Vec<_>>()
    };
    let mut files = under("profile", crate::profile::profile_files(&c.profile)?);
    files.extend(
        crate::forecast::forecast_files(&c.forecast)?
            .into_iter()
            .map(|f| OutputFile { name: forecast_name(&f.name), ..f }),
    );
    files.extend(under("staffing", crate::planning::public_staffing_files(&c.staffing, k)?));
    files.extend(under("whatif", crate::planning::whatif_files(&c.whatif, Some(k))?));
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_forecast_backtest_is_published_as_arrival_backtest() {
        assert_eq!(forecast_name("backtest.csv"), "tables/forecast/arrival_backtest.csv");
        assert_eq!(forecast_name("backtest.json"), "tables/forecast/arrival_backtest.json");
        assert_eq!(forecast_name("arrivals.parquet"), "tables/forecast/arrivals.parquet");
    }
}
