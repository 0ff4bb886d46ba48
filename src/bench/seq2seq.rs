//! `needle bench`, in process, for a format 2 model (`engine.rs`): the line table with and
//! without the shortlist and unconstrained; the tool cache; the FLOP and traffic
//! floors; the Python baselines.

use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

use super::children::ChildStats;
use super::machine::{line_bytes, line_flops, matmul_gflops, read_gbps};
use super::{f1, mark, mean, median, resolve, run_lines, self_hwm_kib, BenchArgs, Inputs, LineStats, Measured};
use crate::decode::Prediction;
use crate::engine::Engine;
use crate::tools::Tool;

impl Measured for Engine {
    fn load_tools(&mut self, tools: Vec<Tool>) -> Result<usize> {
        self.set_tools(tools)?;
        Ok(self.last_encode.rows)
    }

    fn predict(&mut self, query: &str) -> Result<Prediction> {
        Engine::predict(self, query)
    }

    fn encode_query(&mut self, query: &str) -> Result<usize> {
        let (seg, _) = self.query_segment(query)?;
        let ids: Vec<i64> = seg.iter().map(|&x| x as i64).collect();
        self.model.encoder.forward(&ids, &vec![1; ids.len()], 1, ids.len())?;
        Ok(ids.len())
    }

    fn max_output(&self) -> usize {
        self.model.manifest.max_output_tokens
    }
}

/// `run_lines`, with each line's FLOPs and memory traffic from the manifest config.
fn run_lines_with_floors(engine: &mut Engine, label: &str, set: &[Tool], queries: &[String], lines: usize) -> Result<LineStats> {
    let mut st = run_lines(engine, label, set, queries, lines)?;
    let cfg = &engine.model.manifest.config;
    let file_bytes = |f: &str| std::fs::metadata(engine.model.dir.join(f)).map_or(0.0, |m| m.len() as f64);
    let files = &engine.model.manifest.files;
    let weights = (file_bytes(&files.encoder), file_bytes(&files.decoder));
    for i in 0..st.ms.len() {
        let (q, tokens, steps) = (st.query_len[i] as usize, st.tokens[i] as usize, st.steps[i] as usize);
        st.flops.push(line_flops(cfg, q, st.rows + q, tokens));
        st.bytes.push(line_bytes(cfg, weights, st.rows + q, steps));
    }
    Ok(st)
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

/// Measures the loaded format 2 engine; returns the table and its numbers as JSON.
#[allow(clippy::too_many_arguments)]
pub fn measure(
    args: &BenchArgs,
    threads: Option<u16>,
    model_dir: &Path,
    engine: &mut Engine,
    inputs: &Inputs,
    children: &ChildStats,
    cache: &Path,
    model_load_ms: f64,
) -> Result<(String, Value)> {
    let (queries, lines) = (&inputs.queries, args.lines.max(1));
    // In process: tool loading means encoding. The cache is measured once, below.
    engine.tool_cache = None;
    let decoding = if engine.constrained() { "schema-constrained, jump-forward" } else { "unconstrained" };

    let mut sets = Vec::new();
    for (label, set) in [("1 tool", &inputs.tools1), ("20 tools", &inputs.tools20), ("200 tools", &inputs.tools200)] {
        eprintln!("needle bench: {label} ...");
        sets.push(run_lines_with_floors(engine, label, set, queries, lines)?);
    }
    // The same 200 tools decoded over all of them (no shortlist), for the comparison.
    let shortlist = engine.shortlist_len();
    engine.set_shortlist_len(0);
    eprintln!("needle bench: 200 tools, no shortlist ...");
    let mut full200 = run_lines_with_floors(engine, "200 tools, no shortlist (`--shortlist 0`)", &inputs.tools200, queries, lines)?;
    full200.load_ms = f64::NAN;
    engine.set_shortlist_len(shortlist);
    // Unconstrained greedy on the 20-tool set: the same decoding as the baselines.
    let unc_lines = lines.min(args.baseline_lines.max(1));
    let constrained = engine.constrained();
    engine.set_constrained(false);
    eprintln!("needle bench: 20 tools, unconstrained ...");
    let mut unc = run_lines_with_floors(engine, "20 tools, unconstrained", &inputs.tools20, queries, unc_lines)?;
    unc.load_ms = f64::NAN;
    engine.set_constrained(constrained);
    // Loading the 20 tools from the (filled) tool cache of the children.
    engine.set_tools(Vec::new())?;
    engine.tool_cache = Some(crate::tool_cache::ToolCache::open(cache, model_dir, &engine.model.manifest.files.encoder)?);
    engine.set_tools(inputs.tools20.clone())?;
    let cached_load_ms = engine.last_encode.ms;
    let cached_tools = engine.last_encode.cached;
    engine.tool_cache = None;
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
        match run_baselines(args, model_dir, engine, &inputs.tools20, queries) {
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
    let threads_text = threads.map_or("ONNX Runtime default".to_string(), |n| n.to_string());
    o += &format!(
        "model {} ({}), {} encoder + {} decoder layers, d_model {}; decoding: {decoding}; intra-op threads: {threads_text}; {} CPU(s)\n\n",
        man.name,
        model_dir.display(),
        man.config.n_encoder_layers,
        man.config.n_decoder_layers,
        man.config.d_model,
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0)
    );
    let all_sets: Vec<&LineStats> = sets.iter().chain([&full200, &unc]).collect();
    o += &LineStats::table(&all_sets, true);
    o += "\n| measure | result | target |\n|---|---|---|\n";
    o += &format!(
        "| per line, 20 tools (median) | {} ms ({:.1} tokens/line, {} errors) | <= 15 ms: {} |\n",
        f1(median(&s20.ms)),
        mean(&s20.tokens),
        s20.errors,
        mark(median(&s20.ms) <= 15.0)
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
    o += &children.rows(true);
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
        inputs.tools20.len()
    );
    o += &format!("| decoder tokens/s (20 tools) | {:.0} | |\n", s20.decode_tok_per_s());
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

    let v = json!({
        "model": man.name, "model_dir": model_dir, "format_version": 2, "decoding": decoding, "threads": threads,
        "sets": all_sets.iter().map(|s| s.to_json()).collect::<Vec<_>>(),
        "growth_20_to_200_pct": growth,
        "model_load_ms": model_load_ms, "tool_cache_load_ms_20": cached_load_ms,
        "peak_rss_kib_bench": bench_hwm,
        "model_bytes": {"encoder": enc_b, "decoder": dec_b, "tokenizer": tok_b},
        "matmul_gflops": {"512_t1": mm1, "512_t2": mm2, "1x512x512_t1": mv1},
        "floor_ms_median": median(&floor_ms), "over_floor": over_floor,
        "read_gbps": {"t1": bw1, "t2": bw2}, "traffic_floor_ms_median": median(&traffic_ms),
        "baselines": baselines,
    });
    Ok((o, v))
}
