//! Sentence embeddings: a local all-MiniLM-L6-v2-style model run with candle.
//!
//! candle and tokenizers never leave this module: the rest of the crate sees
//! [`Model`], plain `Vec<f32>` vectors and [`EmbedError`]. Vectors are
//! mean-pooled over the tokens and L2-normalised, so the dot product of two
//! vectors is their cosine similarity.
//!
//! Nothing here touches the network except [`install::from_hub`], which only
//! `vetted model install` calls.

mod cache;
pub mod install;

use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use sha2::{Digest, Sha256};
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationParams};

pub use cache::{Cache, CacheOutcome};

/// The files a model directory must hold.
pub const MODEL_FILES: [&str; 3] = ["config.json", "tokenizer.json", "model.safetensors"];
/// Sentences embedded per forward pass.
const BATCH: usize = 32;
/// Longer inputs are truncated (the model was trained on 256 word pieces).
const MAX_TOKENS: usize = 256;

#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    #[error("cannot read `{path}`: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{path}` is not a usable model file: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("the embedding model failed: {0}")]
    Run(String),
    #[error("cannot write the embedding cache `{path}`: {source}")]
    WriteCache {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot download `{url}`: {message}")]
    Download { url: String, message: String },
}

/// A unit-length sentence embedding.
pub type Vector = Vec<f32>;

/// Cosine similarity of two unit vectors.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// A loaded sentence-embedding model.
pub struct Model {
    bert: BertModel,
    tokenizer: Tokenizer,
    dir: PathBuf,
    fingerprint: String,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("dir", &self.dir)
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive()
    }
}

fn invalid(path: &Path, message: impl ToString) -> EmbedError {
    EmbedError::Invalid {
        path: path.to_owned(),
        message: message.to_string(),
    }
}

fn read(path: &Path) -> Result<Vec<u8>, EmbedError> {
    std::fs::read(path).map_err(|source| EmbedError::Read {
        path: path.to_owned(),
        source,
    })
}

fn run_error(e: impl std::fmt::Display) -> EmbedError {
    EmbedError::Run(e.to_string())
}

impl Model {
    /// Loads the model in `dir` (`config.json`, `tokenizer.json`,
    /// `model.safetensors`).
    pub fn load(dir: &Path) -> Result<Model, EmbedError> {
        let config_path = dir.join("config.json");
        let config_bytes = read(&config_path)?;
        let config: Config =
            serde_json::from_slice(&config_bytes).map_err(|e| invalid(&config_path, e))?;

        let tokenizer_path = dir.join("tokenizer.json");
        let tokenizer_bytes = read(&tokenizer_path)?;
        let mut tokenizer =
            Tokenizer::from_bytes(&tokenizer_bytes).map_err(|e| invalid(&tokenizer_path, e))?;
        tokenizer.with_padding(Some(PaddingParams {
            strategy: PaddingStrategy::BatchLongest,
            ..PaddingParams::default()
        }));
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: MAX_TOKENS,
                ..TruncationParams::default()
            }))
            .map_err(|e| invalid(&tokenizer_path, e))?;

        let weights_path = dir.join("model.safetensors");
        let weights = read(&weights_path)?;
        let fingerprint = fingerprint(&config_bytes, &tokenizer_bytes, &weights);
        let device = Device::Cpu;
        let bert = {
            let vb = VarBuilder::from_buffered_safetensors(weights, DType::F32, &device)
                .map_err(|e| invalid(&weights_path, e))?;
            BertModel::load(vb, &config).map_err(|e| invalid(&weights_path, e))?
        };
        Ok(Model {
            bert,
            tokenizer,
            dir: dir.to_owned(),
            fingerprint,
        })
    }

    /// The directory the model was loaded from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Identifies the model's weights and tokenizer (keys the cache).
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// Embeds `texts` (each distinct text once), in batches of similar
    /// length.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vector>, EmbedError> {
        let mut unique: Vec<&str> = texts.to_vec();
        unique.sort_by_key(|t| (t.len(), *t));
        unique.dedup();
        let mut vectors: std::collections::HashMap<&str, Vector> =
            std::collections::HashMap::with_capacity(unique.len());
        for batch in unique.chunks(BATCH) {
            vectors.extend(batch.iter().copied().zip(self.embed_batch(batch)?));
        }
        Ok(texts.iter().map(|t| vectors[t].clone()).collect())
    }

    fn embed_batch(&self, texts: &[&str]) -> Result<Vec<Vector>, EmbedError> {
        let encodings = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(run_error)?;
        let rows = encodings.len();
        let len = encodings.first().map_or(0, |e| e.get_ids().len());
        if rows == 0 || len == 0 {
            return Ok(vec![Vec::new(); rows]);
        }
        let flat = |f: &dyn Fn(&tokenizers::Encoding) -> &[u32]| -> Vec<u32> {
            encodings
                .iter()
                .flat_map(|e| f(e).iter().copied())
                .collect()
        };
        let device = &self.bert.device;
        let ids = Tensor::from_vec(flat(&|e| e.get_ids()), (rows, len), device);
        let types = Tensor::from_vec(flat(&|e| e.get_type_ids()), (rows, len), device);
        let mask = Tensor::from_vec(flat(&|e| e.get_attention_mask()), (rows, len), device);
        let (ids, types, mask) = (
            ids.map_err(run_error)?,
            types.map_err(run_error)?,
            mask.map_err(run_error)?,
        );
        let pooled = (|| {
            let hidden = self.bert.forward(&ids, &types, Some(&mask))?;
            let mask = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
            let summed = hidden.broadcast_mul(&mask)?.sum(1)?;
            let counts = mask.sum(1)?.clamp(1e-9, f64::MAX)?;
            summed.broadcast_div(&counts)?.to_vec2::<f32>()
        })()
        .map_err(run_error)?;
        Ok(pooled.into_iter().map(normalized).collect())
    }
}

fn normalized(mut v: Vector) -> Vector {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
    v
}

/// Hashes the configuration, the tokenizer and the weights. The weights are
/// sampled (their header plus 64 spread-out 4 KiB blocks), which tells models
/// apart without hashing 90 MB on every run.
fn fingerprint(config: &[u8], tokenizer: &[u8], weights: &[u8]) -> String {
    let mut h = Sha256::new();
    // How this module runs the model (pooling, activation), versioned.
    h.update(b"vetted-embed-1: mean pooling, 256 tokens");
    h.update(config);
    h.update(tokenizer);
    h.update((weights.len() as u64).to_le_bytes());
    let block = 4096.min(weights.len());
    let head = weights.len().min(64 * 1024);
    h.update(&weights[..head]);
    let samples = 64;
    let span = weights.len().saturating_sub(block);
    for i in 0..=samples {
        let at = span * i / samples;
        h.update(&weights[at..at + block]);
    }
    hex(&h.finalize()[..12])
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Where `vetted` keeps installed models and caches: `VETTED_HOME`, else
/// `$XDG_DATA_HOME/vetted`, else `~/.local/share/vetted`.
pub fn home_dir() -> Option<PathBuf> {
    let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    if let Some(dir) = var("VETTED_HOME") {
        return Some(PathBuf::from(dir));
    }
    if let Some(dir) = var("XDG_DATA_HOME") {
        return Some(PathBuf::from(dir).join("vetted"));
    }
    var("HOME").map(|h| PathBuf::from(h).join(".local/share/vetted"))
}

/// The name of the default model's directory under `<home>/models/`.
pub const DEFAULT_MODEL: &str = "all-MiniLM-L6-v2";

/// Where `vetted model install` puts the default model.
pub fn default_model_dir() -> Option<PathBuf> {
    home_dir().map(|h| h.join("models").join(DEFAULT_MODEL))
}

/// Whether `dir` holds every file of a model.
pub fn is_model_dir(dir: &Path) -> bool {
    MODEL_FILES.iter().all(|f| dir.join(f).is_file())
}
