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

/// A required top-level parameter: its call is invalid without it (a nested one is required
/// only once its parent is given).
fn must_have_value(param: &Param) -> bool {
    param.required && !param.path.contains('.')
}

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
    const ALL: [Status; N_STATUS] = [Status::Absent, Status::Span, Status::Member, Status::True, Status::False];

    /// Whether the parameter's schema lets this status give it a value: true / false only for a
    /// boolean, a member only where there are members, a span for anything but a boolean, and
    /// absent only where the parameter need not have a value (`must_have_value`).
    fn fits(self, param: &Param) -> bool {
        let any = param.kind == "any";
        match self {
            Status::Absent => !must_have_value(param),
            Status::Span => param.kind != "boolean",
            Status::Member => !param.members.is_empty(),
            Status::True | Status::False => param.kind == "boolean" || any,
        }
    }

    /// The status head's choice among the statuses the schema allows (see `fits`).
    fn choose(logits: &[f32], param: &Param) -> Status {
        Status::ALL
            .iter()
            .zip(logits)
            .filter(|(status, _)| status.fits(param))
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map(|(status, _)| *status)
            .unwrap_or(Status::Absent)
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
        // The likeliest tool (log-odds of a call plus similarity_weight x similarity) is held to
        // no_call_threshold, every other to second_call_threshold.
        let manifest = &self.model.manifest;
        let weight = manifest.similarity_weight.unwrap_or(0.0);
        let likeliness = |bi: usize| {
            let p0 = probs[bi][0].clamp(1e-6, 1.0 - 1e-6);
            ((1.0 - p0) / p0).ln() + weight * chosen[bi].1
        };
        let likeliest = (0..probs.len()).max_by(|&a, &b| likeliness(a).total_cmp(&likeliness(b)));
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
        // Required: the likeliest tool, once, when none passed the threshold.
        if self.require_call && calls.is_empty() {
            if let Some(bi) = likeliest {
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
        let statuses: Vec<Status> = (0..params.len())
            .map(|pi| {
                let row = (bi * out.p + pi) * N_STATUS;
                Status::choose(&out.status[row..row + N_STATUS], &params[pi])
            })
            .collect();
        let tags = SpanTags::new(out, bi, offsets.len());
        let span_params: Vec<usize> = (0..params.len()).filter(|&pi| statuses[pi] == Status::Span).collect();
        let mut spans = tags.assign(&span_params, |pi| must_have_value(&params[pi]));
        let mut calls = vec![Map::new(); n];
        for (pi, param) in params.iter().enumerate() {
            let values: Vec<Value> = match statuses[pi] {
                Status::Absent => continue,
                Status::True | Status::False => vec![Value::Bool(statuses[pi] == Status::True)],
                Status::Member => {
                    let base = (bi * out.p + pi) * out.m;
                    let scores = &out.members[base..base + param.members.len()];
                    let member = param.members[argmax(scores)].clone();
                    vec![if param.kind == "array" { Value::Array(vec![member]) } else { member }]
                }
                Status::Span => {
                    let texts: Vec<&str> = spans
                        .remove(&pi)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|(a, b)| widen(query, offsets[a].0, offsets[b].1))
                        .collect();
                    let schema = ParamSchema::new(&param.path, &param.schema);
                    if param.kind == "array" && n == 1 && texts.len() > 1 {
                        // Several spans for one list: each an item, normalised by `items`.
                        let items = param.schema.get("items").cloned().unwrap_or(Value::Object(Map::new()));
                        let item = ParamSchema::new(&param.path, &items);
                        let vals: Vec<Value> = texts.iter().filter_map(|s| normalize(s, &item, &self.context).ok()).collect();
                        if vals.is_empty() { continue } else { vec![Value::Array(vals)] }
                    } else {
                        texts.iter().filter_map(|s| normalize(s, &schema, &self.context).ok()).collect()
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
}

/// The span head's O / B / I probabilities of one (request, tool) row, per parameter and
/// request piece, computed once.
struct SpanTags {
    /// `probs[pi * n + ti]`: parameter `pi`, request piece `ti`.
    probs: Vec<[f32; N_TAGS]>,
    /// Request pieces.
    n: usize,
}

/// A span: the first and last request piece it covers (inclusive).
type Range = (usize, usize);

impl SpanTags {
    /// Row `bi` of the heads' outputs, whose request has `n` pieces (sequence positions 1..=n).
    fn new(out: &HeadsOut, bi: usize, n: usize) -> SpanTags {
        let probs = (0..out.p)
            .flat_map(|pi| (0..n).map(move |ti| ((bi * out.p + pi) * out.t + 1 + ti) * N_TAGS))
            .map(|at| {
                let mut p = [0f32; N_TAGS];
                p.copy_from_slice(&softmax(&out.spans[at..at + N_TAGS]));
                p
            })
            .collect();
        SpanTags { probs, n }
    }

    /// O / B / I probabilities of request piece `ti` for parameter `pi`.
    fn probs(&self, pi: usize, ti: usize) -> &[f32; N_TAGS] {
        &self.probs[pi * self.n + ti]
    }

    fn tag(&self, pi: usize, ti: usize) -> Tag {
        match argmax(self.probs(pi, ti)) {
            1 => Tag::Begin,
            2 => Tag::Inside,
            _ => Tag::Outside,
        }
    }

    /// Parameter `pi`'s spans as its tags read: B starts a span, I continues it (an I after O
    /// starts one too); each with how sure the head is of it (the mean, over its pieces, of the
    /// probability that the piece is in a span).
    fn ranges(&self, pi: usize) -> Vec<(Range, f32)> {
        let mut ranges: Vec<Range> = Vec::new();
        for ti in 0..self.n {
            match self.tag(pi, ti) {
                Tag::Begin => ranges.push((ti, ti)),
                Tag::Inside => match ranges.last_mut() {
                    Some(r) if r.1 + 1 == ti => r.1 = ti,
                    _ => ranges.push((ti, ti)),
                },
                Tag::Outside => {}
            }
        }
        ranges
            .into_iter()
            .map(|(a, b)| {
                let inside: f32 = (a..=b).map(|ti| 1.0 - self.probs(pi, ti)[0]).sum();
                ((a, b), inside / (b + 1 - a) as f32)
            })
            .collect()
    }

    /// The span most likely to begin at a piece no other parameter took, continued while the
    /// next free piece reads I: for a parameter whose status said "span" but whose tags found
    /// none that was free.
    fn best_free(&self, pi: usize, taken: &[bool]) -> Option<Range> {
        let begin = (0..self.n).filter(|&ti| !taken[ti]).max_by(|&a, &b| self.probs(pi, a)[1].total_cmp(&self.probs(pi, b)[1]))?;
        let mut end = begin;
        while end + 1 < self.n && !taken[end + 1] && self.tag(pi, end + 1) == Tag::Inside {
            end += 1;
        }
        Some((begin, end))
    }

    /// The spans of the parameters `params`, one set of words per parameter: where two
    /// parameters' spans overlap, the one the head is surer of keeps the words and the other
    /// loses that span (a request rarely gives one value to two parameters: "from Paris to
    /// Oslo" is an origin and a destination, not two Oslos). A parameter left without a span
    /// gets the likeliest free one when it must have a value (`must`), none otherwise.
    fn assign(&self, params: &[usize], must: impl Fn(usize) -> bool) -> std::collections::HashMap<usize, Vec<Range>> {
        let mut candidates: Vec<(usize, Range, f32)> =
            params.iter().flat_map(|&pi| self.ranges(pi).into_iter().map(move |(r, score)| (pi, r, score))).collect();
        candidates.sort_by(|a, b| b.2.total_cmp(&a.2));
        let mut owner: Vec<Option<usize>> = vec![None; self.n];
        let mut spans: std::collections::HashMap<usize, Vec<Range>> = std::collections::HashMap::new();
        for (pi, (a, b), _) in candidates {
            if (a..=b).any(|ti| owner[ti].is_some_and(|o| o != pi)) {
                continue;
            }
            (a..=b).for_each(|ti| owner[ti] = Some(pi));
            spans.entry(pi).or_default().push((a, b));
        }
        for &pi in params {
            if spans.contains_key(&pi) {
                continue;
            }
            let taken: Vec<bool> = owner.iter().map(Option::is_some).collect();
            // A parameter the tags gave no span (or only taken ones) keeps the old behaviour
            // when it must have a value: the likeliest free start.
            if must(pi) || self.ranges(pi).is_empty() {
                if let Some((a, b)) = self.best_free(pi, &taken) {
                    (a..=b).for_each(|ti| owner[ti] = Some(pi));
                    spans.insert(pi, vec![(a, b)]);
                }
            }
        }
        for ranges in spans.values_mut() {
            ranges.sort();
        }
        spans
    }
}

/// `query[a..b]` widened to whole words: a span that starts or ends inside a word (a WordPiece
/// boundary) takes the rest of the word, where a word is letters and digits joined by the
/// characters that join the parts of an id, path, address or number (`cus_8Hx2`, `/srv/data`,
/// `anna@company.org`, `Suthep-Pui`, `9:30`, `3.5`): WordPiece splits at each of them, and a
/// value cut there is never what the user meant. A joiner ends the word unless a letter or
/// digit follows it, so "Oslo." keeps its full stop out.
fn widen(query: &str, mut a: usize, mut b: usize) -> &str {
    const JOINERS: &[u8] = b"_-./@:#+~%";
    let bytes = query.as_bytes();
    let word = |i: usize| bytes[i].is_ascii_alphanumeric() || bytes[i] >= 0x80;
    let joins = |i: usize| JOINERS.contains(&bytes[i]);
    if a >= b || b > bytes.len() {
        return query.get(a..b).unwrap_or("");
    }
    loop {
        if a > 0 && word(a - 1) && (word(a) || joins(a)) {
            a -= 1;
        } else if a > 1 && joins(a - 1) && word(a - 2) && word(a) {
            a -= 2;
        } else if a > 0 && b"/~#@".contains(&bytes[a - 1]) && (a == 1 || !word(a - 2)) && word(a) {
            a -= 1; // a path's root, a handle's @, a number's # ("/srv", "@maria", "#4521")
            break;
        } else {
            break;
        }
    }
    loop {
        if b < bytes.len() && word(b) && (word(b - 1) || joins(b - 1)) {
            b += 1;
        } else if b + 1 < bytes.len() && joins(b) && word(b + 1) && word(b - 1) {
            b += 2;
        } else {
            break;
        }
    }
    while !query.is_char_boundary(a) {
        a -= 1;
    }
    while !query.is_char_boundary(b) {
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
        assert_eq!(widen(q, 6, 9), "cus_8Hx2");
        assert_eq!(widen(q, 10, 12), "cus_8Hx2");
        assert_eq!(widen(q, 21, 23), "Oslo");
        assert_eq!(widen(q, 21, 25), "Oslo");
        let q = "mail anna@company.org, then read /srv/data/a.csv at 9:30 near Doi Suthep-Pui, Zürich.";
        assert_eq!(widen(q, 5, 9), "anna@company.org");
        assert_eq!(widen(q, 10, 17), "anna@company.org");
        assert_eq!(widen(q, 34, 37), "/srv/data/a.csv");
        assert_eq!(widen(q, 52, 53), "9:30");
        assert_eq!(widen(q, 66, 72), "Suthep-Pui");
        assert_eq!(widen(q, 78, 79), "Zürich");
        assert_eq!(widen(q, 0, 4), "mail");
    }

    #[test]
    fn nested_paths_make_objects() {
        let mut call = Map::new();
        insert_path(&mut call, "filter.status", Value::from("open"));
        insert_path(&mut call, "filter.owner", Value::from("me"));
        insert_path(&mut call, "limit", Value::from(3));
        assert_eq!(Value::Object(call), serde_json::json!({"filter": {"status": "open", "owner": "me"}, "limit": 3}));
    }

    fn param(path: &str, kind: &str, required: bool, members: Vec<Value>) -> Param {
        Param { path: path.into(), schema: serde_json::json!({"type": kind}), required, kind: kind.into(), members }
    }

    #[test]
    fn status_follows_the_schema() {
        // logits in Status::ALL order: absent, span, member, true, false
        let absent_first = [3.0, 1.0, 2.0, 0.5, 0.0];
        let page = param("page", "string", true, vec![Value::from("wifi"), Value::from("storage")]);
        assert_eq!(Status::choose(&absent_first, &page), Status::Member, "a required enum gets its likeliest member");
        let optional = param("page", "string", false, vec![Value::from("wifi")]);
        assert_eq!(Status::choose(&absent_first, &optional), Status::Absent);
        let nested = param("filter.page", "string", true, vec![]);
        assert_eq!(Status::choose(&absent_first, &nested), Status::Absent, "nested: required only with its parent");
        let flag = param("subtitles", "boolean", true, vec![]);
        assert_eq!(Status::choose(&absent_first, &flag), Status::True, "a boolean is never a span");
        let true_first = [0.0, 1.0, 0.5, 3.0, 0.0];
        let text = param("title", "string", false, vec![]);
        assert_eq!(Status::choose(&true_first, &text), Status::Span, "true / false only for a boolean");
        assert_eq!(Status::choose(&true_first, &param("x", "any", false, vec![])), Status::True);
    }

    /// Heads' outputs for one tool with `tags[pi][ti]` = (O, B, I) logits of request piece ti.
    fn heads_with_tags(tags: &[Vec<[f32; 3]>]) -> HeadsOut {
        let (p, n) = (tags.len(), tags[0].len());
        let t = n + 2; // [CLS] request [SEP]
        let mut spans = vec![0f32; p * t * N_TAGS];
        for (pi, row) in tags.iter().enumerate() {
            for (ti, logits) in row.iter().enumerate() {
                let at = (pi * t + 1 + ti) * N_TAGS;
                spans[at..at + N_TAGS].copy_from_slice(logits);
            }
        }
        HeadsOut { count: vec![0.0; N_COUNT], status: vec![0.0; p * N_STATUS], spans, members: vec![0.0; p], p, m: 1, t }
    }

    #[test]
    fn two_parameters_do_not_take_the_same_words() {
        const O: [f32; 3] = [4.0, 0.0, 0.0];
        let (b_sure, i_sure, b_unsure, i_unsure) = ([0.0, 4.0, 0.0], [0.0, 0.0, 4.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]);
        // "Yoakum SC next week": city is sure of pieces 0-1, state less sure of the same pieces,
        // and state's next likeliest start is piece 1.
        let out = heads_with_tags(&[
            vec![b_sure, i_sure, O, O],
            vec![b_unsure, i_unsure, O, O],
        ]);
        let tags = SpanTags::new(&out, 0, 4);
        let optional = tags.assign(&[0, 1], |_| false);
        assert_eq!(optional.get(&0), Some(&vec![(0, 1)]));
        assert_eq!(optional.get(&1), None, "an optional parameter loses words another took");
        let required = tags.assign(&[0, 1], |pi| pi == 1);
        assert_eq!(required.get(&0), Some(&vec![(0, 1)]));
        assert!(matches!(required.get(&1).map(|r| r[0]), Some((a, _)) if a >= 2), "a required one takes free words");
        // Two spans of one parameter (two calls, or a list) stay together.
        let out = heads_with_tags(&[vec![b_sure, O, b_sure, i_sure]]);
        let tags = SpanTags::new(&out, 0, 4);
        assert_eq!(tags.assign(&[0], |_| false).get(&0), Some(&vec![(0, 0), (2, 3)]));
    }
}
