//! needle's engine, without a command-line front end (no clap, indicatif or rustyline). A
//! request's path through it:
//! - `tools`: tool files read, checked and normalised into [`tools::Tool`]s;
//! - `model`: the model directory (model format 4, docs/model-format.md): the request and a
//!   tool as one sequence (`model::sequence`), the encoder and heads graphs, run through ONNX
//!   Runtime (`onnx`, found by `ort_lib`);
//! - `engine`: which tools to call, how often, and which words of the request fill each
//!   parameter (`engine::arguments`); tool vectors kept on disk between runs (`tool_cache`);
//! - `values`: those words turned into the value the parameter's schema means;
//! - `calls`: the calls validated against their tools' schemas, as a [`calls::Prediction`];
//! - `eval`: scoring against BFCL's rules (`needle eval`).
//! The `needle` crate (the repository's root) is the command-line tool over it.

pub mod calls;
pub mod engine;
pub mod eval;
pub mod memo;
pub mod model;
pub mod onnx;
pub mod ort_lib;
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
