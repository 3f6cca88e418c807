//! What the arrival backtest and the forecast share: one office's counted history with its
//! calendar, usable days, method parameters and opening-hour settings.

use crate::forecast::ForecastError;
use crate::forecast::arrivals::{MethodParams, Series};
use crate::forecast::calendar_days::{Calendar, DayInfo};
use crate::forecast::calendar_model::ModelParams;
use crate::forecast::history::{ArrivalHistory, DayCounts, OfficeArrivals, total};
use crate::forecast::opening::{self, ObservedDay, OfficeOpening, Overrides};
use crate::settings::ForecastSettings;

/// One office's history with its calendar and the parameters to forecast it.
#[derive(Debug, Clone)]
pub struct OfficeInputs {
    pub office: String,
    pub groups: Vec<String>,
    /// `counts[group][day]`.
    pub counts: Vec<Vec<DayCounts>>,
    /// Calendar of each history day.
    pub days: Vec<DayInfo>,
    /// Calendar open and tickets issued: the days averages and fits use.
    pub usable: Vec<bool>,
    pub params: MethodParams,
    overrides: Overrides,
    opening_weeks: usize,
    opening_share: f64,
}

impl OfficeInputs {
    pub fn new(
        h: OfficeArrivals,
        history: &ArrivalHistory,
        calendar: &Calendar,
        settings: &ForecastSettings,
    ) -> Result<OfficeInputs, ForecastError> {
        let days: Vec<DayInfo> =
            (0..history.days).map(|i| calendar.day(&h.office, history.date(i))).collect();
        let usable = days.iter().zip(&h.counts[0]).map(|(d, c)| !d.closed() && total(c) > 0.0).collect();
        Ok(OfficeInputs {
            overrides: opening::parse_overrides(&h.office, &settings.opening_hours)?,
            office: h.office,
            groups: h.groups,
            counts: h.counts,
            days,
            usable,
            params: method_params(settings),
            opening_weeks: settings.opening_weeks as usize,
            opening_share: settings.opening_share,
        })
    }

    /// Opening hours learned from the weeks before day index `origin`, with the overrides.
    pub fn learn_opening(&self, origin: usize) -> OfficeOpening {
        let end = origin.min(self.days.len());
        let start = end.saturating_sub(7 * self.opening_weeks);
        let observed: Vec<ObservedDay> = (start..end)
            .map(|i| ObservedDay {
                weekday: self.days[i].weekday,
                calendar_closed: self.days[i].closed(),
                counts: &self.counts[0][i],
            })
            .collect();
        opening::apply(opening::learn(&observed, self.opening_share), &self.overrides)
    }

    pub(crate) fn series(&self, group: usize) -> Series<'_> {
        Series { first: self.days[0].date, counts: &self.counts[group], usable: &self.usable }
    }
}

/// Method parameters from the settings (the shape averages twice the baseline's weeks).
pub fn method_params(s: &ForecastSettings) -> MethodParams {
    MethodParams {
        baseline_weeks: s.baseline_weeks as usize,
        shape_weeks: 2 * s.baseline_weeks as usize,
        model: ModelParams {
            halflife_days: 7.0 * s.model_halflife_weeks,
            ridge: s.model_ridge,
            use_month: true,
        },
    }
}
