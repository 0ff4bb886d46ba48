"""ToolAlpaca eval sets (Apache-2.0): 21 APIs, natural-language function docs.

Each function's doc reads `Parameters: {"p": "Required. string. One of: [a, b]. Description"}`;
that text is parsed into a JSON Schema. The candidates of a row are all functions of its API.
Gold answers are ReAct steps (`Action`, `Action_Input` JSON); a row is kept when every step's
input parses and holds no `${x from earlier}` reference (such a step needs an earlier output).
Rows with no parseable doc fall back to string parameters seen in the gold input.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Iterator

from pipeline.convert.common import Skip, rows_from, row

SOURCE = "toolalpaca"
_PARAMS = re.compile(r"Parameters:\s*(\{.*?\})\s*\n(?:Output|$)", re.S)
_ENUM = re.compile(r"One of:\s*\[(.*?)\]\.?\s*")
_TYPES = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean",
          "array": "array", "object": "object"}


def parse_param_text(text: str) -> tuple[dict, bool]:
    """"Required. integer. One of: [1, 2]. The page." -> ({type, enum?, description}, required)."""
    rest = text.strip()
    required = rest.startswith("Required.")
    if required:
        rest = rest[len("Required."):].strip()
    type_word, _, rest = rest.partition(". ")
    low = type_word.strip().lower()
    schema: dict = {}
    if low.startswith("array"):
        schema["type"] = "array"
        inner = re.search(r"\[(\w+)", type_word)
        if inner and inner.group(1).lower() in _TYPES:
            schema["items"] = {"type": _TYPES[inner.group(1).lower()]}
    else:
        schema["type"] = _TYPES.get(low.split("{")[0].strip(), "string")
    m = _ENUM.search(rest)
    if m and schema["type"] == "string":
        schema["enum"] = [v.strip() for v in m.group(1).split(",") if v.strip()]
        rest = _ENUM.sub("", rest)
    schema["description"] = rest.strip()
    return schema, required


def parse_function(name: str, doc: str) -> dict:
    description = doc.split("\n", 1)[0].strip()
    m = _PARAMS.search(doc)
    props, required = {}, []
    if m:
        for p, text in json.loads(m.group(1)).items():
            props[p], req = parse_param_text(str(text))
            if req:
                required.append(p)
    params = {"type": "object", "properties": props}
    if required:
        params["required"] = required
    return {"name": name, "description": description, "parameters": params}


def convert_one(item) -> Iterator[dict]:
    sid, query, tools, steps = item
    if any("${" in s.get("Action_Input", "") for s in steps):
        raise Skip("refers_to_earlier_call")
    answers = [{"name": s["Action"], "arguments": json.loads(s.get("Action_Input") or "{}")} for s in steps]
    yield row(SOURCE, sid, query, tools, answers)


def read_items(corpus_root: Path) -> list:
    items = []
    for split in ("eval_real", "eval_simulated"):
        apis = json.loads((Path(corpus_root) / "toolalpaca" / "data" / f"{split}.json").read_text())
        for api in apis:
            tools = [parse_function(n, d) for n, d in api["Function_Description"].items()
                     if n != "components"]
            for i, (q, steps) in enumerate(zip(api["Instructions"], api["Golden_Answers"])):
                items.append((f"{split}-{api['Name']}-{i}", q, tools, steps))
    return items


def convert(corpus_root: Path) -> Iterator[dict]:
    yield from rows_from(read_items(corpus_root), convert_one)
