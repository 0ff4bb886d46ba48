//! needle, the command-line tool: a thin front end over `needle-core` (crates/core: tools,
//! models, decoding, scoring), whose modules it re-exports.
//!
//! Here: `cli` (arguments), `pipe`, `repl`, `output` (the run modes and JSON printing), `eval`
//! (`needle eval`'s arguments, progress and tables over `needle_core::eval`), `bench`
//! (`needle bench`); exit codes and error text, loading the engine with a spinner, and
//! [`answer`] (one request as every mode prints it).

pub mod bench;
pub mod cli;
pub mod eval;
pub mod output;
pub mod pipe;
pub mod repl;

pub use needle_core::{
    any_engine, constrain, copy_engine, copy_model, decode, engine, model, ort_lib, render, shortlist, tool_cache, tools,
    xdg_needle_dir, InputError,
};

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use cli::EngineArgs;
use any_engine::AnyEngine;
use engine::EngineOptions;
use model::ModelOptions;

/// Exit codes.
pub const EXIT_OK: u8 = 0;
pub const EXIT_NO_CALL: u8 = 1;
pub const EXIT_INPUT: u8 = 2;
pub const EXIT_MODEL: u8 = 3;

/// The exit code for an error: 2 when it is an input problem (bad tool files, bad query),
/// else 3.
pub fn exit_code_of(err: &anyhow::Error) -> u8 {
    let input = err
        .chain()
        .any(|e| e.is::<InputError>() || e.is::<tools::ToolErrors>());
    if input {
        EXIT_INPUT
    } else {
        EXIT_MODEL
    }
}

/// `outer: inner: innermost`, but without repeating a tool-error list inside context.
pub fn error_text(err: &anyhow::Error) -> String {
    let parts: Vec<String> = err.chain().map(|e| e.to_string()).collect();
    let mut text = parts.join(": ");
    if text.contains('\n') {
        // Multi-line (e.g. one line per tool-file problem): keep each on its own line.
        text = parts.join(":\n  ");
    }
    text
}

/// More intra-op threads than [`MAX_THREADS_PER_CORE`] per core only slow ONNX Runtime down (and
/// tens of thousands never finish starting): such a `--threads` is an input error.
pub const MAX_THREADS_PER_CORE: usize = 4;

fn check_threads(threads: usize, cores: usize) -> Result<()> {
    let max = MAX_THREADS_PER_CORE * cores;
    if threads > max {
        return Err(InputError(format!(
            "--threads {threads}: at most {max} on this machine ({MAX_THREADS_PER_CORE} per core, {cores} cores)"
        ))
        .into());
    }
    Ok(())
}

/// Loads the engine with a spinner on a terminal; `--verbose` prints timings. `one_shot`: the
/// process answers one request (threads tuned for a fast start, see `ModelOptions::spin`).
pub fn load_engine(args: &EngineArgs, tools: Vec<tools::Tool>, one_shot: bool) -> Result<AnyEngine> {
    let start = Instant::now();
    if let Some(n) = args.threads {
        check_threads(usize::from(n), std::thread::available_parallelism().map_or(1, |c| c.get()))?;
    }
    let dir = model::locate_model_dir(args.model.as_deref())?;
    let spinner = indicatif::ProgressBar::new_spinner();
    spinner.set_draw_target(if std::io::stderr().is_terminal() {
        indicatif::ProgressDrawTarget::stderr()
    } else {
        indicatif::ProgressDrawTarget::hidden()
    });
    spinner.set_message(format!("loading model {}", dir.display()));
    spinner.enable_steady_tick(Duration::from_millis(100));
    let opts = EngineOptions {
        model: ModelOptions {
            device: Some(args.device.into()),
            threads: args.threads.map(usize::from),
            ort_lib: args.ort_lib.clone(),
            spin: !one_shot,
        },
        max_output_tokens: None,
        no_constrain: args.no_constrain,
        tool_cache: args.tool_cache_dir(),
        shortlist: Some(args.shortlist),
    };
    let result = (|| {
        let mut engine = AnyEngine::load(&dir, &opts).with_context(|| format!("cannot load model {}", dir.display()))?;
        engine.set_jump_forward(!args.no_jump_forward);
        let loaded_ms = start.elapsed().as_secs_f64() * 1e3;
        spinner.set_message(format!("encoding {} tool(s)", tools.len()));
        engine.set_tools(tools).context("cannot encode tools")?;
        if args.verbose {
            eprintln!(
                "needle: model {} ({}, device {:?}) loaded in {loaded_ms:.1} ms; {} tool(s) ({} from the tool cache), {} memory rows encoded in {:.1} ms; decoding {}",
                dir.display(),
                engine.name(),
                engine.device(),
                engine.last_encode().tools,
                engine.last_encode().cached,
                engine.last_encode().rows,
                engine.last_encode().ms,
                match (engine.constrained(), engine.jump_forward()) {
                    (false, _) => "unconstrained",
                    (true, true) => "schema-constrained, jump-forward",
                    (true, false) => "schema-constrained, one decoder call per token",
                }
            );
        }
        if let Some(problem) = engine.tool_cache_problem() {
            if args.verbose {
                eprintln!("needle: tool cache not used: {problem}");
            }
        }
        Ok(engine)
    })();
    spinner.finish_and_clear();
    result
}

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
