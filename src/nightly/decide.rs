//! The nightly job's two decisions, as pure functions of what the store, the model file and
//! the last run say: retrain or reuse the model, and publish a new generation or not.
//! Both look only at data (stored days, hashes), never at the wall clock, so a killed run
//! and its rerun decide the same.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Why the model is (re)trained or reused; recorded in the run's state and summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum ModelDecision {
    Train { reason: String },
    Reuse { reason: String },
}

impl ModelDecision {
    pub fn trains(&self) -> bool {
        matches!(self, ModelDecision::Train { .. })
    }

    pub fn reason(&self) -> &str {
        match self {
            ModelDecision::Train { reason } | ModelDecision::Reuse { reason } => reason,
        }
    }
}

/// What is known of the model currently at the model path.
#[derive(Debug, Clone, PartialEq)]
pub struct CurrentModel {
    /// Last day of its training window.
    pub trained_to: NaiveDate,
    /// Its MAE at issue (minutes) on its own held-out days, from the quality gate.
    pub reference_mae: Option<f64>,
}

/// When to retrain.
#[derive(Debug, Clone, PartialEq)]
pub struct RetrainRule {
    /// Retrain when the store holds this many days past the model's training window.
    pub every_days: u32,
    /// Retrain when the MAE at issue on the days since training exceeds the model's own by
    /// this factor.
    pub drift_ratio: f64,
}

/// Decides whether to train. `newest_day` is the newest stored day; `recent_mae` the current
/// model's MAE at issue on the stored days after its window (None when not measured).
pub fn model_decision(
    rule: &RetrainRule,
    current: Option<&CurrentModel>,
    newest_day: NaiveDate,
    recent_mae: Option<f64>,
) -> ModelDecision {
    let Some(model) = current else {
        return ModelDecision::Train { reason: "no model yet".into() };
    };
    let age = (newest_day - model.trained_to).num_days();
    if age >= i64::from(rule.every_days) {
        return ModelDecision::Train {
            reason: format!(
                "due: {age} new days since the model's window ended {} (retrain every {} days)",
                model.trained_to, rule.every_days
            ),
        };
    }
    if let (Some(recent), Some(reference)) = (recent_mae, model.reference_mae)
        && recent > rule.drift_ratio * reference
    {
        return ModelDecision::Train {
            reason: format!(
                "drift: MAE at issue {recent:.2} min on the last {age} days, over {:.2} × its own {reference:.2} min",
                rule.drift_ratio
            ),
        };
    }
    let drift = match (recent_mae, model.reference_mae) {
        (Some(recent), Some(reference)) => {
            format!("; MAE at issue {recent:.2} min vs its own {reference:.2} min")
        }
        _ => String::new(),
    };
    ModelDecision::Reuse {
        reason: format!(
            "current: window ends {}, {age} new days (retrain at {}){drift}",
            model.trained_to, rule.every_days
        ),
    }
}

/// Whether a new generation is needed: only when its inputs changed since the generation
/// the last successful run published (and that generation is still current).
pub fn needs_publish(inputs: &str, last_published: Option<&str>, current_matches: bool) -> bool {
    !(current_matches && last_published == Some(inputs))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    const RULE: RetrainRule = RetrainRule { every_days: 7, drift_ratio: 1.25 };

    #[test]
    fn no_model_trains() {
        assert!(model_decision(&RULE, None, day("2025-12-30"), None).trains());
    }

    #[test]
    fn a_week_of_new_days_trains_and_fewer_reuse() {
        let m = CurrentModel { trained_to: day("2025-12-23"), reference_mae: Some(2.0) };
        let d = model_decision(&RULE, Some(&m), day("2025-12-30"), Some(2.1));
        assert!(d.trains(), "{d:?}");
        assert!(d.reason().starts_with("due: 7 new days"), "{}", d.reason());
        let d = model_decision(&RULE, Some(&m), day("2025-12-29"), Some(2.1));
        assert!(!d.trains(), "{d:?}");
        assert!(d.reason().contains("6 new days"), "{}", d.reason());
    }

    #[test]
    fn drift_above_the_ratio_trains() {
        let m = CurrentModel { trained_to: day("2025-12-27"), reference_mae: Some(2.0) };
        assert!(
            !model_decision(&RULE, Some(&m), day("2025-12-30"), Some(2.5)).trains(),
            "2.5 = 1.25 × 2.0 is not over"
        );
        let d = model_decision(&RULE, Some(&m), day("2025-12-30"), Some(2.51));
        assert!(d.trains());
        assert!(d.reason().starts_with("drift"), "{}", d.reason());
        // Without a measurement there is no drift decision.
        assert!(!model_decision(&RULE, Some(&m), day("2025-12-30"), None).trains());
    }

    #[test]
    fn publishes_only_when_inputs_changed_or_current_moved() {
        assert!(needs_publish("a", None, false));
        assert!(needs_publish("a", Some("b"), true));
        assert!(!needs_publish("a", Some("a"), true));
        assert!(needs_publish("a", Some("a"), false), "current no longer the published generation");
    }
}
