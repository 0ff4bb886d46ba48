"""HammerBench single-turn (Apache-2.0): mobile-assistant tools in JSON Schema.

- ST_Perfect / ST_External: the gold call is in the `function call` message.
- ir_ST_Perfect / ir_ST_External: the same queries with the gold tool removed from the
  candidates -> `answers: []` ("no tool fits").
- *Imperfect files are skipped (the gold call lacks arguments the user never gave), and
  ir_ST_External_v0.json duplicates ir_ST_External.json.
External rows carry a text message (`EK:`) the query refers to; it is kept in the query.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

from pipeline.convert.common import Skip, rows_from, row

SOURCE = "hammerbench"
FILES = (("ST_Perfect", False), ("ST_External", False), ("ir_ST_Perfect", True), ("ir_ST_External", True))


def convert_one(sample: dict, name: str, index: int, removed: bool) -> Iterator[dict]:
    msgs = sample["messages"]
    users = [m["content"] for m in msgs if m["role"] == "user"]
    calls = [m["content"] for m in msgs if m["role"] == "function call"]
    if len(users) != 1 or len(calls) != 1:
        raise Skip("not_single_turn")
    tools = sample["multiple_tools"]
    call = calls[0] if isinstance(calls[0], dict) else json.loads(calls[0])
    if removed:
        if any(t["name"] == call["name"] for t in tools):
            raise Skip("gold_tool_still_offered")
        answers = []
    else:
        answers = [{"name": call["name"], "arguments": call.get("arguments") or {}}]
    query = users[0].replace("\nquery:", "\n").strip()
    yield row(SOURCE, f"{name}-{index}", query, tools, answers)


def convert(corpus_root: Path) -> Iterator[dict]:
    base = Path(corpus_root) / "hammerbench" / "single-turn"
    for name, removed in FILES:
        data = json.loads((base / f"{name}.json").read_text())
        yield from rows_from(list(enumerate(data)), lambda p: convert_one(p[1], name, p[0], removed))
