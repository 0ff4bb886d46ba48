//! `needle bench`: speed and footprint in one run (docs/performance.md).
//!
//! Measures, on this machine and this model:
//! - per-line latency (median, p95) of the default decoding (schema-constrained, jump-forward,
//!   unless `--no-constrain`) with 1, 20 and 200 tools loaded, in process, the way pipe mode
//!   answers a line (`Engine::predict` plus writing the JSON line), with tokens and decoder
//!   calls per line;
//! - tool-loading time (encoding every tool segment; the in-process engine has no tool cache)
//!   for each set, and the time to load the 20 tools from a filled tool cache;
//! - decoder tokens per second: tokens (emitted + `eos`) over the decode part of the line
//!   (line time minus the query's encoder pass, timed separately on the same query);
//! - cold start to first answer: the `needle` binary itself, spawned for one-shot mode with the
//!   20-tool set, time to exit (median of `--cold-runs`), and its peak RSS (`wait4`): once with
//!   an empty tool cache (a tool set never seen: every tool is encoded) and once with the tool
//!   cache filled by an earlier run (the everyday case); the same for a pipe-mode child answering
//!   `--lines` lines. The children use a temporary tool cache, never the user's;
//! - model file size; the FLOPs of a line (from the manifest config and each line's real query
//!   length, memory rows and decoder positions) against this machine's measured f32 matrix-multiply
//!   rate (ndarray/matrixmultiply, 512x512x512, 1 thread and 2 threads side by side): the floor;
//! - with `--baselines`: `scripts/bench_baselines.py` (Python onnxruntime without KV cache that
//!   re-encodes all tools every line; PyTorch eager) on the same token ids, and the ratios.
//!
//! The 200-tool set: the tool file's tools, then renamed variations of them (`<name>_v<k>`, the
//! description prefixed with `Variant k: `) until there are 200; 1 tool: the file's first tool.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

use crate::cli::EngineArgs;
use crate::InputError;
use crate::engine::Engine;
use crate::model::Config;
use crate::tools::{self, Tool};

/// Arguments of `needle bench`.
#[derive(clap::Args, Debug, Clone)]
pub struct BenchArgs {
    /// The tool file of the 20-tool row (its first tool is the 1-tool row).
    #[arg(long, value_name = "PATH", default_value = "schemas/examples/assistant-20.json")]
    pub tools: PathBuf,
    /// Tools added to those of --tools to make the 200-tool rows (distinct tools from other
    /// domains; the first 200 - N are used).
    #[arg(long, value_name = "PATH", default_value = "schemas/examples/catalogue-180.json")]
    pub more_tools: PathBuf,
    /// Requests, one per line (cycled when --lines is larger).
    #[arg(long, value_name = "FILE", default_value = "docs/queries.txt")]
    pub queries: PathBuf,
    /// Lines per tool set.
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub lines: usize,
    /// Child processes for the cold-start measurement (median reported).
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub cold_runs: usize,
    /// Also run scripts/bench_baselines.py (Python onnxruntime without KV cache, PyTorch eager)
    /// on the same inputs and report the ratios. Needs scripts/setup's .venv.
    #[arg(long)]
    pub baselines: bool,
    /// Lines per baseline (each also stops after about 40 s).
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub baseline_lines: usize,
    /// PyTorch checkpoint of the model for the eager baseline (default: runs/release/model.pt;
    /// skipped when its config does not match the model's).
    #[arg(long, value_name = "FILE")]
    pub checkpoint: Option<PathBuf>,
    /// Also write every number as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
}

/// A path given relative to the working directory, else relative to the source checkout.
fn resolve(p: &Path) -> PathBuf {
    if p.exists() || p.is_absolute() {
        return p.to_path_buf();
    }
    let alt = Path::new(env!("CARGO_MANIFEST_DIR")).join(p);
    if alt.exists() {
        alt
    } else {
        p.to_path_buf()
    }
}

fn median(v: &[f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    let n = s.len();
    if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

fn p95(v: &[f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    let i = ((0.95 * s.len() as f64).round() as usize).clamp(1, s.len()) - 1;
    s[i]
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len().max(1) as f64
}

/// The large tool set: `base`, then tools of `more` (in order) until `n`.
pub fn large_tool_set(base: &[Tool], more: &[Tool], n: usize) -> Result<Vec<Tool>> {
    let out: Vec<Tool> = base.iter().chain(more).take(n).cloned().collect();
    if out.len() < n {
        bail!("{n} tools needed, {} given ({} + {} more)", out.len(), base.len(), more.len());
    }
    Ok(out)
}

/// One tool set's per-line measurements.
#[derive(Debug, Clone)]
struct LineStats {
    label: String,
    tools: usize,
    rows: usize,
    load_ms: f64,
    ms: Vec<f64>,
    /// Query encoder pass, timed separately on the same query.
    enc_ms: Vec<f64>,
    /// Emitted tokens + eos (= decoder positions fed, bos included).
    tokens: Vec<f64>,
    steps: Vec<f64>,
    forced: Vec<f64>,
    query_len: Vec<f64>,
    errors: usize,
    flops: Vec<f64>,
    /// Bytes a line must read from memory (`line_bytes`).
    bytes: Vec<f64>,
}

impl LineStats {
    /// Decoding time of all lines: each line minus its query's encoder pass.
    fn decode_ms(&self) -> f64 {
        self.ms.iter().zip(&self.enc_ms).map(|(a, b)| (a - b).max(0.0)).sum()
    }

    fn decode_tok_per_s(&self) -> f64 {
        self.tokens.iter().sum::<f64>() / (self.decode_ms() / 1e3)
    }

    /// Decoding time per decoder call.
    fn ms_per_decoder_call(&self) -> f64 {
        self.decode_ms() / self.steps.iter().sum::<f64>().max(1.0)
    }

    fn to_json(&self) -> Value {
        json!({
            "label": self.label, "tools": self.tools, "memory_rows": self.rows, "tool_load_ms": self.load_ms,
            "lines": self.ms.len(), "median_ms": median(&self.ms), "p95_ms": p95(&self.ms),
            "mean_tokens": mean(&self.tokens), "mean_decoder_calls": mean(&self.steps),
            "mean_forced_tokens": mean(&self.forced), "query_encode_median_ms": median(&self.enc_ms),
            "decoder_tokens_per_s": self.decode_tok_per_s(), "ms_per_decoder_call": self.ms_per_decoder_call(), "errors": self.errors,
            "median_gflop_per_line": median(&self.flops) / 1e9,
            "median_mb_per_line": median(&self.bytes) / 1e6,
        })
    }
}

/// FLOPs (multiply-add = 2) of one line: the query's encoder pass (attention-only blocks,
/// projections + attention within the segment, then the cross K/V projections for every decoder
/// layer), then `positions` decoder positions (self-attention over the cache, cross-attention
/// over `memory` rows, the tied LM head). RMSNorm, RoPE and softmax are not counted.
pub fn line_flops(c: &Config, query_len: usize, memory: usize, positions: usize) -> f64 {
    let d = c.d_model as f64;
    let q_dim = (c.n_heads * c.head_dim) as f64;
    let kv_dim = (c.n_kv_heads * c.head_dim) as f64;
    let proj = 2.0 * d * (2.0 * q_dim + 2.0 * kv_dim); // q, k, v, o
    let attn = |keys: f64| 2.0 * 2.0 * keys * q_dim; // QK^T and AV for one query position
    let t = query_len as f64;
    let enc = c.n_encoder_layers as f64 * t * (proj + attn(t)) + c.n_decoder_layers as f64 * t * 2.0 * d * 2.0 * kv_dim;
    let mut dec = 0.0;
    for p in 0..positions {
        let self_attn = proj + attn((p + 1) as f64);
        let cross = 2.0 * d * 2.0 * q_dim + attn(memory as f64); // q and o projections; K/V cached
        dec += c.n_decoder_layers as f64 * (self_attn + cross) + 2.0 * d * c.vocab_size as f64;
    }
    enc + dec
}

/// Bytes one line reads at least: the encoder's weights once (the query's pass), then per
/// decoder call the decoder's weights and the memory's K and V (f32). `weights`: the encoder and
/// decoder file sizes (int8 weights). Neither fits this machine's caches (8 MiB L3 here), so a
/// line cannot take less than these bytes over the memory bandwidth, whatever the FLOPs.
pub fn line_bytes(c: &Config, weights: (f64, f64), memory: usize, calls: usize) -> f64 {
    let kv = 2.0 * (c.n_decoder_layers * c.n_kv_heads * c.head_dim * memory * 4) as f64;
    weights.0 + calls as f64 * (weights.1 + kv)
}

/// Memory read bandwidth (GB/s): `threads` threads side by side, each summing its own 256 MiB.
fn read_gbps(threads: usize) -> f64 {
    const LEN: usize = 64 << 20; // f32s
    let run = move || {
        let buf: Vec<f32> = (0..LEN).map(|i| (i % 7) as f32).collect();
        let mut acc = 0.0f32;
        acc += buf.iter().step_by(16).sum::<f32>(); // touch every page first
        let t = Instant::now();
        for _ in 0..4 {
            // Eight independent sums: the loop is limited by memory, not by one add chain.
            let mut lanes = [0.0f32; 8];
            for chunk in buf.chunks_exact(8) {
                for (l, x) in lanes.iter_mut().zip(chunk) {
                    *l += x;
                }
            }
            acc += lanes.iter().sum::<f32>();
        }
        (t.elapsed().as_secs_f64(), acc)
    };
    threads as f64 * 4.0 * (LEN * 4) as f64 / slowest_thread(threads, run) / 1e9
}

/// Runs `run` on `threads` threads side by side and returns the slowest one's seconds (`run`
/// returns its seconds and a result, kept so the work cannot be optimised away).
fn slowest_thread(threads: usize, run: impl Fn() -> (f64, f32) + Send + Copy + 'static) -> f64 {
    let handles: Vec<_> = (0..threads).map(|_| std::thread::spawn(run)).collect();
    let mut worst = 0.0f64;
    for h in handles {
        let (s, acc) = h.join().expect("benchmark thread");
        std::hint::black_box(acc);
        worst = worst.max(s);
    }
    worst
}

fn run_lines(engine: &mut Engine, label: &str, set: &[Tool], queries: &[String], lines: usize) -> Result<LineStats> {
    engine.set_tools(Vec::new())?;
    let t0 = Instant::now();
    engine.set_tools(set.to_vec())?;
    let load_ms = t0.elapsed().as_secs_f64() * 1e3;
    let rows = engine.last_encode.rows;
    let cfg = engine.model.manifest.config.clone();
    let max_out = engine.model.manifest.max_output_tokens;
    // One warm-up line (first-run allocations of ONNX Runtime), not counted.
    let _ = engine.predict(&queries[0]);
    let mut st = LineStats {
        label: label.to_string(),
        tools: set.len(),
        rows,
        load_ms,
        ms: vec![],
        enc_ms: vec![],
        tokens: vec![],
        steps: vec![],
        forced: vec![],
        query_len: vec![],
        errors: 0,
        flops: vec![],
        bytes: vec![],
    };
    let file_bytes = |f: &str| std::fs::metadata(engine.model.dir.join(f)).map_or(0.0, |m| m.len() as f64);
    let files = &engine.model.manifest.files;
    let weights = (file_bytes(&files.encoder), file_bytes(&files.decoder));
    let mut sink = std::io::sink();
    for i in 0..lines {
        let q = &queries[i % queries.len()];
        let t = Instant::now();
        let res = engine.predict(q);
        let (tokens, steps, forced) = match &res {
            Ok(p) => {
                writeln!(sink, "{}", serde_json::to_string(&Value::Array(p.calls.clone()))?)?;
                (p.tokens.len() + 1, p.steps, p.forced)
            }
            Err(_) => {
                st.errors += 1;
                (max_out, max_out, 0)
            }
        };
        st.ms.push(t.elapsed().as_secs_f64() * 1e3);
        // The query's encoder pass alone, to split the line into encode and decode.
        let (seg, _) = engine.query_segment(q)?;
        let ids: Vec<i64> = seg.iter().map(|&x| x as i64).collect();
        let te = Instant::now();
        engine.model.encoder.forward(&ids, &vec![1; ids.len()], 1, ids.len())?;
        st.enc_ms.push(te.elapsed().as_secs_f64() * 1e3);
        st.tokens.push(tokens as f64);
        st.steps.push(steps as f64);
        st.forced.push(forced as f64);
        st.query_len.push(seg.len() as f64);
        st.flops.push(line_flops(&cfg, seg.len(), rows + seg.len(), tokens));
        st.bytes.push(line_bytes(&cfg, weights, rows + seg.len(), steps));
    }
    Ok(st)
}

/// f32 matmul rate (GFLOP/s) of ndarray (matrixmultiply) on `threads` threads side by side,
/// each multiplying its own `m x k` by `k x n`.
fn matmul_gflops(m: usize, k: usize, n: usize, threads: usize) -> f64 {
    use ndarray::Array2;
    let reps = (1.5e9 / (2.0 * (m * k * n) as f64)).ceil().max(3.0) as usize;
    let run = move || {
        let a = Array2::<f32>::from_shape_fn((m, k), |(i, j)| ((i * 7 + j * 3) % 13) as f32 * 0.01);
        let b = Array2::<f32>::from_shape_fn((k, n), |(i, j)| ((i * 5 + j * 11) % 17) as f32 * 0.01);
        let mut acc = 0.0f32;
        for _ in 0..2 {
            acc += a.dot(&b)[[0, 0]];
        }
        let t = Instant::now();
        for _ in 0..reps {
            acc += a.dot(&b)[[0, 0]];
        }
        (t.elapsed().as_secs_f64(), acc)
    };
    threads as f64 * reps as f64 * 2.0 * (m * k * n) as f64 / slowest_thread(threads, run) / 1e9
}

/// Runs a child to exit; (wall ms, peak RSS KiB of the child).
fn timed_child(mut cmd: Command, stdin_text: Option<&str>) -> Result<(f64, u64, i32)> {
    let t = Instant::now();
    let mut child = cmd
        .stdin(if stdin_text.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("cannot spawn needle")?;
    if let Some(text) = stdin_text {
        let mut sin = child.stdin.take().expect("piped stdin");
        sin.write_all(text.as_bytes())?;
    }
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: plain wait4 on our own child; rusage is plain data.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let ms = t.elapsed().as_secs_f64() * 1e3;
    if r != pid {
        bail!("wait4 failed: {}", std::io::Error::last_os_error());
    }
    std::mem::forget(child); // already reaped
    let code = if libc::WIFEXITED(status) { libc::WEXITSTATUS(status) } else { -1 };
    Ok((ms, usage.ru_maxrss as u64, code))
}

fn self_hwm_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn child_base(eargs: &EngineArgs, model_dir: &Path, tools: &Path, cache: &Path) -> Result<Command> {
    let mut c = Command::new(std::env::current_exe()?);
    c.arg("--model").arg(model_dir).arg("--tools").arg(tools).arg("--tool-cache").arg(cache);
    if let Some(n) = eargs.threads {
        c.arg("--threads").arg(n.to_string());
    }
    if let Some(p) = &eargs.ort_lib {
        c.arg("--ort-lib").arg(p);
    }
    if eargs.no_constrain {
        c.arg("--no-constrain");
    }
    if eargs.focus {
        c.arg("--focus");
    }
    Ok(c)
}

fn run_baselines(args: &BenchArgs, model_dir: &Path, engine: &Engine, tools20: &[Tool], queries: &[String]) -> Result<Value> {
    let py = resolve(Path::new("scripts/py"));
    let venv = py.parent().and_then(Path::parent).map(|r| r.join(".venv/bin/python"));
    let script = resolve(Path::new("scripts/bench_baselines.py"));
    if !py.is_file() || !script.is_file() || !venv.as_ref().is_some_and(|v| v.exists()) {
        bail!("Python is not set up (scripts/setup --dev makes .venv); baselines skipped");
    }
    let tool_segs: Vec<Vec<u32>> = tools20.iter().map(|t| engine.tool_segment(t)).collect::<Result<_>>()?;
    let query_segs: Vec<Vec<u32>> = queries
        .iter()
        .take(args.baseline_lines.max(1))
        .map(|q| engine.query_segment(q).map(|s| s.0))
        .collect::<Result<_>>()?;
    let checkpoint = args
        .checkpoint
        .clone()
        .unwrap_or_else(|| resolve(Path::new("runs/release/model.pt")));
    let inputs = json!({
        "model_dir": model_dir.canonicalize()?,
        "checkpoint": checkpoint.canonicalize().unwrap_or(checkpoint),
        "tools": tool_segs,
        "queries": query_segs,
        "max_output_tokens": engine.model.manifest.max_output_tokens,
    });
    let path = std::env::temp_dir().join(format!("needle-bench-{}.json", std::process::id()));
    std::fs::write(&path, serde_json::to_string(&inputs)?)?;
    let out = Command::new(&py)
        .arg(&script)
        .arg("--inputs")
        .arg(&path)
        .arg("--lines")
        .arg(args.baseline_lines.to_string())
        .stderr(Stdio::inherit())
        .output()
        .context("cannot run scripts/py")?;
    let _ = std::fs::remove_file(&path);
    if !out.status.success() {
        bail!("scripts/bench_baselines.py failed ({})", out.status);
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let last = text.lines().last().unwrap_or("");
    serde_json::from_str(last).with_context(|| format!("bench_baselines.py printed no JSON: {text:?}"))
}

fn f1(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.1}")
    } else {
        "-".into()
    }
}

fn mark(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "**missed**"
    }
}

pub fn run(args: &BenchArgs, eargs: &EngineArgs) -> Result<()> {
    let model_dir = crate::model::locate_model_dir(eargs.model.as_deref())?;
    let tools_path = resolve(&args.tools);
    let queries_path = resolve(&args.queries);
    // Bad inputs are input errors (exit 2), like the tool files of the other modes.
    let tools20 = tools::load_paths(std::slice::from_ref(&tools_path), &[])?;
    if tools20.is_empty() {
        return Err(InputError(format!("{}: no tools", tools_path.display())).into());
    }
    let queries: Vec<String> = std::fs::read_to_string(&queries_path)
        .map_err(|e| InputError(format!("cannot read {}: {e}", queries_path.display())))?
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect();
    if queries.is_empty() {
        return Err(InputError(format!("{}: no queries", queries_path.display())).into());
    }
    let lines = args.lines.max(1);
    let tools1 = tools20[..1].to_vec();
    let more_path = resolve(&args.more_tools);
    let more = tools::load_paths(std::slice::from_ref(&more_path), &tools20)?;
    let tools200 = large_tool_set(&tools20, &more, 200)
        .map_err(|e| InputError(format!("--more-tools {}: {e}", more_path.display())))?;

    eprintln!("needle bench: model {}, {} lines per tool set", model_dir.display(), lines);
    // Child processes first, while this process is still small: a forked child's peak RSS
    // (wait4's ru_maxrss) includes the parent's image it started from.
    // Cold start: the binary itself, one-shot, 20 tools.
    eprintln!("needle bench: cold start ...");
    let cache = std::env::temp_dir().join(format!("needle-bench-cache-{}", std::process::id()));
    let one_shot = |tools: &Path| -> Result<(f64, u64)> {
        let mut c = child_base(eargs, &model_dir, tools, &cache)?;
        c.arg("--").arg(&queries[0]);
        let (ms, rss, code) = timed_child(c, None)?;
        if code != 0 && code != 1 {
            bail!("one-shot child exited with {code}");
        }
        Ok((ms, rss))
    };
    // Empty tool cache every time: the first run with a tool set.
    let (mut cold_uncached, mut cold_uncached_rss) = (Vec::new(), 0u64);
    for _ in 0..args.cold_runs.max(1) {
        let _ = std::fs::remove_dir_all(&cache);
        let (ms, rss) = one_shot(&tools_path)?;
        cold_uncached.push(ms);
        cold_uncached_rss = cold_uncached_rss.max(rss);
    }
    // The cache now holds the 20 tools: every later run.
    let (mut cold, mut cold_rss) = (Vec::new(), 0u64);
    for _ in 0..args.cold_runs.max(1) {
        let (ms, rss) = one_shot(&tools_path)?;
        cold.push(ms);
        cold_rss = cold_rss.max(rss);
    }
    // 1 tool: a temporary file holding the first tool (its encoding is cached by now).
    let one = std::env::temp_dir().join(format!("needle-bench-1tool-{}.json", std::process::id()));
    std::fs::write(&one, serde_json::to_string(&tools1[0].to_json())?)?;
    let mut cold1 = Vec::new();
    for _ in 0..args.cold_runs.max(1) {
        cold1.push(one_shot(&one)?.0);
    }
    let _ = std::fs::remove_file(&one);
    // 200 tools (one-shot loads only the request's shortlist): the first run with them, then
    // with the cache filled.
    let all = std::env::temp_dir().join(format!("needle-bench-200tools-{}.json", std::process::id()));
    std::fs::write(&all, serde_json::to_string(&tools200.iter().map(Tool::to_json).collect::<Vec<_>>())?)?;
    let cold200_first = one_shot(&all)?.0;
    let (mut cold200, mut cold200_rss) = (Vec::new(), 0u64);
    for _ in 0..args.cold_runs.max(1) {
        let (ms, rss) = one_shot(&all)?;
        cold200.push(ms);
        cold200_rss = cold200_rss.max(rss);
    }
    let _ = std::fs::remove_file(&all);
    // Pipe mode child, 20 tools, `lines` lines.
    let text: String = (0..lines).map(|i| format!("{}\n", queries[i % queries.len()])).collect();
    let (pipe_ms, pipe_rss, _) = timed_child(child_base(eargs, &model_dir, &tools_path, &cache)?, Some(&text))?;

    let t0 = Instant::now();
    let mut loaded = crate::load_engine(eargs, Vec::new(), false)?;
    let engine = loaded.seq2seq_mut()?;
    let model_load_ms = t0.elapsed().as_secs_f64() * 1e3;
    // In process: tool loading means encoding. The cache is measured once, below.
    engine.tool_cache = None;
    let decoding = match (engine.constrained(), engine.focus()) {
        (false, _) => "unconstrained",
        (true, false) => "schema-constrained, jump-forward",
        (true, true) => "schema-constrained, jump-forward, focused arguments (`--focus`)",
    };

    let mut sets = Vec::new();
    for (label, set) in [("1 tool", &tools1), ("20 tools", &tools20), ("200 tools", &tools200)] {
        eprintln!("needle bench: {label} ...");
        sets.push(run_lines(engine, label, set, &queries, lines)?);
    }
    // The same 200 tools decoded over all of them (no shortlist), for the comparison.
    let shortlist = engine.shortlist_len();
    engine.set_shortlist_len(0);
    eprintln!("needle bench: 200 tools, no shortlist ...");
    let mut full200 = run_lines(engine, "200 tools, no shortlist (`--shortlist 0`)", &tools200, &queries, lines)?;
    full200.load_ms = f64::NAN;
    engine.set_shortlist_len(shortlist);
    // Unconstrained greedy on the 20-tool set: the same decoding as the baselines.
    let unc_lines = lines.min(args.baseline_lines.max(1));
    let constrained = engine.constrained();
    engine.set_constrained(false);
    eprintln!("needle bench: 20 tools, unconstrained ...");
    let mut unc = run_lines(engine, "20 tools, unconstrained", &tools20, &queries, unc_lines)?;
    unc.load_ms = f64::NAN;
    engine.set_constrained(constrained);
    // Focused decoding of the arguments (`--focus`, experimental) toggled on the 20-tool set.
    let focus = engine.focus();
    engine.set_focus(!focus);
    let label = if focus { "20 tools, whole memory (without `--focus`)" } else { "20 tools, `--focus` (experimental)" };
    eprintln!("needle bench: {label} ...");
    let mut toggled = run_lines(engine, label, &tools20, &queries, lines)?;
    toggled.load_ms = f64::NAN;
    engine.set_focus(focus);
    // Loading the 20 tools from the (filled) tool cache of the children.
    engine.set_tools(Vec::new())?;
    engine.tool_cache = Some(crate::tool_cache::ToolCache::open(&cache, &model_dir, &engine.model.manifest.files.encoder)?);
    engine.set_tools(tools20.clone())?;
    let cached_load_ms = engine.last_encode.ms;
    let cached_tools = engine.last_encode.cached;
    engine.tool_cache = None;
    let _ = std::fs::remove_dir_all(&cache);
    let bench_hwm = self_hwm_kib();

    // Matmul rate of this machine (f32, ndarray/matrixmultiply).
    eprintln!("needle bench: matmul rate ...");
    let mm1 = matmul_gflops(512, 512, 512, 1);
    let mm2 = matmul_gflops(512, 512, 512, 2);
    let mv1 = matmul_gflops(1, 512, 512, 1);
    eprintln!("needle bench: memory bandwidth ...");
    let bw1 = read_gbps(1);
    let bw2 = read_gbps(2);

    let size = |f: &str| std::fs::metadata(model_dir.join(f)).map(|m| m.len()).unwrap_or(0);
    let man = &engine.model.manifest;
    let (enc_b, dec_b, tok_b) = (size(&man.files.encoder), size(&man.files.decoder), size(&man.files.tokenizer));

    let baselines = if args.baselines {
        eprintln!("needle bench: baselines (scripts/bench_baselines.py) ...");
        match run_baselines(args, &model_dir, engine, &tools20, &queries) {
            Ok(v) => Some(v),
            Err(e) => {
                eprintln!("needle bench: note: {e:#}");
                Some(json!({"skipped": format!("{e:#}")}))
            }
        }
    } else {
        None
    };

    // ---- the table ----------------------------------------------------------------------
    let s1 = &sets[0];
    let s20 = &sets[1];
    let s200 = &sets[2];
    let growth = (median(&s200.ms) / median(&s20.ms) - 1.0) * 100.0;
    let floor_rate = mm2.max(mm1);
    let floor_ms: Vec<f64> = s20.flops.iter().map(|f| f / (floor_rate * 1e9) * 1e3).collect();
    let over_floor = s20.ms.iter().sum::<f64>() / floor_ms.iter().sum::<f64>();
    let mut o = String::new();
    let threads = eargs.threads.map_or("ONNX Runtime default".to_string(), |n| n.to_string());
    o += &format!(
        "model {} ({}), {} encoder + {} decoder layers, d_model {}; decoding: {decoding}; intra-op threads: {threads}; {} CPU(s)\n\n",
        man.name,
        model_dir.display(),
        man.config.n_encoder_layers,
        man.config.n_decoder_layers,
        man.config.d_model,
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0)
    );
    o += "| tool set | memory rows | tool loading ms | per line median ms | p95 ms | tokens/line | decoder calls/line | query encode ms | decoder tok/s | GFLOP/line |\n";
    o += "|---|---|---|---|---|---|---|---|---|---|\n";
    for s in sets.iter().chain([&full200, &unc, &toggled]) {
        o += &format!(
            "| {} | {} | {} | {} | {} | {:.1} | {:.1} | {} | {:.0} | {:.2} |\n",
            s.label,
            s.rows,
            f1(s.load_ms),
            f1(median(&s.ms)),
            f1(p95(&s.ms)),
            mean(&s.tokens),
            mean(&s.steps),
            f1(median(&s.enc_ms)),
            s.decode_tok_per_s(),
            median(&s.flops) / 1e9
        );
    }
    o += "\n| measure | result | target |\n|---|---|---|\n";
    o += &format!(
        "| per line, 20 tools (median) | {} ms ({:.1} tokens/line, {} errors) | <= 15 ms: {} |\n",
        f1(median(&s20.ms)),
        mean(&s20.tokens),
        s20.errors,
        mark(median(&s20.ms) <= 15.0)
    );
    o += &format!(
        "| {} (median) | {} ms ({:.1} tokens/line, {:.1} decoder calls/line) | |\n",
        toggled.label,
        f1(median(&toggled.ms)),
        mean(&toggled.tokens),
        mean(&toggled.steps)
    );
    o += &format!(
        "| growth 20 -> 200 tools (median; shortlist of {shortlist}) | {growth:+.1}% | <= 25%: {} |\n",
        mark(growth <= 25.0)
    );
    o += &format!(
        "| growth 20 -> 200 tools per decoded token (decoder tok/s; shortlist of {shortlist}) | {:+.1}% | |\n",
        (s20.decode_tok_per_s() / s200.decode_tok_per_s() - 1.0) * 100.0
    );
    o += &format!(
        "| growth 20 -> 200 tools per decoder call (decode ms / calls; shortlist of {shortlist}) | {:+.1}% ({:.2} -> {:.2} ms) | |\n",
        (s200.ms_per_decoder_call() / s20.ms_per_decoder_call() - 1.0) * 100.0,
        s20.ms_per_decoder_call(),
        s200.ms_per_decoder_call()
    );
    o += &format!(
        "| growth 20 -> 200 tools without the shortlist (median) | {:+.1}% | |\n",
        (median(&full200.ms) / median(&s20.ms) - 1.0) * 100.0
    );
    o += &format!("| per line, 1 tool (median) | {} ms | |\n", f1(median(&s1.ms)));
    o += &format!(
        "| cold start to first answer (one-shot child, 20 tools, tool cache filled; median of {}) | {} ms (min {}, max {}) | <= 300 ms: {} |\n",
        cold.len(),
        f1(median(&cold)),
        f1(cold.iter().copied().fold(f64::INFINITY, f64::min)),
        f1(cold.iter().copied().fold(0.0, f64::max)),
        mark(median(&cold) <= 300.0)
    );
    o += &format!(
        "| cold start, first run with these 20 tools (empty tool cache; median of {}) | {} ms | |\n",
        cold_uncached.len(),
        f1(median(&cold_uncached))
    );
    o += &format!("| cold start, 1 tool (median) | {} ms | |\n", f1(median(&cold1)));
    o += &format!(
        "| cold start, 200 tools (one-shot loads the request's shortlist; cache filled, median; first run) | {} ms, peak RSS {:.1} MiB; {} ms | |\n",
        f1(median(&cold200)),
        cold200_rss as f64 / 1024.0,
        f1(cold200_first)
    );
    o += &format!("| model load in process (ONNX Runtime + sessions + tokenizer) | {} ms | |\n", f1(model_load_ms));
    o += &format!(
        "| tool loading (encode) 1 / 20 / 200 tools | {} / {} / {} ms | |\n",
        f1(s1.load_ms),
        f1(s20.load_ms),
        f1(s200.load_ms)
    );
    o += &format!(
        "| tool loading, 20 tools from the tool cache | {} ms ({cached_tools} of {} found) | |\n",
        f1(cached_load_ms),
        tools20.len()
    );
    o += &format!("| decoder tokens/s (20 tools) | {:.0} | |\n", s20.decode_tok_per_s());
    o += &format!(
        "| peak RSS, one-shot child (20 tools) | {:.1} MiB | <= 150 MiB: {} |\n",
        cold_rss as f64 / 1024.0,
        mark(cold_rss as f64 / 1024.0 <= 150.0)
    );
    o += &format!(
        "| peak RSS, one-shot child, empty tool cache (20 tools) | {:.1} MiB | |\n",
        cold_uncached_rss as f64 / 1024.0
    );
    o += &format!(
        "| peak RSS, pipe child (20 tools, {lines} lines; {} ms wall) | {:.1} MiB | <= 150 MiB: {} |\n",
        f1(pipe_ms),
        pipe_rss as f64 / 1024.0,
        mark(pipe_rss as f64 / 1024.0 <= 150.0)
    );
    if let Some(h) = bench_hwm {
        o += &format!("| peak RSS, this bench process (all sets, 200 tools included) | {:.1} MiB | |\n", h as f64 / 1024.0);
    }
    o += &format!(
        "| model files (encoder + decoder + tokenizer) | {:.1} MiB ({:.1} + {:.1} + {:.1}) | |\n",
        (enc_b + dec_b + tok_b) as f64 / 1048576.0,
        enc_b as f64 / 1048576.0,
        dec_b as f64 / 1048576.0,
        tok_b as f64 / 1048576.0
    );
    o += &format!(
        "| f32 matmul rate (ndarray, 512x512x512) | {mm1:.1} GFLOP/s 1 thread, {mm2:.1} GFLOP/s 2 threads; 1x512x512: {mv1:.1} GFLOP/s | |\n"
    );
    o += &format!(
        "| floor, 20 tools: median FLOPs/line / best matmul rate | {:.2} GFLOP / {floor_rate:.1} GFLOP/s = {} ms | |\n",
        median(&s20.flops) / 1e9,
        f1(median(&floor_ms))
    );
    o += &format!("| our time over the floor (20 tools, sum over lines) | {over_floor:.1}x | |\n");
    let bw = bw1.max(bw2);
    let traffic_ms: Vec<f64> = s20.bytes.iter().map(|b| b / (bw * 1e9) * 1e3).collect();
    o += &format!("| memory read bandwidth (256 MiB per thread) | {bw1:.1} GB/s 1 thread, {bw2:.1} GB/s 2 threads | |\n");
    o += &format!(
        "| traffic floor, 20 tools: median bytes/line (encoder weights + per decoder call: decoder weights + memory K/V) / best bandwidth | {:.0} MB / {bw:.1} GB/s = {} ms | |\n",
        median(&s20.bytes) / 1e6,
        f1(median(&traffic_ms))
    );
    o += &format!(
        "| our time over the traffic floor (20 tools, sum over lines) | {:.1}x | |\n",
        s20.ms.iter().sum::<f64>() / traffic_ms.iter().sum::<f64>()
    );

    if let Some(b) = &baselines {
        let ours_med = median(&s20.ms);
        let ours_tok = s20.ms.iter().sum::<f64>() / s20.tokens.iter().sum::<f64>();
        let unc_med = median(&unc.ms);
        let unc_tok = unc.ms.iter().sum::<f64>() / unc.tokens.iter().sum::<f64>();
        for key in ["ort_naive", "torch_eager"] {
            let v = &b[key];
            if let Some(med) = v["median_ms"].as_f64() {
                let per_tok = v["ms_per_token"].as_f64().unwrap_or(f64::NAN);
                let target = if key == "ort_naive" {
                    format!(">= 10x: {}", mark(med / ours_med >= 10.0))
                } else {
                    String::new()
                };
                o += &format!(
                    "| baseline {key} ({} lines): median {} ms, p95 {} ms, {:.1} tokens/line | ours {:.1}x faster per line ({:.1}x unconstrained vs unconstrained); per token {:.1}x ({:.1}x) | {target} |\n",
                    v["lines"],
                    f1(med),
                    f1(v["p95_ms"].as_f64().unwrap_or(f64::NAN)),
                    v["mean_tokens"].as_f64().unwrap_or(f64::NAN),
                    med / ours_med,
                    med / unc_med,
                    per_tok / ours_tok,
                    per_tok / unc_tok,
                );
            } else {
                o += &format!("| baseline {key} | skipped: {} | |\n", v.get("skipped").or(b.get("skipped")).unwrap_or(&Value::Null));
            }
        }
        if let Some(mm) = b.get("matmul").and_then(Value::as_object) {
            let parts: Vec<String> = mm.iter().map(|(k, v)| format!("{k} {:.1}", v.as_f64().unwrap_or(f64::NAN))).collect();
            o += &format!("| matmul rate, PyTorch (GFLOP/s) | {} | |\n", parts.join(", "));
        }
    }
    print!("{o}");
    std::io::stdout().flush()?;

    if let Some(p) = &args.json {
        let v = json!({
            "model": man.name, "model_dir": model_dir, "decoding": decoding, "threads": eargs.threads,
            "sets": sets.iter().chain([&full200, &unc, &toggled]).map(LineStats::to_json).collect::<Vec<_>>(),
            "growth_20_to_200_pct": growth,
            "cold_start_ms": cold, "cold_start_uncached_ms": cold_uncached, "cold_start_1tool_ms": cold1,
            "cold_start_200tools_ms": cold200, "cold_start_200tools_first_ms": cold200_first, "peak_rss_kib_200tools_one_shot": cold200_rss,
            "model_load_ms": model_load_ms, "tool_cache_load_ms_20": cached_load_ms,
            "peak_rss_kib": {"one_shot": cold_rss, "one_shot_uncached": cold_uncached_rss, "pipe": pipe_rss, "bench": bench_hwm},
            "pipe_wall_ms": pipe_ms,
            "model_bytes": {"encoder": enc_b, "decoder": dec_b, "tokenizer": tok_b},
            "matmul_gflops": {"512_t1": mm1, "512_t2": mm2, "1x512x512_t1": mv1},
            "floor_ms_median": median(&floor_ms), "over_floor": over_floor,
            "read_gbps": {"t1": bw1, "t2": bw2}, "traffic_floor_ms_median": median(&traffic_ms),
            "baselines": baselines,
        });
        std::fs::write(p, serde_json::to_string_pretty(&v)?)?;
    }
    Ok(())
}
