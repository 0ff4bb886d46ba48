"""ToolACE sample (Apache-2.0): sharegpt conversations; the tool list is a JSON array inside
the `system` prompt. The first user turn and the call(s) that answer it form a row. Call names
are often fragments of the tool name ("API", "diceware"); they are repaired only when exactly
one offered tool contains the fragment (see `repair_name`), otherwise the row drops.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

from pipeline.convert.common import Skip, rows_from, row

SOURCE = "toolace"


def parse_system_tools(system: str) -> list[dict]:
    start = system.index("[")
    tools, _ = json.JSONDecoder().raw_decode(system[start:])
    return tools


def parse_call_value(value: str) -> list[dict]:
    data = json.loads(value)
    data = data if isinstance(data, list) else [data]
    return [{"name": c["name"], "arguments": c.get("arguments") or {}} for c in data]


def repair_name(name: str, tools: list[dict]) -> str:
    """The sample's call names are often fragments of the tool name ("diceware" for
    "/madlibs-diceware", "API" for "Market Trends API"); use the one tool whose name contains the
    fragment, and keep the name unchanged (the row then drops) when that is not unique."""
    names = [t["name"] for t in tools]
    if name in names:
        return name
    hits = [n for n in names if name.lower() in n.lower()]
    return hits[0] if len(hits) == 1 else name


def convert_one(pair) -> Iterator[dict]:
    index, sample = pair
    conv = sample["conversations"]
    if len(conv) < 2 or conv[0]["from"] != "human" or conv[1]["from"] != "function_call":
        raise Skip("first_turn_not_a_call")
    tools = sample.get("tools")
    tools = json.loads(tools) if isinstance(tools, str) and tools.strip() else tools
    if not tools:
        tools = parse_system_tools(sample.get("system", ""))
    calls = [{"name": repair_name(c["name"], tools), "arguments": c["arguments"]}
             for c in parse_call_value(conv[1]["value"])]
    yield row(SOURCE, index, conv[0]["value"], tools, calls)


def convert(corpus_root: Path) -> Iterator[dict]:
    data = json.loads((Path(corpus_root) / "toolace_subset" / "sharegpt_func_fixed.json").read_text())
    yield from rows_from(list(enumerate(data)), convert_one)
