//! The embedding cache: vectors kept on disk between starts.

use super::DIMENSIONS;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Where computed vectors are kept between starts: one file per article text, named by a
/// hash of the model's identity (its reader's key) and the exact lines embedded.
pub(super) struct Cache {
    pub(super) dir: PathBuf,
    /// Files read or written since start: the others belong to texts that changed.
    pub(super) used: std::sync::Mutex<std::collections::HashSet<PathBuf>>,
}

impl Cache {
    pub(super) fn file(&self, model_key: &str, texts: &[(String, String, String)]) -> PathBuf {
        let mut h = Sha256::new();
        h.update(model_key.as_bytes());
        for (_, _, text) in texts {
            h.update(text.as_bytes());
            h.update([0u8]);
        }
        let name: String = h.finalize()[..12]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let file = self.dir.join(format!("{name}.f32"));
        self.used.lock().expect("cache lock").insert(file.clone());
        file
    }

    /// Deletes the files of texts no longer in the knowledge base (old article versions).
    pub(super) fn prune(&self) {
        let used = self.used.lock().expect("cache lock");
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for path in entries.flatten().map(|e| e.path()) {
            if path.extension().is_some_and(|e| e == "f32") && !used.contains(&path) {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
}

/// Vectors read back from a cache file, if it holds exactly `lines` of them.
pub(super) fn read_vectors(path: &Path, lines: usize) -> Option<Vec<Vec<f32>>> {
    let bytes = std::fs::read(path).ok()?;
    if bytes.len() != lines * DIMENSIONS * 4 {
        return None;
    }
    let floats: Vec<f32> = bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    Some(floats.chunks(DIMENSIONS).map(<[f32]>::to_vec).collect())
}
