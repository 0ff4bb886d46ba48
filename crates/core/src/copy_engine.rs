//! The engine of a format 3 model (docs/model-format.md, "Format 3"): tools encoded once, and
//! per line the chooser, the memory and constrained greedy decoding over copy actions.
//!
//! Per line:
//! 1. The query is one encoder segment; its pooled embedding's cosine with every loaded tool's
//!    ranks the tools (the chooser). When no tool reaches the manifest's `no_call_threshold` the
//!    answer is `[]` and the decoder does not run (-1: every line is decoded).
//! 2. The memory is the query's states, then the `max_tools` best tools' states, best first
//!    (`memory.onnx` adds segment and cosine features and projects the cross-attention K/V).
//! 3. Greedy decoding. An action is a piece of the output vocabulary or a copy of a memory
//!    position, which writes that position's surface (its original characters). The schema
//!    constraint (`constrain.rs`) sees every action as its text: the line's action set is a
//!    [`VocabTrie`] of the pieces and the memory's surfaces, built per line; the grammar is that
//!    of the tools in the memory, so a call can only name a tool the decoder can see. Whether
//!    the decoder may still answer `[]` is the manifest's `no_call` ([`NoCallPolicy`]): a decoder
//!    trained long enough refuses better than the cosine threshold (docs/training.md).

use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Result};
use serde_json::Value;

use crate::constrain::{Grammar, SchemaFilter, VocabTrie};
pub use crate::copy_model::NoCallPolicy;
use crate::copy_model::{segment, tool_text, CopyModel, Decoder, Encoded, KvCache, Memory, Segment};
use crate::decode::{ended_text, greedy, parse_calls, validate_items, DecodeStep, EncodeStats, Ending, LogitsFilter, NoFilter, Prediction};
use crate::memo::Memo;
use crate::model::ModelOptions;
use crate::tools::Tool;
use crate::values::{normalize_arguments, Context, Reread};

/// A loaded tool: its text, segment and encoding.
struct EncodedTool {
    tool: Tool,
    segment: Segment,
    encoded: Encoded,
}

pub struct CopyEngine {
    pub model: CopyModel,
    tools: Vec<EncodedTool>,
    constrained: bool,
    /// Actions per line at most (the manifest's `max_actions`, or less).
    max_actions: usize,
    logits: Vec<f32>,
    pub last_encode: EncodeStats,
    no_call: NoCallPolicy,
    /// The decoder's values go through the normaliser (`NEEDLE_VALUES`; docs/values.md).
    reread: Reread,
    context: Context,
    /// Never answer `[]` while a tool is loaded (`tool_choice: "required"` in `needle serve`).
    pub require_call: bool,
    /// Encodings of tools loaded before, by the text the encoder read: switching between tool
    /// sets (`needle serve`, one set per request) re-encodes only tools never seen.
    memo: Memo<String, (Segment, Encoded)>,
}

/// At most this many tool encodings are kept beyond the loaded tools (about 90 KiB each).
pub const TOOL_MEMO_SIZE: usize = 256;

/// What the chooser decided for a line.
#[derive(Debug, Clone)]
pub struct Choice {
    /// Indices of the tools in the memory, best first.
    pub chosen: Vec<usize>,
    /// Cosine of every loaded tool with the query.
    pub cosines: Vec<f32>,
}

impl CopyEngine {
    pub fn load(dir: &std::path::Path, opts: &ModelOptions) -> Result<CopyEngine> {
        let model = CopyModel::load(dir, opts)?;
        let max_actions = model.manifest.max_actions;
        let manifest_no_call = model.manifest.no_call;
        Ok(CopyEngine {
            model,
            tools: Vec::new(),
            constrained: true,
            max_actions,
            logits: Vec::new(),
            last_encode: EncodeStats::default(),
            no_call: match std::env::var("NEEDLE_NO_CALL").as_deref() {
                Ok("decoder") => NoCallPolicy::Decoder,
                Ok("chooser") => NoCallPolicy::Chooser,
                Err(_) => manifest_no_call,
                Ok(other) => bail!("NEEDLE_NO_CALL={other}: expected chooser or decoder"),
            },
            reread: Reread::from_env().map_err(|e| crate::InputError(format!("NEEDLE_VALUES: {e}")))?,
            context: Context::from_env().map_err(|e| crate::InputError(format!("NEEDLE_TODAY: {e}")))?,
            require_call: false,
            memo: Memo::new(TOOL_MEMO_SIZE),
        })
    }

    pub fn set_constrained(&mut self, on: bool) {
        self.constrained = on;
    }

    pub fn set_no_call_policy(&mut self, policy: NoCallPolicy) {
        self.no_call = policy;
    }

    pub fn constrained(&self) -> bool {
        self.constrained
    }

    /// Caps the actions per line (never above the manifest's `max_actions`).
    pub fn set_max_actions(&mut self, n: usize) {
        self.max_actions = n.min(self.model.manifest.max_actions);
    }

    pub fn tools(&self) -> impl Iterator<Item = &Tool> {
        self.tools.iter().map(|t| &t.tool)
    }

    /// The text the encoder reads for a tool.
    pub fn tool_text(tool: &Tool) -> String {
        tool_text(&tool.name, &tool.description, &tool.parameters)
    }

    /// Replaces the tools; each is encoded once here, never per line (a tool loaded before with
    /// the same text keeps its encoding: those loaded now, and the [`TOOL_MEMO_SIZE`] most
    /// recently used before). On an error the previous tools stay loaded.
    pub fn set_tools(&mut self, tools: Vec<Tool>) -> Result<()> {
        let start = Instant::now();
        let m = self.model.manifest.clone();
        for t in &self.tools {
            self.memo.put(Self::tool_text(&t.tool), (t.segment.clone(), t.encoded.clone()));
        }
        let mut encoded: Vec<EncodedTool> = Vec::with_capacity(tools.len());
        let (mut new_tools, mut rows) = (0, 0);
        for tool in tools {
            if encoded.iter().any(|e| e.tool.name == tool.name) {
                bail!("{}: duplicate tool name \"{}\"", tool.origin, tool.name);
            }
            let text = Self::tool_text(&tool);
            let (segment, enc) = match self.memo.get(&text) {
                Some(known) => known,
                None => {
                    let segment = segment(&self.model.tokenizer, &text, m.max_tool_pieces, &m.special)?;
                    let enc = self.model.encoder.forward(&segment.ids)?;
                    new_tools += 1;
                    rows += segment.ids.len();
                    self.memo.put(text, (segment.clone(), enc.clone()));
                    (segment, enc)
                }
            };
            encoded.push(EncodedTool { tool, segment, encoded: enc });
        }
        self.tools = encoded;
        self.last_encode = EncodeStats { tools: new_tools, rows, cached: 0, ms: start.elapsed().as_secs_f64() * 1e3 };
        Ok(())
    }

    /// The chooser: cosine of the query with every tool, and the best `max_tools`.
    fn choose(&self, query: &Encoded) -> Choice {
        let cosines: Vec<f32> = self
            .tools
            .iter()
            .map(|t| t.encoded.pooled.iter().zip(&query.pooled).map(|(a, b)| a * b).sum())
            .collect();
        let mut order: Vec<usize> = (0..cosines.len()).collect();
        order.sort_by(|&a, &b| cosines[b].total_cmp(&cosines[a]));
        order.truncate(self.model.manifest.config.max_tools);
        Choice { chosen: order, cosines }
    }

    pub fn predict(&mut self, query: &str) -> Result<Prediction> {
        self.predict_inner(query).map(|(p, _)| p)
    }

    /// The prediction and the chooser's decision.
    pub fn predict_inner(&mut self, query: &str) -> Result<(Prediction, Choice)> {
        let start = Instant::now();
        let man = self.model.manifest.clone();
        let q = segment(&self.model.tokenizer, query.trim(), man.max_query_pieces, &man.special)?;
        let q_enc = self.model.encoder.forward(&q.ids)?;
        let choice = self.choose(&q_enc);
        let best = choice.chosen.first().map(|&i| choice.cosines[i]);
        let mut prediction = Prediction {
            calls: Vec::new(),
            invalid: Vec::new(),
            raw_text: "[]".into(),
            tokens: Vec::new(),
            steps: 0,
            ending: Ending::Eos,
            forced: 0,
            confidence: 1.0,
            ms: 0.0,
            query_truncated: q.truncated,
            tools_seen: choice.chosen.len(),
        };
        if best.is_none_or(|c| c < man.no_call_threshold && !self.require_call) {
            prediction.ms = start.elapsed().as_secs_f64() * 1e3;
            return Ok((prediction, choice));
        }

        // The memory: query, then the chosen tools best first.
        let mut states = q_enc.hidden.clone();
        let mut seg: Vec<i64> = vec![0; q.ids.len()];
        let mut sim: Vec<f32> = vec![0.0; q.ids.len()];
        let mut surfaces: Vec<&str> = q.surfaces.iter().map(String::as_str).collect();
        for (rank, &i) in choice.chosen.iter().enumerate() {
            let t = &self.tools[i];
            states.extend_from_slice(&t.encoded.hidden);
            seg.extend(std::iter::repeat_n(rank as i64 + 1, t.segment.ids.len()));
            sim.extend(std::iter::repeat_n(choice.cosines[i], t.segment.ids.len()));
            surfaces.extend(t.segment.surfaces.iter().map(String::as_str));
        }
        let memory = self.model.memory.forward(&states, &seg, &sim)?;
        let v = man.config.vocab_size;
        let (eos, bos) = (man.special.eos, man.special.bos);

        // Every action as bytes: pieces (not eos/bos), then the memory's surfaces.
        let action_text = |a: usize| -> &str {
            if a >= v {
                surfaces[a - v]
            } else if a as u32 == eos || a as u32 == bos {
                ""
            } else {
                &self.model.pieces[a]
            }
        };
        let n_actions = v + surfaces.len();
        let mut filter: Option<SchemaFilter> = self.constrained.then(|| {
            let actions: Vec<Option<Vec<u8>>> = (0..n_actions)
                .map(|a| Some(action_text(a).as_bytes().to_vec()).filter(|b| !b.is_empty()))
                .collect();
            let tools: Vec<Value> = choice
                .chosen
                .iter()
                .map(|&i| {
                    let t = &self.tools[i].tool;
                    serde_json::json!({"name": t.name, "description": t.description, "parameters": t.parameters})
                })
                .collect();
            SchemaFilter::new(Arc::new(Grammar::new(&tools)), Arc::new(VocabTrie::new(actions, Some(eos))))
        });
        let floor = match self.no_call {
            _ if self.require_call => f32::INFINITY,
            NoCallPolicy::Chooser => f32::INFINITY,
            NoCallPolicy::Decoder => man.no_call_min_probability,
        };
        let cache = self.model.decoder.empty_cache()?;
        let mut step = CopyStep {
            decoder: &mut self.model.decoder,
            memory: &memory,
            cache: Some(cache),
            coverage: vec![0.0f32; memory.len],
            vocab: v,
            n_actions,
            floor,
            action_text: &action_text,
        };
        let max_actions = self.max_actions;
        let mut no_filter = NoFilter;
        let filter: &mut dyn LogitsFilter = match filter.as_mut() {
            Some(f) => f,
            None => &mut no_filter,
        };
        let mut raw = Vec::new();
        let decoded = greedy(&mut step, filter, (bos, eos), max_actions, &mut self.logits, &mut raw)?;
        let text: String = decoded.tokens.iter().map(|&a| action_text(a as usize)).collect();
        let text = ended_text(text, decoded.ending, filter, &format!("max_actions = {max_actions}"))?;
        prediction.tokens = decoded.tokens;
        prediction.steps = decoded.steps;
        prediction.forced = decoded.forced;
        prediction.confidence = decoded.confidence;
        prediction.ending = decoded.ending;
        prediction.ms = start.elapsed().as_secs_f64() * 1e3;
        let tools: Vec<&Tool> = self.tools().collect();
        let mut items = parse_calls(&text)?;
        for item in &mut items {
            let tool = item.get("name").and_then(Value::as_str).and_then(|n| tools.iter().find(|t| t.name == n));
            if let (Some(tool), Some(arguments)) = (tool, item.get_mut("arguments")) {
                normalize_arguments(arguments, &tool.parameters, query, &self.context, self.reread);
            }
        }
        let (calls, invalid) = validate_items(&tools, items);
        prediction.calls = calls;
        prediction.invalid = invalid;
        prediction.raw_text = text;
        Ok((prediction, choice))
    }
}

/// The format 3 decoder of one line: the line's memory, the self-attention cache, which memory
/// positions have been copied (`coverage`), and the no-call floor.
struct CopyStep<'a, T: Fn(usize) -> &'a str> {
    decoder: &'a mut Decoder,
    memory: &'a Memory,
    cache: Option<KvCache>,
    coverage: Vec<f32>,
    /// Output vocabulary size: actions from here on copy memory positions.
    vocab: usize,
    n_actions: usize,
    /// The decoder's `[]` stands only when its probability reaches this (infinite under the
    /// chooser policy: the chooser said a tool fits).
    floor: f32,
    action_text: &'a T,
}

impl<'a, T: Fn(usize) -> &'a str> DecodeStep for CopyStep<'a, T> {
    fn feed(&mut self, input: &[i64], logits: &mut Vec<f32>) -> Result<usize> {
        let v = self.vocab;
        for &a in input {
            if a as usize >= v {
                self.coverage[a as usize - v] = 1.0;
            }
        }
        let last = *input.last().expect("greedy feeds at least one action");
        let prev = if last as usize >= v { last - v as i64 } else { -2 };
        let cache = self.cache.take().expect("the cache is put back after every call");
        self.cache = Some(self.decoder.forward(input, &cache, prev, &self.coverage, self.memory, logits)?);
        if logits.len() != self.n_actions {
            bail!("decoder.onnx returned {} logits, expected {} (vocabulary + memory)", logits.len(), self.n_actions);
        }
        Ok(1)
    }

    /// The empty array stands only when its probability reaches the floor: while nothing or
    /// only `[` is written, closing it is taken away below the floor.
    fn adjust(&mut self, written: &[u32], logits: &mut [f32]) {
        if self.floor <= 0.0 || written.len() > 1 {
            return;
        }
        let text: String = written.iter().map(|&a| (self.action_text)(a as usize)).collect();
        if !(text.is_empty() || text == "[") {
            return;
        }
        let closes = if text.is_empty() { "[]" } else { "]" };
        let closing = |a: usize| (self.action_text)(a).starts_with(closes);
        if probability_of(logits, closing) < self.floor {
            for (a, l) in logits.iter_mut().enumerate() {
                if closing(a) {
                    *l = f32::NEG_INFINITY;
                }
            }
        }
    }
}

/// The softmax probability of the actions `which` picks, together.
fn probability_of(logits: &[f32], which: impl Fn(usize) -> bool) -> f32 {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    if !max.is_finite() {
        return 0.0;
    }
    let (mut picked, mut sum) = (0.0f32, 0.0f32);
    for (a, &v) in logits.iter().enumerate() {
        let e = (v - max).exp();
        sum += e;
        if which(a) {
            picked += e;
        }
    }
    picked / sum
}
