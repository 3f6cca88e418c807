//! `queuecast evaluate`: the backtest's metrics for a given model file on stored days, through
//! the same feature builder, predictors and calibrators `predict` uses.

use chrono::NaiveDate;

use crate::model::backtest::BacktestResult;
use crate::model::file::ModelFile;
use crate::model::outcomes::score_days;
use crate::replay::day_ranges;
use crate::store::columns::TicketColumns;

/// Scores every predictor of `model` on the office-days of `cols` from `from` to `to`
/// (inclusive), at the model's notice; `None` when the model's timezone is unknown (a
/// loaded model file never has one).
pub fn evaluate(
    model: &ModelFile,
    cols: &TicketColumns,
    from: NaiveDate,
    to: NaiveDate,
) -> Option<BacktestResult> {
    let tz = model.tz()?;
    let ctx = crate::model::predict::model_context(model, tz);
    let days: Vec<_> = day_ranges(cols).into_iter().filter(|r| r.date >= from && r.date <= to).collect();
    let every = (model.settings.snapshot_min * 60_000.0) as i64;
    let (test, quantiles) = score_days(cols, &days, &ctx, every, |d| {
        model.predictors.iter().map(|p| p.predictor.predict(d)).collect()
    });
    let mut result =
        BacktestResult::new(model.predictors.iter().map(|p| p.name.clone()), model.settings.notice_min);
    result.push(cols, test, quantiles);
    result.score();
    Some(result)
}
