//! The engine: a loaded model and its tools, answering requests (docs/model-format.md). Per request:
//! 1. **Which tools**: the request's pooled vector against every loaded tool's (computed once,
//!    when the tool is loaded); the best `k` go on.
//! 2. **Calls**: one cross-encoder pass over (request, tool) for each of them, in one batch.
//!    The count head says how many calls of the tool the request makes (0: none).
//! 3. **Arguments**: per parameter the status head says absent / span / enum / true / false;
//!    spans are read from the B/I/O tags as the request's exact characters; every value goes
//!    through the value normaliser (`values`) into what the parameter's schema means
//!    (`arguments`). Repeated calls of one tool take the spans in order. Calls are validated
//!    against their tools' schemas before they are printed (`crate::calls`).

use std::time::Instant;

use anyhow::{bail, Context as _, Result};
use serde_json::Value;

use crate::calls::{validate_calls, EncodeStats, Prediction, ToolDecision};
use crate::memo::Memo;
use crate::model::sequence::{request_pieces, tool_line_ids, ToolPieces, ToolSegment, CLS, SEP};
use crate::model::{HeadsOut, Manifest, Model, N_COUNT};
use crate::onnx::{Device, ModelOptions};
use crate::tool_cache::ToolCache;
use crate::tools::Tool;
use crate::values::Context;

pub mod arguments;
use arguments::arguments;

struct LoadedTool {
    tool: Tool,
    /// The bi-encoder's vector (L2-normalised).
    vector: Vec<f32>,
    /// Its cross-encoder segment, tokenized the first time it is shortlisted (not at load, so
    /// a one-shot run over a large catalogue tokenizes only the `k` it reads).
    pieces: Option<ToolPieces>,
}

pub struct Engine {
    pub model: Model,
    tools: Vec<LoadedTool>,
    pub last_encode: EncodeStats,
    pub context: Context,
    /// Never answer `[]` while a tool is loaded (`tool_choice: "required"` in `needle serve`).
    pub require_call: bool,
    /// Vectors of tools loaded before, by the ids the bi-encoder read (bounded, least recently
    /// used first out): switching tool sets (`needle serve`) encodes only tools never seen.
    memo: Memo<Vec<u32>, Vec<f32>>,
    /// Vectors of tools encoded by earlier runs, on disk (`crate::tool_cache`); `None`: off.
    pub tool_cache: Option<ToolCache>,
    /// The decision's settings: the manifest's unless replaced (`needle eval --decisions`).
    pub decision: Decision,
}

/// At most this many tool vectors are remembered (1.5 KiB each).
pub const TOOL_MEMO_SIZE: usize = 4096;

/// `calls` with each call equal to an earlier one left out: a repeat (the count head said 2+ but
/// the request gave one set of values) would do the same thing twice.
fn unique_calls(calls: Vec<Value>) -> Vec<Value> {
    let mut unique: Vec<Value> = Vec::with_capacity(calls.len());
    for call in calls {
        if !unique.contains(&call) {
            unique.push(call);
        }
    }
    unique
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

impl Engine {
    pub fn load(dir: &std::path::Path, opts: &ModelOptions, context: Context) -> Result<Engine> {
        let model = Model::load(dir, opts)?;
        let decision = Decision::of(&model.manifest);
        Ok(Engine {
            model,
            tools: Vec::new(),
            last_encode: EncodeStats::default(),
            context,
            require_call: false,
            memo: Memo::new(TOOL_MEMO_SIZE),
            tool_cache: None,
            decision,
        })
    }

    pub fn tools(&self) -> impl Iterator<Item = &Tool> {
        self.tools.iter().map(|t| &t.tool)
    }

    pub fn name(&self) -> &str {
        &self.model.manifest.name
    }

    pub fn device(&self) -> Device {
        self.model.device
    }

    /// How many tokens the model's tokenizer makes of `text` (OpenAI-style `usage`).
    pub fn count_tokens(&self, text: &str) -> usize {
        self.model.tokenizer.encode(text, false).map_or(0, |enc| enc.len())
    }

    /// Forgets the vectors of tools loaded before and stops reading the disk cache (`needle
    /// bench` times encoding from scratch).
    pub fn forget_tool_vectors(&mut self) {
        self.memo = Memo::new(TOOL_MEMO_SIZE);
        self.tool_cache = None;
    }

    /// Adds tools (a tool already loaded keeps its vector; a name loaded twice is an error).
    pub fn add_tools(&mut self, tools: Vec<Tool>) -> Result<()> {
        let mut all: Vec<Tool> = self.tools().cloned().collect();
        all.extend(tools);
        self.set_tools(all)
    }

    /// How many loaded tools have their cross-encoder segment tokenized (a tool is tokenized the
    /// first time it is shortlisted, and keeps it when tools are added or removed).
    pub fn tokenized_tools(&self) -> usize {
        self.tools.iter().filter(|t| t.pieces.is_some()).count()
    }

    /// Removes the tool called `name`; false when none is.
    pub fn remove_tool(&mut self, name: &str) -> Result<bool> {
        let rest: Vec<Tool> = self.tools().filter(|t| t.name != name).cloned().collect();
        if rest.len() == self.tools.len() {
            return Ok(false);
        }
        self.set_tools(rest)?;
        Ok(true)
    }

    /// A prediction that never answers `[]` while a tool is loaded (`tool_choice: "required"`).
    pub fn predict_required(&mut self, query: &str) -> Result<Prediction> {
        self.require_call = true;
        let p = self.predict(query);
        self.require_call = false;
        p
    }

    /// Replaces the tools; each tool's vector is computed here once (a tool loaded before keeps
    /// its vector: see `memo`; one encoded by an earlier run is read from `tool_cache`). On an
    /// error the previous tools stay loaded.
    pub fn set_tools(&mut self, tools: Vec<Tool>) -> Result<()> {
        let start = Instant::now();
        let mut loaded: Vec<LoadedTool> = Vec::with_capacity(tools.len());
        let mut stats = EncodeStats::default();
        for tool in tools {
            if loaded.iter().any(|e| e.tool.name == tool.name) {
                bail!("{}: duplicate tool name \"{}\"", tool.origin, tool.name);
            }
            let ids = tool_line_ids(&self.model.tokenizer, &tool.name, &tool.description, &tool.parameters)?;
            let vector = match self.memo.get(&ids) {
                Some(vector) => vector,
                None => {
                    let vector = match self.tool_cache.as_mut().and_then(|c| c.get(&ids)) {
                        Some(vector) => {
                            stats.from_cache += 1;
                            vector
                        }
                        None => {
                            let (_, pooled, _) = self.model.encode(&[&ids])?;
                            stats.tools += 1;
                            stats.rows += ids.len();
                            if let Some(cache) = self.tool_cache.as_mut() {
                                cache.put(&ids, &pooled);
                            }
                            pooled
                        }
                    };
                    self.memo.put(ids, vector.clone());
                    vector
                }
            };
            loaded.push(LoadedTool { tool, vector, pieces: None });
        }
        // A tool loaded before keeps its tokenized segment too (the REPL's `:load` and `:drop`
        // rebuild the list through here).
        for new in &mut loaded {
            let same = |old: &&mut LoadedTool| {
                old.tool.name == new.tool.name && old.tool.description == new.tool.description && old.tool.parameters == new.tool.parameters
            };
            if let Some(old) = self.tools.iter_mut().find(same) {
                new.pieces = old.pieces.take();
            }
        }
        self.tools = loaded;
        if let Some(cache) = self.tool_cache.as_mut() {
            cache.trim();
        }
        stats.ms = start.elapsed().as_secs_f64() * 1e3;
        self.last_encode = stats;
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
        let decision = self.decision;
        Ok(self.predict_each(query, &[decision])?.pop().expect("one prediction per decision"))
    }

    /// One prediction per decision setting, the model run over the request once (the
    /// settings only change what is made of its outputs: `needle eval --decisions`).
    pub fn predict_each(&mut self, query: &str, settings: &[Decision]) -> Result<Vec<Prediction>> {
        let start = Instant::now();
        let reading = if self.tools.is_empty() { None } else { Some(self.read(query)?) };
        let tools: Vec<&Tool> = self.tools().collect();
        let predictions = settings
            .iter()
            .map(|decision| {
                let (proposed, decisions) = reading.as_ref().map_or_else(Default::default, |r| self.decide(r, decision));
                let (calls, invalid) = validate_calls(&tools, proposed.clone());
                let confidence = decisions
                    .iter()
                    .map(|d| if d.called { 1.0 - d.count[0] } else { d.count[0] })
                    .fold(1.0f32, f32::min);
                Prediction {
                    calls,
                    invalid,
                    proposed,
                    confidence,
                    ms: start.elapsed().as_secs_f64() * 1e3,
                    query_truncated: reading.as_ref().is_some_and(|r| r.truncated),
                    decisions,
                }
            })
            .collect();
        Ok(predictions)
    }

    /// Steps 1 and 2: the shortlist and one batch of the encoder and heads over it.
    fn read(&mut self, query: &str) -> Result<Reading> {
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
            let loaded = &mut self.tools[i];
            if loaded.pieces.is_none() {
                let t = &loaded.tool;
                loaded.pieces = Some(ToolPieces::new(&self.model.tokenizer, &t.name, &t.description, &t.parameters)?);
            }
            let seg = loaded.pieces.as_ref().expect("tokenized above").segment(req.len());
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
        let probs = (0..chosen.len()).map(|bi| softmax(&out.count[bi * N_COUNT..(bi + 1) * N_COUNT])).collect();
        Ok(Reading { query: query.to_string(), offsets, truncated, chosen, segs, out, probs })
    }

    /// Steps 3 and 4: which tools are called, how often, and with which arguments.
    fn decide(&self, reading: &Reading, d: &Decision) -> (Vec<Value>, Vec<ToolDecision>) {
        let Reading { query, offsets, chosen, segs, out, probs, .. } = reading;
        // The likeliest tool (log-odds of a call plus similarity_weight x similarity) is called
        // when its log-odds plus call_similarity_weight x similarity pass no_call_threshold's;
        // every other tool when its P(no call) is below second_call_threshold.
        let log_odds = |bi: usize| {
            let p0 = probs[bi][0].clamp(1e-6, 1.0 - 1e-6);
            ((1.0 - p0) / p0).ln()
        };
        let likeliness = |bi: usize| log_odds(bi) + d.similarity_weight * chosen[bi].1;
        let likeliest = (0..probs.len()).max_by(|&a, &b| likeliness(a).total_cmp(&likeliness(b)));
        let second = d.second_call_threshold.unwrap_or(d.no_call_threshold).min(d.no_call_threshold);
        // The calls of tool `ti` from row `bi` of the heads' outputs: as many as the count head's
        // likeliest count above 0.
        let calls_of = |bi: usize, ti: usize| -> Vec<Value> {
            let n = 1 + argmax(&probs[bi][1..]);
            let name = &self.tools[ti].tool.name;
            arguments(query, offsets, &segs[bi].params, out, bi, n, d.span_continue_threshold, &self.context)
                .into_iter()
                .map(|args| serde_json::json!({"name": name, "arguments": Value::Object(args)}))
                .collect()
        };
        let mut calls = Vec::new();
        let mut decisions = Vec::new();
        for (bi, &(ti, sim)) in chosen.iter().enumerate() {
            let probs = &probs[bi];
            let mut count = [0f32; N_COUNT];
            count.copy_from_slice(probs);
            let called = if Some(bi) == likeliest { d.calls_likeliest(probs[0], sim) } else { probs[0] < second };
            decisions.push(ToolDecision { name: self.tools[ti].tool.name.clone(), similarity: sim, count, called });
            if called {
                calls.extend(calls_of(bi, ti));
            }
        }
        // Required: the likeliest tool, once, when none passed the threshold.
        if self.require_call && calls.is_empty() {
            if let Some(bi) = likeliest {
                decisions[bi].called = true;
                calls.extend(calls_of(bi, chosen[bi].0));
            }
        }
        (unique_calls(calls), decisions)
    }
}

/// The model's reading of one request against the loaded tools: what the decision needs (one
/// reading serves several decision settings: `predict_each`).
struct Reading {
    query: String,
    offsets: Vec<(usize, usize)>,
    truncated: bool,
    /// The shortlist: (tool index, similarity), best first.
    chosen: Vec<(usize, f32)>,
    segs: Vec<ToolSegment>,
    out: HeadsOut,
    /// The count head's probabilities per shortlisted tool.
    probs: Vec<Vec<f32>>,
}

/// The settings of the decision (docs/model-format.md, "A request, step by step", step 3):
/// the manifest's, or others to compare (`needle eval --decisions`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Decision {
    pub similarity_weight: f32,
    pub call_similarity_weight: f32,
    pub no_call_threshold: f32,
    /// Absent: `no_call_threshold` (resolved when deciding, so replacing `no_call_threshold`
    /// alone moves both, as in a manifest).
    pub second_call_threshold: Option<f32>,
    /// Absent: a span continues only through pieces whose likeliest tag is "inside".
    pub span_continue_threshold: Option<f32>,
}

impl Decision {
    pub fn of(m: &Manifest) -> Decision {
        Decision {
            similarity_weight: m.similarity_weight.unwrap_or(0.0),
            call_similarity_weight: m.call_similarity_weight.unwrap_or(0.0),
            no_call_threshold: m.no_call_threshold,
            second_call_threshold: m.second_call_threshold,
            span_continue_threshold: m.span_continue_threshold,
        }
    }

    /// Whether the likeliest tool, with P(no call) `p0` and similarity `sim`, is called:
    /// `ln((1 - p0) / p0) + call_similarity_weight * sim > ln((1 - t) / t)`, which without a
    /// weight is exactly `p0 < t` (so compared that way, with no rounding at the edges).
    pub fn calls_likeliest(&self, p0: f32, sim: f32) -> bool {
        if self.call_similarity_weight == 0.0 {
            return p0 < self.no_call_threshold;
        }
        let (p0, t) = (p0.clamp(1e-6, 1.0 - 1e-6), self.no_call_threshold.clamp(1e-6, 1.0 - 1e-6));
        ((1.0 - p0) / p0).ln() + self.call_similarity_weight * sim > ((1.0 - t) / t).ln()
    }

    /// Whether `settings` would be accepted by `with` (any decision's: the keys and their
    /// types are checked, not the values' effect).
    pub fn check(settings: &Value) -> Result<()> {
        let neutral = Decision {
            similarity_weight: 0.0,
            call_similarity_weight: 0.0,
            no_call_threshold: 0.5,
            second_call_threshold: None,
            span_continue_threshold: None,
        };
        neutral.with(settings).map(|_| ())
    }

    /// These settings with those named in `settings` (a JSON object with any of the five
    /// manifest keys) replaced.
    pub fn with(mut self, settings: &Value) -> Result<Decision> {
        let Some(obj) = settings.as_object() else {
            bail!("decision settings are not a JSON object: {settings}");
        };
        for (key, value) in obj {
            let v = value.as_f64().with_context(|| format!("decision setting \"{key}\" is not a number: {value}"))? as f32;
            match key.as_str() {
                "similarity_weight" => self.similarity_weight = v,
                "call_similarity_weight" => self.call_similarity_weight = v,
                "no_call_threshold" => self.no_call_threshold = v,
                "second_call_threshold" => self.second_call_threshold = Some(v),
                "span_continue_threshold" if v > 0.0 && v <= 1.0 => self.span_continue_threshold = Some(v),
                "span_continue_threshold" => bail!("decision setting \"span_continue_threshold\" is a probability in (0, 1]: {value}"),
                other => bail!(
                    "unknown decision setting \"{other}\" (similarity_weight, call_similarity_weight, no_call_threshold, second_call_threshold, span_continue_threshold)"
                ),
            }
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_likeliest_tool_is_called_by_its_log_odds_and_similarity() {
        let d = Decision { similarity_weight: 0.0, call_similarity_weight: 0.0, no_call_threshold: 0.7, second_call_threshold: None, span_continue_threshold: None };
        // No weight: exactly P(no call) < threshold, at the edges too.
        assert!(d.calls_likeliest(0.699_999, 0.9));
        assert!(!d.calls_likeliest(0.7, 0.9));
        assert!(!d.calls_likeliest(1.0, 1.0));
        assert!(d.calls_likeliest(0.0, -1.0));
        // 'dim the bedroom lights' (P0 0.972, similarity 0.666): called from a weight of ~5.4 at 0.5.
        let at = |w: f32| Decision { call_similarity_weight: w, no_call_threshold: 0.5, ..d };
        assert!(!at(4.0).calls_likeliest(0.972, 0.666));
        assert!(at(6.0).calls_likeliest(0.972, 0.666));
        // A dissimilar tool is not pulled over the bar; a negative similarity pushes back.
        assert!(!at(6.0).calls_likeliest(0.972, 0.1));
        assert!(!at(6.0).calls_likeliest(0.45, -0.1));
    }

    #[test]
    fn decision_settings_replace_the_manifest_s() {
        let d = Decision { similarity_weight: 10.0, call_similarity_weight: 0.0, no_call_threshold: 0.7, second_call_threshold: None, span_continue_threshold: None };
        let e = d.with(&json!({"no_call_threshold": 0.9, "call_similarity_weight": 4})).unwrap();
        assert_eq!(e, Decision { call_similarity_weight: 4.0, no_call_threshold: 0.9, ..d });
        assert!(d.with(&json!({"no_call_treshold": 0.5})).unwrap_err().to_string().contains("unknown decision setting"));
        assert!(d.with(&json!({"no_call_threshold": "high"})).is_err());
        assert!(d.with(&json!([0.5])).is_err());
        assert_eq!(d.with(&json!({"span_continue_threshold": 0.3})).unwrap().span_continue_threshold, Some(0.3));
        assert!(d.with(&json!({"span_continue_threshold": 1.5})).is_err());
        assert!(Decision::check(&json!({"span_continue_threshold": 0})).is_err());
    }

    #[test]
    fn a_repeated_call_is_kept_once() {
        let a = json!({"name": "refs", "arguments": {}});
        let b = json!({"name": "send", "arguments": {"to": "Joe"}});
        let c = json!({"name": "send", "arguments": {"to": "Maria"}});
        let got = unique_calls(vec![a.clone(), b.clone(), a.clone(), c.clone(), b.clone()]);
        assert_eq!(got, vec![a, b, c]);
    }
}
