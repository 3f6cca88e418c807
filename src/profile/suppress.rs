//! Small-cell suppression for public tables: a cell with fewer than k tickets keeps its keys
//! and a `suppressed` flag, every value is nulled, so no single visit can be read back.

use polars::prelude::*;

/// Columns that describe the office rather than the cell, kept even when suppressed.
const OFFICE_LEVEL: [&str; 1] = ["open_days"];

/// Nulls all non-key columns of cells with `tickets < k` and adds `suppressed`.
pub fn suppress(df: DataFrame, k: u32, keys: &[&str]) -> PolarsResult<DataFrame> {
    let schema = df.schema().clone();
    let small = col("suppressed");
    let masked: Vec<Expr> = schema
        .iter()
        .filter(|(name, _)| !keys.contains(&name.as_str()) && !OFFICE_LEVEL.contains(&name.as_str()))
        .map(|(name, dtype)| {
            when(small.clone())
                .then(lit(NULL).cast(dtype.clone()))
                .otherwise(col(name.clone()))
                .alias(name.clone())
        })
        .collect();
    df.lazy().with_column(col("tickets").lt(lit(k)).alias("suppressed")).with_columns(masked).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_cells_lose_their_values_but_keep_keys() {
        let df = df!(
            "office_id" => ["a", "a"],
            "hour" => [8, 9],
            "open_days" => [10u32, 10],
            "tickets" => [4u32, 5],
            "wait_mean_min" => [3.5, 7.0],
        )
        .unwrap();
        let out = suppress(df, 5, &["office_id", "hour"]).unwrap();
        let tickets: Vec<Option<u32>> = out.column("tickets").unwrap().u32().unwrap().iter().collect();
        assert_eq!(tickets, [None, Some(5)]);
        let wait: Vec<Option<f64>> = out.column("wait_mean_min").unwrap().f64().unwrap().iter().collect();
        assert_eq!(wait, [None, Some(7.0)]);
        let flag: Vec<Option<bool>> = out.column("suppressed").unwrap().bool().unwrap().iter().collect();
        assert_eq!(flag, [Some(true), Some(false)]);
        let hours: Vec<Option<i32>> = out.column("hour").unwrap().i32().unwrap().iter().collect();
        assert_eq!(hours, [Some(8), Some(9)]);
        assert_eq!(out.column("open_days").unwrap().u32().unwrap().get(0), Some(10));
    }
}
