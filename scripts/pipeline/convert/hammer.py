"""Hammer test sets (Apache-2.0): already `{query, tools, answers}`.

They re-package API-Bank L1/L2, Seal-Tools and ToolAlpaca rows, so most rows duplicate our own
conversions of those corpora; the CLI's cross-corpus dedupe keeps one copy (this corpus runs
after the originals). `query` is a string or a list of chat messages (user turns joined).
The masking_sft example file (10 rows with scrambled names) is not used.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

from pipeline.convert.common import Skip, rows_from, row

SOURCE = "hammer"
FILES = ("apibank_l1", "apibank_l2", "sealtool", "toolalpaca")


def _query(q) -> str:
    if isinstance(q, str):
        return q
    return " ".join(m["content"].replace("Generate API Request:", "").strip()
                    for m in q if m.get("role") == "user")


def convert_one(sample: dict, name: str, index: int) -> Iterator[dict]:
    if not isinstance(sample.get("query"), str) and any(
            "API-Request" in m.get("content", "") for m in sample["query"]):
        raise Skip("dialogue_with_earlier_calls")
    answers = sample.get("answers")
    if isinstance(answers, str):
        answers = json.loads(answers)
    # sealtool rows spell calls {"tool", "parameters"}
    answers = [{"name": a.get("name") or a.get("tool"),
                "arguments": a.get("arguments", a.get("parameters")) or {}} for a in answers]
    if any(a["name"] == "ToolSearcher" for a in answers):
        raise Skip("toolsearcher_call")
    tools = sample["tools"] if not isinstance(sample["tools"], str) else json.loads(sample["tools"])
    yield row(SOURCE, f"{name}-{index}", _query(sample["query"]), tools, answers)


def convert(corpus_root: Path) -> Iterator[dict]:
    base = Path(corpus_root) / "hammer" / "data" / "test" / "original"
    for name in FILES:
        data = json.loads((base / f"{name}.json").read_text())
        yield from rows_from(list(enumerate(data)), lambda p: convert_one(p[1], name, p[0]))
