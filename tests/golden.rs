//! The contract's golden cases (docs/model-format.md, tests/golden/render.jsonl): the Rust
//! rendering of each normalised tool equals `text`, and its token ids per the contract (with
//! the fixture tokenizer) equal `ids`; queries and outputs likewise when the line has them.

use serde_json::Value;
use tokenizers::Tokenizer;

use needle::model::{segment, Manifest};
use needle::render::render_tool;
use needle::tools;

fn root() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn ids(tok: &Tokenizer, text: &str) -> Vec<u32> {
    tok.encode(text, false).unwrap().get_ids().to_vec()
}

fn as_ids(v: &Value) -> Vec<u32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as u32)
        .collect()
}

#[test]
fn golden_render_and_ids() {
    let golden = root().join("tests/golden/render.jsonl");
    let text =
        std::fs::read_to_string(&golden).unwrap_or_else(|e| panic!("{}: {e}", golden.display()));
    let model = root().join("tests/fixtures/tiny-model");
    let manifest = Manifest::load(&model).unwrap();
    let tok = Tokenizer::from_file(model.join(&manifest.files.tokenizer)).unwrap();
    let sp = &manifest.special_tokens;
    let mut n = 0;
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let case: Value = serde_json::from_str(line).unwrap();
        let tool =
            tools::normalize(&case["tool"]).unwrap_or_else(|e| panic!("line {}: {e}", i + 1));
        let rendered = render_tool(&tool);
        assert_eq!(
            rendered,
            case["text"].as_str().unwrap(),
            "line {}: rendering",
            i + 1
        );
        let seg = segment(sp.tool, &ids(&tok, &rendered), manifest.max_tool_tokens);
        assert_eq!(seg, as_ids(&case["ids"]), "line {}: tool ids", i + 1);
        if let Some(q) = case.get("query").and_then(Value::as_str) {
            let seg = segment(sp.query, &ids(&tok, q.trim()), manifest.max_query_tokens);
            assert_eq!(seg, as_ids(&case["query_ids"]), "line {}: query ids", i + 1);
        }
        if let (Some(answers), Some(out_ids)) = (
            case.get("answers"),
            case.get("output_ids").filter(|v| v.is_array()),
        ) {
            let mut expect = ids(&tok, &serde_json::to_string(answers).unwrap());
            expect.push(sp.eos);
            assert_eq!(expect, as_ids(out_ids), "line {}: output ids", i + 1);
        }
        n += 1;
    }
    assert!(n > 0, "no golden cases in {}", golden.display());
}
