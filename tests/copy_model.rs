//! Format 3 (docs/model-format.md, "Format 3"): the Rust runtime against the Python one on the
//! fixture `tests/fixtures/tiny-copy-model` (random weights, real code): tool texts, segments
//! and surfaces, the chooser's cosines and choice, and the unconstrained greedy output of every
//! line of `tests/golden/copy_model.jsonl` (`scripts/py -m pipeline.fixture_copy` writes both);
//! then what the constraint and the no-call threshold guarantee.

use std::path::PathBuf;

use serde_json::Value;

use needle::copy_engine::CopyEngine;
use needle::copy_model::{segment, tool_text};
use needle::model::ModelOptions;
use needle::tools::{self, Tool};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn golden() -> Vec<Value> {
    let path = root().join("tests/golden/copy_model.jsonl");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn engine(tools: &[Tool]) -> CopyEngine {
    let mut e = CopyEngine::load(&root().join("tests/fixtures/tiny-copy-model"), &ModelOptions::default()).unwrap();
    e.set_tools(tools.to_vec()).unwrap();
    e
}

fn golden_tools(case: &Value) -> Vec<Tool> {
    case["tools"].as_array().unwrap().iter().map(|t| tools::normalize(t).unwrap()).collect()
}

fn u32s(v: &Value) -> Vec<u32> {
    v.as_array().unwrap().iter().map(|x| x.as_u64().unwrap() as u32).collect()
}

#[test]
fn tool_texts_and_segments_match_python() {
    let cases = golden();
    let mut e = engine(&[]);
    let man = e.model.manifest.clone();
    for case in &cases {
        for (i, tool) in golden_tools(case).iter().enumerate() {
            let text = tool_text(&tool.name, &tool.description, &tool.parameters);
            assert_eq!(text, case["tool_texts"][i].as_str().unwrap(), "tool_text of {}", tool.name);
            let seg = segment(&e.model.tokenizer, &text, man.max_tool_pieces, &man.special).unwrap();
            assert_eq!(seg.ids, u32s(&case["tool_ids"][i]), "tool ids of {}", tool.name);
        }
        let query = case["query"].as_str().unwrap();
        let seg = segment(&e.model.tokenizer, query.trim(), man.max_query_pieces, &man.special).unwrap();
        assert_eq!(seg.ids, u32s(&case["query_ids"]), "query ids of {query:?}");
        let surfaces: Vec<&str> = case["query_surfaces"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
        assert_eq!(seg.surfaces, surfaces, "query surfaces of {query:?}");
    }
    e.set_constrained(false);
}

#[test]
fn chooser_and_greedy_output_match_python() {
    let cases = golden();
    let mut e = engine(&golden_tools(&cases[0]));
    // The Python reference is plain greedy decoding: no constraint, no mask on `[]`.
    e.set_constrained(false);
    e.set_no_call_policy(needle::copy_engine::NoCallPolicy::Decoder);
    for case in &cases {
        let query = case["query"].as_str().unwrap();
        let (text, choice) = match e.predict_inner(query) {
            Ok((p, c)) => (p.raw_text, Some(c)),
            // Random weights rarely end their output: the error carries the text written.
            Err(err) => (err.downcast_ref::<needle::decode::OutputError>().expect("an output error").raw_text.clone(), None),
        };
        assert_eq!(text, case["text"].as_str().unwrap(), "greedy output for {query:?}");
        if let Some(c) = choice {
            assert_eq!(c.chosen, case["chosen"].as_array().unwrap().iter().map(|x| x.as_u64().unwrap() as usize).collect::<Vec<_>>());
        }
    }
}

#[test]
fn chooser_cosines_match_python() {
    let cases = golden();
    let tools = golden_tools(&cases[0]);
    let mut e = engine(&tools);
    // No tool reaches a cosine of 2: every line answers [] without decoding.
    e.model.manifest.no_call_threshold = 2.0;
    for case in &cases {
        let (p, c) = e.predict_inner(case["query"].as_str().unwrap()).unwrap();
        assert!(p.calls.is_empty() && p.steps == 0 && p.raw_text == "[]");
        for (got, want) in c.cosines.iter().zip(case["cosines"].as_array().unwrap()) {
            assert!((*got as f64 - want.as_f64().unwrap()).abs() < 1e-4, "cosine {got} vs {want}");
        }
        let chosen: Vec<usize> = case["chosen"].as_array().unwrap().iter().map(|x| x.as_u64().unwrap() as usize).collect();
        assert_eq!(c.chosen, chosen);
    }
}

#[test]
fn constrained_output_is_valid_calls_to_the_chosen_tools() {
    let cases = golden();
    let tools = golden_tools(&cases[0]);
    let mut e = engine(&tools);
    for case in &cases {
        let query = case["query"].as_str().unwrap();
        let (p, c) = e.predict_inner(query).unwrap_or_else(|err| panic!("{query:?}: {err}"));
        assert!(p.invalid.is_empty(), "{query:?}: invalid calls {:?}", p.invalid);
        let parsed: Value = serde_json::from_str(&p.raw_text).unwrap();
        // The fixture's threshold (-1) passes every line: the decoder must call, unless the
        // line was cut (the random-weight fixture may not finish a call within its budget).
        if p.ending == needle::decode::Ending::Eos {
            assert!(!parsed.as_array().unwrap().is_empty(), "{query:?}: the empty array after the chooser passed the line");
        }
        for call in parsed.as_array().unwrap() {
            let name = call["name"].as_str().unwrap();
            let i = tools.iter().position(|t| t.name == name).unwrap();
            assert!(c.chosen.contains(&i), "{query:?}: {name} is not among the chosen tools");
        }
    }
}

#[test]
fn no_call_floor_only_ever_removes_refusals() {
    // Decoder policy: `[]` stands only when its probability reaches no_call_min_probability.
    // Raising the floor can only turn refusals into calls; at 1 it refuses like the chooser
    // policy (never, once the chooser passed the line).
    let cases = golden();
    let tools = golden_tools(&cases[0]);
    let mut e = engine(&tools);
    e.set_no_call_policy(needle::copy_engine::NoCallPolicy::Chooser);
    let chooser: Vec<String> = cases.iter().map(|c| e.predict(c["query"].as_str().unwrap()).unwrap().raw_text).collect();
    e.set_no_call_policy(needle::copy_engine::NoCallPolicy::Decoder);
    let mut refused_before = usize::MAX;
    for floor in [0.0, 0.3, 0.6, 0.9, 1.0] {
        e.model.manifest.no_call_min_probability = floor;
        let texts: Vec<String> = cases.iter().map(|c| e.predict(c["query"].as_str().unwrap()).unwrap().raw_text).collect();
        let refused = texts.iter().filter(|t| t.as_str() == "[]").count();
        assert!(refused <= refused_before, "floor {floor}: {refused} refusals, more than at a lower floor");
        refused_before = refused;
        for (t, c) in texts.iter().zip(&chooser) {
            // A line either keeps the chooser policy's call or is refused.
            assert!(t == c || t == "[]", "floor {floor}: {t} is neither the call {c} nor []");
        }
        if floor == 1.0 {
            assert_eq!(texts, chooser);
        }
    }
}
