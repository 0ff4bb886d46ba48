"""Seal-Tools (Apache-2.0): LLM-written tools with old-style params and gold call lists.

Gold calls come from `<split>.jsonl` (`calling`); the candidate tool list of each row comes from
`dataset_for_finetune/<split>.json`, where it sits inside the prompt as a Python literal
(`api_list = [...]`). Rows whose parameters reference `API_call_N` (nested calls) are dropped.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Iterator

from pipeline.convert.common import Skip, rows_from, row

SOURCE = "seal_tools"
SPLITS = ("dev", "test_in_domain", "test_out_domain")


def parse_api_list(prompt: str) -> list[dict]:
    """Extract the `api_list = [...]` Python literal from a finetune prompt."""
    start = prompt.index("api_list = ") + len("api_list = ")
    end = prompt.index("\ntask_instruction", start)
    return ast.literal_eval(prompt[start:end].strip())


def convert_one(sample: dict, api_lists: dict) -> Iterator[dict]:
    if sample["id"] not in api_lists:
        raise Skip("no_candidate_list")
    answers = []
    for call in sample["calling"]:
        if "API_call_" in json.dumps(call.get("parameters")):
            raise Skip("nested_call")  # value is an earlier call's output
        answers.append({"name": call["api"], "arguments": call.get("parameters") or {}})
    yield row(SOURCE, sample["id"], sample["query"], api_lists[sample["id"]], answers)


def convert(corpus_root: Path) -> Iterator[dict]:
    base = Path(corpus_root) / "seal_tools" / "Seal-Tools_Dataset"
    for split in SPLITS:
        finetune = json.loads((base / "dataset_for_finetune" / f"{split}.json").read_text())
        api_lists = {}
        for item in finetune:
            try:
                api_lists[item["id"]] = parse_api_list(item["conversations"][0]["value"])
            except (ValueError, SyntaxError):
                pass  # the row then drops as no_candidate_list
        samples = [json.loads(l) for l in (base / f"{split}.jsonl").read_text().splitlines() if l.strip()]
        yield from rows_from(samples, lambda s: convert_one(s, api_lists))
