//! `needle bench`: speed and footprint in one run (docs/performance.md).
//!
//! Measures, on this machine and this model:
//! - per-line latency (median, p95) with 1, 20 and 200 tools loaded, in process, the way pipe
//!   mode answers a line (`predict` plus writing the JSON line): per line one bi-encoder pass
//!   over the request (timed alone too, "query encode") and one batch of `k` cross-encoder
//!   passes;
//! - tool-loading time (each tool's bi-encoder vector, computed once when it is loaded);
//! - cold start to first answer and peak RSS: the `needle` binary itself, spawned (`children`);
//! - model file sizes.
//!
//! The 200-tool set: the tool file's tools, then the tools of `--more-tools` until there are 200;
//! 1 tool: the file's first tool.

mod children;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Result};
use serde_json::{json, Value};

use crate::cli::EngineArgs;
use crate::tools::{self, Tool};
use crate::InputError;
use needle_core::engine::Engine;
use needle_core::model::sequence::request_ids;

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
    /// Tokens of the loaded tools' texts (what the bi-encoder read to load them).
    tool_tokens: usize,
    load_ms: f64,
    ms: Vec<f64>,
    /// The request's bi-encoder pass, timed separately on the same request.
    enc_ms: Vec<f64>,
    errors: usize,
}

impl LineStats {
    fn table(sets: &[&LineStats]) -> String {
        let mut o = "| tool set | tool tokens | tool loading ms | per line median ms | p95 ms | request encode ms |\n".to_string();
        o += "|---|---|---|---|---|---|\n";
        for s in sets {
            o += &format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                s.label,
                s.tool_tokens,
                f1(s.load_ms),
                f1(median(&s.ms)),
                f1(p95(&s.ms)),
                f1(median(&s.enc_ms)),
            );
        }
        o
    }

    fn to_json(&self) -> Value {
        json!({
            "label": self.label, "tools": self.tools, "tool_tokens": self.tool_tokens, "tool_load_ms": self.load_ms,
            "lines": self.ms.len(), "median_ms": median(&self.ms), "p95_ms": p95(&self.ms),
            "request_encode_median_ms": median(&self.enc_ms), "errors": self.errors,
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

/// Loads `set` (timed), then answers `lines` requests the way pipe mode does (predict, then
/// write the JSON line) after one warm-up line, and times each request's bi-encoder pass alone.
fn run_lines(engine: &mut Engine, label: &str, set: &[Tool], queries: &[String], lines: usize) -> Result<LineStats> {
    engine.set_tools(Vec::new())?;
    engine.forget_tool_vectors();
    let t0 = Instant::now();
    engine.set_tools(set.to_vec())?;
    let load_ms = t0.elapsed().as_secs_f64() * 1e3;
    let mut st = LineStats { label: label.to_string(), tools: set.len(), tool_tokens: engine.last_encode.rows, load_ms,
                             ms: vec![], enc_ms: vec![], errors: 0 };
    // The warm-up line (first-run allocations of ONNX Runtime) is not counted.
    let _ = engine.predict(&queries[0]);
    let mut sink = std::io::sink();
    for i in 0..lines {
        let q = &queries[i % queries.len()];
        let t = Instant::now();
        match engine.predict(q) {
            Ok(p) => writeln!(sink, "{}", serde_json::to_string(&Value::Array(p.calls))?)?,
            Err(_) => st.errors += 1,
        }
        st.ms.push(t.elapsed().as_secs_f64() * 1e3);
        let te = Instant::now();
        let ids = request_ids(&engine.model.tokenizer, q.trim())?;
        engine.model.encode(&[&ids])?;
        st.enc_ms.push(te.elapsed().as_secs_f64() * 1e3);
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
    let model_dir = crate::onnx::locate_model_dir(eargs.model.as_deref())?;
    let inputs = Inputs::load(args)?;
    eprintln!("needle bench: model {}, {} lines per tool set", model_dir.display(), args.lines.max(1));
    eprintln!("needle bench: cold start ...");
    let children = children::measure(args, eargs, &model_dir, &inputs)?;
    let t0 = Instant::now();
    let mut engine = crate::load_engine(eargs, Vec::new(), false)?;
    let model_load_ms = t0.elapsed().as_secs_f64() * 1e3;
    let (table, mut numbers) = measure(args, eargs.threads, &model_dir, &mut engine, &inputs, &children, model_load_ms)?;
    if let (Some(all), Value::Object(kids)) = (numbers.as_object_mut(), children.to_json()) {
        all.extend(kids);
    }
    print!("{table}");
    std::io::stdout().flush()?;
    if let Some(p) = &args.json {
        std::fs::write(p, serde_json::to_string_pretty(&numbers)?)?;
    }
    Ok(())
}

/// Measures the loaded engine; returns the table and its numbers as JSON.
fn measure(
    args: &BenchArgs,
    threads: Option<u16>,
    model_dir: &Path,
    engine: &mut Engine,
    inputs: &Inputs,
    children: &children::ChildStats,
    model_load_ms: f64,
) -> Result<(String, Value)> {
    let (queries, lines) = (&inputs.queries, args.lines.max(1));
    let mut sets = Vec::new();
    for (label, set) in [("1 tool", &inputs.tools1), ("20 tools", &inputs.tools20), ("200 tools", &inputs.tools200)] {
        eprintln!("needle bench: {label} ...");
        sets.push(run_lines(engine, label, set, queries, lines)?);
    }
    let bench_hwm = self_hwm_kib();
    let man = engine.model.manifest.clone();
    let size = |f: &str| std::fs::metadata(model_dir.join(f)).map(|m| m.len()).unwrap_or(0);
    let files = [&man.files.encoder, &man.files.heads, &man.files.tokenizer];
    let bytes: Vec<u64> = files.iter().map(|f| size(f)).collect();
    let (s1, s20, s200) = (&sets[0], &sets[1], &sets[2]);
    let growth = (median(&s200.ms) / median(&s20.ms) - 1.0) * 100.0;
    let threads_text = threads.map_or("ONNX Runtime default".to_string(), |n| n.to_string());
    let mut o = format!(
        "model {} ({}): bi-encoder shortlist of {} tools, one cross-encoder pass each; intra-op threads: {threads_text}; {} CPU(s)\n\n",
        man.name,
        model_dir.display(),
        man.k,
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0)
    );
    let all: Vec<&LineStats> = sets.iter().collect();
    o += &LineStats::table(&all);
    o += "\n| measure | result | target |\n|---|---|---|\n";
    o += &format!("| per line, 20 tools (median) | {} ms ({} errors) | |\n", f1(median(&s20.ms)), s20.errors);
    o += &format!("| per line, 200 tools (median) | {} ms | |\n", f1(median(&s200.ms)));
    o += &format!("| growth 20 -> 200 tools (median) | {growth:+.1}% | |\n");
    o += &format!("| per line, 1 tool (median) | {} ms | |\n", f1(median(&s1.ms)));
    o += &children.rows();
    o += &format!("| model load in process (ONNX Runtime + sessions + tokenizer) | {} ms | |\n", f1(model_load_ms));
    o += &format!(
        "| tool loading (bi-encoder vectors) 1 / 20 / 200 tools | {} / {} / {} ms | |\n",
        f1(s1.load_ms),
        f1(s20.load_ms),
        f1(s200.load_ms)
    );
    if let Some(h) = bench_hwm {
        o += &format!("| peak RSS, this bench process (all sets, 200 tools included) | {:.1} MiB | |\n", h as f64 / 1024.0);
    }
    let mib = |b: u64| b as f64 / 1048576.0;
    o += &format!(
        "| model files (encoder + heads + tokenizer) | {:.1} MiB ({}) | |\n",
        mib(bytes.iter().sum()),
        bytes.iter().map(|&b| format!("{:.1}", mib(b))).collect::<Vec<_>>().join(" + ")
    );
    let v = json!({
        "model": man.name, "model_dir": model_dir, "format_version": man.format_version, "threads": threads, "k": man.k,
        "sets": all.iter().map(|s| s.to_json()).collect::<Vec<_>>(),
        "growth_20_to_200_pct": growth, "model_load_ms": model_load_ms, "peak_rss_kib_bench": bench_hwm,
        "model_bytes": files.iter().zip(&bytes).map(|(f, b)| (f.to_string(), json!(b))).collect::<serde_json::Map<_, _>>(),
    });
    Ok((o, v))
}
