//! What a request's answer is: the calls that passed validation against their tools' schemas,
//! the ones dropped and why ([`Prediction`], [`validate_calls`]).

use serde_json::Value;

use crate::model::N_COUNT;
use crate::tools::Tool;

/// A call the model produced that was not printed, and why.
#[derive(Debug, Clone)]
pub struct InvalidCall {
    pub call: Value,
    pub reason: String,
}

/// The answer to one request.
#[derive(Debug, Clone)]
pub struct Prediction {
    /// Valid calls, as `{"name", "arguments"}` objects in output order: what is printed.
    pub calls: Vec<Value>,
    /// Calls dropped by validation.
    pub invalid: Vec<InvalidCall>,
    /// Every call the model made, before validation (what `needle eval` scores, as BFCL scores
    /// what a model wrote).
    pub proposed: Vec<Value>,
    /// How sure the model is of its decision: the lowest, over the tools it read, of the count
    /// head's probability of what was decided for that tool (call or no call).
    pub confidence: f32,
    /// Wall time of the prediction in milliseconds.
    pub ms: f64,
    /// The request was longer than the model reads and was cut.
    pub query_truncated: bool,
    /// What was decided for each tool the cross-encoder read (the bi-encoder's shortlist), in
    /// the shortlist's order.
    pub decisions: Vec<ToolDecision>,
}

/// One tool's decision for a request (`--verbose`, `--meta`'s confidence).
#[derive(Debug, Clone)]
pub struct ToolDecision {
    pub name: String,
    /// The bi-encoder's cosine between the request and the tool.
    pub similarity: f32,
    /// The count head's probability of each count, 0..3+.
    pub count: [f32; N_COUNT],
    /// Whether the tool was called (by its threshold, or as the required call).
    pub called: bool,
}

/// What the last `set_tools` did: tools run through the encoder (a tool loaded before keeps its
/// vector), their tokens, tools whose vectors the disk cache had, and the time it took.
#[derive(Debug, Clone, Copy, Default)]
pub struct EncodeStats {
    pub tools: usize,
    pub rows: usize,
    pub from_cache: usize,
    pub ms: f64,
}

/// Calls that name a loaded tool and whose arguments validate, and the others with the reason.
pub fn validate_calls(tools: &[&Tool], items: Vec<Value>) -> (Vec<Value>, Vec<InvalidCall>) {
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
