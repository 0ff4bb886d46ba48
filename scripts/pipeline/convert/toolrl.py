"""ToolRL SFT + test (Apache-2.0): tools are embedded in the prompt text as
`N. Name: X / Description: ... / Parameters: {json}`; gold calls sit in `<tool_call>` blocks
(one JSON object per line, arguments under `parameters`).

Kept: single-user-turn dialogues whose answer makes tool calls. Answers without a `<tool_call>`
are skipped: they mix chit-chat, clarifications and refusals, which the text does not separate.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Iterator

from pipeline.convert.common import Skip, rows_from, row

SOURCE = "toolrl"
_TOOL = re.compile(r"^\d+\.\s*Name:\s*(.+?)\nDescription:\s*(.*?)\nParameters:\s*(\{.*?\})\s*$", re.M | re.S)
_USER = re.compile(r"<user>(.*?)</user>", re.S)
_CALLS = re.compile(r"<tool_call>(.*?)</tool_call>", re.S)


def parse_tools(instruction: str) -> list[dict]:
    block = instruction.split("**Available Tools**", 1)[-1].split("**Steps for Each Turn**", 1)[0]
    return [{"name": n.strip(), "description": d.strip(), "parameters": json.loads(p)}
            for n, d, p in _TOOL.findall(block)]


def parse_calls(output: str) -> list[dict]:
    # the <think> text sometimes mentions "<tool_call>" itself; read only what follows it
    m = _CALLS.search(output.split("</think>")[-1])
    if not m:
        raise Skip("no_tool_call")
    calls = []
    for line in m.group(1).strip().splitlines():
        if line.strip():
            c = json.loads(line)
            calls.append({"name": c["name"], "arguments": c.get("parameters", c.get("arguments")) or {}})
    return calls


def convert_one(sample: dict, sid: str) -> Iterator[dict]:
    users = _USER.findall(sample["input"])
    if len(users) != 1 or "<obs>" in sample["input"] or "<tool_call>" in sample["input"]:
        raise Skip("multi_turn")
    calls = parse_calls(sample["output"])
    tools = parse_tools(sample["instruction"])
    yield row(SOURCE, sid, users[0].strip(), tools, calls)


def convert(corpus_root: Path) -> Iterator[dict]:
    base = Path(corpus_root) / "toolrl" / "dataset"
    sft = json.loads((base / "rlla_4k_raw" / "rlla_sft.json").read_text())
    yield from rows_from(list(enumerate(sft)), lambda p: convert_one(p[1], f"sft-{p[0]}"))
    test = json.loads((base / "rlla_4k" / "test.json").read_text())
    yield from rows_from(list(enumerate(test)), lambda p: convert_one(p[1]["extra_info"], f"test-{p[0]}"))
