"""Golden rendering cases shared by the Python and Rust tests (docs/model-format.md).

    scripts/py -m pipeline.golden --tokenizer tests/fixtures/tiny-model/tokenizer.json \
        --out tests/golden/render.jsonl

Each line: {"tool": <normalised tool>, "text": <rendered>, "ids": <tool segment ids>,
"query": <a query>, "query_ids": <query segment ids>, "answers": [...], "output_ids": [...]}.
"""
from __future__ import annotations

import argparse
import json

from tokenizers import Tokenizer

from pipeline.contract import MAX_OUTPUT_TOKENS, MAX_QUERY_TOKENS, MAX_TOOL_TOKENS, SPECIAL_IDS
from pipeline.render import Encoder, render_tool

CASES = [
    ({"name": "set_lights", "description": "Set the lights in a room.",
      "parameters": {"type": "object", "properties": {
          "room": {"type": "string", "description": "Room name"},
          "brightness": {"maximum": 100, "minimum": 0, "type": "integer", "title": "dropped"}},
          "required": ["room"], "additionalProperties": False}},
     "dim the kitchen to 10", [{"name": "set_lights", "arguments": {"room": "kitchen", "brightness": 10}}]),
    ({"name": "send_message", "parameters": {"type": "object", "properties": {
          "to": {"type": "array", "items": {"type": "string"}, "minItems": 1},
          "text": {"type": "string", "description": "Body, may hold \"quotes\", back\\slashes,\ttabs\nand newlines"},
          "urgent": {"type": "boolean", "default": False}}, "required": ["to", "text"]}},
     "  text Zoë and Ana: \"on my way\"  ", [{"name": "send_message", "arguments": {"to": ["Zoë", "Ana"], "text": "on my way"}}]),
    ({"name": "play", "description": "Lecture de médias — 音楽を再生 🎵",
      "parameters": {"type": "object", "properties": {
          "mode": {"enum": ["shuffle", "repeat", None], "description": "Playback mode"},
          "volume": {"type": "number", "minimum": 0.0, "maximum": 1.5},
          "target": {"anyOf": [{"type": "string"}, {"type": "object", "properties": {
              "id": {"type": "integer"}, "kind": {"const": "album"}}, "required": ["id"]}]},
          "extra": {"type": ["string", "null"], "format": "uri", "pattern": "^https://"}}}},
     "play album 42 on shuffle at 0.5", [{"name": "play", "arguments": {"mode": "shuffle", "volume": 0.5, "target": {"id": 42, "kind": "album"}}}]),
    ({"name": "noop"}, "hello there", []),
    ({"name": "calendar.create_event", "description": "Create an event.",
      "parameters": {"type": "object", "properties": {
          "when": {"type": "object", "properties": {"start": {"type": "string", "format": "date-time"},
                                                  "minutes": {"type": "integer", "minimum": 1}},
                   "required": ["start"]},
          "attendees": {"type": "array", "items": {"type": "object", "properties": {"email": {"type": "string"}}}, "maxItems": 50}},
          "required": ["when"]}},
     "book 30 min with bo@x.io at 2026-11-25T15:00", [{"name": "calendar.create_event", "arguments": {
         "when": {"start": "2026-11-25T15:00", "minutes": 30}, "attendees": [{"email": "bo@x.io"}]}}]),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tokenizer", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    write_goldens(args.tokenizer, args.out)


def write_goldens(tokenizer_path: str, out_path: str):
    enc = Encoder(Tokenizer.from_file(tokenizer_path), SPECIAL_IDS, MAX_TOOL_TOKENS, MAX_QUERY_TOKENS, MAX_OUTPUT_TOKENS)
    with open(out_path, "w", encoding="utf-8") as f:
        for tool, query, answers in CASES:
            line = {"tool": tool, "text": render_tool(tool), "ids": enc.tool_ids(tool), "query": query,
                    "query_ids": enc.query_ids(query), "answers": answers, "output_ids": enc.output_ids(answers)}
            f.write(json.dumps(line, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
