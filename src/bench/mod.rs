//! `needle bench`: speed and footprint in one run (docs/performance.md).
//!
//! Measures, on this machine and this model:
//! - per-line latency (median, p95) of the default decoding (schema-constrained, jump-forward,
//!   unless `--no-constrain`) with 1, 20 and 200 tools loaded, in process, the way pipe mode
//!   answers a line (`predict` plus writing the JSON line), with tokens (format 3: actions) and
//!   decoder calls per line, and the same 20 tools unconstrained;
//! - tool-loading time (encoding every tool; the in-process engine has no tool cache) for each
//!   set;
//! - decoder tokens per second: tokens (emitted + `eos`) over the decode part of the line
//!   (line time minus the query's encoder pass, timed separately on the same query);
//! - cold start to first answer and peak RSS: the `needle` binary itself, spawned (`children`);
//! - model file sizes.
//!
//! Format 2 models (`seq2seq`) add the shortlist rows, the tool cache, the FLOP and
//! memory-traffic floors of a line (`machine`) and, with `--baselines`,
//! `scripts/bench_baselines.py` (Python onnxruntime without KV cache that re-encodes all tools
//! every line; PyTorch eager) on the same token ids. Format 3 models (`copy`) have no tool
//! cache, shortlist or baselines yet.
//!
//! The 200-tool set: the tool file's tools, then the tools of `--more-tools` until there are 200;
//! 1 tool: the file's first tool.

mod children;
mod copy;
mod extract;
mod machine;
mod seq2seq;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Result};
use serde_json::{json, Value};

use crate::any_engine::AnyEngine;
use crate::cli::EngineArgs;
use crate::tools::{self, Tool};
use crate::InputError;
pub use machine::{line_bytes, line_flops};

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
    /// Memory rows of the loaded tools (format 3: encoded tool pieces).
    rows: usize,
    load_ms: f64,
    ms: Vec<f64>,
    /// Query encoder pass, timed separately on the same query.
    enc_ms: Vec<f64>,
    /// Emitted tokens (format 3: actions) + eos (= decoder positions fed, bos included).
    tokens: Vec<f64>,
    steps: Vec<f64>,
    forced: Vec<f64>,
    /// The query's length in encoder tokens (format 3: pieces).
    query_len: Vec<f64>,
    errors: usize,
    /// FLOPs of a line (format 2 only, `machine::line_flops`).
    flops: Vec<f64>,
    /// Bytes a line must read from memory (format 2 only, `machine::line_bytes`).
    bytes: Vec<f64>,
}

impl LineStats {
    fn new(label: &str, tools: usize, rows: usize, load_ms: f64) -> LineStats {
        LineStats {
            label: label.to_string(),
            tools,
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
        }
    }

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

    /// The per-line table; `flops`: with the GFLOP column (format 2).
    fn table(sets: &[&LineStats], flops: bool) -> String {
        let unit = if flops { "tokens" } else { "actions" };
        let mut o = format!(
            "| tool set | memory rows | tool loading ms | per line median ms | p95 ms | {unit}/line | decoder calls/line | query encode ms | decoder {unit}/s |{}\n",
            if flops { " GFLOP/line |" } else { "" }
        );
        o += &format!("|---|---|---|---|---|---|---|---|---|{}\n", if flops { "---|" } else { "" });
        for s in sets {
            o += &format!(
                "| {} | {} | {} | {} | {} | {:.1} | {:.1} | {} | {:.0} |",
                s.label,
                s.rows,
                f1(s.load_ms),
                f1(median(&s.ms)),
                f1(p95(&s.ms)),
                mean(&s.tokens),
                mean(&s.steps),
                f1(median(&s.enc_ms)),
                s.decode_tok_per_s(),
            );
            if flops {
                o += &format!(" {:.2} |", median(&s.flops) / 1e9);
            }
            o += "\n";
        }
        o
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

fn self_hwm_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// What `run_lines` needs of an engine (format 2: `seq2seq`, format 3: `copy`).
trait Measured {
    /// Replaces the loaded tools (encoding each); returns the memory rows they make.
    fn load_tools(&mut self, tools: Vec<Tool>) -> Result<usize>;
    fn predict(&mut self, query: &str) -> Result<crate::decode::Prediction>;
    /// The query's encoder pass alone; returns the query's length in tokens.
    fn encode_query(&mut self, query: &str) -> Result<usize>;
    /// Tokens (or actions) a line may write: what a failed line counts as.
    fn max_output(&self) -> usize;
}

/// Loads `set` (timed), then answers `lines` queries the way pipe mode does (predict, then
/// write the JSON line) after one warm-up line, and times each query's encoder pass alone, to
/// split a line into encode and decode.
fn run_lines(engine: &mut impl Measured, label: &str, set: &[Tool], queries: &[String], lines: usize) -> Result<LineStats> {
    engine.load_tools(Vec::new())?;
    let t0 = Instant::now();
    let rows = engine.load_tools(set.to_vec())?;
    let mut st = LineStats::new(label, set.len(), rows, t0.elapsed().as_secs_f64() * 1e3);
    // The warm-up line (first-run allocations of ONNX Runtime) is not counted.
    let _ = engine.predict(&queries[0]);
    let max = engine.max_output();
    let mut sink = std::io::sink();
    for i in 0..lines {
        let q = &queries[i % queries.len()];
        let t = Instant::now();
        let (tokens, steps, forced) = match engine.predict(q) {
            Ok(p) => {
                writeln!(sink, "{}", serde_json::to_string(&Value::Array(p.calls))?)?;
                (p.tokens.len() + 1, p.steps, p.forced)
            }
            Err(_) => {
                st.errors += 1;
                (max, max, 0)
            }
        };
        st.ms.push(t.elapsed().as_secs_f64() * 1e3);
        let te = Instant::now();
        let query_len = engine.encode_query(q)?;
        st.enc_ms.push(te.elapsed().as_secs_f64() * 1e3);
        st.tokens.push(tokens as f64);
        st.steps.push(steps as f64);
        st.forced.push(forced as f64);
        st.query_len.push(query_len as f64);
    }
    Ok(st)
}

/// The tool sets and queries every measurement uses.
pub struct Inputs {
    /// The `--tools` file (the children load it by path).
    tools_path: PathBuf,
    tools1: Vec<Tool>,
    tools20: Vec<Tool>,
    tools200: Vec<Tool>,
    queries: Vec<String>,
}

impl Inputs {
    /// Bad inputs are input errors (exit 2), like the tool files of the other modes.
    fn load(args: &BenchArgs) -> Result<Inputs> {
        let tools_path = resolve(&args.tools);
        let queries_path = resolve(&args.queries);
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
        let more_path = resolve(&args.more_tools);
        let more = tools::load_paths(std::slice::from_ref(&more_path), &tools20)?;
        let tools200 = large_tool_set(&tools20, &more, 200)
            .map_err(|e| InputError(format!("--more-tools {}: {e}", more_path.display())))?;
        Ok(Inputs { tools_path, tools1: tools20[..1].to_vec(), tools20, tools200, queries })
    }
}

pub fn run(args: &BenchArgs, eargs: &EngineArgs) -> Result<()> {
    let model_dir = crate::model::locate_model_dir(eargs.model.as_deref())?;
    let inputs = Inputs::load(args)?;
    eprintln!("needle bench: model {}, {} lines per tool set", model_dir.display(), args.lines.max(1));
    eprintln!("needle bench: cold start ...");
    let cache = std::env::temp_dir().join(format!("needle-bench-cache-{}", std::process::id()));
    let measured = (|| {
        let children = children::measure(args, eargs, &model_dir, &inputs, &cache)?;
        let t0 = Instant::now();
        let mut loaded = crate::load_engine(eargs, Vec::new(), false)?;
        let model_load_ms = t0.elapsed().as_secs_f64() * 1e3;
        let (table, mut numbers) = match &mut loaded {
            AnyEngine::Seq2Seq(engine) => {
                seq2seq::measure(args, eargs.threads, &model_dir, engine, &inputs, &children, &cache, model_load_ms)?
            }
            AnyEngine::Copy(engine) => copy::measure(args, eargs.threads, &model_dir, engine, &inputs, &children, model_load_ms)?,
            AnyEngine::Extract(engine) => {
                extract::measure(args, eargs.threads, &model_dir, engine, &inputs, &children, model_load_ms)?
            }
        };
        if let (Some(all), Value::Object(kids)) = (numbers.as_object_mut(), children.to_json()) {
            all.extend(kids);
        }
        Ok::<_, anyhow::Error>((table, numbers))
    })();
    let _ = std::fs::remove_dir_all(&cache);
    let (table, numbers) = measured?;
    print!("{table}");
    std::io::stdout().flush()?;
    if let Some(p) = &args.json {
        std::fs::write(p, serde_json::to_string_pretty(&numbers)?)?;
    }
    Ok(())
}
