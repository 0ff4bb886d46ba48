//! The sequence contract (docs/model-format.md): for every line of
//! `tests/golden/sequence.jsonl` (written by `scripts/py -m pipeline.golden`),
//! the Rust side builds the same ids, parameter positions, enum member spans and bi-encoder
//! texts from the same request and tool, with MiniLM's tokenizer.

use serde_json::Value;
use tokenizers::Tokenizer;

use needle::model::sequence::{encode_pair, request_ids, tool_line, tool_line_ids};

fn root() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn numbers(v: &Value) -> Vec<usize> {
    v.as_array().unwrap().iter().map(|x| x.as_u64().unwrap() as usize).collect()
}

#[test]
fn sequences_match_the_python_pipeline() {
    // As the runtime loads it: the file's padding and truncation settings off.
    let mut tok = Tokenizer::from_file(root().join("tests/fixtures/tiny-model/tokenizer.json")).unwrap();
    tok.with_padding(None);
    tok.with_truncation(None).unwrap();
    let text = std::fs::read_to_string(root().join("tests/golden/sequence.jsonl")).unwrap();
    let mut cases = 0;
    for line in text.lines() {
        let g: Value = serde_json::from_str(line).unwrap();
        let request = g["request"].as_str().unwrap();
        let tool = &g["tool"];
        let (name, description) = (tool["name"].as_str().unwrap(), tool["description"].as_str().unwrap_or(""));
        let pair = encode_pair(&tok, request, name, description, &tool["parameters"]).unwrap();
        let ids: Vec<usize> = pair.ids.iter().map(|&i| i as usize).collect();
        assert_eq!(ids, numbers(&g["ids"]), "ids of {name}");
        let paths: Vec<&str> = g["param_paths"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
        assert_eq!(pair.params.iter().map(|p| p.path.as_str()).collect::<Vec<_>>(), paths, "parameters of {name}");
        assert_eq!(pair.param_pos, numbers(&g["param_pos"]), "parameter positions of {name}");
        let spans: Vec<Vec<(usize, usize)>> = g["member_spans"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_array().unwrap().iter().map(|ab| { let ab = numbers(ab); (ab[0], ab[1]) }).collect())
            .collect();
        assert_eq!(pair.member_spans, spans, "member spans of {name}");
        let req: Vec<usize> = request_ids(&tok, request).unwrap().iter().map(|&i| i as usize).collect();
        assert_eq!(req, numbers(&g["request_ids"]), "request ids of {name}");
        assert_eq!(tool_line(name, description, &tool["parameters"]), g["tool_line"].as_str().unwrap());
        let line_ids: Vec<usize> =
            tool_line_ids(&tok, name, description, &tool["parameters"]).unwrap().iter().map(|&i| i as usize).collect();
        assert_eq!(line_ids, numbers(&g["tool_line_ids"]), "tool line ids of {name}");
        cases += 1;
    }
    assert!(cases >= 5, "only {cases} golden cases");
}
