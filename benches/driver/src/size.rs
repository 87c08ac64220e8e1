//! Deployment sizes: the stripped arm64 binary `cargo lambda build --release --arm64` made, and
//! the zip Lambda receives (deflate, best compression, as `sam build`/`cargo lambda` zip it).

use anyhow::{Context, Result};
use flate2::write::DeflateEncoder;
use flate2::Compression;
use std::io::Write;
use std::path::Path;

pub struct Size {
    pub binary: u64,
    pub zip: u64,
}

/// Sizes of `<dir>/<name>/bootstrap`.
pub fn deployment(dir: &Path, name: &str) -> Result<Size> {
    let path = dir.join(name).join("bootstrap");
    let bytes = std::fs::read(&path).with_context(|| {
        format!(
            "{} is missing: `cargo lambda build --release --arm64` makes it",
            path.display()
        )
    })?;
    let mut encoder = DeflateEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(&bytes)?;
    let deflated = encoder.finish()?.len() as u64;
    // A one-file zip: local header (30) and central directory entry (46), each with the
    // name, and the end record (22).
    let name_len = "bootstrap".len() as u64;
    Ok(Size {
        binary: bytes.len() as u64,
        zip: deflated + 30 + 46 + 22 + 2 * name_len,
    })
}
