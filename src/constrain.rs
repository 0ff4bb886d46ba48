//! Schema-constrained decoding: every call valid by construction.
//!
//! A [`Grammar`] is compiled once per tool set from the normalised tools
//! (`{name, description, parameters}`). It describes the output language of
//! `docs/model-format.md` §4 — one compact JSON array of `{"name":..,"arguments":{..}}` objects —
//! restricted so that every name is a loaded tool and every `arguments` object follows its
//! tool's `parameters` schema (see `docs/constrained-decoding.md` for what is and is not
//! enforced).
//!
//! A [`ConstraintState`] is created per query. It is a pushdown matcher advanced byte by byte:
//! a small stack of [`Frame`]s (one per open JSON value), or several stacks while an
//! `anyOf`/`oneOf` is still ambiguous. States are cheap to clone (`clone_from` reuses buffers),
//! which is what the vocabulary walk relies on.
//!
//! A [`VocabTrie`] holds the decoded bytes of every (non-special) token in a byte trie, built
//! once per tokenizer. [`ConstraintState::allowed_tokens`] walks the trie with the grammar
//! state, pruning every subtree whose prefix the grammar rejects; inside free string content it
//! instead uses a per-token precomputed classification (almost every token is allowed there),
//! stepping the grammar only for tokens that close the string.
//!
//! [`ConstraintState::forced_bytes`] returns the continuation the grammar forces (the rest of
//! a unique tool name, `","arguments":{"`, closing sequences), for jump-forward decoding.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use serde_json::{Map, Value};

/// Default cap on a string's content, in bytes as written in JSON (escapes count in full).
pub const MAX_STRING_BYTES: u16 = 256;
/// Default cap on a number literal's length in characters (sign, digits, `.`, exponent).
pub const MAX_NUMBER_CHARS: u8 = 20;
/// Exponent digits are capped so that every number parses as a finite f64.
const MAX_EXP_DIGITS: u8 = 2;
/// Frames in one stack; deeper free-form (`Any`) objects/arrays are refused.
const MAX_DEPTH: usize = 32;
/// Alternative stacks kept while a union is ambiguous (extra ones are dropped; what is kept
/// stays valid).
const MAX_STACKS: usize = 16;
/// Properties tracked per object schema (the first 64 are usable).
const MAX_PROPS: usize = 64;
const NONE: u32 = u32::MAX;
/// Significant digits of a bounded number (its value is then exact in f64 arithmetic).
const MAX_SIG_DIGITS: i32 = 15;
const MAX_SIG_MANT: u64 = 999_999_999_999_999;

// Fixed node ids.
const NEVER: u32 = 0;
const ANY: u32 = 1;
const STR: u32 = 2;
const BOOL: u32 = 3;
const NULL: u32 = 4;
const ANY_NUM: u32 = 5;
const ANY_ARR: u32 = 6;
const FREE_OBJ: u32 = 7;
const TFN: u32 = 8; // true / false / null (scalars of Any other than strings and numbers)
const CALLS: u32 = 9; // one call object of the output array

/// Limits of the output language.
#[derive(Clone, Debug)]
pub struct GrammarOptions {
    pub max_string_bytes: u16,
    pub max_number_chars: u8,
    /// Calls in one output array.
    pub max_calls: u16,
}

impl Default for GrammarOptions {
    fn default() -> Self {
        GrammarOptions { max_string_bytes: MAX_STRING_BYTES, max_number_chars: MAX_NUMBER_CHARS, max_calls: 16 }
    }
}

#[derive(Clone, Debug)]
enum Node {
    Never,
    Any,
    Str,
    /// A finite set of literal JSON texts (enum, const, true/false/null), as a byte trie.
    Lit {
        root: u32,
    },
    /// `min`/`max` are closed bounds (already rounded inwards for integers).
    Num {
        integer: bool,
        min: f64,
        max: f64,
        exp: bool,
    },
    Obj {
        keys_root: u32,
        props: Vec<u32>,
        required: u64,
        keymask: u64,
    },
    FreeObj,
    Arr {
        items: u32,
        min: u32,
        max: u32,
    },
    Union(Vec<u32>),
    /// `{"name":"<tool>","arguments":` prefix trie, then the tool's arguments, then `}`.
    Calls,
}

#[derive(Clone, Debug, Default)]
struct LNode {
    children: Vec<(u8, u32)>,
    /// Index of the literal ending here, or NONE.
    term: u32,
    /// Bitmask of literal indices (< 64) at or below this node.
    mask: u64,
}

#[derive(Clone, Debug)]
struct ToolInfo {
    name: String,
    params: u32,
}

/// The compiled output grammar for one tool set.
#[derive(Clone, Debug)]
pub struct Grammar {
    nodes: Vec<Node>,
    lits: Vec<LNode>,
    call_root: u32,
    tools: Vec<ToolInfo>,
    opts: GrammarOptions,
    lit_cache: HashMap<Vec<Vec<u8>>, u32>,
    /// Schema keywords met in the tools that the grammar does not enforce (validation after
    /// decoding still checks them).
    pub unenforced: BTreeSet<String>,
    /// Some schema nests deeper than [`MAX_SCHEMA_DEPTH`]: below that depth any value would be
    /// allowed. Tools like that are refused at load ([`uncallable`]).
    pub too_deep: bool,
}

/// Schema nesting (`properties`, `items`, `anyOf` ...) the grammar compiler follows.
pub const MAX_SCHEMA_DEPTH: usize = 48;

/// The longest minimal call [`uncallable`] accepts, in bytes of arguments.
pub const MAX_MINIMAL_CALL_BYTES: usize = 1024;

/// Why no call of `tool` (a normalised `{name, description, parameters}`) can be written under
/// the grammar, if none can: (a JSON pointer inside `parameters`, the reason). Catches schemas
/// that nest deeper than the compiler follows, and those whose required arguments cannot be
/// written in [`MAX_MINIMAL_CALL_BYTES`] even with minimal values (`minItems: 1000000`, a number
/// range no 15-digit number reaches, `minItems: 1` forty arrays deep: the output stack allows
/// 32 levels). Such a tool would make every call to it run out of budget.
pub fn uncallable(tool: &Value) -> Option<(String, String)> {
    let g = Grammar::new(std::slice::from_ref(tool));
    if g.too_deep {
        return Some((String::new(), format!("the schema nests more than {MAX_SCHEMA_DEPTH} levels deep")));
    }
    let name = tool.get("name").and_then(Value::as_str).unwrap_or_default();
    let prefix = format!("[{{\"name\":{},\"arguments\":", Value::String(name.to_string()));
    let st = ConstraintState::new(Arc::new(g));
    if st.completion_bytes_after(prefix.as_bytes()).is_some() {
        return None;
    }
    // Point at the first required property that cannot be written on its own.
    let params = &tool["parameters"];
    let required = params.get("required").and_then(Value::as_array).cloned().unwrap_or_default();
    for key in required.iter().filter_map(Value::as_str) {
        let Some(sub) = params.get("properties").and_then(|p| p.get(key)) else { continue };
        let alone = serde_json::json!({"name": name, "parameters": {"type": "object", "properties": {key: sub}, "required": [key]}});
        let st = ConstraintState::new(Arc::new(Grammar::new(&[alone])));
        if st.completion_bytes_after(prefix.as_bytes()).is_none() {
            let pointer = format!("/properties/{}", key.replace('~', "~0").replace('/', "~1"));
            return Some((pointer, format!("no value of this required property can be written in {MAX_MINIMAL_CALL_BYTES} bytes")));
        }
    }
    Some((String::new(), format!("no call of this tool can be written in {MAX_MINIMAL_CALL_BYTES} bytes (its required arguments, even with minimal values)")))
}

const UNENFORCED_KEYWORDS: &[&str] = &[
    "pattern",
    "format",
    "minLength",
    "maxLength",
    "multipleOf",
    "uniqueItems",
    "$ref",
    "allOf",
    "not",
    "if",
    "then",
    "else",
    "patternProperties",
    "propertyNames",
    "dependentRequired",
    "dependentSchemas",
    "dependencies",
    "prefixItems",
    "contains",
    "minProperties",
    "maxProperties",
    "unevaluatedProperties",
    "unevaluatedItems",
];

fn json_bytes(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).expect("serialising a JSON value")
}

fn type_matches(v: &Value, t: &str) -> bool {
    match t {
        "string" => v.is_string(),
        "number" => v.is_number(),
        "integer" => match v {
            Value::Number(n) => n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0),
            _ => false,
        },
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        "object" => v.is_object(),
        "array" => v.is_array(),
        _ => true,
    }
}

/// `base` (a schema's keywords other than `anyOf`/`oneOf`) overlaid with one alternative:
/// `properties` are merged (base order first), `required` is united, other keywords of the
/// alternative win.
fn merge_schema(base: &Map<String, Value>, alt: &Value) -> Value {
    let Value::Object(a) = alt else { return alt.clone() };
    if base.is_empty() {
        return alt.clone();
    }
    let mut out = base.clone();
    for (k, v) in a {
        match (k.as_str(), out.get_mut(k), v) {
            ("properties", Some(Value::Object(bp)), Value::Object(ap)) => {
                for (pk, pv) in ap {
                    bp.insert(pk.clone(), pv.clone());
                }
            }
            ("required", Some(Value::Array(br)), Value::Array(ar)) => {
                for r in ar {
                    if !br.contains(r) {
                        br.push(r.clone());
                    }
                }
            }
            ("type", Some(Value::String(bt)), Value::Array(at)) => {
                // keep the base type if the alternative allows it
                if !at.iter().any(|t| t.as_str() == Some(bt.as_str())) {
                    out.insert(k.clone(), v.clone());
                }
            }
            _ => {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    Value::Object(out)
}

impl Grammar {
    /// Compiles the grammar for a tool set. `tools` are normalised tools
    /// (`{name, description, parameters}`; `{"type":"function","function":{..}}` is accepted too).
    pub fn new(tools: &[Value]) -> Grammar {
        Grammar::with_options(tools, GrammarOptions::default())
    }

    pub fn with_options(tools: &[Value], opts: GrammarOptions) -> Grammar {
        let mut g = Grammar {
            nodes: Vec::new(),
            lits: Vec::new(),
            call_root: NONE,
            tools: Vec::new(),
            opts,
            lit_cache: HashMap::new(),
            unenforced: BTreeSet::new(),
            too_deep: false,
        };
        g.nodes.push(Node::Never);
        g.nodes.push(Node::Any);
        g.nodes.push(Node::Str);
        let b = g.lit_node(vec![b"true".to_vec(), b"false".to_vec()]);
        debug_assert_eq!(b, BOOL);
        let n = g.lit_node(vec![b"null".to_vec()]);
        debug_assert_eq!(n, NULL);
        g.nodes.push(Node::Num { integer: false, min: f64::NEG_INFINITY, max: f64::INFINITY, exp: true });
        g.nodes.push(Node::Arr { items: ANY, min: 0, max: u32::MAX });
        g.nodes.push(Node::FreeObj);
        let t = g.lit_node(vec![b"true".to_vec(), b"false".to_vec(), b"null".to_vec()]);
        debug_assert_eq!(t, TFN);
        g.nodes.push(Node::Calls);
        debug_assert_eq!(g.nodes.len() as u32, CALLS + 1);

        let mut prefixes: Vec<Vec<u8>> = Vec::new();
        let mut seen = BTreeSet::new();
        for tool in tools {
            let tool = tool.get("function").filter(|f| f.is_object()).unwrap_or(tool);
            let Some(name) = tool.get("name").and_then(Value::as_str) else { continue };
            if !seen.insert(name.to_string()) {
                continue;
            }
            let default_params = serde_json::json!({"type": "object", "properties": {}});
            let params = tool.get("parameters").unwrap_or(&default_params);
            let mut params_id = g.compile(params, 0);
            // `arguments` is always an object.
            if !matches!(g.nodes[params_id as usize], Node::Obj { .. } | Node::FreeObj | Node::Never) {
                params_id = match &g.nodes[params_id as usize] {
                    Node::Any => FREE_OBJ,
                    Node::Union(alts) => {
                        let objs: Vec<u32> = alts
                            .iter()
                            .copied()
                            .filter(|&a| matches!(g.nodes[a as usize], Node::Obj { .. } | Node::FreeObj))
                            .collect();
                        g.union(objs)
                    }
                    _ => NEVER,
                };
            }
            if params_id == NEVER {
                continue; // no valid arguments exist: the tool cannot be called
            }
            let mut p = b"{\"name\":".to_vec();
            p.extend(json_bytes(&Value::String(name.to_string())));
            p.extend(b",\"arguments\":");
            prefixes.push(p);
            g.tools.push(ToolInfo { name: name.to_string(), params: params_id });
        }
        g.call_root = g.build_trie(&prefixes);
        g
    }

    /// Names of the tools that can be called (in input order).
    pub fn tool_names(&self) -> impl Iterator<Item = &str> {
        self.tools.iter().map(|t| t.name.as_str())
    }

    fn push(&mut self, n: Node) -> u32 {
        self.nodes.push(n);
        (self.nodes.len() - 1) as u32
    }

    fn new_lnode(&mut self) -> u32 {
        self.lits.push(LNode { children: Vec::new(), term: NONE, mask: 0 });
        (self.lits.len() - 1) as u32
    }

    fn lchild(&self, node: u32, b: u8) -> u32 {
        for &(cb, c) in &self.lits[node as usize].children {
            if cb == b {
                return c;
            }
        }
        NONE
    }

    fn build_trie(&mut self, words: &[Vec<u8>]) -> u32 {
        let root = self.new_lnode();
        for (i, w) in words.iter().enumerate() {
            let bit = if i < 64 { 1u64 << i } else { 0 };
            let mut n = root;
            self.lits[n as usize].mask |= bit;
            for &b in w {
                let mut c = self.lchild(n, b);
                if c == NONE {
                    c = self.new_lnode();
                    self.lits[n as usize].children.push((b, c));
                }
                n = c;
                self.lits[n as usize].mask |= bit;
            }
            if self.lits[n as usize].term == NONE {
                self.lits[n as usize].term = i as u32;
            }
        }
        root
    }

    fn lit_node(&mut self, mut words: Vec<Vec<u8>>) -> u32 {
        words.sort();
        words.dedup();
        if words.is_empty() {
            return NEVER;
        }
        if let Some(&id) = self.lit_cache.get(&words) {
            return id;
        }
        let root = self.build_trie(&words);
        let id = self.push(Node::Lit { root });
        self.lit_cache.insert(words, id);
        id
    }

    fn union(&mut self, alts: Vec<u32>) -> u32 {
        let mut flat: Vec<u32> = Vec::new();
        for a in alts {
            match &self.nodes[a as usize] {
                Node::Never => {}
                Node::Union(inner) => {
                    for &i in inner {
                        if !flat.contains(&i) {
                            flat.push(i);
                        }
                    }
                }
                _ => {
                    if !flat.contains(&a) {
                        flat.push(a);
                    }
                }
            }
        }
        if flat.contains(&ANY) {
            return ANY;
        }
        // A free string subsumes string literals: drop them so the union stays unambiguous.
        if flat.contains(&STR) {
            let mut out = Vec::new();
            for &a in &flat {
                if let Node::Lit { root } = self.nodes[a as usize] {
                    let words: Vec<Vec<u8>> =
                        self.lit_words(root).into_iter().filter(|w| w.first() != Some(&b'"')).collect();
                    let id = self.lit_node(words);
                    if id != NEVER {
                        out.push(id);
                    }
                } else {
                    out.push(a);
                }
            }
            flat = out;
        }
        match flat.len() {
            0 => NEVER,
            1 => flat[0],
            _ => self.push(Node::Union(flat)),
        }
    }

    fn lit_words(&self, root: u32) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let mut stack = vec![(root, Vec::new())];
        while let Some((n, w)) = stack.pop() {
            let node = &self.lits[n as usize];
            if node.term != NONE {
                out.push(w.clone());
            }
            for &(b, c) in &node.children {
                let mut w2 = w.clone();
                w2.push(b);
                stack.push((c, w2));
            }
        }
        out
    }

    fn note_unenforced(&mut self, o: &Map<String, Value>) {
        for k in UNENFORCED_KEYWORDS {
            if o.contains_key(*k) {
                self.unenforced.insert((*k).to_string());
            }
        }
        if matches!(o.get("items"), Some(Value::Array(_))) {
            self.unenforced.insert("items (tuple form)".to_string());
        }
        if matches!(o.get("additionalProperties"), Some(v) if v != &Value::Bool(false)) && o.contains_key("properties")
        {
            self.unenforced.insert("additionalProperties (only listed properties are generated)".to_string());
        }
    }

    fn compile(&mut self, s: &Value, depth: usize) -> u32 {
        if depth > MAX_SCHEMA_DEPTH {
            self.too_deep = true;
            return ANY;
        }
        let o = match s {
            Value::Object(o) => o,
            Value::Bool(false) => return NEVER,
            _ => return ANY,
        };
        self.note_unenforced(o);
        for key in ["anyOf", "oneOf"] {
            if let Some(Value::Array(alts)) = o.get(key) {
                let mut base = o.clone();
                base.remove(key);
                base.remove("description");
                base.remove("default");
                let mut ids = Vec::new();
                for a in alts {
                    let merged = merge_schema(&base, a);
                    ids.push(self.compile(&merged, depth + 1));
                }
                return self.union(ids);
            }
        }
        let types: Option<Vec<String>> = match o.get("type") {
            Some(Value::String(t)) => Some(vec![t.clone()]),
            Some(Value::Array(ts)) => Some(ts.iter().filter_map(|t| t.as_str().map(str::to_string)).collect()),
            _ => None,
        };
        let type_ok = |v: &Value| types.as_ref().is_none_or(|ts| ts.iter().any(|t| type_matches(v, t)));
        if let Some(c) = o.get("const") {
            let words = if type_ok(c) { vec![json_bytes(c)] } else { vec![] };
            return self.lit_node(words);
        }
        if let Some(Value::Array(e)) = o.get("enum") {
            let words = e.iter().filter(|v| type_ok(v)).map(json_bytes).collect();
            return self.lit_node(words);
        }
        let types = match types {
            Some(t) => t,
            None => {
                if o.contains_key("properties") || o.contains_key("required") {
                    vec!["object".to_string()]
                } else if o.contains_key("items") || o.contains_key("minItems") || o.contains_key("maxItems") {
                    vec!["array".to_string()]
                } else if o.contains_key("minimum") || o.contains_key("maximum") {
                    vec!["number".to_string()]
                } else {
                    return ANY;
                }
            }
        };
        let mut ids = Vec::new();
        for t in &types {
            let id = match t.as_str() {
                "string" => STR,
                "boolean" => BOOL,
                "null" => NULL,
                "integer" | "number" => self.compile_num(o, t == "integer"),
                "object" => self.compile_obj(o, depth),
                "array" => self.compile_arr(o, depth),
                _ => ANY,
            };
            ids.push(id);
        }
        if types.iter().any(|t| t == "integer") && types.iter().any(|t| t == "number") {
            // the number alternative covers the integers
            let int_pos = types.iter().position(|t| t == "integer").unwrap();
            ids.remove(int_pos);
        }
        self.union(ids)
    }

    fn compile_num(&mut self, o: &Map<String, Value>, integer: bool) -> u32 {
        let f = |k: &str| o.get(k).and_then(Value::as_f64);
        let mut min = f("minimum").unwrap_or(f64::NEG_INFINITY);
        let mut max = f("maximum").unwrap_or(f64::INFINITY);
        if let Some(x) = f("exclusiveMinimum") {
            min = min.max(if integer { x.floor() + 1.0 } else { x.next_up() });
        }
        if let Some(x) = f("exclusiveMaximum") {
            max = max.min(if integer { x.ceil() - 1.0 } else { x.next_down() });
        }
        if integer {
            min = min.ceil();
            max = max.floor();
        }
        let lim = MAX_SIG_MANT as f64;
        if min > max || min.is_nan() || max.is_nan() || min > lim || max < -lim {
            return NEVER;
        }
        let exp = min == f64::NEG_INFINITY && max == f64::INFINITY && !integer;
        self.push(Node::Num { integer, min, max, exp })
    }

    fn compile_obj(&mut self, o: &Map<String, Value>, depth: usize) -> u32 {
        let props = match o.get("properties") {
            Some(Value::Object(p)) => Some(p),
            _ => None,
        };
        let required: Vec<&str> = match o.get("required") {
            Some(Value::Array(r)) => r.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if props.is_none() && required.is_empty() {
            return FREE_OBJ;
        }
        let mut names: Vec<String> = Vec::new();
        let mut ids: Vec<u32> = Vec::new();
        if let Some(p) = props {
            for (k, v) in p {
                let id = self.compile(v, depth + 1);
                names.push(k.clone());
                ids.push(id);
            }
        }
        for r in &required {
            if !names.iter().any(|n| n == r) {
                names.push(r.to_string()); // required but not described: any value
                ids.push(ANY);
            }
        }
        let mut req = 0u64;
        let mut keymask = 0u64;
        for (i, n) in names.iter().enumerate() {
            let is_req = required.contains(&n.as_str());
            if i >= MAX_PROPS {
                if is_req {
                    return NEVER;
                }
                continue;
            }
            if ids[i] == NEVER {
                if is_req {
                    return NEVER;
                }
                continue;
            }
            keymask |= 1 << i;
            if is_req {
                req |= 1 << i;
            }
        }
        names.truncate(MAX_PROPS);
        ids.truncate(MAX_PROPS);
        let words: Vec<Vec<u8>> = names.iter().map(|n| json_bytes(&Value::String(n.clone()))).collect();
        let keys_root = self.build_trie(&words);
        self.push(Node::Obj { keys_root, props: ids, required: req, keymask })
    }

    fn compile_arr(&mut self, o: &Map<String, Value>, depth: usize) -> u32 {
        let items = match o.get("items") {
            Some(v @ Value::Object(_)) | Some(v @ Value::Bool(_)) => self.compile(v, depth + 1),
            _ => ANY,
        };
        let min = o.get("minItems").and_then(Value::as_u64).unwrap_or(0).min(u32::MAX as u64) as u32;
        let mut max = o.get("maxItems").and_then(Value::as_u64).unwrap_or(u32::MAX as u64).min(u32::MAX as u64) as u32;
        if items == NEVER {
            max = 0;
        }
        if min > max {
            return NEVER;
        }
        self.push(Node::Arr { items, min, max })
    }
}

// ---------------------------------------------------------------------------------------------
// Matcher

/// Free string content state.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct StrS {
    /// Content bytes still allowed.
    rem: u16,
    /// 0 none, 1 after `\`, 2..=5 inside `\uXXXX` after (esc-2) hex digits.
    esc: u8,
    /// UTF-8 continuation bytes still needed, and the allowed range of the next one.
    need: u8,
    lo: u8,
    hi: u8,
}

impl StrS {
    fn new(rem: u16) -> StrS {
        StrS { rem, esc: 0, need: 0, lo: 0, hi: 0 }
    }

    /// Bytes needed to finish the escape / UTF-8 sequence in progress.
    fn pending(&self) -> u16 {
        match self.esc {
            0 => self.need as u16,
            1 => 1,
            e => 6 - e as u16,
        }
    }

    fn clean(&self) -> bool {
        self.esc == 0 && self.need == 0
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Out {
    Ok,
    /// Consumed; the value is complete (pop it).
    OkPop,
    Reject,
    /// Not consumed; the value was complete: pop it and give the byte to the parent.
    PopRefeed,
    /// Consumed by the parent's transition: a child value of this node starts with the byte.
    Start(u32),
}

fn str_feed(s: &mut StrS, b: u8) -> Out {
    if s.esc == 1 {
        match b {
            b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => s.esc = 0,
            b'u' if s.rem >= 5 => s.esc = 2,
            _ => return Out::Reject,
        }
        s.rem -= 1;
        return Out::Ok;
    }
    if s.esc >= 2 {
        let ok = match b {
            b'0'..=b'9' | b'a'..=b'c' | b'e' | b'f' | b'A'..=b'C' | b'E' | b'F' => true,
            b'd' | b'D' => s.esc != 2, // no surrogates (lone ones do not parse)
            _ => false,
        };
        if !ok {
            return Out::Reject;
        }
        s.esc = if s.esc == 5 { 0 } else { s.esc + 1 };
        s.rem -= 1;
        return Out::Ok;
    }
    if s.need > 0 {
        if b < s.lo || b > s.hi {
            return Out::Reject;
        }
        s.need -= 1;
        s.lo = 0x80;
        s.hi = 0xBF;
        s.rem -= 1;
        return Out::Ok;
    }
    match b {
        b'"' => return Out::OkPop,
        _ if s.rem == 0 => return Out::Reject,
        b'\\' => {
            if s.rem < 2 {
                return Out::Reject;
            }
            s.esc = 1;
        }
        0x00..=0x1F => return Out::Reject,
        0x20..=0x7F => {}
        _ => {
            let (need, lo, hi) = match b {
                0xC2..=0xDF => (1, 0x80, 0xBF),
                0xE0 => (2, 0xA0, 0xBF),
                0xE1..=0xEC | 0xEE..=0xEF => (2, 0x80, 0xBF),
                0xED => (2, 0x80, 0x9F),
                0xF0 => (3, 0x90, 0xBF),
                0xF1..=0xF3 => (3, 0x80, 0xBF),
                0xF4 => (3, 0x80, 0x8F),
                _ => return Out::Reject,
            };
            if s.rem < need as u16 + 1 {
                return Out::Reject;
            }
            s.need = need;
            s.lo = lo;
            s.hi = hi;
        }
    }
    s.rem -= 1;
    Out::Ok
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Frame {
    /// ph: 0 start, 1 after `[`, 2 after a call, 3 after `,`, 4 done.
    Root {
        ph: u8,
        calls: u16,
    },
    /// ph: 0 in the `{"name":..,"arguments":` prefix (at `node`), 5 expecting the arguments,
    /// 1 after the arguments (expecting `}`).
    Call {
        ph: u8,
        node: u32,
        tool: u32,
    },
    Lit {
        node: u32,
    },
    Str(StrS),
    /// ph: 1 after `-`, 2 `0`, 3 integer digits, 4 after `.`, 5 fraction digits, 6 after `e`,
    /// 7 after the exponent sign, 8 exponent digits. `mant` holds all digits read (saturating).
    Num {
        node: u32,
        ph: u8,
        neg: bool,
        len: u8,
        flen: u8,
        elen: u8,
        mant: u64,
    },
    /// ph: 0 after `{`, 1 in a key (trie `key`), 2 after a key, 5 after `:`, 3 after a value,
    /// 4 after `,`. `last` is the index of the last key written (-1 before any).
    Obj {
        node: u32,
        ph: u8,
        last: i8,
        key: u32,
    },
    /// ph: 0 after `{`, 2 after a key, 5 after `:`, 3 after a value, 4 after `,`.
    FreeObj {
        ph: u8,
    },
    /// ph: 0 after `[`, 1 after a value, 2 after `,`.
    Arr {
        node: u32,
        ph: u8,
        count: u32,
    },
}

fn above(last: i8) -> u64 {
    let s = (last as i32 + 1) as u32;
    if s >= 64 {
        0
    } else {
        !0u64 << s
    }
}

/// Keys that may come next after key `last` (keys are written in property order, and a
/// required key cannot be skipped).
fn allowed_keys(keymask: u64, required: u64, last: i8) -> u64 {
    let ab = above(last);
    let req = required & ab;
    let upto = if req == 0 {
        !0
    } else {
        let i = req.trailing_zeros();
        if i == 63 {
            !0
        } else {
            (1u64 << (i + 1)) - 1
        }
    };
    keymask & ab & upto
}

fn pow10(k: i32) -> f64 {
    10f64.powi(k)
}

impl Grammar {
    fn num_params(&self, node: u32) -> (bool, f64, f64, bool) {
        match self.nodes[node as usize] {
            Node::Num { integer, min, max, exp } => (integer, min, max, exp),
            _ => (false, f64::NEG_INFINITY, f64::INFINITY, true),
        }
    }

    /// Whether some number in magnitude interval `[a, b]` with the sign lies in `[min, max]`.
    fn mag_ok(neg: bool, a: f64, b: f64, min: f64, max: f64) -> bool {
        if neg {
            -b <= max && -a >= min
        } else {
            a <= max && b >= min
        }
    }

    fn num_complete(&self, f: &Frame) -> bool {
        let Frame::Num { node, ph, neg, flen, mant, .. } = *f else { return false };
        if !matches!(ph, 2 | 3 | 5 | 8) {
            return false;
        }
        let (_, min, max, _) = self.num_params(node);
        if ph == 8 {
            return true; // exponents only when unbounded
        }
        let mut x = mant as f64 / pow10(flen as i32);
        if neg {
            x = -x;
        }
        x >= min && x <= max
    }

    /// Can the number prefix still be completed within the length cap and the bounds?
    fn num_feasible(&self, f: &Frame) -> bool {
        let Frame::Num { node, ph, neg, len, flen, mant, .. } = *f else { return false };
        let cap = self.opts.max_number_chars;
        if len > cap {
            return false;
        }
        let rc = (cap - len) as i32; // characters left
        let need = match ph {
            1 | 4 | 6 | 7 => 1,
            _ => 0,
        };
        if need > rc {
            return false;
        }
        let (integer, min, max, _) = self.num_params(node);
        if min == f64::NEG_INFINITY && max == f64::INFINITY {
            return true;
        }
        // Bounded numbers keep at most MAX_SIG_DIGITS significant digits, so that their value
        // (mant / 10^flen) is exactly what a JSON parser computes.
        if mant > MAX_SIG_MANT {
            return false;
        }
        let rd = MAX_SIG_DIGITS - mant.checked_ilog10().map_or(0, |l| l as i32 + 1); // digits left
        let m = mant as f64;
        // fraction digits possible after k more integer digits (and a '.')
        let frac = |k: i32| if integer { 0 } else { (rc - k - 1).min(rd - k).max(0) };
        match ph {
            1 => {
                // "-0" + fraction (numbers only)
                let f0 = if integer { 0 } else { (rc - 2).min(rd).max(0) };
                if f0 >= 1 && Self::mag_ok(true, 0.0, 1.0 - pow10(-f0), min, max) {
                    return true;
                }
                (1..=rc.min(rd)).any(|k| {
                    let a = if k == 1 { 1.0 } else { pow10(k - 1) };
                    let f = frac(k);
                    let b = if f >= 1 { pow10(k) - pow10(-f) } else { pow10(k) - 1.0 };
                    Self::mag_ok(true, a, b, min, max)
                })
            }
            2 => {
                let f = if integer { 0 } else { (rc - 1).min(rd).max(0) };
                let b = if f >= 1 { 1.0 - pow10(-f) } else { 0.0 };
                Self::mag_ok(neg, 0.0, b, min, max)
            }
            3 => (0..=rc.min(rd)).any(|k| {
                let a = m * pow10(k);
                let f = frac(k);
                let b = if f >= 1 { a + pow10(k) - pow10(-f) } else { a + pow10(k) - 1.0 };
                Self::mag_ok(neg, a, b, min, max)
            }),
            4 => {
                let f = rc.min(rd);
                f >= 1 && Self::mag_ok(neg, m, m + 1.0 - pow10(-f), min, max)
            }
            5 => {
                let f = rc.min(rd).max(0);
                let x = m / pow10(flen as i32);
                let b = x + pow10(-(flen as i32)) - pow10(-(flen as i32 + f));
                Self::mag_ok(neg, x, b, min, max)
            }
            _ => false, // exponents are only generated for unbounded numbers
        }
    }

    fn num_feed(&self, f: &mut Frame, b: u8) -> Out {
        let Frame::Num { node, ph, neg, len, flen, elen, mant } = *f else { return Out::Reject };
        let (integer, _, _, exp) = self.num_params(node);
        let (mut ph2, mut neg2, mut flen2, mut elen2, mut mant2) = (ph, neg, flen, elen, mant);
        let digit = b.is_ascii_digit();
        let d = b.wrapping_sub(b'0') as u64;
        match (ph, b) {
            (0, b'-') => {
                ph2 = 1;
                neg2 = true;
            }
            (0 | 1, b'0') => {
                if integer && neg {
                    return Out::Reject; // no "-0" for integers
                }
                ph2 = 2;
            }
            (0 | 1, b'1'..=b'9') => {
                ph2 = 3;
                mant2 = d;
            }
            (3, _) if digit => mant2 = mant.saturating_mul(10).saturating_add(d),
            (2 | 3, b'.') if !integer => ph2 = 4,
            (4 | 5, _) if digit => {
                ph2 = 5;
                mant2 = mant.saturating_mul(10).saturating_add(d);
                flen2 = flen + 1;
            }
            (2 | 3 | 5, b'e' | b'E') if exp => ph2 = 6,
            (6, b'+' | b'-') => ph2 = 7,
            (6..=8, _) if digit && elen < MAX_EXP_DIGITS => {
                ph2 = 8;
                elen2 = elen + 1;
            }
            _ => {
                return if ph != 0 && self.num_complete(f) { Out::PopRefeed } else { Out::Reject };
            }
        }
        let nf = Frame::Num { node, ph: ph2, neg: neg2, len: len + 1, flen: flen2, elen: elen2, mant: mant2 };
        if !self.num_feasible(&nf) {
            return Out::Reject;
        }
        *f = nf;
        Out::Ok
    }

    fn feed(&self, f: &mut Frame, b: u8) -> Out {
        match f {
            Frame::Root { ph, calls } => match (*ph, b) {
                (0, b'[') => {
                    *ph = 1;
                    Out::Ok
                }
                (1 | 2, b']') => {
                    *ph = 4;
                    Out::Ok
                }
                (2, b',') if *calls < self.opts.max_calls => {
                    *ph = 3;
                    Out::Ok
                }
                (1 | 3, b'{') => {
                    *ph = 2;
                    *calls += 1;
                    Out::Start(CALLS)
                }
                _ => Out::Reject,
            },
            Frame::Call { ph, node, tool } => match *ph {
                0 => {
                    let c = self.lchild(*node, b);
                    if c == NONE {
                        return Out::Reject;
                    }
                    *node = c;
                    let t = self.lits[c as usize].term;
                    if t != NONE {
                        *tool = t;
                        *ph = 5;
                    }
                    Out::Ok
                }
                5 => {
                    *ph = 1;
                    Out::Start(self.tools[*tool as usize].params)
                }
                _ => {
                    if b == b'}' {
                        Out::OkPop
                    } else {
                        Out::Reject
                    }
                }
            },
            Frame::Lit { node } => {
                let c = self.lchild(*node, b);
                if c == NONE {
                    return if self.lits[*node as usize].term != NONE { Out::PopRefeed } else { Out::Reject };
                }
                *node = c;
                let l = &self.lits[c as usize];
                if l.term != NONE && l.children.is_empty() {
                    Out::OkPop
                } else {
                    Out::Ok
                }
            }
            Frame::Str(s) => str_feed(s, b),
            Frame::Num { .. } => self.num_feed(f, b),
            Frame::Obj { node, ph, last, key } => {
                let Node::Obj { keys_root, props, required, keymask } = &self.nodes[*node as usize] else {
                    return Out::Reject;
                };
                let allowed = allowed_keys(*keymask, *required, *last);
                match (*ph, b) {
                    (0 | 4, b'"') => {
                        let c = self.lchild(*keys_root, b'"');
                        if c == NONE || self.lits[c as usize].mask & allowed == 0 {
                            return Out::Reject;
                        }
                        *key = c;
                        *ph = 1;
                        Out::Ok
                    }
                    (0 | 3, b'}') => {
                        if required & above(*last) == 0 {
                            Out::OkPop
                        } else {
                            Out::Reject
                        }
                    }
                    (1, _) => {
                        let c = self.lchild(*key, b);
                        if c == NONE || self.lits[c as usize].mask & allowed == 0 {
                            return Out::Reject;
                        }
                        *key = c;
                        let t = self.lits[c as usize].term;
                        if t != NONE {
                            *last = t as i8;
                            *ph = 2;
                        }
                        Out::Ok
                    }
                    (2, b':') => {
                        *ph = 5;
                        Out::Ok
                    }
                    (5, _) => {
                        *ph = 3;
                        Out::Start(props[*last as usize])
                    }
                    (3, b',') => {
                        if allowed != 0 {
                            *ph = 4;
                            Out::Ok
                        } else {
                            Out::Reject
                        }
                    }
                    _ => Out::Reject,
                }
            }
            Frame::FreeObj { ph } => match (*ph, b) {
                (0 | 3, b'}') => Out::OkPop,
                (0 | 4, b'"') => {
                    *ph = 2;
                    Out::Start(STR)
                }
                (2, b':') => {
                    *ph = 5;
                    Out::Ok
                }
                (5, _) => {
                    *ph = 3;
                    Out::Start(ANY)
                }
                (3, b',') => {
                    *ph = 4;
                    Out::Ok
                }
                _ => Out::Reject,
            },
            Frame::Arr { node, ph, count } => {
                let Node::Arr { items, min, max } = self.nodes[*node as usize] else { return Out::Reject };
                match (*ph, b) {
                    (0, b']') => {
                        if min == 0 {
                            Out::OkPop
                        } else {
                            Out::Reject
                        }
                    }
                    (1, b']') => {
                        if *count >= min {
                            Out::OkPop
                        } else {
                            Out::Reject
                        }
                    }
                    (1, b',') => {
                        if *count < max {
                            *ph = 2;
                            Out::Ok
                        } else {
                            Out::Reject
                        }
                    }
                    (0 | 2, _) => {
                        if *count >= max {
                            return Out::Reject;
                        }
                        *count += 1;
                        *ph = 1;
                        Out::Start(items)
                    }
                    _ => Out::Reject,
                }
            }
        }
    }

    fn push_lit(&self, st: &mut Vec<Frame>, root: u32, b: u8) -> bool {
        let c = self.lchild(root, b);
        if c == NONE {
            return false;
        }
        let l = &self.lits[c as usize];
        if !(l.term != NONE && l.children.is_empty()) {
            st.push(Frame::Lit { node: c });
        }
        true
    }

    fn push_num(&self, st: &mut Vec<Frame>, node: u32, b: u8) -> bool {
        let mut f = Frame::Num { node, ph: 0, neg: false, len: 0, flen: 0, elen: 0, mant: 0 };
        if self.num_feed(&mut f, b) == Out::Ok {
            st.push(f);
            true
        } else {
            false
        }
    }

    /// Starts a value of schema `node` with its first byte `b` on top of `st`. Ambiguous unions
    /// leave extra alternatives in `forks`.
    fn start_value(&self, st: &mut Vec<Frame>, node: u32, b: u8, forks: &mut Vec<Vec<Frame>>) -> bool {
        let deep = st.len() >= MAX_DEPTH;
        match &self.nodes[node as usize] {
            Node::Never => false,
            Node::Any => match b {
                b'"' => {
                    st.push(Frame::Str(StrS::new(self.opts.max_string_bytes)));
                    true
                }
                b'{' if !deep => {
                    st.push(Frame::FreeObj { ph: 0 });
                    true
                }
                b'[' if !deep => {
                    st.push(Frame::Arr { node: ANY_ARR, ph: 0, count: 0 });
                    true
                }
                b'-' | b'0'..=b'9' => self.push_num(st, ANY_NUM, b),
                _ => {
                    let Node::Lit { root } = self.nodes[TFN as usize] else { return false };
                    self.push_lit(st, root, b)
                }
            },
            Node::Str => {
                if b == b'"' {
                    st.push(Frame::Str(StrS::new(self.opts.max_string_bytes)));
                    true
                } else {
                    false
                }
            }
            Node::Lit { root } => self.push_lit(st, *root, b),
            Node::Num { .. } => self.push_num(st, node, b),
            Node::Obj { .. } => {
                if b == b'{' && !deep {
                    st.push(Frame::Obj { node, ph: 0, last: -1, key: NONE });
                    true
                } else {
                    false
                }
            }
            Node::FreeObj => {
                if b == b'{' && !deep {
                    st.push(Frame::FreeObj { ph: 0 });
                    true
                } else {
                    false
                }
            }
            Node::Arr { .. } => {
                if b == b'[' && !deep {
                    st.push(Frame::Arr { node, ph: 0, count: 0 });
                    true
                } else {
                    false
                }
            }
            Node::Calls => {
                let c = self.lchild(self.call_root, b);
                if c == NONE {
                    return false;
                }
                st.push(Frame::Call { ph: 0, node: c, tool: NONE });
                true
            }
            Node::Union(alts) => {
                let base = st.clone();
                let mut ok = false;
                for &a in alts {
                    let mut s = base.clone();
                    if self.start_value(&mut s, a, b, forks) {
                        if !ok {
                            *st = s;
                            ok = true;
                        } else {
                            forks.push(s);
                        }
                    }
                }
                ok
            }
        }
    }

    fn step_stack(&self, st: &mut Vec<Frame>, b: u8, forks: &mut Vec<Vec<Frame>>) -> bool {
        loop {
            let Some(top) = st.last_mut() else { return false };
            match self.feed(top, b) {
                Out::Ok => return true,
                Out::OkPop => {
                    st.pop();
                    return true;
                }
                Out::Reject => return false,
                Out::PopRefeed => {
                    st.pop();
                }
                Out::Start(node) => return self.start_value(st, node, b, forks),
            }
        }
    }
}

/// Grammar state for one output line: one or more alternative stacks.
#[derive(Debug, PartialEq, Eq)]
struct State {
    stacks: Vec<Vec<Frame>>,
}

impl Clone for State {
    fn clone(&self) -> Self {
        State { stacks: self.stacks.clone() }
    }
    fn clone_from(&mut self, other: &Self) {
        self.stacks.clone_from(&other.stacks);
    }
}

impl State {
    fn new() -> State {
        State { stacks: vec![vec![Frame::Root { ph: 0, calls: 0 }]] }
    }

    /// Advances by one byte. On `false` the state is garbage (callers keep a copy).
    fn step(&mut self, g: &Grammar, b: u8) -> bool {
        if self.stacks.len() == 1 {
            let mut forks = Vec::new();
            if !g.step_stack(&mut self.stacks[0], b, &mut forks) {
                return false;
            }
            if !forks.is_empty() {
                self.stacks.extend(forks);
                self.dedup();
            }
            return true;
        }
        let mut forks = Vec::new();
        let mut i = 0;
        while i < self.stacks.len() {
            if g.step_stack(&mut self.stacks[i], b, &mut forks) {
                i += 1;
            } else {
                self.stacks.swap_remove(i);
            }
        }
        self.stacks.extend(forks);
        self.dedup();
        !self.stacks.is_empty()
    }

    fn dedup(&mut self) {
        let mut i = 1;
        while i < self.stacks.len() {
            if self.stacks[..i].contains(&self.stacks[i]) {
                self.stacks.swap_remove(i);
            } else {
                i += 1;
            }
        }
        self.stacks.truncate(MAX_STACKS);
    }

    fn is_complete(&self) -> bool {
        self.stacks.iter().any(|s| matches!(s.as_slice(), [Frame::Root { ph: 4, .. }]))
    }

    /// When every alternative is inside free string content at a clean point: the largest
    /// content budget left.
    fn free_string_top(&self) -> Option<StrS> {
        let mut best: Option<StrS> = None;
        for st in &self.stacks {
            match st.last() {
                Some(Frame::Str(s)) if s.clean() => {
                    if best.is_none_or(|b| s.rem > b.rem) {
                        best = Some(*s);
                    }
                }
                _ => return None,
            }
        }
        best
    }
}

// ---------------------------------------------------------------------------------------------
// Vocabulary

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum StrInfo {
    /// Not valid as string content from a clean state (control byte, bad escape or UTF-8).
    Bad,
    /// Entirely string content: `len` bytes, then `pend` more are needed to finish a sequence.
    Inside { len: u16, pend: u16 },
    /// Contains the closing quote (the rest goes to the enclosing value).
    Close,
}

#[derive(Clone, Copy, Debug)]
struct VNode {
    first_edge: u32,
    n_edges: u32,
    first_tok: u32,
    n_toks: u32,
}

/// The tokenizer vocabulary as bytes, in a byte trie.
#[derive(Clone, Debug)]
pub struct VocabTrie {
    nodes: Vec<VNode>,
    edge_byte: Vec<u8>,
    edge_to: Vec<u32>,
    node_toks: Vec<u32>,
    tokens: Vec<Option<Vec<u8>>>,
    str_info: Vec<StrInfo>,
    eos: Option<u32>,
    max_len: usize,
}

/// GPT-2 byte-level table: char -> byte.
pub fn byte_level_decoder() -> HashMap<char, u8> {
    let mut bs: Vec<u32> = (b'!' as u32..=b'~' as u32).chain(0xA1..=0xAC).chain(0xAE..=0xFF).collect();
    let mut cs: Vec<u32> = bs.clone();
    let mut n = 0;
    for b in 0..256u32 {
        if !bs.contains(&b) {
            bs.push(b);
            cs.push(256 + n);
            n += 1;
        }
    }
    bs.iter().zip(cs.iter()).map(|(&b, &c)| (char::from_u32(c).unwrap(), b as u8)).collect()
}

impl VocabTrie {
    /// From token bytes by id (`None`: never allowed, e.g. special tokens). `eos` is allowed
    /// exactly when the output is complete.
    pub fn new(tokens: Vec<Option<Vec<u8>>>, eos: Option<u32>) -> VocabTrie {
        let mut children: Vec<Vec<(u8, u32)>> = vec![Vec::new()];
        let mut toks: Vec<Vec<u32>> = vec![Vec::new()];
        let mut max_len = 0;
        for (id, t) in tokens.iter().enumerate() {
            let Some(t) = t else { continue };
            if t.is_empty() || Some(id as u32) == eos {
                continue;
            }
            max_len = max_len.max(t.len());
            let mut n = 0usize;
            for &b in t {
                let c = match children[n].iter().find(|(cb, _)| *cb == b) {
                    Some(&(_, c)) => c as usize,
                    None => {
                        children.push(Vec::new());
                        toks.push(Vec::new());
                        let c = children.len() - 1;
                        children[n].push((b, c as u32));
                        c
                    }
                };
                n = c;
            }
            toks[n].push(id as u32);
        }
        let mut v = VocabTrie {
            nodes: Vec::with_capacity(children.len()),
            edge_byte: Vec::new(),
            edge_to: Vec::new(),
            node_toks: Vec::new(),
            tokens: Vec::new(),
            str_info: Vec::new(),
            eos,
            max_len,
        };
        for (ch, tk) in children.iter_mut().zip(toks.iter()) {
            ch.sort();
            v.nodes.push(VNode {
                first_edge: v.edge_byte.len() as u32,
                n_edges: ch.len() as u32,
                first_tok: v.node_toks.len() as u32,
                n_toks: tk.len() as u32,
            });
            for &(b, c) in ch.iter() {
                v.edge_byte.push(b);
                v.edge_to.push(c);
            }
            v.node_toks.extend(tk);
        }
        v.str_info = tokens
            .iter()
            .enumerate()
            .map(|(id, t)| match t {
                Some(t) if !t.is_empty() && Some(id as u32) != eos => {
                    let mut s = StrS::new(u16::MAX);
                    for &b in t {
                        match str_feed(&mut s, b) {
                            Out::Ok => {}
                            Out::OkPop => return StrInfo::Close,
                            _ => return StrInfo::Bad,
                        }
                    }
                    StrInfo::Inside { len: t.len().min(u16::MAX as usize) as u16, pend: s.pending() }
                }
                _ => StrInfo::Bad,
            })
            .collect();
        v.tokens = tokens;
        v
    }

    /// From a byte-level BPE vocabulary (token string -> id, as `Tokenizer::get_vocab`).
    /// `exclude` lists ids never allowed (pad, bos, tool, query, added tokens).
    pub fn from_byte_level_vocab<'a>(
        vocab: impl IntoIterator<Item = (&'a str, u32)>,
        vocab_size: usize,
        eos: Option<u32>,
        exclude: &[u32],
    ) -> VocabTrie {
        let table = byte_level_decoder();
        let mut tokens: Vec<Option<Vec<u8>>> = vec![None; vocab_size];
        for (s, id) in vocab {
            if id as usize >= vocab_size || exclude.contains(&id) || Some(id) == eos {
                continue;
            }
            let bytes: Option<Vec<u8>> = s.chars().map(|c| table.get(&c).copied()).collect();
            tokens[id as usize] = bytes;
        }
        VocabTrie::new(tokens, eos)
    }

    /// From a `tokenizers` tokenizer: every added token (special tokens included) is excluded,
    /// `eos` is allowed when the output is complete.
    pub fn from_tokenizer(tok: &tokenizers::Tokenizer, vocab_size: usize, eos: u32) -> VocabTrie {
        let vocab = tok.get_vocab(true);
        let added: Vec<u32> = tok.get_added_tokens_decoder().keys().copied().collect();
        VocabTrie::from_byte_level_vocab(vocab.iter().map(|(s, &i)| (s.as_str(), i)), vocab_size, Some(eos), &added)
    }

    pub fn vocab_size(&self) -> usize {
        self.tokens.len()
    }

    pub fn eos(&self) -> Option<u32> {
        self.eos
    }

    pub fn token_bytes(&self, id: u32) -> Option<&[u8]> {
        self.tokens.get(id as usize).and_then(|t| t.as_deref())
    }

    fn edges(&self, n: u32) -> (&[u8], &[u32]) {
        let v = self.nodes[n as usize];
        let (a, b) = (v.first_edge as usize, (v.first_edge + v.n_edges) as usize);
        (&self.edge_byte[a..b], &self.edge_to[a..b])
    }

    fn toks(&self, n: u32) -> &[u32] {
        let v = self.nodes[n as usize];
        &self.node_toks[v.first_tok as usize..(v.first_tok + v.n_toks) as usize]
    }

    /// Greedy longest-match tokenization of `bytes` (for feeding forced bytes). `None` if some
    /// byte has no token.
    pub fn tokenize_greedy(&self, bytes: &[u8]) -> Option<Vec<u32>> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            let mut n = 0u32;
            let mut best: Option<(usize, u32)> = None;
            let mut j = i;
            while j < bytes.len() {
                let (eb, et) = self.edges(n);
                match eb.binary_search(&bytes[j]) {
                    Ok(k) => n = et[k],
                    Err(_) => break,
                }
                j += 1;
                if let Some(&t) = self.toks(n).first() {
                    best = Some((j, t));
                }
            }
            let (end, t) = best?;
            out.push(t);
            i = end;
        }
        Some(out)
    }
}

// ---------------------------------------------------------------------------------------------
// Per-line state

/// The constraint state of one output line.
#[derive(Debug, Clone)]
pub struct ConstraintState {
    g: Arc<Grammar>,
    st: State,
    finished: bool,
    /// Scratch states for the trie walk, one per depth.
    scratch: Vec<State>,
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
                [Frame::Root { ph: 0, .. }] => RootPhase::Start,
                [Frame::Root { ph: 1 | 3, .. }] => RootPhase::BeforeCall,
                [Frame::Root { ph: 2, .. }] => RootPhase::AfterCall,
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

fn walk(g: &Grammar, v: &VocabTrie, node: u32, depth: usize, states: &mut [State], out: &mut Vec<u32>) {
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
/// and the array closed ([`complete_calls_end`](crate::engine::LogitsFilter::complete_calls_end)).
pub struct SchemaFilter {
    pub state: ConstraintState,
    pub vocab: Arc<VocabTrie>,
    /// Tokens advanced that the grammar did not allow (stays 0 when the mask is applied).
    pub rejected: usize,
    allowed: Vec<u32>,
    /// The output so far, the byte ranges of its complete calls (a repeat excluded), and where
    /// the call being written starts.
    written: Vec<u8>,
    calls: Vec<(usize, usize)>,
    call_values: Vec<Option<Value>>,
    call_start: usize,
    repeated: bool,
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
fn numbers_as_f64(v: Value) -> Value {
    match v {
        Value::Number(n) => n.as_f64().and_then(serde_json::Number::from_f64).map_or(Value::Number(n), Value::Number),
        Value::Array(a) => Value::Array(a.into_iter().map(numbers_as_f64).collect()),
        Value::Object(o) => Value::Object(o.into_iter().map(|(k, v)| (k, numbers_as_f64(v))).collect()),
        other => other,
    }
}

impl crate::engine::LogitsFilter for SchemaFilter {
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn g(params: Value) -> Arc<Grammar> {
        Arc::new(Grammar::new(&[json!({"name": "f", "description": "", "parameters": params})]))
    }

    fn accepts(g: &Arc<Grammar>, s: &str) -> bool {
        let mut c = ConstraintState::new(g.clone());
        c.advance_bytes(s.as_bytes()) && c.is_complete()
    }

    fn prefix_ok(g: &Arc<Grammar>, s: &str) -> bool {
        ConstraintState::new(g.clone()).advance_bytes(s.as_bytes())
    }

    fn call(args: &str) -> String {
        format!("[{{\"name\":\"f\",\"arguments\":{args}}}]")
    }

    /// A vocabulary of single bytes (token id = byte + 1, eos = 0).
    fn byte_vocab() -> Arc<VocabTrie> {
        let toks = std::iter::once(None).chain((0..=255u8).map(|b| Some(vec![b]))).collect();
        Arc::new(VocabTrie::new(toks, Some(0)))
    }

    fn feed(f: &mut SchemaFilter, text: &str) {
        for &b in text.as_bytes() {
            crate::engine::LogitsFilter::advance(f, b as u32 + 1);
        }
    }

    #[test]
    fn the_filter_knows_where_complete_calls_end_and_sees_a_repeat() {
        use crate::engine::{keep_complete_calls, LogitsFilter};
        let g = Arc::new(Grammar::new(&[json!({"name": "f", "parameters": {"type": "object", "properties": {"a": {"type": "number"}}}})]));
        let mut f = SchemaFilter::new(g, byte_vocab());
        f.begin();
        assert_eq!(f.complete_calls_end(), Some(0), "nothing written: the answer would be []");
        feed(&mut f, "[{\"name\":\"f\",\"arguments\":{\"a\":1");
        assert_eq!(f.complete_calls_end(), Some(1), "only the `[`: no call is complete");
        let first = "[{\"name\":\"f\",\"arguments\":{\"a\":1}}";
        feed(&mut f, "}}");
        assert_eq!(f.complete_calls_end(), Some(first.len()));
        feed(&mut f, ",{\"name\":\"f\",\"arguments\":{\"a\":2}}");
        assert!(!f.repeated_call(), "a different call is not a repeat");
        let second_end = f.written.len();
        assert_eq!(f.complete_calls_end(), Some(second_end));
        feed(&mut f, ",{\"name\":\"f\",\"arguments\":{\"a\":1.0e0}}");
        assert!(f.repeated_call(), "the same call written another way");
        assert_eq!(f.complete_calls_end(), Some(second_end), "the repeat is not kept");
        let written = String::from_utf8(f.written.clone()).unwrap();
        assert_eq!(
            keep_complete_calls(&written, f.complete_calls_end().unwrap()),
            "[{\"name\":\"f\",\"arguments\":{\"a\":1}},{\"name\":\"f\",\"arguments\":{\"a\":2}}]"
        );
        assert_eq!(keep_complete_calls("", 0), "[]");
        assert_eq!(keep_complete_calls("[{\"na", 1), "[]");
    }

    #[test]
    fn uncallable_tools_are_named_with_the_culprit() {
        let tool = |props: Value, required: Value| json!({"name": "t", "parameters": {"type": "object", "properties": props, "required": required}});
        assert_eq!(uncallable(&tool(json!({"a": {"type": "string"}}), json!(["a"]))), None);
        let huge = tool(json!({"ok": {"type": "string"}, "ids": {"type": "array", "items": {"type": "integer"}, "minItems": 1000000}}), json!(["ok", "ids"]));
        assert_eq!(uncallable(&huge).unwrap().0, "/properties/ids");
        // 40 nested non-empty arrays: the schema compiles (depth < 48), the output stack (32) cannot hold them.
        let deep = |n| (0..n).fold(json!({"type": "integer"}), |s, _| json!({"type": "array", "items": s, "minItems": 1}));
        assert_eq!(uncallable(&tool(json!({"d": deep(40)}), json!(["d"]))).unwrap().0, "/properties/d");
        assert!(uncallable(&tool(json!({"d": deep(60)}), json!(["d"]))).unwrap().1.contains("nests more than 48"));
        // Optional: never offered, not an error.
        assert_eq!(uncallable(&tool(json!({"ids": {"type": "array", "minItems": 1000000}}), json!([]))), None);
        let nested = (0..50).fold(json!({"type": "string"}), |s, _| json!({"anyOf": [s]}));
        assert!(uncallable(&tool(json!({"x": nested}), json!([]))).unwrap().1.contains("nests more than 48"));
    }

    #[test]
    fn empty_array_and_names() {
        let gr = Arc::new(Grammar::new(&[
            json!({"name": "alpha", "parameters": {"type": "object", "properties": {}}}),
            json!({"name": "alpine", "parameters": {"type": "object", "properties": {}}}),
        ]));
        assert!(accepts(&gr, "[]"));
        assert!(accepts(&gr, r#"[{"name":"alpha","arguments":{}}]"#));
        assert!(accepts(&gr, r#"[{"name":"alpha","arguments":{}},{"name":"alpine","arguments":{}}]"#));
        assert!(!prefix_ok(&gr, r#"[{"name":"beta"#));
        assert!(!prefix_ok(&gr, r#"[ {"#));
        assert!(!prefix_ok(&gr, r#"[{"name": "#));
        assert!(!prefix_ok(&gr, r#"[{"arguments""#));
        assert!(!prefix_ok(&gr, "[]x"));
        assert!(!accepts(&gr, "["));
    }

    #[test]
    fn forced_bytes() {
        let gr = Arc::new(Grammar::new(&[
            json!({"name": "alpha", "parameters": {"type": "object", "properties": {"x": {"type": "string"}}, "required": ["x"]}}),
            json!({"name": "alpine", "parameters": {"type": "object", "properties": {}}}),
        ]));
        let mut c = ConstraintState::new(gr.clone());
        assert_eq!(c.forced_bytes(), Some(b"[".to_vec()));
        c.advance_bytes(b"[");
        assert_eq!(c.forced_bytes(), None); // `{` or `]`
        c.advance_bytes(b"{");
        assert_eq!(c.forced_bytes(), Some(b"\"name\":\"alp".to_vec()));
        c.advance_bytes(b"\"name\":\"alph");
        assert_eq!(c.forced_bytes(), Some(b"a\",\"arguments\":{\"x\":\"".to_vec()));
        c.advance_bytes(b"a\",\"arguments\":{\"x\":\"hi\"");
        assert_eq!(c.forced_bytes(), Some(b"}}".to_vec()));
        c.advance_bytes(b"}}");
        assert_eq!(c.forced_bytes(), None); // `,` or `]`
    }

    #[test]
    fn keys_order_required_and_once() {
        let gr = g(json!({"type": "object", "properties": {
            "a": {"type": "integer"}, "b": {"type": "string"}, "c": {"type": "boolean"}}, "required": ["b"]}));
        assert!(accepts(&gr, &call(r#"{"b":"x"}"#)));
        assert!(accepts(&gr, &call(r#"{"a":1,"b":"x","c":true}"#)));
        assert!(!accepts(&gr, &call(r#"{"a":1}"#)));
        assert!(!prefix_ok(&gr, r#"[{"name":"f","arguments":{"a":1}"#)); // `}` refused before b
        assert!(!prefix_ok(&gr, r#"[{"name":"f","arguments":{"c":true"#)); // skips required b
        assert!(!prefix_ok(&gr, r#"[{"name":"f","arguments":{"b":"x","b""#));
        assert!(!prefix_ok(&gr, r#"[{"name":"f","arguments":{"b":"x","a""#)); // order
        assert!(!prefix_ok(&gr, r#"[{"name":"f","arguments":{"d""#));
        // after the last key no `,`
        assert!(!prefix_ok(&gr, r#"[{"name":"f","arguments":{"b":"x","c":true,"#));
    }

    #[test]
    fn strings_escapes_utf8_and_cap() {
        let gr = g(json!({"type": "object", "properties": {"s": {"type": "string"}}}));
        assert!(accepts(&gr, &call(r#"{"s":"a\"b\\c\n\u00e9\/"}"#)));
        assert!(accepts(&gr, &call("{\"s\":\"h\u{e9}llo \u{1F600}\"}")));
        assert!(!prefix_ok(&gr, r#"[{"name":"f","arguments":{"s":"\x"#));
        assert!(!prefix_ok(&gr, r#"[{"name":"f","arguments":{"s":"\ud800"#));
        assert!(!ConstraintState::new(gr.clone()).advance_bytes(b"[{\"name\":\"f\",\"arguments\":{\"s\":\"\n"));
        assert!(!ConstraintState::new(gr.clone()).advance_bytes(b"[{\"name\":\"f\",\"arguments\":{\"s\":\"\xff"));
        assert!(!ConstraintState::new(gr.clone()).advance_bytes(b"[{\"name\":\"f\",\"arguments\":{\"s\":\"\xc3\x28"));
        let long = "x".repeat(256);
        assert!(accepts(&gr, &call(&format!(r#"{{"s":"{long}"}}"#))));
        assert!(!prefix_ok(&gr, &call(&format!(r#"{{"s":"{long}x"#))));
        // an escape that does not fit is refused
        let l255 = "x".repeat(255);
        assert!(!prefix_ok(&gr, &format!(r#"[{{"name":"f","arguments":{{"s":"{l255}\"#)));
    }

    #[test]
    fn integers_and_bounds() {
        let gr = g(json!({"type": "object", "properties": {"n": {"type": "integer", "minimum": 5, "maximum": 120}}}));
        for ok in ["5", "99", "120", "7"] {
            assert!(accepts(&gr, &call(&format!(r#"{{"n":{ok}}}"#))), "{ok}");
        }
        for bad in ["4", "121", "0", "-5", "1.5", "007", "1e2"] {
            assert!(!accepts(&gr, &call(&format!(r#"{{"n":{bad}}}"#))), "{bad}");
        }
        // "1" is a feasible prefix (10..=19), "13" too, "130" not
        assert!(prefix_ok(&gr, r#"[{"name":"f","arguments":{"n":13"#));
        assert!(!prefix_ok(&gr, r#"[{"name":"f","arguments":{"n":130"#));
        assert!(!prefix_ok(&gr, r#"[{"name":"f","arguments":{"n":-"#));
        let neg = g(json!({"type": "object", "properties": {"n": {"type": "integer", "maximum": -3}}}));
        assert!(accepts(&neg, &call(r#"{"n":-3}"#)));
        assert!(accepts(&neg, &call(r#"{"n":-1000}"#)));
        assert!(!prefix_ok(&neg, r#"[{"name":"f","arguments":{"n":1"#));
        assert!(!accepts(&neg, &call(r#"{"n":-2}"#)));
        assert!(!prefix_ok(&neg, r#"[{"name":"f","arguments":{"n":-0"#));
    }

    #[test]
    fn numbers_fractions_bounds_and_cap() {
        let gr = g(json!({"type": "object", "properties": {"x": {"type": "number", "minimum": 0.5, "maximum": 1.5}}}));
        for ok in ["0.5", "1", "1.25", "1.5", "0.75"] {
            assert!(accepts(&gr, &call(&format!(r#"{{"x":{ok}}}"#))), "{ok}");
        }
        for bad in ["0.4", "1.51", "2", "0", "-1", "1.", ".5"] {
            assert!(!accepts(&gr, &call(&format!(r#"{{"x":{bad}}}"#))), "{bad}");
        }
        let free = g(json!({"type": "object", "properties": {"x": {"type": "number"}}}));
        for ok in ["-0.5", "1e5", "2.5E-10", "0", "-0", "12345678901234567890"] {
            assert!(accepts(&free, &call(&format!(r#"{{"x":{ok}}}"#))), "{ok}");
        }
        // length cap: 21 chars refused, exponent digits capped
        assert!(!prefix_ok(&free, r#"[{"name":"f","arguments":{"x":123456789012345678901"#));
        assert!(!prefix_ok(&free, r#"[{"name":"f","arguments":{"x":1e100"#));
        // a fraction that cannot be finished within the cap is refused
        assert!(!prefix_ok(&free, r#"[{"name":"f","arguments":{"x":1234567890123456789."#));
    }

    #[test]
    fn regression_bounded_number_precision() {
        // found by the property test: -0.49999999999999997 was accepted for maximum -0.5 (its
        // 17-digit mantissa rounded to 0.5 here but parses as -0.49999999999999994).
        let gr = g(json!({"type": "object", "properties": {"x": {"type": "number", "maximum": -0.5}}}));
        assert!(!prefix_ok(&gr, r#"[{"name":"f","arguments":{"x":-0.4999999999999999"#));
        assert!(!accepts(&gr, &call(r#"{"x":-0.49999999999999997}"#)));
        assert!(accepts(&gr, &call(r#"{"x":-0.500000000000001}"#)));
        // bounds beyond the significant-digit budget make the schema unsatisfiable, not a dead end
        let big = g(json!({"type": "object", "properties": {"n": {"type": "integer", "minimum": 1e17}}}));
        assert!(accepts(&big, &call("{}")));
        assert!(!prefix_ok(&big, r#"[{"name":"f","arguments":{""#));
    }

    #[test]
    fn enums_consts_bool_null_and_type_lists() {
        let gr = g(json!({"type": "object", "properties": {
            "e": {"type": "string", "enum": ["red", "green", "re"]},
            "k": {"const": 3},
            "b": {"type": "boolean"},
            "o": {"type": ["string", "null"]},
            "m": {"enum": [1, 12, null, "x"]}}}));
        assert!(accepts(&gr, &call(r#"{"e":"re","k":3,"b":false,"o":null,"m":12}"#)));
        assert!(accepts(&gr, &call(r#"{"e":"red","o":"s","m":1}"#)));
        assert!(accepts(&gr, &call(r#"{"m":null}"#)));
        assert!(!accepts(&gr, &call(r#"{"e":"blue"}"#)));
        assert!(!accepts(&gr, &call(r#"{"k":4}"#)));
        assert!(!accepts(&gr, &call(r#"{"b":1}"#)));
        assert!(!accepts(&gr, &call(r#"{"m":2}"#)));
        assert!(!accepts(&gr, &call(r#"{"o":1}"#)));
    }

    #[test]
    fn arrays_items_and_counts() {
        let gr = g(json!({"type": "object", "properties": {
            "a": {"type": "array", "items": {"type": "integer"}, "minItems": 1, "maxItems": 2}}}));
        assert!(accepts(&gr, &call(r#"{"a":[1]}"#)));
        assert!(accepts(&gr, &call(r#"{"a":[1,2]}"#)));
        assert!(!accepts(&gr, &call(r#"{"a":[]}"#)));
        assert!(!prefix_ok(&gr, r#"[{"name":"f","arguments":{"a":[1,2,"#));
        assert!(!prefix_ok(&gr, r#"[{"name":"f","arguments":{"a":["x"#));
    }

    #[test]
    fn nested_objects_unions_and_any() {
        let gr = g(json!({"type": "object", "properties": {
            "p": {"type": "object", "properties": {"q": {"type": "integer"}, "r": {"type": "string"}}, "required": ["r"]},
            "u": {"anyOf": [{"type": "integer"}, {"type": "object", "properties": {"v": {"type": "boolean"}}}]},
            "w": {"oneOf": [
                {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]},
                {"type": "object", "properties": {"b": {"type": "integer"}}, "required": ["b"]}]},
            "any": {},
            "free": {"type": "object"}}}));
        assert!(accepts(
            &gr,
            &call(r#"{"p":{"r":"x"},"u":{"v":true},"w":{"b":2},"any":[1,{"k":null}],"free":{"z":"y"}}"#)
        ));
        assert!(accepts(&gr, &call(r#"{"u":7,"w":{"a":1}}"#)));
        assert!(!accepts(&gr, &call(r#"{"p":{"q":1}}"#)));
        assert!(!accepts(&gr, &call(r#"{"w":{}}"#)));
        assert!(!accepts(&gr, &call(r#"{"u":"s"}"#)));
    }

    #[test]
    fn anyof_with_sibling_keywords_merges() {
        let gr = g(json!({"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}},
            "anyOf": [{"required": ["a"]}, {"required": ["b"]}]}));
        assert!(accepts(&gr, &call(r#"{"a":"x"}"#)));
        assert!(accepts(&gr, &call(r#"{"b":"x"}"#)));
        assert!(!accepts(&gr, &call(r#"{}"#)));
    }

    #[test]
    fn unsatisfiable_tools_are_not_callable() {
        let gr = Arc::new(Grammar::new(&[
            json!({"name": "bad", "parameters": {"type": "object", "properties": {"n": {"type": "integer", "minimum": 3, "maximum": 2}}, "required": ["n"]}}),
            json!({"name": "ok", "parameters": {"type": "object", "properties": {"n": {"type": "integer", "minimum": 3, "maximum": 2}}}}),
        ]));
        assert!(!prefix_ok(&gr, r#"[{"name":"b"#));
        assert!(accepts(&gr, r#"[{"name":"ok","arguments":{}}]"#));
        assert!(!prefix_ok(&gr, r#"[{"name":"ok","arguments":{""#));
        let none = Arc::new(Grammar::new(&[]));
        assert!(accepts(&none, "[]"));
        assert!(!prefix_ok(&none, "[{"));
    }

    fn synthetic_vocab() -> VocabTrie {
        let mut toks: Vec<Option<Vec<u8>>> = vec![None, None, None, None, None];
        for b in 0..=255u8 {
            toks.push(Some(vec![b]));
        }
        for s in ["\"},{\"", "\":\"", "true", "123", "name", "\"name\":\"", "[{\"", "\"}}]", "\",\"", "}}", "]", "\"}"]
        {
            toks.push(Some(s.as_bytes().to_vec()));
        }
        VocabTrie::new(toks, Some(2))
    }

    #[test]
    fn mask_tokens_spanning_punctuation() {
        let gr = g(json!({"type": "object", "properties": {"s": {"type": "string"}}, "required": ["s"]}));
        let v = synthetic_vocab();
        let mut c = ConstraintState::new(gr);
        let mut out = Vec::new();
        c.allowed_tokens(&v, &mut out);
        let has = |out: &Vec<u32>, s: &str| out.iter().any(|&t| v.token_bytes(t) == Some(s.as_bytes()));
        assert!(has(&out, "[") && has(&out, "[{\"") && out.len() == 2);
        assert!(c.advance_bytes(b"[{\"name\":\"f\",\"arguments\":{\"s\":\"abc"));
        c.allowed_tokens(&v, &mut out);
        assert!(has(&out, "\"}}]") && has(&out, "\"}") && has(&out, "name") && has(&out, "\",\"") == false);
        assert!(!has(&out, "\n"));
        assert!(!out.contains(&2));
        assert!(c.advance_bytes(b"\"}}]"));
        c.allowed_tokens(&v, &mut out);
        assert_eq!(out, vec![2]);
        assert!(c.advance_token(&v, 2));
        c.allowed_tokens(&v, &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn fast_string_path_matches_trie_walk() {
        // The per-token classification inside strings must agree with the byte-level walk.
        let gr = g(json!({"type": "object", "properties": {"s": {"type": "string"}, "t": {"type": "integer"},
            "u": {"anyOf": [{"type": "object", "properties": {"s": {"type": "string"}}},
                            {"type": "object", "properties": {"s": {"type": "string"}, "t": {"type": "integer"}}}]}}}));
        let v = synthetic_vocab();
        for pre in ["abc", "", "\\u00", "x".repeat(250).as_str(), "a\",\"u\":{\"s\":\"x"] {
            let mut c = ConstraintState::new(gr.clone());
            assert!(c.advance_bytes(format!("[{{\"name\":\"f\",\"arguments\":{{\"s\":\"{pre}").as_bytes()));
            let mut fast = Vec::new();
            c.allowed_tokens(&v, &mut fast);
            let mut slow = Vec::new();
            c.scratch[0].clone_from(&c.st);
            walk(&c.g, &v, 0, 0, &mut c.scratch, &mut slow);
            fast.sort();
            slow.sort();
            assert_eq!(fast, slow, "prefix {pre:?}");
        }
    }
}
