//! `needle bench`, in process, for a format 3 model (`copy_engine.rs`): per-line latency with 1,
//! 20 and 200 tools (every tool encoded once when loaded, the chooser picks the memory's tools
//! per line), unconstrained on the 20-tool set, tool loading, and the model's files.

use std::path::Path;

use anyhow::Result;
use serde_json::{json, Value};

use super::children::ChildStats;
use super::{f1, mark, mean, median, run_lines, self_hwm_kib, BenchArgs, Inputs, LineStats, Measured};
use crate::copy_engine::CopyEngine;
use crate::copy_model::segment;
use crate::decode::Prediction;
use crate::tools::Tool;

impl Measured for CopyEngine {
    fn load_tools(&mut self, tools: Vec<Tool>) -> Result<usize> {
        self.set_tools(tools)?;
        Ok(self.last_encode.rows)
    }

    fn predict(&mut self, query: &str) -> Result<Prediction> {
        CopyEngine::predict(self, query)
    }

    /// The MiniLM pass over the query segment.
    fn encode_query(&mut self, query: &str) -> Result<usize> {
        let m = &self.model.manifest;
        let seg = segment(&self.model.tokenizer, query.trim(), m.max_query_pieces, &m.special)?;
        self.model.encoder.forward(&seg.ids)?;
        Ok(seg.ids.len())
    }

    fn max_output(&self) -> usize {
        self.model.manifest.max_actions
    }
}

/// Measures the loaded format 3 engine; returns the table and its numbers as JSON.
pub fn measure(
    args: &BenchArgs,
    threads: Option<u16>,
    model_dir: &Path,
    engine: &mut CopyEngine,
    inputs: &Inputs,
    children: &ChildStats,
    model_load_ms: f64,
) -> Result<(String, Value)> {
    let (queries, lines) = (&inputs.queries, args.lines.max(1));
    let decoding = if engine.constrained() { "schema-constrained, jump-forward" } else { "unconstrained" };
    let mut sets = Vec::new();
    for (label, set) in [("1 tool", &inputs.tools1), ("20 tools", &inputs.tools20), ("200 tools", &inputs.tools200)] {
        eprintln!("needle bench: {label} ...");
        sets.push(run_lines(engine, label, set, queries, lines)?);
    }
    let constrained = engine.constrained();
    engine.set_constrained(false);
    eprintln!("needle bench: 20 tools, unconstrained ...");
    let mut unc = run_lines(engine, "20 tools, unconstrained", &inputs.tools20, queries, lines)?;
    unc.load_ms = f64::NAN;
    engine.set_constrained(constrained);
    let bench_hwm = self_hwm_kib();

    let man = &engine.model.manifest;
    let size = |f: &str| std::fs::metadata(model_dir.join(f)).map(|m| m.len()).unwrap_or(0);
    let files = [&man.files.encoder, &man.files.memory, &man.files.decoder, &man.files.tokenizer, &man.files.output_vocab];
    let bytes: Vec<u64> = files.iter().map(|f| size(f)).collect();
    let (s1, s20, s200) = (&sets[0], &sets[1], &sets[2]);
    let growth = (median(&s200.ms) / median(&s20.ms) - 1.0) * 100.0;

    let mut o = String::new();
    let threads_text = threads.map_or("ONNX Runtime default".to_string(), |n| n.to_string());
    let c = &man.config;
    o += &format!(
        "model {} ({}), format 3: MiniLM encoder + copy decoder of {} layers, d_model {}, {} tools in the memory; decoding: {decoding}; intra-op threads: {threads_text}; {} CPU(s)\n\n",
        man.name,
        model_dir.display(),
        c.n_layers,
        c.d_model,
        c.max_tools,
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0)
    );
    let all_sets: Vec<&LineStats> = sets.iter().chain([&unc]).collect();
    o += &LineStats::table(&all_sets, false);
    o += "\n| measure | result | target |\n|---|---|---|\n";
    o += &format!(
        "| per line, 20 tools (median) | {} ms ({:.1} actions/line, {} errors) | <= 15 ms: {} |\n",
        f1(median(&s20.ms)),
        mean(&s20.tokens),
        s20.errors,
        mark(median(&s20.ms) <= 15.0)
    );
    o += &format!(
        "| growth 20 -> 200 tools (median; the memory holds {} tools either way) | {growth:+.1}% | <= 25%: {} |\n",
        c.max_tools,
        mark(growth <= 25.0)
    );
    o += &format!("| per line, 1 tool (median) | {} ms | |\n", f1(median(&s1.ms)));
    o += &children.rows(false);
    o += &format!("| model load in process (ONNX Runtime + sessions + tokenizer) | {} ms | |\n", f1(model_load_ms));
    o += &format!(
        "| tool loading (encode) 1 / 20 / 200 tools | {} / {} / {} ms | |\n",
        f1(s1.load_ms),
        f1(s20.load_ms),
        f1(s200.load_ms)
    );
    o += &format!("| decoder tokens/s (20 tools; actions) | {:.0} | |\n", s20.decode_tok_per_s());
    if let Some(h) = bench_hwm {
        o += &format!("| peak RSS, this bench process (all sets, 200 tools included) | {:.1} MiB | |\n", h as f64 / 1024.0);
    }
    let mib = |b: u64| b as f64 / 1048576.0;
    o += &format!(
        "| model files (encoder + memory + decoder + tokenizer + output vocabulary) | {:.1} MiB ({}) | |\n",
        mib(bytes.iter().sum()),
        bytes.iter().map(|&b| format!("{:.1}", mib(b))).collect::<Vec<_>>().join(" + ")
    );

    let v = json!({
        "model": man.name, "model_dir": model_dir, "format_version": 3, "decoding": decoding, "threads": threads,
        "sets": all_sets.iter().map(|s| s.to_json()).collect::<Vec<_>>(),
        "growth_20_to_200_pct": growth,
        "model_load_ms": model_load_ms,
        "peak_rss_kib_bench": bench_hwm,
        "model_bytes": files.iter().zip(&bytes).map(|(f, b)| (f.to_string(), json!(b))).collect::<serde_json::Map<_, _>>(),
    });
    Ok((o, v))
}
