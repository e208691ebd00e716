//! One language's model and the rule that trusts it: when it is asked, from which score
//! it answers, and how its scores map to the confidence visitors see.

use candor_embed::{Encoder, Precision};
use std::path::Path;
use std::sync::Arc;

/// One language's model and the rule that trusts it.
#[derive(Clone)]
pub struct Reader {
    pub(super) encoder: Arc<Encoder>,
    /// Names the vectors in the cache: the model, its arithmetic and its files' sizes.
    pub(super) key: String,
    /// Lexical confidence under which the model is asked.
    pub consult_below: f32,
    /// Combined score (meaning + words) from which the best article is answered.
    pub answer_from: f32,
    /// Logistic map from the combined score to the probability that the article is the
    /// right one (intercept, slope): fitted per model, since each has its own scale.
    pub calibration: [f32; 2],
}

impl Reader {
    /// Loads the model in `dir` for a language, with that language's rule.
    pub fn load(
        dir: &Path,
        rule: &crate::config::ModelRule,
        precision: Precision,
    ) -> anyhow::Result<Reader> {
        let encoder = Encoder::load_with(dir, precision)?;
        let size = |f: &str| std::fs::metadata(dir.join(f)).map_or(0, |m| m.len());
        // The arithmetic too: vectors from another kernel (another processor, or a
        // version that computes differently) are recomputed, not mixed with new ones.
        let mut key = format!(
            "{}:{}:{}:{}",
            name_of(&encoder),
            encoder.arithmetic(),
            size("model.safetensors"),
            size("vocab.txt"),
        );
        // e5 is one file of its own; MiniLM's key stays what it was, so caches survive.
        if encoder.model() == candor_embed::Model::E5Small {
            key += &format!(":{}", size(candor_embed::E5_FILE));
        }
        Ok(Reader {
            calibration: match encoder.model() {
                candor_embed::Model::MiniLm => MINILM_CALIBRATION,
                candor_embed::Model::E5Small => E5_CALIBRATION,
            },
            encoder: Arc::new(encoder),
            key,
            consult_below: rule.consult_below,
            answer_from: rule.answer_from,
        })
    }

    /// The model's name as shown in why records, with "8-bit" when its linear layers run
    /// quantized (x86-64 processors with AVX-512 VNNI or AVX2).
    pub fn model_name(&self) -> String {
        name_of(&self.encoder)
    }

    /// The calibrated confidence of a combined score.
    pub fn confidence(&self, score: f32) -> f32 {
        calibrated(self.calibration, score)
    }
}

/// The probability a logistic calibration (intercept, slope) gives a combined score.
pub fn calibrated([b0, b1]: [f32; 2], score: f32) -> f32 {
    1.0 / (1.0 + (-(b0 + b1 * score)).exp())
}

/// e5's weights come 4-bit from its file, whatever the arithmetic; MiniLM's are 8-bit when
/// the processor runs them so.
fn name_of(encoder: &Encoder) -> String {
    let model = encoder.model().name();
    match encoder.model() {
        candor_embed::Model::E5Small => format!("{model} (4-bit)"),
        candor_embed::Model::MiniLm if encoder.is_quantized() => format!("{model} (8-bit)"),
        candor_embed::Model::MiniLm => model.to_string(),
    }
}

/// MiniLM's calibration: fitted by `bench/fit_semantic.py --calibrate` on the CLINC150 and
/// Banking77 val questions the model was consulted on (3,136; out-of-scope ones weighted
/// 10, as for the lexical confidence), reliability table in BENCHMARKS.md. It puts the
/// model's decisions on the same scale as the lexical confidence shown to visitors.
pub const MINILM_CALIBRATION: [f32; 2] = [-5.007, 9.803];

/// multilingual-e5-small's calibration, fitted the same way on the 85 French questions of
/// the tuning sets it was consulted on (`bench/fr-tune` and the French dev questions, at
/// the French rule): its similarities sit high and close together (unrelated French
/// sentences score ~0.8), hence the steep slope; its bar 0.944 maps to 0.25 (right about
/// a quarter of the time, just under the lexical threshold's 0.30).
pub const E5_CALIBRATION: [f32; 2] = [-66.540, 69.316];
