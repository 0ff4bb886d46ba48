//! `needle bench`, in process, for a format 4 model (`extract/`): per-line latency with 1, 20
//! and 200 tools (each tool's bi-encoder vector computed once when loaded; per line one pass
//! over the request and one batch of `k` cross-encoder passes), tool loading, and the model's
//! files.

use std::path::Path;

use anyhow::Result;
use serde_json::{json, Value};

use super::children::ChildStats;
use super::{f1, median, run_lines, self_hwm_kib, BenchArgs, Inputs, LineStats, Measured};
use crate::decode::Prediction;
use crate::tools::Tool;
use needle_core::extract::sequence::request_ids;
use needle_core::extract::ExtractEngine;

impl Measured for ExtractEngine {
    fn load_tools(&mut self, tools: Vec<Tool>) -> Result<usize> {
        self.set_tools(tools)?;
        Ok(self.last_encode.rows)
    }

    fn predict(&mut self, query: &str) -> Result<Prediction> {
        ExtractEngine::predict(self, query)
    }

    /// The bi-encoder's pass over the request.
    fn encode_query(&mut self, query: &str) -> Result<usize> {
        let ids = request_ids(&self.model.tokenizer, query.trim())?;
        self.model.encode(&[&ids])?;
        Ok(ids.len())
    }

    fn max_output(&self) -> usize {
        0
    }
}

/// Measures the loaded format 4 engine; returns the table and its numbers as JSON.
pub fn measure(
    args: &BenchArgs,
    threads: Option<u16>,
    model_dir: &Path,
    engine: &mut ExtractEngine,
    inputs: &Inputs,
    children: &ChildStats,
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
        "model {} ({}), format 4: fine-tuned MiniLM, bi-encoder shortlist of {} tools, one cross-encoder pass each; intra-op threads: {threads_text}; {} CPU(s)\n\n",
        man.name,
        model_dir.display(),
        man.k,
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0)
    );
    let all: Vec<&LineStats> = sets.iter().collect();
    o += &LineStats::table(&all, false);
    o += "\n| measure | result |\n|---|---|\n";
    o += &format!("| per line, 20 tools (median) | {} ms ({} errors) |\n", f1(median(&s20.ms)), s20.errors);
    o += &format!("| per line, 200 tools (median) | {} ms |\n", f1(median(&s200.ms)));
    o += &format!("| growth 20 -> 200 tools (median) | {growth:+.1}% |\n");
    o += &format!("| per line, 1 tool (median) | {} ms |\n", f1(median(&s1.ms)));
    o += &children.rows(false);
    o += &format!("| model load in process (ONNX Runtime + sessions + tokenizer) | {} ms |\n", f1(model_load_ms));
    o += &format!(
        "| tool loading (bi-encoder vectors) 1 / 20 / 200 tools | {} / {} / {} ms |\n",
        f1(s1.load_ms),
        f1(s20.load_ms),
        f1(s200.load_ms)
    );
    if let Some(h) = bench_hwm {
        o += &format!("| peak RSS, this bench process (all sets, 200 tools included) | {:.1} MiB |\n", h as f64 / 1024.0);
    }
    let mib = |b: u64| b as f64 / 1048576.0;
    o += &format!(
        "| model files (encoder + heads + tokenizer) | {:.1} MiB ({}) |\n",
        mib(bytes.iter().sum()),
        bytes.iter().map(|&b| format!("{:.1}", mib(b))).collect::<Vec<_>>().join(" + ")
    );
    let v = json!({
        "model": man.name, "model_dir": model_dir, "format_version": 4, "threads": threads, "k": man.k,
        "sets": all.iter().map(|s| s.to_json()).collect::<Vec<_>>(),
        "growth_20_to_200_pct": growth, "model_load_ms": model_load_ms, "peak_rss_kib_bench": bench_hwm,
        "model_bytes": files.iter().zip(&bytes).map(|(f, b)| (f.to_string(), json!(b))).collect::<serde_json::Map<_, _>>(),
    });
    Ok((o, v))
}
