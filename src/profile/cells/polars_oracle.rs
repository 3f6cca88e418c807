//! The polars expressions the profile used before [`super`]: per-ticket statistics of a cell
//! as lazy group-by aggregations, per service and for all services (`*`). Kept as an
//! independent oracle that the dense aggregation is tested against.

use polars::prelude::*;

use crate::schema::{Channel, Outcome, col};

use super::ALL_SERVICES;

/// Quantiles are linear interpolation between closest ranks (Hyndman–Fan type 7, the default
/// of numpy and pandas): q-quantile of sorted x₀…xₙ₋₁ is at position q·(n−1).
pub const QUANTILE_METHOD: QuantileMethod = QuantileMethod::Linear;

/// Aggregations of one cell. `service_level_s`: the wait threshold of the service level.
pub fn ticket_aggs(service_level_s: f64, with_outcomes: bool) -> Vec<Expr> {
    let wait_min = || col(col::WAIT_S).cast(DataType::Float64) / lit(60.0);
    let count = |c: &str, v: &str| col(c).eq(lit(v.to_string())).sum().cast(DataType::UInt32).alias(v);
    let mut aggs = vec![len().cast(DataType::UInt32).alias("tickets")];
    if with_outcomes {
        aggs.extend([
            count(col::CHANNEL, Channel::WalkIn.as_str()),
            count(col::CHANNEL, Channel::Appointment.as_str()),
            count(col::OUTCOME, Outcome::Served.as_str()),
            count(col::OUTCOME, Outcome::NoShow.as_str()),
            count(col::OUTCOME, Outcome::Cancelled.as_str()),
        ]);
    }
    let called = col(col::WAIT_S).count();
    aggs.extend([
        wait_min().mean().alias("wait_mean_min"),
        wait_min().quantile(lit(0.5), QUANTILE_METHOD).alias("wait_median_min"),
        wait_min().quantile(lit(0.9), QUANTILE_METHOD).alias("wait_p90_min"),
        (col(col::SERVICE_S).cast(DataType::Float64) / lit(60.0)).mean().alias("service_mean_min"),
        when(called.clone().gt(lit(0)))
            .then(
                col(col::WAIT_S)
                    .cast(DataType::Float64)
                    .lt_eq(lit(service_level_s))
                    .sum()
                    .cast(DataType::Float64)
                    / called.cast(DataType::Float64),
            )
            .otherwise(lit(NULL).cast(DataType::Float64))
            .alias("service_level"),
    ]);
    aggs
}

/// Aggregates `tickets` by `keys` (which must not include the service) twice: per service and
/// over all services, stacked, with a `service` key column.
pub fn by_service_and_all(tickets: LazyFrame, keys: &[&str], aggs: Vec<Expr>) -> PolarsResult<LazyFrame> {
    let mut per_service: Vec<Expr> = vec![col(keys[0]), col(col::SERVICE)];
    per_service.extend(keys[1..].iter().map(|k| col(*k)));
    let per = tickets.clone().group_by(per_service).agg(aggs.clone());
    let all = tickets
        .group_by(keys.iter().map(|k| col(*k)).collect::<Vec<_>>())
        .agg(aggs)
        .with_column(lit(ALL_SERVICES).alias(col::SERVICE));
    let order: Vec<Expr> = per.clone().collect_schema()?.iter_names().map(|n| col(n.clone())).collect();
    concat([per, all.select(order)], UnionArgs::default())
}
