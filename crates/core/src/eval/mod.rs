//! Scoring rows against BFCL's rules (evaluation only; BFCL never trains): the engine of
//! `needle eval FILE.jsonl...` (its command-line side, arguments, progress bar and tables, is the
//! `needle` crate's `eval`).
//!
//! Rows come from `scripts/bfcl_to_jsonl.py` (`{id, category, tools, query, answers}`). For each
//! row [`evaluate`] sets the engine's tools (encoded once per row), predicts the query, and
//! scores the calls with [`score::check_row`], a mirror of BFCL's AST checker; failed rows can go
//! to a writer as JSON lines (model output and reason). Rules and reproduction: docs/accuracy.md.
//!
//! The engine is reached through the [`Predictor`] trait so that the driver is testable without a
//! model; the `impl Predictor` adapters below are the only engine-specific code.

mod pyvalue;
pub mod score;
mod tally;

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

use crate::tools::{self, Tool};
use crate::InputError;
pub use score::check_row;
pub use tally::{Accumulator, CategoryScore};

/// What the model produced for one query.
#[derive(Debug, Clone)]
pub struct Prediction {
    /// The model's calls as JSON text (before validation).
    pub raw: String,
    /// The calls as `{name, arguments}` objects, or why `raw` is not a call array.
    pub calls: Result<Vec<Value>, String>,
    /// The calls left after needle's own validation (what the CLI prints), when the predictor
    /// validates; scored instead of `calls` under `--validated`.
    pub printed: Option<Vec<Value>>,
}

impl Prediction {
    /// Parses the model's output language (docs/model-format.md): one JSON array of
    /// `{"name", "arguments"}` objects; `[]` for no call.
    pub fn from_raw(raw: impl Into<String>) -> Prediction {
        let raw = raw.into();
        let calls = match serde_json::from_str::<Value>(raw.trim()) {
            Ok(Value::Array(calls)) => Ok(calls),
            Ok(other) => Err(format!("output is not a JSON array: {other}")),
            Err(e) => Err(format!("output is not valid JSON: {e}")),
        };
        Prediction { raw, calls, printed: None }
    }
}

/// The model as the driver sees it.
pub trait Predictor {
    /// Replaces the tool set (the implementation encodes the tools once, here).
    fn set_tools(&mut self, tools: Vec<Tool>) -> Result<()>;
    /// Predicts the calls for one query against the current tools.
    fn predict(&mut self, query: &str) -> Result<Prediction>;
    /// One prediction per decision setting (`needle eval --decisions`: JSON objects of manifest
    /// keys); no settings: the predictor's own decision, one prediction.
    fn predict_each(&mut self, query: &str, settings: &[Value]) -> Result<Vec<Prediction>> {
        if !settings.is_empty() {
            bail!("this predictor has one decision");
        }
        Ok(vec![self.predict(query)?])
    }
}

/// The real engine. BFCL scores what the model wrote, so `calls` is every call the engine made
/// (calls that needle's schema validation drops included); `printed` is what the CLI prints.
impl Predictor for crate::engine::Engine {
    fn set_tools(&mut self, tools: Vec<Tool>) -> Result<()> {
        crate::engine::Engine::set_tools(self, tools)
    }

    fn predict(&mut self, query: &str) -> Result<Prediction> {
        let p = crate::engine::Engine::predict(self, query)?;
        let raw = serde_json::to_string(&p.proposed)?;
        Ok(Prediction { raw, calls: Ok(p.proposed), printed: Some(p.calls) })
    }

    fn predict_each(&mut self, query: &str, settings: &[Value]) -> Result<Vec<Prediction>> {
        let decisions = if settings.is_empty() {
            vec![self.decision]
        } else {
            settings.iter().map(|s| self.decision.with(s)).collect::<Result<_>>()?
        };
        let mut out = Vec::with_capacity(decisions.len());
        for p in crate::engine::Engine::predict_each(self, query, &decisions)? {
            let raw = serde_json::to_string(&p.proposed)?;
            out.push(Prediction { raw, calls: Ok(p.proposed), printed: Some(p.calls) });
        }
        Ok(out)
    }
}

/// One BFCL row.
#[derive(Debug, Clone)]
pub struct Row {
    pub id: String,
    pub category: String,
    pub tools: Vec<Value>,
    pub query: String,
    pub answers: Value,
}

impl Row {
    pub fn from_json(v: &Value) -> Result<Row> {
        let s = |k: &str| -> Result<String> {
            v.get(k).and_then(Value::as_str).map(str::to_string).with_context(|| format!("row without string \"{k}\""))
        };
        let answers = v.get("answers").cloned().unwrap_or(Value::Array(vec![]));
        // BFCL's answer shape: [{"tool": {"param": [acceptable values]}}]. Anything else would be
        // scored as a model failure, so it is the file's error instead.
        let well_formed = answers.as_array().is_some_and(|calls| {
            calls.iter().all(|call| {
                call.as_object().is_some_and(|c| {
                    c.len() == 1
                        && c.values().all(|params| params.as_object().is_some_and(|p| p.values().all(Value::is_array)))
                })
            })
        });
        if !well_formed {
            bail!("\"answers\" is not [{{\"tool\": {{\"param\": [acceptable values]}}}}]");
        }
        Ok(Row {
            id: s("id")?,
            category: s("category")?,
            tools: v.get("tools").and_then(Value::as_array).cloned().context("row without \"tools\" array")?,
            query: s("query")?,
            answers,
        })
    }
}

/// Reads rows from JSONL files (blank lines skipped), `limit` rows per file at most.
pub fn read_rows(files: &[PathBuf], limit: Option<usize>) -> Result<Vec<Row>> {
    let mut rows = Vec::new();
    for path in files {
        let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        let mut n = 0;
        for (i, line) in BufReader::new(file).lines().enumerate() {
            if limit.is_some_and(|l| n >= l) {
                break;
            }
            // A malformed row is the eval file's problem (exit 2), named by file and line.
            let at = || format!("{}:{}", path.display(), i + 1);
            let line = line.map_err(|e| InputError(format!("{}: {e}", at())))?;
            // Editors on Windows start a UTF-8 file with a byte-order mark; it is not part of the row.
            let line = if i == 0 { line.trim_start_matches('\u{feff}') } else { &line };
            if line.trim().is_empty() {
                continue;
            }
            let v: Value = serde_json::from_str(line).map_err(|e| InputError(format!("{}: invalid JSON: {e}", at())))?;
            rows.push(Row::from_json(&v).map_err(|e| InputError(format!("{}: {e:#}", at())))?);
            n += 1;
        }
    }
    Ok(rows)
}

/// Scores one prediction (unparseable output counts as "no call", as in BFCL: it passes
/// irrelevance and fails everything else). `validated`: score `printed` when present.
pub fn score_prediction(row: &Row, pred: &Prediction, validated: bool) -> Result<(), String> {
    if let (true, Some(printed)) = (validated, &pred.printed) {
        return check_row(&row.tools, &row.answers, printed, &row.category);
    }
    match &pred.calls {
        Ok(calls) => check_row(&row.tools, &row.answers, calls, &row.category),
        Err(e) if row.category.contains("irrelevance") => {
            let _ = e;
            Ok(())
        }
        Err(e) => Err(format!("ast_decoder:decoder_failed: {e}")),
    }
}

/// Outcome of a whole evaluation.
#[derive(Debug, Default)]
pub struct Outcome {
    pub acc: Accumulator,
    /// Rows whose tools needle rejected (counted as failures).
    pub tool_errors: usize,
    /// Rows where the engine returned an error (counted as failures).
    pub engine_errors: usize,
    pub seconds: f64,
}

impl Outcome {
    pub fn to_json(&self) -> Value {
        let mut v = self.acc.to_json();
        v["tool_errors"] = json!(self.tool_errors);
        v["engine_errors"] = json!(self.engine_errors);
        v["seconds"] = json!(self.seconds);
        v
    }
}

/// Runs the predictor over `rows`, scoring each; failed rows go to `failures` when given;
/// `on_row` sees the tallies after every row (the CLI's progress bar).
pub fn evaluate(
    rows: &[Row],
    predictor: &mut dyn Predictor,
    failures: Option<&mut dyn Write>,
    on_row: &mut dyn FnMut(&Accumulator),
    validated: bool,
) -> Result<Outcome> {
    Ok(evaluate_each(rows, predictor, &[], failures, on_row, validated)?.pop().expect("one outcome"))
}

/// [`evaluate`] under each decision setting in `settings` (none: the predictor's own), the
/// model run once per row: one outcome per setting. Failed rows are written only for one setting.
pub fn evaluate_each(
    rows: &[Row],
    predictor: &mut dyn Predictor,
    settings: &[Value],
    mut failures: Option<&mut dyn Write>,
    on_row: &mut dyn FnMut(&Accumulator),
    validated: bool,
) -> Result<Vec<Outcome>> {
    if settings.len() > 1 && failures.is_some() {
        bail!("failed rows are written for one decision setting, not {}", settings.len());
    }
    let start = Instant::now();
    let mut outs: Vec<Outcome> = (0..settings.len().max(1)).map(|_| Outcome::default()).collect();
    for row in rows {
        let tools: Result<Vec<Tool>, String> =
            row.tools.iter().map(|t| tools::normalize(t).map_err(|e| e.to_string())).collect();
        // Per setting: the score and the prediction, or why there is none.
        let results: Vec<(Result<(), String>, Option<Prediction>)> = match tools {
            Err(e) => {
                outs.iter_mut().for_each(|o| o.tool_errors += 1);
                vec![(Err(format!("tools rejected by needle: {e}")), None); outs.len()]
            }
            Ok(tools) => match predictor.set_tools(tools).and_then(|()| predictor.predict_each(&row.query, settings)) {
                Err(e) => {
                    outs.iter_mut().for_each(|o| o.engine_errors += 1);
                    vec![(Err(format!("engine error: {e:#}")), None); outs.len()]
                }
                Ok(preds) => preds.into_iter().map(|p| (score_prediction(row, &p, validated), Some(p))).collect(),
            },
        };
        for (out, (result, pred)) in outs.iter_mut().zip(&results) {
            out.acc.add(&row.category, result.is_ok());
            if let (Err(reason), Some(w)) = (result, failures.as_deref_mut()) {
                let rec = json!({
                    "id": row.id,
                    "category": row.category,
                    "query": row.query,
                    "answers": row.answers,
                    "output": pred.as_ref().map(|p| p.raw.clone()),
                    "calls": pred.as_ref().and_then(|p| p.calls.as_ref().ok().cloned()),
                    "printed": pred.as_ref().and_then(|p| p.printed.clone()),
                    "reason": reason,
                });
                writeln!(w, "{rec}")?;
            }
        }
        on_row(&outs[0].acc);
    }
    for out in &mut outs {
        out.seconds = start.elapsed().as_secs_f64();
    }
    Ok(outs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eval_file_problems_are_input_errors_naming_the_line() {
        let dir = std::env::temp_dir().join(format!("needle-eval-rows-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let row = r#"{"id":"a","category":"simple","tools":[],"query":"hi","answers":[{"t":{"x":[1]}}]}"#;
        let good = dir.join("bom.jsonl");
        std::fs::write(&good, format!("\u{feff}{row}\n\n{row}\n")).unwrap();
        assert_eq!(read_rows(&[good], None).unwrap().len(), 2);
        for (name, text, says) in [
            ("json.jsonl", format!("{row}\n{{oops\n"), "json.jsonl:2: invalid JSON"),
            ("field.jsonl", r#"{"id":"a","tools":[],"query":"hi"}"#.to_string(), "field.jsonl:1: row without string \"category\""),
            ("answers.jsonl", row.replace(r#"{"x":[1]}"#, r#"{"x":1}"#), "answers.jsonl:1: \"answers\" is not"),
        ] {
            let path = dir.join(name);
            std::fs::write(&path, text).unwrap();
            let err = read_rows(&[path], None).unwrap_err();
            assert!(err.chain().any(|e| e.is::<crate::InputError>()), "not an input error: {err:#}");
            assert!(format!("{err:#}").contains(says), "{err:#}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Answers with the first acceptable value of every argument of the row's answers.
    struct Oracle {
        answers: std::collections::HashMap<String, Value>,
    }
    impl Predictor for Oracle {
        fn set_tools(&mut self, _tools: Vec<Tool>) -> Result<()> {
            Ok(())
        }
        fn predict(&mut self, query: &str) -> Result<Prediction> {
            let calls: Vec<Value> = self.answers[query]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| {
                    let (name, params) = a.as_object().unwrap().iter().next().unwrap();
                    let args: serde_json::Map<String, Value> = params
                        .as_object()
                        .unwrap()
                        .iter()
                        .filter_map(|(k, v)| v.as_array().unwrap().iter().find(|x| *x != "").map(|x| (k.clone(), x.clone())))
                        .collect();
                    json!({"name": name, "arguments": args})
                })
                .collect();
            Ok(Prediction::from_raw(serde_json::to_string(&calls).unwrap()))
        }
    }

    fn rows() -> Vec<Row> {
        let tool = json!({"name": "get_weather", "description": "Weather.", "parameters": {
            "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}});
        [
            json!({"id": "s0", "category": "simple_python", "tools": [tool], "query": "q0",
                   "answers": [{"get_weather": {"city": ["Paris"]}}]}),
            json!({"id": "p0", "category": "parallel", "tools": [tool], "query": "q1",
                   "answers": [{"get_weather": {"city": ["Paris"]}}, {"get_weather": {"city": ["Rome"]}}]}),
            json!({"id": "i0", "category": "irrelevance", "tools": [tool], "query": "q2", "answers": []}),
            json!({"id": "r0", "category": "live_relevance", "tools": [tool], "query": "q3", "answers": []}),
        ]
        .iter()
        .map(|v| Row::from_json(v).unwrap())
        .collect()
    }

    #[test]
    fn oracle_scores_everything_but_relevance() {
        let rows = rows();
        let mut oracle = Oracle { answers: rows.iter().map(|r| (r.query.clone(), r.answers.clone())).collect() };
        let mut failures: Vec<u8> = Vec::new();
        let out = evaluate(&rows, &mut oracle, Some(&mut failures), &mut |_| {}, false).unwrap();
        let cats = out.acc.categories();
        assert_eq!(cats.iter().map(|c| c.correct).collect::<Vec<_>>(), vec![1, 1, 1, 0]);
        assert_eq!(out.acc.total(), 4);
        let text = String::from_utf8(failures).unwrap();
        assert_eq!(text.lines().count(), 1);
        let rec: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        assert_eq!(rec["id"], "r0");
        assert!(rec["reason"].as_str().unwrap().contains("relevance_error"));
        assert_eq!(rec["output"], "[]");
    }

    #[test]
    fn unparseable_output_is_no_call() {
        let r = &rows();
        let bad = Prediction::from_raw("[{\"name\": ");
        assert!(bad.calls.is_err());
        assert!(score_prediction(&r[0], &bad, false).unwrap_err().contains("decoder_failed"));
        assert_eq!(score_prediction(&r[2], &bad, false), Ok(()));
        assert!(score_prediction(&r[3], &bad, false).is_err());
    }

    #[test]
    fn validated_mode_scores_printed_calls() {
        let r = &rows();
        // the model called a tool on an irrelevant query, but needle's validation dropped it
        let mut pred = Prediction::from_raw(r#"[{"name":"get_weather","arguments":{"city":3}}]"#);
        pred.printed = Some(vec![]);
        assert!(score_prediction(&r[2], &pred, false).is_err());
        assert_eq!(score_prediction(&r[2], &pred, true), Ok(()));
    }
}
