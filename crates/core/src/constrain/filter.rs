//! Per-line state ([`ConstraintState`]: allowed tokens, forced bytes) and the decoder's logits
//! filter ([`SchemaFilter`]).

use super::*;

/// The constraint state of one output line.
#[derive(Debug, Clone)]
pub struct ConstraintState {
    pub(super) g: Arc<Grammar>,
    pub(super) st: State,
    pub(super) finished: bool,
    /// Scratch states for the trie walk, one per depth.
    pub(super) scratch: Vec<State>,
}

impl ConstraintState {
    pub fn new(g: Arc<Grammar>) -> ConstraintState {
        ConstraintState { g, st: State::new(), finished: false, scratch: Vec::new() }
    }

    pub fn grammar(&self) -> &Arc<Grammar> {
        &self.g
    }

    /// Back to the start of a line.
    pub fn reset(&mut self) {
        self.st = State::new();
        self.finished = false;
    }

    /// The array is complete (only `eos` may follow).
    pub fn is_complete(&self) -> bool {
        self.st.is_complete()
    }

    /// `eos` was accepted.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Whether `bytes` may come next (state unchanged).
    pub fn accepts_bytes(&self, bytes: &[u8]) -> bool {
        let mut s = self.st.clone();
        bytes.iter().all(|&b| s.step(&self.g, b))
    }

    /// Advances by `bytes`; `false` (state unchanged) if the grammar rejects them.
    pub fn advance_bytes(&mut self, bytes: &[u8]) -> bool {
        if self.finished {
            return bytes.is_empty();
        }
        let mut s = self.st.clone();
        for &b in bytes {
            if !s.step(&self.g, b) {
                return false;
            }
        }
        self.st = s;
        true
    }

    /// Advances by one token; `false` (state unchanged) if it is not allowed.
    pub fn advance_token(&mut self, vocab: &VocabTrie, id: u32) -> bool {
        if Some(id) == vocab.eos {
            if self.is_complete() && !self.finished {
                self.finished = true;
                return true;
            }
            return false;
        }
        match vocab.token_bytes(id) {
            Some(b) => self.advance_bytes(b),
            None => false,
        }
    }

    /// Every token allowed next (ascending within the walk order; `eos` last when the array is
    /// complete). Empty only after `eos`.
    pub fn allowed_tokens(&mut self, vocab: &VocabTrie, out: &mut Vec<u32>) {
        out.clear();
        if self.finished {
            return;
        }
        if self.scratch.len() < vocab.max_len + 2 {
            self.scratch.resize(vocab.max_len + 2, State::new());
        }
        if let Some(s) = self.st.free_string_top() {
            // Inside free string content almost everything is allowed: use the per-token
            // classification, and step the grammar only for tokens that close the string.
            let rem = s.rem as u32;
            for (id, info) in vocab.str_info.iter().enumerate() {
                match *info {
                    StrInfo::Bad => {}
                    StrInfo::Inside { len, pend } => {
                        if len as u32 + pend as u32 <= rem {
                            out.push(id as u32);
                        }
                    }
                    StrInfo::Close => {
                        let t = vocab.tokens[id].as_deref().unwrap_or(&[]);
                        let s0 = &mut self.scratch[0];
                        s0.clone_from(&self.st);
                        if t.iter().all(|&b| s0.step(&self.g, b)) {
                            out.push(id as u32);
                        }
                    }
                }
            }
        } else {
            self.scratch[0].clone_from(&self.st);
            walk(&self.g, vocab, 0, 0, &mut self.scratch, out);
        }
        if self.is_complete() {
            if let Some(e) = vocab.eos {
                out.push(e);
            }
        }
    }

    /// Sets every disallowed logit to `-inf`. `allowed` is scratch (reused between calls).
    pub fn mask_logits(&mut self, vocab: &VocabTrie, logits: &mut [f32], allowed: &mut Vec<u32>) {
        self.allowed_tokens(vocab, allowed);
        let mut keep = vec![false; logits.len()];
        for &t in allowed.iter() {
            if let Some(k) = keep.get_mut(t as usize) {
                *k = true;
            }
        }
        for (l, k) in logits.iter_mut().zip(keep) {
            if !k {
                *l = f32::NEG_INFINITY;
            }
        }
    }

    /// The bytes the grammar forces next (the rest of a unique tool name,
    /// `","arguments":{"`, closing sequences), or `None` when the next byte is a choice.
    /// Stops before free string content and when `eos` becomes possible.
    pub fn forced_bytes(&self) -> Option<Vec<u8>> {
        if self.finished {
            return None;
        }
        let mut s = self.st.clone();
        let mut t = self.st.clone();
        let mut out = Vec::new();
        while out.len() < 1024 && !s.is_complete() && s.free_string_top().is_none() {
            let mut only = None;
            let mut n = 0;
            for b in 0..=255u8 {
                t.clone_from(&s);
                if t.step(&self.g, b) {
                    n += 1;
                    only = Some(b);
                    if n > 1 {
                        break;
                    }
                }
            }
            if n != 1 {
                break;
            }
            let b = only.unwrap();
            s.step(&self.g, b);
            out.push(b);
        }
        if out.is_empty() {
            None
        } else {
            Some(out)
        }
    }

    /// [`forced_bytes`](Self::forced_bytes) as tokens (greedy longest match over the vocabulary).
    pub fn forced_tokens(&self, vocab: &VocabTrie) -> Option<Vec<u32>> {
        self.forced_bytes().and_then(|b| vocab.tokenize_greedy(&b)).filter(|t| !t.is_empty())
    }

    /// A short way to complete the output from here (bytes up to and including the final `]`):
    /// greedily closes what is open (`"` inside string content, else `]`, `}`, `"`, `0`, `1`,
    /// then the smallest byte the grammar allows), so required keys get minimal values and
    /// optional ones are skipped. Not always the shortest, always valid. `Some(empty)` when
    /// already complete; `None` after `eos` or if no completion is found within
    /// [`MAX_MINIMAL_CALL_BYTES`]. Used at load to refuse tools no call can satisfy ([`uncallable`]).
    pub fn completion_bytes(&self) -> Option<Vec<u8>> {
        self.completion_bytes_after(&[])
    }

    /// [`completion_bytes`](Self::completion_bytes) from the state after `prefix` (state
    /// unchanged); `None` also when the grammar rejects `prefix`.
    pub fn completion_bytes_after(&self, prefix: &[u8]) -> Option<Vec<u8>> {
        if self.finished {
            return None;
        }
        let mut s = self.st.clone();
        if !prefix.iter().all(|&b| s.step(&self.g, b)) {
            return None;
        }
        let mut t = s.clone();
        let mut out = Vec::new();
        while !s.is_complete() {
            if out.len() >= MAX_MINIMAL_CALL_BYTES {
                return None;
            }
            let prio: &[u8] = if s.free_string_top().is_some() { b"\"]}01" } else { b"]}\"01" };
            let mut next = None;
            for b in prio.iter().copied().chain(0..=255u8) {
                t.clone_from(&s);
                if t.step(&self.g, b) {
                    next = Some(b);
                    break;
                }
            }
            let b = next?;
            std::mem::swap(&mut s, &mut t);
            out.push(b);
        }
        Some(out)
    }

    /// [`completion_bytes`](Self::completion_bytes) as tokens (greedy longest match).
    pub fn completion_tokens(&self, vocab: &VocabTrie) -> Option<Vec<u32>> {
        self.completion_bytes().and_then(|b| vocab.tokenize_greedy(&b))
    }

    /// Where the output is between calls: `Some(RootPhase)` when every alternative is at the
    /// top level of the array, `None` inside a call.
    pub fn root_phase(&self) -> Option<RootPhase> {
        let mut phase = None;
        for st in &self.st.stacks {
            let p = match st.as_slice() {
                [Frame::Root { at: RootAt::Start, .. }] => RootPhase::Start,
                [Frame::Root { at: RootAt::Open | RootAt::AfterComma, .. }] => RootPhase::BeforeCall,
                [Frame::Root { at: RootAt::AfterCall, .. }] => RootPhase::AfterCall,
                [Frame::Root { .. }] => RootPhase::Done,
                _ => return None,
            };
            if phase.is_some_and(|q| q != p) {
                return None;
            }
            phase = Some(p);
        }
        phase
    }
}

/// Where the output is at the top level of its array (see [`ConstraintState::root_phase`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RootPhase {
    /// Nothing written yet (before `[`).
    Start,
    /// After `[` or `,`: a call object may start.
    BeforeCall,
    /// Right after a call object's `}`.
    AfterCall,
    /// After the closing `]`.
    Done,
}

pub(super) fn walk(g: &Grammar, v: &VocabTrie, node: u32, depth: usize, states: &mut [State], out: &mut Vec<u32>) {
    let (eb, et) = v.edges(node);
    for (&b, &c) in eb.iter().zip(et) {
        let (lo, hi) = states.split_at_mut(depth + 1);
        let next = &mut hi[0];
        next.clone_from(&lo[depth]);
        if next.step(g, b) {
            out.extend_from_slice(v.toks(c));
            if v.nodes[c as usize].n_edges > 0 {
                walk(g, v, c, depth + 1, states, out);
            }
        }
    }
}

/// A logits filter bundling a grammar, the vocabulary and the per-line state.
///
/// It also records where each call of the output starts and ends, so the engine can always end
/// a line in a valid answer: when the output budget runs out, or when a call repeats an earlier
/// one byte for byte (a model stuck in a loop), the output is cut after the last complete call
/// and the array closed ([`complete_calls_end`](crate::decode::LogitsFilter::complete_calls_end)).
pub struct SchemaFilter {
    pub state: ConstraintState,
    pub vocab: Arc<VocabTrie>,
    /// Tokens advanced that the grammar did not allow (stays 0 when the mask is applied).
    pub rejected: usize,
    pub(super) allowed: Vec<u32>,
    /// The output so far, the byte ranges of its complete calls (a repeat excluded), and where
    /// the call being written starts.
    pub(super) written: Vec<u8>,
    pub(super) calls: Vec<(usize, usize)>,
    pub(super) call_values: Vec<Option<Value>>,
    pub(super) call_start: usize,
    pub(super) repeated: bool,
}

impl SchemaFilter {
    pub fn new(grammar: Arc<Grammar>, vocab: Arc<VocabTrie>) -> SchemaFilter {
        SchemaFilter {
            state: ConstraintState::new(grammar),
            vocab,
            rejected: 0,
            allowed: Vec::new(),
            written: Vec::new(),
            calls: Vec::new(),
            call_values: Vec::new(),
            call_start: 0,
            repeated: false,
        }
    }

    pub fn begin(&mut self) {
        self.state.reset();
        self.rejected = 0;
        self.written.clear();
        self.calls.clear();
        self.call_values.clear();
        self.call_start = 0;
        self.repeated = false;
    }

    pub fn mask_logits(&mut self, logits: &mut [f32]) {
        self.state.mask_logits(&self.vocab, logits, &mut self.allowed);
    }

    /// A token the grammar did not allow (possible only if the engine ignored the mask) is
    /// counted in `rejected` and otherwise ignored.
    pub fn advance(&mut self, token: u32) {
        let Some(bytes) = self.vocab.token_bytes(token) else {
            if !self.state.advance_token(&self.vocab, token) {
                self.rejected += 1;
            }
            return;
        };
        if !self.state.accepts_bytes(bytes) {
            self.rejected += 1;
            return;
        }
        // Byte by byte, to see where each call starts and ends (one token such as `}},{"name":"`
        // can end a call and start the next).
        for &b in bytes {
            let inside_call = self.state.root_phase().is_none();
            self.state.advance_bytes(&[b]);
            self.written.push(b);
            match self.state.root_phase() {
                Some(RootPhase::BeforeCall) => self.call_start = self.written.len(),
                Some(RootPhase::AfterCall) if inside_call => {
                    // Compared as JSON values with numbers as f64: `{"a":1.0e0}` repeats `{"a":1}`.
                    let call: Option<Value> = serde_json::from_slice(&self.written[self.call_start..]).ok().map(numbers_as_f64);
                    if call.is_some() && self.call_values.contains(&call) {
                        self.repeated = true;
                    } else if !self.repeated {
                        self.calls.push((self.call_start, self.written.len()));
                        self.call_values.push(call);
                    }
                }
                _ => {}
            }
        }
    }
}

/// `v` with every number as an f64, so equal numbers written differently compare equal.
pub(super) fn numbers_as_f64(v: Value) -> Value {
    match v {
        Value::Number(n) => n.as_f64().and_then(serde_json::Number::from_f64).map_or(Value::Number(n), Value::Number),
        Value::Array(a) => Value::Array(a.into_iter().map(numbers_as_f64).collect()),
        Value::Object(o) => Value::Object(o.into_iter().map(|(k, v)| (k, numbers_as_f64(v))).collect()),
        other => other,
    }
}

impl crate::decode::LogitsFilter for SchemaFilter {
    fn begin(&mut self) {
        SchemaFilter::begin(self);
    }
    fn mask_logits(&mut self, logits: &mut [f32]) {
        SchemaFilter::mask_logits(self, logits);
    }
    fn advance(&mut self, token: u32) {
        SchemaFilter::advance(self, token);
    }
    /// Jump-forward: the forced continuation as tokens (greedy longest match).
    fn forced_tokens(&mut self, _remaining: usize) -> Option<Vec<u32>> {
        // The last forced token is held back and left to the model (under the mask): the model
        // was trained on canonical BPE tokens, and the end of a forced piece often merges with
        // what follows into one token (`[` + `{"` is the single token `[{"`). Feeding a lone `[`
        // would put the model off its training distribution; with the release model it then
        // closed the array at once.
        let mut forced = self.state.forced_tokens(&self.vocab)?;
        forced.pop();
        (!forced.is_empty()).then_some(forced)
    }
    fn complete_calls_end(&self) -> Option<usize> {
        Some(match self.calls.last() {
            Some(&(_, end)) => end,
            None => usize::from(self.written.first() == Some(&b'[')),
        })
    }
    fn repeated_call(&self) -> bool {
        self.repeated
    }
}
