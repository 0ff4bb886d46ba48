//! The engine of a format 4 model (docs/model-format.md §8). Per request:
//! 1. **Which tools**: the request's pooled vector against every loaded tool's (computed once,
//!    when the tool is loaded); the best `k` go on.
//! 2. **Calls**: one cross-encoder pass over (request, tool) for each of them, in one batch.
//!    The count head says how many calls of the tool the request makes (0: none).
//! 3. **Arguments**: per parameter the status head says absent / span / enum / true / false;
//!    spans are read from the B/I/O tags as the request's exact characters; every value goes
//!    through the value normaliser (`values`) into what the parameter's schema means. Repeated
//!    calls of one tool take the spans in order. Calls are validated as with every format.

use std::time::Instant;

use anyhow::{bail, Result};
use serde_json::{Map, Value};

use super::model::{ExtractModel, HeadsOut, N_COUNT, N_STATUS, N_TAGS};
use super::sequence::{request_pieces, tool_line_ids, tool_segment, Param, CLS, SEP};
use crate::decode::{validate_calls, EncodeStats, Ending, Prediction};
use crate::model::ModelOptions;
use crate::tools::Tool;
use crate::memo::Memo;
use crate::values::{normalize, Context, ParamSchema};

/// What the status head can say about a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Absent,
    Span,
    Member,
    True,
    False,
}

impl Status {
    fn from_index(i: usize) -> Status {
        [Status::Absent, Status::Span, Status::Member, Status::True, Status::False][i]
    }
}

/// A span tag over the request's pieces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    Outside,
    Begin,
    Inside,
}

struct LoadedTool {
    tool: Tool,
    /// The bi-encoder's vector (L2-normalised).
    vector: Vec<f32>,
}

pub struct ExtractEngine {
    pub model: ExtractModel,
    tools: Vec<LoadedTool>,
    pub last_encode: EncodeStats,
    pub context: Context,
    /// Never answer `[]` while a tool is loaded (`tool_choice: "required"` in `needle serve`).
    pub require_call: bool,
    /// Vectors of tools loaded before, by the ids the bi-encoder read (bounded, least recently
    /// used first out): switching tool sets (`needle serve`) encodes only tools never seen.
    memo: Memo<Vec<u32>, Vec<f32>>,
}

/// At most this many tool vectors are remembered (1.5 KiB each).
pub const TOOL_MEMO_SIZE: usize = 4096;

/// One tool's decision for a request (for `--meta` and debugging).
#[derive(Debug, Clone)]
pub struct ToolDecision {
    pub name: String,
    pub similarity: f32,
    /// Probability of each count, 0..3+.
    pub count: [f32; N_COUNT],
}

fn softmax(x: &[f32]) -> Vec<f32> {
    let max = x.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
    let e: Vec<f32> = x.iter().map(|v| (v - max).exp()).collect();
    let s: f32 = e.iter().sum();
    e.iter().map(|v| v / s).collect()
}

fn argmax(x: &[f32]) -> usize {
    x.iter().enumerate().fold((0, f32::NEG_INFINITY), |best, (i, &v)| if v > best.1 { (i, v) } else { best }).0
}

impl ExtractEngine {
    pub fn load(dir: &std::path::Path, opts: &ModelOptions, context: Context) -> Result<ExtractEngine> {
        Ok(ExtractEngine { model: ExtractModel::load(dir, opts)?, tools: Vec::new(), last_encode: EncodeStats::default(), context, require_call: false, memo: Memo::new(TOOL_MEMO_SIZE) })
    }

    pub fn tools(&self) -> impl Iterator<Item = &Tool> {
        self.tools.iter().map(|t| &t.tool)
    }

    /// Replaces the tools; each tool's vector is computed here once (a tool loaded before keeps
    /// its vector: see `memo`). On an error the previous tools stay loaded.
    pub fn set_tools(&mut self, tools: Vec<Tool>) -> Result<()> {
        let start = Instant::now();
        let mut loaded: Vec<LoadedTool> = Vec::with_capacity(tools.len());
        let (mut new_tools, mut rows) = (0, 0);
        for tool in tools {
            if loaded.iter().any(|e| e.tool.name == tool.name) {
                bail!("{}: duplicate tool name \"{}\"", tool.origin, tool.name);
            }
            let ids = tool_line_ids(&self.model.tokenizer, &tool.name, &tool.description, &tool.parameters)?;
            let vector = match self.memo.get(&ids) {
                Some(vector) => vector,
                None => {
                    let (_, pooled, _) = self.model.encode(&[&ids])?;
                    new_tools += 1;
                    rows += ids.len();
                    self.memo.put(ids, pooled.clone());
                    pooled
                }
            };
            loaded.push(LoadedTool { tool, vector });
        }
        self.tools = loaded;
        self.last_encode = EncodeStats { tools: new_tools, rows, cached: 0, ms: start.elapsed().as_secs_f64() * 1e3 };
        Ok(())
    }

    /// The tools in order of the bi-encoder's similarity with the request: (index, cosine).
    fn rank(&mut self, request_ids: &[u32]) -> Result<Vec<(usize, f32)>> {
        let (_, q, _) = self.model.encode(&[request_ids])?;
        let mut sims: Vec<(usize, f32)> =
            self.tools.iter().enumerate().map(|(i, t)| (i, t.vector.iter().zip(&q).map(|(a, b)| a * b).sum())).collect();
        sims.sort_by(|a, b| b.1.total_cmp(&a.1));
        Ok(sims)
    }

    pub fn predict(&mut self, query: &str) -> Result<Prediction> {
        let (calls, decisions, truncated, ms) = self.predict_calls(query)?;
        let tools: Vec<&Tool> = self.tools().collect();
        let raw_text = serde_json::to_string(&calls)?;
        let (calls, invalid) = validate_calls(&tools, &raw_text)?;
        let confidence = decisions
            .iter()
            .map(|d| {
                let p_none = d.count[0];
                let called = p_none < self.model.manifest.no_call_threshold;
                if called { 1.0 - p_none } else { p_none }
            })
            .fold(1.0f32, f32::min);
        Ok(Prediction {
            calls,
            invalid,
            raw_text,
            tokens: Vec::new(),
            ending: Ending::Eos,
            steps: 1,
            forced: 0,
            confidence,
            ms: ms + 0.0,
            query_truncated: truncated,
            tools_seen: decisions.len(),
        })
    }

    /// The calls before validation, each tool's decision, whether the request was cut, and ms.
    pub fn predict_calls(&mut self, query: &str) -> Result<(Vec<Value>, Vec<ToolDecision>, bool, f64)> {
        let start = Instant::now();
        if self.tools.is_empty() {
            return Ok((Vec::new(), Vec::new(), false, 0.0));
        }
        let (req, offsets, truncated) = request_pieces(&self.model.tokenizer, query)?;
        let mut request_ids = vec![CLS];
        request_ids.extend(&req);
        request_ids.push(SEP);
        let ranked = self.rank(&request_ids)?;
        let chosen: Vec<(usize, f32)> = ranked.into_iter().take(self.model.manifest.k.max(1)).collect();

        // One batch of (request, tool) sequences.
        let mut seqs: Vec<Vec<u32>> = Vec::new();
        let mut segs = Vec::new();
        for &(i, _) in &chosen {
            let t = &self.tools[i].tool;
            let seg = tool_segment(&self.model.tokenizer, &t.name, &t.description, &t.parameters, req.len())?;
            let mut ids = request_ids.clone();
            ids.extend(&seg.ids);
            seqs.push(ids);
            segs.push(seg);
        }
        let refs: Vec<&[u32]> = seqs.iter().map(|s| s.as_slice()).collect();
        let (hidden, _, t) = self.model.encode(&refs)?;
        let b = seqs.len();
        let p = segs.iter().map(|s| s.params.len()).max().unwrap_or(0).max(1);
        let m = segs.iter().flat_map(|s| s.member_spans.iter().map(Vec::len)).max().unwrap_or(0).max(1);
        let mut param_pos = vec![0i64; b * p];
        let mut pool = vec![0f32; b * p * m * t];
        for (bi, seg) in segs.iter().enumerate() {
            for (pi, &pos) in seg.param_pos.iter().enumerate() {
                param_pos[bi * p + pi] = pos as i64;
                for (mi, &(a, e)) in seg.member_spans[pi].iter().enumerate() {
                    for ti in a..e {
                        pool[((bi * p + pi) * m + mi) * t + ti] = 1.0 / (e - a) as f32;
                    }
                }
            }
        }
        let out = self.model.heads(&hidden, b, t, &param_pos, p, &pool, m)?;

        let mut calls = Vec::new();
        let mut decisions = Vec::new();
        let probs: Vec<Vec<f32>> = (0..chosen.len()).map(|bi| softmax(&out.count[bi * N_COUNT..(bi + 1) * N_COUNT])).collect();
        // The likeliest tool is held to no_call_threshold, every other to second_call_threshold.
        let likeliest = (0..probs.len()).min_by(|&a, &b| probs[a][0].total_cmp(&probs[b][0]));
        let manifest = &self.model.manifest;
        let second = manifest.second_call_threshold.unwrap_or(manifest.no_call_threshold).min(manifest.no_call_threshold);
        for (bi, &(ti, sim)) in chosen.iter().enumerate() {
            let probs = &probs[bi];
            let mut count = [0f32; N_COUNT];
            count.copy_from_slice(probs);
            decisions.push(ToolDecision { name: self.tools[ti].tool.name.clone(), similarity: sim, count });
            let threshold = if Some(bi) == likeliest { manifest.no_call_threshold } else { second };
            if probs[0] >= threshold {
                continue;
            }
            let n = 1 + argmax(&probs[1..]);
            let tool = &self.tools[ti].tool;
            for args in self.arguments(query, &offsets, &segs[bi].params, &out, bi, n) {
                calls.push(serde_json::json!({"name": tool.name, "arguments": Value::Object(args)}));
            }
        }
        // Required: the tool most likely called, once, when none passed the threshold.
        if self.require_call && calls.is_empty() {
            let bi = (0..decisions.len()).min_by(|&a, &b| decisions[a].count[0].total_cmp(&decisions[b].count[0]));
            if let Some(bi) = bi {
                let tool = &self.tools[chosen[bi].0].tool;
                let n = 1 + argmax(&decisions[bi].count[1..]);
                for args in self.arguments(query, &offsets, &segs[bi].params, &out, bi, n) {
                    calls.push(serde_json::json!({"name": tool.name, "arguments": Value::Object(args)}));
                }
            }
        }
        Ok((calls, decisions, truncated, start.elapsed().as_secs_f64() * 1e3))
    }

    /// The arguments of `n` calls of one tool from its row `bi` of the heads' outputs.
    fn arguments(&self, query: &str, offsets: &[(usize, usize)], params: &[Param], out: &HeadsOut, bi: usize, n: usize) -> Vec<Map<String, Value>> {
        let mut calls = vec![Map::new(); n];
        for (pi, param) in params.iter().enumerate() {
            let row = (bi * out.p + pi) * N_STATUS;
            let status = Status::from_index(argmax(&out.status[row..row + N_STATUS]));
            let values: Vec<Value> = match status {
                Status::Absent => continue,
                Status::True | Status::False => {
                    let schema_kind = param.kind.as_str();
                    if schema_kind != "boolean" && schema_kind != "any" {
                        continue;
                    }
                    vec![Value::Bool(status == Status::True)]
                }
                Status::Member => {
                    if param.members.is_empty() {
                        continue;
                    }
                    let base = (bi * out.p + pi) * out.m;
                    let scores = &out.members[base..base + param.members.len()];
                    let member = param.members[argmax(scores)].clone();
                    vec![if param.kind == "array" { Value::Array(vec![member]) } else { member }]
                }
                Status::Span => {
                    let spans = self.spans(query, offsets, out, bi, pi);
                    let schema = ParamSchema::new(&param.path, &param.schema);
                    if param.kind == "array" && n == 1 && spans.len() > 1 {
                        // Several spans for one list: each an item, normalised by `items`.
                        let items = param.schema.get("items").cloned().unwrap_or(Value::Object(Map::new()));
                        let item = ParamSchema::new(&param.path, &items);
                        let vals: Vec<Value> = spans.iter().filter_map(|s| normalize(s, &item, &self.context).ok()).collect();
                        if vals.is_empty() { continue } else { vec![Value::Array(vals)] }
                    } else {
                        spans.iter().filter_map(|s| normalize(s, &schema, &self.context).ok()).collect()
                    }
                }
            };
            if values.is_empty() {
                continue;
            }
            for (ci, call) in calls.iter_mut().enumerate() {
                // Repeated calls take the spans in order; one value serves every call.
                let v = if values.len() >= n { &values[ci] } else { &values[0] };
                insert_path(call, &param.path, v.clone());
            }
        }
        calls
    }

    /// The request's spans for parameter `pi`: B starts a span, I continues it (an I after O
    /// starts one too); when the status said "span" but no piece is tagged, the piece most
    /// likely to begin one. Each span is the request's exact characters, widened to whole words.
    fn spans(&self, query: &str, offsets: &[(usize, usize)], out: &HeadsOut, bi: usize, pi: usize) -> Vec<String> {
        let n = offsets.len();
        let at = |ti: usize| ((bi * out.p + pi) * out.t + 1 + ti) * N_TAGS;
        let tags: Vec<Tag> = (0..n)
            .map(|ti| match argmax(&out.spans[at(ti)..at(ti) + N_TAGS]) {
                1 => Tag::Begin,
                2 => Tag::Inside,
                _ => Tag::Outside,
            })
            .collect();
        let mut ranges: Vec<(usize, usize)> = Vec::new();
        for (ti, tag) in tags.iter().enumerate() {
            match tag {
                Tag::Begin => ranges.push((ti, ti)),
                Tag::Inside => match ranges.last_mut() {
                    Some(r) if r.1 + 1 == ti => r.1 = ti,
                    _ => ranges.push((ti, ti)),
                },
                Tag::Outside => {}
            }
        }
        if ranges.is_empty() && n > 0 {
            let begin = (0..n).max_by(|&a, &b| out.spans[at(a) + 1].total_cmp(&out.spans[at(b) + 1])).unwrap();
            let mut end = begin;
            while end + 1 < n && argmax(&out.spans[at(end + 1)..at(end + 1) + N_TAGS]) == 2 {
                end += 1;
            }
            ranges.push((begin, end));
        }
        ranges.into_iter().map(|(a, b)| widen(query, offsets[a].0, offsets[b].1).to_string()).collect()
    }
}

/// `query[a..b]` widened to whole words: a span that starts or ends inside a word (a WordPiece
/// boundary) takes the rest of the word's letters and digits.
fn widen(query: &str, mut a: usize, mut b: usize) -> &str {
    let bytes = query.as_bytes();
    while a > 0 && bytes[a - 1].is_ascii_alphanumeric() && bytes[a].is_ascii_alphanumeric() {
        a -= 1;
    }
    while b < bytes.len() && b > 0 && bytes[b].is_ascii_alphanumeric() && bytes[b - 1].is_ascii_alphanumeric() {
        b += 1;
    }
    query.get(a..b).unwrap_or("")
}

/// Sets `call[a][b]... = value` for the dotted path `a.b`.
fn insert_path(call: &mut Map<String, Value>, path: &str, value: Value) {
    let mut node = call;
    let parts: Vec<&str> = path.split('.').collect();
    for key in &parts[..parts.len() - 1] {
        let entry = node.entry(key.to_string()).or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        node = entry.as_object_mut().unwrap();
    }
    node.insert(parts[parts.len() - 1].to_string(), value);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widen_takes_whole_words_only() {
        let q = "email cus_8Hx2 about Oslo.";
        assert_eq!(widen(q, 6, 9), "cus");
        assert_eq!(widen(q, 10, 12), "8Hx2");
        assert_eq!(widen(q, 21, 23), "Oslo");
        assert_eq!(widen(q, 21, 25), "Oslo");
    }

    #[test]
    fn nested_paths_make_objects() {
        let mut call = Map::new();
        insert_path(&mut call, "filter.status", Value::from("open"));
        insert_path(&mut call, "filter.owner", Value::from("me"));
        insert_path(&mut call, "limit", Value::from(3));
        assert_eq!(Value::Object(call), serde_json::json!({"filter": {"status": "open", "owner": "me"}, "limit": 3}));
    }
}
