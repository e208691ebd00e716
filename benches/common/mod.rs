//! What the benches share: the embedding settings they read from the environment, as the
//! server would.

/// The default rule with the English model from `CANDOR_EMBEDDING_MODEL` and, when
/// `CANDOR_EMBEDDING_MODEL_FR` is set, the French one; `CANDOR_EMBED_PRECISION` as the
/// server reads it.
pub fn embedding_settings(english: String) -> candor::config::EmbeddingSettings {
    let mut e = candor::config::EmbeddingSettings {
        model_dir: Some(english.into()),
        ..Default::default()
    };
    e.fr.model_dir = std::env::var_os("CANDOR_EMBEDDING_MODEL_FR").map(Into::into);
    if let Ok(p) = std::env::var("CANDOR_EMBED_PRECISION") {
        e.precision = p;
    }
    // `CANDOR_SECOND_OPINION=on`: e5 gives English a second opinion (`[embedding]
    // second_opinion`, off by default).
    e.second_opinion = std::env::var("CANDOR_SECOND_OPINION").is_ok_and(|v| v == "on");
    e
}
