//! Wait-time models: "when will my number be called?". Features from the queue replay
//! (no look-ahead), baseline rules and learned predictors behind one trait, conformal
//! quantiles, the notification alarm, a rolling-origin backtest, the evaluation of a model
//! file, the quality gate of `train`, and the model file.

pub mod backtest;
pub mod booking_level;
pub mod calibration_days;
pub mod conformal;
pub mod dataset;
pub mod day_plan;
pub mod evaluate;
pub mod features;
pub mod file;
pub mod fluid;
pub mod gate;
pub mod gbm;
pub mod history;
pub mod leaving;
pub mod linear;
pub mod metrics;
pub mod outcomes;
pub mod output;
pub mod params;
pub mod predict;
pub mod predictors;
pub mod run;
pub mod sample;
pub mod train;

#[cfg(test)]
mod tests;
