//! On-disk cache of knowledge-base embeddings.
//!
//! One file per model (named by its fingerprint) maps the SHA-256 of each
//! embedded text to its vector, so a run only embeds the phrasings that
//! changed since the last one. The file is rewritten atomically; an unreadable
//! or foreign file is treated as empty and replaced.
//!
//! Layout: `VTEMB001`, dimension (u32 LE), count (u32 LE), then per vector
//! the 32-byte key and `dimension` f32 LE values.
//!
//! Beside it, values made from the vectors ([`Cache::derived`]: the question
//! bank's topic classifier) live in files with the same name and another
//! extension, each under the hash of what they were made from.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::{EmbedError, Model, Vector};

const MAGIC: &[u8; 8] = b"VTEMB001";
const DERIVED_MAGIC: &[u8; 8] = b"VTDER001";
/// Vectors kept from texts no longer asked for (other KBs, older versions).
const KEEP_STALE: usize = 50_000;

type Key = [u8; 32];

/// How a [`Cache::embed`] call went.
#[derive(Debug, Default)]
pub struct CacheOutcome {
    pub hits: usize,
    pub misses: usize,
    /// The cache could not be updated (the vectors are still returned).
    pub write_error: Option<EmbedError>,
}

/// The embedding cache for one model.
#[derive(Debug, Clone)]
pub struct Cache {
    path: PathBuf,
}

impl Cache {
    /// The cache file for `model` in `dir`.
    pub fn new(dir: &Path, model: &Model) -> Cache {
        Cache {
            path: dir.join(format!("{}.emb", model.fingerprint())),
        }
    }

    /// The cache file for `model` in `$VETTED_HOME/cache` (see
    /// [`super::home_dir`]), when a home can be told.
    pub fn in_home(model: &Model) -> Option<Cache> {
        super::home_dir().map(|h| Cache::new(&h.join("cache"), model))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Embeds `texts`, taking what it can from the cache and adding the rest.
    pub fn embed(
        &self,
        model: &Model,
        texts: &[&str],
    ) -> Result<(Vec<Vector>, CacheOutcome), EmbedError> {
        let (dim, mut stored) = self.read().unwrap_or_default();
        let keys: Vec<Key> = texts.iter().map(|t| key(t)).collect();
        let missing: Vec<usize> = (0..texts.len())
            .filter(|&i| !stored.contains_key(&keys[i]))
            .collect();
        let mut outcome = CacheOutcome {
            hits: texts.len() - missing.len(),
            misses: missing.len(),
            write_error: None,
        };
        if !missing.is_empty() {
            let fresh = model.embed(&missing.iter().map(|&i| texts[i]).collect::<Vec<_>>())?;
            let new_dim = fresh.first().map_or(dim, Vec::len);
            if new_dim != dim {
                stored.clear();
            }
            for (&i, v) in missing.iter().zip(fresh) {
                stored.insert(keys[i], v);
            }
            outcome.write_error = self.write(new_dim, &stored, &keys).err();
        }
        let vectors = keys.iter().map(|k| stored[k].clone()).collect();
        Ok((vectors, outcome))
    }

    /// Values made from the model's vectors of `made_from` (a classifier
    /// fitted on them; the first text may name the recipe), kept beside the
    /// vectors in a file with the extension `kind`: read back when they were
    /// made from the same texts and `usable` takes them, else made with
    /// `make` and written. A write that fails is reported in the second
    /// value; the values are still returned.
    pub fn derived(
        &self,
        kind: &str,
        made_from: &[&str],
        usable: impl Fn(&[f32]) -> bool,
        make: impl FnOnce() -> Result<Vec<f32>, EmbedError>,
    ) -> Result<(Vec<f32>, Option<EmbedError>), EmbedError> {
        let path = self.path.with_extension(kind);
        let mut hash = Sha256::new();
        for text in made_from {
            hash.update(text.as_bytes());
            hash.update([0]);
        }
        let key: Key = hash.finalize().into();
        let key = &key;
        if let Some(values) = read_derived(&path, key).filter(|v| usable(v)) {
            return Ok((values, None));
        }
        let values = make()?;
        let mut out = Vec::with_capacity(8 + 32 + 4 + 4 * values.len());
        out.extend_from_slice(DERIVED_MAGIC);
        out.extend_from_slice(key);
        out.extend_from_slice(&(values.len() as u32).to_le_bytes());
        push_floats(&mut out, &values);
        let written = write_atomically(&path, &out).err();
        Ok((values, written))
    }

    fn read(&self) -> Option<(usize, HashMap<Key, Vector>)> {
        let bytes = std::fs::read(&self.path).ok()?;
        let rest = bytes.strip_prefix(MAGIC)?;
        let u32_at = |at: usize| -> Option<usize> {
            Some(u32::from_le_bytes(rest.get(at..at + 4)?.try_into().ok()?) as usize)
        };
        let (dim, count) = (u32_at(0)?, u32_at(4)?);
        let record = 32 + 4 * dim;
        let body = rest.get(8..)?;
        if dim == 0 || body.len() != record.checked_mul(count)? {
            return None;
        }
        let map = body
            .chunks_exact(record)
            .map(|r| {
                let key: Key = r[..32].try_into().expect("32-byte key");
                (key, floats(&r[32..]))
            })
            .collect();
        Some((dim, map))
    }

    /// Writes the vectors for `wanted` plus up to [`KEEP_STALE`] others.
    fn write(
        &self,
        dim: usize,
        stored: &HashMap<Key, Vector>,
        wanted: &[Key],
    ) -> Result<(), EmbedError> {
        let wanted_set: std::collections::HashSet<&Key> = wanted.iter().collect();
        let mut keys: Vec<&Key> = wanted_set.iter().copied().collect();
        keys.extend(
            stored
                .keys()
                .filter(|k| !wanted_set.contains(k))
                .take(KEEP_STALE),
        );
        let mut out = Vec::with_capacity(16 + keys.len() * (32 + 4 * dim));
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(dim as u32).to_le_bytes());
        out.extend_from_slice(&(keys.len() as u32).to_le_bytes());
        for k in keys {
            out.extend_from_slice(k);
            push_floats(&mut out, &stored[k]);
        }
        write_atomically(&self.path, &out)
    }
}

/// `VTDER001`, the key, the count (u32 LE), then the f32 LE values.
fn read_derived(path: &Path, key: &[u8; 32]) -> Option<Vec<f32>> {
    let bytes = std::fs::read(path).ok()?;
    let rest = bytes.strip_prefix(DERIVED_MAGIC)?.strip_prefix(key)?;
    let count = u32::from_le_bytes(rest.get(..4)?.try_into().ok()?) as usize;
    let body = rest.get(4..)?;
    if body.len() != count.checked_mul(4)? {
        return None;
    }
    Some(floats(body))
}

/// f32 LE values, as written by [`push_floats`].
fn floats(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes(b.try_into().expect("4 bytes")))
        .collect()
}

fn push_floats(out: &mut Vec<u8>, values: &[f32]) {
    for x in values {
        out.extend_from_slice(&x.to_le_bytes());
    }
}

/// Writes `bytes` to `path` through a temporary file beside it, so a reader
/// never sees half a file.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), EmbedError> {
    let error = |source| EmbedError::WriteCache {
        path: path.to_owned(),
        source,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(error)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(error)?;
    tmp.write_all(bytes).map_err(error)?;
    tmp.persist(path).map_err(|e| error(e.error))?;
    Ok(())
}

fn key(text: &str) -> Key {
    Sha256::digest(text.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_values_are_made_once_for_the_same_texts() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache {
            path: dir.path().join("model.emb"),
        };
        let made = std::cell::Cell::new(0);
        let get = |texts: &[&str], value: f32| {
            let (values, written) = cache
                .derived(
                    "topics",
                    texts,
                    |_| true,
                    || {
                        made.set(made.get() + 1);
                        Ok(vec![value, 2.0])
                    },
                )
                .unwrap();
            assert!(written.is_none());
            values
        };
        assert_eq!(get(&["recipe", "a", "b"], 1.0), [1.0, 2.0]);
        // Read back, not made again.
        assert_eq!(get(&["recipe", "a", "b"], 3.0), [1.0, 2.0]);
        // Other texts (texts are kept apart: "a", "b" is not "ab") make them
        // again, and replace them.
        assert_eq!(get(&["recipe", "ab"], 3.0), [3.0, 2.0]);
        assert_eq!(get(&["recipe", "a", "b"], 4.0), [4.0, 2.0]);
        assert_eq!(made.get(), 3);
        let path = dir.path().join("model.topics");
        assert!(path.is_file());
        // A damaged file is made again.
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
        let (values, _) = cache
            .derived("topics", &["recipe", "a", "b"], |_| true, || Ok(vec![5.0]))
            .unwrap();
        assert_eq!(values, [5.0]);
        // Values read back that the caller cannot use are made again, and
        // replace the file.
        let above_five = |value: f32| {
            let (values, _) = cache
                .derived(
                    "topics",
                    &["recipe", "a", "b"],
                    |v| v[0] > 5.0,
                    || Ok(vec![value]),
                )
                .unwrap();
            values
        };
        assert_eq!(above_five(6.0), [6.0]);
        assert_eq!(above_five(7.0), [6.0]);
    }
}
