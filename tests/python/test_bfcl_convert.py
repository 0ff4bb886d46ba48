"""scripts/bfcl_to_jsonl.py conversion on inline BFCL-style literals (no network, no wheel)."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import bfcl_to_jsonl as conv  # noqa: E402


def test_scalar_type_mapping():
    for gorilla, expected in [
        ("dict", "object"), ("float", "number"), ("tuple", "array"), ("any", "string"),
        ("integer", "integer"), ("string", "string"), ("boolean", "boolean"), ("array", "array"),
    ]:
        assert conv.convert_schema({"type": gorilla}) == {"type": expected}


def test_unknown_type_is_an_error():
    with pytest.raises(ValueError):
        conv.convert_schema({"type": "complex128"})


def test_recursive_mapping_keeps_schema_keys():
    fn = {
        "name": "hotel.book",
        "description": "Book a hotel.",
        "parameters": {
            "type": "dict",
            "properties": {
                "stay": {
                    "type": "dict",
                    "description": "Stay details.",
                    "properties": {
                        "nights": {"type": "integer", "default": 1},
                        "budget": {"type": "float", "optional": True},
                        "coords": {"type": "tuple", "items": {"type": "float"}},
                    },
                    "required": ["nights"],
                },
                "rooms": {
                    "type": "array",
                    "items": {"type": "dict", "properties": {"kind": {"type": "string", "enum": ["single", "double"]}}},
                },
                "note": {"type": "any", "description": "Anything."},
            },
            "required": ["stay"],
        },
    }
    tool = conv.convert_tool(fn)
    assert tool["name"] == "hotel.book" and tool["description"] == "Book a hotel."
    p = tool["parameters"]
    assert p["type"] == "object" and p["required"] == ["stay"]
    stay = p["properties"]["stay"]
    assert stay["type"] == "object" and stay["required"] == ["nights"] and stay["description"] == "Stay details."
    assert stay["properties"]["nights"] == {"type": "integer", "default": 1}
    assert stay["properties"]["budget"] == {"type": "number"}  # non-standard `optional` dropped
    assert stay["properties"]["coords"] == {"type": "array", "items": {"type": "number"}}
    rooms = p["properties"]["rooms"]
    assert rooms["type"] == "array" and rooms["items"]["type"] == "object"
    assert rooms["items"]["properties"]["kind"] == {"type": "string", "enum": ["single", "double"]}
    assert p["properties"]["note"] == {"type": "string", "description": "Anything."}
    # the input is not modified
    assert fn["parameters"]["type"] == "dict"


def test_tool_without_parameters_gets_empty_object():
    tool = conv.convert_tool({"name": "ping", "description": "Ping."})
    assert tool["parameters"] == {"type": "object", "properties": {}, "required": []}


def test_query_is_last_user_message_without_system():
    question = [[
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "ok"},
        {"role": "user", "content": "second"},
    ]]
    assert conv.last_user_message(question) == "second"
    assert conv.last_user_message([[{"role": "user", "content": "only"}]]) == "only"


def test_entry_answers_follow_category():
    entry = {
        "id": "simple_python_0",
        "question": [[{"role": "user", "content": "Area of base 10 height 5?"}]],
        "function": [{"name": "area", "description": "", "parameters": {
            "type": "dict", "properties": {"base": {"type": "integer"}}, "required": ["base"]}}],
    }
    gt = [{"area": {"base": [10], "unit": ["units", ""]}}]
    row = conv.convert_entry(entry, "simple_python", {"simple_python_0": gt})
    assert row == {
        "id": "simple_python_0", "category": "simple_python",
        "tools": [{"name": "area", "description": "", "parameters": {
            "type": "object", "properties": {"base": {"type": "integer"}}, "required": ["base"]}}],
        "query": "Area of base 10 height 5?", "answers": gt,
    }
    for cat in ("irrelevance", "live_irrelevance", "live_relevance"):
        assert conv.convert_entry(dict(entry, id="x"), cat, {})["answers"] == []
    with pytest.raises(KeyError):
        conv.convert_entry(entry, "multiple", {})
