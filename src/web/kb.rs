//! The current matcher, swapped when the knowledge base changes: a watcher
//! polls the KB files, and the reload button asks for it directly. A KB that
//! fails to load leaves the previous matcher in place, and the error shown.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime};

use crate::matcher::Matcher;

/// Builds a matcher from the KB as it is on disk now; the error is a
/// message for the reviewers.
pub type Loader = Arc<dyn Fn() -> Result<Matcher, String> + Send + Sync>;

/// How often the watcher looks at the KB files.
const POLL: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, Default)]
pub struct KbStatus {
    pub loaded_at: String,
    pub entries: usize,
    pub semantic: bool,
    /// The last reload's failure, when the KB on disk does not load.
    pub error: Option<String>,
}

#[derive(Clone)]
pub struct KbHandle {
    current: Arc<RwLock<Arc<Matcher>>>,
    status: Arc<RwLock<KbStatus>>,
    loader: Loader,
    /// One reload at a time.
    reloading: Arc<tokio::sync::Mutex<()>>,
    /// The KB files' fingerprint at the last reload.
    seen: Arc<Mutex<Option<Fingerprint>>>,
}

impl KbHandle {
    pub fn new(matcher: Matcher, loader: Loader) -> KbHandle {
        let status = KbStatus {
            loaded_at: crate::review::now_rfc3339(),
            entries: matcher.kb().entries.len(),
            semantic: matcher.is_semantic(),
            error: None,
        };
        KbHandle {
            current: Arc::new(RwLock::new(Arc::new(matcher))),
            status: Arc::new(RwLock::new(status)),
            loader,
            reloading: Arc::new(tokio::sync::Mutex::new(())),
            seen: Arc::new(Mutex::new(None)),
        }
    }

    /// The matcher to use now.
    pub fn matcher(&self) -> Arc<Matcher> {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn status(&self) -> KbStatus {
        self.status
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Loads the KB again (on a blocking thread) and swaps the matcher in.
    pub async fn reload(&self) -> Result<KbStatus, String> {
        let _one = self.reloading.lock().await;
        let loader = self.loader.clone();
        let loaded = tokio::task::spawn_blocking(move || loader())
            .await
            .unwrap_or_else(|e| Err(format!("loading the knowledge base failed: {e}")));
        let mut status = self.status.write().unwrap_or_else(|p| p.into_inner());
        match loaded {
            Ok(matcher) => {
                status.loaded_at = crate::review::now_rfc3339();
                status.entries = matcher.kb().entries.len();
                status.semantic = matcher.is_semantic();
                status.error = None;
                *self.current.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(matcher);
                Ok(status.clone())
            }
            Err(e) => {
                status.error = Some(e.clone());
                Err(e)
            }
        }
    }
}

/// Polls the KB directory and reloads when its files change.
pub async fn watch(kb: KbHandle, dir: PathBuf) {
    let first = fingerprint_blocking(dir.clone()).await;
    *kb.seen.lock().unwrap_or_else(|p| p.into_inner()) = Some(first);
    loop {
        tokio::time::sleep(POLL).await;
        let now = fingerprint_blocking(dir.clone()).await;
        let changed = {
            let mut seen = kb.seen.lock().unwrap_or_else(|p| p.into_inner());
            let changed = seen.as_ref() != Some(&now);
            *seen = Some(now);
            changed
        };
        if changed {
            match kb.reload().await {
                Ok(s) => eprintln!("knowledge base reloaded: {} entries", s.entries),
                Err(e) => eprintln!("warning: knowledge base not reloaded: {e}"),
            }
        }
    }
}

async fn fingerprint_blocking(dir: PathBuf) -> Fingerprint {
    tokio::task::spawn_blocking(move || fingerprint(&dir))
        .await
        .unwrap_or_default()
}

/// The names, sizes and modification times of the KB's files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fingerprint(Vec<(PathBuf, u64, Option<SystemTime>)>);

pub fn fingerprint(dir: &Path) -> Fingerprint {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(read) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in read.flatten() {
            let path = e.path();
            let Ok(meta) = e.metadata() else { continue };
            if meta.is_dir() {
                if !e.file_name().to_string_lossy().starts_with('.') {
                    stack.push(path);
                }
            } else {
                files.push((path, meta.len(), meta.modified().ok()));
            }
        }
    }
    files.sort();
    Fingerprint(files)
}
