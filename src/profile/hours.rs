//! The public weekday × hour cells of one office over all services, as typed values: what the
//! app's office file shows of the profile.

use polars::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::profile::cells::ALL_SERVICES;
use crate::profile::{ProfileError, ProfileTable};
use crate::schema::col;

/// One weekday × hour cell; every value is `None` (null) in a suppressed cell. The office
/// files carry these cells and the API serves them.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
pub struct HourCell {
    /// ISO weekday, 1 = Monday.
    pub weekday: Option<i64>,
    pub hour: Option<i64>,
    pub suppressed: bool,
    pub open_days: Option<f64>,
    pub tickets: Option<f64>,
    pub tickets_per_open_day: Option<f64>,
    pub wait_mean_min: Option<f64>,
    pub wait_median_min: Option<f64>,
    pub wait_p90_min: Option<f64>,
    /// Share of called tickets that waited at most the service-level minutes.
    pub service_level: Option<f64>,
    pub avg_waiting: Option<f64>,
    pub utilisation: Option<f64>,
}

impl HourCell {
    /// The cell with `f` applied to every value (keys and flag unchanged).
    pub fn map_values(&self, f: impl Fn(f64) -> Option<f64>) -> HourCell {
        let f = |v: Option<f64>| v.and_then(&f);
        HourCell {
            open_days: f(self.open_days),
            tickets: f(self.tickets),
            tickets_per_open_day: f(self.tickets_per_open_day),
            wait_mean_min: f(self.wait_mean_min),
            wait_median_min: f(self.wait_median_min),
            wait_p90_min: f(self.wait_p90_min),
            service_level: f(self.service_level),
            avg_waiting: f(self.avg_waiting),
            utilisation: f(self.utilisation),
            ..*self
        }
    }
}

/// The all-services cells of `office` from a weekday × hour table, by weekday and hour. A cell
/// without a `suppressed` value counts as suppressed.
pub fn office_hours(weekday_hour: &ProfileTable, office: &str) -> Result<Vec<HourCell>, ProfileError> {
    let df = weekday_hour
        .frame()
        .clone()
        .lazy()
        .filter(col(col::OFFICE_ID).eq(lit(office)).and(col(col::SERVICE).eq(lit(ALL_SERVICES))))
        .sort([col::WEEKDAY, col::HOUR], Default::default())
        .collect()?;
    let int = |name: &str| -> PolarsResult<Vec<Option<i64>>> {
        Ok(df.column(name)?.cast(&DataType::Int64)?.i64()?.iter().collect())
    };
    let float = |name: &str| -> PolarsResult<Vec<Option<f64>>> {
        Ok(df.column(name)?.cast(&DataType::Float64)?.f64()?.iter().collect())
    };
    let (weekday, hour) = (int(col::WEEKDAY)?, int(col::HOUR)?);
    let suppressed: Vec<Option<bool>> = df.column("suppressed")?.bool()?.iter().collect();
    let (open_days, tickets, per_day) =
        (float("open_days")?, float("tickets")?, float("tickets_per_open_day")?);
    let (mean, median, p90) = (float("wait_mean_min")?, float("wait_median_min")?, float("wait_p90_min")?);
    let (level, waiting, utilisation) =
        (float("service_level")?, float("avg_waiting")?, float("utilisation")?);
    Ok((0..df.height())
        .map(|i| HourCell {
            weekday: weekday[i],
            hour: hour[i],
            suppressed: suppressed[i].unwrap_or(true),
            open_days: open_days[i],
            tickets: tickets[i],
            tickets_per_open_day: per_day[i],
            wait_mean_min: mean[i],
            wait_median_min: median[i],
            wait_p90_min: p90[i],
            service_level: level[i],
            avg_waiting: waiting[i],
            utilisation: utilisation[i],
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::tables::CELL_KEYS_WEEKDAY_HOUR;

    /// The values the office file shows, besides keys and flag.
    const VALUES: [&str; 9] = [
        "open_days",
        "tickets",
        "tickets_per_open_day",
        "wait_mean_min",
        "wait_median_min",
        "wait_p90_min",
        "service_level",
        "avg_waiting",
        "utilisation",
    ];

    /// A weekday_hour table as profile computes it after suppression (k = 5): one small cell.
    fn table() -> ProfileTable {
        let mut df = df!(
            "office_id" => ["a", "a", "b"],
            "service" => ["*", "*", "*"],
            "weekday" => [1i32, 1, 1],
            "hour" => [9i32, 8, 8],
            "suppressed" => [true, false, false],
        )
        .unwrap();
        for name in VALUES {
            let v: Vec<Option<f64>> = vec![None, Some(12.345), Some(1.0)];
            df.with_column(Column::new(name.into(), v)).unwrap();
        }
        ProfileTable::new("weekday_hour", &CELL_KEYS_WEEKDAY_HOUR, df).unwrap()
    }

    #[test]
    fn cells_of_one_office_in_order_with_nulls_for_suppressed() {
        let cells = office_hours(&table(), "a").unwrap();
        assert_eq!(cells.len(), 2);
        assert_eq!((cells[0].hour, cells[0].suppressed, cells[0].tickets), (Some(8), false, Some(12.345)));
        assert_eq!((cells[1].hour, cells[1].suppressed), (Some(9), true));
        assert_eq!(
            cells[1],
            HourCell { weekday: Some(1), hour: Some(9), suppressed: true, ..Default::default() }
        );
    }
}
