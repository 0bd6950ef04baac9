//! The review web UI and its JSON API (`vetted serve`): axum on tokio.
//!
//! - [`router`] builds the whole application from an [`AppState`], so tests
//!   drive it with `tower::ServiceExt::oneshot`, without sockets.
//! - [`run`] binds and serves until Ctrl-C (or SIGTERM).
//!
//! Invariant: axum, tokio and tower types never leave this module. The store
//! (SQLite) is reached only through [`crate::review::Store`], always on a
//! blocking thread; matching also runs on a blocking thread.

mod api;
mod error;
mod kb;
mod pages;
mod security;
mod throttle;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

pub use api::MAX_UPLOAD_QUESTIONS;
pub use error::AppError;
pub use kb::{KbHandle, Loader};

use crate::matcher::Matcher;
use crate::review::Store;

/// How the server runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// The shared access token; required when not bound to loopback.
    pub token: Option<String>,
    /// Largest accepted upload, in bytes.
    pub max_upload: usize,
    /// The knowledge-base directory, watched for changes.
    pub kb_dir: PathBuf,
}

/// Everything the handlers share.
#[derive(Clone)]
pub struct AppState {
    pub(crate) store: Arc<Mutex<Store>>,
    pub(crate) kb: KbHandle,
    pub(crate) config: Arc<Config>,
    /// One learning run at a time: it edits the KB files.
    pub(crate) learning: Arc<tokio::sync::Mutex<()>>,
    /// Uploads drafted at once: one per core.
    pub(crate) drafting: Arc<tokio::sync::Semaphore>,
    /// Wrong access tokens per client address.
    pub(crate) throttle: Arc<throttle::Throttle>,
}

impl AppState {
    /// `matcher` is the current KB's matcher; `loader` builds a new one when
    /// the KB changes.
    pub fn new(store: Store, matcher: Matcher, loader: Loader, config: Config) -> AppState {
        AppState {
            store: Arc::new(Mutex::new(store)),
            kb: KbHandle::new(matcher, loader),
            config: Arc::new(config),
            learning: Arc::new(tokio::sync::Mutex::new(())),
            throttle: Arc::new(throttle::Throttle::default()),
            drafting: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(1, |n| n.get()),
            )),
        }
    }

    /// Runs `f` on the store, on a blocking thread.
    pub(crate) async fn db<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> Result<T, crate::review::StoreError> + Send + 'static,
    {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = store.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut guard)
        })
        .await
        .map_err(|e| AppError::Internal(format!("store task failed: {e}")))?
        .map_err(AppError::from)
    }
}

/// The application: pages, static files and the JSON API, behind the access
/// check, the CSRF check and the security headers.
pub fn router(state: AppState) -> Router {
    let upload_limit = state.config.max_upload + 64 * 1024;
    let api = Router::new()
        .route(
            "/questionnaires",
            get(api::list)
                .post(api::upload)
                .layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route(
            "/questionnaires/{id}",
            get(api::get).patch(api::update).delete(api::delete),
        )
        .route(
            "/questionnaires/{id}/questions/{index}/decision",
            post(api::decide).delete(api::undo),
        )
        .route("/questionnaires/{id}/accept-auto", post(api::accept_auto))
        .route("/questionnaires/{id}/learn", post(api::learn))
        .route("/questionnaires/{id}/export", get(api::export))
        .route("/questionnaires/{id}/report", get(api::export_report))
        .route("/kb", get(api::kb_status))
        .route("/kb/reload", post(api::kb_reload))
        .route("/kb/proposals", get(api::proposals))
        .route(
            "/kb/proposals/{id}",
            axum::routing::delete(api::reject_proposal),
        )
        .route("/kb/proposals/{id}/accept", post(api::accept_proposal))
        .route(
            "/kb/import",
            post(api::kb_import).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .fallback(api::not_found)
        .method_not_allowed_fallback(api::method_not_allowed);
    Router::new()
        .route("/", get(pages::home))
        .route("/login", get(pages::login_form).post(pages::login))
        .route("/logout", post(pages::logout))
        .route("/questionnaires/{id}", get(pages::review))
        .route(
            "/questionnaires/{id}/questions/{index}",
            get(pages::question_fragment),
        )
        .route("/entries/{id}", get(pages::entry))
        .route("/inbox", get(pages::inbox))
        .route("/static/app.css", get(pages::css))
        .route("/static/app.js", get(pages::js))
        .nest("/api", api)
        .fallback(pages::not_found)
        .method_not_allowed_fallback(pages::method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::guard,
        ))
        .layer(axum::middleware::from_fn(security::headers))
        .layer(DefaultBodyLimit::max(1024 * 1024))
        .with_state(state)
}

/// Why the server could not run.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot start the server runtime: {0}")]
    Runtime(std::io::Error),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("server error: {0}")]
    Serve(std::io::Error),
}

/// Binds to `addr` and serves until Ctrl-C or SIGTERM. `ready` is called
/// with the bound address once listening. Watches the KB for changes.
pub fn run(
    state: AppState,
    addr: SocketAddr,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), ServeError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(ServeError::Runtime)?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| ServeError::Bind { addr, source })?;
        let bound = listener.local_addr().unwrap_or(addr);
        tokio::spawn(kb::watch(state.kb.clone(), state.config.kb_dir.clone()));
        ready(bound);
        let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown())
            .await
            .map_err(ServeError::Serve)
    })
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
