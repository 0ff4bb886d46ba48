//! A model directory (docs/model-format.md §1, §5): the manifest, the tokenizer and the two
//! ONNX Runtime sessions, each with one `forward` method. No decoding logic lives here.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use anyhow::{anyhow, bail, Context, Result};
use ort::session::Session;
use ort::value::{DynValue, Tensor, TensorRef};
use serde::Deserialize;
use tokenizers::Tokenizer;

/// The format version this runtime understands.
pub const FORMAT_VERSION: u64 = 2;

#[derive(Debug, Clone, Deserialize)]
pub struct Manifest {
    pub format_version: u64,
    #[serde(default)]
    pub name: String,
    pub config: Config,
    pub special_tokens: SpecialTokens,
    pub max_tool_tokens: usize,
    pub max_query_tokens: usize,
    pub max_output_tokens: usize,
    pub files: Files,
    /// The ONNX Runtime version that already optimised the graphs (`export.optimize_for_cpu`);
    /// when present the sessions load with graph optimisation off (4x faster session creation).
    #[serde(default)]
    pub ort_optimized: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Config {
    pub vocab_size: usize,
    pub d_model: usize,
    pub n_heads: usize,
    pub n_kv_heads: usize,
    pub head_dim: usize,
    pub n_encoder_layers: usize,
    pub n_decoder_layers: usize,
    #[serde(default)]
    pub rope_theta: f64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SpecialTokens {
    pub pad: u32,
    pub bos: u32,
    pub eos: u32,
    pub tool: u32,
    pub query: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Files {
    pub encoder: String,
    pub decoder: String,
    pub tokenizer: String,
}

impl Manifest {
    pub fn load(dir: &Path) -> Result<Manifest> {
        let path = dir.join("needle.json");
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let manifest: Manifest = serde_json::from_str(&text)
            .with_context(|| format!("{}: not a valid needle manifest", path.display()))?;
        if manifest.format_version != FORMAT_VERSION {
            bail!(
                "{}: format_version {} is not supported (this needle reads version {FORMAT_VERSION})",
                path.display(),
                manifest.format_version
            );
        }
        manifest.check().with_context(|| format!("{}: not a usable manifest", path.display()))?;
        Ok(manifest)
    }

    /// Values the runtime relies on: special tokens inside the vocabulary, room for `[]`, a
    /// head layout that divides. (That the graphs agree with `config` is checked when they run.)
    fn check(&self) -> Result<()> {
        let c = &self.config;
        let s = &self.special_tokens;
        for (name, id) in [("pad", s.pad), ("bos", s.bos), ("eos", s.eos), ("tool", s.tool), ("query", s.query)] {
            if id as usize >= c.vocab_size {
                bail!("special_tokens.{name} = {id} is outside the vocabulary (vocab_size {})", c.vocab_size);
            }
        }
        for (name, n) in [("max_tool_tokens", self.max_tool_tokens), ("max_query_tokens", self.max_query_tokens)] {
            if n == 0 {
                bail!("{name} is 0");
            }
        }
        if self.max_output_tokens < 2 {
            bail!("max_output_tokens = {}: at least 2 (`[]`)", self.max_output_tokens);
        }
        if c.n_heads == 0 || c.n_kv_heads == 0 || c.head_dim == 0 || c.n_heads * c.head_dim != c.d_model || c.n_heads % c.n_kv_heads != 0 {
            bail!("config: n_heads {} x head_dim {} must be d_model {}, and n_kv_heads {} must divide n_heads",
                  c.n_heads, c.head_dim, c.d_model, c.n_kv_heads);
        }
        Ok(())
    }
}

/// Where to run the model. A provider that is not compiled in or fails to start falls back to
/// the CPU with a warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Device {
    Cpu,
    Cuda,
    Coreml,
}

#[derive(Debug, Clone, Default)]
pub struct ModelOptions {
    pub device: Option<Device>,
    /// Intra-op threads of the shared pool (ONNX Runtime's default when `None`: one per core).
    pub threads: Option<usize>,
    /// Explicit ONNX Runtime library (see `ort_lib`).
    pub ort_lib: Option<PathBuf>,
    /// The thread pool's workers spin while waiting for work (faster per request, slower
    /// start; see `environment`). Pipe, REPL and eval spin; one-shot does not.
    pub spin: bool,
}

/// The ONNX Runtime environment; created once per process (the library can be loaded once),
/// with one global intra-op thread pool (`threads` workers; ONNX Runtime's default: one per
/// core) that both sessions share. Two per-session pools on 2 cores fought each other: the
/// global pool took the 20-tool line from ~92 to ~62 ms (docs/performance.md). The first
/// model loaded in a process fixes `threads` and `spin`.
pub(crate) fn environment(ort_lib: Option<&Path>, threads: Option<usize>, spin: bool) -> Result<&'static ort::environment::Environment> {
    static ENV: OnceLock<ort::environment::Environment> = OnceLock::new();
    // ONNX Runtime allows one environment per process: two threads loading models at once
    // (the test harness does) must not both build one, so the check and the creation are
    // serialised and a later thread takes the first one's environment. Once per model load,
    // so the lock costs nothing.
    static CREATING: Mutex<()> = Mutex::new(());
    let _creating = CREATING.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(env) = ENV.get() {
        return Ok(env);
    }
    let lib = crate::ort_lib::locate(ort_lib)?;
    let builder = ort::init_from(&lib)
        .map_err(|e| anyhow!("cannot load ONNX Runtime from {}: {e}", lib.display()))?;
    let mut pool = ort::environment::GlobalThreadPoolOptions::default();
    if let Some(n) = threads {
        pool = pool.with_intra_threads(n).map_err(|e| anyhow!("--threads {n}: {e}"))?;
    }
    // Spinning workers answer a decoder step sooner (20-tool line ~64 -> ~56 ms) but on 2
    // cores they take the CPU from the thread preparing the other session at load (sessions
    // ~150 -> ~200 ms): worth it for many lines, not for one (docs/performance.md).
    // `NEEDLE_ORT_SPIN=0|1` overrides, for measurements.
    let spin = match std::env::var("NEEDLE_ORT_SPIN").as_deref() {
        Ok("0") => false,
        Ok("1") => true,
        _ => spin,
    };
    pool = pool.with_spin_control(spin).map_err(|e| anyhow!("{e}"))?;
    let env = builder
        .with_name("needle")
        .with_telemetry(false)
        .with_global_thread_pool(pool)
        .build()
        .map_err(|e| anyhow!("cannot start ONNX Runtime ({}): {e}", lib.display()))?;
    Ok(ENV.get_or_init(|| env))
}

pub(crate) fn session(
    env: &ort::environment::Environment,
    path: &Path,
    opts: &ModelOptions,
    pre_optimized: bool,
    warn: bool,
) -> Result<(Session, Device)> {
    let mut builder = Session::builder(env).map_err(|e| anyhow!("{e}"))?; // uses the global pool
    if pre_optimized {
        builder = builder
            .with_optimization_level(ort::session::builder::GraphOptimizationLevel::Disable)
            .map_err(|e| anyhow!("{e}"))?;
    }
    builder = measurement_knobs(builder)?;
    let (builder, device) = with_device(builder, opts.device.unwrap_or(Device::Cpu), warn);
    let mut builder = builder;
    let session = builder
        .commit_from_file(path)
        .map_err(|e| anyhow!("cannot load {}: {e}", path.display()))?;
    Ok((session, device))
}

/// Session levers for measurements (docs/performance.md), read from the environment; unset
/// means needle's defaults. `NEEDLE_ORT_OPT=off|basic|extended|all` (graph optimisation
/// level; default: off for pre-optimised graphs, else all), `NEEDLE_ORT_MEM_PATTERN=0` (no
/// memory-pattern planning). (`NEEDLE_ORT_SPIN=1`: see `environment`.)
fn measurement_knobs(builder: ort::session::builder::SessionBuilder) -> Result<ort::session::builder::SessionBuilder> {
    use ort::session::builder::GraphOptimizationLevel as G;
    let mut b = builder;
    if let Ok(v) = std::env::var("NEEDLE_ORT_OPT") {
        let level = match v.as_str() {
            "off" => G::Disable,
            "basic" => G::Level1,
            "extended" => G::Level2,
            "all" => G::All,
            _ => bail!("NEEDLE_ORT_OPT={v}: expected off, basic, extended or all"),
        };
        b = b.with_optimization_level(level).map_err(|e| anyhow!("{e}"))?;
    }
    if std::env::var("NEEDLE_ORT_MEM_PATTERN").is_ok_and(|v| v == "0") {
        b = b.with_memory_pattern(false).map_err(|e| anyhow!("{e}"))?;
    }
    Ok(b)
}

#[allow(unused_mut)]
fn with_device(
    builder: ort::session::builder::SessionBuilder,
    device: Device,
    warn: bool,
) -> (ort::session::builder::SessionBuilder, Device) {
    let warn_fallback = |why: String| {
        if warn {
            eprintln!("needle: warning: {why}; using the CPU");
        }
    };
    match device {
        Device::Cpu => (builder, Device::Cpu),
        Device::Cuda => {
            #[cfg(feature = "cuda")]
            {
                let ep = ort::ep::CUDA::default().build().error_on_failure();
                return match builder.with_execution_providers([ep]) {
                    Ok(b) => (b, Device::Cuda),
                    Err(e) => {
                        warn_fallback(format!("CUDA is unavailable ({e})"));
                        (e.recover(), Device::Cpu)
                    }
                };
            }
            #[cfg(not(feature = "cuda"))]
            {
                warn_fallback("this needle was built without the `cuda` feature".into());
                (builder, Device::Cpu)
            }
        }
        Device::Coreml => {
            #[cfg(feature = "coreml")]
            {
                let ep = ort::ep::CoreML::default().build().error_on_failure();
                return match builder.with_execution_providers([ep]) {
                    Ok(b) => (b, Device::Coreml),
                    Err(e) => {
                        warn_fallback(format!("CoreML is unavailable ({e})"));
                        (e.recover(), Device::Cpu)
                    }
                };
            }
            #[cfg(not(feature = "coreml"))]
            {
                warn_fallback("this needle was built without the `coreml` feature".into());
                (builder, Device::Cpu)
            }
        }
    }
}

/// Output of the encoder: cross-attention K and V, each `[L, B, H, T, D]` row-major.
pub struct CrossKv {
    pub k: Vec<f32>,
    pub v: Vec<f32>,
    pub batch: usize,
    pub len: usize,
}

/// `encoder.onnx`: a batch of segments -> cross-attention K/V for every decoder layer.
pub struct Encoder {
    session: Session,
}

impl Encoder {
    /// `input_ids` and `attention_mask` are `[batch, len]` row-major (right-padded).
    pub fn forward(
        &mut self,
        input_ids: &[i64],
        attention_mask: &[i64],
        batch: usize,
        len: usize,
    ) -> Result<CrossKv> {
        let ids = TensorRef::from_array_view(([batch, len], input_ids))?;
        let mask = TensorRef::from_array_view(([batch, len], attention_mask))?;
        let outputs = self
            .session
            .run(ort::inputs!["input_ids" => ids, "attention_mask" => mask])
            .context("encoder.onnx failed")?;
        let (_, k) = outputs["cross_k"].try_extract_tensor::<f32>()?;
        let (_, v) = outputs["cross_v"].try_extract_tensor::<f32>()?;
        Ok(CrossKv {
            k: k.to_vec(),
            v: v.to_vec(),
            batch,
            len,
        })
    }
}

/// The decoder's self-attention cache (`present_*` of one call, `past_*` of the next).
pub struct KvCache {
    pub k: DynValue,
    pub v: DynValue,
    /// Cached positions (P).
    pub len: usize,
}

/// `decoder.onnx`: one step (1 or more new tokens) with a KV cache.
pub struct Decoder {
    session: Session,
    /// Input names of the memory, `cross_k_0..` then `cross_v_0..` (built once, not per step).
    cross_names: Vec<String>,
    layers: usize,
    kv_heads: usize,
    head_dim: usize,
    vocab: usize,
}

impl Decoder {
    /// An empty cache (P = 0).
    pub fn empty_cache(&self) -> Result<KvCache> {
        let shape = [self.layers, 1, self.kv_heads, 0, self.head_dim];
        Ok(KvCache {
            k: Tensor::<f32>::from_array((shape, Vec::<f32>::new()))?.into_dyn(),
            v: Tensor::<f32>::from_array((shape, Vec::<f32>::new()))?.into_dyn(),
            len: 0,
        })
    }

    /// Feeds `input_ids` (batch 1) after `past`. The memory comes one buffer per decoder layer:
    /// `cross_k[l]`/`cross_v[l]` are `[1, H, M, D]` and `memory_mask` is `[1, M]`; they are
    /// passed to ONNX Runtime as views (no copy). Writes the next-token logits after the last
    /// new token into `logits` and returns the new cache.
    pub fn forward(
        &mut self,
        input_ids: &[i64],
        past: &KvCache,
        cross_k: &[Vec<f32>],
        cross_v: &[Vec<f32>],
        memory_mask: &[i64],
        logits: &mut Vec<f32>,
    ) -> Result<KvCache> {
        let m = memory_mask.len();
        if cross_k.len() != self.layers || cross_v.len() != self.layers {
            bail!("decoder: {} memory layers given, the model has {}", cross_k.len(), self.layers);
        }
        let cross_shape = [1, self.kv_heads, m, self.head_dim];
        let mut inputs: Vec<(&str, ort::session::SessionInputValue<'_>)> = vec![
            ("input_ids", TensorRef::from_array_view(([1, input_ids.len()], input_ids))?.into()),
            ("past_k", (&past.k).into()),
            ("past_v", (&past.v).into()),
            ("memory_mask", TensorRef::from_array_view(([1, m], memory_mask))?.into()),
        ];
        for (name, buf) in self.cross_names.iter().zip(cross_k.iter().chain(cross_v)) {
            let view = TensorRef::from_array_view((cross_shape, buf.as_slice()))?;
            inputs.push((name, view.into()));
        }
        let mut outputs = self.session.run(inputs).context("decoder.onnx failed")?;
        {
            let (shape, all) = outputs["logits"].try_extract_tensor::<f32>()?;
            let vocab = *shape.last().unwrap_or(&0) as usize;
            if vocab != self.vocab || all.len() < vocab {
                bail!(
                    "decoder.onnx: logits have shape {shape:?}, expected [1, 1, {}]",
                    self.vocab
                );
            }
            logits.clear();
            logits.extend_from_slice(&all[all.len() - vocab..]);
        }
        let k = outputs
            .remove("present_k")
            .context("decoder.onnx has no present_k output")?;
        let v = outputs
            .remove("present_v")
            .context("decoder.onnx has no present_v output")?;
        Ok(KvCache {
            k,
            v,
            len: past.len + input_ids.len(),
        })
    }
}

/// A loaded model directory.
pub struct Model {
    pub dir: PathBuf,
    pub manifest: Manifest,
    pub tokenizer: Tokenizer,
    pub encoder: Encoder,
    pub decoder: Decoder,
    /// The device the sessions actually run on (after any fallback).
    pub device: Device,
}

impl Model {
    pub fn load(dir: &Path, opts: &ModelOptions) -> Result<Model> {
        let manifest = Manifest::load(dir)?;
        let tok_path = dir.join(&manifest.files.tokenizer);
        let tokenizer = Tokenizer::from_file(&tok_path)
            .map_err(|e| anyhow!("cannot load tokenizer {}: {e}", tok_path.display()))?;
        let env = environment(opts.ort_lib.as_deref(), opts.threads, opts.spin)?;
        let enc_path = dir.join(&manifest.files.encoder);
        let dec_path = dir.join(&manifest.files.decoder);
        for p in [&enc_path, &dec_path] {
            if !p.is_file() {
                bail!("model file {} is missing", p.display());
            }
        }
        // The two sessions are created side by side (they share nothing). The decoder is
        // asked for the same device as the encoder; if that device fails, both fall back to
        // the CPU and only the encoder's warning is printed.
        let pre = manifest.ort_optimized.is_some();
        let (enc, dec) = std::thread::scope(|scope| {
            let dec = scope.spawn(|| session(env, &dec_path, opts, pre, false));
            let enc = session(env, &enc_path, opts, pre, true);
            (enc, dec.join().unwrap_or_else(|_| Err(anyhow!("loading decoder.onnx panicked"))))
        });
        let (enc, device) = enc?;
        let (dec, _) = dec?;
        let c = &manifest.config;
        let cross_names = ["k", "v"]
            .iter()
            .flat_map(|kind| (0..c.n_decoder_layers).map(move |l| format!("cross_{kind}_{l}")))
            .collect();
        let decoder = Decoder {
            session: dec,
            cross_names,
            layers: c.n_decoder_layers,
            kv_heads: c.n_kv_heads,
            head_dim: c.head_dim,
            vocab: c.vocab_size,
        };
        Ok(Model {
            dir: dir.to_path_buf(),
            tokenizer,
            encoder: Encoder { session: enc },
            decoder,
            device,
            manifest,
        })
    }

    /// Token ids of `text` without special tokens (contract §3).
    pub fn encode_text(&self, text: &str) -> Result<Vec<u32>> {
        // Never tokenize more than the model can read (a 16 MB line took 1.9 GB): the cut text
        // is still far longer than max_query_tokens / max_tool_tokens, so truncation is reported there.
        let (text, _) = crate::cap_text(text, crate::copy_model::MAX_TEXT_BYTES);
        let enc = self
            .tokenizer
            .encode(text, false)
            .map_err(|e| anyhow!("tokenizer failed: {e}"))?;
        Ok(enc.get_ids().to_vec())
    }

    /// Text of generated ids (special tokens skipped).
    pub fn decode_ids(&self, ids: &[u32]) -> Result<String> {
        self.tokenizer
            .decode(ids, true)
            .map_err(|e| anyhow!("tokenizer failed to decode: {e}"))
    }
}

/// Segment ids per the contract (§3): `[marker] + ids`, truncated to `max` ids in total.
pub fn segment(marker: u32, ids: &[u32], max: usize) -> Vec<u32> {
    let mut out = Vec::with_capacity(ids.len() + 1);
    out.push(marker);
    out.extend_from_slice(ids);
    out.truncate(max);
    out
}

/// Finds the model directory: `explicit` (`--model` / `NEEDLE_MODEL`), else the shipped model
/// in `assets/`, looked up relative to the executable: `<exe dir>/../../assets` (the checkout,
/// from `target/release/needle`), `<exe dir>/assets` (an installed copy beside it), then the
/// compile-time fallback `assets/` of the checkout it was built from ([`crate::checkout_dir`]). A directory counts when it holds
/// `needle.json`.
pub fn locate_model_dir(explicit: Option<&Path>) -> Result<PathBuf> {
    if let Some(dir) = explicit {
        if dir.join("needle.json").is_file() {
            return Ok(dir.to_path_buf());
        }
        bail!(
            "{}: not a needle model directory (no needle.json)",
            dir.display()
        );
    }
    let candidates = default_model_dirs();
    for dir in &candidates {
        if dir.join("needle.json").is_file() {
            return Ok(dir.clone());
        }
    }
    let looked: Vec<String> = candidates
        .iter()
        .map(|d| format!("  {}", d.display()))
        .collect();
    bail!(
        "no model found (pass --model DIR). Looked in:\n{}",
        looked.join("\n")
    )
}

/// The default model locations, in search order.
pub fn default_model_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(exe_dir) = std::env::current_exe()
        .ok()
        .and_then(|p| p.canonicalize().ok())
        .and_then(|p| p.parent().map(Path::to_path_buf))
    {
        if let Some(up2) = exe_dir.parent().and_then(Path::parent) {
            dirs.push(up2.join("assets"));
        }
        dirs.push(exe_dir.join("assets"));
    }
    dirs.push(crate::checkout_dir().join("assets"));
    dirs
}
