//! Unit tests of the grammar, the matcher, the vocabulary walk and the filter.

use super::filter::*;
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
        crate::decode::LogitsFilter::advance(f, b as u32 + 1);
    }
}

#[test]
fn the_filter_knows_where_complete_calls_end_and_sees_a_repeat() {
    use crate::decode::{keep_complete_calls, LogitsFilter};
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
