//! What is kept of examples once the predictors have scored them: the truth and the metadata,
//! not the features. Calibration, the gate, metrics and the predictions table read only these,
//! so the days scored (calibration days, backtest weeks, an `evaluate` range) are built and
//! predicted a chunk of office-days at a time ([`score_days`]) and only a chunk's features are
//! ever held: on the county's 10 M tickets the 28 calibration days alone are 0.72 M snapshots.

use crate::model::dataset::{Dataset, ExampleMeta, pick_outcomes};
use crate::model::features::{Context, dataset_with_levels};
use crate::replay::DayRange;
use crate::schema::EpochMs;
use crate::store::columns::TicketColumns;

/// Office-days built and predicted at once: at most a few tens of thousands of snapshots (a
/// day of 64 busy offices), few enough that the features' memory does not grow with the days.
pub const CHUNK_OFFICE_DAYS: usize = 64;

/// The examples' truth (remaining wait in minutes) and metadata, in example order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcomes {
    pub y: Vec<f64>,
    pub meta: Vec<ExampleMeta>,
}

impl Outcomes {
    pub fn len(&self) -> usize {
        self.y.len()
    }

    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }

    /// Appends `other`'s examples.
    pub fn extend(&mut self, other: Outcomes) {
        self.y.extend(other.y);
        self.meta.extend(other.meta);
    }

    /// The examples at `idx`, in that order.
    pub fn select(&self, idx: &[usize]) -> Outcomes {
        let (y, meta) = pick_outcomes(&self.y, &self.meta, idx);
        Outcomes { y, meta }
    }
}

impl From<Dataset> for Outcomes {
    fn from(d: Dataset) -> Outcomes {
        Outcomes { y: d.y, meta: d.meta }
    }
}

/// Builds the examples of every probe of `days` (as [`crate::model::features::dataset_of`]
/// does) a chunk of [`CHUNK_OFFICE_DAYS`] office-days at a time, and hands each chunk to
/// `score`, which returns one column of values per predictor for the chunk's examples. Returns
/// the outcomes and each predictor's values, in the order `dataset_of` would give them.
pub fn score_days<X>(
    cols: &TicketColumns,
    days: &[DayRange],
    ctx: &Context<'_>,
    every_ms: EpochMs,
    score: impl FnMut(&Dataset) -> Vec<Vec<X>>,
) -> (Outcomes, Vec<Vec<X>>) {
    score_in_chunks(cols, days, ctx, every_ms, CHUNK_OFFICE_DAYS, score)
}

fn score_in_chunks<X>(
    cols: &TicketColumns,
    days: &[DayRange],
    ctx: &Context<'_>,
    every_ms: EpochMs,
    chunk: usize,
    mut score: impl FnMut(&Dataset) -> Vec<Vec<X>>,
) -> (Outcomes, Vec<Vec<X>>) {
    // The booking levels of all days at once: each needs a pass over every stored ticket.
    let levels =
        crate::model::booking_level::levels(cols, days, &ctx.history.recent_bookings, &ctx.history.plan);
    let mut outcomes = Outcomes::default();
    let mut values: Vec<Vec<X>> = Vec::new();
    for (part, part_levels) in days.chunks(chunk.max(1)).zip(levels.chunks(chunk.max(1))) {
        let data = dataset_with_levels(cols, part, part_levels, ctx, every_ms, None);
        if data.is_empty() {
            continue;
        }
        let scored = score(&data);
        if values.is_empty() {
            values = scored;
        } else {
            for (all, more) in values.iter_mut().zip(scored) {
                all.extend(more);
            }
        }
        outcomes.extend(data.into());
    }
    (outcomes, values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::features::dataset_of;
    use crate::model::tests::fixture_context;

    /// Chunks of one office-day, three, and all: the same examples, values and order as one
    /// dataset of every day.
    #[test]
    fn scoring_in_chunks_keeps_every_example_in_order() {
        let (cols, ranges, history, offices, services) = fixture_context();
        let ctx = Context {
            history: &history,
            offices: &offices,
            services: &services,
            tz: chrono_tz::Europe::Berlin,
            replay: Default::default(),
        };
        assert!(ranges.len() >= 4, "the fixture needs several office-days, has {}", ranges.len());
        let whole = dataset_of(&cols, &ranges, &ctx, 300_000, None);
        assert!(!whole.is_empty());
        // Two "predictors": the first feature, and the row's place within its chunk.
        let first = whole.column(0).to_vec();
        for chunk in [1, 3, ranges.len()] {
            let (out, values) = score_in_chunks(&cols, &ranges, &ctx, 300_000, chunk, |d| {
                vec![d.column(0).to_vec(), (0..d.len()).map(|i| i as f64).collect()]
            });
            assert_eq!(out, Outcomes::from(whole.clone()), "chunks of {chunk}");
            assert_eq!(values[0], first, "chunks of {chunk}");
            assert_eq!(values[1].len(), whole.len());
            let restarts = values[1].iter().filter(|&&v| v == 0.0).count();
            assert_eq!(restarts, ranges.len().div_ceil(chunk), "chunks of {chunk}");
        }
    }
}
