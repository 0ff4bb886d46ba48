"""Tests of the synthesis generator (pipeline.synth); hand-written tools only, no corpus needed."""

import json
import re

import jsonschema
import pytest

from pipeline.synth import generate, normalize_tool
from pipeline.synth.handwritten_tools import HANDWRITTEN_TOOLS

ISO = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2})?)?$|^\d{2}:\d{2}(:\d{2})?$")

# a few old-style (Seal-Tools) tools to exercise normalisation alongside the hand-written ones
SEAL = [
    {"api_name": "getBasketballScore", "api_description": "Retrieve the score of a basketball game",
     "parameters": {"team_name": {"type": "str", "description": "The name of the team (e.g., Lakers, Celtics)"},
                    "game_date": {"type": "str", "description": "The date of the game (e.g., 2021-10-15)"},
                    "overtime": {"type": "bool", "description": "Include overtime"}},
     "required": ["team_name"]},
    {"api_name": "calculateBMI", "api_description": "Calculate the body mass index",
     "parameters": {"weight": {"type": "float", "description": "Weight in kg"},
                    "height": {"type": "float", "description": "Height in meters"}},
     "required": ["weight", "height"]},
]


def _pool():
    return [dict(t) for t in HANDWRITTEN_TOOLS] + SEAL


@pytest.fixture(scope="module")
def rows():
    return list(generate(_pool(), 2000, seed=7))


def _strings(schema, value, out):
    """String values of an argument that must be grounded in the query (not enums, not ISO dates)."""
    if isinstance(value, str):
        if "enum" not in schema and not ISO.match(value):
            out.append(value)
    elif isinstance(value, list):
        for v in value:
            _strings(schema.get("items") or {}, v, out)
    elif isinstance(value, dict):
        props = schema.get("properties") or {}
        for k, v in value.items():
            _strings(props.get(k) or {}, v, out)


def test_count_and_shape(rows):
    assert len(rows) == 2000
    for i, r in enumerate(rows):
        assert list(r.keys()) == ["query", "tools", "answers", "source", "id"]
        assert r["id"] == f"synth:{i}"
        assert r["source"].startswith("synth:")
        assert r["query"].strip() == r["query"] and r["query"]
        assert 1 <= len(r["tools"]) <= 10
        for t in r["tools"]:
            assert list(t.keys()) == ["name", "description", "parameters"]
            assert t["parameters"]["type"] == "object"


def test_deterministic():
    a = [json.dumps(r, ensure_ascii=False) for r in generate(_pool(), 400, seed=3)]
    b = [json.dumps(r, ensure_ascii=False) for r in generate(_pool(), 400, seed=3)]
    c = [json.dumps(r, ensure_ascii=False) for r in generate(_pool(), 400, seed=4)]
    assert a == b
    assert a != c


def test_answers_valid_and_ordered(rows):
    for r in rows:
        by_name = {t["name"]: t for t in r["tools"]}
        assert len(by_name) == len(r["tools"]), "tool names must be unique in a row"
        for a in r["answers"]:
            assert list(a.keys()) == ["name", "arguments"]
            assert a["name"] in by_name
            params = by_name[a["name"]]["parameters"]
            jsonschema.validate(a["arguments"], params)
            order = list(params["properties"].keys())
            keys = list(a["arguments"].keys())
            assert keys == [k for k in order if k in a["arguments"]], (keys, order)


def test_grounding(rows):
    for r in rows:
        by_name = {t["name"]: t for t in r["tools"]}
        for a in r["answers"]:
            props = by_name[a["name"]]["parameters"]["properties"]
            for k, v in a["arguments"].items():
                need = []
                _strings(props[k], v, need)
                for s in need:
                    assert s in r["query"], (s, r["query"])


def test_mix(rows):
    n = len(rows)
    no_call = sum(1 for r in rows if not r["answers"])
    parallel = sum(1 for r in rows if len(r["answers"]) >= 2)
    assert 0.08 <= no_call / n <= 0.18, no_call / n
    assert 0.06 <= parallel / n <= 0.2, parallel / n
    kinds = {r["source"] for r in rows}
    assert {"synth:single", "synth:parallel_same", "synth:parallel_multi", "synth:nocall_chat",
            "synth:nocall_nearmiss"} <= kinds
    # same-tool parallel rows call one tool twice
    same = [r for r in rows if r["source"] == "synth:parallel_same"]
    assert all(len({a["name"] for a in r["answers"]}) == 1 for r in same)


def _style(name):
    if "." in name:
        return "dotted"
    if "-" in name:
        return "kebab"
    if "_" in name:
        return "snake"
    if name[:1].isupper():
        return "pascal"
    if any(c.isupper() for c in name):
        return "camel"
    return None  # one lower-case word: fits several styles


def test_name_styles_consistent():
    # hand-written tools are all snake_case, so in a row every multi-word name has one style,
    # and the answer uses exactly the name written in the tools list
    rows = list(generate([dict(t) for t in HANDWRITTEN_TOOLS], 800, seed=5))
    seen = set()
    for r in rows:
        multi = [t["name"] for t in r["tools"] if _style(t["name"])]
        st = {_style(n) for n in multi}
        assert len(st) <= 1, (multi, st)
        seen |= st
        names = {t["name"] for t in r["tools"]}
        assert all(a["name"] in names for a in r["answers"])
    assert {"dotted", "kebab", "snake", "pascal", "camel"} <= seen


def test_normalize_old_style():
    t = normalize_tool(SEAL[0])
    assert t["name"] == "getBasketballScore"
    p = t["parameters"]
    assert p["type"] == "object" and p["required"] == ["team_name"]
    assert p["properties"]["team_name"]["type"] == "string"
    assert p["properties"]["overtime"]["type"] == "boolean"


def test_skips_unfillable_tools():
    bad = {"name": "weird", "description": "", "parameters": {
        "type": "object", "properties": {"cfg": {"type": "object", "properties": {"x": {"type": "object"}}}},
        "required": ["cfg"]}}
    rows = list(generate([bad] + _pool(), 300, seed=1))
    assert not any(a["name"] == "weird" for r in rows for a in r["answers"])


def test_no_call_texts_used():
    extra = ["zzq unusual chit chat line"]
    rows = list(generate(_pool(), 1500, seed=2, no_call_pool=extra))
    assert any(extra[0] in r["query"].lower() for r in rows if r["source"] == "synth:nocall_chat")
