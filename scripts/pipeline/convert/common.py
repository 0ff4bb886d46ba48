"""Shared helpers for the corpus converters.

Protocol: a converter's `convert(corpus_root)` yields finished rows
`{query, tools, answers, source, id}`, and, for every input row it gives up on, a marker
`{"_drop": reason}` so the CLI can report why rows were lost (a single bad row is never fatal).
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from pipeline.schema import fix_call, normalize_tool, validate_call


class Skip(Exception):
    """Raised by a per-row function to drop that row with a reason."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def drop(reason: str) -> dict:
    return {"_drop": reason}


def is_drop(row: dict) -> bool:
    return "_drop" in row


# Values that point at an earlier call's output cannot be produced by a single-step model.
_VAR_REF = re.compile(r"API_call_\d+|\$var\d*|\$[A-Za-z_][\w.]*\$|\{\{.*?\}\}")


def has_var_ref(value: Any) -> bool:
    """True when any string inside `value` refers to an earlier call's result."""
    if isinstance(value, str):
        return bool(_VAR_REF.search(value))
    if isinstance(value, dict):
        return any(has_var_ref(v) for v in value.values())
    if isinstance(value, list):
        return any(has_var_ref(v) for v in value)
    return False


def load_json_or_jsonl(path: Path) -> Any:
    text = Path(path).read_text(encoding="utf-8")
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]


def dedupe_tools(tools: Iterable[dict]) -> list[dict]:
    """Keep the first tool of each name (a row cannot offer two tools with one name)."""
    seen, out = set(), []
    for t in tools:
        if t["name"] not in seen:
            seen.add(t["name"])
            out.append(t)
    return out


_DATEISH = re.compile(r"^\d{4}-\d{2}-\d{2}([T ][\d:.]+Z?)?$|^\d{1,2}:\d{2}(:\d{2})?$")


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def invented_value(args: Any, query: str) -> str | None:
    """An ID-like value (API key, booking id, email) that the query does not contain.

    LLM-written corpora often put such values in gold calls (copied from an earlier call's output
    or made up); a model reading only the query cannot produce them, so the row is dropped.
    Dates and clock times are exempt: they are legitimately reformatted from the query.
    """
    low = query.lower()
    for s in _strings(args):
        t = s.strip()
        if t.lower() in low or _DATEISH.match(t):
            continue
        idlike = (len(t) >= 8 and " " not in t and re.search(r"\d", t) and re.search(r"[A-Za-z]", t))
        if idlike or "@" in t:
            return t
    return None


# Tool names as the runtime accepts them (schemas/tool.schema.json); corpora hold names such as
# "Get Products in Category" that needle would refuse to load.
_NAME_BAD = re.compile(r"[^A-Za-z0-9_.:-]+")


def runtime_name(name: str) -> str:
    return _NAME_BAD.sub("_", name).strip("_")[:128] or "tool"


def finalize(row: dict) -> dict:
    """Check and tidy one row; raises Skip when the row cannot be used.

    - the query is non-empty, tools are normalised and unique by name;
    - every gold call names an offered tool, has its arguments coerced (unambiguous cases only),
      ordered like the tool's properties, and validates against the tool schema.
    """
    query = (row.get("query") or "").strip()
    if not query:
        raise Skip("empty_query")
    tools = dedupe_tools(dict(t, name=runtime_name(t["name"])) for t in map(normalize_tool, row["tools"]))
    if not tools:
        raise Skip("no_tools")
    by_name = {t["name"]: t for t in tools}
    answers = []
    for call in row["answers"]:
        tool = by_name.get(runtime_name(str(call.get("name") or "")))
        if tool is None:
            raise Skip("gold_tool_not_offered")
        if has_var_ref(call.get("arguments")):
            raise Skip("refers_to_earlier_call")
        if invented_value(call.get("arguments"), query):
            raise Skip("value_not_in_query")
        fixed = fix_call(tool, dict(call, name=tool["name"]))
        if not validate_call(tool, fixed):
            raise Skip("gold_args_invalid")
        answers.append(fixed)
    return {"query": query, "tools": tools, "answers": answers,
            "source": row["source"], "id": row["id"]}


def rows_from(items: Iterable[Any], fn: Callable[[Any], Iterable[dict]]) -> Iterator[dict]:
    """Run `fn` over `items`; finalize its rows; turn failures into drop markers."""
    for item in items:
        try:
            produced = list(fn(item))
        except Skip as e:
            yield drop(e.reason)
            continue
        except Exception as e:  # one broken input row must not stop the corpus
            yield drop(f"error:{type(e).__name__}")
            continue
        for row in produced:
            if is_drop(row):
                yield row
                continue
            try:
                yield finalize(row)
            except Skip as e:
                yield drop(e.reason)
            except Exception as e:
                yield drop(f"error:{type(e).__name__}")


def row(source: str, orig_id: Any, query: str, tools: list, answers: list) -> dict:
    return {"query": query, "tools": tools, "answers": answers, "source": source,
            "id": f"{source}:{orig_id}"}


def add_distractors(gold: list[dict], pool: list[dict], rng: random.Random,
                    lo: int = 2, hi: int = 7) -> list[dict]:
    """Gold tools plus lo..hi random other tools from `pool`, shuffled (seeded rng)."""
    names = {t["name"] for t in gold}
    others = [t for t in pool if t["name"] not in names]
    k = min(len(others), rng.randint(lo, hi))
    tools = list(gold) + rng.sample(others, k)
    rng.shuffle(tools)
    return tools


def seeded_rng(*parts: Any) -> random.Random:
    """A per-row rng so a row's distractors do not depend on which rows came before it."""
    return random.Random("|".join(str(p) for p in parts))
