//! The BERT encoder (all-MiniLM-L6-v2 layout), forward pass only.
//!
//! The same computation as `candle_transformers::models::bert::BertModel`
//! (the unit test holds the two to a cosine of 0.9999), arranged for
//! throughput on a few CPU cores:
//!
//! - the dense layers' products run in bfloat16 (`bf16.rs`) where the CPU
//!   has AVX-512 BF16 and [`Precision::Bf16`] is asked for (vectors within a
//!   cosine of 0.9999 of f32, a unit test), else candle does them in f32;
//! - candle does the attention products (gemm); everything between them (bias,
//!   GELU, residual and layer norm, masked softmax, head split) is done here
//!   on plain slices, fused, in the calling thread. candle's own element-wise
//!   kernels share one process-wide worker pool behind a lock, so two threads
//!   embedding at once would queue on it; these do not.
//! - GELU uses a rational approximation of erf (error below 5e-7) that the
//!   compiler vectorizes, instead of a scalar libm call per element.
//! - The query projection is pre-scaled by 1/sqrt(head size) and the query,
//!   key and value projections are one product.
//! - Padded keys get no attention weight (as with the additive `f32::MIN`
//!   mask of the reference); padded positions are never pooled.

use candle_core::{CpuStorage, CustomOp1, CustomOp2, Device, Layout, Shape, Tensor};
use candle_transformers::models::bert::{Config, HiddenAct, PositionEmbeddingType};

use super::bf16::Packed;
use super::safetensors::Weights;

type Result<T> = candle_core::Result<T>;

/// A row-major `[rows, cols]` matrix's slice, from a contiguous f32 tensor.
fn slice<'a>(storage: &'a CpuStorage, layout: &Layout) -> Result<&'a [f32]> {
    let data = storage.as_slice::<f32>()?;
    match layout.contiguous_offsets() {
        Some((start, end)) => Ok(&data[start..end]),
        None => candle_core::bail!("bert: expected a contiguous tensor"),
    }
}

/// Layer normalization parameters.
struct Norm {
    weight: Vec<f32>,
    bias: Vec<f32>,
    eps: f32,
}

impl Norm {
    fn load(w: &mut Weights, name: &str, size: usize, eps: f64) -> Result<Norm> {
        Ok(Norm {
            weight: w.vector(&format!("{name}.weight"), &[size])?,
            bias: w.vector(&format!("{name}.bias"), &[size])?,
            eps: eps as f32,
        })
    }

    /// Normalizes `row` in place.
    fn apply(&self, row: &mut [f32]) {
        let n = row.len() as f32;
        let mean = row.iter().sum::<f32>() / n;
        let var = row.iter().map(|x| (x - mean) * (x - mean)).sum::<f32>() / n;
        let scale = 1.0 / (var + self.eps).sqrt();
        for ((x, w), b) in row.iter_mut().zip(&self.weight).zip(&self.bias) {
            *x = (*x - mean) * scale * w + b;
        }
    }
}

/// A dense layer: `x · weightᵀ + bias`, the weight `[out, in]` as in the
/// file.
struct Dense {
    weight: Weight,
    bias: Vec<f32>,
}

/// A dense layer's weight, as the products use it.
enum Weight {
    /// For candle's f32 products.
    F32(Tensor),
    /// For the bfloat16 kernel (`bf16.rs`).
    Bf16(Packed),
}

/// The arithmetic of the dense products.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    F32,
    /// bfloat16 products with f32 sums. Asked for, it is used where the CPU
    /// has AVX-512 BF16 and the layer's shape fits the kernel; f32 elsewhere.
    Bf16,
}

impl Dense {
    /// Loads the layers `names` (each `[outputs, inputs]`) stacked into one,
    /// the first one multiplied by `first_scale`.
    fn load(
        w: &mut Weights,
        names: &[&str],
        inputs: usize,
        outputs: usize,
        first_scale: f32,
        precision: Precision,
    ) -> Result<Dense> {
        let (mut weight, mut bias) = (Vec::new(), Vec::new());
        for (i, name) in names.iter().enumerate() {
            let scale = if i == 0 { first_scale } else { 1.0 };
            let start = (weight.len(), bias.len());
            weight.extend(w.vector(&format!("{name}.weight"), &[outputs, inputs])?);
            bias.extend(w.vector(&format!("{name}.bias"), &[outputs])?);
            if scale != 1.0 {
                weight[start.0..].iter_mut().for_each(|x| *x *= scale);
                bias[start.1..].iter_mut().for_each(|x| *x *= scale);
            }
        }
        let shape = (names.len() * outputs, inputs);
        let packed = match precision {
            Precision::Bf16 => Packed::new(&weight, shape.0, shape.1),
            Precision::F32 => None,
        };
        let weight = match packed {
            Some(packed) => Weight::Bf16(packed),
            None => Weight::F32(Tensor::from_vec(weight, shape, &Device::Cpu)?),
        };
        Ok(Dense { weight, bias })
    }

    /// `x · weightᵀ`, without the bias (the ops below add it).
    fn product(&self, x: &Tensor) -> Result<Tensor> {
        match &self.weight {
            Weight::F32(weight) => x.matmul(&weight.t()?),
            Weight::Bf16(packed) => {
                let rows = x.dim(0)?;
                let out = {
                    let (storage, layout) = x.storage_and_layout();
                    let candle_core::Storage::Cpu(storage) = &*storage else {
                        candle_core::bail!("bert: expected a CPU tensor");
                    };
                    packed.product(slice(storage, layout)?)
                };
                Tensor::from_vec(out, (rows, packed.outputs()), &Device::Cpu)
            }
        }
    }
}

struct Layer {
    /// Query (pre-scaled), key and value projections, stacked.
    qkv: Dense,
    attention_out: Dense,
    attention_norm: Norm,
    intermediate: Dense,
    output: Dense,
    output_norm: Norm,
}

/// The encoder's weights.
pub struct Bert {
    /// `[vocab, hidden]` f32 LE bytes, decoded row by row as tokens need
    /// them (a sentence uses a few dozen of the 30,000 rows).
    word: Vec<u8>,
    /// `[positions, hidden]`: the position embeddings plus the embedding of
    /// token type 0 (the only type a single sentence has).
    position: Vec<f32>,
    norm: Norm,
    layers: Vec<Layer>,
    hidden: usize,
    heads: usize,
}

/// One batch: token ids of each sequence (without padding), all padded to
/// the longest.
struct Batch<'a> {
    ids: &'a [&'a [u32]],
    len: usize,
}

impl Batch<'_> {
    fn rows(&self) -> usize {
        self.ids.len()
    }

    fn tokens(&self) -> usize {
        self.rows() * self.len
    }
}

impl Bert {
    /// The arithmetic the dense products actually run in: `Bf16` if any of
    /// them does.
    pub fn precision(&self) -> Precision {
        let packed = |d: &Dense| matches!(d.weight, Weight::Bf16(_));
        let any = self.layers.iter().any(|l| {
            [&l.qkv, &l.attention_out, &l.intermediate, &l.output]
                .into_iter()
                .any(packed)
        });
        if any { Precision::Bf16 } else { Precision::F32 }
    }

    /// Loads the encoder described by `config` from `w`, its dense products
    /// in `precision` where it can.
    pub fn load(w: &mut Weights, config: &Config, precision: Precision) -> Result<Bert> {
        if config.hidden_act != HiddenAct::Gelu {
            candle_core::bail!("unsupported activation {:?}", config.hidden_act);
        }
        if config.position_embedding_type != PositionEmbeddingType::Absolute {
            candle_core::bail!("unsupported position embeddings");
        }
        let (hidden, heads) = (config.hidden_size, config.num_attention_heads);
        if heads == 0 || hidden % heads != 0 {
            candle_core::bail!("hidden size {hidden} is not a multiple of {heads} heads");
        }
        let (inner, eps) = (config.intermediate_size, config.layer_norm_eps);
        let word = w.bytes(
            "embeddings.word_embeddings.weight",
            &[config.vocab_size, hidden],
        )?;
        let types = w.vector(
            "embeddings.token_type_embeddings.weight",
            &[config.type_vocab_size, hidden],
        )?;
        let mut position = w.vector(
            "embeddings.position_embeddings.weight",
            &[config.max_position_embeddings, hidden],
        )?;
        for row in position.chunks_exact_mut(hidden) {
            row.iter_mut().zip(&types).for_each(|(p, t)| *p += t);
        }
        let norm = Norm::load(w, "embeddings.LayerNorm", hidden, eps)?;
        let query_scale = 1.0 / ((hidden / heads) as f32).sqrt();
        let layers = (0..config.num_hidden_layers)
            .map(|i| {
                let at = |name: &str| format!("encoder.layer.{i}.{name}");
                let qkv = ["query", "key", "value"].map(|n| at(&format!("attention.self.{n}")));
                let qkv: Vec<&str> = qkv.iter().map(String::as_str).collect();
                Ok(Layer {
                    qkv: Dense::load(w, &qkv, hidden, hidden, query_scale, precision)?,
                    attention_out: Dense::load(
                        w,
                        &[&at("attention.output.dense")],
                        hidden,
                        hidden,
                        1.0,
                        precision,
                    )?,
                    attention_norm: Norm::load(w, &at("attention.output.LayerNorm"), hidden, eps)?,
                    intermediate: Dense::load(
                        w,
                        &[&at("intermediate.dense")],
                        hidden,
                        inner,
                        1.0,
                        precision,
                    )?,
                    output: Dense::load(w, &[&at("output.dense")], inner, hidden, 1.0, precision)?,
                    output_norm: Norm::load(w, &at("output.LayerNorm"), hidden, eps)?,
                })
            })
            .collect::<Result<Vec<Layer>>>()?;
        Ok(Bert {
            word,
            position,
            norm,
            layers,
            hidden,
            heads,
        })
    }

    /// The longest sequence the position embeddings allow.
    pub fn max_positions(&self) -> usize {
        self.position.len() / self.hidden
    }

    /// The mean of the last hidden states over each sequence's tokens (not
    /// normalized). `ids` are the sequences' token ids, unpadded, none
    /// longer than [`Bert::max_positions`].
    pub fn pooled(&self, ids: &[&[u32]]) -> Result<Vec<Vec<f32>>> {
        let len = ids.iter().map(|s| s.len()).max().unwrap_or(0);
        if len == 0 {
            return Ok(vec![Vec::new(); ids.len()]);
        }
        if len > self.max_positions() {
            candle_core::bail!("a sequence of {len} tokens is longer than the model allows");
        }
        let batch = Batch { ids, len };
        let mut x = self.embed(&batch)?;
        for layer in &self.layers {
            x = self.layer(layer, &batch, &x)?;
        }
        let (storage, layout) = x.storage_and_layout();
        let candle_core::Storage::Cpu(cpu) = &*storage else {
            candle_core::bail!("bert: expected a CPU tensor");
        };
        let states = slice(cpu, layout)?;
        Ok(ids
            .iter()
            .enumerate()
            .map(|(r, seq)| {
                let mut sum = vec![0f32; self.hidden];
                let rows = states[r * len * self.hidden..].chunks_exact(self.hidden);
                for token in rows.take(seq.len()) {
                    sum.iter_mut().zip(token).for_each(|(s, t)| *s += t);
                }
                let n = seq.len().max(1) as f32;
                sum.iter_mut().for_each(|s| *s /= n);
                sum
            })
            .collect())
    }

    /// Word + position + type embeddings, normalized: `[tokens, hidden]`.
    fn embed(&self, batch: &Batch) -> Result<Tensor> {
        let h = self.hidden;
        let mut x = vec![0f32; batch.tokens() * h];
        for (seq, rows) in batch.ids.iter().zip(x.chunks_exact_mut(batch.len * h)) {
            for (p, (&id, row)) in seq.iter().zip(rows.chunks_exact_mut(h)).enumerate() {
                let bytes = 4 * h;
                let Some(word) = self
                    .word
                    .get(id as usize * bytes..(id as usize + 1) * bytes)
                else {
                    candle_core::bail!("token id {id} is outside the vocabulary");
                };
                let position = &self.position[p * h..(p + 1) * h];
                for ((x, w), p) in row.iter_mut().zip(word.chunks_exact(4)).zip(position) {
                    *x = f32::from_le_bytes([w[0], w[1], w[2], w[3]]) + p;
                }
                self.norm.apply(row);
            }
        }
        Tensor::from_vec(x, (batch.tokens(), h), &Device::Cpu)
    }

    fn layer(&self, layer: &Layer, batch: &Batch, x: &Tensor) -> Result<Tensor> {
        let (rows, len, heads) = (batch.rows(), batch.len, self.heads);
        let size = self.hidden / heads;
        // [3, rows * heads, len, size]: queries, keys, values by head.
        let qkv = layer.qkv.product(x)?.apply_op1_no_bwd(&SplitHeads {
            bias: &layer.qkv.bias,
            rows,
            len,
            heads,
        })?;
        let (q, k, v) = (qkv.get(0)?, qkv.get(1)?, qkv.get(2)?);
        let lens: Vec<usize> = batch.ids.iter().map(|s| s.len()).collect();
        let probs = q
            .matmul(&k.t()?)?
            .apply_op1_no_bwd(&MaskedSoftmax { lens: &lens, heads })?;
        let context = probs
            .matmul(&v)?
            .reshape((rows, heads, len, size))?
            .transpose(1, 2)?
            .contiguous()?
            .reshape((batch.tokens(), self.hidden))?;
        let attended = layer.attention_out.product(&context)?.apply_op2_no_bwd(
            x,
            &AddNorm {
                bias: &layer.attention_out.bias,
                norm: &layer.attention_norm,
            },
        )?;
        let inner = layer
            .intermediate
            .product(&attended)?
            .apply_op1_no_bwd(&BiasGelu {
                bias: &layer.intermediate.bias,
            })?;
        layer.output.product(&inner)?.apply_op2_no_bwd(
            &attended,
            &AddNorm {
                bias: &layer.output.bias,
                norm: &layer.output_norm,
            },
        )
    }
}

/// `[tokens, 3 * hidden]` plus bias → `[3, rows * heads, len, size]`.
struct SplitHeads<'a> {
    bias: &'a [f32],
    rows: usize,
    len: usize,
    heads: usize,
}

impl CustomOp1 for SplitHeads<'_> {
    fn name(&self) -> &'static str {
        "bert-split-heads"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let src = slice(storage, layout)?;
        let width = self.bias.len();
        let hidden = width / 3;
        let size = hidden / self.heads;
        let tokens = self.rows * self.len;
        if src.len() != tokens * width {
            candle_core::bail!("bert: query/key/value of an unexpected size");
        }
        let mut dst = vec![0f32; src.len()];
        for (t, token) in src.chunks_exact(width).enumerate() {
            let (row, pos) = (t / self.len, t % self.len);
            for (part, (values, bias)) in token
                .chunks_exact(hidden)
                .zip(self.bias.chunks_exact(hidden))
                .enumerate()
            {
                for (head, (v, b)) in values
                    .chunks_exact(size)
                    .zip(bias.chunks_exact(size))
                    .enumerate()
                {
                    let at = ((part * self.rows + row) * self.heads + head) * self.len + pos;
                    let out = &mut dst[at * size..(at + 1) * size];
                    for ((o, v), b) in out.iter_mut().zip(v).zip(b) {
                        *o = v + b;
                    }
                }
            }
        }
        let shape = (3, self.rows * self.heads, self.len, size);
        Ok((CpuStorage::F32(dst), shape.into()))
    }
}

/// Softmax over the keys of each sequence; padded keys get 0, padded
/// queries are left at 0.
struct MaskedSoftmax<'a> {
    lens: &'a [usize],
    heads: usize,
}

impl CustomOp1 for MaskedSoftmax<'_> {
    fn name(&self) -> &'static str {
        "bert-masked-softmax"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let src = slice(storage, layout)?;
        let len = layout.dims().last().copied().unwrap_or(0);
        if len == 0 || src.len() != self.lens.len() * self.heads * len * len {
            candle_core::bail!("bert: attention scores of an unexpected size");
        }
        let mut dst = vec![0f32; src.len()];
        for (m, (scores, probs)) in src
            .chunks_exact(len * len)
            .zip(dst.chunks_exact_mut(len * len))
            .enumerate()
        {
            let valid = self.lens[m / self.heads];
            for (s, p) in scores
                .chunks_exact(len)
                .zip(probs.chunks_exact_mut(len))
                .take(valid)
            {
                let (s, p) = (&s[..valid], &mut p[..valid]);
                let max = s.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                let mut sum = 0.0;
                for (p, s) in p.iter_mut().zip(s) {
                    *p = (s - max).exp();
                    sum += *p;
                }
                p.iter_mut().for_each(|p| *p /= sum);
            }
        }
        Ok((CpuStorage::F32(dst), layout.shape().clone()))
    }
}

/// `layer_norm(x + bias + residual)`, row by row.
struct AddNorm<'a> {
    bias: &'a [f32],
    norm: &'a Norm,
}

impl CustomOp2 for AddNorm<'_> {
    fn name(&self) -> &'static str {
        "bert-add-norm"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let (x, residual) = (slice(s1, l1)?, slice(s2, l2)?);
        let width = self.bias.len();
        if x.len() != residual.len() || x.len() % width != 0 {
            candle_core::bail!("bert: residual of an unexpected size");
        }
        let mut dst: Vec<f32> = x.to_vec();
        for (row, res) in dst
            .chunks_exact_mut(width)
            .zip(residual.chunks_exact(width))
        {
            for ((x, r), b) in row.iter_mut().zip(res).zip(self.bias) {
                *x += r + b;
            }
            self.norm.apply(row);
        }
        Ok((CpuStorage::F32(dst), l1.shape().clone()))
    }
}

/// `gelu(x + bias)`, row by row.
struct BiasGelu<'a> {
    bias: &'a [f32],
}

impl CustomOp1 for BiasGelu<'_> {
    fn name(&self) -> &'static str {
        "bert-bias-gelu"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let src = slice(storage, layout)?;
        let width = self.bias.len();
        if src.len() % width != 0 {
            candle_core::bail!("bert: activations of an unexpected size");
        }
        let mut dst = vec![0f32; src.len()];
        for (out, row) in dst.chunks_exact_mut(width).zip(src.chunks_exact(width)) {
            for ((o, x), b) in out.iter_mut().zip(row).zip(self.bias) {
                *o = gelu(x + b);
            }
        }
        Ok((CpuStorage::F32(dst), layout.shape().clone()))
    }
}

/// GELU with the exact (erf) form: `x/2 · (1 + erf(x/√2))`.
#[inline]
fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + erf(x * std::f32::consts::FRAC_1_SQRT_2))
}

/// erf as a rational function of `x` on [-4, 4] (±1 beyond, as in f32),
/// absolute error below 5e-7 (the approximation Eigen and XLA use for f32).
#[inline]
fn erf(x: f32) -> f32 {
    let x = x.clamp(-4.0, 4.0);
    let x2 = x * x;
    let mut p = -2.726_142_3e-10_f32;
    for c in [
        2.770_681_4e-8,
        -2.101_024e-6,
        -5.692_506_4e-5,
        -7.349_906_3e-4,
        -2.954_6e-3,
        -1.609_603_3e-2,
    ] {
        p = p * x2 + c;
    }
    let mut q = -1.456_607_2e-5_f32;
    for c in [-2.133_740_6e-4, -1.682_827e-3, -7.373_329e-3, -1.426_474e-2] {
        q = q * x2 + c;
    }
    x * p / q
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::DType;
    use candle_nn::VarBuilder;
    use candle_transformers::models::bert::BertModel;

    /// The reference: candle's BERT on a padded batch, mean-pooled over the
    /// attention mask.
    fn reference(model: &BertModel, ids: &[&[u32]]) -> Vec<Vec<f32>> {
        let len = ids.iter().map(|s| s.len()).max().unwrap();
        let pad = |f: &dyn Fn(usize, u32) -> u32| -> Vec<u32> {
            ids.iter()
                .flat_map(|s| (0..len).map(move |p| s.get(p).map_or(0, |&id| f(p, id))))
                .collect()
        };
        let shape = (ids.len(), len);
        let cpu = &Device::Cpu;
        let input = Tensor::from_vec(pad(&|_, id| id), shape, cpu).unwrap();
        let types = input.zeros_like().unwrap();
        let mask = Tensor::from_vec(
            ids.iter()
                .flat_map(|s| (0..len).map(move |p| u32::from(p < s.len())))
                .collect::<Vec<u32>>(),
            shape,
            cpu,
        )
        .unwrap();
        let hidden = model.forward(&input, &types, Some(&mask)).unwrap();
        let mask = mask.to_dtype(DType::F32).unwrap().unsqueeze(2).unwrap();
        let summed = hidden.broadcast_mul(&mask).unwrap().sum(1).unwrap();
        summed
            .broadcast_div(&mask.sum(1).unwrap())
            .unwrap()
            .to_vec2::<f32>()
            .unwrap()
    }

    fn cosine(a: &[f32], b: &[f32]) -> f32 {
        let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
        let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
        dot / (norm(a) * norm(b))
    }

    /// The real model's directory (`VETTED_TEST_MODEL`), or `None` after a
    /// notice that the test is skipped (a failure if `VETTED_REQUIRE_MODEL`).
    fn test_model(to: &str) -> Option<std::path::PathBuf> {
        let dir = std::env::var_os("VETTED_TEST_MODEL").map(std::path::PathBuf::from);
        if dir.is_none() {
            assert!(
                std::env::var_os("VETTED_REQUIRE_MODEL").is_none(),
                "VETTED_REQUIRE_MODEL is set but VETTED_TEST_MODEL is not"
            );
            eprintln!("notice: skipping: set VETTED_TEST_MODEL to {to}");
        }
        dir
    }

    /// Same vectors as candle's BERT, on the real model
    /// (`VETTED_TEST_MODEL`; skipped without it).
    #[test]
    fn matches_candles_bert() {
        let Some(dir) = test_model("compare with candle's BERT") else {
            return;
        };
        let config: Config =
            serde_json::from_slice(&std::fs::read(dir.join("config.json")).unwrap()).unwrap();
        let weights = std::fs::read(dir.join("model.safetensors")).unwrap();
        let vb = VarBuilder::from_buffered_safetensors(weights, DType::F32, &Device::Cpu).unwrap();
        let reference_model = BertModel::load(vb, &config).unwrap();
        let ours = Bert::load(
            &mut Weights::open(&dir.join("model.safetensors")).unwrap(),
            &config,
            Precision::F32,
        )
        .unwrap();
        let mut tokenizer = tokenizers::Tokenizer::from_file(dir.join("tokenizer.json")).unwrap();
        tokenizer.with_padding(None);
        let long = "encryption of data at rest with customer managed keys ".repeat(40);
        let texts = [
            "Do you encrypt data at rest?",
            "mfa",
            "Is multi-factor authentication enforced for all remote access, including \
             contractors and third parties with privileged accounts?",
            long.as_str(),
        ];
        let encodings: Vec<_> = texts
            .iter()
            .map(|t| tokenizer.encode(*t, true).unwrap())
            .collect();
        let ids: Vec<&[u32]> = encodings
            .iter()
            .map(|e| &e.get_ids()[..e.get_ids().len().min(256)])
            .collect();
        let want = reference(&reference_model, &ids);
        let got = ours.pooled(&ids).unwrap();
        for (text, (w, g)) in texts.iter().zip(want.iter().zip(&got)) {
            let c = cosine(w, g);
            assert!(c > 0.9999, "{c} for {text:.40}");
        }
        // Alone, a sequence embeds as in a batch.
        let alone = ours.pooled(&ids[1..2]).unwrap();
        assert!(cosine(&alone[0], &got[1]) > 0.9999);
    }

    /// bfloat16 products give the f32 vectors, on the real model
    /// (`VETTED_TEST_MODEL`; skipped without it or without AVX-512 BF16).
    #[test]
    fn bf16_embeds_as_f32() {
        let Some(dir) = test_model("compare bf16 with f32") else {
            return;
        };
        if !super::super::bf16::available() {
            eprintln!("notice: skipping: this CPU lacks AVX-512 BF16");
            return;
        }
        let config: Config =
            serde_json::from_slice(&std::fs::read(dir.join("config.json")).unwrap()).unwrap();
        let load = |precision| {
            let mut w = Weights::open(&dir.join("model.safetensors")).unwrap();
            Bert::load(&mut w, &config, precision).unwrap()
        };
        let (exact, fast) = (load(Precision::F32), load(Precision::Bf16));
        assert_eq!(exact.precision(), Precision::F32);
        assert_eq!(fast.precision(), Precision::Bf16);
        assert!(matches!(fast.layers[0].qkv.weight, Weight::Bf16(_)));
        let mut tokenizer = tokenizers::Tokenizer::from_file(dir.join("tokenizer.json")).unwrap();
        tokenizer.with_padding(None);
        let texts = [
            "Do you encrypt data at rest?",
            "mfa",
            "Are audit and assurance policies, procedures, and standards established, \
             documented, approved, communicated, applied, evaluated, and maintained?",
            "Describe how you notify customers of a breach of their data within 72 hours.",
            "Web Link to Accessibility Statement or VPAT",
            "Can your employees access customer systems remotely?",
            "Is the disaster response plan exercised annually?",
        ];
        let encodings: Vec<_> = texts
            .iter()
            .map(|t| tokenizer.encode(*t, true).unwrap())
            .collect();
        let ids: Vec<&[u32]> = encodings.iter().map(|e| e.get_ids()).collect();
        let (want, got) = (exact.pooled(&ids).unwrap(), fast.pooled(&ids).unwrap());
        for (text, (w, g)) in texts.iter().zip(want.iter().zip(&got)) {
            let c = cosine(w, g);
            assert!(c > 0.9999, "{c} for {text:.40}");
        }
        // Similarities between the texts move by a hair, not their order.
        for i in 0..texts.len() {
            for j in 0..i {
                let (a, b) = (cosine(&want[i], &want[j]), cosine(&got[i], &got[j]));
                assert!(
                    (a - b).abs() < 0.005,
                    "{a} vs {b}: {} / {}",
                    texts[i],
                    texts[j]
                );
            }
        }
    }

    #[test]
    fn erf_is_accurate() {
        // Reference values of erf.
        for (x, want) in [
            (0.0f32, 0.0f32),
            (0.1, 0.112_462_92),
            (0.5, 0.520_499_9),
            (1.0, 0.842_700_8),
            (1.5, 0.966_105_15),
            (2.0, 0.995_322_3),
            (3.0, 0.999_977_9),
            (5.0, 1.0),
        ] {
            assert!((erf(x) - want).abs() < 5e-7, "erf({x}) = {}", erf(x));
            assert!((erf(-x) + want).abs() < 5e-7);
        }
    }
}
