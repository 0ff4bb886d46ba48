//! What both engines' decoding shares: the per-step [`LogitsFilter`] (schema-constrained
//! decoding plugs in there), the [`Prediction`] of a line and how it [`Ending`]ed, and the
//! validation of the output's calls against their tools ([`validate_calls`]).

use std::fmt;

use anyhow::Result;
use serde_json::Value;

use crate::tools::Tool;

/// A per-step filter over the decoder's next-token logits (e.g. schema-constrained decoding).
/// The engine calls `begin` once per query, then for every step `mask_logits` (set disallowed
/// tokens to `f32::NEG_INFINITY`) and, for the chosen token unless it is `eos`, `advance`.
/// Before every decoder call the engine asks `forced_tokens`: tokens that are certain next
/// (jump-forward); they are fed in the same decoder call, each passed to `advance`, and the
/// model is not asked to choose them. After every `advance` the engine asks `repeated_call`.
/// A line that runs out of budget or repeats a call ends at `complete_calls_end` ([`Ending`]).
pub trait LogitsFilter {
    fn begin(&mut self) {}
    fn mask_logits(&mut self, _logits: &mut [f32]) {}
    fn advance(&mut self, _token: u32) {}
    /// Tokens that must come next (never `eos`); `None` when the next token is a choice.
    /// `remaining`: tokens the output may still have before `eos` (`max_output_tokens` budget).
    fn forced_tokens(&mut self, _remaining: usize) -> Option<Vec<u32>> {
        None
    }
    /// Where the output can be cut and closed with `]` so that it keeps its complete calls and
    /// nothing else (a byte offset; 0 before the array's `[`), for a line that cannot end with
    /// `eos`: out of budget, or a repeated call. `None`: the filter does not know (the line is
    /// then an error).
    fn complete_calls_end(&self) -> Option<usize> {
        None
    }
    /// Whether the call just completed repeats an earlier one exactly (a model in a loop): the
    /// engine ends the line at `complete_calls_end`, which leaves the repeat out.
    fn repeated_call(&self) -> bool {
        false
    }
}

/// The default filter: changes nothing.
pub struct NoFilter;

impl LogitsFilter for NoFilter {}

/// A call the model produced that was not printed, and why.
#[derive(Debug, Clone)]
pub struct InvalidCall {
    pub call: Value,
    pub reason: String,
}

#[derive(Debug, Clone)]
pub struct Prediction {
    /// Valid calls, as `{"name", "arguments"}` objects in output order.
    pub calls: Vec<Value>,
    /// Calls dropped by validation.
    pub invalid: Vec<InvalidCall>,
    /// The decoded output text (cut after the last complete call unless `ending` is `Eos`).
    pub raw_text: String,
    /// Generated token ids (without `bos`/`eos`), including any cut from `raw_text`.
    pub tokens: Vec<u32>,
    /// How the output ended.
    pub ending: Ending,
    /// Decoder calls made (each call feeds one chosen token plus any forced ones).
    pub steps: usize,
    /// Tokens of `tokens` forced by the grammar (jump-forward), not chosen by the model.
    pub forced: usize,
    /// Lowest probability of any emitted token, `eos` included.
    pub confidence: f32,
    /// Wall time of the prediction in milliseconds.
    pub ms: f64,
    /// The query was longer than `max_query_tokens` and was cut.
    pub query_truncated: bool,
    /// Tools the decoder saw: all loaded tools, or the query's shortlist.
    pub tools_seen: usize,
}

/// How a line's output ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// The model wrote `eos` after a complete array.
    Eos,
    /// The output budget ran out: the unfinished call was dropped and the array closed after
    /// the last complete call (constrained decoding; unconstrained it is an error).
    Budget,
    /// A call repeated an earlier one exactly: it was dropped and the array closed.
    RepeatedCall,
    /// No token could write what the schema needs next (e.g. a required key cut from the
    /// model's view of the tool): the unfinished call was dropped and the array closed.
    Stuck,
}

impl Ending {
    /// What `--verbose` says about it (`None` for a normal end).
    pub fn note(self) -> Option<&'static str> {
        match self {
            Ending::Eos => None,
            Ending::Budget => Some("the output budget ran out: the unfinished call was dropped"),
            Ending::RepeatedCall => Some("the model repeated a call: the repeat was dropped"),
            Ending::Stuck => Some("no token can write what the schema needs next: the unfinished call was dropped"),
        }
    }
}

/// `text` cut at byte `end` (from `LogitsFilter::complete_calls_end`) and closed: its complete
/// calls as an array (`[]` when there are none).
pub fn keep_complete_calls(text: &str, end: usize) -> String {
    match text.get(..end) {
        Some(kept) if end > 0 => format!("{kept}]"),
        _ => "[]".to_string(),
    }
}

/// The model's output could not be read as calls.
#[derive(Debug, Clone)]
pub struct OutputError {
    pub raw_text: String,
    pub reason: String,
}

impl fmt::Display for OutputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Long garbage is cut for the message; `raw_text` keeps all of it.
        let shown: String = self.raw_text.chars().take(160).collect();
        let more = if shown.len() < self.raw_text.len() {
            "..."
        } else {
            ""
        };
        write!(
            f,
            "model output is not a JSON array of calls ({}): {shown:?}{more}",
            self.reason
        )
    }
}

impl std::error::Error for OutputError {}

/// Timings of the last tool encoding.
#[derive(Debug, Clone, Copy, Default)]
pub struct EncodeStats {
    pub tools: usize,
    pub rows: usize,
    /// Tools read from the tool cache (not run through the encoder).
    pub cached: usize,
    pub ms: f64,
}

/// Parses the output language (§4) and validates every call against its tool among `tools`:
/// valid calls, and the calls dropped with the reason. Output that is not a JSON array is an
/// [`OutputError`].
pub fn validate_calls(tools: &[&Tool], text: &str) -> Result<(Vec<Value>, Vec<InvalidCall>)> {
    Ok(validate_items(tools, parse_calls(text)?))
}

/// The decoder's text as the list of calls it writes (not yet validated).
pub fn parse_calls(text: &str) -> Result<Vec<Value>> {
    let parsed: Value = serde_json::from_str(text.trim()).map_err(|e| OutputError {
        raw_text: text.to_string(),
        reason: e.to_string(),
    })?;
    let Value::Array(items) = parsed else {
        return Err(OutputError {
            raw_text: text.to_string(),
            reason: "not an array".into(),
        }
        .into());
    };
    Ok(items)
}

/// Calls that name a loaded tool and whose arguments validate, and the others with the reason.
pub fn validate_items(tools: &[&Tool], items: Vec<Value>) -> (Vec<Value>, Vec<InvalidCall>) {
    let mut calls = Vec::new();
    let mut invalid = Vec::new();
    for item in items {
        match check_call(tools, &item) {
            Ok(()) => calls.push(item),
            Err(reason) => invalid.push(InvalidCall { call: item, reason }),
        }
    }
    (calls, invalid)
}

fn check_call(tools: &[&Tool], call: &Value) -> std::result::Result<(), String> {
    let Value::Object(obj) = call else {
        return Err("a call must be an object".into());
    };
    let Some(name) = obj.get("name").and_then(Value::as_str) else {
        return Err("a call needs a string \"name\"".into());
    };
    if let Some(key) = obj.keys().find(|k| *k != "name" && *k != "arguments") {
        return Err(format!("unexpected key \"{key}\" in call"));
    }
    let Some(tool) = tools.iter().find(|t| t.name == name) else {
        return Err(format!("no tool named \"{name}\" is loaded"));
    };
    let arguments = obj
        .get("arguments")
        .cloned()
        .unwrap_or(Value::Object(Default::default()));
    tool.validate_arguments(&arguments)
        .map_err(|e| format!("arguments do not match the parameters of \"{name}\": {e}"))
}

pub fn argmax(logits: &[f32]) -> u32 {
    let mut best = 0;
    let mut best_v = f32::NEG_INFINITY;
    for (i, &v) in logits.iter().enumerate() {
        if v > best_v {
            best_v = v;
            best = i;
        }
    }
    best as u32
}

/// Softmax probability of `token`.
pub fn probability(logits: &[f32], token: u32) -> f32 {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    if !max.is_finite() {
        return 0.0;
    }
    let sum: f32 = logits.iter().map(|&v| (v - max).exp()).sum();
    (logits[token as usize] - max).exp() / sum
}

/// One line's decoder as [`greedy`] drives it (format 2: `engine/`, format 3:
/// `copy_engine.rs`).
pub trait DecodeStep {
    /// Feeds `input` (the tokens since the last call: `bos` on the first, then any forced
    /// tokens and the chosen one) after the line's cache and writes the next token's logits
    /// into `logits`. Returns the decoder calls it took.
    fn feed(&mut self, input: &[i64], logits: &mut Vec<f32>) -> Result<usize>;
    /// A last change to the filtered logits before the choice, given the tokens written so far
    /// (format 3: the no-call floor). Default: none.
    fn adjust(&mut self, _written: &[u32], _logits: &mut [f32]) {}
}

/// What [`greedy`] decoded (the `Prediction` fields it decides).
pub struct Greedy {
    /// Written tokens (without `bos`/`eos`), forced ones included.
    pub tokens: Vec<u32>,
    pub steps: usize,
    pub forced: usize,
    pub confidence: f32,
    pub ending: Ending,
}

/// Greedy decoding of one line through `filter`, up to `eos` or `max` tokens. Before every
/// decoder call the filter may force tokens (jump-forward): they ride along in that call's
/// input and the model does not choose them. Every chosen token is the argmax of the filtered
/// (then `adjust`ed) logits; `confidence` is the lowest unfiltered softmax probability of a
/// chosen token, `eos` included. `logits` and `raw` are the caller's buffers (kept between lines).
pub fn greedy(
    step: &mut dyn DecodeStep,
    filter: &mut dyn LogitsFilter,
    (bos, eos): (u32, u32),
    max: usize,
    logits: &mut Vec<f32>,
    raw: &mut Vec<f32>,
) -> Result<Greedy> {
    let mut out = Greedy { tokens: Vec::new(), steps: 0, forced: 0, confidence: 1.0, ending: Ending::Eos };
    let mut input = vec![bos as i64];
    filter.begin();
    loop {
        // Jump-forward: tokens the filter forces ride along in this decoder call.
        let room = max - out.tokens.len();
        if let Some(forced) = filter.forced_tokens(room) {
            let take = forced.len().min(room);
            for &t in &forced[..take] {
                out.tokens.push(t);
                filter.advance(t);
                input.push(t as i64);
            }
            out.forced += take;
            if take < forced.len() {
                out.ending = Ending::Budget;
                break;
            }
            if filter.repeated_call() {
                out.ending = Ending::RepeatedCall;
                break;
            }
        }
        out.steps += step.feed(&input, logits)?;
        raw.clone_from(logits);
        filter.mask_logits(logits);
        step.adjust(&out.tokens, logits);
        let token = argmax(logits);
        if logits[token as usize] == f32::NEG_INFINITY {
            out.ending = Ending::Stuck;
            break;
        }
        out.confidence = out.confidence.min(probability(raw, token));
        if token == eos {
            break;
        }
        if out.tokens.len() >= max {
            out.ending = Ending::Budget;
            break;
        }
        out.tokens.push(token);
        filter.advance(token);
        if filter.repeated_call() {
            out.ending = Ending::RepeatedCall;
            break;
        }
        input.clear();
        input.push(token as i64);
    }
    Ok(out)
}

/// The text of a decoded line as it is validated: as written when it ended with `eos`, else cut
/// after its last complete call (`LogitsFilter::complete_calls_end`); a line the filter cannot
/// cut is an [`OutputError`] (`budget` names the limit, e.g. `max_output_tokens = 128`).
pub fn ended_text(text: String, ending: Ending, filter: &dyn LogitsFilter, budget: &str) -> Result<String> {
    match (ending, filter.complete_calls_end()) {
        (Ending::Eos, _) => Ok(text),
        (_, Some(end)) => Ok(keep_complete_calls(&text, end)),
        (_, None) => Err(OutputError { raw_text: text, reason: format!("no end of output within {budget}") }.into()),
    }
}
