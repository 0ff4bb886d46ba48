"""HWU64 NLU evaluation data (CC BY 4.0): utterances annotated as `set an alarm for [time : nine am]`.

The 10 test folds together hold every utterance once per fold; rows are de-duplicated by
`answerid`. The query is the annotation with brackets removed, so slot values are exact
substrings of it and become the arguments verbatim. Tools are hand-written (intent_tools.py).
- `general_*` intents (affirm, joke, quirky chit-chat...) -> `answers: []` with 2-7 intent tools
  as candidates (never the catch-all question answerers).
- other intents: the intent's tool + 2-7 other HWU64 tools (seeded per row). A row with a slot
  its tool lacks, or with one slot type twice (e.g. from/to places), is dropped.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Iterator

from pipeline.convert.common import Skip, add_distractors, rows_from, row, seeded_rng
from pipeline.convert.intent_tools import HWU64, SLOTS, hwu64_tool, no_call_candidates

SOURCE = "hwu64"
_SLOT = re.compile(r"\[\s*(\w+)\s*:\s*([^\]]*?)\s*\]")


def parse_annotation(text: str) -> tuple[str, list[tuple[str, str]]]:
    """`wake me at [time : nine am]` -> ("wake me at nine am", [("time", "nine am")])."""
    slots = [(m.group(1), m.group(2).strip()) for m in _SLOT.finditer(text)]
    query = re.sub(r"\s+", " ", _SLOT.sub(lambda m: m.group(2).strip(), text)).strip()
    return query, slots


def read_rows(corpus_root: Path) -> list[dict]:
    rows = {}
    base = Path(corpus_root) / "hwu64_nlu_eval" / "folds_testset"
    for path in sorted(base.glob("*/*.csv")):
        with open(path, encoding="utf-8", newline="") as f:
            for r in csv.DictReader(f, delimiter=";"):
                rows.setdefault(r["answerid"], r)
    return [rows[k] for k in sorted(rows, key=lambda k: (not k.isdigit(), int(k) if k.isdigit() else 0, k))]


def convert_one(r: dict, hwu_pool: list[dict], nocall_pool: list[dict]) -> Iterator[dict]:
    intent = f"{r['scenario']}_{r['intent']}"
    query, slots = parse_annotation(r["answer_annotation"])
    rng = seeded_rng(SOURCE, r["answerid"])
    if intent.startswith("general_"):
        k = rng.randint(2, 7)
        yield row(SOURCE, r["answerid"], query, rng.sample(nocall_pool, k), [])
        return
    if intent not in HWU64:
        raise Skip("unknown_intent")
    allowed = set(HWU64[intent][2])
    if any(s not in allowed for s, _ in slots):
        raise Skip("slot_not_in_tool")
    types = [s for s, _ in slots]
    if len(types) != len(set(types)):
        raise Skip("repeated_slot_type")
    tool = hwu64_tool(intent)
    args = {SLOTS[s][0]: v for s, v in slots if v}
    tools = add_distractors([tool], hwu_pool, rng)
    yield row(SOURCE, r["answerid"], query, tools, [{"name": tool["name"], "arguments": args}])


def convert(corpus_root: Path) -> Iterator[dict]:
    hwu_pool = [hwu64_tool(i) for i in sorted(HWU64)]
    nocall = no_call_candidates()
    yield from rows_from(read_rows(corpus_root), lambda r: convert_one(r, hwu_pool, nocall))
