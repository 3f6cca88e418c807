//! `queuecast serve`: the HTTP API for the citizens' app.
//!
//! It serves the current export generation (forecasts, profiles, best times, services) and
//! the live queue of each office, fed by its ticket system's events, with each waiting
//! ticket's ETA from the wait-time model through the one prediction function. New
//! generations and model files are picked up without a restart; live events are kept in
//! per-day logs that `ingest` reads and a restart replays.
//!
//! Files: `state` (what requests read), `reload` (hot swap), `generation` (the export's
//! documents as served), `cache` (ETags), `events` and `live` (the live queue), `daylog`,
//! `queues` (shared counters), `eta` and `now` (live answers), `routes` and `live_routes`
//! (handlers), `router`, `problem` (RFC 9457), `openapi`, `clock`.

pub mod cache;
pub mod clock;
pub mod daylog;
pub mod error;
pub mod eta;
pub mod events;
pub mod generation;
pub mod live;
pub mod live_routes;
pub mod now;
pub mod openapi;
pub mod problem;
pub mod queues;
pub mod reload;
pub mod router;
pub mod routes;
pub mod state;

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::ServeError;
pub use state::{AppState, ServeConfig};

/// A running server.
pub struct Server {
    /// The address it listens on (the port is the real one when 0 was asked for).
    pub addr: SocketAddr,
    pub state: AppState,
    shutdown: watch::Sender<bool>,
    http: JoinHandle<std::io::Result<()>>,
    reload: JoinHandle<()>,
}

impl Server {
    /// Loads the current generation (which must pass verification) and the model file (if
    /// it loads; the server is not ready without one), rebuilds today's live queues from the
    /// day logs, binds and starts serving. Call within a tokio runtime.
    pub async fn start(cfg: ServeConfig, clock: Arc<dyn Clock>) -> Result<Server, ServeError> {
        let exports = cfg.exports.clone();
        let generation = tokio::task::spawn_blocking(move || {
            generation::current_dir(&exports).and_then(|dir| generation::load_generation(&dir))
        })
        .await??;
        let path = cfg.model.clone();
        let model = match tokio::task::spawn_blocking(move || state::load_model(&path)).await? {
            Ok(m) => Some(m),
            Err(e) => {
                let error = crate::errors::chain(&e);
                tracing::warn!(%error, "no model loaded; ETAs wait for a model file");
                None
            }
        };
        tracing::info!(generation = %generation.id, model = ?model.as_ref().map(|m| &m.info.id), "loaded");
        let (shutdown, shutdown_rx) = watch::channel(false);
        let addr = cfg.addr;
        let state = AppState::new(cfg, clock, Some(generation), model, shutdown_rx.clone())?;
        let listener =
            tokio::net::TcpListener::bind(addr).await.map_err(|source| ServeError::Bind { addr, source })?;
        let addr = listener.local_addr()?;
        let app = router::router(state.clone());
        let mut stop = shutdown_rx;
        let http = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stop.wait_for(|s| *s).await;
                })
                .await
        });
        let reload = tokio::spawn(reload::reload_loop(state.clone()));
        tracing::info!(%addr, "listening");
        Ok(Server { addr, state, shutdown, http, reload })
    }

    /// Stops accepting connections, ends event streams, and waits for requests in flight.
    pub async fn stop(self) -> Result<(), ServeError> {
        self.shutdown.send_replace(true);
        let _ = self.reload.await;
        Ok(self.http.await??)
    }
}

/// Runs a server until SIGINT or SIGTERM, then shuts it down gracefully.
pub fn run(cfg: ServeConfig) -> Result<(), ServeError> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let server = Server::start(cfg, Arc::new(SystemClock)).await?;
        println!("queuecast serve: listening on http://{}", server.addr);
        wait_for_signal().await;
        tracing::info!("shutting down");
        server.stop().await
    })
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
