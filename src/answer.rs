//! One request as every run mode (one-shot, pipe, REPL) prints it.

use anyhow::Result;

use crate::{cli, output};
use needle_core::any_engine::AnyEngine;
use needle_core::decode;

/// Stderr notes about a prediction: dropped calls always, timings with --verbose.
pub fn report_prediction(pred: &decode::Prediction, verbose: bool) {
    for bad in &pred.invalid {
        eprintln!("needle: dropped invalid call {}: {}", bad.call, bad.reason);
    }
    if pred.query_truncated {
        eprintln!("needle: warning: the query was longer than the model reads; it was cut");
    }
    // A cut answer may miss a call the model was writing: always said. A dropped repeat is not.
    if let Some(note) = pred.ending.note() {
        if verbose || pred.ending != decode::Ending::RepeatedCall {
            eprintln!("needle: warning: {note}");
        }
    }
    if verbose {
        eprintln!(
            "needle: {:.1} ms, {} tokens ({} forced), {} decoder calls, confidence {:.3}, {} tool(s) seen",
            pred.ms,
            pred.tokens.len() + 1,
            pred.forced,
            pred.steps,
            pred.confidence,
            pred.tools_seen
        );
    }
}

/// Answers one request as every run mode prints it: the prediction (honouring
/// `--force-output`), its stderr notes (`report_prediction`), and the value to print: the array
/// of calls, or with `--meta` the `{"query","calls",...}` object.
pub fn answer(engine: &mut AnyEngine, query: &str, args: &cli::RunArgs, verbose: bool) -> Result<(decode::Prediction, serde_json::Value)> {
    let pred = match &args.force_output {
        Some(text) => engine.predict_forced(query, text)?,
        None => engine.predict(query)?,
    };
    report_prediction(&pred, verbose);
    let value = if args.meta {
        output::meta_object(query, &pred)
    } else {
        serde_json::Value::Array(pred.calls.clone())
    };
    Ok((pred, value))
}
