//! needle's engine, without a command-line front end (no clap, indicatif or rustyline): tool
//! files (`tools`), what both model formats' decoding shares (`decode`), schema-constrained
//! decoding (`constrain`), format 2 (`render`, `model`, `engine`, `shortlist`, `tool_cache`),
//! format 3 (`copy_model`, `copy_engine`), either by the manifest (`any_engine`), finding ONNX
//! Runtime (`ort_lib`) and scoring against BFCL's rules (`eval`). The `needle` crate (the
//! repository's root) is the command-line tool over it.

pub mod any_engine;
pub mod constrain;
pub mod copy_engine;
pub mod copy_model;
pub mod decode;
pub mod engine;
pub mod eval;
pub mod extract;
pub mod memo;
pub mod model;
pub mod ort_lib;
pub mod render;
pub mod shortlist;
pub mod tool_cache;
pub mod tools;
pub mod values;

use std::fmt;
use std::path::{Path, PathBuf};

/// The checkout this library was built from (`crates/core/../..`): where a binary built from a
/// checkout finds its `assets/` and `.setup/` when nothing nearer has them.
pub fn checkout_dir() -> PathBuf {
    let core = Path::new(env!("CARGO_MANIFEST_DIR"));
    core.parent().and_then(Path::parent).unwrap_or(core).to_path_buf()
}

/// needle's directory under an XDG base directory: `$<var>/needle`, else
/// `$HOME/<home_default>/needle` (e.g. `XDG_CACHE_HOME`, `.cache`); `None` without either.
pub fn xdg_needle_dir(var: &str, home_default: &str) -> Option<std::path::PathBuf> {
    let base = std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(home_default)))?;
    Some(base.join("needle"))
}

/// A usage or input problem (the CLI exits 2); anything else that fails is a model or runtime
/// error (exit 3).
#[derive(Debug)]
pub struct InputError(pub String);

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InputError {}

/// The first `max` bytes of `text` (cut back to a character boundary), and whether it was cut.
pub(crate) fn cap_text(text: &str, max: usize) -> (&str, bool) {
    if text.len() <= max {
        return (text, false);
    }
    let mut cut = max;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    (&text[..cut], true)
}
