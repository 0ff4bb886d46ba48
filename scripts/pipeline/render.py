"""Rendering of tools, queries and answers into text and token ids (docs/model-format.md §2-4).

The Rust runtime (crates/core/src/render.rs) implements the same rules; tests/golden/render.jsonl pins both.
"""
from __future__ import annotations

import json

# Schema keywords kept when a tool is rendered, in the order they are written.
KEPT_KEYWORDS = (
    "type", "description", "enum", "const", "properties", "required", "items", "anyOf", "oneOf",
    "minimum", "maximum", "minItems", "maxItems", "default", "format",
)


def prune_schema(schema):
    """Keep only KEPT_KEYWORDS, in that order, recursively (properties keep their source order)."""
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key in KEPT_KEYWORDS:
        if key not in schema:
            continue
        value = schema[key]
        if key == "properties" and isinstance(value, dict):
            value = {name: prune_schema(sub) for name, sub in value.items()}
        elif key == "items":
            value = prune_schema(value)
        elif key in ("anyOf", "oneOf") and isinstance(value, list):
            value = [prune_schema(sub) for sub in value]
        out[key] = value
    return out


def prune_tool(tool: dict) -> dict:
    params = tool.get("parameters") or {"type": "object", "properties": {}}
    return {
        "name": tool["name"],
        "description": tool.get("description") or "",
        "parameters": prune_schema(params),
    }


def dumps(value) -> str:
    """Compact JSON, non-ASCII kept as is: the one JSON writing used everywhere in the contract."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def render_tool(tool: dict) -> str:
    return dumps(prune_tool(tool))


def render_answers(answers: list[dict]) -> str:
    """Decoder output text: `[{"name":..,"arguments":{..}}, ...]` (keys name, arguments)."""
    return dumps([{"name": a["name"], "arguments": a.get("arguments") or {}} for a in answers])


def order_arguments(tool: dict, arguments: dict) -> dict:
    """Argument keys in the order of the tool's properties (unknown keys last, in given order)."""
    props = list(((tool.get("parameters") or {}).get("properties") or {}).keys())
    ordered = {k: arguments[k] for k in props if k in arguments}
    ordered.update({k: v for k, v in arguments.items() if k not in ordered})
    return ordered


class Encoder:
    """Token ids per the contract; wraps a `tokenizers.Tokenizer` and the manifest's numbers."""

    def __init__(self, tokenizer, special: dict, max_tool_tokens: int, max_query_tokens: int,
                 max_output_tokens: int):
        self.tok = tokenizer
        self.special = special
        self.max_tool_tokens = max_tool_tokens
        self.max_query_tokens = max_query_tokens
        self.max_output_tokens = max_output_tokens

    def ids(self, text: str) -> list[int]:
        return self.tok.encode(text, add_special_tokens=False).ids

    def tool_ids(self, tool: dict) -> list[int]:
        return ([self.special["tool"]] + self.ids(render_tool(tool)))[: self.max_tool_tokens]

    def query_ids(self, query: str) -> list[int]:
        return ([self.special["query"]] + self.ids(query.strip()))[: self.max_query_tokens]

    def output_ids(self, answers: list[dict]) -> list[int]:
        """Decoder target without bos; ends with eos. None when too long to train on."""
        ids = self.ids(render_answers(answers)) + [self.special["eos"]]
        return ids if len(ids) <= self.max_output_tokens else None


# Loss weights per output token (Needle: values 4x, names 2x, keys 1.5x, the rest 1x).
W_OTHER, W_NAME, W_KEY, W_VALUE = 0, 1, 2, 3
CLASS_WEIGHTS = (1.0, 2.0, 1.5, 4.0)


def render_answers_classes(answers: list[dict]) -> tuple[str, list[int]]:
    """render_answers() text plus a class (W_*) for every character of it."""
    parts: list[tuple[str, int]] = [("[", W_OTHER)]
    for i, call in enumerate(answers):
        if i:
            parts.append((",", W_OTHER))
        parts += [('{"name":', W_OTHER), (dumps(call["name"]), W_NAME), (',"arguments":{', W_OTHER)]
        for j, (key, value) in enumerate((call.get("arguments") or {}).items()):
            if j:
                parts.append((",", W_OTHER))
            parts += [(dumps(key), W_KEY), (":", W_OTHER), (dumps(value), W_VALUE)]
        parts.append(("}}", W_OTHER))
    parts.append(("]", W_OTHER))
    text = "".join(t for t, _ in parts)
    classes = [c for t, c in parts for _ in t]
    return text, classes
