//! Sentence embeddings: a local all-MiniLM-L6-v2-style model run with candle.
//!
//! candle and tokenizers never leave this module: the rest of the crate sees
//! [`Model`], plain `Vec<f32>` vectors and [`EmbedError`]. Vectors are
//! mean-pooled over the tokens and L2-normalised, so the dot product of two
//! vectors is their cosine similarity.
//!
//! Nothing here touches the network except [`install::from_hub`], which only
//! `vetted model install` calls.

mod bert;
mod bf16;
mod cache;
pub mod install;
mod safetensors;

use std::path::{Path, PathBuf};

use candle_transformers::models::bert::Config;
use sha2::{Digest, Sha256};
use tokenizers::{Tokenizer, TruncationParams};

pub use cache::{Cache, CacheOutcome};

/// The files a model directory must hold.
pub const MODEL_FILES: [&str; 3] = ["config.json", "tokenizer.json", "model.safetensors"];
/// Tokens (padding included) per forward pass: long enough for efficient
/// matrix products, short enough for little padding.
const BATCH_TOKENS: usize = 256;
/// Threads embedding batches at once (each one's matrix products may also
/// use candle's threads).
const MAX_THREADS: usize = 2;
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

/// Vectors of one dimension as the rows of a matrix, to compare many vectors
/// with all of them at once (a matrix product instead of a loop of dot
/// products).
pub struct Matrix {
    rows: candle_core::Tensor,
    len: usize,
}

impl Matrix {
    pub fn new(rows: &[&[f32]]) -> Result<Matrix, EmbedError> {
        let dim = rows.first().map_or(0, |v| v.len());
        if rows.iter().any(|v| v.len() != dim) {
            return Err(run_error("vectors of different dimensions"));
        }
        let flat: Vec<f32> = rows.iter().flat_map(|v| v.iter().copied()).collect();
        Matrix::from_flat(flat, rows.len(), dim)
    }

    /// A matrix of `rows` rows of `dim` values, given row after row.
    pub fn from_flat(values: Vec<f32>, rows: usize, dim: usize) -> Result<Matrix, EmbedError> {
        if values.len() != rows * dim {
            return Err(run_error("a matrix with the wrong number of values"));
        }
        Ok(Matrix {
            rows: candle_core::Tensor::from_vec(values, (rows, dim), &candle_core::Device::Cpu)
                .map_err(run_error)?,
            len: rows,
        })
    }

    /// The transpose: row `j` holds value `j` of every row.
    pub fn transposed(&self) -> Result<Matrix, EmbedError> {
        let rows = self
            .rows
            .t()
            .and_then(|t| t.contiguous())
            .map_err(run_error)?;
        let len = rows.dims().first().copied().unwrap_or(0);
        Ok(Matrix { rows, len })
    }

    /// The matrix product of `self` and the matrix of `cols` columns whose
    /// `values` are given row after row (as many rows as `self` has
    /// columns), row after row.
    pub fn times(&self, values: Vec<f32>, cols: usize) -> Result<Vec<f32>, EmbedError> {
        let inner = self.rows.dims().get(1).copied().unwrap_or(0);
        if self.len == 0 || values.len() != inner * cols {
            return Err(run_error("matrices that do not multiply"));
        }
        let other = Matrix::from_flat(values, inner, cols)?;
        flattened(self.rows.matmul(&other.rows))
    }

    /// The dot product of each row of `self` with each row of `other`:
    /// one run of `other`'s row count per row of `self`.
    pub fn products(&self, other: &Matrix) -> Result<Vec<f32>, EmbedError> {
        if self.len == 0 || other.len == 0 {
            return Ok(Vec::new());
        }
        flattened(other.rows.t().and_then(|t| self.rows.matmul(&t)))
    }

    /// The dot product (for unit vectors: the cosine) of each of `vectors`
    /// with each row: `vectors.len()` runs of one value per row.
    pub fn similarities(&self, vectors: &[&[f32]]) -> Result<Vec<f32>, EmbedError> {
        if vectors.is_empty() || self.len == 0 {
            return Ok(Vec::new());
        }
        Matrix::new(vectors)?.products(self)
    }
}

/// A product's values, row after row.
fn flattened(product: candle_core::Result<candle_core::Tensor>) -> Result<Vec<f32>, EmbedError> {
    product
        .and_then(|m| m.flatten_all())
        .and_then(|m| m.to_vec1::<f32>())
        .map_err(run_error)
}

/// A loaded sentence-embedding model.
pub struct Model {
    bert: bert::Bert,
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
        // Batches are padded here, to lengths the tokenizer does not know.
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: MAX_TOKENS,
                ..TruncationParams::default()
            }))
            .map_err(|e| invalid(&tokenizer_path, e))?;

        let weights_path = dir.join("model.safetensors");
        let mut weights =
            safetensors::Weights::open(&weights_path).map_err(|e| invalid(&weights_path, e))?;
        let fingerprint =
            fingerprint(&config_bytes, &tokenizer_bytes, &mut weights).map_err(|source| {
                EmbedError::Read {
                    path: weights_path.clone(),
                    source,
                }
            })?;
        let bert = bert::Bert::load(&mut weights, &config, precision())
            .map_err(|e| invalid(&weights_path, e))?;
        // The two arithmetics give vectors a little apart: each keeps its
        // own cache, so a question is never compared with a KB phrasing
        // embedded the other way.
        let fingerprint = match bert.precision() {
            bert::Precision::Bf16 => format!("{fingerprint}-bf16"),
            bert::Precision::F32 => fingerprint,
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
    /// length, on up to [`MAX_THREADS`] threads.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vector>, EmbedError> {
        let mut unique: Vec<&str> = texts.to_vec();
        unique.sort_unstable();
        unique.dedup();
        let encodings = self
            .tokenizer
            .encode_batch(unique.clone(), true)
            .map_err(run_error)?;
        let ids: Vec<&[u32]> = encodings.iter().map(|e| e.get_ids()).collect();
        let batches = batches(&ids);
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(MAX_THREADS)
            .min(batches.len());
        // Batches go out longest first to whichever thread is free.
        let next = std::sync::atomic::AtomicUsize::new(0);
        let work = || -> Result<Vec<(usize, Vector)>, EmbedError> {
            let mut done = Vec::new();
            loop {
                let b = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(batch) = batches.get(b) else {
                    return Ok(done);
                };
                let seqs: Vec<&[u32]> = batch.iter().map(|&i| ids[i]).collect();
                let pooled = self.bert.pooled(&seqs).map_err(run_error)?;
                done.extend(
                    batch
                        .iter()
                        .copied()
                        .zip(pooled.into_iter().map(normalized)),
                );
            }
        };
        // Each worker multiplies matrices on its own thread: candle would
        // otherwise split every product over a shared pool the other worker
        // also waits on (on two cores: CAIQ fill 1.19 s against 1.28-1.40 s, and
        // steadier).
        let serial = || -> Result<Vec<(usize, Vector)>, EmbedError> {
            rayon::ThreadPoolBuilder::new()
                .num_threads(1)
                .build()
                .map_err(run_error)?
                .install(work)
        };
        let parts: Vec<Result<Vec<(usize, Vector)>, EmbedError>> = if threads <= 1 {
            vec![work()]
        } else {
            std::thread::scope(|scope| {
                let handles: Vec<_> = (0..threads).map(|_| scope.spawn(serial)).collect();
                handles
                    .into_iter()
                    .map(|h| {
                        h.join()
                            .unwrap_or_else(|_| Err(run_error("an embedding thread panicked")))
                    })
                    .collect()
            })
        };
        let mut vectors: Vec<Vector> = vec![Vec::new(); unique.len()];
        for part in parts {
            for (i, v) in part? {
                vectors[i] = v;
            }
        }
        let position: std::collections::HashMap<&str, usize> =
            unique.iter().enumerate().map(|(i, t)| (*t, i)).collect();
        Ok(texts.iter().map(|t| vectors[position[t]].clone()).collect())
    }
}

/// Groups sequences (by index) into batches of similar length, longest
/// first: padding costs as much as real tokens.
fn batches(ids: &[&[u32]]) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..ids.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(ids[i].len()));
    let mut out: Vec<Vec<usize>> = Vec::new();
    for i in order {
        match out.last_mut() {
            // The batch's first sequence is its longest.
            Some(b) if (b.len() + 1) * ids[b[0]].len() <= BATCH_TOKENS => b.push(i),
            _ => out.push(vec![i]),
        }
    }
    out
}

fn normalized(mut v: Vector) -> Vector {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
    v
}

/// The arithmetic asked of the encoder's dense products: bfloat16 (about a
/// third faster whole-process; used where the CPU has AVX-512 BF16), unless
/// `VETTED_PRECISION=f32`.
fn precision() -> bert::Precision {
    if std::env::var("VETTED_PRECISION").is_ok_and(|v| v.eq_ignore_ascii_case("f32")) {
        bert::Precision::F32
    } else {
        bert::Precision::Bf16
    }
}

/// Hashes the configuration, the tokenizer and the weights. The weights are
/// sampled (their header plus 64 spread-out 4 KiB blocks), which tells models
/// apart without hashing 90 MB on every run.
fn fingerprint(
    config: &[u8],
    tokenizer: &[u8],
    weights: &mut safetensors::Weights,
) -> std::io::Result<String> {
    let mut h = Sha256::new();
    // How this module runs the model (pooling, activation), versioned.
    h.update(b"vetted-embed-1: mean pooling, 256 tokens");
    h.update(config);
    h.update(tokenizer);
    let len = weights.len();
    h.update(len.to_le_bytes());
    let mut head = vec![0u8; len.min(64 * 1024) as usize];
    weights.read_at(0, &mut head)?;
    h.update(&head);
    let mut block = vec![0u8; len.min(4096) as usize];
    let samples = 64;
    let span = len - block.len() as u64;
    for i in 0..=samples {
        weights.read_at(span * i / samples, &mut block)?;
        h.update(&block);
    }
    Ok(hex(&h.finalize()[..12]))
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
