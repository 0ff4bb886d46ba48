"""ACEBench data_en (MIT): JSON-Schema tools (type `dict` = object), gold in possible_answer/.

Kept categories: normal single/parallel, atom_*, similar_api, and special_irrelevant (-> []).
Skipped: multi_turn, agent (multi-step with execution), preference (needs a user profile),
special_incomplete and special_error_param (gold is a clarification, not a call).
Questions are `user:`/`system:` transcripts; a transcript is used when every system turn is a
plain clarification (its user turns are joined into one query); transcripts whose system turns
hold earlier calls (`system: [f(x=1)]`) are dropped.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Iterator

from pipeline.convert.common import Skip, rows_from, row

SOURCE = "acebench"
CATEGORIES = (
    "normal_single_turn_single_function", "normal_single_turn_parallel_function",
    "normal_atom_bool", "normal_atom_enum", "normal_atom_list", "normal_atom_number",
    "normal_atom_object_short", "normal_atom_object_deep", "normal_similar_api",
    "special_irrelevant",
)

_TURN = re.compile(r"^(user|system):\s?", re.M)


def question_to_query(question: str) -> str:
    """Join the user turns of a transcript; refuse transcripts with earlier tool calls."""
    parts = _TURN.split(question)
    # parts = [prefix, role, text, role, text, ...]
    turns = [(parts[i], parts[i + 1].strip()) for i in range(1, len(parts) - 1, 2)]
    if not turns:
        return question.strip()
    if any(role == "system" and text.startswith("[") for role, text in turns):
        raise Skip("dialogue_with_earlier_calls")
    return " ".join(text for role, text in turns if role == "user")


def resolve_name(name: str, tool_names: set[str]) -> str:
    """Parallel answers number repeated calls: `f_1`, `f_2` -> `f`."""
    if name in tool_names:
        return name
    base = re.sub(r"_\d+$", "", name)
    return base if base in tool_names else name


def convert_one(sample: dict, gold: dict, irrelevant: bool) -> Iterator[dict]:
    query = question_to_query(sample["question"])
    if sample.get("time"):
        query = f"{query} ({sample['time'].strip()})"  # gold dates are relative to it
    tools = sample["function"]
    names = {t["name"] for t in tools}
    if irrelevant:
        answers = []
    else:
        gt = gold[sample["id"]]
        if isinstance(gt, list):  # one row lists alternatives; take the first
            gt = gt[0]
        answers = [{"name": resolve_name(n, names), "arguments": a} for n, a in gt.items()]
    yield row(SOURCE, sample["id"], query, tools, answers)


def convert(corpus_root: Path) -> Iterator[dict]:
    base = Path(corpus_root) / "acebench" / "data_all" / "data_en"
    for cat in CATEGORIES:
        read = lambda p: [json.loads(l) for l in p.read_text().splitlines() if l.strip()]
        samples = read(base / f"data_{cat}.json")
        gold = {g["id"]: g["ground_truth"] for g in read(base / "possible_answer" / f"data_{cat}.json")}
        irrelevant = cat == "special_irrelevant"
        yield from rows_from(samples, lambda s: convert_one(s, gold, irrelevant))
