"""Goldens of the format 4 sequence (docs/model-format.md): requests and tools -> ids, parameter
positions and enum member spans, as pipeline.sequence builds them. The Rust side
(`tests/sequence_golden.rs`) builds the same from the same lines with the same tokenizer.

    scripts/py -m pipeline.golden     # writes tests/golden/sequence.jsonl
"""
from __future__ import annotations

import json
from pathlib import Path

from pipeline.sequence import encode_pair, request_ids, tool_line, tool_line_ids
from pipeline.minilm import tokenizer

OUT = Path(__file__).resolve().parents[2] / "tests/golden/sequence.jsonl"

CASES = [
    ("turn off the kitchen lights",
     {"name": "set_lights", "description": "Switch the lights of a room on or off, or dim them.",
      "parameters": {"type": "object", "properties": {
          "room": {"type": "string", "description": "Room name"},
          "on": {"type": "boolean"},
          "brightness": {"type": "integer", "minimum": 0, "maximum": 100, "default": 100}},
          "required": ["room"]}}),
    ("send 30 dollars to María and 20 € to Joe — urgently!",
     {"name": "send_money", "description": "  Send money  ",
      "parameters": {"type": "object", "properties": {
          "recipient": {"type": ["string", "null"], "description": "Who gets it"},
          "amount": {"type": "number"},
          "currency": {"type": "string", "enum": ["USD", "EUR", "GBP", ""]},
          "tags": {"type": "array", "items": {"type": "string", "enum": ["gift", "rent", 3, None]}},
          "options": {"type": "object", "properties": {
              "priority": {"type": "string", "enum": ["low", "high_priority"], "default": "low"},
              "note": {"description": "free text"}}}},
          "required": ["recipient", "amount"]}}),
    ("list issues in owner/repo labelled bug since 2026-01-05T10:00:00Z",
     {"name": "list_issues", "description": "",
      "parameters": {"type": "object", "properties": {
          "owner": {"type": "string"}, "repo": {"type": "string"},
          "labels": {"type": "array", "items": {"type": "string"}},
          "since": {"type": "string", "format": "date-time", "description": "ISO 8601 timestamp"},
          "state": {"type": "string", "enum": [f"state_{i}" for i in range(30)]}}}}),
    ("x " * 120,
     {"name": "many", "description": "d " * 60,
      "parameters": {"type": "object", "properties": {
          f"p{i}": {"type": "string", "description": "a long description " * 5} for i in range(30)}}}),
    ("", {"name": "ping", "parameters": {"type": "object", "properties": {}}}),
]


def main():
    tok = tokenizer()
    with OUT.open("w") as f:
        for request, tool in CASES:
            pair = encode_pair(tok, request, tool)
            f.write(json.dumps({"request": request, "tool": tool, "ids": pair.ids,
                                "param_paths": [p.path for p in pair.params], "param_pos": pair.param_pos,
                                "member_spans": pair.member_spans, "request_ids": request_ids(tok, request),
                                "tool_line": tool_line(tool), "tool_line_ids": tool_line_ids(tok, tool)},
                               ensure_ascii=False) + "\n")
    print(f"{OUT}: {len(CASES)} cases")


if __name__ == "__main__":
    main()
