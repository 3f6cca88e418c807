//! Hot reload: every `reload_seconds` the server looks at where `current` points and at the
//! model file's size and time; a new generation is verified and loaded off the request
//! threads, then swapped in with one atomic store (requests in flight keep the one they
//! started with). A generation that fails verification, or a model that does not load, is
//! refused with a log line and the old one stays. The same tick closes the day at midnight.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::errors::chain;
use crate::serve::generation::{current_dir, load_generation};
use crate::serve::state::{AppState, FileStamp, load_model};

/// What the reloader last refused, so a bad file is reported once, not every tick.
#[derive(Debug, Default)]
pub struct Refused {
    generation: Option<PathBuf>,
    model: Option<FileStamp>,
}

/// Runs until shutdown.
pub async fn reload_loop(state: AppState) {
    let mut shutdown = state.shutdown.clone();
    let mut tick = tokio::time::interval(Duration::from_secs(state.cfg.serve.reload_seconds));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut refused = Refused::default();
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = shutdown.changed() => return,
        }
        reload_once(&state, &mut refused).await;
    }
}

/// One look at the generation, the model and the date.
pub async fn reload_once(state: &AppState, refused: &mut Refused) {
    check_generation(state, refused).await;
    check_model(state, refused).await;
    let today = state.today();
    for id in state.office_ids() {
        if let Some(office) = state.office(&id) {
            let cfg = state.live_cfg.clone();
            let result = tokio::task::spawn_blocking(move || office.roll(today, &cfg)).await;
            if let Ok(Err(e)) = result {
                tracing::error!(office = %id, error = %chain(&e), "closing the day log failed");
            }
        }
    }
}

async fn check_generation(state: &AppState, refused: &mut Refused) {
    let dir = match current_dir(&state.cfg.exports) {
        Ok(dir) => dir,
        Err(e) => {
            tracing::warn!(error = %chain(&e), "no current export generation; keeping the loaded one");
            return;
        }
    };
    let loaded = state.generation.load_full();
    if loaded.as_ref().is_some_and(|g| g.dir == dir) || refused.generation.as_ref() == Some(&dir) {
        return;
    }
    let target = dir.clone();
    match tokio::task::spawn_blocking(move || load_generation(&target)).await {
        Ok(Ok(g)) => {
            tracing::info!(generation = %g.id, offices = g.offices.len(), "export generation loaded");
            state.generation.store(Some(Arc::new(g)));
            refused.generation = None;
            add_offices(state);
        }
        Ok(Err(e)) => {
            let kept = loaded.map_or("none".to_string(), |g| g.id.clone());
            tracing::warn!(error = %chain(&e), kept = %kept, "export generation refused; keeping the loaded one");
            refused.generation = Some(dir);
        }
        Err(e) => tracing::error!(error = %e, "generation loader panicked"),
    }
}

async fn check_model(state: &AppState, refused: &mut Refused) {
    let path = state.cfg.model.clone();
    let Some(stamp) = FileStamp::of(&path) else { return };
    let loaded = state.model.load_full();
    if loaded.as_ref().is_some_and(|m| m.stamp == stamp) || refused.model == Some(stamp) {
        return;
    }
    match tokio::task::spawn_blocking(move || load_model(&path)).await {
        Ok(Ok(m)) => {
            tracing::info!(model = %m.info.id, trained_to = %m.info.trained_to, "model loaded");
            state.model.store(Some(Arc::new(m)));
            state.model_changed.send_modify(|v| *v += 1);
            refused.model = None;
            add_offices(state);
        }
        Ok(Err(e)) => {
            let kept = loaded.map_or("none".to_string(), |m| m.info.id.clone());
            tracing::warn!(error = %chain(&e), kept = %kept, "model file refused; keeping the loaded one");
            refused.model = Some(stamp);
        }
        Err(e) => tracing::error!(error = %e, "model loader panicked"),
    }
}

fn add_offices(state: &AppState) {
    if let Err(e) = state.add_known_offices() {
        tracing::error!(error = %chain(&e), "starting the live queue of a new office failed");
    }
}
