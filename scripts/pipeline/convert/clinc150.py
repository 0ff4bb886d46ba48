"""CLINC150 (CC BY 3.0): 150 intents without slots + out-of-scope queries.

- out-of-scope (oos_train/val/test, 1,200) -> `answers: []`, with 2-7 hand-written intent tools
  as candidates (catch-all question answerers excluded).
- in-scope: CLINC has no slot annotations, so only intents whose natural tool takes no arguments
  are used (intent_tools.CLINC_NO_ARG, 10 intents), as selection rows `{name, arguments: {}}`
  with 2-7 other no-argument CLINC tools as candidates. All other in-scope rows are skipped
  (an empty-argument call would be wrong whenever the query names a value).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

from pipeline.convert.common import Skip, add_distractors, rows_from, row, seeded_rng
from pipeline.convert.intent_tools import CLINC_NO_ARG, clinc_tool, no_call_candidates

SOURCE = "clinc150"
SPLITS = ("train", "val", "test", "oos_train", "oos_val", "oos_test")


def convert_one(item, clinc_pool: list[dict], nocall: list[dict]) -> Iterator[dict]:
    sid, text, intent = item
    rng = seeded_rng(SOURCE, sid)
    if intent == "oos":
        yield row(SOURCE, sid, text, rng.sample(nocall, rng.randint(2, 7)), [])
        return
    if intent not in CLINC_NO_ARG:
        raise Skip("intent_needs_arguments")
    tool = clinc_tool(intent)
    tools = add_distractors([tool], clinc_pool, rng)
    yield row(SOURCE, sid, text, tools, [{"name": tool["name"], "arguments": {}}])


def convert(corpus_root: Path) -> Iterator[dict]:
    data = json.loads((Path(corpus_root) / "clinc150" / "data_full.json").read_text())
    items = [(f"{split}-{i}", text, intent) for split in SPLITS for i, (text, intent) in enumerate(data[split])]
    clinc_pool = [clinc_tool(i) for i in sorted(CLINC_NO_ARG)]
    nocall = no_call_candidates()
    yield from rows_from(items, lambda it: convert_one(it, clinc_pool, nocall))
