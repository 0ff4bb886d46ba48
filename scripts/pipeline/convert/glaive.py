"""glaive-function-calling-v2 sample via LLaMA-Factory (Apache-2.0), English file only.

- Conversations that call: the human turns up to the first `function_call` form the query
  (assistant clarifications in between are dropped, the user's answers kept).
- Conversations that never call: `[]` when the assistant's first reply is an ordinary answer or a
  refusal; skipped when it looks like a clarification request (then a tool did fit).
- Rows with no tools offered are skipped (nothing to choose from).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Iterator

from pipeline.convert.common import Skip, rows_from, row
from pipeline.convert.toolace import parse_call_value

SOURCE = "glaive"
_CLARIFY = re.compile(r"\b(could you|can you|please provide|please tell|may i know|what is the|"
                      r"which|what are the|i need|need to know|provide me)\b[^?]*\?", re.I)


def is_clarification(reply: str) -> bool:
    return bool(_CLARIFY.search(reply))


def convert_one(pair) -> Iterator[dict]:
    index, sample = pair
    tools = json.loads(sample["tools"]) if isinstance(sample["tools"], str) else sample["tools"]
    if not tools:
        raise Skip("no_tools")
    conv = sample["conversations"]
    humans = []
    for turn in conv:
        if turn["from"] == "human":
            humans.append(turn["value"])
        elif turn["from"] == "function_call":
            yield row(SOURCE, index, " ".join(humans), tools, parse_call_value(turn["value"]))
            return
        elif turn["from"] == "gpt" and not any(t["from"] == "function_call" for t in conv):
            if is_clarification(turn["value"]):
                raise Skip("clarification")
            yield row(SOURCE, index, humans[0], tools, [])
            return
    raise Skip("no_answer")


def convert(corpus_root: Path) -> Iterator[dict]:
    path = Path(corpus_root) / "llamafactory_glaive" / "data" / "glaive_toolcall_en_demo.json"
    yield from rows_from(list(enumerate(json.loads(path.read_text()))), convert_one)
