//! Tool shortlisting for large catalogues: when more than [`SHORTLIST_TOOLS`] tools are
//! loaded, each query is decoded over only the [`SHORTLIST_TOOLS`] tools that match it best.
//!
//! Why: every decoder step reads the cross-attention K/V of every loaded tool. With 20 tools
//! that is 17.6 MB per step, with 200 tools 176 MB, and the step time follows (memory traffic,
//! not arithmetic; docs/performance.md). Decoding over a fixed-size shortlist keeps the
//! per-line time of a 200-tool catalogue near that of 20 tools.
//!
//! The score is BM25 over words: the query's words against each tool's name (split at `_`,
//! `-`, `.` and camelCase), description, parameter names, parameter descriptions and enum
//! values. It needs no model call, is deterministic, and is cheap (microseconds per tool). Its
//! cost is recall: a tool that shares no word with the query (after a crude plural/suffix
//! fold) can be left out; the measured recall is in docs/performance.md. Ties keep load order.

use std::collections::HashMap;

use serde_json::Value;

use crate::tools::Tool;

/// The decoder sees at most this many tools per query.
pub const SHORTLIST_TOOLS: usize = 20;

/// BM25 parameters (the usual defaults).
const K1: f32 = 1.2;
const B: f32 = 0.75;

/// Words that carry no tool meaning.
const STOPWORDS: &[&str] = &[
    "a", "an", "the", "to", "of", "in", "on", "for", "and", "or", "is", "are", "be", "it", "me", "my", "i",
    "you", "your", "please", "can", "could", "would", "with", "at", "by", "from", "this", "that", "what",
    "whats", "s", "do", "does", "up", "all", "get", "set", "give", "want", "need", "will", "as", "if",
];

/// Lower-case words of `text`, split at non-alphanumerics and camelCase, stopwords dropped,
/// with a crude suffix fold (`lights` -> `light`, `playing` -> `play`) so forms meet.
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut prev_lower = false;
    let flush = |word: &mut String, out: &mut Vec<String>| {
        if !word.is_empty() {
            let w = fold(word);
            if !STOPWORDS.contains(&w.as_str()) {
                out.push(w);
            }
            word.clear();
        }
    };
    for c in text.chars() {
        if c.is_alphanumeric() {
            if c.is_uppercase() && prev_lower {
                flush(&mut word, &mut out);
            }
            prev_lower = c.is_lowercase() || c.is_ascii_digit();
            word.extend(c.to_lowercase());
        } else {
            flush(&mut word, &mut out);
            prev_lower = false;
        }
    }
    flush(&mut word, &mut out);
    out
}

fn fold(word: &str) -> String {
    for suffix in ["ing", "ies", "es", "ed", "s"] {
        if let Some(stem) = word.strip_suffix(suffix) {
            if stem.chars().count() >= 3 {
                return if suffix == "ies" { format!("{stem}y") } else { stem.to_string() };
            }
        }
    }
    word.to_string()
}

/// The text a tool is matched on.
fn tool_text(tool: &Tool) -> String {
    let mut text = format!("{} {}", tool.name, tool.description);
    fn walk(schema: &Value, text: &mut String) {
        let Some(obj) = schema.as_object() else { return };
        if let Some(Value::Object(props)) = obj.get("properties") {
            for (name, sub) in props {
                text.push(' ');
                text.push_str(name);
                walk(sub, text);
            }
        }
        if let Some(Value::String(d)) = obj.get("description") {
            text.push(' ');
            text.push_str(d);
        }
        if let Some(Value::Array(values)) = obj.get("enum") {
            for v in values.iter().filter_map(Value::as_str) {
                text.push(' ');
                text.push_str(v);
            }
        }
        for key in ["items", "anyOf", "oneOf"] {
            match obj.get(key) {
                Some(Value::Array(subs)) => subs.iter().for_each(|s| walk(s, text)),
                Some(sub) => walk(sub, text),
                None => {}
            }
        }
    }
    walk(&tool.parameters, &mut text);
    text
}

/// The BM25 index of a tool set.
#[derive(Debug, Default)]
pub struct Shortlister {
    /// Term counts per tool, and each tool's length in words.
    docs: Vec<(HashMap<String, f32>, f32)>,
    idf: HashMap<String, f32>,
    avg_len: f32,
}

impl Shortlister {
    pub fn new<'a>(tools: impl IntoIterator<Item = &'a Tool>) -> Shortlister {
        let mut docs = Vec::new();
        let mut df: HashMap<String, f32> = HashMap::new();
        for tool in tools {
            let mut tf: HashMap<String, f32> = HashMap::new();
            let w = words(&tool_text(tool));
            for word in &w {
                *tf.entry(word.clone()).or_default() += 1.0;
            }
            for word in tf.keys() {
                *df.entry(word.clone()).or_default() += 1.0;
            }
            docs.push((tf, w.len() as f32));
        }
        let n = docs.len() as f32;
        let avg_len = docs.iter().map(|d| d.1).sum::<f32>() / n.max(1.0);
        let idf = df
            .into_iter()
            .map(|(w, f)| (w, ((n - f + 0.5) / (f + 0.5) + 1.0).ln()))
            .collect();
        Shortlister { docs, idf, avg_len }
    }

    /// BM25 score of every tool for `query`, in load order.
    pub fn scores(&self, query: &str) -> Vec<f32> {
        let q = words(query);
        self.docs
            .iter()
            .map(|(tf, len)| {
                q.iter()
                    .filter_map(|w| Some((tf.get(w)?, self.idf.get(w)?)))
                    .map(|(&f, &idf)| idf * f * (K1 + 1.0) / (f + K1 * (1.0 - B + B * len / self.avg_len.max(1.0))))
                    .sum()
            })
            .collect()
    }

    /// Indices (ascending) of the `k` best-scoring tools for `query`; ties keep load order.
    pub fn top(&self, query: &str, k: usize) -> Vec<usize> {
        let scores = self.scores(query);
        let mut order: Vec<usize> = (0..scores.len()).collect();
        order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
        order.truncate(k);
        order.sort_unstable();
        order
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tool(name: &str, description: &str, params: Value) -> Tool {
        crate::tools::normalize(&serde_json::json!({"name": name, "description": description, "parameters": params}))
            .unwrap()
    }

    #[test]
    fn words_split_and_fold() {
        assert_eq!(words("setLights in the living_room"), ["light", "liv", "room"]);
        assert_eq!(words("What's the WEATHER in Paris?"), ["weather", "pari"]); // crude, but the same on both sides
        assert_eq!(words("batteries replies"), ["battery", "reply"]);
    }

    #[test]
    fn the_matching_tool_ranks_first() {
        let tools = vec![
            tool("get_weather", "Current weather and forecast for a city", serde_json::json!({"type": "object", "properties": {"city": {"type": "string"}}})),
            tool("set_lights", "Turn lights on or off, or dim them", serde_json::json!({"type": "object", "properties": {"room": {"type": "string", "enum": ["kitchen", "bedroom"]}}})),
            tool("send_message", "Send a text message to a contact", serde_json::json!({"type": "object", "properties": {"to": {"type": "string"}}})),
        ];
        let s = Shortlister::new(&tools);
        assert_eq!(s.top("turn off the kitchen lights", 1), [1]);
        assert_eq!(s.top("what's the forecast in Oslo", 1), [0]);
        assert_eq!(s.top("text mom that I'm late", 1), [2]);
        // k larger than the set: everything, in load order.
        assert_eq!(s.top("anything", 5), [0, 1, 2]);
        // No shared word: load order.
        assert_eq!(s.top("zzz", 2), [0, 1]);
    }
}
