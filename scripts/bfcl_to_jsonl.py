"""Convert BFCL v4 single-turn categories into needle eval rows (EVALUATION ONLY, never training).

    scripts/py scripts/bfcl_to_jsonl.py [--out data/bfcl] [--categories simple_python,multiple,...]

Each output line of `<out>/<category>.jsonl`:

    {"id": ..., "category": ..., "tools": [{"name", "description", "parameters"}],
     "query": "...", "answers": [{"fn_name": {"arg": [acceptable values...]}}, ...]}

* tools: BFCL's Gorilla-style docs mapped to JSON Schema types, recursively through `properties`,
  `items` and `additionalProperties` (dict->object, float->number, tuple->array, any->string,
  see GORILLA_TO_JSON_SCHEMA). Kept keys: type, description, enum, default, required, items,
  properties, additionalProperties, format, minimum, maximum, minItems, maxItems. Dropped: BFCL's
  non-standard `optional` flag (optionality is already expressed by `required`).
* query: the LAST user message of the entry. System messages are omitted. Almost every entry has a
  single user message; a handful of live_irrelevance entries carry an earlier user/assistant
  exchange, and only the final user message is kept (documented in docs/accuracy.md).
* answers: BFCL's possible-answer convention verbatim: a list of calls, each
  `{name: {arg: [acceptable values...]}}`; `""` in a value list means the argument may be omitted.
  `answers: []` for irrelevance / live_irrelevance (no call should be made) and for live_relevance,
  which has no ground truth: its rule is "at least one call is made" and the scorer decides by
  category, not by the empty list.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pipeline.bfcl import REPO_ROOT, load_category, user_messages  # noqa: E402

CATEGORIES = [
    "simple_python", "multiple", "parallel", "parallel_multiple", "irrelevance",
    "live_simple", "live_multiple", "live_parallel", "live_parallel_multiple",
    "live_irrelevance", "live_relevance",
]
NO_CALL_CATEGORIES = {"irrelevance", "live_irrelevance"}
ANY_CALL_CATEGORIES = {"live_relevance"}

# Mirrors bfcl_eval/constants/type_mappings.py GORILLA_TO_OPENAPI.
GORILLA_TO_JSON_SCHEMA = {
    "integer": "integer", "number": "number", "float": "number", "string": "string",
    "boolean": "boolean", "bool": "boolean", "array": "array", "list": "array",
    "dict": "object", "object": "object", "tuple": "array", "any": "string",
    "byte": "integer", "short": "integer", "long": "integer", "double": "number",
    "char": "string", "ArrayList": "array", "Array": "array", "HashMap": "object",
    "Hashtable": "object", "Queue": "array", "Stack": "array", "Any": "string",
    "String": "string", "Bigint": "integer", "Boolean": "boolean",
}
KEEP_KEYS = {
    "type", "description", "enum", "default", "required", "items", "properties",
    "additionalProperties", "format", "minimum", "maximum", "minItems", "maxItems",
}


def map_type(t):
    if isinstance(t, list):  # ["string", "null"] style unions
        return [map_type(x) for x in t]
    if not isinstance(t, str):
        return t
    if t not in GORILLA_TO_JSON_SCHEMA:
        raise ValueError(f"unknown Gorilla type {t!r}")
    return GORILLA_TO_JSON_SCHEMA[t]


def convert_schema(schema):
    """Gorilla parameter schema -> JSON Schema, recursively."""
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key not in KEEP_KEYS:
            continue
        if key == "type":
            out[key] = map_type(value)
        elif key == "properties" and isinstance(value, dict):
            out[key] = {name: convert_schema(sub) for name, sub in value.items()}
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            out[key] = convert_schema(value)
        else:
            out[key] = value
    return out


def convert_tool(fn: dict) -> dict:
    params = convert_schema(fn.get("parameters") or {"type": "dict", "properties": {}})
    params.setdefault("type", "object")
    params.setdefault("properties", {})
    params.setdefault("required", [])
    return {"name": fn["name"], "description": fn.get("description", ""), "parameters": params}


def last_user_message(question: list) -> str:
    users = user_messages(question)
    if not users:
        raise ValueError("entry has no user message")
    return users[-1]


def convert_entry(entry: dict, category: str, answers: dict) -> dict:
    if category in NO_CALL_CATEGORIES or category in ANY_CALL_CATEGORIES:
        ans = []
    else:
        if entry["id"] not in answers:
            raise KeyError(f"{entry['id']}: no possible answer")
        ans = answers[entry["id"]]
    return {
        "id": entry["id"],
        "category": category,
        "tools": [convert_tool(f) for f in entry["function"]],
        "query": last_user_message(entry["question"]),
        "answers": ans,
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=REPO_ROOT / "data" / "bfcl")
    ap.add_argument("--categories", default=",".join(CATEGORIES),
                    help="comma-separated; missing optional categories (live_relevance) are skipped")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    total = 0
    for cat in [c for c in args.categories.split(",") if c]:
        try:
            questions, answers = load_category(cat)
        except KeyError:
            if cat == "live_relevance":
                print(f"{cat:24s} absent, skipped")
                continue
            raise
        rows = [convert_entry(q, cat, answers) for q in questions]
        path = args.out / f"{cat}.jsonl"
        with open(path, "w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        total += len(rows)
        print(f"{cat:24s} {len(rows):6d}  -> {path}")
    print(f"{'total':24s} {total:6d}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
