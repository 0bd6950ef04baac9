//! Reads the f32 tensors of a safetensors file one at a time, straight from
//! the file: the 90 MB of weights are read once and converted once, never
//! held twice.
//!
//! Layout: the header's length (u64 LE), a JSON header naming each tensor's
//! dtype, shape and byte range (relative to the end of the header), then
//! the data, little-endian.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use candle_core::bail;

type Result<T> = candle_core::Result<T>;

/// A header larger than this is not a model's.
const MAX_HEADER: u64 = 16 << 20;

#[derive(serde::Deserialize)]
struct Info {
    dtype: String,
    shape: Vec<usize>,
    data_offsets: [u64; 2],
}

/// An open safetensors file.
pub struct Weights {
    file: File,
    len: u64,
    /// Where the data starts (after the header).
    data: u64,
    tensors: HashMap<String, Info>,
    /// Prepended to every name (`bert.` in some exports).
    prefix: &'static str,
}

impl Weights {
    pub fn open(path: &Path) -> Result<Weights> {
        let mut file = File::open(path)?;
        let len = file.metadata()?.len();
        let mut size = [0u8; 8];
        file.read_exact(&mut size)?;
        let size = u64::from_le_bytes(size);
        if size > MAX_HEADER || 8 + size > len {
            bail!("not a safetensors file (header of {size} bytes)");
        }
        let mut header = vec![0u8; size as usize];
        file.read_exact(&mut header)?;
        let mut values: HashMap<String, serde_json::Value> = serde_json::from_slice(&header)
            .map_err(|e| candle_core::Error::Msg(format!("bad safetensors header: {e}")))?;
        values.remove("__metadata__");
        let tensors = values
            .into_iter()
            .map(|(name, v)| {
                let info: Info = serde_json::from_value(v).map_err(|e| {
                    candle_core::Error::Msg(format!("bad safetensors entry `{name}`: {e}"))
                })?;
                Ok((name, info))
            })
            .collect::<Result<HashMap<String, Info>>>()?;
        let prefix = if tensors.contains_key("bert.embeddings.word_embeddings.weight") {
            "bert."
        } else {
            ""
        };
        Ok(Weights {
            file,
            len,
            data: 8 + size,
            tensors,
            prefix,
        })
    }

    /// The file's length in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Fills `buf` from byte `at` of the file.
    pub fn read_at(&mut self, at: u64, buf: &mut [u8]) -> std::io::Result<()> {
        self.file.seek(SeekFrom::Start(at))?;
        self.file.read_exact(buf)
    }

    /// The raw little-endian bytes of the f32 tensor `name`, which must have
    /// `shape`.
    pub fn bytes(&mut self, name: &str, shape: &[usize]) -> Result<Vec<u8>> {
        let full = format!("{}{name}", self.prefix);
        let Some(info) = self.tensors.get(&full) else {
            bail!("no tensor `{full}`");
        };
        if info.dtype != "F32" {
            bail!("tensor `{full}` is {}, only F32 is supported", info.dtype);
        }
        if info.shape != shape {
            bail!("tensor `{full}` has shape {:?}, not {shape:?}", info.shape);
        }
        let [start, end] = info.data_offsets;
        let want = shape
            .iter()
            .try_fold(4usize, |n, d| n.checked_mul(*d))
            .map(|n| n as u64);
        let fits = self.data.checked_add(end).is_some_and(|e| e <= self.len);
        let (Some(want), true) = (want, fits && end.checked_sub(start) == want) else {
            bail!("tensor `{full}` has a bad byte range");
        };
        let mut buf = vec![0u8; want as usize];
        let at = self.data + start;
        self.read_at(at, &mut buf)?;
        Ok(buf)
    }

    /// The f32 tensor `name`, which must have `shape`, as a vector.
    pub fn vector(&mut self, name: &str, shape: &[usize]) -> Result<Vec<f32>> {
        Ok(floats(&self.bytes(name, shape)?))
    }
}

/// Little-endian bytes to f32s.
pub fn floats(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(header: &str, data: &[u8]) -> tempfile::NamedTempFile {
        let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
        bytes.extend_from_slice(header.as_bytes());
        bytes.extend_from_slice(data);
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), bytes).unwrap();
        f
    }

    #[test]
    fn reads_f32_tensors_and_refuses_bad_ones() {
        let data: Vec<u8> = [1.0f32, -2.5]
            .iter()
            .flat_map(|x| x.to_le_bytes())
            .collect();
        let f = file(
            r#"{"__metadata__":{"format":"pt"},
                "a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},
                "h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},
                "far":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},
                "huge":{"dtype":"F32","shape":[4611686018427387904,8],"data_offsets":[0,8]}}"#,
            &data,
        );
        let mut w = Weights::open(f.path()).unwrap();
        assert_eq!(w.vector("a", &[2]).unwrap(), vec![1.0, -2.5]);
        assert!(w.vector("a", &[3]).is_err());
        assert!(w.vector("h", &[2]).is_err());
        assert!(w.vector("far", &[2]).is_err());
        assert!(w.vector("huge", &[4611686018427387904, 8]).is_err());
        assert!(w.vector("missing", &[2]).is_err());
    }

    #[test]
    fn refuses_a_file_that_is_not_safetensors() {
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), b"\xff\xff\xff\xff\xff\xff\xff\x7fnot json").unwrap();
        assert!(Weights::open(f.path()).is_err());
        std::fs::write(f.path(), b"\x04\x00\x00\x00\x00\x00\x00\x00oops").unwrap();
        assert!(Weights::open(f.path()).is_err());
    }
}
