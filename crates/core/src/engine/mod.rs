//! The inference engine: loaded tools and the decoder memory, per-query prediction, call
//! validation.
//!
//! Tools are encoded once, when they are set or added (never per query): every tool segment
//! goes through `encoder.onnx` alone (batch 1: no padding, and a tool's K/V do not depend on
//! which other tools are loaded, since int8 activations are quantised per call), or comes from
//! the on-disk [`ToolCache`] when this model has encoded the same tool before. The decoder's
//! memory (`Memory`) is one buffer per decoder layer, `[1, H, M, D]` with
//! `M = tool rows + max_query_tokens`: tool rows first, then a query area (one input per layer,
//! so ONNX Runtime reads them in place every step). Per query only the query area is written
//! (its unused rows are masked with `memory_mask = 0`), so the tools part is never copied per
//! line. With more tools loaded than the shortlist size (`src/shortlist.rs`), a query is
//! decoded over a second memory holding only its shortlisted tools' rows, gathered per query.
//! Decoding is greedy with the self-attention KV cache, up to `eos` or `max_output_tokens`, and
//! every step's logits pass through a [`LogitsFilter`] (a no-op unless one is given;
//! schema-constrained decoding plugs in there).
//!
//! By default decoding is **schema-constrained** (`constrain/`, docs/constrained-decoding.md):
//! the tokenizer's [`VocabTrie`] is built once at load, the [`Grammar`] is rebuilt whenever the
//! tool set changes (`set_tools`, `add_tools`, `remove_tool`; a query decoded over its shortlist
//! gets a grammar of the shortlisted tools, compiled for that query), and each query decodes
//! through a [`SchemaFilter`], so the output is always a JSON array of calls to loaded
//! tools whose arguments follow their schemas (as far as the grammar enforces them).
//! **Jump-forward**: when the grammar forces the continuation (the rest of a unique tool name,
//! `","arguments":{"`, closing `}}`), those tokens are appended to the next decoder call's input
//! (one call with `S > 1` new tokens) instead of one model call per token; the logits of the last
//! position pick the next token. `Prediction::steps` counts decoder calls, `forced` the tokens
//! fed without asking the model. `set_constrained(false)` (CLI `--no-constrain`) decodes freely.
//!
//! Every call in the output is validated against its tool's `parameters`: calls naming an
//! unknown tool, or whose arguments do not validate, are dropped from `calls` and listed in
//! `invalid` (the CLI reports them on stderr and in `--meta`). Output that is not a JSON array
//! is an error ([`OutputError`]).
//!
//! `confidence` is the lowest probability the model gave to any token it chose (including the
//! final `eos`), from the unfiltered softmax (the model's own belief, before the grammar's mask):
//! 1.0 means every step was certain. Tokens forced by the grammar (jump-forward) are not chosen
//! by the model and do not count (their probabilities are never computed).

mod memory;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Result};
use serde_json::Value;

use crate::constrain::{Grammar, SchemaFilter, VocabTrie};
use crate::decode::{
    ended_text, greedy, validate_calls, DecodeStep, EncodeStats, Greedy, InvalidCall, LogitsFilter, NoFilter, Prediction,
};
use crate::model::{segment, KvCache, Model, ModelOptions};
use crate::render::render_tool;
use crate::shortlist::{Shortlister, SHORTLIST_TOOLS};
use crate::tool_cache::{CachedTool, ToolCache};
use crate::tools::Tool;
use memory::Memory;

#[derive(Debug, Clone, Default)]
pub struct EngineOptions {
    pub model: ModelOptions,
    /// Overrides the manifest's `max_output_tokens` (never above it).
    pub max_output_tokens: Option<usize>,
    /// Decode without the schema constraint (`--no-constrain`); constrained by default.
    pub no_constrain: bool,
    /// Directory of the on-disk tool-encoding cache (`src/tool_cache.rs`); `None`: no cache.
    pub tool_cache: Option<std::path::PathBuf>,
    /// Decode each query over at most this many tools (`src/shortlist.rs`); `Some(0)`: always
    /// all tools; `None`: [`SHORTLIST_TOOLS`].
    pub shortlist: Option<usize>,
}

struct EncodedTool {
    tool: Tool,
    rendered: String,
    /// Segment length (rows).
    len: usize,
    /// First row of the tool in the memory buffers (its K/V live only there).
    offset: usize,
}

pub struct Engine {
    pub model: Model,
    tools: Vec<EncodedTool>,
    max_output_tokens: usize,
    layers: usize,
    heads: usize,
    head_dim: usize,
    /// The decoder memory of all loaded tools (and the query area).
    memory: Memory,
    /// With more tools than the shortlist size: the shortlisted tools' rows for the current
    /// query (`shortlisted` true), the buffers reused from query to query.
    short: Memory,
    shortlisted: bool,
    /// Rows of the current query.
    query_len: usize,
    /// The lexical index that picks the shortlist (rebuilt when the tools change).
    shortlister: Shortlister,
    /// Shortlist size (0: off).
    shortlist_len: usize,
    logits: Vec<f32>,
    raw_logits: Vec<f32>,
    pub last_encode: EncodeStats,
    /// Tool encodings kept on disk across runs.
    pub tool_cache: Option<ToolCache>,
    /// The tokenizer's vocabulary as bytes (built once at load).
    vocab: Arc<VocabTrie>,
    /// The output grammar of the current tool set (rebuilt when the tools change).
    grammar: Arc<Grammar>,
    /// `predict` decodes with the schema constraint.
    constrained: bool,
    /// Forced tokens go into one decoder call (`S > 1`); when false they are fed one per call
    /// (same tokens, same output; for tests and measurements).
    jump_forward: bool,
}

impl Engine {
    pub fn load(model_dir: &Path, opts: &EngineOptions) -> Result<Engine> {
        let model = Model::load(model_dir, &opts.model)?;
        let m = &model.manifest;
        let max_output_tokens = opts
            .max_output_tokens
            .map_or(m.max_output_tokens, |n| n.min(m.max_output_tokens));
        let c = m.config.clone();
        let vocab = Arc::new(VocabTrie::from_tokenizer(
            &model.tokenizer,
            c.vocab_size,
            m.special_tokens.eos,
        ));
        let mut engine = Engine {
            model,
            tools: Vec::new(),
            max_output_tokens,
            layers: c.n_decoder_layers,
            heads: c.n_kv_heads,
            head_dim: c.head_dim,
            memory: Memory::default(),
            short: Memory::default(),
            shortlisted: false,
            query_len: 0,
            shortlister: Shortlister::default(),
            shortlist_len: opts.shortlist.unwrap_or(SHORTLIST_TOOLS),
            logits: Vec::new(),
            raw_logits: Vec::new(),
            last_encode: EncodeStats::default(),
            tool_cache: None,
            vocab,
            grammar: Arc::new(Grammar::new(&[])),
            constrained: !opts.no_constrain,
            jump_forward: true,
        };
        if let Some(dir) = &opts.tool_cache {
            let cache = ToolCache::open(dir, model_dir, &engine.model.manifest.files.encoder);
            engine.tool_cache = cache.ok();
        }
        engine.layout(Vec::new())?;
        Ok(engine)
    }

    /// The shortlist size (0: every query is decoded over all tools).
    pub fn shortlist_len(&self) -> usize {
        self.shortlist_len
    }

    pub fn set_shortlist_len(&mut self, n: usize) {
        self.shortlist_len = n;
    }

    /// Whether `predict` uses schema-constrained decoding (the default).
    pub fn constrained(&self) -> bool {
        self.constrained
    }

    pub fn set_constrained(&mut self, on: bool) {
        self.constrained = on;
    }

    /// Whether forced tokens share one decoder call (the default) or get one call each.
    pub fn jump_forward(&self) -> bool {
        self.jump_forward
    }

    pub fn set_jump_forward(&mut self, on: bool) {
        self.jump_forward = on;
    }

    /// The output grammar of the current tool set.
    pub fn grammar(&self) -> &Arc<Grammar> {
        &self.grammar
    }

    /// A fresh schema filter for the current tool set (what `predict` uses when constrained).
    pub fn schema_filter(&self) -> SchemaFilter {
        SchemaFilter::new(self.grammar.clone(), self.vocab.clone())
    }

    /// Recompiles the grammar from the loaded tools (called whenever the tool set changes).
    fn rebuild_grammar(&mut self) {
        self.grammar = Arc::new(Grammar::new(&grammar_tools(self.tools.iter().map(|t| &t.tool))));
    }


    pub fn tools(&self) -> impl Iterator<Item = &Tool> {
        self.tools.iter().map(|t| &t.tool)
    }

    pub fn tool(&self, name: &str) -> Option<&Tool> {
        self.tools().find(|t| t.name == name)
    }

    /// Token ids of a tool's segment (`[tool] + ids(render(tool))`, truncated).
    pub fn tool_segment(&self, tool: &Tool) -> Result<Vec<u32>> {
        self.rendered_segment(&render_tool(tool))
    }

    /// `tool_segment` of a tool already rendered.
    fn rendered_segment(&self, rendered: &str) -> Result<Vec<u32>> {
        let m = &self.model.manifest;
        let ids = self.model.encode_text(rendered)?;
        Ok(segment(m.special_tokens.tool, &ids, m.max_tool_tokens))
    }

    /// Token ids of a query's segment (`[query] + ids(query.strip())`, truncated) and whether
    /// it was truncated.
    pub fn query_segment(&self, query: &str) -> Result<(Vec<u32>, bool)> {
        let m = &self.model.manifest;
        let ids = self.model.encode_text(query.trim())?;
        let truncated = ids.len() + 1 > m.max_query_tokens;
        Ok((
            segment(m.special_tokens.query, &ids, m.max_query_tokens),
            truncated,
        ))
    }

    /// Replaces all tools (tools already encoded with the same rendering are reused). On an
    /// error the engine keeps its previous tools.
    pub fn set_tools(&mut self, tools: Vec<Tool>) -> Result<()> {
        check_unique(&tools, &[])?;
        self.layout(tools)
    }

    /// Adds tools (their names must be new).
    pub fn add_tools(&mut self, tools: Vec<Tool>) -> Result<()> {
        let mut all: Vec<Tool> = self.tools().cloned().collect();
        check_unique(&tools, &all)?;
        all.extend(tools);
        self.layout(all)
    }

    /// Removes a tool by name; false when there is none.
    pub fn remove_tool(&mut self, name: &str) -> Result<bool> {
        let rest: Vec<Tool> = self.tools().filter(|t| t.name != name).cloned().collect();
        if rest.len() == self.tools.len() {
            return Ok(false);
        }
        self.layout(rest)?;
        Ok(true)
    }

    /// Makes `tools` the tool set: lays out new memory buffers (tool rows, then the query
    /// area), copies the rows of tools already loaded, and writes each new tool's K/V straight
    /// into place, from the tool cache or from the encoder (one segment per call). Nothing
    /// changes until every tool is in place, so an error leaves the previous tools loaded.
    fn layout(&mut self, tools: Vec<Tool>) -> Result<()> {
        let start = Instant::now();
        let (l_n, h_n, d) = (self.layers, self.heads, self.head_dim);
        let mut old: HashMap<String, &EncodedTool> = self.tools.iter().map(|t| (t.rendered.clone(), t)).collect();
        // Rows of every tool: kept ones from the old memory, new ones as token segments.
        enum Source {
            Kept { offset: usize },
            New { segment: Vec<u32> },
        }
        let mut plan = Vec::with_capacity(tools.len());
        for tool in &tools {
            let rendered = render_tool(tool);
            let (len, source) = match old.remove(&rendered) {
                Some(t) => (t.len, Source::Kept { offset: t.offset }),
                None => {
                    let segment = self.rendered_segment(&rendered)?;
                    (segment.len(), Source::New { segment })
                }
            };
            plan.push((rendered, len, source));
        }
        let tool_rows: usize = plan.iter().map(|p| p.1).sum();
        let mut memory = Memory::new(l_n, h_n, d, tool_rows, self.model.manifest.max_query_tokens);
        let mut encoded = Vec::with_capacity(tools.len());
        let (mut new_tools, mut new_rows, mut cached) = (0, 0, 0);
        let mut offset = 0;
        for (tool, (rendered, len, source)) in tools.into_iter().zip(plan) {
            match source {
                Source::Kept { offset: old_offset } => memory.copy_rows(offset, &self.memory, old_offset, len),
                Source::New { segment } => {
                    let (kv, hit) = self.tool_kv(&segment)?;
                    cached += usize::from(hit);
                    new_tools += 1;
                    new_rows += len;
                    memory.write_encoded(offset, &kv.k, &kv.v, len);
                }
            }
            encoded.push(EncodedTool { tool, rendered, len, offset });
            offset += len;
        }
        self.tools = encoded;
        self.memory = memory;
        self.shortlister = Shortlister::new(self.tools.iter().map(|t| &t.tool));
        self.rebuild_grammar();
        self.last_encode = EncodeStats {
            tools: new_tools,
            rows: new_rows,
            cached,
            ms: start.elapsed().as_secs_f64() * 1e3,
        };
        Ok(())
    }

    /// One segment through `encoder.onnx` (batch 1): K and V, each `[L, H, len, D]`.
    fn encode_segment(&mut self, segment: &[u32]) -> Result<crate::model::CrossKv> {
        let (l_n, h_n, d) = (self.layers, self.heads, self.head_dim);
        let n = segment.len();
        let ids: Vec<i64> = segment.iter().map(|&i| i as i64).collect();
        let out = self.model.encoder.forward(&ids, &vec![1; n], 1, n)?;
        let expect = l_n * h_n * n * d;
        if out.k.len() != expect || out.v.len() != expect {
            bail!(
                "encoder.onnx returned {} values for cross_k, expected {expect} ([L={l_n}, B=1, H={h_n}, T={n}, D={d}])",
                out.k.len()
            );
        }
        Ok(out)
    }

    /// K/V of one tool segment, from the tool cache (true) or the encoder (false; then cached).
    fn tool_kv(&mut self, segment: &[u32]) -> Result<(CachedTool, bool)> {
        let (l_n, h_n, d) = (self.layers, self.heads, self.head_dim);
        let n = segment.len();
        let shape = [l_n, h_n, n, d];
        if let Some(hit) = self.tool_cache.as_mut().and_then(|c| c.get(segment)).filter(|c| c.shape == shape) {
            return Ok((hit, true));
        }
        let out = self.encode_segment(segment)?;
        let kv = CachedTool { shape, k: out.k, v: out.v };
        if let Some(cache) = self.tool_cache.as_mut() {
            cache.put(segment, &kv);
        }
        Ok((kv, false))
    }

    /// Predicts the calls for one query: schema-constrained with jump-forward unless
    /// constraints are off (`set_constrained(false)`), then unfiltered. With more tools loaded
    /// than the shortlist size, the query is decoded over its shortlist (and the grammar
    /// allows only those tools).
    pub fn predict(&mut self, query: &str) -> Result<Prediction> {
        let shortlist = self.shortlist(query);
        if self.constrained {
            let grammar = match &shortlist {
                Some(idx) => Arc::new(Grammar::new(&grammar_tools(idx.iter().map(|&i| &self.tools[i].tool)))),
                None => self.grammar.clone(),
            };
            let mut filter = SchemaFilter::new(grammar, self.vocab.clone());
            self.decode(query, shortlist, &mut filter)
        } else {
            self.decode(query, shortlist, &mut NoFilter)
        }
    }

    /// Predicts the calls for one query, filtering every step's logits through `filter`
    /// (over the query's shortlist of tools when there is one, like `predict`).
    pub fn predict_with(&mut self, query: &str, filter: &mut dyn LogitsFilter) -> Result<Prediction> {
        let shortlist = self.shortlist(query);
        self.decode(query, shortlist, filter)
    }

    /// Indices of the tools to decode `query` over, when there are too many to use them all.
    pub fn shortlist(&self, query: &str) -> Option<Vec<usize>> {
        let k = self.shortlist_len;
        (k > 0 && self.tools.len() > k).then(|| self.shortlister.top(query, k))
    }

    fn decode(&mut self, query: &str, shortlist: Option<Vec<usize>>, filter: &mut dyn LogitsFilter) -> Result<Prediction> {
        let start = Instant::now();
        self.shortlisted = false;
        let tools_seen = match &shortlist {
            Some(idx) => {
                let spans: Vec<(usize, usize)> = idx.iter().map(|&i| (self.tools[i].offset, self.tools[i].len)).collect();
                self.short.gather(&self.memory, &spans, self.model.manifest.max_query_tokens);
                self.shortlisted = true;
                idx.len()
            }
            None => self.tools.len(),
        };
        let query_truncated = self.encode_query(query)?;

        let special = self.model.manifest.special_tokens.clone();
        let max = self.max_output_tokens;
        let (mut logits, mut raw) = (std::mem::take(&mut self.logits), std::mem::take(&mut self.raw_logits));
        let cache = self.model.decoder.empty_cache()?;
        let decoded = greedy(&mut Seq2SeqStep { engine: self, cache: Some(cache) }, filter, (special.bos, special.eos), max, &mut logits, &mut raw);
        (self.logits, self.raw_logits) = (logits, raw);
        let Greedy { tokens, steps, forced, confidence, ending } = decoded?;
        let raw_text = self.model.decode_ids(&tokens)?;
        let raw_text = ended_text(raw_text, ending, filter, &format!("max_output_tokens = {max}"))?;
        let (calls, invalid) = self.validate_output(&raw_text)?;
        Ok(Prediction {
            calls,
            invalid,
            raw_text,
            tokens,
            ending,
            steps,
            forced,
            confidence,
            ms: start.elapsed().as_secs_f64() * 1e3,
            query_truncated,
            tools_seen,
        })
    }

    /// The decoder's next-token logits after `bos` + `tokens` for `query`, feeding the tokens in
    /// one decoder call (`S > 1`) or one call each: the jump-forward contract is that both give
    /// the same logits (up to float rounding). For tests.
    pub fn logits_after(&mut self, query: &str, tokens: &[u32], one_call: bool) -> Result<Vec<f32>> {
        self.shortlisted = false;
        self.encode_query(query)?;
        let cache = self.model.decoder.empty_cache()?;
        let bos = self.model.manifest.special_tokens.bos as i64;
        let input: Vec<i64> = std::iter::once(bos).chain(tokens.iter().map(|&t| t as i64)).collect();
        let mut logits = Vec::new();
        self.feed(&input, cache, one_call, &mut logits)?;
        Ok(logits)
    }

    /// Feeds `input` after `cache` in one decoder call (or, `one_call` false, one call per
    /// token); either way `logits` ends as the logits after the last token. The memory is
    /// that of every (shortlisted) tool and the query.
    fn feed(&mut self, input: &[i64], mut cache: KvCache, one_call: bool, logits: &mut Vec<f32>) -> Result<KvCache> {
        let chunk = if one_call { input.len() } else { 1 };
        let mem = if self.shortlisted { &self.short } else { &self.memory };
        for part in input.chunks(chunk) {
            cache = self.model.decoder.forward(part, &cache, &mem.k, &mem.v, &mem.mask, logits)?;
        }
        Ok(cache)
    }

    /// Encodes the query into the memory's query area; true when it was truncated.
    fn encode_query(&mut self, query: &str) -> Result<bool> {
        let (seg, query_truncated) = self.query_segment(query)?;
        let n = seg.len();
        let out = self.encode_segment(&seg)?;
        let mem = if self.shortlisted { &mut self.short } else { &mut self.memory };
        mem.set_query(&out.k, &out.v, n);
        self.query_len = n;
        Ok(query_truncated)
    }

    /// Parses the output language (§4) and validates every call against its tool.
    pub fn validate_output(&self, text: &str) -> Result<(Vec<Value>, Vec<InvalidCall>)> {
        let tools: Vec<&Tool> = self.tools().collect();
        validate_calls(&tools, text)
    }
}

/// The format 2 decoder of one line: the memory of every (shortlisted) tool and the query, and
/// the self-attention cache.
struct Seq2SeqStep<'a> {
    engine: &'a mut Engine,
    cache: Option<KvCache>,
}

impl DecodeStep for Seq2SeqStep<'_> {
    fn feed(&mut self, input: &[i64], logits: &mut Vec<f32>) -> Result<usize> {
        let cache = self.cache.take().expect("the cache is put back after every call");
        let one_call = self.engine.jump_forward;
        self.cache = Some(self.engine.feed(input, cache, one_call, logits)?);
        Ok(if one_call { 1 } else { input.len() })
    }
}

/// Tools as the grammar reads them.
fn grammar_tools<'a>(tools: impl Iterator<Item = &'a Tool>) -> Vec<Value> {
    tools
        .map(|t| serde_json::json!({"name": t.name, "description": t.description, "parameters": t.parameters}))
        .collect()
}

fn check_unique(new: &[Tool], existing: &[Tool]) -> Result<()> {
    let mut seen: HashMap<&str, &str> = existing
        .iter()
        .map(|t| (t.name.as_str(), t.origin.as_str()))
        .collect();
    for t in new {
        if let Some(first) = seen.insert(&t.name, &t.origin) {
            bail!(
                "{}: duplicate tool name \"{}\" (already defined at {first})",
                t.origin,
                t.name
            );
        }
    }
    Ok(())
}

/// A filter that forces a given token sequence, then `eos` (teacher forcing). The model still
/// runs every step, so `confidence` is the model's own probability of that output; the text
/// is then parsed and validated like any output. Used by `--force-output` (debugging, tests).
pub struct ForcedOutput {
    tokens: Vec<u32>,
    eos: u32,
    pos: usize,
}

impl ForcedOutput {
    pub fn new(engine: &Engine, text: &str) -> Result<ForcedOutput> {
        Ok(ForcedOutput {
            tokens: engine.model.encode_text(text)?,
            eos: engine.model.manifest.special_tokens.eos,
            pos: 0,
        })
    }
}

impl LogitsFilter for ForcedOutput {
    fn begin(&mut self) {
        self.pos = 0;
    }

    fn mask_logits(&mut self, logits: &mut [f32]) {
        let want = self.tokens.get(self.pos).copied().unwrap_or(self.eos) as usize;
        for (i, l) in logits.iter_mut().enumerate() {
            if i != want {
                *l = f32::NEG_INFINITY;
            }
        }
    }

    fn advance(&mut self, _token: u32) {
        self.pos += 1;
    }
}
