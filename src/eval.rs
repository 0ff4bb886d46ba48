//! `needle eval FILE.jsonl...`: BFCL accuracy of the model (evaluation only; BFCL never trains).
//! The scoring is `needle_core::eval` (re-exported here); this is the command: its arguments, a
//! progress bar on stderr, then a per-category and overall (macro and micro) table on stdout, or
//! with `--json` a machine summary instead; with `--failures FILE` one JSON line per failed row.
//! Rules and reproduction: docs/accuracy.md.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use needle_core::engine::Decision;
use needle_core::InputError;

pub use needle_core::eval::*;

/// Arguments of `needle eval`.
#[derive(clap::Args, Debug, Clone)]
pub struct EvalArgs {
    /// BFCL rows as written by scripts/bfcl_to_jsonl.py (data/bfcl/<category>.jsonl).
    #[arg(required = true, value_name = "FILE.jsonl")]
    pub files: Vec<PathBuf>,
    /// Print a machine-readable JSON summary on stdout instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Write every failed row (query, answers, model output, reason) as JSON lines to FILE.
    #[arg(long, value_name = "FILE")]
    pub failures: Option<PathBuf>,
    /// Score only the first N rows of each file (quick checks; published numbers use all rows).
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Score the calls needle prints (after dropping calls that fail the tool's JSON Schema)
    /// instead of the raw model output. BFCL-comparable numbers use the default (raw).
    #[arg(long)]
    pub validated: bool,
    /// Score each of several decision settings instead of the model's own, running the model
    /// once per row: FILE is a JSON array of objects with any of needle.json's
    /// similarity_weight, call_similarity_weight, no_call_threshold, second_call_threshold,
    /// span_continue_threshold (`pipeline.calibrate` searches them this way). Prints one summary per setting.
    #[arg(long, value_name = "FILE.json", conflicts_with = "failures")]
    pub decisions: Option<PathBuf>,
}

/// `needle eval`: reads the files, evaluates, prints the table (or JSON) on stdout.
pub fn run(args: &EvalArgs, predictor: &mut dyn Predictor) -> Result<()> {
    let settings = args.decisions.as_deref().map(read_decisions).transpose()?;
    let rows = read_rows(&args.files, args.limit)?;
    if rows.is_empty() {
        bail!("no rows in {}", args.files.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "));
    }
    let progress = ProgressBar::with_draw_target(Some(rows.len() as u64), ProgressDrawTarget::stderr());
    progress.set_style(
        ProgressStyle::with_template("{elapsed_precise} {bar:40} {pos}/{len} ({per_sec}, eta {eta}) acc {msg}")
            .expect("static template"),
    );
    let mut writer = match &args.failures {
        Some(p) => Some(BufWriter::new(create(p)?)),
        None => None,
    };
    let mut on_row = |acc: &Accumulator| {
        progress.inc(1);
        progress.set_message(format!("{:.1}%", 100.0 * acc.micro_accuracy()));
    };
    let failures = writer.as_mut().map(|w| w as &mut dyn Write);
    if let Some(settings) = &settings {
        let outcomes = evaluate_each(&rows, predictor, settings, None, &mut on_row, args.validated)?;
        progress.finish_and_clear();
        warn_errors(&outcomes[0]);
        print_each(settings, &outcomes, args.json)?;
        if !args.json {
            eprintln!("{} rows, {} settings in {:.1}s", outcomes[0].acc.total(), settings.len(), outcomes[0].seconds);
        }
        return Ok(());
    }
    let outcome = evaluate(&rows, predictor, failures, &mut on_row, args.validated)?;
    progress.finish_and_clear();
    if let Some(mut w) = writer {
        w.flush()?;
    }
    warn_errors(&outcome);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&outcome.to_json())?);
    } else {
        print!("{}", outcome.acc.table());
        eprintln!("{} rows in {:.1}s", outcome.acc.total(), outcome.seconds);
    }
    Ok(())
}

fn warn_errors(outcome: &Outcome) {
    if outcome.tool_errors + outcome.engine_errors > 0 {
        eprintln!(
            "warning: {} row(s) with tools needle rejected, {} engine error(s); both counted as failures",
            outcome.tool_errors, outcome.engine_errors
        );
    }
}

/// The settings of `--decisions`: a non-empty JSON array of objects (an input error otherwise).
fn read_decisions(path: &Path) -> Result<Vec<serde_json::Value>> {
    let bad = |why: String| InputError(format!("--decisions {}: {why}", path.display()));
    let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| bad(format!("invalid JSON: {e}")))?;
    match value {
        serde_json::Value::Array(items) if !items.is_empty() => {
            // Every setting is checked before the first row: a typo is the file's error.
            for (i, item) in items.iter().enumerate() {
                Decision::check(item).map_err(|e| bad(format!("setting {}: {e:#}", i + 1)))?;
            }
            Ok(items)
        }
        _ => Err(bad("not a non-empty JSON array".into()).into()),
    }
}

/// One line (or with `--json`, one summary object) per decision setting.
fn print_each(settings: &[serde_json::Value], outcomes: &[Outcome], json: bool) -> Result<()> {
    if json {
        let all: Vec<serde_json::Value> = settings
            .iter()
            .zip(outcomes)
            .map(|(s, o)| {
                let mut v = o.to_json();
                v["settings"] = s.clone();
                v
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&all)?);
    } else {
        println!("| settings | correct | micro accuracy |\n|---|---:|---:|");
        for (s, o) in settings.iter().zip(outcomes) {
            println!("| {s} | {} / {} | {:.1}% |", o.acc.correct(), o.acc.total(), 100.0 * o.acc.micro_accuracy());
        }
    }
    Ok(())
}

fn create(path: &Path) -> Result<File> {
    File::create(path).with_context(|| format!("cannot create {}", path.display()))
}
