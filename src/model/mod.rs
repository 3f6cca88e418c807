//! Wait-time models: "when will my number be called?". Features from the queue replay
//! (no look-ahead), baseline rules and learned predictors behind one trait, conformal
//! quantiles, the notification alarm, a rolling-origin backtest, and the model file.

pub mod backtest;
pub mod conformal;
pub mod dataset;
pub mod features;
pub mod file;
pub mod gbm;
pub mod history;
pub mod linear;
pub mod metrics;
pub mod predict;
pub mod predictors;
pub mod run;

#[cfg(test)]
mod tests;
