"""SNIPS 2017 custom intent engines (CC0): 7 intents, utterances as text spans with slot labels.

Train (`train_*_full.json`) and validation files are both used. Slot spans become arguments
verbatim; a row with one slot type twice is dropped (the single parameter would lose one).
Candidates: the intent's tool + 2-6 of the other SNIPS tools (seeded per row); SNIPS tools
only, because HWU64 has near-synonyms (get_weather vs get_weather_forecast) that would make a
distractor also correct.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

from pipeline.convert.common import Skip, add_distractors, rows_from, row, seeded_rng
from pipeline.convert.intent_tools import SNIPS, snips_tool

SOURCE = "snips"


def parse_example(parts: list[dict]) -> tuple[str, list[tuple[str, str]]]:
    text, slots = "", []
    for p in parts:
        text += p["text"]
        if p.get("entity"):
            slots.append((p["entity"], p["text"].strip()))
    return " ".join(text.split()), slots


def _read_text(path: Path) -> str:
    """Most files are UTF-8, a few are Latin-1."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def read_examples(corpus_root: Path) -> list[tuple[str, str, list]]:
    base = Path(corpus_root) / "snips" / "2017-06-custom-intent-engines"
    out = []
    for intent in sorted(SNIPS):
        for path in sorted((base / intent).glob("*.json")):
            data = json.loads(_read_text(path))
            for i, ex in enumerate(data[intent]):
                out.append((intent, f"{path.stem}-{i}", ex["data"]))
    return out


def convert_one(item, pool: list[dict]) -> Iterator[dict]:
    intent, sid, parts = item
    query, slots = parse_example(parts)
    types = [s for s, _ in slots]
    if len(types) != len(set(types)):
        raise Skip("repeated_slot_type")
    mapping = SNIPS[intent][2]
    if any(s not in mapping for s in types):
        raise Skip("slot_not_in_tool")
    tool = snips_tool(intent)
    args = {mapping[s][0]: v for s, v in slots if v}
    tools = add_distractors([tool], pool, seeded_rng(SOURCE, sid), lo=2, hi=6)
    yield row(SOURCE, sid, query, tools, [{"name": tool["name"], "arguments": args}])


def convert(corpus_root: Path) -> Iterator[dict]:
    pool = [snips_tool(i) for i in sorted(SNIPS)]
    yield from rows_from(read_examples(corpus_root), lambda it: convert_one(it, pool))
