"""ComplexFuncBench (Apache-2.0): 1,000 multi-step booking requests over 40 tools.

A single-step model can only make the calls whose arguments are all known from the request, so a
row keeps the leading calls that hold no `$varN.field$` reference (the next step would need an
earlier call's output) and no ID copied from an earlier output without a marker (grounded_prefix). Candidates: the gold tools plus 2-7 other tools of the same spec (seeded).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

from pipeline.convert.common import (Skip, add_distractors, has_var_ref, invented_value, rows_from, row,
                                     seeded_rng)
from pipeline.schema import normalize_tool

SOURCE = "complexfuncbench"


def spec_to_tool(spec: dict) -> dict:
    """`query_parameters` {p: {type, description, required, enum, default}} -> normalized tool."""
    params = {}
    for name, p in (spec.get("query_parameters") or spec.get("parameters") or {}).items():
        p = {k: v for k, v in p.items() if v not in (None, [], "")}
        params[name] = p
    return normalize_tool({"name": spec["name"], "description": spec.get("description", ""),
                           "parameters": params})


def leading_calls(output: list[dict]) -> list[dict]:
    """The calls before the first one that refers to an earlier result (`var_result` excluded)."""
    calls = []
    for call in output:
        if call["name"] == "var_result" or has_var_ref(call.get("arguments")):
            break
        calls.append({"name": call["name"], "arguments": call.get("arguments") or {}})
    return calls


def _numbers(value):
    if isinstance(value, bool):
        return
    if isinstance(value, (int, float)):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _numbers(v)
    elif isinstance(value, list):
        for v in value:
            yield from _numbers(v)


def grounded_prefix(calls: list[dict], query: str) -> list[dict]:
    """Cut the call list at the first call holding a value copied from an earlier output without
    a `$var` marker: an ID-like string or a large number (e.g. `dest_id: -2092174`) that the query
    does not contain."""
    out = []
    for call in calls:
        args = call["arguments"]
        big = [n for n in _numbers(args) if abs(n) >= 1000 and not 1900 <= n <= 2100 and str(n) not in query]
        if big or invented_value(args, query):
            break
        out.append(call)
    return out


def convert_rows(data: list, specs: list, source: str, prefix: str) -> Iterator[dict]:
    tools = {s["name"]: spec_to_tool(s) for s in specs}
    pool = [tools[n] for n in sorted(tools)]

    def one(pair):
        index, sample = pair
        calls = grounded_prefix(leading_calls(sample["output"]), sample["input"])
        if not calls:
            raise Skip("first_call_needs_earlier_output")
        if any(c["name"] not in tools for c in calls):
            raise Skip("gold_tool_not_in_spec")
        gold = [tools[n] for n in dict.fromkeys(c["name"] for c in calls)]
        rng = seeded_rng(source, prefix, index)
        yield row(source, f"{prefix}{index}", sample["input"], add_distractors(gold, pool, rng), calls)

    yield from rows_from(list(enumerate(data)), one)


def convert(corpus_root: Path) -> Iterator[dict]:
    base = Path(corpus_root) / "complexfuncbench_nestful"
    data = json.loads((base / "complexfuncbench-data.noresp.json").read_text())
    specs = json.loads((base / "complexfuncbench-spec.nooutput.json").read_text())
    yield from convert_rows(data, specs, SOURCE, "")
