"""The rendering contract (docs/model-format.md §2-4) against the shared goldens."""
import json

from conftest import FIXTURE, ROOT
from tokenizers import Tokenizer

from pipeline.golden import CASES
from pipeline.pack import make_encoder, output_ids_classes
from pipeline.render import render_answers, render_answers_classes, render_tool

GOLDEN = ROOT / "tests" / "golden" / "render.jsonl"


def goldens():
    return [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines()]


def test_goldens_cover_every_case():
    assert [g["tool"] for g in goldens()] == [c[0] for c in CASES]


def test_rendered_text_matches_goldens():
    for g in goldens():
        assert render_tool(g["tool"]) == g["text"]


def test_token_ids_match_goldens():
    enc = make_encoder(str(FIXTURE / "tokenizer.json"))
    for g in goldens():
        assert enc.tool_ids(g["tool"]) == g["ids"]
        assert enc.query_ids(g["query"]) == g["query_ids"]
        assert enc.output_ids(g["answers"]) == g["output_ids"]
        assert g["ids"][0] == 3 and g["query_ids"][0] == 4 and g["output_ids"][-1] == 2


def test_pruning_drops_unknown_keywords_and_orders_known_ones():
    text = render_tool({"name": "t", "parameters": {"properties": {"b": {"maximum": 3, "type": "integer", "title": "x"},
                                                                   "a": {"type": "string"}}, "type": "object"}})
    assert text == ('{"name":"t","description":"","parameters":{"type":"object","properties":'
                    '{"b":{"type":"integer","maximum":3},"a":{"type":"string"}}}}')


def test_tokenizer_round_trips_text():
    tok = Tokenizer.from_file(str(FIXTURE / "tokenizer.json"))
    for g in goldens():
        assert tok.decode(g["ids"][1:], skip_special_tokens=False) == g["text"]


def test_answer_classes_align_with_text():
    answers = [{"name": "f", "arguments": {"a": "x y", "n": 2}}, {"name": "g", "arguments": {}}]
    text, classes = render_answers_classes(answers)
    assert text == render_answers(answers) == '[{"name":"f","arguments":{"a":"x y","n":2}},{"name":"g","arguments":{}}]'
    assert len(classes) == len(text)
    weight_of = lambda s: classes[text.index(s)]
    assert (weight_of('"f"'), weight_of('"a"'), weight_of('"x y"'), weight_of("[")) == (1, 2, 3, 0)


def test_output_ids_end_with_eos_and_carry_value_weights():
    enc = make_encoder(str(FIXTURE / "tokenizer.json"))
    ids, classes = output_ids_classes(enc, [{"name": "set_lights", "arguments": {"room": "kitchen"}}])
    assert ids[-1] == 2 and len(ids) == len(classes) and 3 in classes and 1 in classes
