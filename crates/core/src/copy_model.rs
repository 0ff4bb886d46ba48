//! A model directory of format 3 (docs/model-format.md, "Format 3"): a pretrained WordPiece
//! encoder (all-MiniLM-L6-v2), a memory graph and a copy decoder. This file holds the manifest,
//! the text the encoder reads (`tool_text`, segments with surfaces) and the three ONNX Runtime
//! sessions, each with one `forward`; the decoding loop is `copy_engine.rs`.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use ort::session::Session;
use ort::value::{DynValue, Tensor, TensorRef};
use serde::Deserialize;
use serde_json::Value;
use tokenizers::Tokenizer;

use crate::model::{Device, ModelOptions};
use crate::render::prune;

pub const FORMAT_VERSION: u64 = 3;

/// Longest text handed to the tokenizer, in bytes: far more than `max_tool_pieces` WordPieces
/// ever need, so a huge description costs bounded time and memory (the pieces past the cap
/// would be truncated anyway).
pub const MAX_TEXT_BYTES: usize = 16 * 1024;

#[derive(Debug, Clone, Deserialize)]
pub struct Manifest {
    pub format_version: u64,
    #[serde(default)]
    pub name: String,
    pub config: Config,
    pub special: Special,
    pub max_tool_pieces: usize,
    pub max_query_pieces: usize,
    pub max_actions: usize,
    /// The chooser answers `[]` when no tool's cosine with the query reaches this.
    pub no_call_threshold: f32,
    /// Who decides that no tool fits a line the chooser passed (absent: the chooser).
    #[serde(default)]
    pub no_call: NoCallPolicy,
    /// With `no_call: "decoder"`: the decoder's `[]` stands only when its probability (among
    /// the actions the constraint allows) is at least this; otherwise the decoder writes its
    /// best call. 0 (absent): whenever `[]` is its most likely action. Calibrated on held-out
    /// training rows (`pipeline.copy_curve calibrate`).
    #[serde(default)]
    pub no_call_min_probability: f32,
    pub files: Files,
    #[serde(default)]
    pub ort_optimized: Option<String>,
}

/// Who decides that no tool fits a line (the manifest's `no_call`; `NEEDLE_NO_CALL` overrides it
/// for measurements).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NoCallPolicy {
    /// The chooser alone: `[]` below `no_call_threshold`, and otherwise the decoder may not
    /// write the empty array.
    #[default]
    Chooser,
    /// The decoder too: over the lines the chooser passes, it may answer `[]`.
    Decoder,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Config {
    /// Output vocabulary pieces (actions below this are pieces, the rest copy memory positions).
    pub vocab_size: usize,
    pub d_model: usize,
    pub n_heads: usize,
    pub n_layers: usize,
    pub d_memory: usize,
    /// Tool segments in the memory, best first.
    pub max_tools: usize,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Special {
    pub eos: u32,
    pub bos: u32,
    pub cls: u32,
    pub sep: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Files {
    pub encoder: String,
    pub memory: String,
    pub decoder: String,
    pub tokenizer: String,
    pub output_vocab: String,
}

impl Manifest {
    pub fn load(dir: &Path) -> Result<Manifest> {
        let path = dir.join("needle.json");
        let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let raw: Value = serde_json::from_str(&text).with_context(|| format!("{}: not JSON", path.display()))?;
        let version = raw.get("format_version").and_then(Value::as_u64).unwrap_or(0);
        if version != FORMAT_VERSION {
            bail!(
                "{}: format_version {version} is not supported here (this reader takes version {FORMAT_VERSION})",
                path.display()
            );
        }
        let manifest: Manifest =
            serde_json::from_value(raw).with_context(|| format!("{}: not a valid format 3 manifest", path.display()))?;
        manifest.check().with_context(|| format!("{}: not a usable manifest", path.display()))?;
        Ok(manifest)
    }

    /// Values the runtime relies on: special ids inside the output vocabulary (`eos`, `bos`),
    /// room for `[]`, a head layout that divides, a threshold that is a number. (That the
    /// graphs agree with `config` is checked when they run.)
    fn check(&self) -> Result<()> {
        let c = &self.config;
        for (name, id) in [("eos", self.special.eos), ("bos", self.special.bos)] {
            if id as usize >= c.vocab_size {
                bail!("special.{name} = {id} is outside the output vocabulary (vocab_size {})", c.vocab_size);
            }
        }
        for (name, n) in [("max_tool_pieces", self.max_tool_pieces), ("max_query_pieces", self.max_query_pieces)] {
            if n < 3 {
                bail!("{name} = {n}: at least 3 ([CLS], a piece, [SEP])");
            }
        }
        if c.max_tools == 0 {
            bail!("config.max_tools is 0");
        }
        if self.max_actions < 2 {
            bail!("max_actions = {}: at least 2 (`[]`)", self.max_actions);
        }
        if c.n_heads == 0 || c.d_model % c.n_heads != 0 || c.n_layers == 0 || c.d_memory == 0 {
            bail!("config: d_model {} must split into n_heads {}, with n_layers {} and d_memory {} above 0",
                  c.d_model, c.n_heads, c.n_layers, c.d_memory);
        }
        if !self.no_call_threshold.is_finite() {
            bail!("no_call_threshold must be a number");
        }
        if !(0.0..=1.0).contains(&self.no_call_min_probability) {
            bail!("no_call_min_probability = {}: a probability, from 0 to 1", self.no_call_min_probability);
        }
        Ok(())
    }
}

/// A tool as one line of plain text, the way the encoder read tools in training
/// (`copy_model.tool_text` in the pipeline; `tests/golden/tool_text.jsonl` holds both sides):
/// `name: description | param (type, required): description; one of: a, b; default x | ...`,
/// nested parameters by dotted path.
pub fn tool_text(name: &str, description: &str, parameters: &Value) -> String {
    let params = prune(parameters);
    let mut parts = vec![format!("{name}: {description}").trim().to_string()];
    walk(&params, "", &mut parts);
    parts.join(" | ")
}

fn walk(schema: &Value, path: &str, parts: &mut Vec<String>) {
    let required: Vec<&str> = match schema.get("required") {
        Some(Value::Array(r)) => r.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let Some(Value::Object(props)) = schema.get("properties") else { return };
    for (key, sub) in props {
        if !sub.is_object() {
            continue;
        }
        let name = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
        let mut kind = match sub.get("type") {
            None => "any".to_string(),
            Some(Value::Array(list)) => list.iter().map(plain).collect::<Vec<_>>().join("/"),
            Some(v) => plain(v),
        };
        let items = sub.get("items").filter(|i| i.is_object());
        if kind == "array" {
            if let Some(t) = items.and_then(|i| i.get("type")).filter(|t| truthy(t)) {
                kind = format!("array of {}", plain(t));
            }
        }
        let req = if required.contains(&key.as_str()) { ", required" } else { "" };
        let mut line = format!("{name} ({kind}{req})");
        if let Some(d) = sub.get("description").filter(|d| truthy(d)) {
            line += &format!(": {}", plain(d));
        }
        let enum_ = sub
            .get("enum")
            .filter(|e| truthy(e))
            .or_else(|| items.and_then(|i| i.get("enum")));
        if let Some(Value::Array(values)) = enum_ {
            let values: Vec<String> = values
                .iter()
                .map(|v| if let Value::String(s) = v { s.clone() } else { v.to_string() })
                .collect();
            line += &format!("; one of: {}", values.join(", "));
        }
        if let Some(d) = sub.get("default") {
            line += &format!("; default {d}");
        }
        parts.push(line);
        if sub.get("properties").is_some_and(truthy) {
            walk(sub, &name, parts);
        } else if let Some(i) = items.filter(|i| i.get("properties").is_some_and(truthy)) {
            walk(i, &name, parts);
        }
    }
}

/// Python's truthiness of a JSON value (`if x:`).
fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// A string as itself, anything else as compact JSON.
fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// One encoder segment: WordPiece ids (`[CLS] ... [SEP]`) and each piece's surface, the
/// original characters it covers (empty for the specials). A copied position writes its surface.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    pub ids: Vec<u32>,
    pub surfaces: Vec<String>,
    /// Pieces were cut at `max_pieces`.
    pub truncated: bool,
}

/// Tokenizes `text` into a segment of at most `max_pieces` pieces (the last one stays `[SEP]`).
pub fn segment(tok: &Tokenizer, text: &str, max_pieces: usize, special: &Special) -> Result<Segment> {
    let (text, cut) = crate::cap_text(text, MAX_TEXT_BYTES);
    let enc = tok.encode(text, true).map_err(|e| anyhow!("tokenizer failed: {e}"))?;
    let mut ids = enc.get_ids().to_vec();
    let mut offsets = enc.get_offsets().to_vec();
    let truncated = ids.len() > max_pieces || cut;
    if ids.len() > max_pieces && max_pieces > 0 {
        let last = ids.len() - 1;
        ids = ids[..max_pieces - 1].iter().chain(&ids[last..]).copied().collect();
        offsets = offsets[..max_pieces - 1].iter().chain(&offsets[last..]).copied().collect();
    }
    let surfaces = ids
        .iter()
        .zip(&offsets)
        .map(|(&id, &(a, b))| {
            if id == special.cls || id == special.sep {
                String::new()
            } else {
                text.get(a..b).unwrap_or("").to_string()
            }
        })
        .collect();
    Ok(Segment { ids, surfaces, truncated })
}

/// A loaded format 3 model directory.
pub struct CopyModel {
    pub dir: PathBuf,
    pub manifest: Manifest,
    pub tokenizer: Tokenizer,
    /// Output vocabulary pieces by action id (`<eos>`, `<bos>` first).
    pub pieces: Vec<String>,
    pub encoder: Encoder,
    pub memory: MemoryGraph,
    pub decoder: Decoder,
    pub device: Device,
}

impl CopyModel {
    pub fn load(dir: &Path, opts: &ModelOptions) -> Result<CopyModel> {
        let manifest = Manifest::load(dir)?;
        let f = &manifest.files;
        let tok_path = dir.join(&f.tokenizer);
        let mut tokenizer =
            Tokenizer::from_file(&tok_path).map_err(|e| anyhow!("cannot load tokenizer {}: {e}", tok_path.display()))?;
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(None)
            .map_err(|e| anyhow!("{}: {e}", tok_path.display()))?;
        let vocab_path = dir.join(&f.output_vocab);
        let pieces: Vec<String> = serde_json::from_str(
            &std::fs::read_to_string(&vocab_path).with_context(|| format!("cannot read {}", vocab_path.display()))?,
        )
        .with_context(|| format!("{}: not a JSON list of strings", vocab_path.display()))?;
        if pieces.len() != manifest.config.vocab_size {
            bail!(
                "{}: {} pieces, the manifest says vocab_size {}",
                vocab_path.display(),
                pieces.len(),
                manifest.config.vocab_size
            );
        }
        let paths = [dir.join(&f.encoder), dir.join(&f.memory), dir.join(&f.decoder)];
        for p in &paths {
            if !p.is_file() {
                bail!("model file {} is missing", p.display());
            }
        }
        let env = crate::model::environment(opts.ort_lib.as_deref(), opts.threads, opts.spin)?;
        let pre = manifest.ort_optimized.is_some();
        let (enc, device) = crate::model::session(env, &paths[0], opts, pre, true)?;
        let (mem, _) = crate::model::session(env, &paths[1], opts, pre, false)?;
        let (dec, _) = crate::model::session(env, &paths[2], opts, pre, false)?;
        let c = &manifest.config;
        let cross_names = ["k", "v"]
            .iter()
            .flat_map(|kind| (0..c.n_layers).map(move |l| format!("cross_{kind}_{l}")))
            .collect();
        Ok(CopyModel {
            dir: dir.to_path_buf(),
            tokenizer,
            pieces,
            encoder: Encoder { session: enc, width: c.d_memory },
            memory: MemoryGraph { session: mem, cross_names: Vec::clone(&cross_names) },
            decoder: Decoder {
                session: dec,
                cross_names,
                layers: c.n_layers,
                heads: c.n_heads,
                head_dim: c.d_model / c.n_heads,
            },
            device,
            manifest,
        })
    }
}

/// `encoder.onnx`: one segment -> hidden states `[T, d]` and the pooled embedding `[d]`.
pub struct Encoder {
    session: Session,
    width: usize,
}

/// A segment's encoding (what the runtime keeps per tool).
#[derive(Debug, Clone)]
pub struct Encoded {
    /// `[T, d]` row-major.
    pub hidden: Vec<f32>,
    /// Mean-pooled and L2-normalised (`[d]`).
    pub pooled: Vec<f32>,
}

impl Encoder {
    pub fn forward(&mut self, ids: &[u32]) -> Result<Encoded> {
        let n = ids.len();
        let ids: Vec<i64> = ids.iter().map(|&i| i as i64).collect();
        let mask = vec![1i64; n];
        let outputs = self
            .session
            .run(ort::inputs![
                "input_ids" => TensorRef::from_array_view(([1, n], ids.as_slice()))?,
                "attention_mask" => TensorRef::from_array_view(([1, n], mask.as_slice()))?
            ])
            .context("encoder.onnx failed")?;
        let (_, hidden) = outputs["hidden"].try_extract_tensor::<f32>()?;
        let (_, pooled) = outputs["pooled"].try_extract_tensor::<f32>()?;
        if hidden.len() != n * self.width || pooled.len() != self.width {
            bail!("encoder.onnx returned {} hidden values for {n} pieces of width {}", hidden.len(), self.width);
        }
        Ok(Encoded { hidden: hidden.to_vec(), pooled: pooled.to_vec() })
    }
}

/// The decoder's memory for one line (outputs of `memory.onnx`, fed to every decoder step).
pub struct Memory {
    pub len: usize,
    pub memory: DynValue,
    pub copy_keys: DynValue,
    /// `cross_k_0..` then `cross_v_0..`.
    pub cross: Vec<DynValue>,
}

/// `memory.onnx`: the chosen segments' states, segment index and cosine -> the memory.
pub struct MemoryGraph {
    session: Session,
    cross_names: Vec<String>,
}

impl MemoryGraph {
    /// `states` is `[M, d_memory]` row-major; `segment[i]` 0 for the query, r for the tool of
    /// rank r; `similarity[i]` that tool's cosine (0 on the query).
    pub fn forward(&mut self, states: &[f32], segment: &[i64], similarity: &[f32]) -> Result<Memory> {
        let m = segment.len();
        let d = states.len() / m.max(1);
        let mut outputs = self
            .session
            .run(ort::inputs![
                "states" => TensorRef::from_array_view(([1, m, d], states))?,
                "segment" => TensorRef::from_array_view(([1, m], segment))?,
                "similarity" => TensorRef::from_array_view(([1, m], similarity))?
            ])
            .context("memory.onnx failed")?;
        let mut take = |name: &str| outputs.remove(name).with_context(|| format!("memory.onnx has no {name} output"));
        let memory = take("memory")?;
        let copy_keys = take("copy_keys")?;
        let cross = self.cross_names.iter().map(|n| take(n)).collect::<Result<Vec<_>>>()?;
        Ok(Memory { len: m, memory, copy_keys, cross })
    }
}

/// The self-attention cache (`present_*` of one call, `past_*` of the next).
pub struct KvCache {
    pub k: DynValue,
    pub v: DynValue,
    pub len: usize,
}

/// `decoder.onnx`: S new actions after a cache -> logits of the next action `[V + M]`.
pub struct Decoder {
    session: Session,
    cross_names: Vec<String>,
    layers: usize,
    heads: usize,
    head_dim: usize,
}

impl Decoder {
    pub fn empty_cache(&self) -> Result<KvCache> {
        let shape = [self.layers, 1, self.heads, 0, self.head_dim];
        Ok(KvCache {
            k: Tensor::<f32>::from_array((shape, Vec::<f32>::new()))?.into_dyn(),
            v: Tensor::<f32>::from_array((shape, Vec::<f32>::new()))?.into_dyn(),
            len: 0,
        })
    }

    /// Feeds `actions` at positions `past.len..`; `prev_pos`: the memory position of the last
    /// action if it is a copy, else -2; `coverage` `[M]`: 1.0 where any action so far (these
    /// included) copied that position. Writes the next action's logits into `logits`.
    pub fn forward(
        &mut self,
        actions: &[i64],
        past: &KvCache,
        prev_pos: i64,
        coverage: &[f32],
        memory: &Memory,
        logits: &mut Vec<f32>,
    ) -> Result<KvCache> {
        let m = memory.len;
        let start = [past.len as i64];
        let prev = [prev_pos];
        let mut inputs: Vec<(&str, ort::session::SessionInputValue<'_>)> = vec![
            ("actions", TensorRef::from_array_view(([1, actions.len()], actions))?.into()),
            ("start", TensorRef::from_array_view((Vec::<i64>::new(), &start[..]))?.into()),
            ("prev_pos", TensorRef::from_array_view(([1], &prev[..]))?.into()),
            ("coverage", TensorRef::from_array_view(([1, m], coverage))?.into()),
            ("memory", (&memory.memory).into()),
            ("copy_keys", (&memory.copy_keys).into()),
            ("past_k", (&past.k).into()),
            ("past_v", (&past.v).into()),
        ];
        for (name, value) in self.cross_names.iter().zip(&memory.cross) {
            inputs.push((name, value.into()));
        }
        let mut outputs = self.session.run(inputs).context("decoder.onnx failed")?;
        {
            let (_, all) = outputs["logits"].try_extract_tensor::<f32>()?;
            logits.clear();
            logits.extend_from_slice(all);
        }
        let k = outputs.remove("present_k").context("decoder.onnx has no present_k output")?;
        let v = outputs.remove("present_v").context("decoder.onnx has no present_v output")?;
        Ok(KvCache { k, v, len: past.len + actions.len() })
    }
}

#[cfg(test)]
mod no_call_tests {
    use super::*;

    fn manifest(no_call: Option<&str>) -> serde_json::Result<Manifest> {
        let mut m = serde_json::json!({
            "format_version": 3,
            "config": {"vocab_size": 4, "d_model": 8, "n_heads": 2, "n_layers": 1, "d_memory": 8, "max_tools": 3},
            "special": {"eos": 0, "bos": 1, "cls": 101, "sep": 102},
            "max_tool_pieces": 256, "max_query_pieces": 128, "max_actions": 128, "no_call_threshold": -1.0,
            "files": {"encoder": "e", "memory": "m", "decoder": "d", "tokenizer": "t", "output_vocab": "v"}
        });
        if let Some(v) = no_call {
            m["no_call"] = v.into();
        }
        serde_json::from_value(m)
    }

    #[test]
    fn manifest_values_the_runtime_relies_on_are_checked() {
        assert!(manifest(None).unwrap().check().is_ok());
        let broken = [("eos", 9999), ("bos", 4)];
        for (key, id) in broken {
            let mut m = manifest(None).unwrap();
            if key == "eos" { m.special.eos = id } else { m.special.bos = id }
            let e = m.check().unwrap_err().to_string();
            assert!(e.contains(&format!("special.{key} = {id} is outside")), "{e}");
        }
        let mut m = manifest(None).unwrap();
        m.max_actions = 1;
        assert!(m.check().unwrap_err().to_string().contains("max_actions = 1"));
        let mut m = manifest(None).unwrap();
        m.max_tool_pieces = 0;
        assert!(m.check().unwrap_err().to_string().contains("max_tool_pieces = 0"));
        let mut m = manifest(None).unwrap();
        m.config.n_heads = 3;
        assert!(m.check().unwrap_err().to_string().contains("must split into n_heads 3"));
        for floor in [-0.1, 1.5, f32::NAN] {
            let mut m = manifest(None).unwrap();
            m.no_call_min_probability = floor;
            assert!(m.check().unwrap_err().to_string().contains("no_call_min_probability"), "{floor}");
        }
        assert_eq!(manifest(None).unwrap().no_call_min_probability, 0.0, "absent: the decoder's argmax decides");
    }

    #[test]
    fn manifest_names_who_decides_no_call() {
        assert_eq!(manifest(None).unwrap().no_call, NoCallPolicy::Chooser, "absent: the format 3 default");
        assert_eq!(manifest(Some("chooser")).unwrap().no_call, NoCallPolicy::Chooser);
        assert_eq!(manifest(Some("decoder")).unwrap().no_call, NoCallPolicy::Decoder);
        assert!(manifest(Some("Decoder ")).is_err(), "an unknown value is an error, not a silent default");
    }
}
