//! The grammar compiler: tools -> the output language's node graph ([`Grammar`]), and which
//! tools can never be called ([`uncallable`]).

use super::*;

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
pub(super) enum Node {
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
pub(super) struct LitNode {
    pub(super) children: Vec<(u8, u32)>,
    /// Index of the literal ending here, or NONE.
    pub(super) term: u32,
    /// Bitmask of literal indices (< 64) at or below this node.
    pub(super) mask: u64,
}

#[derive(Clone, Debug)]
pub(super) struct ToolInfo {
    pub(super) name: String,
    pub(super) params: u32,
}

/// The compiled output grammar for one tool set.
#[derive(Clone, Debug)]
pub struct Grammar {
    pub(super) nodes: Vec<Node>,
    pub(super) lits: Vec<LitNode>,
    pub(super) call_root: u32,
    pub(super) tools: Vec<ToolInfo>,
    pub(super) opts: GrammarOptions,
    pub(super) lit_cache: HashMap<Vec<Vec<u8>>, u32>,
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

pub(super) const UNENFORCED_KEYWORDS: &[&str] = &[
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

pub(super) fn json_bytes(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).expect("serialising a JSON value")
}

pub(super) fn type_matches(v: &Value, t: &str) -> bool {
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
pub(super) fn merge_schema(base: &Map<String, Value>, alt: &Value) -> Value {
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
        debug_assert_eq!(t, TRUE_FALSE_NULL);
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

    pub(super) fn push(&mut self, n: Node) -> u32 {
        self.nodes.push(n);
        (self.nodes.len() - 1) as u32
    }

    pub(super) fn new_lnode(&mut self) -> u32 {
        self.lits.push(LitNode { children: Vec::new(), term: NONE, mask: 0 });
        (self.lits.len() - 1) as u32
    }

    pub(super) fn lchild(&self, node: u32, b: u8) -> u32 {
        for &(cb, c) in &self.lits[node as usize].children {
            if cb == b {
                return c;
            }
        }
        NONE
    }

    pub(super) fn build_trie(&mut self, words: &[Vec<u8>]) -> u32 {
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

    pub(super) fn lit_node(&mut self, mut words: Vec<Vec<u8>>) -> u32 {
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

    pub(super) fn union(&mut self, alts: Vec<u32>) -> u32 {
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

    pub(super) fn lit_words(&self, root: u32) -> Vec<Vec<u8>> {
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

    pub(super) fn note_unenforced(&mut self, o: &Map<String, Value>) {
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

    pub(super) fn compile(&mut self, s: &Value, depth: usize) -> u32 {
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

    pub(super) fn compile_num(&mut self, o: &Map<String, Value>, integer: bool) -> u32 {
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

    pub(super) fn compile_obj(&mut self, o: &Map<String, Value>, depth: usize) -> u32 {
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

    pub(super) fn compile_arr(&mut self, o: &Map<String, Value>, depth: usize) -> u32 {
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
