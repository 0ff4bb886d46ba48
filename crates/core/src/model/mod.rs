//! A loaded model directory (model format 4, docs/model-format.md): the manifest, MiniLM's
//! tokenizer, and two ONNX sessions:
//! - `encoder.onnx`: input_ids, attention_mask `[B, T]` -> hidden `[B, T, d]`, pooled `[B, d]`
//! - `heads.onnx`: hidden, param_pos `[B, P]`, member_pool `[B, P, M, T]` -> count `[B, 4]`,
//!   status `[B, P, 5]`, spans `[B, P, T, 3]`, members `[B, P, M]` (logits)

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use ort::session::Session;
use ort::value::TensorRef;
use serde::Deserialize;
use serde_json::Value;
use tokenizers::Tokenizer;

use crate::onnx::{Device, ModelOptions};

pub mod sequence;

pub const FORMAT_VERSION: u64 = 4;
/// The last commit whose needle reads model formats 2 and 3 (docs/history.md).
pub const LAST_OLD_FORMATS_COMMIT: &str = "3dcc216";
pub const N_COUNT: usize = 4;
pub const N_STATUS: usize = 5;
pub const N_TAGS: usize = 3;

#[derive(Debug, Clone, Deserialize)]
pub struct Manifest {
    pub format_version: u64,
    #[serde(default)]
    pub name: String,
    pub d_model: usize,
    /// Tools that get a cross-encoder pass per request: the bi-encoder's best `k`.
    pub k: usize,
    /// A tool is called when the count head's probability of "no call" is below this
    /// (calibrated on held-out training rows; 0.5 is the head's own argmax for two outcomes).
    pub no_call_threshold: f32,
    /// A tool other than the likeliest one is called too only when its P(no call) is below
    /// this (absent: `no_call_threshold`, so no tool is held to a stricter bar). Calibrated on
    /// held-out tools, like `no_call_threshold`.
    #[serde(default)]
    pub second_call_threshold: Option<f32>,
    /// A request piece right after a parameter's span continues it when the span head's
    /// P(inside) for it is at least this (absent: only when "inside" is its likeliest tag). The
    /// head often splits its belief over a value's later pieces ("Dr. | Johnson", "Meeting |
    /// tomorrow"), and a value cut short is wrong where one a piece too long is often still
    /// right after widening. Calibrated on held-out tools with the other decision settings.
    #[serde(default)]
    pub span_continue_threshold: Option<f32>,
    /// Which tool is the likeliest: the one with the highest log-odds of being called plus this
    /// times its bi-encoder similarity (absent: 0, the count head alone). On tools it never saw
    /// the bi-encoder ranks the right tool first more often than the count head does, while
    /// the count head is the better judge of whether to call at all. Calibrated on held-out tools.
    #[serde(default)]
    pub similarity_weight: Option<f32>,
    /// Whether the likeliest tool is called: its log-odds of being called plus this times its
    /// bi-encoder similarity, against the log-odds of `1 - no_call_threshold` (absent: 0, so
    /// P(no call) < `no_call_threshold`). On tools it never saw the count head doubts clear
    /// requests ("dim the bedroom lights": P(no call) 0.97 at similarity 0.67) that the
    /// bi-encoder places well. Calibrated on held-out tools.
    #[serde(default)]
    pub call_similarity_weight: Option<f32>,
    pub files: Files,
    #[serde(default)]
    pub ort_optimized: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Files {
    pub encoder: String,
    pub heads: String,
    pub tokenizer: String,
}

impl Manifest {
    pub fn load(dir: &Path) -> Result<Manifest> {
        let path = dir.join("needle.json");
        let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let raw: Value = serde_json::from_str(&text).with_context(|| format!("{}: not JSON", path.display()))?;
        let version = raw.get("format_version").and_then(Value::as_u64).unwrap_or(0);
        if version != FORMAT_VERSION {
            bail!(
                "{}: model format {version}; this needle reads model format {FORMAT_VERSION} only (formats 2 and 3 \
                 were read by needle up to commit {LAST_OLD_FORMATS_COMMIT}: build that commit to run such a model)",
                path.display()
            );
        }
        serde_json::from_value(raw).with_context(|| format!("{}: not a format 4 manifest", path.display()))
    }
}

/// The heads' outputs for a batch of pairs, row-major, with their padded sizes.
pub struct HeadsOut {
    pub count: Vec<f32>,
    pub status: Vec<f32>,
    pub spans: Vec<f32>,
    pub members: Vec<f32>,
    pub p: usize,
    pub m: usize,
    pub t: usize,
}

pub struct Model {
    pub dir: PathBuf,
    pub manifest: Manifest,
    pub tokenizer: Tokenizer,
    encoder: Session,
    heads: Session,
    pub device: Device,
}

impl Model {
    pub fn load(dir: &Path, opts: &ModelOptions) -> Result<Model> {
        let manifest = Manifest::load(dir)?;
        let f = &manifest.files;
        let tok_path = dir.join(&f.tokenizer);
        let mut tokenizer =
            Tokenizer::from_file(&tok_path).map_err(|e| anyhow!("cannot load tokenizer {}: {e}", tok_path.display()))?;
        tokenizer.with_padding(None);
        tokenizer.with_truncation(None).map_err(|e| anyhow!("{}: {e}", tok_path.display()))?;
        let paths = [dir.join(&f.encoder), dir.join(&f.heads)];
        for p in &paths {
            if !p.is_file() {
                bail!("model file {} is missing", p.display());
            }
        }
        let env = crate::onnx::environment(opts.ort_lib.as_deref(), opts.threads, opts.spin)?;
        let pre = manifest.ort_optimized.is_some();
        let (encoder, device) = crate::onnx::session(env, &paths[0], opts, pre, true)?;
        let (heads, _) = crate::onnx::session(env, &paths[1], opts, pre, false)?;
        Ok(Model { dir: dir.to_path_buf(), manifest, tokenizer, encoder, heads, device })
    }

    /// Encodes a batch of sequences (padded with 0 to the longest): hidden `[B, T, d]` and
    /// pooled `[B, d]`, and `T`.
    pub fn encode(&mut self, seqs: &[&[u32]]) -> Result<(Vec<f32>, Vec<f32>, usize)> {
        let b = seqs.len();
        let t = seqs.iter().map(|s| s.len()).max().unwrap_or(0).max(1);
        let mut ids = vec![0i64; b * t];
        let mut mask = vec![0i64; b * t];
        for (i, s) in seqs.iter().enumerate() {
            for (j, &id) in s.iter().enumerate() {
                ids[i * t + j] = id as i64;
                mask[i * t + j] = 1;
            }
        }
        let d = self.manifest.d_model;
        let out = self
            .encoder
            .run(ort::inputs![
                "input_ids" => TensorRef::from_array_view(([b, t], ids.as_slice()))?,
                "attention_mask" => TensorRef::from_array_view(([b, t], mask.as_slice()))?
            ])
            .context("encoder.onnx failed")?;
        let (_, hidden) = out["hidden"].try_extract_tensor::<f32>()?;
        let (_, pooled) = out["pooled"].try_extract_tensor::<f32>()?;
        if hidden.len() != b * t * d || pooled.len() != b * d {
            bail!("encoder.onnx returned {} hidden values for [{b}, {t}, {d}]", hidden.len());
        }
        Ok((hidden.to_vec(), pooled.to_vec(), t))
    }

    /// Runs the heads over encoded states: `param_pos` `[B, P]`, `member_pool` `[B, P, M, T]`.
    pub fn heads(&mut self, hidden: &[f32], b: usize, t: usize, param_pos: &[i64], p: usize, member_pool: &[f32], m: usize) -> Result<HeadsOut> {
        let d = self.manifest.d_model;
        let out = self
            .heads
            .run(ort::inputs![
                "hidden" => TensorRef::from_array_view(([b, t, d], hidden))?,
                "param_pos" => TensorRef::from_array_view(([b, p], param_pos))?,
                "member_pool" => TensorRef::from_array_view(([b, p, m, t], member_pool))?
            ])
            .context("heads.onnx failed")?;
        let take = |name: &str, len: usize| -> Result<Vec<f32>> {
            let (_, v) = out[name].try_extract_tensor::<f32>()?;
            if v.len() != len {
                bail!("heads.onnx returned {} values for {name}, expected {len}", v.len());
            }
            Ok(v.to_vec())
        };
        Ok(HeadsOut {
            count: take("count", b * N_COUNT)?,
            status: take("status", b * p * N_STATUS)?,
            spans: take("spans", b * p * t * N_TAGS)?,
            members: take("members", b * p * m)?,
            p,
            m,
            t,
        })
    }
}
