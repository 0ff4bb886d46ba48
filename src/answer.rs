//! One request as every run mode (one-shot, pipe, REPL) prints it.

use anyhow::Result;

use crate::{cli, output};
use needle_core::calls::Prediction;
use needle_core::engine::Engine;

/// Stderr notes about a prediction: dropped calls always, timings with --verbose.
pub fn report_prediction(pred: &Prediction, verbose: bool) {
    for bad in &pred.invalid {
        eprintln!("needle: dropped invalid call {}: {}", bad.call, bad.reason);
    }
    if pred.query_truncated {
        eprintln!("needle: warning: the query was longer than the model reads; it was cut");
    }
    if verbose {
        eprintln!(
            "needle: {:.1} ms, confidence {:.3}, {} tool(s) read",
            pred.ms,
            pred.confidence,
            pred.decisions.len()
        );
        // Why each tool was or was not called: the bi-encoder's similarity and the count head.
        for d in &pred.decisions {
            eprintln!(
                "needle:   {}: similarity {:.3}, P(calls = 0 / 1 / 2 / 3+) {:.3} / {:.3} / {:.3} / {:.3}{}",
                d.name,
                d.similarity,
                d.count[0],
                d.count[1],
                d.count[2],
                d.count[3],
                if d.called { ", called" } else { "" }
            );
        }
    }
}

/// Answers one request as every run mode prints it: the prediction, its stderr notes (`report_prediction`), and the value to print: the array
/// of calls, or with `--meta` the `{"query","calls",...}` object.
pub fn answer(engine: &mut Engine, query: &str, args: &cli::RunArgs, verbose: bool) -> Result<(Prediction, serde_json::Value)> {
    let pred = engine.predict(query)?;
    report_prediction(&pred, verbose);
    let value = if args.meta {
        output::meta_object(query, &pred)
    } else {
        serde_json::Value::Array(pred.calls.clone())
    };
    Ok((pred, value))
}
